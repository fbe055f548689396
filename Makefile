# The two commands of README.md: `make run` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
PORT   ?= 8000
STAMP  := $(VENV)/.installed

PO_FILES := $(wildcard locale/*/LC_MESSAGES/django.po)
MO_FILES := $(PO_FILES:.po=.mo)

.PHONY: run test install catalogs lint check-migrations pytest clean demo-code

LOCK   := requirements.lock
# How the lock is made (make lock): exact versions with the hashes of every file PyPI has for
# them; --isolated ignores this machine's pip configuration (local mirrors).
PIP_COMPILE := $(VENV)/bin/pip-compile --quiet --generate-hashes --allow-unsafe --strip-extras \
	--extra dev --no-emit-index-url --no-emit-find-links --pip-args "--isolated"

.PHONY: lock

## The virtualenv: exactly the versions of requirements.lock (hashes checked), then the
## project's own metadata (no dependencies: they all come from the lock). Rebuilt whenever
## pyproject.toml or the lock changes; `pip check` fails if pyproject.toml asks for a
## package the lock lacks (run `make lock` then).
$(STAMP): pyproject.toml $(LOCK)
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --require-hashes -r $(LOCK)
	$(PY) -m pip install --quiet --no-deps --no-build-isolation .
	@out=$$($(PY) -m pip check) || { echo "$$out"; exit 1; }
	touch $(STAMP)

## make lock: re-resolve requirements.lock from pyproject.toml, keeping the pinned versions
## that still fit. `make lock LOCK_ARGS=--upgrade` moves everything to the newest allowed;
## `make lock LOCK_ARGS="--upgrade-package django"` only Django.
lock:
	test -x $(VENV)/bin/pip-compile || $(MAKE) $(STAMP)
	$(PIP_COMPILE) $(LOCK_ARGS) --output-file $(LOCK) pyproject.toml

install: $(STAMP) catalogs

## The translation catalogs, compiled with Babel (no gettext tools needed to run the portal).
catalogs: $(MO_FILES)

locale/%/LC_MESSAGES/django.mo: locale/%/LC_MESSAGES/django.po $(STAMP)
	$(VENV)/bin/pybabel compile -D django -d locale -l $* 2>&1 | grep -v '^compiling' || true
	@test -s $@

## make run: install, migrate, load the Member States and demo data, start web + Celery.
run: export DEBUG ?= true
run: export PORTAL_BASE_URL ?= http://127.0.0.1:$(PORT)
run: $(STAMP) catalogs
	@mkdir -p var
	$(PY) manage.py migrate --noinput
	$(PY) manage.py createcachetable
	$(PY) manage.py load_demo
	@PORT=$(PORT) $(PY) -m config.runall

## make demo-code EMAIL=signatory.che@example.org: the demo account's current two-factor code.
demo-code: $(STAMP)
	@test -n "$(EMAIL)" || (echo "usage: make demo-code EMAIL=<demo e-mail>" >&2; exit 2)
	@DEBUG=true $(PY) manage.py demo_code "$(EMAIL)"

## make test: install, lint, check migrations, run the whole test suite.
test: $(STAMP) catalogs lint check-migrations pytest

lint:
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

check-migrations:
	DEBUG=true DATABASE_URL= $(PY) manage.py makemigrations --check --dry-run

pytest: catalogs
	$(VENV)/bin/pytest $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) var staticfiles $(MO_FILES)

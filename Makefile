# The two commands of README.md: `make run` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
PORT   ?= 8000
STAMP  := $(VENV)/.installed

PO_FILES := $(wildcard locale/*/LC_MESSAGES/django.po)
MO_FILES := $(PO_FILES:.po=.mo)

.PHONY: run test install catalogs lint check-migrations pytest clean demo-code

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet ".[dev]"
	touch $(STAMP)

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

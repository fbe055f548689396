"""Production settings pass Django's deployment checklist and refuse to start without secrets.

Each test runs a fresh interpreter on config.settings (not tests.settings) with only the
environment a deployment would give it.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

BASE = Path(__file__).resolve().parent.parent
OURS = {
    "DEBUG",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "DATABASE_URL",
    "REDIS_URL",
    "EMAIL_HOST",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "BEHIND_TLS_PROXY",
    "DJANGO_SETTINGS_MODULE",
}


def production_env(**env: str) -> dict[str, str]:
    # Nothing of the test run leaks in: e.g. tests/e2e sets DJANGO_ALLOW_ASYNC_UNSAFE, which
    # the deploy check rightly refuses (async.E001).
    clean = {k: v for k, v in os.environ.items() if k not in OURS and not k.startswith("DJANGO_")}
    clean.update(
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="consult.example.org",
        EMAIL_HOST="smtp.example.org",
    )
    clean.update(env)
    return {k: v for k, v in clean.items() if v is not None}


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603
        [sys.executable, *args], cwd=BASE, env=env, capture_output=True, text=True, timeout=120
    )


def test_check_deploy_finds_no_issue_with_debug_unset() -> None:
    result = run(["manage.py", "check", "--deploy"], production_env())

    assert result.returncode == 0, result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout
    assert "WARNING" not in result.stdout + result.stderr


def test_check_deploy_finds_no_issue_with_debug_false_behind_a_proxy() -> None:
    env = production_env(DEBUG="false", BEHIND_TLS_PROXY="true")
    result = run(["manage.py", "check", "--deploy"], env)

    assert result.returncode == 0, result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_check_deploy_reports_the_debug_mode_of_make_run() -> None:
    """The check is real: DEBUG=true (the local demo) is reported."""
    result = run(["manage.py", "check", "--deploy"], production_env(DEBUG="true"))

    assert "security.W018" in result.stdout + result.stderr


def test_production_without_secret_key_refuses_to_start() -> None:
    env = production_env()
    del env["SECRET_KEY"]
    for args in (["manage.py", "check", "--deploy"], ["-c", "import config.wsgi"]):
        result = run(args, env)
        assert result.returncode != 0
        assert (
            "django.core.exceptions.ImproperlyConfigured: SECRET_KEY is not set. "
            "It is required when DEBUG is off (production)."
        ) in result.stderr


def test_production_with_a_short_secret_key_refuses_to_start() -> None:
    result = run(["manage.py", "check"], production_env(SECRET_KEY="too-short-" * 4))

    assert result.returncode != 0
    assert "SECRET_KEY must be at least 50 characters long in production" in result.stderr


PROBE = (
    "import django; from django.conf import settings; django.setup(); "
    "print(settings.SECURE_SSL_REDIRECT, settings.SECURE_PROXY_SSL_HEADER, "
    "settings.SECURE_HSTS_SECONDS, settings.SESSION_COOKIE_SECURE, settings.CSRF_COOKIE_SECURE)"
)


def test_the_proxy_header_is_trusted_only_when_asked() -> None:
    env = production_env(DJANGO_SETTINGS_MODULE="config.settings")
    assert run(["-c", PROBE], env).stdout.split() == ["True", "None", "31536000", "True", "True"]

    env.update(BEHIND_TLS_PROXY="true", SECURE_SSL_REDIRECT="false", SECURE_HSTS_SECONDS="60")
    result = run(["-c", PROBE], env)
    assert result.stdout.strip() == ("False ('HTTP_X_FORWARDED_PROTO', 'https') 60 True True"), (
        result.stderr
    )

"""Production settings come from the environment and fail loudly when a value is missing."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

BASE = Path(__file__).resolve().parent.parent
PROBE = (
    "import django; from django.conf import settings; django.setup(); "
    "print(settings.DATABASES['default']['ENGINE'], settings.DEBUG, settings.CELERY_BROKER_URL)"
)


def load_settings(**env: str) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k
        not in {
            "DEBUG",
            "SECRET_KEY",
            "ALLOWED_HOSTS",
            "DATABASE_URL",
            "REDIS_URL",
            "EMAIL_HOST",
        }
    }
    clean.update(env, DJANGO_SETTINGS_MODULE="config.settings")
    return subprocess.run(  # noqa: S603
        [sys.executable, "-c", PROBE],
        cwd=BASE,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_without_secret_key_is_refused() -> None:
    result = load_settings(ALLOWED_HOSTS="portal.example.org", EMAIL_HOST="smtp.example.org")
    assert result.returncode != 0
    assert "ImproperlyConfigured: SECRET_KEY is not set" in result.stderr


def test_production_without_allowed_hosts_is_refused() -> None:
    result = load_settings(SECRET_KEY="x" * 50, EMAIL_HOST="smtp.example.org")
    assert "ImproperlyConfigured: ALLOWED_HOSTS is not set" in result.stderr


def test_production_without_mail_server_is_refused() -> None:
    result = load_settings(SECRET_KEY="x" * 50, ALLOWED_HOSTS="portal.example.org")
    assert "ImproperlyConfigured: EMAIL_HOST is not set" in result.stderr


def test_malformed_boolean_is_refused() -> None:
    result = load_settings(DEBUG="maybe")
    assert "DEBUG must be one of" in result.stderr


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"DEBUG": "true"}, "django.db.backends.sqlite3 True filesystem://"),
        (
            {
                "SECRET_KEY": "x" * 50,
                "ALLOWED_HOSTS": "portal.example.org",
                "EMAIL_HOST": "smtp.example.org",
                "DATABASE_URL": "postgres://portal@db.example.org:5432/portal",
                "REDIS_URL": "redis://cache.example.org:6379/0",
            },
            "django.db.backends.postgresql False redis://cache.example.org:6379/0",
        ),
    ],
)
def test_defaults_and_configured_services(env: dict[str, str], expected: str) -> None:
    result = load_settings(**env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == expected

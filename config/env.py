"""Reading settings from the environment.

Each helper returns a typed value or raises ImproperlyConfigured with a message that names the
variable, so that a deployment with a missing or malformed value fails at start-up, not later.
"""

from __future__ import annotations

import os

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be one of true/false/1/0/yes/no, not {raw!r}.")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, not {raw!r}.") from None


def env_list(name: str, default: list[str] | None = None) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return list(default or [])
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_required(name: str, *, when: bool, fallback: str = "") -> str:
    """Return the variable; raise when it is missing and `when` is true (production)."""
    value = os.environ.get(name, "").strip()
    if value:
        return value
    if when:
        raise ImproperlyConfigured(
            f"{name} is not set. It is required when DEBUG is off (production). "
            "See README.md, 'Configuration'."
        )
    return fallback

"""Every non-trivial read of the accounts app."""

from __future__ import annotations

from typing import Any

from accounts.models import Observer, Official


def official_for_user(user: Any) -> Official | None:
    """The active official record of an authenticated, active user, else None.

    A deactivated official (or a deactivated user) has none: they reach nothing.
    """
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    try:
        official = user.official
    except Official.DoesNotExist:
        return None
    if not official.is_active:
        return None
    return official


def observer_for_user(user: Any) -> Observer | None:
    """The active observer record of an authenticated, active user, else None."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    try:
        observer = user.observer
    except Observer.DoesNotExist:
        return None
    return observer if observer.is_active else None

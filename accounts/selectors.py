"""Every non-trivial read of the accounts app."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from typing import Any

import icu
from django.db.models import QuerySet
from django.utils import translation
from django.utils.http import base36_to_int

from accounts.models import AccountEvent, MemberState, Observer, Official, User
from accounts.tokens import invitation_token_generator


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


def official_role_and_status(user: Any) -> tuple[str, bool] | None:
    """The role and the `is_active` flag of the user's Official record; None if they have none.

    The record is read once, with its Member State, and kept on the user: `user.official`
    (official_for_user) then needs no query of its own on the same request."""
    official = Official.objects.select_related("member_state").filter(user_id=user.pk).first()
    user = getattr(user, "_wrapped", user)  # request.user, once evaluated
    type(user).official.related.set_cached_value(user, official)
    if official is None:
        return None
    Official.user.field.set_cached_value(official, user)
    return official.role, official.is_active


_UNREAD: Any = object()


def user_requires_mfa(user: Any, *, official: tuple[str, bool] | None = _UNREAD) -> bool:
    """Whether the user must use two-factor authentication: TSB staff and active signatories.

    Drafters and observers may set it up but are not forced to. `official` saves a query
    when the caller has already read official_role_and_status(user).
    """
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_staff:
        return True
    state = official_role_and_status(user) if official is _UNREAD else official
    return state == (Official.Role.SIGNATORY, True)


def totp_authenticator_id(user: Any) -> int | None:
    """The id of the user's TOTP authenticator (authenticator app), or None."""
    from allauth.mfa.models import Authenticator

    return (
        Authenticator.objects.filter(user_id=user.pk, type=Authenticator.Type.TOTP)
        .values_list("pk", flat=True)
        .first()
    )


def official_is_deactivated(user: Any) -> bool:
    """True if the user has an Official record that TSB has deactivated."""
    return Official.objects.filter(user_id=user.pk, is_active=False).exists()


def invitation_user(*, uidb36: str, key: str) -> User | None:
    """The user an invitation link was made for, if the link is still valid; else None.

    Never raises on a garbled link. A deactivated user or official has no valid link.
    """
    try:
        pk = base36_to_int(uidb36)
    except ValueError:
        return None
    user = User.objects.filter(pk=pk, is_active=True).first()
    if user is None or not invitation_token_generator.check_token(user, key):
        return None
    if official_is_deactivated(user):
        return None
    return user


def account_events_for_user(*, user: Any) -> QuerySet[AccountEvent]:
    """A user's account history, newest first."""
    return AccountEvent.objects.filter(subject_id=user.pk).select_related("actor")


# --- Member State names in the reader's language -------------------------------------------


@functools.cache
def _collator(language: str) -> Any:
    # ICU (CLDR) collation: pinyin for Chinese, Arabic and Cyrillic alphabets, French accents.
    return icu.Collator.createInstance(icu.Locale(language.split("-")[0]))


def collation_key(language: str | None = None) -> Callable[[str], Any]:
    """A sort key that orders texts as the reader's language does (ICU/CLDR collation)."""
    return _collator(language or translation.get_language() or "en").getSortKey  # type: ignore[no-any-return]


def member_state_names(language: str | None = None) -> dict[str, str]:
    """{ITU English name: name in `language`} for every Member State.

    Frozen results and exports keep the English name (the record's identity); pages show
    the reader's name through this map.
    """
    language = language or translation.get_language() or "en"
    column = f"name_{language.replace('-', '_')}"
    if language == "en" or column not in {f.name for f in MemberState._meta.fields}:
        return {name: name for name in MemberState.objects.values_list("name_en", flat=True)}
    return {
        english: local or english
        for english, local in MemberState.objects.values_list("name_en", column)
    }


def names_sorted(names: Iterable[str], language: str | None = None) -> list[str]:
    """English Member State names, shown and sorted in the reader's language."""
    local = member_state_names(language)
    return sorted((local.get(name, name) for name in names), key=collation_key(language))

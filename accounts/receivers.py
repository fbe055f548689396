"""Receivers of allauth's MFA signals, its documented extension points.

When someone adds or removes an authenticator app, the change is written to the account's
history, and the session in which the app was set up is marked: it has shown it holds the
app (the set-up form checked a code), so the two-factor check of the middleware lets it
continue without logging in again.
"""

from __future__ import annotations

from typing import Any

from allauth.mfa.models import Authenticator
from django.http import HttpRequest

from accounts import services
from accounts.http import client_ip
from accounts.middleware import TOTP_ACTIVATED_SESSION_KEY, mark_totp_activated


def on_authenticator_added(
    sender: Any, request: HttpRequest | None, user: Any, authenticator: Authenticator, **kwargs: Any
) -> None:
    if authenticator.type != Authenticator.Type.TOTP:
        return
    if request is not None:
        mark_totp_activated(request.session, authenticator.pk)
    services.mfa_change_record(
        user=user,
        activated=True,
        authenticator_type=authenticator.type,
        ip_address=client_ip(request) if request is not None else None,
    )


def on_authenticator_removed(
    sender: Any, request: HttpRequest | None, user: Any, authenticator: Authenticator, **kwargs: Any
) -> None:
    if authenticator.type != Authenticator.Type.TOTP:
        return
    if request is not None:
        request.session.pop(TOTP_ACTIVATED_SESSION_KEY, None)
    services.mfa_change_record(
        user=user,
        activated=False,
        authenticator_type=authenticator.type,
        ip_address=client_ip(request) if request is not None else None,
    )

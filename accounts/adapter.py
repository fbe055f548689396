from __future__ import annotations

import time
from typing import Any

from allauth.account import app_settings as account_settings
from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.authentication import get_authentication_records
from allauth.core import context
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext

from accounts import selectors
from accounts.middleware import totp_activated_at


class AccountAdapter(DefaultAccountAdapter):
    """Signup is closed: TSB invites officials; nobody grants themselves access."""

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return False

    def format_email_subject(self, subject: str) -> str:
        """allauth's mails (password reset, security notices) with our prefix, translated."""
        return gettext("[TSB consultations] %(subject)s") % {"subject": subject}

    def pre_login(self, request: HttpRequest, user: Any, **kwargs: Any) -> HttpResponse | None:
        """Refuse the login of an official whom TSB has deactivated, as of an inactive user."""
        if selectors.official_is_deactivated(user):
            return self.respond_user_inactive(request, user)
        return super().pre_login(request, user, **kwargs)

    def is_reauthentication_required(self, *, app: str, **kwargs: Any) -> bool:
        """Let a freshly logged-in signatory set up their authenticator app (and see its
        recovery codes) without typing the password twice; otherwise ask, as allauth does.

        allauth (MFA_REAUTHENTICATION_REQUIRED, kept True) counts only a *re*authentication
        as recent, so right after login, or right after setting a password from an
        invitation, the forced set-up would first ask for the password again. Within
        ACCOUNT_REAUTHENTICATION_TIMEOUT, two moments prove as much as a reauthentication:
        for a user without an authenticator app, the login itself; for a user who has one,
        its set-up in this very session (its form checked a code). Past that window, or in
        another session, removing the app or regenerating codes asks for the password.
        """
        if not super().is_reauthentication_required(app=app, **kwargs):
            return False
        request = context.request
        if app != "allauth.mfa" or request is None or not request.user.is_authenticated:
            return True
        totp_id = selectors.totp_authenticator_id(request.user)
        if totp_id is None:
            records = get_authentication_records(request, request.user)
            moments = [r.get("at") for r in records]
        else:
            moments = [totp_activated_at(request.session, totp_id)]
        moments = [at for at in moments if isinstance(at, int | float)]
        if not moments:
            return True
        return time.time() - max(moments) >= account_settings.REAUTHENTICATION_TIMEOUT

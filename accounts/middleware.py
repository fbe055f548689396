"""Session and two-factor rules that allauth does not enforce by itself.

AccountSecurityMiddleware sits after allauth's AccountMiddleware (it needs request.user and
allauth's request context) and before allauth's UserSessionsMiddleware (a session it ends is
not tracked again). On every request of an authenticated user it:

1. ends the session once it is older than SESSION_ABSOLUTE_SECONDS since login (the idle
   limit is Django's own: SESSION_COOKIE_AGE with SESSION_SAVE_EVERY_REQUEST);
2. ends the session of an official whom TSB has deactivated (a backstop for sessions
   official_deactivate could not find; a deactivated *user* is already anonymous, because
   Django's ModelBackend refuses inactive users);
3. ends the session of a user who must use two-factor authentication, has an authenticator
   app, and whose session never passed the two-factor step: allauth records the steps of a
   login in the session, and a login that bypassed allauth (or happened before the user set
   up the app in another session) has no "mfa" step. Setting up the app in this very session
   counts (accounts.receivers records it);
4. sends a signatory or TSB staff member without an authenticator app to its set-up page,
   from every page except the few needed to set it up or leave (ALLOWED_WITHOUT_TOTP).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from allauth.account.authentication import get_authentication_records
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from accounts import selectors

logger = logging.getLogger(__name__)

LOGIN_AT_SESSION_KEY = "accounts_login_at"
TOTP_ACTIVATED_SESSION_KEY = "accounts_totp_activated"

# URL names a user who must set up two-factor authentication may still reach.
ALLOWED_WITHOUT_TOTP = frozenset(
    {
        "account_logout",
        "account_reauthenticate",
        "account_email",
        "account_email_verification_sent",
        "account_confirm_email",
        "mfa_index",
        "mfa_activate_totp",
        "mfa_reauthenticate",
        "mfa_view_recovery_codes",
        "mfa_generate_recovery_codes",
        "mfa_download_recovery_codes",
        "accounts:invitation-accept",
        "set_language",
    }
)


class AccountSecurityMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated:
            reason = self._reason_to_end_session(request, user)
            if reason:
                return self._end_session(request, reason)
        response = self.get_response(request)
        # The clock of the absolute limit starts at the first response of an authenticated
        # session (the login itself, for logins through allauth).
        if (
            getattr(request, "user", None) is not None
            and request.user.is_authenticated
            and LOGIN_AT_SESSION_KEY not in request.session
        ):
            request.session[LOGIN_AT_SESSION_KEY] = time.time()
        return response

    def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., Any],
        view_args: Any,
        view_kwargs: Any,
    ) -> HttpResponse | None:
        user = request.user
        if not user.is_authenticated or not _requires_mfa(request, user):
            return None
        if _totp_id(request, user) is not None:
            return None
        match = request.resolver_match
        if match is not None and match.view_name in ALLOWED_WITHOUT_TOTP:
            return None
        if request.path.startswith(f"/{settings.STATIC_URL.lstrip('/')}"):
            return None
        messages.info(
            request,
            _(
                "Your role requires two-factor authentication. Set up an authenticator app "
                "to continue."
            ),
            fail_silently=True,
        )
        return HttpResponseRedirect(reverse("mfa_activate_totp"))

    def _reason_to_end_session(self, request: HttpRequest, user: Any) -> str | None:
        login_at = request.session.get(LOGIN_AT_SESSION_KEY)
        if (
            isinstance(login_at, int | float)
            and time.time() - login_at > settings.SESSION_ABSOLUTE_SECONDS
        ):
            return _("Your session has expired. Please log in again.")
        official = _official(request, user)
        if official is not None and not official[1]:
            return _("Your access to the portal has been withdrawn by TSB.")
        if _requires_mfa(request, user):
            totp_id = _totp_id(request, user)
            if totp_id is not None and not _session_passed_mfa(request, user, totp_id):
                return _(
                    "Your account uses two-factor authentication, but this session did not "
                    "pass it. Please log in again."
                )
        return None

    def _end_session(self, request: HttpRequest, reason: str) -> HttpResponse:
        path = request.get_full_path()
        logout(request)
        messages.warning(request, reason, fail_silently=True)
        return redirect_to_login(path, login_url=reverse("account_login"))


def _official(request: HttpRequest, user: Any) -> tuple[str, bool] | None:
    if not hasattr(request, "_accounts_official"):
        request._accounts_official = selectors.official_role_and_status(user)  # type: ignore[attr-defined]
    return request._accounts_official  # type: ignore[attr-defined, no-any-return]


def _requires_mfa(request: HttpRequest, user: Any) -> bool:
    if user.is_staff:
        return True
    return selectors.user_requires_mfa(user, official=_official(request, user))


def _totp_id(request: HttpRequest, user: Any) -> int | None:
    if not hasattr(request, "_accounts_totp_id"):
        request._accounts_totp_id = selectors.totp_authenticator_id(user)  # type: ignore[attr-defined]
    return request._accounts_totp_id  # type: ignore[attr-defined, no-any-return]


def mark_totp_activated(session: Any, totp_id: int) -> None:
    """Record that the authenticator app `totp_id` was set up in this session, and when."""
    session[TOTP_ACTIVATED_SESSION_KEY] = {"id": totp_id, "at": time.time()}


def totp_activated_at(session: Any, totp_id: int) -> float | None:
    """When the authenticator app `totp_id` was set up in this session; None if elsewhere."""
    mark = session.get(TOTP_ACTIVATED_SESSION_KEY)
    if isinstance(mark, dict) and mark.get("id") == totp_id:
        at = mark.get("at")
        return float(at) if isinstance(at, int | float) else None
    return None


def _session_passed_mfa(request: HttpRequest, user: Any, totp_id: int) -> bool:
    records = get_authentication_records(request, user)
    if any(record.get("method") == "mfa" for record in records):
        return True
    return totp_activated_at(request.session, totp_id) is not None


class UserLanguageMiddleware:
    """The portal speaks the language of the official's profile, else the browser's.

    After LocaleMiddleware (which reads the language cookie set by the selector, then the
    browser's Accept-Language) and AuthenticationMiddleware: a language stored in the profile
    wins for a logged-in user, on every device.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        language = getattr(user, "language", "") if user.is_authenticated else ""
        if language and language != getattr(request, "LANGUAGE_CODE", None):
            translation.activate(language)
            request.LANGUAGE_CODE = language
        return self.get_response(request)


SEEN_AT_SESSION_KEY = "_accounts_seen_at"


class CoarseActivityMiddleware:
    """Session expiry and allauth's "last seen" written at most once per
    SESSION_REFRESH_SECONDS, not on every request, and after the answer has gone (issue 14).

    Django's SESSION_SAVE_EVERY_REQUEST rewrote the session row on every request, and
    allauth's UserSessionsMiddleware updated its own row in its own transaction: two writes
    before any view ran. Here, when the last refresh is older than the step, the session is
    saved with a renewed idle expiry and allauth's activity is tracked; otherwise nothing is
    written. When the view itself changed the session, Django saves it now and the mark goes
    with it; otherwise the two writes wait until the response has been sent (the WSGI
    server closes it): at a deadline rush, an official's first page after a pause no longer
    waits for the database's write lock. The idle limit (SESSION_IDLE_SECONDS) is kept to
    within one step."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        session = getattr(request, "session", None)
        if user is None or not user.is_authenticated or session is None:
            return response
        now = time.time()
        seen = session.get(SEEN_AT_SESSION_KEY)
        if isinstance(seen, int | float) and now - seen < settings.SESSION_REFRESH_SECONDS:
            return response
        if session.modified or not session.session_key:
            session[SEEN_AT_SESSION_KEY] = now  # saved by Django's SessionMiddleware, next
            _track_activity(request, user, session)
        else:
            response._resource_closers.append(  # run by response.close(), after sending
                lambda: _refresh(request, user, session, now)
            )
        return response


def _track_activity(request: HttpRequest, user: Any, session: Any) -> None:
    from allauth.usersessions.internal import usersessionkit

    usersessionkit.track_activity(request, user=user, session=session)


def _refresh(request: HttpRequest, user: Any, session: Any, now: float) -> None:
    """The deferred refresh: the session saved (its idle expiry renewed), allauth's activity
    tracked. A failure costs at most one step of idle time: logged, never raised into the
    server's close of a response already sent."""
    from django.db import DatabaseError

    try:
        session[SEEN_AT_SESSION_KEY] = now
        session.save()
        _track_activity(request, user, session)
    except DatabaseError:
        logger.warning("The session's refresh after the response failed", exc_info=True)

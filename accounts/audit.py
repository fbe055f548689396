"""The audit trail (accounts.models.AuditEvent): one function writes it, `audit_record`.

Where the request is not at hand (a service, a signal), the address and the actor come from
the request being served, which AuditMiddleware keeps in a context variable. Details are
scrubbed: a key that names a password, code, token, secret or session never reaches the
trail, whatever a caller passes.

Hooks: Django's login signals (success, failure, logout), allauth's two-factor failure
signal (mfa.signals.authentication_failed), every 403 answer (the middleware), the reply and
stage-two services, the admin's exports and imports, and Django's admin log (LogEntry).
"""

from __future__ import annotations

import contextvars
import json
import logging
from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.http import HttpRequest, HttpResponse

from accounts.http import client_ip

logger = logging.getLogger(__name__)

_current: contextvars.ContextVar[HttpRequest | None] = contextvars.ContextVar(
    "audit_request", default=None
)

SECRET_WORDS = ("password", "code", "token", "secret", "session", "otp", "key")


def scrub(detail: dict[str, Any] | None) -> dict[str, Any]:
    """The detail without anything secret (keys naming a password, code, token...), as
    plain JSON values (a lazy translation or a date becomes its text)."""
    clean: dict[str, Any] = {}
    for key, value in (detail or {}).items():
        if any(word in str(key).lower() for word in SECRET_WORDS):
            continue
        clean[str(key)] = scrub(value) if isinstance(value, dict) else value
    return json.loads(json.dumps(clean, default=str))


def current_request() -> HttpRequest | None:
    return _current.get()


def audit_record(
    kind: str,
    *,
    request: HttpRequest | None = None,
    actor: Any = None,
    member_state: Any = None,
    login: str = "",
    target: str = "",
    detail: dict[str, Any] | None = None,
) -> Any:
    """Write one audit event. Never raises: a failure to audit is logged, not shown to the
    user (the events of record, replies and their versions, have their own tables)."""
    from accounts.models import AuditEvent

    request = request or current_request()
    if actor is None and request is not None:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            actor = user
    if member_state is None and actor is not None:
        official = getattr(actor, "official", None) if hasattr(actor, "official") else None
        member_state = getattr(official, "member_state", None)
    try:
        # In a savepoint: a failure here must not break the transaction of what it records.
        with transaction.atomic():
            return AuditEvent.objects.create(
                kind=kind,
                actor=actor,
                login=login[:254],
                member_state=member_state,
                ip_address=client_ip(request) if request is not None else None,
                path=(request.path[:300] if request is not None else ""),
                target=str(target)[:300],
                detail=scrub(detail),
            )
    except Exception:  # noqa: BLE001 - auditing never breaks what it records
        logger.exception("audit event %s not written", kind)
        return None


class AuditMiddleware:
    """Keeps the request for audit_record, and records every 403 answer as a refusal."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _current.set(request)
        try:
            response = self.get_response(request)
            if response.status_code == 403:
                audit_record("refused", request=request, detail={"method": request.method})
            return response
        finally:
            _current.reset(token)


# --- receivers -------------------------------------------------------------------------------


def on_logged_in(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    audit_record("login", request=request, actor=user)


def on_logged_out(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if user is not None:
        audit_record("logout", request=request, actor=user)


def on_login_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    # Django has already masked the password; we keep only the address typed.
    typed = credentials.get("email") or credentials.get("username") or credentials.get("login")
    audit_record("login_failed", request=request, actor=None, login=str(typed or ""))


def on_mfa_failed(
    sender: Any, request: HttpRequest | None, user: Any, authenticator: Any, **kwargs: Any
) -> None:
    audit_record(
        "mfa_failed",
        request=request,
        actor=user,
        detail={
            "type": getattr(authenticator, "type", ""),
            "reauthentication": bool(kwargs.get("reauthentication")),
        },
    )


def on_admin_log(sender: Any, instance: Any, created: bool, **kwargs: Any) -> None:
    """Django's admin log (every add, change and deletion in the admin) into the trail."""
    if not created:
        return
    actions = {1: "added", 2: "changed", 3: "deleted"}
    audit_record(
        "admin_change",
        actor=instance.user,
        target=f"{instance.content_type.app_label}.{instance.content_type.model} "
        f"{instance.object_id}: {instance.object_repr}",
        detail={
            "action": actions.get(instance.action_flag, str(instance.action_flag)),
            "change": instance.get_change_message(),
        },
    )

"""Every write of the accounts app."""

from __future__ import annotations

import csv
import datetime
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from allauth.account.models import EmailAddress
from allauth.core import context
from allauth.usersessions.adapter import get_adapter as get_usersessions_adapter
from allauth.usersessions.models import UserSession
from babel import Locale
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import int_to_base36
from django.utils.translation import gettext as _

from accounts.models import (
    AccountEvent,
    MemberState,
    MemberStateEvent,
    Official,
    Region,
    User,
)
from accounts.tokens import invitation_token_generator

REGISTER_PATH = Path(__file__).resolve().parent / "data" / "member_states.csv"
NAMES_PATH = Path(__file__).resolve().parent / "data" / "member_state_names.csv"
# The languages of the names other than English, as Django codes and as CLDR (Babel) locales.
NAME_LOCALES = {"ar": "ar", "zh-hans": "zh_Hans", "fr": "fr", "ru": "ru", "es": "es"}
REGISTER_COLUMNS = ("alpha2", "alpha3", "itu_name", "region", "joined_on", "left_on", "source_note")


class RegisterError(ValueError):
    """The Member State register file is malformed."""


@dataclass(frozen=True)
class SyncResult:
    created: int
    updated: int
    unchanged: int


def _parse_date(value: str, *, line: int, column: str) -> datetime.date | None:
    value = value.strip()
    if not value:
        return None
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise RegisterError(f"line {line}: {column} {value!r} is not a date (YYYY-MM-DD)") from None


def member_state_names_read(path: Path = NAMES_PATH) -> dict[tuple[str, str], str]:
    """The reviewed names that replace CLDR's: {(alpha2, language): name}."""
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        names: dict[tuple[str, str], str] = {}
        for line, raw in enumerate(reader, start=2):
            if raw["language"] not in NAME_LOCALES:
                raise RegisterError(
                    f"{path.name} line {line}: unknown language {raw['language']!r}"
                )
            names[(raw["alpha2"].strip().upper(), raw["language"])] = raw["name"].strip()
    return names


def _localized_names(alpha2: str, overrides: dict[tuple[str, str], str]) -> dict[str, str]:
    """`name_<lang>` for the five languages other than English: reviewed name, else CLDR's."""
    names = {}
    for language, cldr in NAME_LOCALES.items():
        name = overrides.get((alpha2, language)) or Locale.parse(cldr).territories.get(alpha2)
        if not name:
            raise RegisterError(f"no {language} name for {alpha2} in CLDR or {NAMES_PATH.name}")
        names[f"name_{language.replace('-', '_')}"] = name
    return names


def member_states_read_register(path: Path = REGISTER_PATH) -> list[dict[str, object]]:
    """Read and validate the shipped register; raise RegisterError on the first bad line.

    Each row carries the names in the six languages (`name_en` is ITU's English short name).
    """
    overrides = member_state_names_read()
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        if tuple(reader.fieldnames or ()) != REGISTER_COLUMNS:
            raise RegisterError(f"expected columns {REGISTER_COLUMNS}, got {reader.fieldnames}")
        rows: list[dict[str, object]] = []
        for line, raw in enumerate(reader, start=2):
            region = raw["region"].strip()
            if region not in Region.values:
                raise RegisterError(f"line {line}: region {region!r} is not one of A-E")
            alpha2, alpha3 = raw["alpha2"].strip().upper(), raw["alpha3"].strip().upper()
            if len(alpha2) != 2 or len(alpha3) != 3:
                raise RegisterError(f"line {line}: bad ISO codes {alpha2!r}/{alpha3!r}")
            rows.append(
                {
                    "alpha2": alpha2,
                    "alpha3": alpha3,
                    "name_en": raw["itu_name"].strip(),
                    **_localized_names(alpha2, overrides),
                    "region": region,
                    "joined_on": _parse_date(raw["joined_on"], line=line, column="joined_on"),
                    "left_on": _parse_date(raw["left_on"], line=line, column="left_on"),
                    "note": raw["source_note"].strip()[:300],
                }
            )
    return rows


def member_states_sync(*, rows: list[dict[str, object]] | None = None) -> SyncResult:
    """Create or update the Member States from the register, keyed by ISO alpha-3.

    Idempotent: running it twice changes nothing the second time. States absent from the
    register are left alone (TSB may have added one before the file is updated).
    """
    rows = member_states_read_register() if rows is None else rows
    created = updated = unchanged = 0
    with transaction.atomic():
        existing = {state.alpha3: state for state in MemberState.objects.select_for_update()}
        for row in rows:
            state = existing.get(str(row["alpha3"]))
            if state is None:
                state = MemberState.objects.create(**row)  # type: ignore[arg-type]
                _member_state_event(
                    state=state,
                    kind=MemberStateEvent.Kind.CREATED,
                    changes=_member_state_changes(None, _member_state_values(state)),
                    source="register",
                )
                created += 1
                continue
            changed = [name for name, value in row.items() if getattr(state, name) != value]
            if changed:
                before = _member_state_values(state)
                for name in changed:
                    setattr(state, name, row[name])
                state.save(update_fields=changed)
                _member_state_event(
                    state=state,
                    kind=MemberStateEvent.Kind.UPDATED,
                    changes=_member_state_changes(before, _member_state_values(state)),
                    source="register",
                )
                updated += 1
            else:
                unchanged += 1
    return SyncResult(created=created, updated=updated, unchanged=unchanged)


def member_state_import_row(
    *, state: MemberState, actor: User, ip_address: str | None
) -> MemberState:
    """Save one row of a Member States import (TSB's spreadsheet, in the admin): a new state,
    or an existing one with the changed values already set on it.

    Validates the whole state again first (lengths, region, unique codes and names, left_on
    after joined_on), so that no path writes a state the import would refuse. Raises
    ValidationError. The import runs every row in one transaction: a refused row undoes all.
    Records a MemberStateEvent (created, or updated with each changed field's old and new
    value) in the same transaction; a row that changes nothing records nothing. The preview
    (a dry run) is rolled back, its events with it.
    """
    state.full_clean()
    with transaction.atomic():
        before = None
        if state.pk is not None:
            before = (
                MemberState.objects.select_for_update()
                .filter(pk=state.pk)
                .values(*_member_state_fields())
                .first()
            )
        state.save()
        changes = _member_state_changes(before, _member_state_values(state))
        if before is None or changes:
            _member_state_event(
                state=state,
                kind=MemberStateEvent.Kind.CREATED
                if before is None
                else MemberStateEvent.Kind.UPDATED,
                changes=changes,
                source="import",
                actor=actor,
                ip_address=ip_address,
            )
    return state


def _member_state_fields() -> list[str]:
    """The fields a Member State event records: every stored column but the key and the
    untranslated `name` (django-modeltranslation's name_<lang> columns hold the names)."""
    return [
        field.attname
        for field in MemberState._meta.concrete_fields
        if field.attname not in {"id", "name"}
    ]


def _member_state_values(state: MemberState) -> dict[str, Any]:
    return {name: getattr(state, name) for name in _member_state_fields()}


def _json_value(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime.date) else value


def _member_state_changes(
    before: dict[str, Any] | None, after: dict[str, Any]
) -> dict[str, dict[str, Any]]:
    """{field: {"old": ..., "new": ...}} for each field whose value differs (every non-empty
    field of a new state, whose old values are None), dates as YYYY-MM-DD."""
    changes = {}
    for name, new in after.items():
        old = before.get(name) if before is not None else None
        if old != new and not (before is None and new in (None, "")):
            changes[name] = {"old": _json_value(old), "new": _json_value(new)}
    return changes


def _member_state_event(
    *,
    state: MemberState,
    kind: MemberStateEvent.Kind,
    changes: dict[str, dict[str, Any]],
    source: str,
    actor: User | None = None,
    ip_address: str | None = None,
) -> MemberStateEvent:
    return MemberStateEvent.objects.create(
        member_state=state,
        kind=kind,
        actor=actor,
        ip_address=ip_address,
        detail={"source": source, "changes": changes},
    )


# --- Officials: creation, invitation, deactivation -----------------------------------------


class AccountStateError(ValueError):
    """The requested change does not fit the account's current state (the message says why)."""


class InvitationError(AccountStateError):
    """An invitation cannot be sent or accepted."""


def _event(
    *,
    subject: User,
    kind: AccountEvent.Kind,
    actor: User | None,
    ip_address: str | None,
    detail: dict[str, Any] | None = None,
) -> AccountEvent:
    return AccountEvent.objects.create(
        subject=subject, kind=kind, actor=actor, ip_address=ip_address, detail=detail or {}
    )


def official_create(
    *,
    email: str,
    first_name: str,
    last_name: str,
    member_state: MemberState,
    role: str,
    official_title: str = "",
    actor: User,
    ip_address: str | None = None,
    language: str = "en",
) -> Official:
    """Create a user, their (unverified) e-mail address and their Official record, then invite.

    The user gets an unusable password: the only way in is the invitation link, which sets
    the password and verifies the address. The invitation is sent once the transaction has
    committed; a failure to send it is logged and leaves no "invited" event, so TSB sees it
    and can resend. Raises ValidationError if the address is taken or a value is invalid.
    """
    email = User.objects.normalize_email(email).strip().lower()
    if role not in Official.Role.values:
        raise ValidationError(_("Unknown role: %(role)s."), code="role", params={"role": role})
    if language not in dict(settings.LANGUAGES):
        raise ValidationError(
            _("Unknown language: %(language)s."), code="language", params={"language": language}
        )
    with transaction.atomic():
        if (
            User.objects.filter(email__iexact=email).exists()
            or EmailAddress.objects.filter(email__iexact=email).exists()
        ):
            raise ValidationError(
                _("A user with the e-mail address %(email)s already exists."),
                code="email_taken",
                params={"email": email},
            )
        user = User(email=email, first_name=first_name, last_name=last_name, language=language)
        user.set_unusable_password()
        user.save()
        EmailAddress.objects.create(user=user, email=email, verified=False, primary=True)
        official = Official.objects.create(
            user=user,
            member_state=member_state,
            role=role,
            official_title=official_title,
            granted_by=actor,
            granted_at=timezone.now(),
        )
        _event(
            subject=user,
            kind=AccountEvent.Kind.CREATED,
            actor=actor,
            ip_address=ip_address,
            detail={"member_state": member_state.alpha3, "role": role},
        )
        transaction.on_commit(
            lambda: official_invite(official=official, actor=actor, ip_address=ip_address),
            robust=True,
        )
    return official


def invitation_url(*, user: User, token: str) -> str:
    """The absolute set-password link of an invitation.

    The host comes from settings.PORTAL_BASE_URL when set, otherwise from the request being
    served (allauth keeps it in its request context), as allauth builds its own links.
    """
    path = reverse(
        "accounts:invitation-accept", kwargs={"uidb36": int_to_base36(user.pk), "key": token}
    )
    base_url = settings.PORTAL_BASE_URL.rstrip("/")
    if base_url:
        return f"{base_url}{path}"
    request = context.request
    if request is None:
        raise ImproperlyConfigured(
            "PORTAL_BASE_URL is not set and there is no request to take the host from."
        )
    return request.build_absolute_uri(path)


def official_invite(
    *, official: Official, actor: User | None, ip_address: str | None = None
) -> None:
    """E-mail the official a link to set their password, valid INVITATION_TIMEOUT_SECONDS.

    Resending to someone who has not yet set a password gives them a fresh unusable
    password first, so the links sent earlier stop working. For someone who has, the link
    lets them choose a new password (TSB resets their access). The mail is written in the
    official's own language. Raises InvitationError for a deactivated official or user.
    """
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=official.user_id)
        official = Official.objects.select_related("member_state").get(pk=official.pk)
        if not (official.is_active and user.is_active):
            raise InvitationError(
                _("%(user)s is deactivated: reactivate the official before inviting them.")
                % {"user": user}
            )
        if not user.has_usable_password():
            user.set_unusable_password()
            user.save(update_fields=["password"])
        token = invitation_token_generator.make_token(user)
        url = invitation_url(user=user, token=token)
        expires_at = timezone.now() + datetime.timedelta(
            seconds=settings.INVITATION_TIMEOUT_SECONDS
        )
        _event(
            subject=user,
            kind=AccountEvent.Kind.INVITED,
            actor=actor,
            ip_address=ip_address,
            detail={"email": user.email, "expires_at": expires_at.isoformat()},
        )
        _send_invitation_mail(official=official, user=user, url=url, expires_at=expires_at)


def _send_invitation_mail(
    *, official: Official, user: User, url: str, expires_at: datetime.datetime
) -> None:
    with translation.override(user.mail_language):
        context_ = {
            "user": user,
            "official": official,
            "member_state": official.member_state,
            "role": official.get_role_display(),
            "invitation_url": url,
            "expires_at": expires_at,
        }
        prefix = "accounts/email/invitation"
        subject = " ".join(render_to_string(f"{prefix}_subject.txt", context_).split())
        text = render_to_string(f"{prefix}_message.txt", context_)
        html = render_to_string(f"{prefix}_message.html", context_)
    message = EmailMultiAlternatives(subject, text, settings.DEFAULT_FROM_EMAIL, [user.email])
    message.attach_alternative(html, "text/html")
    message.send()


def invitation_accept(
    *, user: User, token: str, password: str, ip_address: str | None = None
) -> User:
    """Set the invitee's password and mark their e-mail address verified and primary.

    The token is checked again under a row lock, so that one link sets a password once even
    when two requests race. The password must already have passed the validators (the
    view's SetPasswordForm). Raises InvitationError if the link is no longer valid.
    """
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        if not (user.is_active and invitation_token_generator.check_token(user, token)):
            raise InvitationError(_("This invitation link is invalid or has expired."))
        if Official.objects.filter(user=user, is_active=False).exists():
            raise InvitationError(_("This invitation link is invalid or has expired."))
        user.set_password(password)
        user.save(update_fields=["password"])
        address = EmailAddress.objects.filter(user=user, email__iexact=user.email).first()
        if address is None:
            address = EmailAddress(user=user, email=user.email)
        EmailAddress.objects.filter(user=user).exclude(pk=address.pk).update(primary=False)
        address.verified = True
        address.primary = True
        address.save()
        _event(
            subject=user,
            kind=AccountEvent.Kind.INVITATION_ACCEPTED,
            actor=user,
            ip_address=ip_address,
            detail={"email": user.email},
        )
    return user


def user_sessions_end(*, user: User) -> int:
    """End every session of `user` that allauth's usersessions tracks; return how many."""
    sessions = list(UserSession.objects.filter(user_id=user.pk))
    get_usersessions_adapter().end_sessions(sessions)
    return len(sessions)


def official_deactivate(*, official: Official, actor: User, ip_address: str | None = None) -> None:
    """Withdraw an official's access at once: mark them inactive and end their sessions.

    The middleware logs out, on their next request, any session this missed (a backstop).
    Raises AccountStateError if the official is already inactive.
    """
    with transaction.atomic():
        official = Official.objects.select_for_update().select_related("user").get(pk=official.pk)
        if not official.is_active:
            raise AccountStateError(
                _("%(official)s is already deactivated.") % {"official": official}
            )
        official.is_active = False
        official.save(update_fields=["is_active"])
        ended = user_sessions_end(user=official.user)
        _event(
            subject=official.user,
            kind=AccountEvent.Kind.DEACTIVATED,
            actor=actor,
            ip_address=ip_address,
            detail={"scope": "official", "sessions_ended": ended},
        )


def official_reactivate(*, official: Official, actor: User, ip_address: str | None = None) -> None:
    """Give a deactivated official their access back. Raises AccountStateError if active."""
    with transaction.atomic():
        official = Official.objects.select_for_update().select_related("user").get(pk=official.pk)
        if official.is_active:
            raise AccountStateError(_("%(official)s is already active.") % {"official": official})
        official.is_active = True
        official.save(update_fields=["is_active"])
        _event(
            subject=official.user,
            kind=AccountEvent.Kind.REACTIVATED,
            actor=actor,
            ip_address=ip_address,
            detail={"scope": "official"},
        )


def user_deactivate(*, user: User, actor: User, ip_address: str | None = None) -> None:
    """Deactivate a user account (official, observer or staff) and end its sessions.

    Raises AccountStateError for an inactive user, and for the actor's own account (TSB
    staff cannot lock themselves out by mistake).
    """
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        if user.pk == actor.pk:
            raise AccountStateError(_("You cannot deactivate your own account."))
        if not user.is_active:
            raise AccountStateError(_("%(user)s is already deactivated.") % {"user": user})
        user.is_active = False
        user.save(update_fields=["is_active"])
        ended = user_sessions_end(user=user)
        _event(
            subject=user,
            kind=AccountEvent.Kind.DEACTIVATED,
            actor=actor,
            ip_address=ip_address,
            detail={"scope": "user", "sessions_ended": ended},
        )


def user_reactivate(*, user: User, actor: User, ip_address: str | None = None) -> None:
    """Reactivate a user account. Raises AccountStateError if it is active."""
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        if user.is_active:
            raise AccountStateError(_("%(user)s is already active.") % {"user": user})
        user.is_active = True
        user.save(update_fields=["is_active"])
        _event(
            subject=user,
            kind=AccountEvent.Kind.REACTIVATED,
            actor=actor,
            ip_address=ip_address,
            detail={"scope": "user"},
        )


def mfa_change_record(
    *, user: User, activated: bool, authenticator_type: str, ip_address: str | None = None
) -> AccountEvent:
    """Record that a user added or removed an authenticator (called from allauth's signals)."""
    return _event(
        subject=user,
        kind=AccountEvent.Kind.MFA_ACTIVATED if activated else AccountEvent.Kind.MFA_DEACTIVATED,
        actor=user,
        ip_address=ip_address,
        detail={"type": authenticator_type},
    )


# --- Preferences ----------------------------------------------------------------------------


def user_set_language(*, user: User, language: str) -> None:
    """Store the language a user chose with the selector: the portal's and their e-mails'."""
    if language not in dict(settings.LANGUAGES):
        raise ValidationError(_("This language is not offered."))
    if user.language != language:
        user.language = language
        user.save(update_fields=["language"])

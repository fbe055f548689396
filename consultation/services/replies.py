"""Writing replies: drafts, submissions (versions), and replies TSB records on a state's behalf.

Rules applied here, whatever the caller:
- Officials write only while the circular is published and the deadline's second has not
  passed (server clock, UTC); TSB records offline replies at any time and the time received
  decides whether one is late.
- Saves are optimistic: the caller passes the revision it started from; a save or submission
  against a revision that has moved on raises ReplyConflictError and writes nothing.
- Only an active signatory submits. Each submission freezes a ReplyVersion with the SHA-256
  of its content (header, positions, attachments' names, sizes and hashes).
- Every write appends a ReplyEvent (who, what, when, from where).
"""

from __future__ import annotations

import datetime
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Prefetch, prefetch_related_objects
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from accounts.models import MemberState, Official, User
from consultation import rules
from consultation.models import (
    Attachment,
    Circular,
    DraftRecommendation,
    Reply,
    ReplyEvent,
    ReplyPosition,
    ReplyVersion,
    ReplyVersionPosition,
)
from consultation.services import notifications

if TYPE_CHECKING:
    from consultation.attachments import ValidatedUpload

HEADER_FIELDS = (
    "from_address",
    "from_name",
    "from_title",
    "from_fax",
    "from_email",
    "place",
    "signed_on",
)
POSITION_FIELDS = ("decision", "comments", "reasons", "possible_changes")
REQUIRED_HEADER_FIELDS = ("from_name", "from_title")


class ReplyRefused(Exception):
    """The write is not allowed; `message` is for the user, `errors` maps field keys."""

    def __init__(self, message: str, errors: Mapping[str, list[str]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.errors: dict[str, list[str]] = dict(errors or {})


class ReplyConflictError(ReplyRefused):
    """Someone saved the reply since the caller read it; nothing was written."""

    def __init__(self, message: str, *, current_revision: int) -> None:
        super().__init__(message)
        self.current_revision = current_revision


@dataclass(frozen=True)
class AttachmentUpload:
    """A file already checked by consultation.attachments.validate_upload."""

    file: UploadedFile
    validated: ValidatedUpload
    kind: str
    draft_id: int | None = None


@dataclass
class _Written:
    paths: list[str] = field(default_factory=list)


# --- reading the reply as it will be sent --------------------------------------------------


def _header_value(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime.date) else value


def reply_content(reply: Reply) -> dict[str, Any]:
    """The reply as sent: header, positions and attachments, in a canonical form.

    Titles and names are the English ones whatever language the official reads: the content
    and its SHA-256 must be the same for every reader.
    """
    attachments = [
        a for a in reply.attachments.all() if a.removed_at is None
    ]  # prefetched by callers when it matters

    def described(items: Iterable[Attachment]) -> list[dict[str, Any]]:
        return [
            {"name": a.original_name, "size": a.size, "sha256": a.sha256, "kind": a.kind}
            for a in sorted(items, key=lambda a: (a.uploaded_at, a.pk))
        ]

    positions = []
    for position in sorted(reply.positions.all(), key=lambda p: p.draft.order):
        positions.append(
            {
                "draft": position.draft.number,
                "draft_id": position.draft_id,
                "title": position.draft.title_en or position.draft.title,
                "decision": position.decision,
                # Only the texts of the box ticked are sent (rules.texts_sent).
                **rules.texts_sent(
                    decision=position.decision,
                    comments=position.comments,
                    reasons=position.reasons,
                    possible_changes=position.possible_changes,
                ),
                "attachments": described(a for a in attachments if a.position_id == position.pk),
            }
        )
    return {
        "circular": {"study_period": reply.circular.study_period, "number": reply.circular.number},
        "member_state": {"alpha3": reply.member_state.alpha3, "name": reply.member_state.name_en},
        "header": {name: _header_value(getattr(reply, name)) for name in HEADER_FIELDS},
        "positions": positions,
        "attachments": described(a for a in attachments if a.position_id is None),
    }


def reply_content_hash(content: Mapping[str, Any]) -> str:
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def position_messages(draft: DraftRecommendation, problems: dict[str, str]) -> dict[str, str]:
    """The messages of rules.position_problems for one draft, each naming the draft and field."""
    number = draft.number
    missing = {
        "decision": _("Choose one of the boxes for %(draft)s.") % {"draft": number},
        "comments": _(
            "%(draft)s: you chose “comments and proposed changes attached”: "
            "write them or attach a file."
        )
        % {"draft": number},
        "reasons": _("%(draft)s: give the reasons for not authorizing, as text or attachment.")
        % {"draft": number},
        "possible_changes": _(
            "%(draft)s: summarize the possible changes that would let the work "
            "progress, as text or attachment."
        )
        % {"draft": number},
    }
    return {name: missing[name] for name in problems}


def header_message(field: str) -> str:
    label = capfirst(Reply._meta.get_field(field).verbose_name)
    return _("%(field)s (From block): this field is required.") % {"field": label}


def reply_validate_for_submission(
    reply: Reply, *, signatory: User | None = None
) -> dict[str, list[str]]:
    """The Annex 2 rules (rules.position_problems). Returns errors keyed `header.<field>` or
    `draft.<id>.<field>`, each message naming the draft and the field; empty if valid.

    - the signature block needs the name and official title;
    - given the signatory who is about to submit: the From block must carry their identity
      (their name or their e-mail address), not a drafter's or anyone else's;
    - per draft, a box ticked and the texts (or files) that box needs, and no text left
      under another box.
    A reply-level attachment (TSB's scan of a paper reply) stands for every draft's attachment.
    """
    errors: dict[str, list[str]] = {}
    for name in REQUIRED_HEADER_FIELDS:
        if not str(getattr(reply, name) or "").strip():
            errors.setdefault(f"header.{name}", []).append(header_message(name))
    if signatory is not None and not errors.get("header.from_name"):
        names = {reply.from_name.strip().casefold(), reply.from_email.strip().casefold()}
        if not names & {signatory.get_full_name().strip().casefold(), signatory.email.casefold()}:
            errors.setdefault("header.from_name", []).append(
                _(
                    "The From block names %(name)s, but you are the signatory who submits: the "
                    "official reply carries your name or e-mail address. Correct the From block."
                )
                % {"name": reply.from_name or reply.from_email}
            )
    live = [a for a in reply.attachments.all() if a.removed_at is None]
    scan = any(a.position_id is None for a in live)
    for position in sorted(reply.positions.all(), key=lambda p: p.draft.order):
        problems = rules.position_problems(
            decision=position.decision,
            comments=position.comments,
            reasons=position.reasons,
            possible_changes=position.possible_changes,
            has_file=scan or any(a.position_id == position.pk for a in live),
        )
        for name, message in position_messages(position.draft, problems).items():
            errors.setdefault(f"draft.{position.draft_id}.{name}", []).append(message)
    return errors


# --- shared steps ----------------------------------------------------------------------------


def _require_open(circular: Circular, now: datetime.datetime) -> None:
    if circular.status != Circular.Status.PUBLISHED or circular.deadline is None:
        raise ReplyRefused(_("This consultation is not open for replies."))
    if not rules.is_on_time(now, circular.deadline):
        raise ReplyRefused(
            _(
                "The deadline for replies passed at %(deadline)s UTC. The form is closed; "
                "please contact TSB (%(email)s) if your administration still needs to reply."
            )
            % {
                "deadline": circular.deadline.astimezone(datetime.UTC).strftime(
                    "%Y-%m-%d %H:%M:%S"
                ),
                "email": circular.reply_to_email or circular.contact_email or "TSB",
            }
        )


def _require_active_official(official: Official) -> None:
    if not official.is_active or not official.user.is_active:
        raise ReplyRefused(_("Your access has been deactivated by TSB."))


def _lock_or_create_reply(
    circular: Circular,
    member_state: MemberState,
    *,
    actor: User,
    ip_address: str | None,
    now: datetime.datetime,
    prefill: Mapping[str, Any] | None = None,
) -> tuple[Reply, bool]:
    reply = (
        Reply.objects.select_for_update()
        .filter(circular=circular, member_state=member_state)
        .first()
    )
    if reply is not None:
        return reply, False
    try:
        with transaction.atomic():
            reply = Reply.objects.create(
                circular=circular,
                member_state=member_state,
                is_demo=circular.is_demo,
                **(prefill or {}),
            )
    except IntegrityError:
        # Another official created it a moment ago: report a conflict, write nothing. The
        # conflict carries the reply's revision as it now stands, so that the next save from
        # the conflict page is accepted (with 0 it was refused a second time).
        current = (
            Reply.objects.filter(circular=circular, member_state=member_state)
            .values_list("revision", flat=True)
            .first()
        )
        raise ReplyConflictError(
            _("Another official of your administration has just started this reply."),
            current_revision=current or 0,
        ) from None
    ReplyPosition.objects.bulk_create(
        [ReplyPosition(reply=reply, draft=draft) for draft in circular.drafts.all()]
    )
    ReplyEvent.objects.create(
        reply=reply, kind=ReplyEvent.Kind.CREATED, actor=actor, at=now, ip_address=ip_address
    )
    return reply, True


def _check_revision(reply: Reply, expected_revision: int) -> None:
    if reply.revision == expected_revision:
        return
    last = reply.events.order_by("-at", "-pk").select_related("actor").first()
    who = last.actor.get_full_name() or last.actor.email if last and last.actor else _("someone")
    when = last.at.astimezone(datetime.UTC).strftime("%H:%M:%S") if last else ""
    raise ReplyConflictError(
        _(
            "This reply was changed by %(who)s at %(when)s UTC after you opened it. Nothing of "
            "yours was saved: your input is still in the form. Check the current reply and "
            "save again to replace it."
        )
        % {"who": who, "when": when},
        current_revision=reply.revision,
    )


def _apply(
    reply: Reply, header: Mapping[str, Any], positions: Mapping[int, Mapping[str, str]]
) -> list[str]:
    changed: list[str] = []
    for name in HEADER_FIELDS:
        if name in header and getattr(reply, name) != header[name]:
            setattr(reply, name, header[name])
            changed.append(name)
    by_draft = {p.draft_id: p for p in reply.positions.select_related("draft")}
    unknown = set(positions) - set(by_draft)
    if unknown:
        raise ReplyRefused(_("The form lists a draft that is not in this circular."))
    touched: list[ReplyPosition] = []
    touched_fields: set[str] = set()
    for draft_id, values in positions.items():
        position = by_draft[draft_id]
        fields = [n for n in POSITION_FIELDS if n in values and getattr(position, n) != values[n]]
        if values.get("decision", "") not in ("", *ReplyPosition.Decision.values):
            raise ReplyRefused(
                _("Unknown choice for %(draft)s.") % {"draft": position.draft.number}
            )
        for name in fields:
            setattr(position, name, values[name])
        if fields:
            touched.append(position)
            touched_fields.update(fields)
            changed.append(f"{position.draft.number}: {', '.join(fields)}")
    if touched:
        # One UPDATE for every position changed, not one each (ten drafts: ten queries).
        ReplyPosition.objects.bulk_update(touched, sorted(touched_fields))
    return changed


def _store_uploads(
    reply: Reply,
    uploads: Iterable[AttachmentUpload],
    *,
    actor: User,
    now: datetime.datetime,
    written: _Written,
) -> list[dict[str, Any]]:
    uploads = list(uploads)
    if not uploads:
        return []  # most saves: no file, no read of the positions
    positions = {p.draft_id: p for p in reply.positions.all()}
    added = []
    for upload in uploads:
        position = positions.get(upload.draft_id) if upload.draft_id is not None else None
        if upload.draft_id is not None and position is None:
            raise ReplyRefused(_("The form lists a draft that is not in this circular."))
        attachment = Attachment(
            reply=reply,
            position=position,
            kind=upload.kind,
            original_name=upload.validated.display_name,
            content_type=upload.validated.content_type,
            size=upload.validated.size,
            sha256=upload.validated.sha256,
            uploaded_by=actor,
            uploaded_at=now,
        )
        upload.file.seek(0)
        attachment.file.save(f"upload{upload.validated.extension}", upload.file, save=False)
        written.paths.append(attachment.file.name)
        attachment.save()
        added.append(
            {"id": attachment.pk, "name": attachment.original_name, "sha256": attachment.sha256}
        )
    return added


def _cleanup(written: _Written) -> None:
    """Delete files written by a transaction that did not commit: none is kept."""
    from django.core.files.storage import default_storage

    for path in written.paths:
        default_storage.delete(path)


def _freeze_version(
    reply: Reply,
    *,
    number: int,
    received_at: datetime.datetime,
    channel: str,
    is_late: bool,
    submitted_by: User | None,
    entered_by: User | None,
    ip_address: str | None,
    loaded: Reply | None = None,
    content: dict[str, Any] | None = None,
) -> ReplyVersion:
    """`loaded`: the reply already read with its circular, state, attachments and positions
    (and `content`, its reply_content) by a caller in this transaction, not read again."""
    if loaded is None:
        reply = (
            Reply.objects.select_related("circular", "member_state")
            .prefetch_related("attachments", "positions__draft")
            .get(pk=reply.pk)
        )
        content = None
    else:
        reply = loaded
    if content is None:
        content = reply_content(reply)
    version = ReplyVersion.objects.create(
        reply=reply,
        number=number,
        received_at=received_at,
        submitted_by=submitted_by,
        entered_by=entered_by,
        channel=channel,
        is_late=is_late,
        signatory_name=(submitted_by.get_full_name() or submitted_by.email) if submitted_by else "",
        content={**content, "revision": reply.revision},
        sha256=reply_content_hash(content),
        ip_address=ip_address,
    )
    live = [a for a in reply.attachments.all() if a.removed_at is None]
    ReplyVersionPosition.objects.bulk_create(
        [
            ReplyVersionPosition(
                version=version,
                draft_id=p.draft_id,
                decision=p.decision,
                has_comments=any(
                    text.strip()
                    for text in rules.texts_sent(
                        decision=p.decision,
                        comments=p.comments,
                        reasons=p.reasons,
                        possible_changes=p.possible_changes,
                    ).values()
                )
                or any(a.position_id in (p.pk, None) for a in live),
            )
            for p in reply.positions.all()
        ]
    )
    return version


def _submit_version(
    reply: Reply,
    *,
    received_at: datetime.datetime,
    channel: str,
    is_late: bool,
    submitted_by: User | None,
    entered_by: User | None,
    actor: User,
    event: str,
    detail: dict[str, Any],
    ip_address: str | None,
    now: datetime.datetime,
    loaded: Reply | None = None,
    content: dict[str, Any] | None = None,
) -> ReplyVersion:
    """The one transition "a version is received": freeze it, make it the reply's latest,
    write the event, queue the receipts (sent even if Redis is down now)."""
    number = reply.version + 1
    version = _freeze_version(
        reply,
        number=number,
        received_at=received_at,
        channel=channel,
        is_late=is_late,
        submitted_by=submitted_by,
        entered_by=entered_by,
        ip_address=ip_address,
        loaded=loaded,
        content=content,
    )
    Reply.objects.filter(pk=reply.pk).update(
        status=Reply.Status.SUBMITTED,
        version=number,
        submitted_at=received_at,
        submitted_by=submitted_by,
        channel=channel,
        entered_by=entered_by,
        is_late=is_late,
        submitted_revision=reply.revision,
        updated_at=now,
    )
    ReplyEvent.objects.create(
        reply=reply,
        kind=event,
        actor=actor,
        at=now,
        ip_address=ip_address,
        version=number,
        detail={**detail, "sha256": version.sha256},
    )
    notifications.receipts_queue(version=version, now=now)
    from accounts.audit import audit_record

    audit_record(
        "recorded" if entered_by else ("revised" if number > 1 else "submitted"),
        actor=actor,
        member_state=reply.member_state,
        target=f"{reply.circular} ({reply.circular.study_period}), version {number}",
        detail={"sha256": version.sha256, "late": is_late, "channel": channel},
    )
    return version


# --- the services ------------------------------------------------------------------------------


def reply_save_draft(
    *,
    circular_id: int,
    official: Official,
    expected_revision: int,
    header: Mapping[str, Any],
    positions: Mapping[int, Mapping[str, str]],
    uploads: Iterable[AttachmentUpload] = (),
    remove_attachment_ids: Iterable[int] = (),
    ip_address: str | None = None,
    now: datetime.datetime | None = None,
) -> Reply:
    """Save the working copy of the official's administration's reply (drafter or signatory).

    Raises ReplyRefused when the consultation is not open or the official is inactive, and
    ReplyConflictError when `expected_revision` is not the reply's current revision (0 when
    no reply existed). Nothing is written when it raises, no file kept.
    """
    now = now or timezone.now()
    written = _Written()
    try:
        with transaction.atomic():
            _require_active_official(official)
            circular = Circular.objects.get(pk=circular_id)
            _require_open(circular, now)
            reply, created = _lock_or_create_reply(
                circular,
                official.member_state,
                actor=official.user,
                ip_address=ip_address,
                now=now,
            )
            _check_revision(reply, expected_revision)
            changed = _apply(reply, header, positions)
            added = _store_uploads(reply, uploads, actor=official.user, now=now, written=written)
            removed = list(
                reply.attachments.filter(
                    pk__in=list(remove_attachment_ids), removed_at__isnull=True
                ).values_list("pk", flat=True)
            )
            if removed:
                # Files stay: earlier versions refer to them by hash and must remain checkable.
                Attachment.objects.filter(pk__in=removed).update(removed_at=now)
            reply.revision += 1
            reply.save()
            ReplyEvent.objects.create(
                reply=reply,
                kind=ReplyEvent.Kind.SAVED,
                actor=official.user,
                at=now,
                ip_address=ip_address,
                version=reply.version,
                detail={
                    "changed": changed,
                    "attachments_added": added,
                    "attachments_removed": removed,
                    "revision": reply.revision,
                },
            )
    except BaseException:
        _cleanup(written)
        raise
    return reply


def reply_submit(
    *,
    circular_id: int,
    official: Official,
    expected_revision: int,
    expected_sha256: str | None = None,
    ip_address: str | None = None,
    now: datetime.datetime | None = None,
) -> ReplyVersion:
    """Submit the reply as it stands: a new version; the latest on-time version counts.

    Raises ReplyRefused (not a signatory, not open, rules of the form not met) or
    ReplyConflictError (changed since the signatory reviewed it: another revision, or content
    whose hash differs from the one shown on the confirmation page).
    """
    now = now or timezone.now()
    with transaction.atomic():
        _require_active_official(official)
        if official.role != Official.Role.SIGNATORY:
            raise ReplyRefused(
                _("Only an authorized signatory of your administration may submit the reply.")
            )
        circular = Circular.objects.get(pk=circular_id)
        _require_open(circular, now)
        reply = (
            Reply.objects.select_for_update()
            .filter(circular=circular, member_state=official.member_state)
            .first()
        )
        if reply is None:
            raise ReplyRefused(_("There is no reply to submit yet: fill in the form first."))
        _check_revision(reply, expected_revision)
        if reply.status == Reply.Status.SUBMITTED and reply.submitted_revision == reply.revision:
            # The same confirmation again (a double click, a retried request, the same form
            # sent to two web servers): nothing changed since the latest version, which is
            # the answer; a reply is stored once per change, never twice.
            latest = reply.versions.order_by("-number").first()
            if latest is not None and expected_sha256 in (None, latest.sha256):
                return latest
        # The locked row is the reply: its circular and state are the ones in hand; its
        # files and positions (with their drafts) read once, for the check and the freeze.
        Reply.circular.field.set_cached_value(reply, circular)
        Reply.member_state.field.set_cached_value(reply, official.member_state)
        prefetch_related_objects(
            [reply],
            "attachments",
            Prefetch("positions", queryset=ReplyPosition.objects.select_related("draft")),
        )
        errors = reply_validate_for_submission(reply, signatory=official.user)
        if errors:
            raise ReplyRefused(_("The reply is not complete; see the messages below."), errors)
        content = reply_content(reply)  # computed once: checked here, frozen below
        if expected_sha256 is not None and reply_content_hash(content) != expected_sha256:
            raise ReplyConflictError(
                _("The reply changed after you reviewed it. Review it again before submitting."),
                current_revision=reply.revision,
            )
        version = _submit_version(
            reply,
            received_at=now,
            channel=Reply.Channel.PORTAL,
            is_late=False,
            submitted_by=official.user,
            entered_by=None,
            actor=official.user,
            event=ReplyEvent.Kind.SUBMITTED,
            detail={},
            ip_address=ip_address,
            now=now,
            loaded=reply,
            content=content,
        )
    return version


def reply_record_offline(
    *,
    circular_id: int,
    member_state_id: int,
    actor: User,
    channel: str,
    received_at: datetime.datetime,
    header: Mapping[str, Any],
    positions: Mapping[int, Mapping[str, str]],
    scan: AttachmentUpload,
    ip_address: str | None = None,
    now: datetime.datetime | None = None,
) -> ReplyVersion:
    """TSB records a reply received by e-mail, fax or letter, with the scanned original.

    The time received decides: after the deadline the version is marked late and does not
    count. Raises ReplyRefused for a circular that was never published, a Member State
    outside its electorate, a time in the future, or a reply that breaks the form's rules.
    """
    now = now or timezone.now()
    if channel not in (Reply.Channel.EMAIL, Reply.Channel.FAX, Reply.Channel.LETTER):
        raise ReplyRefused(_("Choose how the reply arrived: e-mail, fax or letter."))
    if received_at > now:
        raise ReplyRefused(_("The time received cannot be in the future."))
    written = _Written()
    try:
        with transaction.atomic():
            circular = Circular.objects.select_related("meeting").get(pk=circular_id)
            if circular.status == Circular.Status.DRAFT or circular.deadline is None:
                raise ReplyRefused(_("This circular has not been published."))
            member_state = MemberState.objects.get(pk=member_state_id)
            day = rules.electorate_date(issued_on=circular.issued_on, deadline=circular.deadline)
            if day is None or not member_state.is_member_on(day):
                raise ReplyRefused(
                    _("%(state)s was not a Member State on the circular's date of issue.")
                    % {"state": member_state}
                )
            reply, _created = _lock_or_create_reply(
                circular, member_state, actor=actor, ip_address=ip_address, now=now
            )
            _apply(reply, header, positions)
            _store_uploads(reply, [scan], actor=actor, now=now, written=written)
            reply.revision += 1
            reply.save()
            check = Reply.objects.prefetch_related("attachments", "positions__draft").get(
                pk=reply.pk
            )
            errors = reply_validate_for_submission(check)
            if errors:
                raise ReplyRefused(_("The reply is not complete; see the messages below."), errors)
            is_late = not rules.is_on_time(received_at, circular.deadline)
            version = _submit_version(
                reply,
                received_at=received_at,
                channel=channel,
                is_late=is_late,
                submitted_by=None,
                entered_by=actor,
                actor=actor,
                event=ReplyEvent.Kind.RECORDED,
                detail={
                    "channel": channel,
                    "received_at": received_at.isoformat(),
                    "late": is_late,
                },
                ip_address=ip_address,
                now=now,
            )
    except BaseException:
        _cleanup(written)
        raise
    return version

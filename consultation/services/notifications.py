"""E-mails, each exactly once: queue a Notification row, then deliver it.

Queueing happens in the same transaction as the event it announces (publication, submission,
closing) or in the periodic reminder run; the row's unique `dedupe_key` is the claim, so a
retried task, a second beat or a restarted worker cannot queue the same e-mail twice.

Delivery (`notification_deliver`) locks the row (skipping rows another worker holds), sends
and marks it sent in one transaction. With the database mail backend the delivery itself is
part of that transaction, so a worker killed at any point sends each mail exactly once. With
SMTP the one window left is between the server accepting the mail and our commit
(milliseconds): a kill there sends that one mail again; no mail is ever lost.

Nothing here waits for Redis: rows are the outbox, and `notifications_drain_task` sends
whatever is pending, so mails queued while the broker was down leave when it is back.
"""

from __future__ import annotations

import datetime
import logging
import threading
import time
from collections.abc import Iterable, Sequence
from email.utils import make_msgid
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone, translation

from accounts.models import MemberState, Observer, Official, User
from accounts.selectors import names_sorted
from consultation import rules
from consultation.models import Circular, Notification, Reply, ReplyVersion

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
ENQUEUE_CHUNK = 200


# --- queueing -----------------------------------------------------------------------------------


def _row(
    circular: Circular,
    *,
    kind: str,
    email: str,
    member_state: MemberState | None = None,
    recipient: User | None = None,
    key: str = "",
    language: str = "en",
    context: dict[str, Any] | None = None,
    now: datetime.datetime,
) -> Notification:
    return Notification(
        circular=circular,
        member_state=member_state,
        recipient=recipient,
        email=email,
        language=language or "en",
        kind=kind,
        key=key,
        dedupe_key=Notification.make_key(
            circular_id=circular.pk,
            member_state_id=member_state.pk if member_state else None,
            email=email,
            kind=kind,
            key=key,
        ),
        context=context or {},
        created_at=now,
    )


def _insert(rows: Sequence[Notification]) -> list[int]:
    """Insert the rows that are not there yet (the unique key is the claim); enqueue and
    return the ids of the rows this call inserted."""
    if not rows:
        return []
    keys = [row.dedupe_key for row in rows]
    existing = set(Notification.objects.filter(dedupe_key__in=keys).values_list("pk", flat=True))
    # ignore_conflicts: a concurrent beat or retried task inserting the same keys just loses.
    Notification.objects.bulk_create(rows, ignore_conflicts=True, batch_size=500)
    ids = [
        pk
        for pk in Notification.objects.filter(dedupe_key__in=keys)
        .order_by("pk")
        .values_list("pk", flat=True)
        if pk not in existing
    ]
    enqueue_on_commit(ids)
    return ids


def _active_officials(member_state_ids: Iterable[int]) -> list[Official]:
    return list(
        Official.objects.active()
        .filter(member_state_id__in=list(member_state_ids))
        .select_related("user", "member_state")
        .order_by("member_state_id", "pk")
    )


def _electorate_ids(circular: Circular) -> list[int]:
    day = rules.electorate_date(issued_on=circular.issued_on, deadline=circular.deadline)
    if day is None:
        return []
    return list(MemberState.objects.members_on(day).values_list("pk", flat=True))


def notices_queue(*, circular: Circular, now: datetime.datetime) -> list[int]:
    """The notice of a newly published circular: every active official of every Member State
    of its electorate, and the active observers of the categories on its copy list."""
    # The same lists for a consultation and for an approval notice (9.6), each its own mail.
    kind = Notification.Kind.APPROVAL_NOTICE if circular.is_notice else Notification.Kind.NOTICE
    rows = [
        _row(
            circular,
            kind=kind,
            email=o.user.email,
            member_state=o.member_state,
            recipient=o.user,
            language=o.user.mail_language,
            now=now,
        )
        for o in _active_officials(_electorate_ids(circular))
    ]
    copies = list(circular.copies.all())
    categories = {c.category for c in copies}
    observers = Observer.objects.filter(
        is_active=True, user__is_active=True, category__in=categories
    ).select_related("user")
    from consultation.permissions import circular_visible_to_observer

    rows += [
        _row(
            circular,
            kind=kind,
            email=ob.user.email,
            recipient=ob.user,
            language=ob.user.mail_language,
            now=now,
        )
        for ob in observers
        if circular_visible_to_observer(circular, ob)
    ]
    return _insert(rows)


def receipts_queue(*, version: ReplyVersion, now: datetime.datetime) -> list[int]:
    """A receipt to the signatory who submitted, a copy to the state's other officials."""
    reply = version.reply
    key = f"v{version.number}"
    context = {
        "version": version.number,
        "sha256": version.sha256,
        "received_at": version.received_at.isoformat(),
        "channel": version.channel,
        "is_late": version.is_late,
        "signatory": version.signatory_name,
    }
    rows = []
    for official in _active_officials([reply.member_state_id]):
        is_signer = version.submitted_by_id == official.user_id
        rows.append(
            _row(
                reply.circular,
                kind=Notification.Kind.RECEIPT if is_signer else Notification.Kind.RECEIPT_COPY,
                email=official.user.email,
                member_state=reply.member_state,
                recipient=official.user,
                key=key,
                language=official.user.mail_language,
                context=context,
                now=now,
            )
        )
    return _insert(rows)


def reminders_queue_due(*, now: datetime.datetime | None = None) -> int:
    """Queue the reminders that are due and not yet queued; return how many it queued.

    For each published circular whose deadline is ahead, the most recent reminder moment
    reached (rules.reminder_due) goes to the active officials of the Member States of its
    electorate that have not submitted.
    """
    now = now or timezone.now()
    queued = 0
    circulars = Circular.objects.filter(
        status=Circular.Status.PUBLISHED, deadline__gt=now - datetime.timedelta(seconds=1)
    )
    for circular in circulars:
        assert circular.deadline is not None
        try:
            offsets = rules.parse_offsets(circular.reminder_offsets)
        except ValueError:
            logger.warning(
                "%s: reminder offsets %r are invalid", circular, circular.reminder_offsets
            )
            continue
        offset = rules.reminder_due(offsets=offsets, deadline=circular.deadline, now=now)
        if offset is None:
            continue
        submitted = Reply.objects.filter(
            circular=circular, status=Reply.Status.SUBMITTED
        ).values_list("member_state_id", flat=True)
        waiting = set(_electorate_ids(circular)) - set(submitted)
        label = rules.offset_label(offset)
        with transaction.atomic():
            rows = [
                _row(
                    circular,
                    kind=Notification.Kind.REMINDER,
                    email=o.user.email,
                    member_state=o.member_state,
                    recipient=o.user,
                    key=label,
                    language=o.user.mail_language,
                    context={"offset": label},
                    now=now,
                )
                for o in _active_officials(waiting)
            ]
            queued += len(_insert(rows))
    return queued


def summary_queue(*, circular: Circular, now: datetime.datetime) -> list[int]:
    """At closing: to TSB, the replies, the tally per draft, the states that did not reply."""
    from consultation import selectors

    table = selectors.circular_results_table(circular=circular)
    context = {
        "drafts": [
            {
                "number": d.number,
                "replies": d.replies,
                "supporting": d.supporting,
                "supporting_no_comments": d.supporting_no_comments,
                "supporting_with_comments": d.supporting_with_comments,
                "not_supporting": d.not_supporting,
                "late": len(d.late),
                "proceeds": d.proceeds,
            }
            for d in table.drafts
        ],
        "no_reply": sorted(name for names in table.no_reply_by_region.values() for name in names),
        "closed_at": now.isoformat(),
        "results_sha256": table.sha256,
    }
    addresses = settings.TSB_SUMMARY_EMAILS or [circular.contact_email or settings.SERVER_EMAIL]
    # In the language of the TSB colleague who has the address, if one has.
    users = {u.email.lower(): u for u in User.objects.filter(email__in=addresses)}
    rows = [
        _row(
            circular,
            kind=Notification.Kind.SUMMARY,
            email=address,
            context=context,
            now=now,
            language=users[address.lower()].mail_language
            if address.lower() in users
            else settings.LANGUAGE_CODE,
        )
        for address in addresses
        if address
    ]
    return _insert(rows)


# --- enqueueing ---------------------------------------------------------------------------------


_broker_down_until = 0.0
BROKER_BACKOFF_SECONDS = 10.0


def enqueue_on_commit(ids: Sequence[int]) -> None:
    """After commit, ask a worker to deliver these rows now, without ever making the caller
    wait for the broker.

    The publish runs in a background thread: with Redis down, a connection attempt takes
    seconds (the client's own retries), and a submission must not wait for it. After a
    failure, enqueueing is skipped for a few seconds. Rows not enqueued stay pending and the
    periodic drain sends them: the rows are the outbox, the broker only makes it faster.
    """
    if not ids:
        return
    chunks = [list(ids[i : i + ENQUEUE_CHUNK]) for i in range(0, len(ids), ENQUEUE_CHUNK)]

    def publish() -> None:
        global _broker_down_until
        from consultation.tasks import notifications_deliver_task

        for index, chunk in enumerate(chunks):
            for attempt in (1, 2):  # one more try: a publish can time out on a busy machine
                try:
                    notifications_deliver_task.apply_async(args=[chunk], retry=False)
                    break
                except Exception as exc:  # noqa: BLE001 - the drain is the safety net
                    if attempt == 1:
                        time.sleep(0.5)
                        continue
                    _broker_down_until = time.monotonic() + BROKER_BACKOFF_SECONDS
                    left = sum(len(c) for c in chunks[index:])
                    logger.warning(
                        "broker unreachable (%s); %d notification(s) left to the drain", exc, left
                    )
                    return

    def start() -> None:
        if time.monotonic() < _broker_down_until:
            return
        threading.Thread(target=publish, name="enqueue-notifications", daemon=True).start()

    transaction.on_commit(start)


# --- delivering --------------------------------------------------------------------------------


def _still_due(notification: Notification, now: datetime.datetime) -> bool:
    """A reminder is not sent once the state has submitted or the deadline has passed; a
    "more time" reminder once the state has opposed or the window has ended."""
    if notification.kind == Notification.Kind.MORE_TIME_REMINDER:
        from consultation.models import Opposition

        ends = datetime.datetime.fromisoformat(notification.context.get("window_ends_at", ""))
        # One formal opposition on time settles the draft: nobody is reminded after it.
        opposed = Opposition.objects.filter(
            draft_id=notification.context.get("draft_id"), is_late=False
        ).exists()
        return rules.is_on_time(now, ends) and not opposed
    if notification.kind != Notification.Kind.REMINDER:
        return True
    circular = notification.circular
    if circular.status != Circular.Status.PUBLISHED or circular.deadline is None:
        return False
    if not rules.is_on_time(now, circular.deadline):
        return False
    return not Reply.objects.filter(
        circular=circular, member_state=notification.member_state, status=Reply.Status.SUBMITTED
    ).exists()


def _message(notification: Notification, connection: Any) -> EmailMultiAlternatives:
    context = {
        "n": notification,
        "circular": notification.circular,
        "member_state": notification.member_state,
        "recipient": notification.recipient,
        "data": notification.context,
        "portal_url": settings.PORTAL_URL.rstrip("/"),
    }
    base = f"consultation/email/{notification.kind}"
    with translation.override(notification.language):
        if notification.kind == Notification.Kind.SUMMARY:
            # Stored with ITU's English names; written in the reader's names and order.
            context["no_reply"] = names_sorted(notification.context.get("no_reply", []))
        subject = render_to_string(f"{base}_subject.txt", context).strip()
        body = render_to_string(f"{base}_message.txt", context)
        html = render_to_string(f"{base}_message.html", context)
        if notification.circular.is_demo:
            subject = translation.gettext("[DEMO] %(subject)s") % {"subject": subject}
    domain = settings.DEFAULT_FROM_EMAIL.rsplit("@", 1)[-1].strip(">") or "localhost"
    message = EmailMultiAlternatives(
        subject=" ".join(subject.split()),
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[notification.email],
        connection=connection,
        headers={
            "Message-ID": make_msgid(idstring=str(notification.pk), domain=domain),
            "X-Portal-Notification": notification.dedupe_key,
            "Auto-Submitted": "auto-generated",
        },
    )
    message.attach_alternative(html, "text/html")
    return message


def notification_deliver(
    *, notification_id: int, now: datetime.datetime | None = None, connection: Any = None
) -> str:
    """Send one pending notification; return what happened: sent, cancelled, failed, or
    not_pending (already sent, cancelled, or held by another worker right now)."""
    now = now or timezone.now()
    connection = connection or get_connection()
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("circular", "member_state", "recipient")
            .filter(pk=notification_id, status=Notification.Status.PENDING)
            .first()
        )
        if notification is None:
            return "not_pending"
        if not _still_due(notification, now):
            notification.status = Notification.Status.CANCELLED
            notification.save(update_fields=["status"])
            return "cancelled"
        try:
            message = _message(notification, connection)
            with transaction.atomic():  # a failed send undoes whatever the backend wrote
                connection.send_messages([message])
        except Exception as exc:  # noqa: BLE001 - recorded for TSB, retried by the drain
            notification.attempts += 1
            notification.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            if notification.attempts >= MAX_ATTEMPTS:
                notification.status = Notification.Status.FAILED
            notification.save(update_fields=["attempts", "last_error", "status"])
            logger.warning("notification %s failed: %s", notification.pk, notification.last_error)
            return "failed"
        notification.status = Notification.Status.SENT
        notification.sent_at = now
        notification.attempts += 1
        notification.last_error = ""
        notification.message_id = message.extra_headers.get("Message-ID", "")
        notification.save(
            update_fields=["status", "sent_at", "attempts", "last_error", "message_id"]
        )
    return "sent"


def notifications_deliver(
    *, ids: Iterable[int], now: datetime.datetime | None = None
) -> dict[str, int]:
    """Deliver several notifications over one mail connection; count the outcomes."""
    outcome: dict[str, int] = {}
    connection = get_connection()
    for notification_id in ids:
        result = notification_deliver(
            notification_id=notification_id, now=now, connection=connection
        )
        outcome[result] = outcome.get(result, 0) + 1
    return outcome


def notifications_pending_ids(*, limit: int = 1000) -> list[int]:
    return list(
        Notification.objects.filter(status=Notification.Status.PENDING)
        .order_by("created_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )


@transaction.atomic
def notifications_resend(*, ids: Iterable[int], actor: User) -> int:
    """TSB asks for a failed or sent notification to be sent again; returns how many.

    The request is recorded in the notification (who, when, what it was)."""
    wanted = list(ids)
    resent: list[int] = []
    for notification in Notification.objects.select_for_update().filter(
        Q(status=Notification.Status.FAILED) | Q(status=Notification.Status.SENT), pk__in=wanted
    ):
        history = list(notification.context.get("resent", []))
        history.append(
            {"by": actor.email, "at": timezone.now().isoformat(), "was": notification.status}
        )
        notification.context = {**notification.context, "resent": history}
        notification.status = Notification.Status.PENDING
        notification.attempts = 0
        notification.last_error = ""
        notification.save(update_fields=["context", "status", "attempts", "last_error"])
        resent.append(notification.pk)
    enqueue_on_commit(resent)
    return len(resent)

"""Every write of the consultation app. Views, admin, tasks and commands call these.

Each transition locks its row, checks the current status, and writes its event in the same
transaction.
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from consultation import results
from consultation.models import Circular, CircularEvent
from consultation.services import notifications


class TransitionError(Exception):
    """A transition that the current state does not allow; the message is for the user."""


def _locked_circular(circular_id: int) -> Circular:
    return Circular.objects.select_for_update().select_related("meeting").get(pk=circular_id)


def circular_publish(
    *,
    circular_id: int,
    actor: User | None,
    ip_address: str | None = None,
    now: datetime.datetime | None = None,
) -> Circular:
    """Publish a draft circular: it opens for replies until its deadline.

    Raises TransitionError when the circular is not a draft, has no drafts, has no
    deadline, or its deadline has passed. Sets the date of issue to today (UTC) when empty.
    """
    now = now or timezone.now()
    with transaction.atomic():
        circular = _locked_circular(circular_id)
        if circular.status != Circular.Status.DRAFT:
            raise TransitionError(
                _("%(circular)s is %(status)s; only a draft circular can be published.")
                % {"circular": circular, "status": circular.get_status_display().lower()}
            )
        if circular.is_notice:
            return _publish_notice(circular, actor=actor, ip_address=ip_address, now=now)
        if not circular.drafts.exists():
            raise TransitionError(
                _("%(circular)s lists no draft Recommendation; add one before publishing.")
                % {"circular": circular}
            )
        if circular.deadline is None:
            raise TransitionError(
                _("%(circular)s has no deadline for replies; set one before publishing.")
                % {"circular": circular}
            )
        if circular.deadline <= now:
            raise TransitionError(
                _("The deadline of %(circular)s (%(deadline)s UTC) has already passed.")
                % {
                    "circular": circular,
                    "deadline": circular.deadline.astimezone(datetime.UTC).strftime(
                        "%Y-%m-%d %H:%M"
                    ),
                }
            )
        if circular.issued_on is None:
            circular.issued_on = now.astimezone(datetime.UTC).date()
        circular.status = Circular.Status.PUBLISHED
        circular.published_at = now
        circular.save(update_fields=["issued_on", "status", "published_at", "updated_at"])
        CircularEvent.objects.create(
            circular=circular,
            actor=actor,
            from_status=Circular.Status.DRAFT,
            to_status=Circular.Status.PUBLISHED,
            at=now,
            ip_address=ip_address,
        )
        notifications.notices_queue(circular=circular, now=now)
    return circular


def _publish_notice(
    circular: Circular, *, actor: User | None, ip_address: str | None, now: datetime.datetime
) -> Circular:
    """Publish an approval notice (9.6), inside circular_publish's transaction and lock: it
    takes no replies and has no deadline; it is mailed to the electorate and the copy list."""
    from consultation.services.approval import notice_publish_check

    notice_publish_check(circular, now=now)
    if circular.issued_on is None:
        circular.issued_on = now.astimezone(datetime.UTC).date()
    circular.status = Circular.Status.PUBLISHED
    circular.published_at = now
    circular.save(update_fields=["issued_on", "status", "published_at", "updated_at"])
    CircularEvent.objects.create(
        circular=circular,
        actor=actor,
        from_status=Circular.Status.DRAFT,
        to_status=Circular.Status.PUBLISHED,
        at=now,
        ip_address=ip_address,
    )
    notifications.notices_queue(circular=circular, now=now)
    return circular


def circular_close(
    *,
    circular_id: int,
    actor: User | None,
    ip_address: str | None = None,
    now: datetime.datetime | None = None,
) -> Circular:
    """Close a published circular once its deadline has passed.

    Raises TransitionError when the circular is not published, or when its deadline has not
    passed: the consultation runs until the deadline (Resolution 1, 9.4.1), so closing early
    would cut Member States off.
    """
    now = now or timezone.now()
    with transaction.atomic():
        circular = _locked_circular(circular_id)
        if circular.is_notice:
            raise TransitionError(
                _("%(circular)s is an approval notice: it takes no replies and never closes.")
                % {"circular": circular}
            )
        if circular.status != Circular.Status.PUBLISHED:
            raise TransitionError(
                _("%(circular)s is %(status)s; only a published circular can be closed.")
                % {"circular": circular, "status": circular.get_status_display().lower()}
            )
        assert circular.deadline is not None  # guaranteed by a constraint once published
        if now.replace(microsecond=0) <= circular.deadline.replace(microsecond=0):
            raise TransitionError(
                _(
                    "%(circular)s is open for replies until %(deadline)s UTC; "
                    "it can be closed only after its deadline."
                )
                % {
                    "circular": circular,
                    "deadline": circular.deadline.astimezone(datetime.UTC).strftime(
                        "%Y-%m-%d %H:%M:%S"
                    ),
                }
            )
        circular.status = Circular.Status.CLOSED
        circular.closed_at = now
        circular.save(update_fields=["status", "closed_at", "updated_at"])
        CircularEvent.objects.create(
            circular=circular,
            actor=actor,
            from_status=Circular.Status.PUBLISHED,
            to_status=Circular.Status.CLOSED,
            at=now,
            ip_address=ip_address,
            note="" if actor else "Closed automatically at the deadline.",
        )
        # Results frozen with the closing, in the same transaction (consultation.results).
        results.freeze(circular, now=now)
        notifications.summary_queue(circular=circular, now=now)
    return circular


def circulars_close_due(*, now: datetime.datetime | None = None) -> list[int]:
    """Close every published circular whose deadline has passed; return their ids.

    Housekeeping, not enforcement: the reply services already refuse anything late. Safe to
    run from two beats at once: the second finds the circular closed and skips it.
    """
    now = now or timezone.now()
    closed = []
    due = Circular.objects.filter(
        status=Circular.Status.PUBLISHED, deadline__lt=now.replace(microsecond=0)
    ).values_list("pk", flat=True)
    for circular_id in due:
        try:
            circular_close(circular_id=circular_id, actor=None, now=now)
        except TransitionError:
            continue  # closed meanwhile by TSB or another beat
        closed.append(circular_id)
    return closed

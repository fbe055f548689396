"""Every non-trivial read of the consultation app."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet

from accounts.models import MemberState
from consultation import rules
from consultation.models import (
    Attachment,
    Circular,
    Reply,
    ReplyVersion,
    ReplyVersionPosition,
)


def circular_electorate(*, circular: Circular) -> QuerySet[MemberState]:
    """The Member States that may reply: the membership on the circular's date of issue."""
    day = rules.electorate_date(issued_on=circular.issued_on, deadline=circular.deadline)
    if day is None:
        return MemberState.objects.none()
    return MemberState.objects.members_on(day)


def circular_warnings(*, circular: Circular) -> list[rules.CircularWarning]:
    return rules.circular_checks(
        issued_on=circular.issued_on,
        deadline=circular.deadline,
        meeting_starts_on=circular.meeting.starts_on if circular.meeting_id else None,
    )


def circular_list_for_admin(queryset: QuerySet[Circular]) -> QuerySet[Circular]:
    """Circulars with their draft and reply counts, in a constant number of queries."""
    return queryset.select_related("study_group", "meeting").annotate(
        draft_count=Count("drafts", distinct=True),
        submitted_count=Count("replies", filter=Q(replies__status="submitted"), distinct=True),
    )


# --- the official's pages -------------------------------------------------------------------


def circular_list_for_official(*, official: Any) -> list[Circular]:
    """Published and closed circulars whose electorate includes the official's state,
    each with `my_reply` (or None), in a constant number of queries."""
    from consultation.permissions import circular_visible_to_official

    circulars = list(
        Circular.objects.exclude(status=Circular.Status.DRAFT)
        .select_related("study_group", "meeting")
        .prefetch_related("drafts")
        .order_by("status", "deadline")
    )
    visible = [c for c in circulars if circular_visible_to_official(c, official)]
    replies = {
        r.circular_id: r
        for r in Reply.objects.filter(
            member_state=official.member_state, circular__in=[c.pk for c in visible]
        ).select_related("submitted_by")
    }
    for circular in visible:
        circular.my_reply = replies.get(circular.pk)  # type: ignore[attr-defined]
    return visible


def circular_list_for_observer(*, observer: Any) -> list[Circular]:
    from consultation.permissions import circular_visible_to_observer

    circulars = (
        Circular.objects.exclude(status=Circular.Status.DRAFT)
        .select_related("study_group", "meeting")
        .prefetch_related("copies", "drafts")
        .order_by("status", "deadline")
    )
    return [c for c in circulars if circular_visible_to_observer(c, observer)]


def circular_results(*, circulars: Iterable[Circular]) -> dict[int, list[tuple[Any, rules.Tally]]]:
    """Per circular id, (draft, tally) for each draft, from the kept versions.

    One query for all the versions' positions of all the circulars; the tally itself is
    rules.tally (latest on-time version of each Member State).
    """
    circulars = list(circulars)
    rows = ReplyVersionPosition.objects.filter(
        version__reply__circular__in=[c.pk for c in circulars]
    ).values_list(
        "draft_id",
        "version__reply__member_state_id",
        "version__received_at",
        "decision",
        "version__number",
    )
    ballots: dict[int, list[rules.Ballot]] = {}
    for draft_id, member_state_id, received_at, decision, number in rows:
        ballots.setdefault(draft_id, []).append(
            rules.Ballot(member_state_id, received_at, decision, number)
        )
    results: dict[int, list[tuple[Any, rules.Tally]]] = {}
    for circular in circulars:
        assert circular.deadline is not None
        results[circular.pk] = [
            (draft, rules.tally(ballots.get(draft.pk, []), deadline=circular.deadline))
            for draft in circular.drafts.all()
        ]
    return results


def reply_for_form(*, circular: Circular, official: Any) -> Reply | None:
    """The official's state's reply with its positions, drafts and attachments, prefetched."""
    return (
        Reply.objects.filter(circular=circular, member_state=official.member_state)
        .select_related("circular", "member_state", "submitted_by")
        .prefetch_related(
            "positions__draft",
            Prefetch(
                "attachments",
                queryset=Attachment.objects.filter(removed_at__isnull=True).order_by("uploaded_at"),
            ),
        )
        .first()
    )


def reply_versions(*, reply: Reply) -> QuerySet[ReplyVersion]:
    return reply.versions.select_related("submitted_by", "entered_by").order_by("-number")


# --- results --------------------------------------------------------------------------------


def circular_results_table(*, circular: Circular) -> Any:
    """The results of the circular: frozen at closing (with time and hash), else live."""
    from consultation import results
    from consultation.models import CircularResult

    frozen = CircularResult.objects.filter(circular=circular).first()
    if frozen is not None:
        return results.from_json(
            frozen.data, frozen_at=frozen.taken_at.isoformat(), sha256=frozen.sha256
        )
    return results.compute(circular)


def circular_results_frozen(*, circulars: Iterable[Circular]) -> dict[int, Any]:
    """Frozen results of several closed circulars, in one query (the officials' home)."""
    from consultation import results
    from consultation.models import CircularResult

    return {
        row.circular_id: results.from_json(
            row.data, frozen_at=row.taken_at.isoformat(), sha256=row.sha256
        )
        for row in CircularResult.objects.filter(circular__in=[c.pk for c in circulars])
    }


def positions_for_export(
    *, circulars: Iterable[Circular] | None = None
) -> QuerySet[ReplyVersionPosition]:
    """For each reply, the positions of its counted version (latest on time) and of every
    late version, with what an export row needs selected in the same query."""
    from consultation.results import counted_versions

    qs = ReplyVersionPosition.objects.select_related(
        "version__reply__member_state",
        "version__reply__circular",
        "version__submitted_by",
        "version__entered_by",
        "draft",
    )
    ids = None if circulars is None else [c.pk for c in circulars]
    counted = counted_versions()
    late = ReplyVersion.objects.filter(is_late=True)
    if ids is not None:
        counted = counted.filter(reply__circular_id__in=ids)
        late = late.filter(reply__circular_id__in=ids)
    return qs.filter(Q(version__in=counted) | Q(version__in=late)).order_by(
        "version__reply__circular_id",
        "version__reply__member_state__name",
        "version__number",
        "draft__order",
    )


# --- the public pages (no login) ------------------------------------------------------------

PUBLIC_STATUSES = (Circular.Status.PUBLISHED, Circular.Status.CLOSED)


def _public_circulars() -> QuerySet[Circular]:
    """Published and closed circulars (never a draft), newest first, each annotated with
    `has_demo_replies` (one of its replies is demonstration data)."""
    from django.db.models import Exists, OuterRef

    return (
        Circular.objects.filter(status__in=PUBLIC_STATUSES)
        .select_related("study_group", "meeting")
        .annotate(
            has_demo_replies=Exists(Reply.objects.filter(circular=OuterRef("pk"), is_demo=True))
        )
        # Every published circular has a deadline; a historical one may have no date of issue.
        .order_by("-deadline", "-pk")
    )


def public_results(*, circulars: Iterable[Circular]) -> dict[int, Any]:
    """The frozen results (consultation.results.CircularResults) of the closed ones among
    `circulars`, by circular id, in one query. Open circulars have none: their figures are
    published only once the consultation closes.

    The results hold Member State names (late replies, states that did not reply): the
    public pages show their aggregate numbers only.
    """
    closed = [c for c in circulars if c.status == Circular.Status.CLOSED]
    return circular_results_frozen(circulars=closed) if closed else {}


def public_circulars(*, limit: int | None = None) -> list[Circular]:
    """What the public cards show: published and closed circulars, newest first, with their
    study group, meeting and drafts, `has_demo_replies`, and `frozen_results` (the frozen
    CircularResults of a closed circular, else None), in three queries whatever their number.
    """
    queryset = _public_circulars().prefetch_related("drafts")
    circulars = list(queryset if limit is None else queryset[:limit])
    results = public_results(circulars=circulars)
    for circular in circulars:
        circular.frozen_results = results.get(circular.pk)  # type: ignore[attr-defined]
    return circulars


def public_circular_get(*, pk: int) -> Circular | None:
    """A published or closed circular with its drafts and copy list; None for a draft."""
    return _public_circulars().prefetch_related("drafts", "copies").filter(pk=pk).first()


def public_calendar_circulars() -> list[Circular]:
    """Published and closed circulars with their study group and meeting, for the
    deadlines calendar, in one query."""
    return list(
        Circular.objects.filter(status__in=PUBLIC_STATUSES)
        .select_related("study_group", "meeting")
        .order_by("deadline", "pk")
    )


def notifications_outbox(*, now: datetime.datetime) -> dict[str, Any]:
    """How many notifications wait to be sent, and since when the oldest waits (the admin's
    view of the outbox: the beat's drain sends whatever is pending every few seconds)."""
    from django.db.models import Count, Min

    from consultation.models import Notification

    row = Notification.objects.filter(status=Notification.Status.PENDING).aggregate(
        pending=Count("pk"), oldest=Min("created_at")
    )
    oldest = row["oldest"]
    return {
        "pending": row["pending"],
        "oldest": oldest,
        "waiting_seconds": int((now - oldest).total_seconds()) if oldest else 0,
    }

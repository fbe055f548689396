"""Every non-trivial read of the consultation app."""

from __future__ import annotations

import datetime

from django.db.models import Count, Q, QuerySet

from accounts.models import MemberState
from consultation import rules
from consultation.models import Circular, ReplyPosition


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


def circular_ballots(*, circular: Circular) -> dict[int, list[rules.Ballot]]:
    """Per draft id, the ballots of the submitted replies (the latest version of each).

    Until reply versions are kept (the reply issue), each submitted reply contributes the
    ballot of its latest submission.
    """
    ballots: dict[int, list[rules.Ballot]] = {d.pk: [] for d in circular.drafts.all()}
    positions = (
        ReplyPosition.objects.filter(reply__circular=circular, reply__status="submitted")
        .exclude(decision="")
        .values_list(
            "draft_id",
            "reply__member_state_id",
            "reply__submitted_at",
            "decision",
            "reply__version",
        )
    )
    for draft_id, member_state_id, submitted_at, decision, version in positions:
        assert isinstance(submitted_at, datetime.datetime)
        ballots[draft_id].append(
            rules.Ballot(
                member_state=member_state_id,
                received_at=submitted_at,
                decision=decision,
                version=version,
            )
        )
    return ballots

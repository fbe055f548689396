"""The arithmetic of WTSA Resolution 1 (Rev. Hammamet, 2016), section 9, as pure functions.

Nothing here reads the database or the clock: callers pass what is needed (`now` included),
so every rule can be tested at its edges.

- The electorate of a circular is the membership on its date of issue.
- A reply is on time when received no later than the deadline's own second (UTC).
- Per draft, the base is the on-time submitted replies, the latest on-time version of each
  Member State counting once; late replies are recorded but do not count (9.4.6).
- Consideration may proceed iff 10 x supporting >= 7 x replies, or there are no replies
  (9.4.5): an exact integer test, never a float comparison.
"""

from __future__ import annotations

import calendar
import datetime
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Protocol, TypeVar

from django.utils.translation import gettext as _

AUTHORIZE_NO_COMMENTS = "authorize"
AUTHORIZE_WITH_COMMENTS = "authorize_comments"
DO_NOT_AUTHORIZE = "do_not_authorize"
DECISIONS = frozenset({AUTHORIZE_NO_COMMENTS, AUTHORIZE_WITH_COMMENTS, DO_NOT_AUTHORIZE})
SUPPORTING = frozenset({AUTHORIZE_NO_COMMENTS, AUTHORIZE_WITH_COMMENTS})

APPROVAL_THRESHOLD = Fraction(7, 10)
WORKING_DAYS_BEFORE_MEETING = 7
NOTICE_MONTHS = 3


# --- Membership -------------------------------------------------------------------------


class HasMembership(Protocol):
    @property
    def joined_on(self) -> datetime.date | None: ...
    @property
    def left_on(self) -> datetime.date | None: ...


M = TypeVar("M", bound=HasMembership)


def is_member_on(state: HasMembership, day: datetime.date) -> bool:
    """Member on `day`: joined on or before it (empty = always), not yet left."""
    return (state.joined_on is None or state.joined_on <= day) and (
        state.left_on is None or state.left_on > day
    )


def electorate(states: Iterable[M], day: datetime.date) -> list[M]:
    """The Member States that may reply to a circular issued on `day`."""
    return [state for state in states if is_member_on(state, day)]


def electorate_date(
    *, issued_on: datetime.date | None, deadline: datetime.datetime | None
) -> datetime.date | None:
    """The day whose membership forms the electorate.

    The date of issue; for a historical circular whose copy carries no date, the deadline's
    UTC date (membership rarely changes within a consultation; the circular checks warn
    TSB that the date of issue is missing).
    """
    if issued_on is not None:
        return issued_on
    if deadline is not None:
        return deadline.astimezone(datetime.UTC).date()
    return None


# --- Deadlines ----------------------------------------------------------------------------


def _require_aware(value: datetime.datetime, name: str) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be an aware datetime, got a naive one: {value!r}")


def is_on_time(received_at: datetime.datetime, deadline: datetime.datetime) -> bool:
    """True when received no later than the deadline's own second.

    A deadline of 23:59:00 UTC accepts 23:59:00.999999 and refuses 23:59:01.
    """
    _require_aware(received_at, "received_at")
    _require_aware(deadline, "deadline")
    return received_at.replace(microsecond=0) <= deadline.replace(microsecond=0)


def subtract_working_days(day: datetime.date, count: int) -> datetime.date:
    """The date `count` working days (Monday to Friday) before `day`."""
    if count < 0:
        raise ValueError("count must not be negative")
    current = day
    remaining = count
    while remaining:
        current -= datetime.timedelta(days=1)
        if current.weekday() < 5:
            remaining -= 1
    return current


def subtract_months(day: datetime.date, months: int) -> datetime.date:
    """The same day `months` calendar months earlier (clamped to the month's last day)."""
    month_index = day.year * 12 + (day.month - 1) - months
    year, month = divmod(month_index, 12)
    month += 1
    last = calendar.monthrange(year, month)[1]
    return datetime.date(year, month, min(day.day, last))


def latest_deadline_date(meeting_starts_on: datetime.date) -> datetime.date:
    """9.4.1: the consultation runs until 7 working days before the meeting begins.

    For a meeting starting on Wednesday 4 March 2020 that day is Monday 24 February 2020;
    a deadline on that UTC date or earlier complies.
    """
    return subtract_working_days(meeting_starts_on, WORKING_DAYS_BEFORE_MEETING)


def latest_issue_date(meeting_starts_on: datetime.date) -> datetime.date:
    """9.3: the Director announces the consultation at least 3 months before the meeting."""
    return subtract_months(meeting_starts_on, NOTICE_MONTHS)


@dataclass(frozen=True)
class CircularWarning:
    code: str
    message: str


def circular_checks(
    *,
    issued_on: datetime.date | None,
    deadline: datetime.datetime | None,
    meeting_starts_on: datetime.date | None,
) -> list[CircularWarning]:
    """The circular's dates checked against Resolution 1; warnings for TSB, never errors."""
    warnings: list[CircularWarning] = []
    if deadline is None:
        warnings.append(CircularWarning("no_deadline", _("No deadline for replies is set.")))
    else:
        _require_aware(deadline, "deadline")
    if meeting_starts_on is None:
        return warnings
    if deadline is not None:
        deadline_day = deadline.astimezone(datetime.UTC).date()
        latest = latest_deadline_date(meeting_starts_on)
        if deadline_day > latest:
            warnings.append(
                CircularWarning(
                    "deadline_too_late",
                    _(
                        "The deadline (%(deadline)s UTC) is later than 7 working days before "
                        "the meeting starts on %(start)s: the latest compliant date is "
                        "%(latest)s (Resolution 1, 9.4.1)."
                    )
                    % {
                        "deadline": deadline_day.isoformat(),
                        "start": meeting_starts_on.isoformat(),
                        "latest": latest.isoformat(),
                    },
                )
            )
        if deadline_day >= meeting_starts_on:
            warnings.append(
                CircularWarning(
                    "deadline_after_meeting",
                    _("The deadline is not before the meeting starts."),
                )
            )
    if issued_on is None:
        warnings.append(
            CircularWarning(
                "no_issue_date",
                _(
                    "The date of issue is not recorded, so the 3-month notice cannot be "
                    "checked (Resolution 1, 9.3). It is set when the circular is published."
                ),
            )
        )
    else:
        latest_issue = latest_issue_date(meeting_starts_on)
        if issued_on > latest_issue:
            warnings.append(
                CircularWarning(
                    "notice_too_short",
                    _(
                        "The circular is issued on %(issued)s, less than 3 months before the "
                        "meeting starts on %(start)s: it should be issued by %(latest)s "
                        "(Resolution 1, 9.3)."
                    )
                    % {
                        "issued": issued_on.isoformat(),
                        "start": meeting_starts_on.isoformat(),
                        "latest": latest_issue.isoformat(),
                    },
                )
            )
        if deadline is not None and deadline.astimezone(datetime.UTC).date() < issued_on:
            warnings.append(
                CircularWarning(
                    "deadline_before_issue", _("The deadline is before the date of issue.")
                )
            )
    return warnings


# --- The tally ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Ballot:
    """One submitted version of one Member State's position on one draft."""

    member_state: Hashable
    received_at: datetime.datetime
    decision: str
    version: int = 1


@dataclass(frozen=True)
class Tally:
    replies: int
    supporting_no_comments: int
    supporting_with_comments: int
    not_supporting: int
    counted: dict[Hashable, Ballot] = field(repr=False, compare=False)
    late_member_states: frozenset[Hashable] = frozenset()

    @property
    def supporting(self) -> int:
        return self.supporting_no_comments + self.supporting_with_comments

    @property
    def share_supporting(self) -> Fraction | None:
        """Supporting replies as an exact fraction of the replies; None without replies."""
        return Fraction(self.supporting, self.replies) if self.replies else None

    @property
    def proceeds(self) -> bool:
        """9.4.5/9.4.6: consideration may proceed at the meeting."""
        return may_proceed(supporting=self.supporting, replies=self.replies)


def may_proceed(*, supporting: int, replies: int) -> bool:
    """70 per cent or more of the replies support, or there are no replies. Exact."""
    if supporting < 0 or replies < 0 or supporting > replies:
        raise ValueError("need 0 <= supporting <= replies")
    return replies == 0 or 10 * supporting >= 7 * replies


def tally(ballots: Iterable[Ballot], *, deadline: datetime.datetime) -> Tally:
    """Count one draft's ballots.

    Each Member State counts once, with its latest on-time ballot (by time received, then
    version). Ballots received after the deadline never count; the Member States that sent
    them are reported in `late_member_states`.
    """
    counted: dict[Hashable, Ballot] = {}
    late: set[Hashable] = set()
    for ballot in ballots:
        if ballot.decision not in DECISIONS:
            raise ValueError(f"unknown decision {ballot.decision!r}")
        if not is_on_time(ballot.received_at, deadline):
            late.add(ballot.member_state)
            continue
        current = counted.get(ballot.member_state)
        if current is None or (ballot.received_at, ballot.version) > (
            current.received_at,
            current.version,
        ):
            counted[ballot.member_state] = ballot
    decisions: Sequence[str] = [b.decision for b in counted.values()]
    return Tally(
        replies=len(decisions),
        supporting_no_comments=decisions.count(AUTHORIZE_NO_COMMENTS),
        supporting_with_comments=decisions.count(AUTHORIZE_WITH_COMMENTS),
        not_supporting=decisions.count(DO_NOT_AUTHORIZE),
        counted=counted,
        late_member_states=frozenset(late),
    )


# --- Reminders ------------------------------------------------------------------------------


def parse_offsets(text: str) -> list[datetime.timedelta]:
    """Parse reminder offsets such as "14d, 7d, 2d, 24h" (largest first, duplicates dropped).

    Raises ValueError with a message for the user on anything else.
    """
    offsets: set[datetime.timedelta] = set()
    for raw in text.split(","):
        item = raw.strip().lower().replace(" ", "")
        if not item:
            continue
        number, unit = item[:-1], item[-1:]
        if unit not in ("d", "h") or not number.isdigit() or int(number) == 0:
            raise ValueError(
                _('"%(item)s" is not a number of days (d) or hours (h), e.g. "14d" or "24h".')
                % {"item": raw.strip()}
            )
        hours = int(number) * (24 if unit == "d" else 1)
        if hours > 24 * 366:
            raise ValueError(_('"%(item)s" is more than a year.') % {"item": raw.strip()})
        offsets.add(datetime.timedelta(hours=hours))
    return sorted(offsets, reverse=True)


def offset_label(offset: datetime.timedelta) -> str:
    """ "14d" for whole days from two days up, "24h" below (as TSB writes them)."""
    hours = int(offset.total_seconds() // 3600)
    return f"{hours // 24}d" if hours % 24 == 0 and hours >= 48 else f"{hours}h"


def reminder_due(
    *, offsets: Sequence[datetime.timedelta], deadline: datetime.datetime, now: datetime.datetime
) -> datetime.timedelta | None:
    """The reminder whose moment is the latest one reached, while the deadline is ahead.

    "Due and not yet sent", never "exactly N days before": a reminder missed while the
    portal was down is still sent, late; but when several moments have passed only the most
    recent is due (an official gets one reminder, not three at once).
    """
    _require_aware(now, "now")
    if not is_on_time(now, deadline):
        return None
    reached = [offset for offset in offsets if now >= deadline - offset]
    return min(reached) if reached else None


# --- The Annex 2 form ---------------------------------------------------------------------------

#: What a position's texts are for: the decision each belongs to.
TEXT_FOR_DECISION = {
    "comments": AUTHORIZE_WITH_COMMENTS,
    "reasons": DO_NOT_AUTHORIZE,
    "possible_changes": DO_NOT_AUTHORIZE,
}


def texts_sent(
    *, decision: str, comments: str, reasons: str, possible_changes: str
) -> dict[str, str]:
    """The texts of a position that go with its decision; the others are left out.

    An official who ticks "no comments" after writing comments keeps them in the working
    copy (nothing typed is lost, and they come back if the box is ticked again), but what is
    sent, hashed and counted carries only the texts of the box ticked.
    """
    texts = {"comments": comments, "reasons": reasons, "possible_changes": possible_changes}
    return {
        name: text if TEXT_FOR_DECISION[name] == decision else "" for name, text in texts.items()
    }


def position_problems(
    *, decision: str, comments: str, reasons: str, possible_changes: str, has_file: bool
) -> dict[str, str]:
    """The Annex 2 rules for one draft: {field: "missing"}; empty when the box is complete.

    - "decision": no box ticked;
    - "comments": "comments attached" needs comments or a file;
    - "reasons", "possible_changes": "does not authorize" needs both, as text or file
      (Resolution 1, 9.4.4).
    Texts under another box than the one ticked do not count (texts_sent).
    """
    if not decision:
        return {"decision": "missing"}
    sent = texts_sent(
        decision=decision, comments=comments, reasons=reasons, possible_changes=possible_changes
    )
    return {
        name: "missing"
        for name, wanted in TEXT_FOR_DECISION.items()
        if wanted == decision and not sent[name].strip() and not has_file
    }

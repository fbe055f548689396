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


# --- Stage two: the meeting's decision, "more time", the approval notice (9.5, 9.6) -------------

#: 9.5: a Member State whose delegation asked for more time has 4 weeks after the meeting to
#: send a formal opposition; 9.6: within 4 weeks of the meeting the Director announces by
#: circular whether each text was approved.
MORE_TIME_WEEKS = 4

# The meeting's decisions on a draft, as TSB records them.
NOT_CONSIDERED = "not_considered"
APPROVED = "approved"
APPROVED_WITH_RESERVATIONS = "approved_reservations"
NOT_APPROVED = "not_approved"
MORE_TIME = "more_time"
# What the end of a "more time" window decides, recorded by the portal itself.
WINDOW_APPROVED = "window_approved"
WINDOW_NOT_APPROVED = "window_not_approved"
MEETING_DECISIONS = (NOT_CONSIDERED, APPROVED, APPROVED_WITH_RESERVATIONS, NOT_APPROVED, MORE_TIME)
CONSIDERED = frozenset({APPROVED, APPROVED_WITH_RESERVATIONS, NOT_APPROVED, MORE_TIME})

# What a Member State's delegation said at the meeting.
RESERVATION = "reservation"
ABSTENTION = "abstention"
OPPOSITION = "opposition"
ASKED_MORE_TIME = "more_time"
STATEMENT_KINDS = (RESERVATION, ABSTENTION, OPPOSITION, ASKED_MORE_TIME)

# Where a draft stands after its consultation (draft_stage).
STAGE_AWAITING_DECISION = "awaiting_decision"
STAGE_NOT_CONSIDERED = "not_considered"
STAGE_APPROVED = "approved"
STAGE_NOT_APPROVED = "not_approved"
STAGE_MORE_TIME = "more_time"


def more_time_window_end(meeting_last_day: datetime.date) -> datetime.datetime:
    """The last second (UTC) of the "more time" window: the meeting's last day is day 0 and
    the window runs to the end of day 28 (4 weeks after the meeting), 23:59:59 UTC."""
    day = meeting_last_day + datetime.timedelta(weeks=MORE_TIME_WEEKS)
    return datetime.datetime.combine(day, datetime.time(23, 59, 59), tzinfo=datetime.UTC)


def notice_due_date(meeting_last_day: datetime.date) -> datetime.date:
    """9.6: the Director announces the decisions within 4 weeks of the meeting (day 28)."""
    return meeting_last_day + datetime.timedelta(weeks=MORE_TIME_WEEKS)


@dataclass(frozen=True)
class Statement:
    """What one Member State's delegation said about one draft at the meeting."""

    member_state: Hashable
    kind: str
    text: str = ""


#: Which statements each decision needs ("needs") and which it cannot carry ("excludes").
_DECISION_STATEMENTS: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    NOT_CONSIDERED: (frozenset(), frozenset(STATEMENT_KINDS)),
    APPROVED: (frozenset(), frozenset({RESERVATION, OPPOSITION, ASKED_MORE_TIME})),
    APPROVED_WITH_RESERVATIONS: (
        frozenset({RESERVATION}),
        frozenset({OPPOSITION, ASKED_MORE_TIME}),
    ),
    NOT_APPROVED: (frozenset({OPPOSITION}), frozenset({ASKED_MORE_TIME})),
    MORE_TIME: (frozenset({ASKED_MORE_TIME}), frozenset({OPPOSITION})),
}


def decision_problems(
    *, decision: str, statements: Sequence[Statement], proceeds: bool
) -> list[str]:
    """Why the meeting's decision on a draft cannot be recorded as given; empty when it can.

    - consideration (any decision but "not considered") needs the consultation to have
      allowed it (9.4.5/9.4.6: under 70 per cent it may not proceed at that meeting);
    - approved with reservations names at least one reservation, not approved at least one
      opposition, more time at least one Member State that asked for it (9.5);
    - approval is unopposed: an opposition or a request for more time excludes it;
    - one statement per Member State; a reservation or an opposition says what it is.
    """
    if decision not in MEETING_DECISIONS:
        return [_("Choose what the meeting decided.")]
    problems = []
    if decision in CONSIDERED and not proceeds:
        problems.append(
            _(
                "Fewer than 70 per cent of the replies received by the deadline supported "
                "consideration: the meeting could not consider this text (Resolution 1, 9.4.6)."
            )
        )
    needs, excludes = _DECISION_STATEMENTS[decision]
    kinds = {s.kind for s in statements}
    # Whole sentences, one per case: a translation cannot be assembled from parts.
    needed = {
        RESERVATION: _("This decision needs a reservation by a named Member State."),
        OPPOSITION: _("This decision needs an opposition by a named Member State."),
        ASKED_MORE_TIME: _("This decision needs a named Member State that asked for more time."),
    }
    excluded = {
        RESERVATION: _("This decision cannot carry a reservation."),
        ABSTENTION: _("This decision cannot carry an abstention."),
        OPPOSITION: _("This decision cannot carry an opposition: approval is unopposed."),
        ASKED_MORE_TIME: _("This decision cannot carry a request for more time."),
    }
    for kind in STATEMENT_KINDS:
        if kind in needs and kind not in kinds:
            problems.append(needed[kind])
        if kind in excludes and kind in kinds:
            problems.append(excluded[kind])
    seen: set[Hashable] = set()
    for statement in statements:
        if statement.kind not in STATEMENT_KINDS:
            problems.append(_("Choose what each Member State said."))
        if statement.member_state in seen:
            problems.append(_("Each Member State is named once."))
        seen.add(statement.member_state)
        if statement.kind in (RESERVATION, OPPOSITION) and not statement.text.strip():
            problems.append(
                _("Give the text of each reservation and the reasons of each opposition.")
            )
    return list(dict.fromkeys(problems))  # each once, in order


@dataclass(frozen=True)
class Stage:
    """Where a draft stands after its consultation (draft_stage)."""

    status: str
    decision: str = ""
    approved_on: datetime.date | None = None
    window_ends_at: datetime.datetime | None = None
    opposed_by: frozenset[Hashable] = frozenset()
    reservations_by: frozenset[Hashable] = frozenset()

    @property
    def is_final(self) -> bool:
        """Settled: the approval notice can announce it."""
        return self.status in (STAGE_NOT_CONSIDERED, STAGE_APPROVED, STAGE_NOT_APPROVED)


def opposition_on_time(received_at: datetime.datetime, meeting_last_day: datetime.date) -> bool:
    """A formal opposition counts when received no later than the window's last second."""
    return is_on_time(received_at, more_time_window_end(meeting_last_day))


def draft_stage(
    *,
    decision: str | None,
    meeting_last_day: datetime.date | None,
    statements: Sequence[Statement] = (),
    oppositions: Iterable[tuple[Hashable, datetime.datetime]] = (),
    now: datetime.datetime,
) -> Stage:
    """The status of a draft from the meeting's decision (None: not recorded yet), what the
    delegations said, and the formal oppositions received (Member State, received at).

    Approved at the meeting: approved on its last day (day 0). More time: the draft stands
    until the window's end; a formal opposition received on time from a Member State that
    asked for more time makes it not approved; otherwise it is approved when the window has
    ended, on the window's last day (day 28). An opposition received late, or from a Member
    State that did not ask for more time, does not count.
    """
    _require_aware(now, "now")
    if not decision:
        return Stage(status=STAGE_AWAITING_DECISION)
    assert meeting_last_day is not None
    reservations = frozenset(s.member_state for s in statements if s.kind == RESERVATION)
    if decision == NOT_CONSIDERED:
        return Stage(status=STAGE_NOT_CONSIDERED, decision=decision)
    if decision in (APPROVED, APPROVED_WITH_RESERVATIONS):
        return Stage(
            status=STAGE_APPROVED,
            decision=decision,
            approved_on=meeting_last_day,
            reservations_by=reservations,
        )
    if decision == NOT_APPROVED:
        opposed = frozenset(s.member_state for s in statements if s.kind == OPPOSITION)
        return Stage(status=STAGE_NOT_APPROVED, decision=decision, opposed_by=opposed)
    if decision != MORE_TIME:
        raise ValueError(f"unknown decision {decision!r}")
    end = more_time_window_end(meeting_last_day)
    asked = {s.member_state for s in statements if s.kind == ASKED_MORE_TIME}
    opposed = frozenset(
        state for state, at in oppositions if state in asked and is_on_time(at, end)
    )
    if opposed:
        # Approval is unopposed: one formal opposition on time settles it, window or not.
        return Stage(
            status=STAGE_NOT_APPROVED, decision=decision, window_ends_at=end, opposed_by=opposed
        )
    if is_on_time(now, end):
        return Stage(
            status=STAGE_MORE_TIME,
            decision=decision,
            window_ends_at=end,
            reservations_by=reservations,
        )
    return Stage(
        status=STAGE_APPROVED,
        decision=decision,
        approved_on=end.date(),
        window_ends_at=end,
        reservations_by=reservations,
    )

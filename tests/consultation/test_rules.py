"""Resolution 1 arithmetic at its edges (pure functions, no database)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from consultation import rules
from consultation.rules import (
    AUTHORIZE_NO_COMMENTS,
    AUTHORIZE_WITH_COMMENTS,
    DO_NOT_AUTHORIZE,
    Ballot,
)

UTC = datetime.UTC
DEADLINE = datetime.datetime(2020, 2, 21, 23, 59, tzinfo=UTC)
BEFORE = DEADLINE - datetime.timedelta(days=3)
MEETING_205 = datetime.date(2020, 3, 4)


@dataclass
class State:
    joined_on: datetime.date | None
    left_on: datetime.date | None = None


# --- deadline to the second ----------------------------------------------------------


def test_deadline_second_itself_is_on_time() -> None:
    assert rules.is_on_time(DEADLINE, DEADLINE)
    assert rules.is_on_time(DEADLINE.replace(microsecond=999_999), DEADLINE)


def test_one_second_after_deadline_is_late() -> None:
    assert not rules.is_on_time(DEADLINE + datetime.timedelta(seconds=1), DEADLINE)


def test_one_second_before_deadline_is_on_time() -> None:
    assert rules.is_on_time(DEADLINE - datetime.timedelta(seconds=1), DEADLINE)


def test_deadline_compared_in_utc_whatever_the_zone() -> None:
    geneva = datetime.timezone(datetime.timedelta(hours=1))
    # 00:59:00 in Geneva (UTC+1) on the 22nd is 23:59:00 UTC on the 21st: on time.
    assert rules.is_on_time(datetime.datetime(2020, 2, 22, 0, 59, tzinfo=geneva), DEADLINE)
    assert not rules.is_on_time(datetime.datetime(2020, 2, 22, 0, 59, 1, tzinfo=geneva), DEADLINE)


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        rules.is_on_time(datetime.datetime(2020, 2, 21, 12, 0), DEADLINE)  # noqa: DTZ001


# --- electorate ---------------------------------------------------------------------------


def test_electorate_uses_membership_dates() -> None:
    old = State(joined_on=None)
    palau = State(joined_on=datetime.date(2024, 9, 19))
    gone = State(joined_on=None, left_on=datetime.date(2021, 1, 1))
    states = [old, palau, gone]
    assert rules.electorate(states, datetime.date(2020, 2, 21)) == [old, gone]
    assert rules.electorate(states, datetime.date(2024, 9, 18)) == [old]
    assert rules.electorate(states, datetime.date(2024, 9, 19)) == [old, palau]


def test_electorate_date_falls_back_to_deadline_day_when_issue_date_unknown() -> None:
    assert rules.electorate_date(issued_on=None, deadline=DEADLINE) == datetime.date(2020, 2, 21)
    issued = datetime.date(2019, 11, 1)
    assert rules.electorate_date(issued_on=issued, deadline=DEADLINE) == issued
    assert rules.electorate_date(issued_on=None, deadline=None) is None


# --- the tally -----------------------------------------------------------------------------


def ballots(support: int, against: int, *, at: datetime.datetime = BEFORE) -> list[Ballot]:
    made = [Ballot(f"S{i}", at, AUTHORIZE_NO_COMMENTS) for i in range(support)]
    made += [Ballot(f"O{i}", at, DO_NOT_AUTHORIZE) for i in range(against)]
    return made


def test_exactly_seventy_percent_proceeds() -> None:
    result = rules.tally(ballots(7, 3), deadline=DEADLINE)
    assert (result.replies, result.supporting, result.not_supporting) == (10, 7, 3)
    assert result.share_supporting == Fraction(7, 10)
    assert result.proceeds


def test_just_under_seventy_percent_does_not_proceed() -> None:
    # 69 of 99 is 69.69...%, and 99 x 0.7 = 69.3: a float test would be fragile, ours is exact.
    result = rules.tally(ballots(69, 30), deadline=DEADLINE)
    assert result.replies == 99
    assert not result.proceeds
    assert rules.tally(ballots(70, 30), deadline=DEADLINE).proceeds
    assert not rules.tally(ballots(139, 61), deadline=DEADLINE).proceeds  # 69.5%


def test_no_replies_proceeds() -> None:
    result = rules.tally([], deadline=DEADLINE)
    assert result.replies == 0
    assert result.share_supporting is None
    assert result.proceeds


def test_late_replies_are_excluded_and_reported() -> None:
    late_at = DEADLINE + datetime.timedelta(seconds=1)
    on_time = ballots(7, 3)
    late = [Ballot(f"L{i}", late_at, DO_NOT_AUTHORIZE) for i in range(5)]
    result = rules.tally(on_time + late, deadline=DEADLINE)
    assert result.replies == 10
    assert result.proceeds  # with the five late "no" counted it would be 7/15
    assert result.late_member_states == {f"L{i}" for i in range(5)}


def test_revised_reply_counts_once_with_its_latest_on_time_version() -> None:
    first = Ballot("CH", BEFORE, DO_NOT_AUTHORIZE, version=1)
    revised = Ballot("CH", BEFORE + datetime.timedelta(hours=1), AUTHORIZE_WITH_COMMENTS, version=2)
    after_deadline = Ballot("CH", DEADLINE + datetime.timedelta(minutes=1), DO_NOT_AUTHORIZE, 3)
    result = rules.tally([revised, after_deadline, first], deadline=DEADLINE)
    assert result.replies == 1
    assert result.supporting_with_comments == 1
    assert result.not_supporting == 0
    assert result.counted["CH"] is revised
    assert result.late_member_states == {"CH"}


def test_both_authorize_decisions_support() -> None:
    result = rules.tally(
        [
            Ballot("A", BEFORE, AUTHORIZE_NO_COMMENTS),
            Ballot("B", BEFORE, AUTHORIZE_WITH_COMMENTS),
            Ballot("C", BEFORE, DO_NOT_AUTHORIZE),
        ],
        deadline=DEADLINE,
    )
    assert (result.supporting_no_comments, result.supporting_with_comments) == (1, 1)
    assert result.supporting == 2
    assert not result.proceeds  # 2 of 3 is 66.7%


def test_unknown_decision_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown decision"):
        rules.tally([Ballot("A", BEFORE, "")], deadline=DEADLINE)


decision = st.sampled_from([AUTHORIZE_NO_COMMENTS, AUTHORIZE_WITH_COMMENTS, DO_NOT_AUTHORIZE])
offset = st.integers(min_value=-10 * 86_400, max_value=86_400)
ballot_lists = st.lists(
    st.tuples(st.integers(min_value=0, max_value=40), offset, decision, st.integers(1, 5)),
    max_size=120,
)


@given(ballot_lists)
def test_tally_matches_a_direct_count(raw: list[tuple[int, int, str, int]]) -> None:
    made = [
        Ballot(f"MS{ms}", DEADLINE + datetime.timedelta(seconds=sec), dec, version)
        for ms, sec, dec, version in raw
    ]
    result = rules.tally(made, deadline=DEADLINE)
    # Oracle: per Member State, the greatest (time, version) among on-time ballots.
    latest: dict[str, Ballot] = {}
    for b in made:
        if b.received_at <= DEADLINE:
            key = (b.received_at, b.version)
            if b.member_state not in latest or key > (
                latest[b.member_state].received_at,
                latest[b.member_state].version,
            ):
                latest[b.member_state] = b
    replies = len(latest)
    supporting = sum(b.decision != DO_NOT_AUTHORIZE for b in latest.values())
    assert result.replies == replies
    assert result.supporting == supporting
    assert result.supporting + result.not_supporting == replies
    assert result.proceeds == (replies == 0 or Fraction(supporting, replies) >= Fraction(7, 10))
    late = {b.member_state for b in made if b.received_at > DEADLINE}
    assert result.late_member_states == late


@given(st.integers(min_value=0, max_value=2000), st.integers(min_value=0, max_value=2000))
def test_may_proceed_is_the_exact_seventy_percent_test(supporting: int, extra: int) -> None:
    replies = supporting + extra
    expected = replies == 0 or Fraction(supporting, replies) >= Fraction(7, 10)
    assert rules.may_proceed(supporting=supporting, replies=replies) == expected


# --- the circular's dates against Resolution 1 -------------------------------------------------


def test_latest_deadline_is_seven_working_days_before_meeting() -> None:
    # Wednesday 4 March 2020 minus 7 working days is Monday 24 February 2020.
    assert rules.latest_deadline_date(MEETING_205) == datetime.date(2020, 2, 24)


def test_circular_205_deadline_passes_the_working_day_check() -> None:
    warnings = rules.circular_checks(
        issued_on=datetime.date(2019, 11, 20), deadline=DEADLINE, meeting_starts_on=MEETING_205
    )
    assert warnings == []


def test_deadline_of_27_february_for_the_same_meeting_gets_a_warning() -> None:
    late_deadline = datetime.datetime(2020, 2, 27, 23, 59, tzinfo=UTC)
    warnings = rules.circular_checks(
        issued_on=datetime.date(2019, 11, 20), deadline=late_deadline, meeting_starts_on=MEETING_205
    )
    assert [w.code for w in warnings] == ["deadline_too_late"]
    assert "2020-02-24" in warnings[0].message


def test_deadline_on_the_last_compliant_day_passes() -> None:
    deadline = datetime.datetime(2020, 2, 24, 23, 59, tzinfo=UTC)
    assert (
        rules.circular_checks(
            issued_on=datetime.date(2019, 11, 20), deadline=deadline, meeting_starts_on=MEETING_205
        )
        == []
    )


def test_short_notice_and_missing_issue_date_are_warned() -> None:
    short = rules.circular_checks(
        issued_on=datetime.date(2019, 12, 5), deadline=DEADLINE, meeting_starts_on=MEETING_205
    )
    assert [w.code for w in short] == ["notice_too_short"]
    assert "2019-12-04" in short[0].message
    on_the_day = rules.circular_checks(
        issued_on=datetime.date(2019, 12, 4), deadline=DEADLINE, meeting_starts_on=MEETING_205
    )
    assert on_the_day == []
    unknown = rules.circular_checks(
        issued_on=None, deadline=DEADLINE, meeting_starts_on=MEETING_205
    )
    assert [w.code for w in unknown] == ["no_issue_date"]


def test_missing_deadline_is_warned() -> None:
    checks = rules.circular_checks(
        issued_on=datetime.date(2019, 11, 1), deadline=None, meeting_starts_on=MEETING_205
    )
    assert [w.code for w in checks] == ["no_deadline"]


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (datetime.date(2020, 3, 4), 3, datetime.date(2019, 12, 4)),
        (datetime.date(2020, 5, 31), 3, datetime.date(2020, 2, 29)),
        (datetime.date(2021, 1, 15), 1, datetime.date(2020, 12, 15)),
    ],
)
def test_subtract_months(day: datetime.date, months: int, expected: datetime.date) -> None:
    assert rules.subtract_months(day, months) == expected


@given(st.dates(min_value=datetime.date(2000, 1, 1), max_value=datetime.date(2100, 1, 1)))
def test_seven_working_days_back_skips_weekends(day: datetime.date) -> None:
    latest = rules.latest_deadline_date(day)
    between = [latest + datetime.timedelta(days=i) for i in range(1, (day - latest).days + 1)]
    working = [d for d in between if d.weekday() < 5 and d < day]
    # `latest` is itself the 7th working day back, so 6 working days lie strictly between.
    assert len(working) == 6
    assert latest.weekday() < 5


# --- reminders -------------------------------------------------------------------------------


def test_parse_offsets_reads_days_and_hours_largest_first() -> None:
    parsed = rules.parse_offsets("24h, 14d,7d , 2d, 48h")
    assert parsed == [
        datetime.timedelta(days=14),
        datetime.timedelta(days=7),
        datetime.timedelta(days=2),
        datetime.timedelta(hours=24),
    ]
    assert [rules.offset_label(o) for o in parsed] == ["14d", "7d", "2d", "24h"]
    assert rules.parse_offsets("") == []


@pytest.mark.parametrize("bad", ["14 days", "0d", "7w", "-2d", "d", "400d"])
def test_parse_offsets_refuses_anything_else(bad: str) -> None:
    with pytest.raises(ValueError):
        rules.parse_offsets(bad)


def test_reminder_due_is_the_latest_moment_reached_before_the_deadline() -> None:
    offsets = rules.parse_offsets("14d, 7d, 2d, 24h")
    day = datetime.timedelta(days=1)
    assert rules.reminder_due(offsets=offsets, deadline=DEADLINE, now=DEADLINE - 15 * day) is None
    assert (
        rules.reminder_due(offsets=offsets, deadline=DEADLINE, now=DEADLINE - 14 * day) == 14 * day
    )
    assert rules.reminder_due(offsets=offsets, deadline=DEADLINE, now=DEADLINE - 3 * day) == 7 * day
    assert rules.reminder_due(offsets=offsets, deadline=DEADLINE, now=DEADLINE) == day
    after = DEADLINE + datetime.timedelta(seconds=1)
    assert rules.reminder_due(offsets=offsets, deadline=DEADLINE, now=after) is None


class TestAnnex2Rules:
    def check(self, decision: str, *, has_file: bool = False, **texts: str) -> dict[str, str]:
        values = {"comments": "", "reasons": "", "possible_changes": "", **texts}
        return rules.position_problems(decision=decision, has_file=has_file, **values)

    def test_a_box_must_be_ticked(self) -> None:
        assert self.check("") == {"decision": "missing"}

    def test_no_comments_is_complete_alone(self) -> None:
        assert self.check(rules.AUTHORIZE_NO_COMMENTS) == {}

    def test_comments_attached_needs_comments_or_a_file(self) -> None:
        assert self.check(rules.AUTHORIZE_WITH_COMMENTS) == {"comments": "missing"}
        assert self.check(rules.AUTHORIZE_WITH_COMMENTS, comments="See 7.2") == {}
        assert self.check(rules.AUTHORIZE_WITH_COMMENTS, has_file=True) == {}

    def test_not_authorizing_needs_reasons_and_changes(self) -> None:
        assert self.check(rules.DO_NOT_AUTHORIZE) == {
            "reasons": "missing",
            "possible_changes": "missing",
        }
        assert self.check(rules.DO_NOT_AUTHORIZE, reasons="r", possible_changes="c") == {}
        assert self.check(rules.DO_NOT_AUTHORIZE, has_file=True) == {}

    def test_text_under_another_box_neither_counts_nor_is_sent(self) -> None:
        assert self.check(rules.AUTHORIZE_NO_COMMENTS, comments="x") == {}
        assert self.check(rules.DO_NOT_AUTHORIZE, comments="x") == {
            "reasons": "missing",
            "possible_changes": "missing",
        }
        sent = rules.texts_sent(
            decision=rules.AUTHORIZE_WITH_COMMENTS, comments="c", reasons="r", possible_changes="p"
        )
        assert sent == {"comments": "c", "reasons": "", "possible_changes": ""}
        sent = rules.texts_sent(
            decision=rules.DO_NOT_AUTHORIZE, comments="c", reasons="r", possible_changes="p"
        )
        assert sent == {"comments": "", "reasons": "r", "possible_changes": "p"}

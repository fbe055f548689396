"""The stage-two rules (Resolution 1, 9.5, 9.6) as pure functions, at their edges."""

import datetime

import pytest

from consultation import rules

UTC = datetime.UTC
LAST_DAY = datetime.date(2020, 3, 13)  # Study Group 11, Geneva, 4-13 March 2020


def at(*args: int) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=UTC)


def test_the_window_runs_to_the_end_of_day_28_with_the_meetings_last_day_as_day_0():
    assert rules.more_time_window_end(LAST_DAY) == at(2020, 4, 10, 23, 59, 59)
    assert rules.notice_due_date(LAST_DAY) == datetime.date(2020, 4, 10)


def test_an_opposition_on_the_last_second_counts_and_one_a_second_later_does_not():
    assert rules.opposition_on_time(at(2020, 4, 10, 23, 59, 59, 999999), LAST_DAY)
    assert not rules.opposition_on_time(at(2020, 4, 11, 0, 0, 0), LAST_DAY)


def test_the_window_is_judged_in_utc_whatever_the_offset_of_the_time_given():
    geneva_summer = datetime.timezone(datetime.timedelta(hours=2))
    # 01:59:59 on 11 April in Geneva is 23:59:59 UTC on 10 April: on time.
    assert rules.opposition_on_time(
        datetime.datetime(2020, 4, 11, 1, 59, 59, tzinfo=geneva_summer), LAST_DAY
    )
    with pytest.raises(ValueError):
        rules.opposition_on_time(datetime.datetime(2020, 4, 10, 12, 0), LAST_DAY)


def S(state: str, kind: str, text: str = "") -> rules.Statement:  # noqa: N802
    return rules.Statement(state, kind, text)


@pytest.mark.parametrize(
    ("decision", "statements", "proceeds", "ok"),
    [
        (rules.APPROVED, [], True, True),
        (rules.APPROVED, [S("A", rules.ABSTENTION)], True, True),
        (rules.APPROVED, [], False, False),  # under 70 %: it may not be considered
        (rules.NOT_CONSIDERED, [], False, True),
        (rules.NOT_CONSIDERED, [S("A", rules.RESERVATION, "r")], False, False),
        (rules.APPROVED, [S("A", rules.RESERVATION, "text")], True, False),
        (rules.APPROVED_WITH_RESERVATIONS, [S("A", rules.RESERVATION, "text")], True, True),
        (rules.APPROVED_WITH_RESERVATIONS, [], True, False),
        (rules.APPROVED_WITH_RESERVATIONS, [S("A", rules.RESERVATION, " ")], True, False),
        (rules.NOT_APPROVED, [S("A", rules.OPPOSITION, "why")], True, True),
        (rules.NOT_APPROVED, [S("A", rules.OPPOSITION, "")], True, False),
        (rules.NOT_APPROVED, [], True, False),
        (rules.MORE_TIME, [S("A", rules.ASKED_MORE_TIME)], True, True),
        (
            rules.MORE_TIME,
            [S("A", rules.ASKED_MORE_TIME), S("B", rules.OPPOSITION, "x")],
            True,
            False,
        ),
        (rules.MORE_TIME, [], True, False),
        (rules.MORE_TIME, [S("A", rules.ASKED_MORE_TIME), S("A", rules.ABSTENTION)], True, False),
        ("something", [], True, False),
    ],
)
def test_decision_problems(decision, statements, proceeds, ok):
    problems = rules.decision_problems(decision=decision, statements=statements, proceeds=proceeds)
    assert (problems == []) is ok, problems
    assert all(isinstance(p, str) and p for p in problems)


NOW = at(2020, 3, 20)


def test_no_decision_yet_is_awaiting():
    stage = rules.draft_stage(decision=None, meeting_last_day=None, now=NOW)
    assert stage.status == rules.STAGE_AWAITING_DECISION and not stage.is_final


def test_approved_at_the_meeting_is_approved_on_its_last_day():
    stage = rules.draft_stage(decision=rules.APPROVED, meeting_last_day=LAST_DAY, now=NOW)
    assert (stage.status, stage.approved_on, stage.is_final) == (
        rules.STAGE_APPROVED,
        LAST_DAY,
        True,
    )


def test_reservations_are_kept_with_the_approval():
    stage = rules.draft_stage(
        decision=rules.APPROVED_WITH_RESERVATIONS,
        meeting_last_day=LAST_DAY,
        statements=[S("A", rules.RESERVATION, "text"), S("B", rules.ABSTENTION)],
        now=NOW,
    )
    assert stage.status == rules.STAGE_APPROVED and stage.reservations_by == {"A"}


def test_not_approved_names_who_opposed():
    stage = rules.draft_stage(
        decision=rules.NOT_APPROVED,
        meeting_last_day=LAST_DAY,
        statements=[S("A", rules.OPPOSITION, "why")],
        now=NOW,
    )
    assert stage.status == rules.STAGE_NOT_APPROVED and stage.opposed_by == {"A"}


MORE_TIME = {
    "decision": rules.MORE_TIME,
    "meeting_last_day": LAST_DAY,
    "statements": [S("A", rules.ASKED_MORE_TIME), S("B", rules.ASKED_MORE_TIME)],
}


def test_more_time_stands_until_the_window_ends_then_is_approved_on_day_28():
    during = rules.draft_stage(**MORE_TIME, now=at(2020, 4, 10, 23, 59, 59))
    assert during.status == rules.STAGE_MORE_TIME and not during.is_final
    assert during.window_ends_at == at(2020, 4, 10, 23, 59, 59)
    after = rules.draft_stage(**MORE_TIME, now=at(2020, 4, 11))
    assert (after.status, after.approved_on) == (rules.STAGE_APPROVED, datetime.date(2020, 4, 10))


def test_an_opposition_on_time_blocks_approval_at_once_and_after_the_window():
    oppositions = [("B", at(2020, 4, 10, 23, 59, 59))]
    for now in (at(2020, 4, 10, 23, 59, 59), at(2020, 5, 1)):
        stage = rules.draft_stage(**MORE_TIME, oppositions=oppositions, now=now)
        assert stage.status == rules.STAGE_NOT_APPROVED and stage.opposed_by == {"B"}


def test_an_opposition_a_second_late_or_from_a_state_that_did_not_ask_does_not_count():
    late = [("B", at(2020, 4, 11, 0, 0, 0)), ("C", at(2020, 3, 20))]
    stage = rules.draft_stage(**MORE_TIME, oppositions=late, now=at(2020, 4, 11))
    assert stage.status == rules.STAGE_APPROVED and stage.opposed_by == frozenset()

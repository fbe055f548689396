"""The shipped register of ITU Member States and its membership dates."""

from __future__ import annotations

import datetime

import pytest

from accounts.models import MemberState, MemberStateEvent
from accounts.services import RegisterError, member_states_read_register, member_states_sync
from consultation import selectors
from tests import factories

pytestmark = pytest.mark.django_db


def test_register_has_193_members_on_circular_205_deadline_and_194_today(
    member_states: None,
) -> None:
    assert MemberState.objects.count() == 194
    assert MemberState.objects.members_on(datetime.date(2020, 2, 21)).count() == 193
    assert MemberState.objects.members_on(datetime.date(2024, 9, 18)).count() == 193
    assert MemberState.objects.members_on(datetime.date(2024, 9, 19)).count() == 194


def test_holy_see_is_a_member_and_palestine_is_not(member_states: None) -> None:
    assert MemberState.objects.filter(alpha3="VAT").exists()
    assert not MemberState.objects.filter(alpha3="PSE").exists()
    palau = MemberState.objects.get(alpha3="PLW")
    assert palau.joined_on == datetime.date(2024, 9, 19)
    assert not palau.is_member_on(datetime.date(2020, 2, 21))


def test_itu_short_names_and_regions(member_states: None) -> None:
    names = dict(MemberState.objects.values_list("alpha3", "name"))
    assert names["KOR"] == "Korea (Rep. of)"
    assert names["IRN"] == "Iran (Islamic Republic of)"
    assert names["TUR"] == "Türkiye"
    regions = dict(MemberState.objects.values_list("alpha3", "region"))
    assert (regions["USA"], regions["CHE"], regions["RUS"], regions["KEN"], regions["JPN"]) == (
        "A",
        "B",
        "C",
        "D",
        "E",
    )
    assert set(regions.values()) == {"A", "B", "C", "D", "E"}


def test_electorate_of_circular_205_is_193_and_of_a_2024_circular_194(member_states: None) -> None:
    circular_2020 = factories.CircularFactory(
        issued_on=None, deadline=datetime.datetime(2020, 2, 21, 23, 59, tzinfo=datetime.UTC)
    )
    circular_2024 = factories.CircularFactory(issued_on=datetime.date(2024, 10, 1))
    assert selectors.circular_electorate(circular=circular_2020).count() == 193
    assert selectors.circular_electorate(circular=circular_2024).count() == 194
    assert not selectors.circular_electorate(circular=circular_2020).filter(alpha3="PLW").exists()


def test_sync_is_idempotent_and_repairs_edits(member_states: None) -> None:
    MemberState.objects.filter(alpha3="KOR").update(name="South Korea")
    result = member_states_sync()
    assert (result.created, result.updated, result.unchanged) == (0, 1, 193)
    assert MemberState.objects.get(alpha3="KOR").name == "Korea (Rep. of)"
    assert member_states_sync().unchanged == 194
    event = MemberStateEvent.objects.get(kind="updated")
    assert (event.member_state.alpha3, event.actor, event.ip_address) == ("KOR", None, None)
    assert event.detail == {
        "source": "register",
        "changes": {"name_en": {"old": "South Korea", "new": "Korea (Rep. of)"}},
    }


def test_sync_records_an_event_for_each_state_created(member_states: None) -> None:
    events = MemberStateEvent.objects.filter(kind="created")
    assert events.count() == 194
    assert not MemberStateEvent.objects.exclude(kind="created").exists()
    palau = events.get(member_state__alpha3="PLW")
    assert (palau.actor, palau.ip_address, palau.detail["source"]) == (None, None, "register")
    changes = palau.detail["changes"]
    assert changes["alpha3"] == {"old": None, "new": "PLW"}
    assert changes["joined_on"] == {"old": None, "new": "2024-09-19"}


def test_malformed_register_is_refused_and_changes_nothing(tmp_path) -> None:
    bad = tmp_path / "states.csv"
    bad.write_text(
        "alpha2,alpha3,itu_name,region,joined_on,left_on,source_note\nXK,XKX,Somewhere,Z,,,\n",
        encoding="utf-8",
    )
    with pytest.raises(RegisterError, match="line 2: region 'Z'"):
        member_states_read_register(bad)
    bad.write_text("code,name\nCH,Switzerland\n", encoding="utf-8")
    with pytest.raises(RegisterError, match="expected columns"):
        member_states_read_register(bad)
    assert MemberState.objects.count() == 0

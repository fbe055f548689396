"""Member State names in six languages, sorted as the reader's language sorts; dates, times
and durations through the locale's formats, UTC stated; region codes with their names."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from accounts.models import MemberState
from accounts.selectors import member_state_names, names_sorted
from consultation import results
from consultation.formatting import format_day, format_utc, time_left
from tests import factories
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db

DEADLINE = datetime.datetime(2020, 2, 21, 23, 59, tzinfo=datetime.UTC)


def test_names_come_from_itu_cldr_and_the_reviewed_table(member_states) -> None:
    korea = MemberState.objects.get(alpha3="KOR")
    assert korea.name_en == "Korea (Rep. of)"  # ITU's English short name
    assert korea.name_fr == "Corée (Rép. de)"  # the reviewed table, not CLDR's "Corée du Sud"
    assert korea.name_ar == "جمهورية كوريا"
    assert korea.name_ru == "Республика Корея"  # CLDR
    assert MemberState.objects.get(alpha3="CHE").name_zh_hans == "瑞士"
    assert MemberState.objects.get(alpha3="TUR").name_es == "Türkiye"
    blank = MemberState.objects.filter(name_ar__isnull=True) | MemberState.objects.filter(
        name_zh_hans=""
    )
    assert not blank.exists()
    with translation.override("ru"):
        assert str(MemberState.objects.get(alpha3="DEU")) == "Германия"


def test_names_sort_by_the_readers_collation(member_states) -> None:
    english = ["Switzerland", "Brazil", "China", "Afghanistan", "Germany", "Egypt"]
    with translation.override("zh-hans"):
        # Pinyin: afuhan, aiji, baxi, deguo, ruishi, zhongguo.
        assert names_sorted(english) == ["阿富汗", "埃及", "巴西", "德国", "瑞士", "中国"]
    with translation.override("fr"):
        assert names_sorted(english) == [
            "Afghanistan",
            "Allemagne",
            "Brésil",
            "Chine",
            "Égypte",
            "Suisse",
        ]
    with translation.override("ru"):
        assert names_sorted(english) == [
            "Афганистан",
            "Бразилия",
            "Германия",
            "Египет",
            "Китай",
            "Швейцария",
        ]


def test_results_are_frozen_in_english_whatever_the_language(member_states, open_circular) -> None:
    state = MemberState.objects.get(alpha3="CHE")
    factories.PositionFactory(
        reply=factories.SubmittedReplyFactory(circular=open_circular, member_state=state),
        draft=open_circular.drafts.get(),
    )
    with translation.override("en"):
        english = results.to_json(results.compute(open_circular))
    with translation.override("zh-hans"):
        chinese = results.to_json(results.compute(open_circular))
    assert english == chinese
    assert results.digest(english) == results.digest(chinese)
    assert "Korea (Rep. of)" in str(english)


def test_results_page_names_regions_and_states_in_the_readers_language(
    member_states, tsb_staff, open_circular
) -> None:
    tsb_staff.language = "zh-hans"
    tsb_staff.save()
    browser = Client()
    sign_in(browser, tsb_staff)
    html = browser.get(
        reverse("consultation:circular-results", args=[open_circular.pk])
    ).content.decode()
    assert "区域" in html and "瑞士" in html and "Switzerland" not in html
    local = member_state_names("zh-hans")
    assert local["Korea (Rep. of)"] in html


@pytest.mark.parametrize(
    ("language", "day", "moment"),
    [
        ("en", "21 February 2020", "21 February 2020, 23:59 UTC"),
        ("fr", "21 février 2020", "21 février 2020 à 23:59 UTC"),
        ("es", "21 de febrero de 2020", "21 de febrero de 2020"),
        ("ru", "21 февраля 2020 г.", "21 февраля 2020 г."),
        ("zh-hans", "2020年2月21日", "2020年2月21日 23:59（协调世界时）"),
        ("ar", "21 فبراير 2020", "21 فبراير 2020"),
    ],
)
def test_one_format_per_kind_in_each_language(language, day, moment) -> None:
    with translation.override(language):
        assert format_day(DEADLINE.date()) == day
        assert moment in format_utc(DEADLINE)
        assert "23:59" in format_utc(DEADLINE)
        assert "23:59:00" in format_utc(DEADLINE, seconds=True)
        assert format_utc(DEADLINE.isoformat()) == format_utc(DEADLINE)


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", ["2 weeks left", "3 weeks left", "2 days left", "5 hours left", "1 minute left"]),
        ("ru", ["осталось 2 недели", "осталось 3 недели", "осталось 2 дня", "осталось 5 часов"]),
        ("zh-hans", ["还剩2周", "还剩3周", "还剩2天", "还剩5小时", "还剩1分钟"]),
        ("ar", ["يتبقى أسبوعان", "يتبقى 3 أسابيع", "يتبقى يومان", "تتبقى 5 ساعات"]),
        ("es", ["quedan 2 semanas", "quedan 3 semanas", "quedan 2 días", "quedan 5 horas"]),
    ],
)
def test_time_left_uses_the_languages_plurals(language, expected) -> None:
    now = DEADLINE - datetime.timedelta(days=100)
    cases = [
        DEADLINE - datetime.timedelta(days=14),
        DEADLINE - datetime.timedelta(days=21),
        DEADLINE - datetime.timedelta(days=2),
        DEADLINE - datetime.timedelta(hours=5),
        DEADLINE - datetime.timedelta(minutes=1, seconds=30),
    ]
    with translation.override(language):
        shown = [time_left(DEADLINE, at) for at in cases]
        assert time_left(DEADLINE, now) != ""
        assert time_left(DEADLINE, DEADLINE) == ""
    assert shown[: len(expected)] == expected


def test_arabic_uses_all_six_plural_forms() -> None:
    with translation.override("ar"):
        forms = {
            time_left(DEADLINE, DEADLINE - datetime.timedelta(days=n)) for n in (2, 3, 11, 100)
        }
    assert len(forms) == 4 and all("%" not in f for f in forms)


def test_a_deadline_shows_utc_and_time_left_in_the_readers_language(
    client, official_a, open_circular
) -> None:
    official_a.user.language = "zh-hans"
    official_a.user.save()
    sign_in(client, official_a.user)
    html = client.get(reverse("home")).content.decode()
    with translation.override("zh-hans"):
        assert format_utc(open_circular.deadline) in html
    assert "（协调世界时）" in html and "还剩4周" in html
    assert " left" not in html and "UTC" not in html.split("<footer")[0].split("<main")[1]

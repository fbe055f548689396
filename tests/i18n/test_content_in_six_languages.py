"""Content held in the six languages: shown in the reader's, with a visible fallback to
English; Circular 205 carries its Chinese edition (the text as issued) and the English one."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from consultation.demo import demo_load
from consultation.demo_zh import SEED_PATH, circular_205_zh
from consultation.models import Circular, standard_texts
from consultation.templatetags.portal import translated
from tests import factories
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db

SEED = SEED_PATH.read_text(encoding="utf-8")


def test_the_reader_gets_their_language_else_english_marked_as_such(open_circular) -> None:
    open_circular.subject_fr = "Consultation des États Membres"
    open_circular.save()
    with translation.override("fr"):
        shown = translated(open_circular, "subject")
        assert (shown.text, shown.lang, shown.fallback) == (
            "Consultation des États Membres",
            "fr",
            False,
        )
    with translation.override("ar"):
        shown = translated(open_circular, "subject")
        assert (shown.text, shown.lang, shown.fallback, shown.dir) == (
            open_circular.subject_en,
            "en",
            True,
            "ltr",
        )
    with translation.override("en"):
        assert translated(open_circular, "subject").fallback is False


def test_a_page_marks_english_fallback_with_lang_and_a_note(
    client, official_a, open_circular
) -> None:
    sign_in(client, official_a.user)
    official_a.user.language = "ru"
    official_a.user.save()
    page = client.get(reverse("consultation:circular-detail", args=[open_circular.pk]))
    html = page.content.decode()
    assert f'<span lang="en" dir="ltr">{open_circular.subject_en}</span>' in html
    assert "пока недоступно на вашем языке" in html


def test_circular_205_shows_its_chinese_subject_to_a_chinese_reader(member_states) -> None:
    demo_load()
    circular = Circular.objects.get(number=205, study_period="2017-2020")
    assert circular.original_language == "zh-hans"
    zh = circular_205_zh()
    assert circular.subject_zh_hans == zh["subject"]
    assert circular.subject_zh_hans.startswith("针对已经确定并建议在ITU-T第11研究组会议")
    signatory = circular.replies.first().member_state.officials.get(role="signatory").user
    browser = Client(HTTP_ACCEPT_LANGUAGE="zh-CN")
    sign_in(browser, signatory)
    html = browser.get(reverse("consultation:circular-detail", args=[circular.pk])).content.decode()
    assert '<html lang="zh-hans"' in html
    assert f'<span lang="zh-hans" dir="ltr">{zh["subject"]}</span>' in html
    assert zh["title"] in html and "打击使用失窃移动设备的框架" in html
    with translation.override("zh-hans"):
        chinese = translation.gettext("Chinese")
    assert f"<dt>所发文本的语言</dt><dd>{chinese}</dd>" in html
    assert "（其他语言的文本为其译文）" not in html  # the reader reads the text as issued
    # The English reader gets the English rendering, marked as a translation.
    browser.post(reverse("set_language"), {"language": "en", "next": "/"})
    html = browser.get(reverse("consultation:circular-detail", args=[circular.pk])).content.decode()
    assert circular.subject_en in html
    assert "the texts in other languages are translations of it" in html
    assert "Chinese" in html


def test_the_chinese_texts_are_the_seeds_own_words() -> None:
    flat = "".join(SEED.split())
    for key, value in circular_205_zh().items():
        pieces = value if isinstance(value, list) else value.split("\n\n")
        for piece in pieces:
            text = "".join(piece.split()).lstrip("0123456789")
            assert text and text in flat.replace("[bookmark:", "").replace("]", ""), key


def test_a_new_circular_proposes_the_standard_texts_in_all_six_languages(client, tsb_staff) -> None:
    sign_in(client, tsb_staff)
    page = client.get(reverse("admin:consultation_circular_add"))
    form = page.context["adminform"].form
    texts = standard_texts()
    assert form.initial["addressees_zh_hans"] == "国际电联各成员国主管部门"
    assert form.initial["addressees_fr"] == "Administrations des États Membres de l'UIT"
    assert {k: form.initial[k] for k in texts} == texts
    assert len(set(texts.values())) == 12  # six languages, two texts, all different


def test_a_draft_is_edited_in_the_six_languages_side_by_side(client, tsb_staff) -> None:
    circular = factories.CircularFactory()
    factories.DraftFactory(circular=circular)
    sign_in(client, tsb_staff)
    html = client.get(
        reverse("admin:consultation_circular_change", args=[circular.pk])
    ).content.decode()
    for column in ("subject", "body", "drafts-0-title", "drafts-0-summary"):
        for language in ("ar", "zh_hans", "en", "fr", "ru", "es"):
            assert f'name="{column}_{language}"' in html, (column, language)


def test_mails_carry_the_circulars_subject_and_text_in_the_recipients_language(
    official_a, official_b, tsb_staff
) -> None:
    from django.core import mail

    from consultation import services, tasks

    official_a.user.language = "zh-hans"
    official_a.user.save()
    circular = factories.CircularFactory(
        subject_en="Consultation on a draft",
        subject_zh_hans="关于建议书草案的磋商",
        body_en="The text.",
        body_zh_hans="通函正文。",
    )
    factories.DraftFactory(circular=circular)
    services.circular_publish(circular_id=circular.pk, actor=tsb_staff)
    tasks.notifications_drain_task()
    chinese = next(m for m in mail.outbox if m.to == [official_a.user.email])
    english = next(m for m in mail.outbox if m.to == [official_b.user.email])
    assert f"电信标准化局第{circular.number}号通函" in chinese.subject
    assert "关于建议书草案的磋商" in chinese.body and "通函正文。" in chinese.body
    assert "Consultation on a draft" not in chinese.body
    assert "关于建议书草案的磋商" in chinese.alternatives[0][0]
    assert f"TSB Circular {circular.number}" in english.subject
    assert "Consultation on a draft" in english.body and "The text." in english.body

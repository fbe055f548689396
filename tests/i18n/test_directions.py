"""Left to right where it must be, in every language: numbers, addresses, English texts."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from tests import factories
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db


def test_fax_and_e_mail_stay_left_to_right_and_free_text_takes_its_own(
    official_a, open_circular
) -> None:
    browser = Client(HTTP_ACCEPT_LANGUAGE="ar")
    sign_in(browser, official_a.user)
    html = browser.get(reverse("consultation:reply-edit", args=[open_circular.pk])).content.decode()
    assert '<html lang="ar" dir="rtl">' in html
    assert re.search(r'name="from_fax"[^>]* dir="ltr"', html)
    assert re.search(r'name="from_email"[^>]* dir="ltr"', html)
    assert re.search(r'name="from_name"[^>]* dir="auto"', html)
    draft = open_circular.drafts.get()
    assert f'name="d{draft.pk}-comments" cols="40" rows="4" dir="auto"' in html


def test_the_admin_marks_each_language_box_with_its_language(tsb_staff) -> None:
    circular = factories.CircularFactory()
    factories.DraftFactory(circular=circular)
    browser = Client(HTTP_ACCEPT_LANGUAGE="ar")
    sign_in(browser, tsb_staff)
    html = browser.get(
        reverse("admin:consultation_circular_change", args=[circular.pk])
    ).content.decode()
    assert 'name="subject_en"' in html
    assert 'lang="en" dir="ltr"' in html and 'lang="ar" dir="rtl"' in html
    assert html.count('lang="zh-hans" dir="ltr"') >= 4  # subject, body, addressees, legal basis


def test_the_admin_finds_a_circular_by_its_subject_in_any_language(tsb_staff) -> None:
    circular = factories.CircularFactory(subject_en="Stolen devices", subject_fr="Appareils volés")
    browser = Client(HTTP_ACCEPT_LANGUAGE="ar")
    sign_in(browser, tsb_staff)
    for words in ("Stolen", "volés"):
        page = browser.get(reverse("admin:consultation_circular_changelist"), {"q": words})
        assert list(page.context["cl"].result_list) == [circular], words

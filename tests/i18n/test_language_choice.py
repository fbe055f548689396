"""The language of the pages: the official's profile, else the browser; a selector on every
page (the login pages too) switches it and, for a logged-in user, stores it."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from tests.conftest import sign_in

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("accept", "lang", "direction"),
    [
        ("ar", "ar", "rtl"),
        ("zh-CN,zh;q=0.9", "zh-hans", "ltr"),
        ("fr-CH, fr;q=0.9, en;q=0.8", "fr", "ltr"),
        ("ru", "ru", "ltr"),
        ("es-419", "es", "ltr"),
        ("de-DE", "en", "ltr"),  # not offered: English
    ],
)
def test_the_browsers_language_sets_html_lang_and_dir(accept, lang, direction) -> None:
    for url in (reverse("home"), reverse("account_login"), reverse("account_reset_password")):
        page = Client(HTTP_ACCEPT_LANGUAGE=accept).get(url).content.decode()
        assert f'<html lang="{lang}" dir="{direction}">' in page, url


def test_the_selector_is_on_the_login_page_with_each_language_in_its_own_name() -> None:
    page = Client().get(reverse("account_login")).content.decode()
    assert f'action="{reverse("set_language")}"' in page
    for code, name in [("ar", "العربيّة"), ("zh-hans", "简体中文"), ("ru", "Русский")]:
        assert f'<option value="{code}" lang="{code}"' in page and name in page


def test_an_anonymous_choice_holds_for_this_browser_only(db) -> None:
    browser = Client(HTTP_ACCEPT_LANGUAGE="en")
    response = browser.post(reverse("set_language"), {"language": "ru", "next": "/"})
    assert response.status_code == 302 and response["Location"] == "/"
    assert '<html lang="ru"' in browser.get("/").content.decode()
    assert '<html lang="en"' in Client(HTTP_ACCEPT_LANGUAGE="en").get("/").content.decode()


def test_the_profile_language_beats_the_browser_and_the_selector_stores_it(official_a) -> None:
    user = official_a.user
    assert user.language == ""  # a new account follows the browser
    browser = Client(HTTP_ACCEPT_LANGUAGE="es")
    sign_in(browser, user)
    assert '<html lang="es"' in browser.get("/").content.decode()

    browser.post(reverse("set_language"), {"language": "ar", "next": "/"})
    user.refresh_from_db()
    assert user.language == "ar"
    # Another device, another browser language: the profile wins.
    other = Client(HTTP_ACCEPT_LANGUAGE="fr")
    sign_in(other, user)
    page = other.get(reverse("home")).content.decode()
    assert '<html lang="ar" dir="rtl">' in page
    assert user.mail_language == "ar"


def test_a_language_not_offered_changes_nothing(official_a) -> None:
    browser = Client(HTTP_ACCEPT_LANGUAGE="en")
    sign_in(browser, official_a.user)
    response = browser.post(reverse("set_language"), {"language": "xx", "next": "/"})
    assert response.status_code == 302
    official_a.user.refresh_from_db()
    assert official_a.user.language == ""
    assert '<html lang="en"' in browser.get("/").content.decode()


def test_the_selector_refuses_a_foreign_next_address(db) -> None:
    response = Client().post(
        reverse("set_language"), {"language": "fr", "next": "https://evil.example/"}
    )
    assert response["Location"] == "/"


def test_a_signatory_without_two_factor_may_still_change_language(official_a) -> None:
    browser = Client()
    browser.force_login(official_a.user)  # no authenticator app yet: sent to set one up
    assert browser.get(reverse("home")).status_code == 302
    response = browser.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})
    assert response.status_code == 302
    official_a.user.refresh_from_db()
    assert official_a.user.language == "zh-hans"

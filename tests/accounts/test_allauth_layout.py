"""allauth's pages use the portal's layout: language and direction, labelled fields."""

from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", '<html lang="en" dir="ltr">'),
        ("fr", '<html lang="fr" dir="ltr">'),
        ("ar", '<html lang="ar" dir="rtl">'),
    ],
)
def test_login_page_declares_language_and_direction(client, language, expected) -> None:
    response = client.get(reverse("account_login"), headers={"accept-language": language})
    text = response.content.decode()
    assert expected in text
    assert "allauth/layouts/base.html" in [t.name for t in response.templates]
    assert "base.html" in [t.name for t in response.templates]


def test_login_page_has_a_title_and_labelled_fields(client) -> None:
    text = client.get(reverse("account_login")).content.decode()
    assert "<title>" in text and "Sign In" in text.split("</title>")[0]
    assert '<label for="id_login"' in text
    assert '<label for="id_password"' in text
    assert 'id="main"' in text  # the portal's skip link target: the page sits in its layout

"""Nobody grants themselves access: the signup page says it is closed and creates nothing."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.models import User

pytestmark = pytest.mark.django_db


def test_signup_shows_the_closed_page_not_a_form(client) -> None:
    response = client.get(reverse("account_signup"))
    assert response.status_code == 200
    assert "account/signup_closed.html" in [t.name for t in response.templates]
    text = response.content.decode()
    assert "Sign Up Closed" in text
    assert 'name="password1"' not in text


def test_posting_to_signup_creates_no_account(client) -> None:
    response = client.post(
        reverse("account_signup"),
        {
            "email": "intruder@example.org",
            "password1": "Intruder-password-2026",
            "password2": "Intruder-password-2026",
        },
    )
    assert response.status_code == 200
    assert "account/signup_closed.html" in [t.name for t in response.templates]
    assert not User.objects.filter(email="intruder@example.org").exists()


def test_the_login_page_offers_no_signup_link(client) -> None:
    text = client.get(reverse("account_login")).content.decode()
    assert reverse("account_signup") not in text

"""Guessing passwords is slowed down: 5 failures per address in 5 minutes."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from tests.accounts.helpers import PASSWORD, is_logged_in, password_login

pytestmark = pytest.mark.django_db

REFUSED = "Too many failed login attempts. Try again later."


def test_the_sixth_attempt_in_the_window_is_refused_even_with_the_right_password(
    client, drafter, settings, time_machine
) -> None:
    assert settings.ACCOUNT_RATE_LIMITS["login_failed"] == "5/5m/key,20/m/ip"
    start = datetime.datetime(2026, 12, 1, 8, 0, tzinfo=datetime.UTC)
    time_machine.move_to(start, tick=False)
    for attempt in range(5):
        response = password_login(client, drafter.user.email, f"wrong-guess-{attempt}")
        assert response.status_code == 200
        assert REFUSED not in response.content.decode()

    response = password_login(client, drafter.user.email, PASSWORD)
    assert response.status_code == 200
    assert REFUSED in response.content.decode()
    assert "_auth_user_id" not in client.session

    # Once the window has passed, the right password works again.
    time_machine.move_to(start + datetime.timedelta(minutes=5, seconds=1), tick=False)
    response = password_login(client, drafter.user.email, PASSWORD)
    assert response.status_code == 302
    assert is_logged_in(client.get(reverse("usersessions_list")))


def test_a_flood_of_login_posts_from_one_address_gets_the_429_page(client, settings) -> None:
    assert settings.ACCOUNT_RATE_LIMITS.get("login", "30/m/ip") == "30/m/ip"
    statuses = [
        password_login(client, f"guess{n}@example.org", "nope").status_code for n in range(31)
    ]
    assert statuses[:30] == [200] * 30
    assert statuses[30] == 429
    page = client.post(reverse("account_login"), {"login": "x@example.org", "password": "y"})
    assert page.status_code == 429
    assert '<html lang="en" dir="ltr">' in page.content.decode()
    assert "Too many requests" in page.content.decode()

"""Signatories and TSB staff must use an authenticator app; drafters may."""

from __future__ import annotations

import datetime

import pytest
from allauth.account.authentication import get_authentication_records
from django.urls import reverse

from accounts.models import AccountEvent
from tests.accounts.helpers import (
    PASSWORD,
    activate_totp,
    give_totp,
    is_logged_in,
    password_login,
    totp_code,
    totp_login,
)

ACTIVATE = reverse("mfa_activate_totp")
PAGES = [
    "/",
    "/admin/",
    "/admin/accounts/official/",
    reverse("account_change_password"),
    reverse("usersessions_list"),
    reverse("mfa_deactivate_totp"),
]


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["signatory", "staff"])
def test_without_an_authenticator_every_page_leads_to_its_set_up(client, request, who) -> None:
    person = request.getfixturevalue(who)
    user = getattr(person, "user", person)
    response = password_login(client, user.email)
    assert response.status_code == 302
    assert is_logged_in(client.get(ACTIVATE))

    for url in PAGES:
        for method in (client.get, client.post):
            response = method(url)
            assert (response.status_code, response.get("Location")) == (302, ACTIVATE), url

    # What the set-up needs, and leaving, stay reachable.
    assert client.get(ACTIVATE).status_code == 200
    assert client.get(reverse("mfa_index")).status_code == 200
    assert client.get(reverse("account_email")).status_code == 200
    assert client.post(reverse("account_logout")).status_code == 302
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("who", ["signatory", "staff"])
def test_after_setting_up_the_app_with_a_real_code_pages_open(client, request, who) -> None:
    person = request.getfixturevalue(who)
    user = getattr(person, "user", person)
    password_login(client, user.email)

    # Right after login, no second password prompt (accounts.adapter): the set-up form shows.
    page = client.get(ACTIVATE)
    assert page.status_code == 200
    secret = page.context["form"].secret
    wrong = client.post(ACTIVATE, {"code": totp_code(secret, step_offset=5)})
    assert wrong.status_code == 200
    assert wrong.context["form"].errors["code"]

    response = client.post(ACTIVATE, {"code": totp_code(secret)})
    assert response["Location"] == reverse("mfa_view_recovery_codes")
    codes = client.get(reverse("mfa_view_recovery_codes"))
    assert codes.status_code == 200
    assert len(codes.context["unused_codes"]) == 10

    sessions = client.get(reverse("usersessions_list"))
    assert sessions.status_code == 200
    if who == "staff":
        assert client.get("/admin/").status_code == 200
    event = AccountEvent.objects.get(subject=user, kind="mfa_activated")
    assert (event.actor, event.ip_address, event.detail) == (user, "127.0.0.1", {"type": "totp"})


@pytest.mark.django_db
def test_setting_up_the_app_long_after_login_asks_for_the_password_again(
    client, signatory, time_machine
) -> None:
    time_machine.move_to(datetime.datetime(2026, 12, 1, 9, 0, tzinfo=datetime.UTC))
    password_login(client, signatory.user.email)
    time_machine.move_to(datetime.datetime(2026, 12, 1, 9, 6, tzinfo=datetime.UTC))

    response = client.get(ACTIVATE)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    response = client.post(response["Location"], {"password": PASSWORD})
    assert response["Location"] == ACTIVATE
    assert client.get(ACTIVATE).status_code == 200


@pytest.mark.django_db
def test_a_drafter_is_not_forced(client, drafter) -> None:
    password_login(client, drafter.user.email)
    response = client.get(reverse("usersessions_list"))
    assert response.status_code == 200
    assert is_logged_in(response)
    assert client.get(reverse("account_change_password")).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["signatory", "staff"])
def test_a_later_login_asks_for_the_code(client, request, who) -> None:
    person = request.getfixturevalue(who)
    user = getattr(person, "user", person)
    secret = give_totp(user)

    response = password_login(client, user.email)
    assert response["Location"] == reverse("mfa_authenticate")
    assert not is_logged_in(client.get(reverse("usersessions_list")))

    wrong = client.post(reverse("mfa_authenticate"), {"code": totp_code(secret, step_offset=9)})
    assert wrong.status_code == 200
    assert "_auth_user_id" not in client.session

    response = client.post(reverse("mfa_authenticate"), {"code": totp_code(secret)})
    assert response.status_code == 302
    page = client.get(reverse("usersessions_list"))
    assert page.status_code == 200
    methods = [r["method"] for r in get_authentication_records(page.wsgi_request, user)]
    assert methods == ["password", "mfa"]


@pytest.mark.django_db
def test_the_admin_login_goes_through_allauth_and_the_code(client, staff) -> None:
    secret = give_totp(staff)
    response = client.get("/admin/")
    assert response["Location"] == "/admin/login/?next=/admin/"
    response = client.get(response["Location"])
    assert response["Location"] == f"{reverse('account_login')}?next=%2Fadmin%2F"
    # Django's own admin login form is never served: its POST is redirected too.
    posted = client.post("/admin/login/", {"username": staff.email, "password": PASSWORD})
    assert posted.status_code == 302
    assert "_auth_user_id" not in client.session

    client.post(
        reverse("account_login"), {"login": staff.email, "password": PASSWORD, "next": "/admin/"}
    )
    response = client.post(reverse("mfa_authenticate"), {"code": totp_code(secret)}, follow=False)
    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["signatory", "staff"])
def test_a_session_that_skipped_the_code_is_logged_out(client, request, who) -> None:
    person = request.getfixturevalue(who)
    user = getattr(person, "user", person)
    give_totp(user)
    client.force_login(user)  # a login that did not go through allauth's two-factor step

    response = client.get(reverse("usersessions_list"), follow=True)
    assert response.redirect_chain[0][0].startswith(reverse("account_login"))
    assert not is_logged_in(response)
    assert "did not pass it" in response.content.decode()


@pytest.mark.django_db(transaction=True)
def test_setting_up_the_app_logs_out_the_sessions_that_never_passed_it(
    client, signatory, django_user_model
) -> None:
    from django.test import Client

    other = Client()
    password_login(other, signatory.user.email)
    assert other.get(reverse("account_email")).status_code == 200

    password_login(client, signatory.user.email)
    secret = activate_totp(client)
    assert client.get(reverse("usersessions_list")).status_code == 200

    response = other.get(reverse("account_email"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert not is_logged_in(other.get(reverse("account_email")))

    # Logging in again there takes the code.
    client_three = Client()
    totp_login(client_three, signatory.user, secret)
    assert client_three.get(reverse("usersessions_list")).status_code == 200


@pytest.mark.django_db
def test_a_drafter_with_an_app_is_also_asked_for_the_code_but_never_logged_out(
    client, drafter
) -> None:
    give_totp(drafter.user)
    assert password_login(client, drafter.user.email)["Location"] == reverse("mfa_authenticate")
    client.force_login(drafter.user)
    assert is_logged_in(client.get(reverse("usersessions_list")))

"""An official who forgot their password resets it by e-mail."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.accounts.helpers import first_link, is_logged_in, password_login

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Place-des-Nations-1211"


def test_a_reset_mail_is_sent_and_its_link_sets_a_new_password(client, drafter, mailoutbox) -> None:
    response = client.post(reverse("account_reset_password"), {"email": drafter.user.email})
    assert response["Location"] == reverse("account_reset_password_done")
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == [drafter.user.email]
    link = first_link(mailoutbox[0].body).removeprefix("http://testserver")

    # allauth moves the key into the session and shows the form on a key-less URL.
    form_url = client.get(link)["Location"]
    assert "set-password" in form_url
    response = client.post(form_url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert response["Location"] == reverse("account_reset_password_from_key_done")
    drafter.user.refresh_from_db()
    assert drafter.user.check_password(NEW_PASSWORD)

    # The link is spent, and the new password logs in.
    assert client.get(link).context["token_fail"]
    password_login(client, drafter.user.email, NEW_PASSWORD)
    assert is_logged_in(client.get(reverse("usersessions_list")))


def test_a_reset_for_an_unknown_address_reveals_nothing(client, mailoutbox) -> None:
    response = client.post(reverse("account_reset_password"), {"email": "nobody@example.org"})
    assert response["Location"] == reverse("account_reset_password_done")
    # allauth tells the address's owner that no account exists, instead of telling the visitor.
    assert [mail.to for mail in mailoutbox] == [["nobody@example.org"]]

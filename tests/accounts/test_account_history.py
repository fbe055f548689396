"""Every change to an account that matters is recorded: who, what, when, from where."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts import services
from accounts.models import AccountEvent
from tests.accounts.helpers import PASSWORD, give_totp, totp_login

pytestmark = pytest.mark.django_db


def test_events_are_append_only(drafter, tsb_staff) -> None:
    services.official_deactivate(official=drafter, actor=tsb_staff, ip_address="2001:db8::1")
    event = AccountEvent.objects.get()
    assert (event.subject, event.kind, event.actor, event.ip_address) == (
        drafter.user,
        "deactivated",
        tsb_staff,
        "2001:db8::1",
    )
    assert event.at is not None
    event.kind = AccountEvent.Kind.REACTIVATED
    with pytest.raises(ValueError, match="append-only"):
        event.save()


def test_the_admin_shows_the_history_read_only(client, superuser, drafter, tsb_staff) -> None:
    services.official_deactivate(official=drafter, actor=tsb_staff)
    event = AccountEvent.objects.get()
    totp_login(client, superuser, give_totp(superuser), PASSWORD)

    listing = client.get(reverse("admin:accounts_accountevent_changelist"))
    assert listing.status_code == 200
    assert drafter.user.email in listing.content.decode()
    assert client.get(reverse("admin:accounts_accountevent_add")).status_code == 403
    change_url = reverse("admin:accounts_accountevent_change", args=[event.pk])
    assert client.get(change_url).status_code == 200
    assert client.post(change_url, {"kind": "reactivated"}).status_code == 403
    delete_url = reverse("admin:accounts_accountevent_delete", args=[event.pk])
    assert client.post(delete_url, {"post": "yes"}).status_code == 403
    assert AccountEvent.objects.get().kind == "deactivated"


def test_removing_the_authenticator_asks_the_password_is_recorded_and_set_up_is_required_again(
    client, signatory
) -> None:
    totp_login(client, signatory.user, give_totp(signatory.user))
    # Even right after login, removing the app asks for the password first (allauth's rule).
    response = client.post(reverse("mfa_deactivate_totp"))
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    assert not AccountEvent.objects.exists()
    response = client.post(response["Location"], {"password": PASSWORD})
    assert response["Location"] == reverse("mfa_index")
    event = AccountEvent.objects.get(kind="mfa_deactivated")
    assert (event.subject, event.actor, event.ip_address) == (
        signatory.user,
        signatory.user,
        "127.0.0.1",
    )
    response = client.get(reverse("usersessions_list"))
    assert response["Location"] == reverse("mfa_activate_totp")

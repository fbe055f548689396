"""Sessions end when idle, at an absolute limit, and at once when TSB withdraws access."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse

from accounts import services
from accounts.models import AccountEvent, Official, User
from tests.accounts.helpers import (
    PASSWORD,
    give_totp,
    is_logged_in,
    password_login,
    totp_login,
    verify_email,
)

pytestmark = pytest.mark.django_db

START = datetime.datetime(2026, 12, 1, 8, 0, tzinfo=datetime.UTC)
PAGE = reverse("usersessions_list")


def _browser(user_agent: str) -> Client:
    return Client(HTTP_USER_AGENT=user_agent)


def test_a_session_ends_after_30_idle_minutes(client, drafter, settings, time_machine) -> None:
    assert settings.SESSION_COOKIE_AGE == settings.SESSION_IDLE_SECONDS == 30 * 60
    time_machine.move_to(START, tick=False)
    password_login(client, drafter.user.email)

    # Each request renews the idle limit...
    for minutes in (29, 58, 87):
        time_machine.move_to(START + datetime.timedelta(minutes=minutes), tick=False)
        assert is_logged_in(client.get(PAGE)), minutes
    # ...and 31 minutes without one end the session.
    time_machine.move_to(START + datetime.timedelta(minutes=87 + 31), tick=False)
    response = client.get(PAGE)
    assert not is_logged_in(response)
    assert response["Location"].startswith(reverse("account_login"))


def test_a_busy_session_still_ends_12_hours_after_login(
    client, drafter, settings, time_machine
) -> None:
    assert settings.SESSION_ABSOLUTE_SECONDS == 12 * 3600
    time_machine.move_to(START, tick=False)
    password_login(client, drafter.user.email)
    now = START
    while now + datetime.timedelta(minutes=25) < START + datetime.timedelta(hours=12):
        now += datetime.timedelta(minutes=25)
        time_machine.move_to(now, tick=False)
        assert is_logged_in(client.get(PAGE)), now

    time_machine.move_to(START + datetime.timedelta(hours=12, seconds=1), tick=False)
    response = client.get(PAGE, follow=True)
    assert response.redirect_chain[0][0] == f"{reverse('account_login')}?next={PAGE}"
    assert not is_logged_in(response)
    assert "Your session has expired" in response.content.decode()

    # A fresh login starts a fresh 12 hours.
    password_login(client, drafter.user.email)
    assert is_logged_in(client.get(PAGE))


def test_deactivating_an_official_ends_all_their_sessions_at_once(
    drafter, tsb_staff, official_b
) -> None:
    office, laptop, bystander = _browser("Office"), _browser("Laptop"), Client()
    for browser in (office, laptop):
        password_login(browser, drafter.user.email)
        assert is_logged_in(browser.get(PAGE))
    verify_email(official_b.user)
    password_login(bystander, official_b.user.email)
    keys = [browser.session.session_key for browser in (office, laptop)]
    assert Session.objects.filter(session_key__in=keys).count() == 2

    services.official_deactivate(official=drafter, actor=tsb_staff, ip_address="192.0.2.1")

    assert not Session.objects.filter(session_key__in=keys).exists()
    for browser in (office, laptop):
        assert not is_logged_in(browser.get(PAGE))
    assert is_logged_in(bystander.get(reverse("account_email")))
    event = AccountEvent.objects.get(subject=drafter.user, kind="deactivated")
    assert (event.actor, event.ip_address, event.detail) == (
        tsb_staff,
        "192.0.2.1",
        {"scope": "official", "sessions_ended": 2},
    )
    # And they cannot log in again.
    response = password_login(office, drafter.user.email)
    assert response["Location"] == reverse("account_inactive")
    assert not is_logged_in(office.get(PAGE))

    with pytest.raises(services.AccountStateError):
        services.official_deactivate(official=drafter, actor=tsb_staff)
    services.official_reactivate(official=drafter, actor=tsb_staff)
    password_login(office, drafter.user.email)
    assert is_logged_in(office.get(PAGE))


def test_a_session_the_service_missed_ends_on_its_next_request(client, drafter) -> None:
    password_login(client, drafter.user.email)
    Official.objects.filter(pk=drafter.pk).update(is_active=False)  # bypassing the service
    response = client.get(PAGE, follow=True)
    assert not is_logged_in(response)
    assert "Your access to the portal has been withdrawn" in response.content.decode()


def test_a_deactivated_user_is_logged_out(client, drafter, tsb_staff) -> None:
    password_login(client, drafter.user.email)
    key = client.session.session_key
    services.user_deactivate(user=drafter.user, actor=tsb_staff)
    assert not Session.objects.filter(session_key=key).exists()
    assert not is_logged_in(client.get(PAGE))
    with pytest.raises(services.AccountStateError):
        services.user_deactivate(user=tsb_staff, actor=tsb_staff)

    # Even when is_active is switched off by hand, Django refuses the inactive user.
    other = Client()
    User.objects.filter(pk=drafter.user.pk).update(is_active=True)
    password_login(other, drafter.user.email)
    User.objects.filter(pk=drafter.user.pk).update(is_active=False)
    assert not is_logged_in(other.get(PAGE))


def test_tsb_deactivates_an_official_from_the_admin(client, superuser, drafter) -> None:
    victim = _browser("Victim")
    password_login(victim, drafter.user.email)
    totp_login(client, superuser, give_totp(superuser), PASSWORD)
    changelist = reverse("admin:accounts_official_changelist")
    action = {"action": "deactivate_officials", "_selected_action": [drafter.pk]}

    confirm = client.post(changelist, action)
    assert confirm.status_code == 200
    assert "Deactivate them?" in confirm.content.decode()
    assert is_logged_in(victim.get(PAGE))

    done = client.post(changelist, {**action, "post": "yes"}, follow=True)
    assert "1 official(s) deactivated." in done.content.decode()
    drafter.refresh_from_db()
    assert not drafter.is_active
    assert not is_logged_in(victim.get(PAGE))
    # The change form shows the history and does not let is_active be edited around it.
    page = client.get(reverse("admin:accounts_official_change", args=[drafter.pk]))
    assert "Deactivated" in page.content.decode()
    assert "is_active" not in page.context["adminform"].form.fields


def test_an_official_sees_their_sessions_and_ends_the_other_one(drafter) -> None:
    office, laptop = _browser("OfficeBrowser/1.0"), _browser("LaptopBrowser/2.0")
    password_login(office, drafter.user.email)
    password_login(laptop, drafter.user.email)

    page = office.get(PAGE)
    text = page.content.decode()
    assert page.status_code == 200
    assert "OfficeBrowser/1.0" in text and "LaptopBrowser/2.0" in text
    assert page.context["session_count"] == 2

    response = office.post(PAGE)
    assert response.status_code == 302
    assert not is_logged_in(laptop.get(PAGE))
    remaining = office.get(PAGE)
    assert is_logged_in(remaining)
    assert remaining.context["session_count"] == 1


def test_requests_write_the_session_and_its_activity_at_most_once_a_minute(
    client, drafter, time_machine
) -> None:
    from allauth.usersessions.models import UserSession
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    time_machine.move_to(START, tick=False)
    password_login(client, drafter.user.email)
    client.get(PAGE)

    def writes() -> list[str]:
        with CaptureQueriesContext(connection) as queries:
            assert is_logged_in(client.get(PAGE))
        return [
            q["sql"]
            for q in queries.captured_queries
            if q["sql"].lstrip().upper().startswith(("UPDATE", "INSERT", "DELETE"))
        ]

    time_machine.move_to(START + datetime.timedelta(seconds=30), tick=False)
    assert writes() == []  # within the minute: nothing written
    seen = UserSession.objects.get(user=drafter.user).last_seen_at
    time_machine.move_to(START + datetime.timedelta(seconds=95), tick=False)
    written = writes()
    assert any("django_session" in sql for sql in written)
    assert any("usersessions_usersession" in sql for sql in written)
    assert UserSession.objects.get(user=drafter.user).last_seen_at > seen


def test_the_refresh_is_written_after_the_response_has_gone(drafter, time_machine) -> None:
    """At a rush an official's page does not wait for the refresh's writes: they run when
    the server closes the response it has sent (response.close()), not before."""
    from allauth.usersessions.models import UserSession
    from django.contrib.sessions.backends.db import SessionStore
    from django.core.signals import request_finished
    from django.db import close_old_connections
    from django.http import HttpResponse
    from django.test import RequestFactory

    from accounts.middleware import SEEN_AT_SESSION_KEY, CoarseActivityMiddleware

    time_machine.move_to(START, tick=False)
    session = SessionStore()
    session[SEEN_AT_SESSION_KEY] = START.timestamp()
    session.save()
    session = SessionStore(session_key=session.session_key)  # as a request loads it
    expiry = Session.objects.get(session_key=session.session_key).expire_date
    request = RequestFactory().get(PAGE)
    request.user, request.session = drafter.user, session

    def last_seen() -> object:
        row = UserSession.objects.filter(session_key=session.session_key).first()
        return row.last_seen_at if row else None

    seen = last_seen()
    time_machine.move_to(START + datetime.timedelta(minutes=5), tick=False)
    response = CoarseActivityMiddleware(lambda r: HttpResponse("the page"))(request)
    assert Session.objects.get(session_key=session.session_key).expire_date == expiry
    assert last_seen() == seen

    # The server's close, as Django's test client emulates it (keeping the test's connection).
    request_finished.disconnect(close_old_connections)
    try:
        response.close()
    finally:
        request_finished.connect(close_old_connections)
    assert Session.objects.get(session_key=session.session_key).expire_date > expiry
    assert last_seen() == START + datetime.timedelta(minutes=5)


def test_a_session_the_view_changed_is_saved_once_with_the_mark(drafter, time_machine) -> None:
    from django.contrib.sessions.backends.db import SessionStore
    from django.http import HttpResponse
    from django.test import RequestFactory

    from accounts.middleware import SEEN_AT_SESSION_KEY, CoarseActivityMiddleware

    time_machine.move_to(START, tick=False)
    session = SessionStore()
    session.save()
    request = RequestFactory().get(PAGE)
    request.user, request.session = drafter.user, session

    def view(r):
        r.session["chosen"] = "yes"
        return HttpResponse("changed")

    response = CoarseActivityMiddleware(view)(request)
    assert session.modified and session[SEEN_AT_SESSION_KEY] == START.timestamp()
    assert response._resource_closers == []  # Django's SessionMiddleware saves it, once

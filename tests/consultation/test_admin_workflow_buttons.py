"""Publish and Close as buttons on a circular's change page.

Each opens the confirmation page of the list action, for that circular, with its
Resolution 1 warnings; only the confirming POST calls the service.
"""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from consultation.models import Circular, CircularEvent
from tests import factories
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db


def change_url(circular: Circular) -> str:
    return reverse("admin:consultation_circular_change", args=[circular.pk])


def publish_url(circular: Circular) -> str:
    return reverse("admin:consultation_circular_publish", args=[circular.pk])


def close_url(circular: Circular) -> str:
    return reverse("admin:consultation_circular_close", args=[circular.pk])


@pytest.fixture
def draft_circular() -> Circular:
    """A draft circular ready to publish: one draft, no date of issue, the meeting four
    months ahead and the deadline three weeks before it."""
    meeting = factories.MeetingFactory(
        starts_on=timezone.now().date() + datetime.timedelta(days=120)
    )
    circular = factories.CircularFactory(
        meeting=meeting,
        study_group=meeting.study_group,
        issued_on=None,
        deadline=datetime.datetime.combine(
            meeting.starts_on - datetime.timedelta(days=21),
            datetime.time(23, 59),
            tzinfo=datetime.UTC,
        ),
    )
    factories.DraftFactory(circular=circular, order=1)
    return circular


def test_a_draft_circular_shows_publish_and_a_published_one_close(
    client, tsb_staff, draft_circular, open_circular
) -> None:
    sign_in(client, tsb_staff)
    html = client.get(change_url(draft_circular)).content.decode()
    assert f'href="{publish_url(draft_circular)}"' in html
    assert close_url(draft_circular) not in html

    html = client.get(change_url(open_circular)).content.decode()
    assert f'href="{close_url(open_circular)}"' in html
    assert publish_url(open_circular) not in html

    closed = factories.CircularFactory(
        status=Circular.Status.CLOSED, published_at=timezone.now(), closed_at=timezone.now()
    )
    html = client.get(change_url(closed)).content.decode()
    assert publish_url(closed) not in html
    assert close_url(closed) not in html

    html = client.get(reverse("admin:consultation_circular_add")).content.decode()
    assert "/publish/" not in html


def test_publish_button_confirms_then_publishes(client, tsb_staff, draft_circular) -> None:
    sign_in(client, tsb_staff)
    confirm = client.get(publish_url(draft_circular))
    assert confirm.status_code == 200
    html = confirm.content.decode()
    assert "Publish these circulars?" in html
    assert str(draft_circular) in html
    # The way back leads to the circular, in the breadcrumbs and the cancel link.
    assert f'href="{change_url(draft_circular)}" class="button cancel-link"' in html
    assert html.count(f'href="{change_url(draft_circular)}"') == 2

    # Neither the page nor a GET that claims the confirmation changes anything.
    client.get(publish_url(draft_circular), {"post": "yes"})
    client.post(publish_url(draft_circular))  # a POST without the confirmation: the page again
    draft_circular.refresh_from_db()
    assert draft_circular.status == Circular.Status.DRAFT

    response = client.post(publish_url(draft_circular), {"post": "yes"}, follow=True)
    assert response.redirect_chain == [(change_url(draft_circular), 302)]
    assert "1 circular(s) published." in response.content.decode()
    draft_circular.refresh_from_db()
    assert draft_circular.status == Circular.Status.PUBLISHED
    assert draft_circular.issued_on == timezone.now().astimezone(datetime.UTC).date()
    event = CircularEvent.objects.get(circular=draft_circular)
    assert (event.to_status, event.actor) == ("published", tsb_staff)


def test_close_button_reports_a_refusal_and_closes_after_the_deadline(
    client, tsb_staff, open_circular, time_machine
) -> None:
    sign_in(client, tsb_staff)
    confirm = client.get(close_url(open_circular))
    assert "Close these circulars?" in confirm.content.decode()

    response = client.post(close_url(open_circular), {"post": "yes"}, follow=True)
    assert response.redirect_chain == [(change_url(open_circular), 302)]
    assert "it can be closed only after its deadline" in response.content.decode()
    open_circular.refresh_from_db()
    assert open_circular.status == Circular.Status.PUBLISHED

    time_machine.move_to(open_circular.deadline + datetime.timedelta(seconds=1))
    sign_in(client, tsb_staff)
    response = client.post(close_url(open_circular), {"post": "yes"})
    assert response.status_code == 302
    open_circular.refresh_from_db()
    assert open_circular.status == Circular.Status.CLOSED


def test_publish_button_reports_why_a_circular_cannot_be_published(client, tsb_staff) -> None:
    sign_in(client, tsb_staff)
    empty = factories.CircularFactory()  # no draft Recommendation
    response = client.post(publish_url(empty), {"post": "yes"}, follow=True)
    assert "lists no draft Recommendation" in response.content.decode()
    empty.refresh_from_db()
    assert empty.status == Circular.Status.DRAFT


def test_the_confirming_post_needs_the_csrf_token(tsb_staff, draft_circular) -> None:
    client = Client(enforce_csrf_checks=True)
    sign_in(client, tsb_staff)
    response = client.post(publish_url(draft_circular), {"post": "yes"})
    assert response.status_code == 403
    draft_circular.refresh_from_db()
    assert draft_circular.status == Circular.Status.DRAFT


@pytest.mark.parametrize("missing", ["publish_circular", "close_circular"])
def test_staff_without_the_permission_get_no_button_and_403(
    client, draft_circular, open_circular, missing
) -> None:
    clerk = factories.UserFactory(is_staff=True)
    clerk.user_permissions.set(
        Permission.objects.filter(
            codename__in=[
                c
                for c in ["view_circular", "change_circular", "publish_circular", "close_circular"]
                if c != missing
            ]
        )
    )
    sign_in(client, clerk)
    circular, url = (
        (draft_circular, publish_url(draft_circular))
        if missing == "publish_circular"
        else (open_circular, close_url(open_circular))
    )
    status = circular.status
    assert url not in client.get(change_url(circular)).content.decode()
    assert client.get(url).status_code == 403
    assert client.post(url, {"post": "yes"}).status_code == 403
    circular.refresh_from_db()
    assert circular.status == status


def test_the_publish_permission_without_access_to_circulars_is_refused(
    client, draft_circular
) -> None:
    """As for the list action, which needs the list first."""
    clerk = factories.UserFactory(is_staff=True)
    clerk.user_permissions.set(Permission.objects.filter(codename="publish_circular"))
    sign_in(client, clerk)
    assert client.post(publish_url(draft_circular), {"post": "yes"}).status_code == 403
    draft_circular.refresh_from_db()
    assert draft_circular.status == Circular.Status.DRAFT


def test_anonymous_users_are_sent_to_the_login_page(client, draft_circular) -> None:
    for url in (publish_url(draft_circular), close_url(draft_circular)):
        response = client.post(url, {"post": "yes"})
        assert response.status_code == 302
        assert "login" in response["Location"]
    draft_circular.refresh_from_db()
    assert draft_circular.status == Circular.Status.DRAFT


def test_unknown_circular_is_404(client, tsb_staff) -> None:
    sign_in(client, tsb_staff)
    assert (
        client.get(reverse("admin:consultation_circular_publish", args=[999999])).status_code == 404
    )


# --- The warnings on the publish confirmation (Resolution 1) --------------------------------


NOT_RECORDED = "The date of issue is not recorded"


def test_publish_confirmation_does_not_say_the_date_of_issue_is_missing(
    client, tsb_staff, draft_circular
) -> None:
    """Publishing records today's date when none is set (services.circular_publish)."""
    sign_in(client, tsb_staff)
    # The change page says so (it is true there, and says that publishing sets it) ...
    assert NOT_RECORDED in client.get(change_url(draft_circular)).content.decode()
    # ... the publish confirmation, from the button or the list action, does not.
    for confirm in (
        client.get(publish_url(draft_circular)),
        client.post(
            reverse("admin:consultation_circular_changelist"),
            {"action": "publish", "_selected_action": [str(draft_circular.pk)]},
        ),
    ):
        html = confirm.content.decode()
        assert "Publish these circulars?" in html
        assert "gets today&#x27;s date" in html or "gets today's date" in html
        assert NOT_RECORDED not in html
        assert 'class="warning"' not in html  # the dates comply: nothing to warn about


def test_publish_confirmation_checks_the_notice_against_today_and_keeps_the_deadline_rule(
    client, tsb_staff
) -> None:
    """Without a date of issue the circular is issued today: less than 3 months before the
    meeting is a 9.3 warning; a deadline within 7 working days of it a 9.4.1 one."""
    meeting = factories.MeetingFactory(
        starts_on=timezone.now().date() + datetime.timedelta(days=40)
    )
    circular = factories.CircularFactory(
        meeting=meeting,
        study_group=meeting.study_group,
        issued_on=None,
        deadline=datetime.datetime.combine(
            meeting.starts_on - datetime.timedelta(days=1),
            datetime.time(23, 59),
            tzinfo=datetime.UTC,
        ),
    )
    factories.DraftFactory(circular=circular)
    sign_in(client, tsb_staff)
    html = client.get(publish_url(circular)).content.decode()
    today = timezone.now().astimezone(datetime.UTC).date().isoformat()
    assert f"The circular is issued on {today}, less than 3 months before the meeting" in html
    assert "later than 7 working days before the meeting" in html
    assert NOT_RECORDED not in html


def test_close_confirmation_keeps_the_resolution_warnings(client, tsb_staff) -> None:
    meeting = factories.MeetingFactory(
        starts_on=timezone.now().date() + datetime.timedelta(days=40)
    )
    circular = factories.CircularFactory(
        meeting=meeting,
        study_group=meeting.study_group,
        status=Circular.Status.PUBLISHED,
        published_at=timezone.now(),
        issued_on=timezone.now().date(),
    )
    factories.DraftFactory(circular=circular)
    sign_in(client, tsb_staff)
    html = client.get(close_url(circular)).content.decode()
    assert "less than 3 months before the meeting" in html

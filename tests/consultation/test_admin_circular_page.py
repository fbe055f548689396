"""Small things of the circular's admin page, as a TSB secretary meets them."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from consultation.models import Circular, CircularCopy
from tests import factories
from tests.conftest import sign_in
from tests.consultation.test_admin_circulars import circular_form, management

pytestmark = pytest.mark.django_db


def test_the_language_of_the_text_as_issued_is_set_on_a_draft_and_frozen_once_published(
    client, tsb_staff, open_circular
) -> None:
    sign_in(client, tsb_staff)
    circular = factories.CircularFactory(number=310, study_period="2025-2028", issued_on=None)
    url = reverse("admin:consultation_circular_change", args=[circular.pk])
    assert "original_language" in client.get(url).context["adminform"].form.fields
    data = circular_form(circular.meeting, circular.study_group, circular.deadline)
    data.update({"issued_on": "", "original_language": "zh-hans"})
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    circular.refresh_from_db()
    assert circular.original_language == "zh-hans"

    published = client.get(reverse("admin:consultation_circular_change", args=[open_circular.pk]))
    assert "original_language" not in published.context["adminform"].form.fields
    assert "Language of the text as issued" in published.content.decode()


def test_copies_added_without_an_order_are_numbered_in_turn(client, tsb_staff) -> None:
    """They used to be all 0: the printed copy list came out in no particular order."""
    sign_in(client, tsb_staff)
    meeting = factories.MeetingFactory(
        starts_on=timezone.now().date() + datetime.timedelta(days=120)
    )
    deadline = datetime.datetime.combine(
        meeting.starts_on - datetime.timedelta(days=21), datetime.time(23, 59), tzinfo=datetime.UTC
    )
    data = circular_form(meeting, meeting.study_group, deadline)
    data.update(management("copies", 2))
    for index, (category, label) in enumerate(
        [("sector_member", "ITU-T Sector Members"), ("academia", "ITU Academia")]
    ):
        data.update(
            {
                f"copies-{index}-order": "",
                f"copies-{index}-category": category,
                f"copies-{index}-label_en": label,
            }
        )
    response = client.post(reverse("admin:consultation_circular_add"), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    circular = Circular.objects.get(number=310)
    assert list(CircularCopy.objects.filter(circular=circular).values_list("label", "order")) == [
        ("ITU-T Sector Members", 1),
        ("ITU Academia", 2),
    ]


def test_a_closed_circular_without_a_date_of_issue_is_not_said_to_get_one(
    client, tsb_staff
) -> None:
    """Circular 205's copy carries no date; publishing will not set one any more."""
    sign_in(client, tsb_staff)
    closed = factories.CircularFactory(
        status=Circular.Status.CLOSED,
        issued_on=None,
        published_at=timezone.now(),
        closed_at=timezone.now(),
    )
    html = client.get(
        reverse("admin:consultation_circular_change", args=[closed.pk])
    ).content.decode()
    assert "the copy of this circular carries none" in html
    assert "It is set when the circular is published" not in html

    draft = factories.CircularFactory(issued_on=None)
    html = client.get(reverse("admin:consultation_circular_change", args=[draft.pk])).content
    assert "It is set when the circular is published" in html.decode()


def test_the_confirmation_page_of_a_list_action_has_a_way_back(client, tsb_staff) -> None:
    """ "No, take me back" was a link to "#" without the script that makes it go back."""
    sign_in(client, tsb_staff)
    circular = factories.CircularFactory()
    changelist = reverse("admin:consultation_circular_changelist")
    html = client.post(
        changelist, {"action": "publish", "_selected_action": [str(circular.pk)]}
    ).content.decode()
    assert f'<a href="{changelist}" class="button cancel-link">' in html
    assert "admin/js/cancel.js" in html

"""A circular's drafts are numbered in order without TSB typing the numbers.

The order is unique in a circular; every new draft used to propose 1, so the first save of
a circular with two new drafts failed on the duplicate.
"""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from consultation.models import Circular, DraftRecommendation
from tests import factories
from tests.conftest import sign_in
from tests.consultation.test_admin_circulars import circular_form, management

pytestmark = pytest.mark.django_db


def draft_fields(index: int, number: str, order: str = "") -> dict[str, str]:
    return {
        f"drafts-{index}-order": order,
        f"drafts-{index}-number": number,
        f"drafts-{index}-former_name": "",
        f"drafts-{index}-kind": "new",
        f"drafts-{index}-document_ref": "",
        f"drafts-{index}-title_en": f"Title of {number}",
        f"drafts-{index}-summary_en": "",
        f"drafts-{index}-a5_note_en": "",
        f"drafts-{index}-ipr_note_en": "",
    }


@pytest.fixture
def meeting():
    return factories.MeetingFactory(starts_on=timezone.now().date() + datetime.timedelta(days=120))


def new_circular(meeting) -> dict[str, str]:
    deadline = datetime.datetime.combine(
        meeting.starts_on - datetime.timedelta(days=21), datetime.time(23, 59), tzinfo=datetime.UTC
    )
    return circular_form(meeting, meeting.study_group, deadline)


def orders(circular: Circular) -> list[tuple[str, int]]:
    return list(circular.drafts.order_by("order").values_list("number", "order"))


def test_two_new_drafts_without_orders_get_1_and_2(client, tsb_staff, meeting) -> None:
    sign_in(client, tsb_staff)
    data = new_circular(meeting)
    data.update(management("drafts", 2))
    data.update(draft_fields(0, "ITU-T Q.1"))
    data.update(draft_fields(1, "ITU-T Q.2"))
    response = client.post(reverse("admin:consultation_circular_add"), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert orders(Circular.objects.get(number=310)) == [("ITU-T Q.1", 1), ("ITU-T Q.2", 2)]


def test_add_page_proposes_orders_that_save_together(client, tsb_staff, meeting) -> None:
    """The add page's draft form proposes 1; a form added with "Add another" (a copy of
    the empty form) proposes nothing, and gets the next number when saved."""
    sign_in(client, tsb_staff)
    page = client.get(reverse("admin:consultation_circular_add"))
    inline = next(
        f for f in page.context["inline_admin_formsets"] if f.opts.model is DraftRecommendation
    )
    first = inline.formset.forms[0]["order"].value()
    added = inline.formset.empty_form["order"].value()
    assert (first, added) == (1, None)
    assert 'name="drafts-0-order" value="1"' in page.content.decode()

    data = new_circular(meeting)
    data.update(management("drafts", 2))
    data.update(draft_fields(0, "ITU-T Q.1", order=str(first)))
    data.update(draft_fields(1, "ITU-T Q.2", order=""))
    response = client.post(reverse("admin:consultation_circular_add"), data)
    assert response.status_code == 302
    assert orders(Circular.objects.get(number=310)) == [("ITU-T Q.1", 1), ("ITU-T Q.2", 2)]


def test_new_drafts_follow_the_saved_ones(client, tsb_staff) -> None:
    sign_in(client, tsb_staff)
    circular = factories.CircularFactory(number=310, study_period="2025-2028")
    saved = factories.DraftFactory(circular=circular, order=1, number="ITU-T Q.1")
    change_url = reverse("admin:consultation_circular_change", args=[circular.pk])
    page = client.get(change_url)
    inline = next(
        f for f in page.context["inline_admin_formsets"] if f.opts.model is DraftRecommendation
    )
    assert inline.formset.empty_form["order"].value() is None

    data = circular_form(circular.meeting, circular.study_group, circular.deadline)
    data["issued_on"] = ""
    data.update(management("drafts", 3, 1))
    data.update(draft_fields(0, "ITU-T Q.1", order="1"))
    data.update({"drafts-0-id": str(saved.pk), "drafts-0-circular": str(circular.pk)})
    data.update(draft_fields(1, "ITU-T Q.2"))
    data.update(draft_fields(2, "ITU-T Q.3", order="2"))  # typed by TSB: kept
    response = client.post(change_url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert orders(circular) == [("ITU-T Q.1", 1), ("ITU-T Q.3", 2), ("ITU-T Q.2", 3)]


def test_two_drafts_given_the_same_order_are_refused_with_a_message(
    client, tsb_staff, meeting
) -> None:
    sign_in(client, tsb_staff)
    data = new_circular(meeting)
    data.update(management("drafts", 2))
    data.update(draft_fields(0, "ITU-T Q.1", order="1"))
    data.update(draft_fields(1, "ITU-T Q.2", order="1"))
    response = client.post(reverse("admin:consultation_circular_add"), data)
    assert response.status_code == 200
    assert "Please correct the duplicate data for order" in response.content.decode()
    assert not Circular.objects.filter(number=310).exists()

"""TSB runs circulars from the Django admin: create, edit, publish, close."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from consultation.models import Circular, CircularEvent, DraftRecommendation
from tests import factories
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db

INLINE_PREFIXES = ("drafts", "copies", "events")


def management(prefix: str, total: int, initial: int = 0) -> dict[str, str]:
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def circular_form(meeting, study_group, deadline: datetime.datetime) -> dict[str, str]:
    data = {
        "number": "310",
        "study_period": "2025-2028",
        "issued_on": timezone.now().date().isoformat(),
        "reference": "SG11/DA",
        "contact_name": "A. Counsellor",
        "contact_phone": "",
        "contact_fax": "+41 22 730 5853",
        "contact_email": "tsbsg11@itu.int",
        "addressees_en": "Administrations of ITU Member States",
        "study_group": str(study_group.pk),
        "meeting": str(meeting.pk),
        "original_language": "en",
        "subject_en": "Member State consultation on draft new Recommendation ITU-T Q.9999",
        "procedure": "tap",
        "legal_basis_en": "WTSA Resolution 1 (Rev. Hammamet, 2016), section 9.4",
        "deadline_0": deadline.strftime("%Y-%m-%d"),
        "deadline_1": deadline.strftime("%H:%M:%S"),
        "body_en": "",
        "director_name": "Director of TSB",
        "reply_to_address": "Place des Nations\nCH-1211 Geneva 20\nSwitzerland",
        "reply_to_fax": "+41 22 730 5853",
        "reply_to_email": "tsbdir@itu.int",
    }
    for prefix in INLINE_PREFIXES:
        data.update(management(prefix, 0))
    return data


def test_tsb_creates_edits_publishes_and_closes_a_circular(client, tsb_staff, time_machine) -> None:
    sign_in(client, tsb_staff)
    meeting = factories.MeetingFactory(
        starts_on=timezone.now().date() + datetime.timedelta(days=120)
    )
    deadline = datetime.datetime.combine(
        meeting.starts_on - datetime.timedelta(days=21), datetime.time(23, 59), tzinfo=datetime.UTC
    )
    data = circular_form(meeting, meeting.study_group, deadline)
    data.update(management("drafts", 1))
    data.update(
        {
            "drafts-0-order": "1",
            "drafts-0-number": "ITU-T Q.9999",
            "drafts-0-former_name": "Q.TEST",
            "drafts-0-kind": "new",
            "drafts-0-document_ref": "SG11-R99",
            "drafts-0-title_en": "A test framework",
            "drafts-0-summary_en": "Summary.",
            "drafts-0-a5_note_en": "",
            "drafts-0-ipr_note_en": "",
        }
    )
    response = client.post(reverse("admin:consultation_circular_add"), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    circular = Circular.objects.get(number=310)
    assert circular.status == Circular.Status.DRAFT
    assert circular.drafts.get().number == "ITU-T Q.9999"

    # Edit while a draft: the subject can change.
    change_url = reverse("admin:consultation_circular_change", args=[circular.pk])
    page = client.get(change_url)
    assert page.status_code == 200
    assert "Dates comply with Resolution 1" in page.content.decode()
    edit = circular_form(meeting, meeting.study_group, deadline)
    edit["subject_en"] = "Edited subject"
    edit.update(management("drafts", 1, 1))
    draft = circular.drafts.get()
    edit.update(
        {
            "drafts-0-id": str(draft.pk),
            "drafts-0-circular": str(circular.pk),
            "drafts-0-order": "1",
            "drafts-0-number": "ITU-T Q.9999",
            "drafts-0-former_name": "Q.TEST",
            "drafts-0-kind": "new",
            "drafts-0-document_ref": "SG11-R99",
            "drafts-0-title_en": "A test framework, edited",
            "drafts-0-summary_en": "Summary.",
            "drafts-0-a5_note_en": "",
            "drafts-0-ipr_note_en": "",
        }
    )
    response = client.post(change_url, edit)
    assert response.status_code == 302
    circular.refresh_from_db()
    assert circular.subject == "Edited subject"
    assert circular.drafts.get().title == "A test framework, edited"

    # Publish: the action first shows a confirmation page and changes nothing.
    changelist = reverse("admin:consultation_circular_changelist")
    action = {"action": "publish", "_selected_action": [str(circular.pk)]}
    confirm = client.post(changelist, action)
    assert confirm.status_code == 200
    assert "Publish these circulars?" in confirm.content.decode()
    circular.refresh_from_db()
    assert circular.status == Circular.Status.DRAFT
    response = client.post(changelist, {**action, "post": "yes"})
    assert response.status_code == 302
    circular.refresh_from_db()
    assert circular.status == Circular.Status.PUBLISHED
    assert circular.issued_on == timezone.now().date()

    # Published: the subject is frozen, the contact may still be corrected.
    edit["subject_en"] = "Changed after publication"
    edit["contact_name"] = "B. Counsellor"
    client.post(change_url, edit)
    circular.refresh_from_db()
    assert circular.subject == "Edited subject"
    assert circular.contact_name == "B. Counsellor"

    # Closing before the deadline is refused with the reason; after it, it closes.
    close = {"action": "close", "_selected_action": [str(circular.pk)], "post": "yes"}
    response = client.post(changelist, close, follow=True)
    assert "only after its deadline" in response.content.decode()
    circular.refresh_from_db()
    assert circular.status == Circular.Status.PUBLISHED
    time_machine.move_to(deadline + datetime.timedelta(seconds=1))
    sign_in(client, tsb_staff)  # the session of months ago has expired
    client.post(changelist, close)
    circular.refresh_from_db()
    assert circular.status == Circular.Status.CLOSED
    events = list(CircularEvent.objects.filter(circular=circular).values_list("to_status", "actor"))
    assert events == [("published", tsb_staff.pk), ("closed", tsb_staff.pk)]


def test_publishing_without_drafts_reports_the_reason(client, tsb_staff) -> None:
    sign_in(client, tsb_staff)
    circular = factories.CircularFactory()
    response = client.post(
        reverse("admin:consultation_circular_changelist"),
        {"action": "publish", "_selected_action": [str(circular.pk)], "post": "yes"},
        follow=True,
    )
    assert "lists no draft Recommendation" in response.content.decode()
    circular.refresh_from_db()
    assert circular.status == Circular.Status.DRAFT


def LANG_COLUMNS(field: str) -> list[str]:  # noqa: N802 - reads as a constant
    return [f"{field}_{code}" for code in ("ar", "zh_hans", "en", "fr", "ru", "es")]


def test_published_circular_drafts_are_frozen_except_the_ipr_note(
    client, tsb_staff, open_circular
) -> None:
    sign_in(client, tsb_staff)
    page = client.get(reverse("admin:consultation_circular_change", args=[open_circular.pk]))
    form = page.context["adminform"].form
    assert not {"subject", *LANG_COLUMNS("subject")} & set(form.fields)
    assert "deadline" not in form.fields
    assert "contact_name" in form.fields
    inline = next(
        f for f in page.context["inline_admin_formsets"] if f.opts.model is DraftRecommendation
    )
    fields = inline.formset.forms[0].fields
    # The IPR note stays correctable in every language; the texts are frozen in all six.
    assert set(LANG_COLUMNS("ipr_note")) <= set(fields)
    frozen = {"number", "kind", *LANG_COLUMNS("title"), *LANG_COLUMNS("summary")}
    assert not frozen & set(fields)
    assert not inline.formset.can_delete


def test_resolution_warnings_show_on_the_circular_page(client, tsb_staff) -> None:
    sign_in(client, tsb_staff)
    meeting = factories.MeetingFactory(
        starts_on=datetime.date(2020, 3, 4), ends_on=datetime.date(2020, 3, 13)
    )
    circular = factories.CircularFactory(
        meeting=meeting,
        study_group=meeting.study_group,
        issued_on=datetime.date(2019, 11, 1),
        deadline=datetime.datetime(2020, 2, 27, 23, 59, tzinfo=datetime.UTC),
    )
    page = client.get(reverse("admin:consultation_circular_change", args=[circular.pk]))
    text = page.content.decode()
    assert "later than 7 working days before the meeting" in text
    assert "2020-02-24" in text


def test_staff_without_publish_permission_has_no_publish_action(client) -> None:
    from django.contrib.auth.models import Permission

    clerk = factories.UserFactory(is_staff=True)
    clerk.user_permissions.set(
        Permission.objects.filter(codename__in=["view_circular", "change_circular"])
    )
    sign_in(client, clerk)
    circular = factories.CircularFactory()
    factories.DraftFactory(circular=circular)
    page = client.get(reverse("admin:consultation_circular_changelist"))
    action_form = page.context["action_form"]
    actions = [v for v, _ in action_form.fields["action"].choices] if action_form else []
    assert "publish" not in actions
    assert "close" not in actions
    client.post(
        reverse("admin:consultation_circular_changelist"),
        {"action": "publish", "_selected_action": [str(circular.pk)], "post": "yes"},
    )
    circular.refresh_from_db()
    assert circular.status == Circular.Status.DRAFT


def _changelist_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def _add_replies(circular: Circular, count: int) -> None:
    for _ in range(count):
        reply = factories.SubmittedReplyFactory(
            circular=circular,
            submitted_by=factories.UserFactory(),
            entered_by=factories.UserFactory(),
        )
        factories.PositionFactory(reply=reply, draft=circular.drafts.first())


@pytest.mark.parametrize(
    "url_name", ["admin:consultation_circular_changelist", "admin:consultation_reply_changelist"]
)
def test_changelists_run_a_constant_number_of_queries(client, tsb_staff, url_name) -> None:
    sign_in(client, tsb_staff)
    url = reverse(url_name)
    client.get(url)  # a session's first request renews it (once a minute)
    first = factories.CircularFactory()
    factories.DraftFactory(circular=first)
    _add_replies(first, 5)
    with_5 = _changelist_queries(client, url)
    second = factories.CircularFactory()
    factories.DraftFactory(circular=second)
    _add_replies(first, 145)  # 150 replies on the first circular
    _add_replies(second, 3)
    with_150 = _changelist_queries(client, url)
    assert with_5 == with_150

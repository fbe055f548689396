"""What a new official found wrong in the reply form, each fixed (issue 9)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.models import ObserverCategory, Official
from consultation import services
from consultation.models import CircularCopy, Reply
from tests import factories
from tests.consultation.test_reply_views import form_data
from tests.i18n.english import visible_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def drafter(state_a) -> Official:
    return factories.OfficialFactory(
        member_state=state_a, role=Official.Role.DRAFTER, user__email="drafter.a@example.org"
    )


def test_a_drafter_does_not_prefill_the_from_block_with_their_own_identity(
    client, signed_in, open_circular, drafter, official_a
) -> None:
    signed_in(client, drafter.user)
    initial = (
        client.get(reverse("consultation:reply-edit", args=[open_circular.pk]))
        .context["header_form"]
        .initial
    )
    assert drafter.user.email not in initial.values()
    assert drafter.user.get_full_name() not in initial.values()
    signed_in(client, official_a.user)
    initial = (
        client.get(reverse("consultation:reply-edit", args=[open_circular.pk]))
        .context["header_form"]
        .initial
    )
    assert initial["from_email"] == official_a.user.email
    assert initial["from_name"] == official_a.user.get_full_name()


def test_save_and_review_with_a_blank_name_keeps_the_saved_draft(
    client, signed_in, open_circular, official_a
) -> None:
    edit = reverse("consultation:reply-edit", args=[open_circular.pk])
    signed_in(client, official_a.user)
    assert client.post(edit, form_data(open_circular, 0)).status_code == 302
    saved = Reply.objects.get()
    assert saved.from_name == "A. Minister"
    response = client.post(edit, form_data(open_circular, 1, from_name="", action="review"))
    assert response.status_code == 200  # the form again, with the errors
    saved.refresh_from_db()
    assert (saved.from_name, saved.revision) == ("A. Minister", 1)  # nothing overwritten
    text = visible_text(response.content.decode())
    assert "Nothing was saved: correct these fields" in text
    assert "Name (From block): this field is required." in text
    assert '<a href="#id_from_name">' in response.content.decode()


def test_review_errors_say_which_field_and_link_to_it(
    client, signed_in, open_circular, official_a
) -> None:
    draft = open_circular.drafts.get()
    services.reply_save_draft(
        circular_id=open_circular.pk,
        official=official_a,
        expected_revision=0,
        header={"from_name": "", "from_title": ""},
        positions={draft.pk: {"decision": "authorize_comments"}},
    )
    signed_in(client, official_a.user)
    page = client.get(reverse("consultation:reply-review", args=[open_circular.pk]))
    html = page.content.decode()
    edit = reverse("consultation:reply-edit", args=[open_circular.pk])
    assert "This field is required." not in visible_text(html).replace(
        "(From block): this field is required.", ""
    )
    assert f'href="{edit}#id_from_name">Name (From block): this field is required.' in html
    assert f'href="{edit}#id_from_title">Official title (From block)' in html
    assert f'href="{edit}#id_d{draft.pk}-comments">{draft.number}: you chose' in html
    assert not page.context["can_submit"]


def test_only_the_texts_of_the_box_ticked_are_sent(client, signed_in, open_circular, official_a):
    draft = open_circular.drafts.get()
    edit = reverse("consultation:reply-edit", args=[open_circular.pk])
    signed_in(client, official_a.user)
    data = form_data(
        open_circular,
        0,
        {draft.pk: {"decision": "authorize", "comments": "Typed, then changed my mind."}},
        action="review",
    )
    assert client.post(edit, data).status_code == 302
    position = Reply.objects.get().positions.get()
    assert position.comments == "Typed, then changed my mind."  # kept in the working copy
    review = client.get(reverse("consultation:reply-review", args=[open_circular.pk]))
    assert review.context["content"]["positions"][0]["comments"] == ""  # not sent
    assert "Typed, then changed my mind." not in review.content.decode()
    form = client.get(edit).content.decode()
    assert 'data-show-for="authorize_comments"' in form  # the box's texts follow its choice


def test_submitting_is_confirmed_and_the_action_has_weight(
    client, signed_in, open_circular, official_a
) -> None:
    edit = reverse("consultation:reply-edit", args=[open_circular.pk])
    review = reverse("consultation:reply-review", args=[open_circular.pk])
    signed_in(client, official_a.user)
    client.post(edit, form_data(open_circular, 0, action="review"))
    page = client.get(review)
    assert 'class="button-primary">Submit the official reply</button>' in page.content.decode()
    response = client.post(review, {"revision": "1", "sha256": page.context["sha256"]}, follow=True)
    text = visible_text(response.content.decode())
    assert "The official reply of your administration was submitted as version 1" in text
    assert 'aria-current="step"' in response.content.decode()


def test_the_observer_sees_deadline_status_and_result(
    client, signed_in, open_circular, tsb_staff, official_a
) -> None:
    observer = factories.ObserverFactory(category=ObserverCategory.SECTOR_MEMBER)
    CircularCopy.objects.create(
        circular=open_circular, category=ObserverCategory.SECTOR_MEMBER, label="Sector Members"
    )
    signed_in(client, observer.user)
    html = client.get(reverse("home")).content.decode()
    assert 'class="badge badge-open"' in html and "Deadline" in html
    assert open_circular.deadline.strftime("%Y-%m-%dT%H:%M") in html
    # Closed: the aggregate result shows.
    draft = open_circular.drafts.get()
    services.reply_save_draft(
        circular_id=open_circular.pk,
        official=official_a,
        expected_revision=0,
        header={"from_name": official_a.user.get_full_name(), "from_title": "T"},
        positions={draft.pk: {"decision": "authorize"}},
    )
    services.reply_submit(circular_id=open_circular.pk, official=official_a, expected_revision=1)
    import datetime

    services.circular_close(
        circular_id=open_circular.pk,
        actor=tsb_staff,
        now=open_circular.deadline + datetime.timedelta(seconds=1),
    )
    text = visible_text(client.get(reverse("home")).content.decode())
    assert f"{draft.number}: 1 of 1 on-time replies support consideration" in text
    detail = client.get(reverse("consultation:circular-detail", args=[open_circular.pk]))
    assert "Result of the consultation" in detail.content.decode()

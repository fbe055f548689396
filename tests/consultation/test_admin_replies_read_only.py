"""Replies and the append-only records in the admin: never offered for deletion, and the
late flag shown in words ("late (not counted)" / "on time"), not as a red cross."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from consultation.models import Reply, ReplyVersion
from tests import factories
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db


def actions_offered(client, url_name: str) -> list[str]:
    page = client.get(reverse(url_name))
    assert page.status_code == 200
    form = page.context["action_form"]
    return [value for value, _label in form.fields["action"].choices] if form else []


@pytest.fixture
def replies(open_circular, tsb_staff) -> tuple[Reply, Reply]:
    """Two recorded replies to the open circular: one on time, one late."""
    on_time = factories.SubmittedReplyFactory(
        circular=open_circular, member_state=factories.MemberStateFactory(name="Punctual")
    )
    late = factories.SubmittedReplyFactory(
        circular=open_circular,
        member_state=factories.MemberStateFactory(name="Tardy"),
        is_late=True,
    )
    for reply in (on_time, late):
        ReplyVersion.objects.create(
            reply=reply,
            number=1,
            received_at=timezone.now() - datetime.timedelta(hours=1),
            channel=Reply.Channel.EMAIL,
            entered_by=tsb_staff,
            is_late=reply.is_late,
            content={},
            sha256="0" * 64,
        )
    return on_time, late


def test_replies_are_not_offered_for_deletion(client, tsb_staff, replies) -> None:
    sign_in(client, tsb_staff)
    assert "delete_selected" not in actions_offered(client, "admin:consultation_reply_changelist")
    on_time, _late = replies
    change = client.get(reverse("admin:consultation_reply_change", args=[on_time.pk]))
    assert reverse("admin:consultation_reply_delete", args=[on_time.pk]) not in (
        change.content.decode()
    )
    # Asked for anyway: refused, nothing deleted.
    client.post(
        reverse("admin:consultation_reply_changelist"),
        {"action": "delete_selected", "_selected_action": [str(on_time.pk)], "post": "yes"},
    )
    response = client.post(
        reverse("admin:consultation_reply_delete", args=[on_time.pk]), {"post": "yes"}
    )
    assert response.status_code == 403
    assert Reply.objects.count() == 2


@pytest.mark.parametrize(
    "url_name",
    [
        "admin:consultation_reply_changelist",
        "admin:consultation_circularevent_changelist",
        "admin:consultation_replyevent_changelist",
        "admin:consultation_attachment_changelist",
        "admin:consultation_notification_changelist",
        "admin:consultation_deliveredmail_changelist",
        "admin:accounts_accountevent_changelist",
        "admin:accounts_official_changelist",
    ],
)
def test_records_that_cannot_be_deleted_offer_no_delete_action(client, tsb_staff, url_name) -> None:
    sign_in(client, tsb_staff)
    assert "delete_selected" not in actions_offered(client, url_name)


def cells(html: str, column: str) -> list[str]:
    import re

    return re.findall(rf'<td class="field-{column}[^"]*">(.*?)</td>', html)


def test_reply_list_shows_late_in_words_and_sorts_and_filters_by_it(
    client, tsb_staff, replies
) -> None:
    sign_in(client, tsb_staff)
    url = reverse("admin:consultation_reply_changelist")
    page = client.get(url)
    html = page.content.decode()
    assert sorted(cells(html, "late_status")) == ["late (not counted)", "on time"]
    assert "icon-no.svg" not in "".join(cells(html, "late_status"))

    # Sorting: the column sorts by the flag.
    column = page.context["cl"].list_display.index("late_status")
    for direction, first in (("", "Punctual"), ("-", "Tardy")):
        listed = client.get(url, {"o": f"{direction}{column}"}).context["cl"].result_list
        assert listed[0].member_state.name == first

    # Filtering: in the same words, with Django's own parameter.
    assert "late (not counted)" in [
        choice["display"]
        for spec in page.context["cl"].filter_specs
        for choice in spec.choices(page.context["cl"])
    ]
    late_only = client.get(url, {"is_late__exact": "1"}).context["cl"].result_list
    assert [r.member_state.name for r in late_only] == ["Tardy"]
    on_time_only = client.get(url, {"is_late__exact": "0"}).context["cl"].result_list
    assert [r.member_state.name for r in on_time_only] == ["Punctual"]


def late_shown(html: str) -> list[str]:
    """The late flag on a reply's page: its own field, then one per version (inline)."""
    import re

    return re.findall(
        r'field-late_status.*?(?:<div class="readonly">|<p>)(.*?)(?:</div>|</p>)', html, re.S
    )


def test_reply_page_and_its_versions_show_late_in_words(client, tsb_staff, replies) -> None:
    sign_in(client, tsb_staff)
    on_time, late = replies
    for reply, words in ((late, "late (not counted)"), (on_time, "on time")):
        html = client.get(reverse("admin:consultation_reply_change", args=[reply.pk]))
        shown = late_shown(html.content.decode())
        assert shown == [words, words], shown

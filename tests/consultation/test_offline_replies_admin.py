"""TSB records replies that came by e-mail, fax or letter, from the admin."""

from __future__ import annotations

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from consultation.models import Attachment, Reply, ReplyVersion
from tests import factories

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n%%EOF\n"
URL = "admin:consultation_reply_record"


def post_data(circular, state, received_at: datetime.datetime, channel: str = "fax") -> dict:
    draft = circular.drafts.get()
    return {
        "circular": str(circular.pk),
        "member_state": str(state.pk),
        "channel": channel,
        "received_at": received_at.strftime("%Y-%m-%dT%H:%M:%S"),
        "scan": SimpleUploadedFile("fax-from-bern.pdf", PDF),
        "from_name": "A. Minister",
        "from_title": "Director",
        f"d{draft.pk}-decision": "authorize_comments",
    }


def test_staff_records_a_faxed_reply_with_its_scan(
    client, signed_in, tsb_staff, open_circular, state_a
) -> None:
    signed_in(client, tsb_staff)
    page = client.get(reverse(URL), {"circular": open_circular.pk})
    assert page.status_code == 200
    received = (timezone.now() - datetime.timedelta(hours=2)).replace(microsecond=0)
    response = client.post(
        reverse(URL), post_data(open_circular, state_a, received), REMOTE_ADDR="192.0.2.44"
    )
    reply = Reply.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("admin:consultation_reply_change", args=[reply.pk])
    version = ReplyVersion.objects.get()
    assert (version.channel, version.entered_by, version.received_at, version.is_late) == (
        "fax",
        tsb_staff,
        received,
        False,
    )
    assert version.ip_address == "192.0.2.44"
    scan = Attachment.objects.get()
    assert (scan.kind, scan.original_name, scan.position) == ("scan", "fax-from-bern.pdf", None)
    change = client.get(reverse("admin:consultation_reply_change", args=[reply.pk]))
    assert version.sha256 in change.content.decode()


def test_a_reply_received_after_the_deadline_is_marked_late(
    client, signed_in, tsb_staff, open_circular, state_a, time_machine
) -> None:
    late = open_circular.deadline + datetime.timedelta(seconds=1)
    time_machine.move_to(late + datetime.timedelta(days=1), tick=False)
    signed_in(client, tsb_staff)
    response = client.post(
        reverse(URL), post_data(open_circular, state_a, late, "letter"), follow=True
    )
    assert "marked late, it does not count" in response.content.decode()
    assert ReplyVersion.objects.get().is_late


def test_a_bad_scan_is_refused_and_nothing_recorded(
    client, signed_in, tsb_staff, open_circular, state_a
) -> None:
    signed_in(client, tsb_staff)
    data = post_data(open_circular, state_a, timezone.now() - datetime.timedelta(minutes=1))
    data["scan"] = SimpleUploadedFile("scan.pdf", b"")
    response = client.post(reverse(URL), data)
    assert response.status_code == 200
    assert response.context["form"].errors["scan"]
    assert not Reply.objects.exists()


def test_staff_without_permission_cannot_record(client, signed_in, open_circular) -> None:
    clerk = factories.UserFactory(is_staff=True)
    signed_in(client, clerk)
    assert client.get(reverse(URL), {"circular": open_circular.pk}).status_code == 403

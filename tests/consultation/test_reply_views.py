"""The official's pages through the real views: home, form, review, submit, receipt."""

from __future__ import annotations

import datetime
import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Official
from consultation.models import Attachment, Circular, Reply, ReplyEvent, ReplyVersion
from tests import factories

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def form_data(circular: Circular, revision: int, decisions: dict | None = None, **extra) -> dict:
    data = {
        "revision": str(revision),
        "from_name": "A. Minister",
        "from_title": "Director, ITU affairs",
        "from_address": "Bern",
        "from_fax": "",
        # The signatory's address (tests.conftest.official_a): the reply carries their identity.
        "from_email": "signatory.a@example.org",
        "place": "Bern",
        "signed_on": "2026-11-27",
        "action": "save",
    }
    for draft in circular.drafts.all():
        prefix = f"d{draft.pk}"
        values = (decisions or {}).get(draft.pk, {"decision": "authorize"})
        for name in ("decision", "comments", "reasons", "possible_changes"):
            data[f"{prefix}-{name}"] = values.get(name, "")
    data.update(extra)
    return data


@pytest.fixture
def drafter(state_a) -> Official:
    return factories.OfficialFactory(
        member_state=state_a, role=Official.Role.DRAFTER, user__email="drafter.a@example.org"
    )


def test_draft_submit_revise_and_receipt(
    client, signed_in, open_circular, official_a, drafter
) -> None:
    draft = open_circular.drafts.get()
    edit = reverse("consultation:reply-edit", args=[open_circular.pk])
    review = reverse("consultation:reply-review", args=[open_circular.pk])

    # The drafter prepares it, with a file of comments.
    signed_in(client, drafter.user)
    page = client.get(edit)
    assert page.status_code == 200
    # A drafter's own name, title and e-mail are not proposed: the reply is the signatory's.
    initial = page.context["header_form"].initial
    assert not {"from_name", "from_title", "from_email"} & set(initial)
    upload = SimpleUploadedFile("commentaires-réponse.pdf", PDF, content_type="application/pdf")
    data = form_data(
        open_circular,
        0,
        {draft.pk: {"decision": "authorize_comments"}},
        **{f"d{draft.pk}-upload": upload, "action": "review"},
    )
    response = client.post(edit, data)
    assert response.status_code == 302 and response.url == review
    page = client.get(review)
    assert "Only an authorized signatory" in page.content.decode()
    assert (
        client.post(review, {"revision": "1", "sha256": page.context["sha256"]}).status_code == 302
    )
    assert not ReplyVersion.objects.exists()  # the drafter's POST submitted nothing

    # The signatory reviews exactly what will be sent, then submits.
    signed_in(client, official_a.user)
    page = client.get(review)
    text = page.content.decode()
    assert "commentaires-réponse.pdf" in text
    assert hashlib.sha256(PDF).hexdigest() in text
    sha = page.context["sha256"]
    response = client.post(review, {"revision": "1", "sha256": sha})
    receipt_url = reverse("consultation:reply-receipt", args=[open_circular.pk, 1])
    assert response.status_code == 302 and response.url == receipt_url
    receipt = client.get(receipt_url).content.decode()
    assert sha in receipt  # the receipt's hash is the one shown before submitting
    assert official_a.user.email in receipt
    version = ReplyVersion.objects.get()
    assert (version.number, version.sha256, version.submitted_by) == (1, sha, official_a.user)

    # Revise: a second version; both kept and listed.
    client.post(edit, form_data(open_circular, 1, {draft.pk: {"decision": "authorize"}}))
    page = client.get(review)
    client.post(review, {"revision": "2", "sha256": page.context["sha256"]})
    assert list(ReplyVersion.objects.values_list("number", flat=True)) == [1, 2]
    listing = client.get(edit).content.decode()
    assert "Version 1" in listing and "Version 2" in listing
    reply = Reply.objects.get()
    assert (reply.version, reply.status) == (2, "submitted")
    home = client.get(reverse("home")).content.decode()
    assert "Submitted as version 2" in home


def test_second_save_from_a_stale_form_is_refused_and_input_kept(
    client, signed_in, open_circular, official_a, drafter
) -> None:
    edit = reverse("consultation:reply-edit", args=[open_circular.pk])
    signed_in(client, drafter.user)
    client.post(edit, form_data(open_circular, 0))
    signed_in(client, official_a.user)
    draft = open_circular.drafts.get()
    stale = form_data(
        open_circular, 0, {draft.pk: {"decision": "do_not_authorize", "reasons": "My reasons"}}
    )
    response = client.post(edit, stale)
    assert response.status_code == 200
    text = response.content.decode()
    assert "was changed by" in text
    assert "My reasons" in text  # the official's input is still in the form
    assert response.context["revision_form"].initial["revision"] == 1
    assert Reply.objects.get().positions.get().reasons == ""


def test_form_is_closed_after_the_deadline_second(
    client, signed_in, open_circular, official_a, time_machine
) -> None:
    edit = reverse("consultation:reply-edit", args=[open_circular.pk])
    time_machine.move_to(open_circular.deadline + datetime.timedelta(seconds=1), tick=False)
    signed_in(client, official_a.user)
    page = client.get(edit)
    assert "The deadline has passed" in page.content.decode()
    response = client.post(edit, form_data(open_circular, 0), follow=True)
    assert "The deadline has passed" in response.content.decode()
    assert not Reply.objects.exists()


def test_bad_attachment_is_refused_with_a_message_and_nothing_saved(
    client, signed_in, open_circular, official_a, media_root
) -> None:
    edit = reverse("consultation:reply-edit", args=[open_circular.pk])
    draft = open_circular.drafts.get()
    signed_in(client, official_a.user)
    exe = SimpleUploadedFile("report.pdf", b"MZ\x90\x00" + b"\x00" * 200)
    data = form_data(
        open_circular,
        0,
        {draft.pk: {"decision": "authorize_comments", "comments": "Kept text"}},
        **{f"d{draft.pk}-upload": exe},
    )
    response = client.post(edit, data)
    assert response.status_code == 200
    text = response.content.decode()
    assert "Nothing was saved" in text
    assert "Kept text" in text
    assert response.context["position_forms"][0].errors["upload"]
    assert not Reply.objects.exists()
    assert not Attachment.objects.exists()
    assert not [p for p in media_root.rglob("*") if p.is_file()]


def _multipart(
    fields: dict[str, str], file_field: str, filename: bytes, content: bytes
) -> tuple[bytes, str]:
    boundary = "----portalboundary7MA4YWxkTrZu0gW"
    parts = []
    for name, value in fields.items():
        head = f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
        parts.append(f"{head}{value}\r\n".encode())
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{file_field}"; filename="'.encode()
        + filename
        + b'"\r\nContent-Type: application/pdf\r\n\r\n'
        + content
        + b"\r\n"
    )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


@pytest.mark.parametrize(
    "filename",
    [
        b"../../etc/passwd.pdf",
        b"..\\..\\evil.pdf",
        b"/abs/path.pdf",
        b"a\x07bell.pdf",
        b"rlo\xe2\x80\xaefdp.pdf",
    ],
    ids=["dot-dot-slash", "backslashes", "absolute", "control-character", "right-to-left-override"],
)
def test_path_tricks_and_control_characters_in_names_are_refused(
    client, signed_in, open_circular, official_a, filename, media_root
) -> None:
    edit = reverse("consultation:reply-edit", args=[open_circular.pk])
    draft = open_circular.drafts.get()
    signed_in(client, official_a.user)
    fields = form_data(
        open_circular, 0, {draft.pk: {"decision": "authorize_comments", "comments": "c"}}
    )
    body, content_type = _multipart(fields, f"d{draft.pk}-upload", filename, PDF)
    response = client.generic("POST", edit, body, content_type=content_type)
    assert response.status_code == 200
    [error] = response.context["position_forms"][0].errors["upload"]
    assert "Rename the file" in error
    assert not Attachment.objects.exists()
    assert not Reply.objects.exists()


def test_attachment_is_downloaded_as_an_attachment_by_its_state_only(
    client, signed_in, open_circular, official_a, official_b
) -> None:
    edit = reverse("consultation:reply-edit", args=[open_circular.pk])
    draft = open_circular.drafts.get()
    signed_in(client, official_a.user)
    upload = SimpleUploadedFile("notes.pdf", PDF)
    client.post(edit, form_data(open_circular, 0, **{f"d{draft.pk}-upload": upload}))
    attachment = Attachment.objects.get()
    assert attachment.file.name.endswith(".bin") and "notes" not in attachment.file.name
    url = reverse("consultation:attachment-download", args=[attachment.pk])
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="notes.pdf"')
    assert b"".join(response.streaming_content) == PDF
    signed_in(client, official_b.user)
    assert client.get(url).status_code == 404


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def _circular_with_drafts(count: int, state) -> Circular:
    circular = factories.CircularFactory(
        status=Circular.Status.PUBLISHED,
        published_at=factories.timezone.now(),
        issued_on=factories.timezone.now().date(),
    )
    for order in range(1, count + 1):
        factories.DraftFactory(circular=circular, order=order)
    return circular


@pytest.mark.parametrize("page", ["reply-edit", "home"])
def test_form_and_home_run_a_constant_number_of_queries(
    client, signed_in, official_a, page
) -> None:
    signed_in(client, official_a.user)
    client.get(reverse("home"))  # a session's first request renews it (once a minute)
    counts = []
    for drafts in (1, 10):
        circular = _circular_with_drafts(drafts, official_a.member_state)
        reply = factories.SubmittedReplyFactory(
            circular=circular, member_state=official_a.member_state
        )
        for draft in circular.drafts.all():
            factories.PositionFactory(reply=reply, draft=draft)
        for _ in range(2):
            Attachment.objects.create(
                reply=reply,
                position=reply.positions.first(),
                kind="comments",
                file="x.bin",
                original_name="x.pdf",
                content_type="application/pdf",
                size=1,
                sha256="0" * 64,
                uploaded_by=official_a.user,
            )
        url = (
            reverse(f"consultation:{page}", args=[circular.pk])
            if page != "home"
            else reverse("home")
        )
        counts.append(_queries(client, url))
    assert counts[0] == counts[1]


def test_saving_writes_an_audit_event_with_the_address(
    client, signed_in, open_circular, official_a
) -> None:
    signed_in(client, official_a.user)
    client.post(
        reverse("consultation:reply-edit", args=[open_circular.pk]),
        form_data(open_circular, 0),
        REMOTE_ADDR="203.0.113.9",
    )
    event = ReplyEvent.objects.get(kind="saved")
    assert (event.actor, event.ip_address) == (official_a.user, "203.0.113.9")

"""The audit trail: logins (success and failure), two-factor failures, refusals,
submissions and revisions, stand-in entries, exports, imports and admin changes, each with
who, which Member State, when and from where; never a password, code or session key; TSB
reads, filters and exports it."""

from __future__ import annotations

import csv
import datetime
import io
import logging

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent, MemberState
from consultation import services
from consultation.attachments import validate_upload
from tests import factories
from tests.accounts.helpers import PASSWORD, give_totp, password_login, totp_code
from tests.consultation.test_exports import admin_export

pytestmark = pytest.mark.django_db


def events(kind: str):
    return AuditEvent.objects.filter(kind=kind).order_by("pk")


def everything_written() -> str:
    """Every column of every audit event, as text."""
    return repr(list(AuditEvent.objects.values_list()))


def test_logins_and_failures_with_address_and_nothing_secret(official_a, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    secret = give_totp(official_a.user)
    client = Client(REMOTE_ADDR="203.0.113.9")
    wrong_password = "Tr0ub4dor&3-not-the-one"
    password_login(client, official_a.user.email, wrong_password)
    failed = events(AuditEvent.Kind.LOGIN_FAILED).get()
    assert (failed.login, failed.ip_address, failed.actor) == (
        official_a.user.email,
        "203.0.113.9",
        None,
    )
    response = password_login(client, official_a.user.email, PASSWORD)
    assert response["Location"] == reverse("mfa_authenticate")
    wrong_code = "000000" if totp_code(secret) != "000000" else "111111"
    client.post(reverse("mfa_authenticate"), {"code": wrong_code})
    mfa = events(AuditEvent.Kind.MFA_FAILED).get()
    assert (mfa.actor, mfa.member_state, mfa.ip_address) == (
        official_a.user,
        official_a.member_state,
        "203.0.113.9",
    )
    good_code = totp_code(secret)
    assert client.post(reverse("mfa_authenticate"), {"code": good_code}).status_code == 302
    login = events(AuditEvent.Kind.LOGIN).get()
    assert (login.actor, login.member_state, login.ip_address) == (
        official_a.user,
        official_a.member_state,
        "203.0.113.9",
    )
    assert login.at <= timezone.now()
    session_key = client.session.session_key
    written = everything_written() + caplog.text
    for secret_text in (wrong_password, PASSWORD, wrong_code, good_code, session_key, secret):
        assert secret_text not in written


def test_a_refusal_is_recorded_with_the_page(client, signed_in, official_a) -> None:
    signed_in(client, official_a.user)
    circular = factories.CircularFactory()
    url = reverse("consultation:circular-results", args=[circular.pk])
    assert client.get(url).status_code == 403
    refused = events(AuditEvent.Kind.REFUSED).get()
    assert (refused.actor, refused.member_state, refused.path) == (
        official_a.user,
        official_a.member_state,
        url,
    )


def test_submission_revision_and_stand_in_entry(
    open_circular, official_a, state_b, tsb_staff
) -> None:
    draft = open_circular.drafts.get()
    revision = 0
    for _ in range(2):
        reply = services.reply_save_draft(
            circular_id=open_circular.pk,
            official=official_a,
            expected_revision=revision,
            header={"from_name": official_a.user.get_full_name(), "from_title": "T"},
            positions={draft.pk: {"decision": "authorize"}},
        )
        services.reply_submit(
            circular_id=open_circular.pk, official=official_a, expected_revision=reply.revision
        )
        revision = reply.revision
    assert [e.kind for e in AuditEvent.objects.order_by("pk")] == ["submitted", "revised"]
    assert {e.member_state for e in AuditEvent.objects.all()} == {official_a.member_state}
    scan = SimpleUploadedFile("scan.pdf", b"%PDF-1.4\n%%EOF\n")
    services.reply_record_offline(
        circular_id=open_circular.pk,
        member_state_id=state_b.pk,
        actor=tsb_staff,
        channel="fax",
        received_at=timezone.now(),
        header={"from_name": "N", "from_title": "T"},
        positions={draft.pk: {"decision": "authorize"}},
        scan=services.AttachmentUpload(file=scan, validated=validate_upload(scan), kind="scan"),
    )
    recorded = events(AuditEvent.Kind.RECORDED).get()
    assert (recorded.actor, recorded.member_state) == (tsb_staff, state_b)
    assert str(open_circular) in recorded.target and len(recorded.detail["sha256"]) == 64


def test_exports_imports_and_admin_changes_then_tsb_reads_filters_and_exports_the_trail(
    client, signed_in, tsb_staff
) -> None:
    factories.MemberStateFactory(alpha2="CH", alpha3="CHE", name="Switzerland")
    signed_in(client, tsb_staff)
    admin_export(client, MemberState, "csv")
    exported = events(AuditEvent.Kind.EXPORTED).get()
    assert (exported.actor, exported.target, exported.detail["format"]) == (
        tsb_staff,
        "accounts.memberstate",
        "csv",
    )
    # An import, confirmed.
    from tests.accounts.test_imports import confirm, upload

    content = b"alpha2,alpha3,name,region,joined_on,left_on\nPW,PLW,Palau,E,2024-09-19,\n"
    preview = upload(client, MemberState, content)
    assert not events(AuditEvent.Kind.IMPORTED).exists()  # a preview writes nothing
    assert confirm(client, MemberState, preview).status_code == 302
    imported = events(AuditEvent.Kind.IMPORTED).get()
    assert imported.actor == tsb_staff and imported.detail["rows"]
    # A change in the admin: every add, change and deletion goes through Django's admin log.
    from django.contrib.admin.models import ADDITION, LogEntry
    from django.contrib.contenttypes.models import ContentType

    LogEntry.objects.log_actions(
        user_id=tsb_staff.pk,
        queryset=[MemberState.objects.get(alpha3="PLW")],
        action_flag=ADDITION,
        change_message="Added.",
        single_object=True,
    )
    change_event = events(AuditEvent.Kind.ADMIN_CHANGE).last()
    assert change_event.actor == tsb_staff and "Palau" in change_event.target
    assert ContentType.objects.get_for_model(MemberState).model in change_event.target

    # TSB reads the trail, filters it by kind, exports it.
    listing = reverse("admin:accounts_auditevent_changelist")
    page = client.get(listing, {"kind__exact": "exported"})
    assert page.status_code == 200 and page.context["cl"].result_count == 1
    content = admin_export(client, AuditEvent, "csv").decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(content)))
    assert {"at (UTC)", "what", "by", "Member State", "from address"} <= set(rows[0])
    assert {"exported", "imported", "admin_change"} <= {r["what"] for r in rows}
    # Nobody edits or deletes it.
    event = AuditEvent.objects.first()
    change_url = reverse("admin:accounts_auditevent_change", args=[event.pk])
    assert client.post(change_url, {}).status_code == 403
    with pytest.raises(ValueError, match="append-only"):
        event.save()


def test_the_trail_needs_its_export_permission(client, signed_in) -> None:
    staff = factories.UserFactory(is_staff=True)
    staff.user_permissions.set(Permission.objects.filter(codename="view_auditevent"))
    signed_in(client, staff)
    assert client.get(reverse("admin:accounts_auditevent_changelist")).status_code == 200
    assert client.get(reverse("admin:accounts_auditevent_export")).status_code == 403


def test_every_download_of_replies_or_results_is_an_export_in_the_trail(
    client, signed_in, tsb_staff, open_circular, official_a
) -> None:
    draft = open_circular.drafts.get()
    reply = services.reply_save_draft(
        circular_id=open_circular.pk,
        official=official_a,
        expected_revision=0,
        header={"from_name": official_a.user.get_full_name(), "from_title": "T"},
        positions={draft.pk: {"decision": "authorize"}},
    )
    services.reply_submit(
        circular_id=open_circular.pk, official=official_a, expected_revision=reply.revision
    )
    services.circular_close(
        circular_id=open_circular.pk,
        actor=tsb_staff,
        now=open_circular.deadline + datetime.timedelta(seconds=1),
    )
    signed_in(client, tsb_staff)
    large = reverse("admin:consultation_reply_export_large")
    assert client.get(large, {"format": "csv", "status__exact": "submitted"}).status_code == 200
    results = reverse("consultation:circular-results-json", args=[open_circular.pk])
    assert client.get(results).status_code == 200
    td = reverse("consultation:comments-td", args=[open_circular.pk])
    assert client.get(td, {"td": "TD 12 (PLEN/11)"}).status_code == 200
    targets = list(events(AuditEvent.Kind.EXPORTED).values_list("target", "detail"))
    assert [t for t, _ in targets] == [
        "consultation.reply (large export)",
        f"frozen results of {open_circular} ({open_circular.study_period})",
        f"comments TD of {open_circular} ({open_circular.study_period})",
    ]
    assert targets[0][1]["query"] == "status__exact=submitted"
    assert all(e.actor == tsb_staff for e in events(AuditEvent.Kind.EXPORTED))

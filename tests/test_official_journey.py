"""The whole path of an official, through the real views, as issue 3 asks: TSB invites from
the admin; the official sets a password from the e-mailed link, sets up an authenticator app,
drafts, submits, revises, and reads each receipt; later logins take the TOTP code."""

from __future__ import annotations

import hashlib

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from consultation.models import Reply, ReplyVersion
from tests.accounts.helpers import (
    PASSWORD,
    activate_totp,
    first_link,
    give_totp,
    totp_code,
    totp_login,
    verify_email,
)
from tests.conftest import sign_in  # noqa: F401 - the cast is built by the shared fixtures
from tests.consultation.test_reply_views import form_data

pytestmark = pytest.mark.django_db(transaction=True)

NEW_PASSWORD = "Bern-consultation-2026!"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_invitation_password_totp_draft_submit_revise_receipt(
    open_circular, state_a, settings, time_machine
) -> None:
    from tests import factories

    settings.PORTAL_BASE_URL = "https://consult.example.int"
    tsb = factories.UserFactory(email="tsb.admin@itu.example", is_staff=True, is_superuser=True)
    verify_email(tsb)
    admin = Client()
    totp_login(admin, tsb, give_totp(tsb), PASSWORD)

    # 1. TSB adds the official in the admin; the invitation leaves.
    response = admin.post(
        reverse("admin:accounts_official_add"),
        {
            "email": "signatory@admin.example.ch",
            "first_name": "Anna",
            "last_name": "Muster",
            "language": "en",
            "member_state": str(state_a.pk),
            "role": "signatory",
            "official_title": "Head of international affairs",
            "_save": "Save",
        },
    )
    assert response.status_code == 302
    [invitation] = [m for m in mail.outbox if m.to == ["signatory@admin.example.ch"]]
    link = first_link(invitation.body).split("consult.example.int", 1)[1]

    # 2. The official sets a password from the link and is logged in.
    official = Client()
    assert official.get(link).status_code == 200
    response = official.post(link, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response.status_code == 302

    # 3. A signatory reaches nothing before setting up an authenticator app.
    edit = reverse("consultation:reply-edit", args=[open_circular.pk])
    blocked = official.get(edit)
    assert blocked.status_code == 302 and blocked["Location"] == reverse("mfa_activate_totp")
    secret = activate_totp(official)

    # 4. Draft, with the header prefilled from the profile and a file of comments.
    page = official.get(edit)
    assert page.status_code == 200
    assert page.context["header_form"].initial["from_title"] == "Head of international affairs"
    draft = open_circular.drafts.get()
    own_email = page.context["header_form"].initial["from_email"]  # the signatory's own
    data = form_data(
        open_circular, 0, {draft.pk: {"decision": "authorize_comments"}}, from_email=own_email
    )
    data[f"d{draft.pk}-upload"] = SimpleUploadedFile("comments.pdf", PDF)
    data["action"] = "review"
    response = official.post(edit, data)
    review = reverse("consultation:reply-review", args=[open_circular.pk])
    assert response.status_code == 302 and response["Location"] == review

    # 5. Review shows exactly what will be sent; submit; the receipt carries the same hash.
    page = official.get(review)
    assert hashlib.sha256(PDF).hexdigest() in page.content.decode()
    first_hash = page.context["sha256"]
    response = official.post(review, {"revision": "1", "sha256": first_hash})
    receipt = official.get(response["Location"])
    assert receipt.status_code == 200
    assert first_hash in receipt.content.decode()
    assert "signatory@admin.example.ch" in receipt.content.decode()

    # 6. Revise: a second version; both kept; the receipt of each stays readable.
    official.post(
        edit,
        form_data(open_circular, 1, {draft.pk: {"decision": "authorize"}}, from_email=own_email),
    )
    page = official.get(review)
    second_hash = page.context["sha256"]
    assert second_hash != first_hash
    response = official.post(review, {"revision": "2", "sha256": second_hash})
    assert response["Location"] == reverse("consultation:reply-receipt", args=[open_circular.pk, 2])
    versions = list(ReplyVersion.objects.order_by("number").values_list("number", "sha256"))
    assert versions == [(1, first_hash), (2, second_hash)]
    first = official.get(reverse("consultation:reply-receipt", args=[open_circular.pk, 1]))
    assert first_hash in first.content.decode()
    assert Reply.objects.get().version == 2

    # 7. A later login (next 30-second window: a code is never accepted twice) takes the
    #    password and the code from the app.
    import datetime

    from django.utils import timezone

    time_machine.move_to(timezone.now() + datetime.timedelta(seconds=31))
    again = Client()
    response = again.post(
        reverse("account_login"), {"login": "signatory@admin.example.ch", "password": NEW_PASSWORD}
    )
    assert response["Location"] == reverse("mfa_authenticate")
    wrong = again.post(reverse("mfa_authenticate"), {"code": "000000"})
    assert wrong.status_code == 200
    assert again.get(edit).status_code == 302
    again.post(reverse("mfa_authenticate"), {"code": totp_code(secret)})
    assert again.get(edit).status_code == 200

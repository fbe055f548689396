"""The whole consultation, end to end, in the browser: clicks and typing on the real pages.

TSB logs in with its authenticator code, creates a circular with two drafts in the admin and
publishes it; a drafter of Switzerland prepares the Annex 2 reply, which only a signatory may
submit; the signatory of Switzerland completes the From block with their own identity,
reviews, submits, revises and submits again; TSB records Germany's faxed reply with its scan;
after the deadline TSB closes the circular, reads the results and exports the replies as
XLSX. Once in English and once in Arabic, where every page must be <html lang="ar" dir="rtl">.

Selectors do not depend on English wording (names, ids, hrefs, button values); the texts
asserted are Django's gettext in the page's language. With SCREENSHOTS=1 every step leaves
docs/screenshots/journey-<language>-<NN>-<step>-{desktop,phone}.png.
"""

from __future__ import annotations

import datetime
import re
import time
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from allauth.mfa import app_settings as mfa_settings
from django.contrib.auth.models import Permission
from django.utils import timezone, translation
from django.utils.translation import gettext
from playwright.sync_api import expect

from accounts.models import MemberState, Official, User
from consultation import exports
from consultation.models import Circular, Reply, ReplyPosition, ReplyVersion
from tests import factories
from tests.accounts.helpers import PASSWORD, give_totp, totp_code
from tests.e2e.conftest import screenshot

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.integration]

SHA256 = re.compile(r"^[0-9a-f]{64}$")
Decision = ReplyPosition.Decision


# --- helpers shared with test_keyboard.py -----------------------------------------------------


def watch(page: Any) -> list[str]:
    """Collect what must never happen on a page: a server error or a JavaScript exception."""
    problems: list[str] = []
    page.on(
        "response",
        lambda r: (
            problems.append(f"{r.status} {r.request.method} {r.url}") if r.status >= 500 else None
        ),
    )
    page.on("pageerror", lambda error: problems.append(f"JavaScript error: {error}"))
    return problems


def check_language(page: Any, language: str) -> None:
    """The page is in `language`, laid out right to left for Arabic."""
    html = page.locator("html")
    expect(html).to_have_attribute("lang", language)
    expect(html).to_have_attribute("dir", "rtl" if language == "ar" else "ltr")


def fresh_totp_code(secret: str) -> str:
    """The authenticator's code, taken early enough in its 30-second window that the server
    checks it in the same window (allauth accepts no code of a neighbouring window)."""
    period = mfa_settings.TOTP_PERIOD
    left = period - time.time() % period
    if left < 8:
        time.sleep(left + 0.2)  # waiting for the clock: the next window
    return totp_code(secret)


def log_in(
    page: Any,
    language: str,
    user: User,
    *,
    secret: str | None = None,
    shots: tuple[str, str] | None = None,
) -> None:
    """Log in through the login page and, with `secret`, the authenticator code page;
    `shots` names the screenshots of the two pages."""
    page.goto(page.base + "/accounts/login/")
    check_language(page, language)
    page.fill("#id_login", user.email)
    page.fill("#id_password", PASSWORD)
    if shots:
        screenshot(page, shots[0])
    page.locator('main form[action$="/accounts/login/"] button[type=submit]').click()
    if secret is not None:
        page.wait_for_url("**/accounts/2fa/authenticate/")
        check_language(page, language)
        page.fill("#id_code", fresh_totp_code(secret))
        if shots:
            screenshot(page, shots[1])
        # The form's first button; "Cancel" (form="logout-from-stage") would log out.
        page.locator('form[action$="/2fa/authenticate/"] button[type=submit]:not([form])').click()
    page.wait_for_url(page.base + "/")
    check_language(page, language)


def in_language(language: str, message: str, **values: Any) -> str:
    """`message` as the page shows it in `language` (Django's catalogs)."""
    with translation.override(language):
        text = gettext(message)
    return text % values if values else text


class Shots:
    """`shot("NN-step")` saves the page as journey-<language>-NN-step (see conftest)."""

    def __init__(self, language: str) -> None:
        self.prefix = f"journey-{language}-"
        self.page: Any = None

    def on(self, page: Any) -> Shots:
        self.page = page
        return self

    def __call__(self, step: str) -> None:
        screenshot(self.page, self.prefix + step)


# --- the cast ------------------------------------------------------------------------------


def tsb_secretary() -> tuple[User, str]:
    """TSB staff with every permission of our two apps, and an authenticator app."""
    user = factories.UserFactory(
        email="secretary@itu.example", first_name="Tess", last_name="Secretariat", is_staff=True
    )
    user.user_permissions.set(
        Permission.objects.filter(content_type__app_label__in=["consultation", "accounts"])
    )
    return user, give_totp(user)


def official(state: MemberState, role: str, email: str, first: str, last: str) -> Official:
    return factories.OfficialFactory(
        member_state=state,
        role=role,
        user__email=email,
        user__first_name=first,
        user__last_name=last,
        official_title="Head of international affairs",
        postal_address="Zukunftstrasse 44\nCH-2501 Biel",
        fax="+41 58 460 55 55",
    )


def tiny_pdf(path: Path) -> Path:
    """A valid one-page PDF (header, objects, cross-reference table, trailer)."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
    ]
    body = b"%PDF-1.4\n"
    offsets = []
    for number, content in enumerate(objects, start=1):
        offsets.append(len(body))
        body += b"%d 0 obj\n%s\nendobj\n" % (number, content)
    xref = len(body)
    body += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    body += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    body += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    path.write_bytes(body)
    return path


# --- the steps ------------------------------------------------------------------------------


def create_circular(page: Any, language: str, shot: Shots, **ids: Any) -> Circular:
    """TSB fills the admin's circular form (two drafts) and saves it."""
    deadline: datetime.datetime = ids["deadline"]
    page.goto(page.base + "/admin/")
    check_language(page, language)
    page.locator('#content a.addlink[href="/admin/consultation/circular/add/"]').click()
    page.wait_for_url("**/admin/consultation/circular/add/")
    check_language(page, language)

    page.fill("#id_number", "310")
    page.fill("#id_study_period", "2025-2028")
    page.fill("#id_reference", "SG11/DA")
    page.fill("#id_contact_name", "A. Counsellor")
    page.fill("#id_contact_fax", "+41 22 730 5853")
    page.fill("#id_contact_email", "tsbsg11@itu.int")
    page.select_option("#id_study_group", value=str(ids["study_group"]))
    # The meeting: django-admin's select2 autocomplete, searched by place.
    page.locator(".field-meeting .select2-selection").click()
    page.locator(".select2-container--open .select2-search__field").fill("Geneva")
    page.locator(".select2-results__option", has_text="Geneva").first.click()
    expect(page.locator("#id_meeting")).to_have_value(str(ids["meeting"]))
    page.select_option("#id_original_language", value="en")
    page.fill(
        "#id_subject_en", "Member State consultation on draft new Recommendations Q.9998, Q.9999"
    )
    page.fill(
        "#id_subject_ar", "مشاورة الدول الأعضاء بشأن مشروعي التوصيتين الجديدتين Q.9998 وQ.9999"
    )
    page.fill("#id_deadline_0", deadline.strftime("%Y-%m-%d"))
    page.fill("#id_deadline_1", deadline.strftime("%H:%M:%S"))
    page.fill("#id_director_name", "Seizo Onoe")
    page.fill("#id_reply_to_fax", "+41 22 730 5853")
    page.fill("#id_reply_to_email", "tsbdir@itu.int")

    drafts = [
        (
            "ITU-T Q.9998",
            "Q.FW_A",
            "SG11-R98",
            "Framework for signalling tests",
            "إطار لاختبارات التشوير",
        ),
        (
            "ITU-T Q.9999",
            "Q.FW_B",
            "SG11-R99",
            "Combating counterfeit devices",
            "مكافحة الأجهزة المقلدة",
        ),
    ]
    for index, (number, former, ref, title_en, title_ar) in enumerate(drafts):
        if index:
            # A new circular starts with one draft form; the inline's "Add another" adds one.
            page.locator("#drafts-group .add-row a").click()
        prefix = f"#id_drafts-{index}"
        page.fill(f"{prefix}-number", number)
        page.fill(f"{prefix}-former_name", former)
        page.select_option(f"{prefix}-kind", value="new")
        page.fill(f"{prefix}-document_ref", ref)
        page.fill(f"{prefix}-title_en", title_en)
        page.fill(f"{prefix}-title_ar", title_ar)
        page.fill(f"{prefix}-summary_en", f"{title_en}: summary.")
    shot("03-circular-form")
    page.locator('#content input[type=submit][name="_continue"]').click()
    page.wait_for_url(re.compile(r"/admin/consultation/circular/\d+/change/$"))
    check_language(page, language)
    circular = Circular.objects.get(number=310, study_period="2025-2028")
    assert circular.status == Circular.Status.DRAFT
    assert list(circular.drafts.order_by("order").values_list("order", "number")) == [
        (1, "ITU-T Q.9998"),
        (2, "ITU-T Q.9999"),
    ]
    assert circular.deadline == deadline
    assert circular.meeting_id == ids["meeting"]
    assert circular.issued_on is None  # publishing dates it
    return circular


def publish(page: Any, language: str, shot: Shots, circular: Circular) -> None:
    change = f"/admin/consultation/circular/{circular.pk}/change/"
    page.locator(
        f'.object-tools a[href="/admin/consultation/circular/{circular.pk}/publish/"]'
    ).click()
    page.wait_for_url(f"**/admin/consultation/circular/{circular.pk}/publish/")
    check_language(page, language)
    circular.refresh_from_db()
    assert circular.status == Circular.Status.DRAFT  # the confirmation changes nothing
    # Checked for the date it will carry (today): no Resolution 1 warning.
    expect(page.locator("#content li.warning")).to_have_count(0)
    shot("04-publish-confirmation")
    page.locator('#content form:has(input[name="post"][value="yes"]) input[type=submit]').click()
    page.wait_for_url(page.base + change)
    check_language(page, language)
    expect(page.locator("ul.messagelist li.success")).to_be_visible()
    circular.refresh_from_db()
    assert circular.status == Circular.Status.PUBLISHED
    assert circular.issued_on == timezone.now().date()  # publishing dated it today
    # Resolution 1 (9.3 notice, 9.4.1 deadline): the dates comply.
    expect(page.locator(".resolution-ok")).to_be_visible()
    shot("05-circular-published")


def fill_position(page: Any, draft_pk: int, decision: str, **texts: str) -> None:
    """Tick the box of one draft and type the texts it shows (the others stay hidden)."""
    page.locator(f'input[name="d{draft_pk}-decision"][value="{decision}"]').check()
    for name, text in texts.items():
        box = page.locator(f"#id_d{draft_pk}-{name}")
        expect(box).to_be_visible()  # portal.js shows the texts of the box ticked
        box.fill(text)


def drafter_prepares(
    page: Any, language: str, shot: Shots, circular: Circular, drafter: Official
) -> None:
    log_in(page, language, drafter.user)
    first, second = circular.drafts.order_by("order")
    # Home: the open consultation, then the circular, then its reply form.
    card = page.locator(f'.cards a[href="/circulars/{circular.pk}/"]')
    expect(card).to_be_visible()
    shot("06-drafter-home")
    card.click()
    page.wait_for_url(f"**/circulars/{circular.pk}/")
    check_language(page, language)
    expect(page.locator("main h1")).to_contain_text("310")
    shot("07-circular")
    page.locator(f'main a[href="/circulars/{circular.pk}/reply/"]').click()
    page.wait_for_url(f"**/circulars/{circular.pk}/reply/")
    check_language(page, language)
    # A drafter's own name, title and e-mail are not proposed.
    expect(page.locator("#id_from_name")).to_have_value("")
    expect(page.locator("#id_from_address")).to_have_value("Zukunftstrasse 44\nCH-2501 Biel")

    page.fill("#id_from_name", "Beat Keller")
    page.fill("#id_from_title", "Deputy head of international affairs")
    page.fill("#id_place", "Biel")
    page.fill("#id_signed_on", timezone.now().date().isoformat())
    fill_position(page, first.pk, Decision.AUTHORIZE_NO_COMMENTS)
    fill_position(
        page,
        second.pk,
        Decision.AUTHORIZE_WITH_COMMENTS,
        comments="Clause 7.2: align the terms with ITU-T Q.5050.",
    )
    # "Save draft" keeps the page, with its message.
    page.locator('button[name="action"][value="save"]').click()
    expect(page.locator("ul.messages li.success")).to_have_text(
        in_language(language, "Your draft reply is saved. It has not been submitted.")
    )
    check_language(page, language)
    reply = Reply.objects.get(circular=circular)
    assert (reply.status, reply.from_name, reply.version) == ("draft", "Beat Keller", 0)
    decisions = dict(reply.positions.values_list("draft__number", "decision"))
    assert decisions == {first.number: "authorize", second.number: "authorize_comments"}
    expect(page.locator(f"#id_d{second.pk}-comments")).to_have_value(
        "Clause 7.2: align the terms with ITU-T Q.5050."
    )
    shot("08-drafter-form")

    # "Save and check": the review page, without a submit button for a drafter.
    page.locator('button[name="action"][value="review"]').click()
    page.wait_for_url(f"**/circulars/{circular.pk}/reply/review/")
    check_language(page, language)
    expect(page.locator("main .notice-info")).to_have_text(
        in_language(
            language,
            "Only an authorized signatory of your administration may submit this reply. "
            "It is saved and ready for them.",
        )
    )
    expect(page.locator('input[name="sha256"]')).to_have_count(0)
    expect(page.locator("#error-summary")).to_have_count(0)
    shot("09-drafter-review")
    assert not ReplyVersion.objects.exists()


def submit_from_review(page: Any, language: str, circular: Circular, number: int) -> str:
    """On the review page: read the SHA-256, submit, land on the receipt of `number`."""
    sha = page.locator("main p code.sha").inner_text().strip()
    assert SHA256.match(sha), sha
    expect(page.locator('input[name="sha256"]')).to_have_value(sha)
    page.locator('form:has(input[name="sha256"]) button[type=submit]').click()
    page.wait_for_url(f"**/circulars/{circular.pk}/reply/versions/{number}/")
    check_language(page, language)
    expect(page.locator("ul.messages li.success")).to_have_text(
        in_language(
            language,
            "The official reply of your administration was submitted as version %(n)s and "
            "received by TSB. A receipt has been e-mailed to you.",
            n=number,
        )
    )
    facts = page.locator("article.receipt dl.header-facts dd")
    expect(facts.nth(0)).to_have_text(str(number))
    expect(facts.nth(3)).to_have_text(sha)
    return sha


def signatory_submits_and_revises(
    page: Any,
    language: str,
    shot: Shots,
    circular: Circular,
    signatory: Official,
    secret: str,
) -> None:
    log_in(
        page,
        language,
        signatory.user,
        secret=secret,
        shots=(shot.prefix + "10-signatory-login", shot.prefix + "11-signatory-code"),
    )
    first, second = circular.drafts.order_by("order")
    page.locator(f'.cards a[href="/circulars/{circular.pk}/reply/"]').click()
    page.wait_for_url(f"**/circulars/{circular.pk}/reply/")
    check_language(page, language)
    # The drafter's work is there; the signatory puts their own identity in the From block.
    expect(page.locator("#id_from_name")).to_have_value("Beat Keller")
    expect(
        page.locator(f'input[name="d{second.pk}-decision"][value="authorize_comments"]')
    ).to_be_checked()
    page.fill("#id_from_name", "Anna Muster")
    page.fill("#id_from_title", "Head of international affairs")
    page.fill("#id_from_email", signatory.user.email)
    shot("12-signatory-form")
    page.locator('button[name="action"][value="review"]').click()
    page.wait_for_url(f"**/circulars/{circular.pk}/reply/review/")
    check_language(page, language)
    expect(page.locator("#error-summary")).to_have_count(0)
    expect(page.locator("main")).to_contain_text("Clause 7.2: align the terms with ITU-T Q.5050.")
    shot("13-signatory-review")
    first_sha = submit_from_review(page, language, circular, 1)
    expect(page.locator("article.receipt dl.header-facts dd").nth(2)).to_contain_text(
        signatory.user.email
    )
    shot("14-receipt-v1")
    version = ReplyVersion.objects.get()
    assert (version.number, version.sha256, version.submitted_by) == (1, first_sha, signatory.user)
    assert version.content["header"]["from_name"] == "Anna Muster"
    assert version.content["header"]["from_email"] == signatory.user.email

    # Revise before the deadline: the first draft is now not authorized, with the reasons.
    page.locator(f'article.receipt .actions a[href="/circulars/{circular.pk}/reply/"]').click()
    page.wait_for_url(f"**/circulars/{circular.pk}/reply/")
    check_language(page, language)
    fill_position(
        page,
        first.pk,
        Decision.DO_NOT_AUTHORIZE,
        reasons="The test suite is not yet stable.",
        possible_changes="Add the missing test cases of clause 9.",
    )
    shot("15-revised-form")
    page.locator('button[name="action"][value="review"]').click()
    page.wait_for_url(f"**/circulars/{circular.pk}/reply/review/")
    check_language(page, language)
    second_sha = submit_from_review(page, language, circular, 2)
    assert second_sha != first_sha
    shot("16-receipt-v2")
    reply = Reply.objects.get(circular=circular)
    assert (reply.status, reply.version) == ("submitted", 2)
    assert list(reply.versions.order_by("number").values_list("number", "sha256")) == [
        (1, first_sha),
        (2, second_sha),
    ]
    decisions = dict(reply.positions.values_list("draft__number", "decision"))
    assert decisions == {first.number: "do_not_authorize", second.number: "authorize_comments"}


def tsb_records_fax(
    page: Any,
    language: str,
    shot: Shots,
    circular: Circular,
    germany: MemberState,
    scan: Path,
) -> None:
    page.goto(page.base + "/admin/")
    check_language(page, language)
    page.locator('#content a[href="/admin/consultation/reply/"]').first.click()
    page.wait_for_url("**/admin/consultation/reply/")
    check_language(page, language)
    page.locator('.object-tools a[href="/admin/consultation/reply/record/"]').click()
    page.wait_for_url("**/admin/consultation/reply/record/")
    check_language(page, language)
    page.select_option("#id_circular", value=str(circular.pk))
    page.locator('#content form[method="get"] input[type=submit]').click()
    page.wait_for_url(f"**/admin/consultation/reply/record/?circular={circular.pk}")
    check_language(page, language)

    received = timezone.now().replace(microsecond=0) - datetime.timedelta(seconds=5)
    first, second = circular.drafts.order_by("order")
    page.select_option("#id_member_state", value=str(germany.pk))
    page.select_option("#id_channel", value="fax")
    page.fill("#id_received_at", received.strftime("%Y-%m-%dT%H:%M:%S"))
    page.set_input_files("#id_scan", str(scan))
    page.fill("#id_from_name", "Erika Mustermann")
    page.fill("#id_from_title", "Head of unit, Federal Network Agency")
    page.fill("#id_from_address", "Tulpenfeld 4\n53113 Bonn")
    page.fill("#id_from_fax", "+49 228 14 8872")
    page.fill("#id_place", "Bonn")
    page.fill("#id_signed_on", timezone.now().date().isoformat())
    page.locator(f'input[name="d{first.pk}-decision"][value="authorize"]').check()
    page.locator(f'input[name="d{second.pk}-decision"][value="authorize"]').check()
    shot("17-fax-record")
    page.locator("#content form[method=post] .submit-row input[type=submit]").click()
    page.wait_for_url(re.compile(r"/admin/consultation/reply/\d+/change/$"))
    check_language(page, language)
    expect(page.locator("ul.messagelist li.success")).to_be_visible()
    # The reply's page is wider than a 1280 px window beside the admin's navigation sidebar
    # (its inlines: attachments with SHA-256, versions): TSB folds the sidebar away.
    page.locator("#toggle-nav-sidebar").click()
    expect(page.locator("#main")).not_to_have_class(re.compile(r"\bshifted\b"))
    shot("18-fax-recorded")
    reply = Reply.objects.get(circular=circular, member_state=germany)
    version = reply.versions.get()
    assert (version.channel, version.received_at, version.is_late) == ("fax", received, False)
    assert version.entered_by.email == "secretary@itu.example"
    scan_file = reply.attachments.get()
    assert (scan_file.kind, scan_file.original_name) == ("scan", scan.name)
    assert scan_file.size == scan.stat().st_size


def tsb_closes_and_reads_results(
    page: Any,
    language: str,
    shot: Shots,
    circular: Circular,
    tsb: User,
    secret: str,
) -> None:
    # The session of weeks ago has expired: TSB logs in again, with a new code.
    page.goto(page.base + "/admin/")
    page.wait_for_url(re.compile(r"/(accounts|admin)/login/"))
    log_in(page, language, tsb, secret=secret)
    page.goto(page.base + "/admin/consultation/circular/")
    check_language(page, language)
    page.locator(
        f'#result_list a[href="/admin/consultation/circular/{circular.pk}/change/"]'
    ).click()
    page.wait_for_url(f"**/admin/consultation/circular/{circular.pk}/change/")
    page.locator(
        f'.object-tools a[href="/admin/consultation/circular/{circular.pk}/close/"]'
    ).click()
    page.wait_for_url(f"**/admin/consultation/circular/{circular.pk}/close/")
    check_language(page, language)
    shot("19-close-confirmation")
    page.locator('#content form:has(input[name="post"][value="yes"]) input[type=submit]').click()
    page.wait_for_url(f"**/admin/consultation/circular/{circular.pk}/change/")
    check_language(page, language)
    expect(page.locator("ul.messagelist li.success")).to_be_visible()
    circular.refresh_from_db()
    assert circular.status == Circular.Status.CLOSED

    page.locator(f'.object-tools a[href="/tsb/circulars/{circular.pk}/results/"]').click()
    page.wait_for_url(f"**/tsb/circulars/{circular.pk}/results/")
    check_language(page, language)
    # Frozen at closing, with its SHA-256.
    expect(page.locator("main code.sha")).to_have_text(SHA256)
    first, second = circular.drafts.order_by("order")
    rows = page.locator("table.results tbody tr")
    expect(rows).to_have_count(2)
    # draft, on-time replies, authorize (no comments), authorize (comments), do not authorize
    expect(rows.nth(0).locator("th")).to_have_text(first.number)
    expect(rows.nth(0).locator("td").nth(0)).to_have_text("2")
    expect(rows.nth(0).locator("td").nth(1)).to_have_text("1")  # Germany
    expect(rows.nth(0).locator("td").nth(2)).to_have_text("0")
    expect(rows.nth(0).locator("td").nth(3)).to_have_text("1")  # Switzerland, version 2
    expect(rows.nth(1).locator("th")).to_have_text(second.number)
    expect(rows.nth(1).locator("td").nth(0)).to_have_text("2")
    expect(rows.nth(1).locator("td").nth(1)).to_have_text("1")  # Germany
    expect(rows.nth(1).locator("td").nth(2)).to_have_text("1")  # Switzerland
    expect(rows.nth(1).locator("td").nth(3)).to_have_text("0")
    # 50 % may not proceed, 100 % may (10 x supporting >= 7 x replies).
    expect(rows.nth(0).locator("td").nth(5)).to_have_text(in_language(language, "no"))
    expect(rows.nth(1).locator("td").nth(5)).to_have_text(in_language(language, "yes"))
    shot("20-results")


def tsb_exports_replies(
    page: Any, language: str, shot: Shots, tmp_path: Path, circular: Circular
) -> None:
    page.goto(page.base + "/admin/consultation/reply/")
    check_language(page, language)
    page.locator(
        '.object-tools a.export_link[href^="/admin/consultation/reply/export/"]'
        ':not([href*="/export/large/"])'
    ).click()
    page.wait_for_url("**/admin/consultation/reply/export/**")
    check_language(page, language)
    page.select_option("#id_format", label="xlsx")
    shot("21-export")
    with page.expect_download() as info:
        page.locator("#content form .submit-row input[type=submit]").click()
    download = info.value
    assert download.suggested_filename.endswith(".xlsx"), download.suggested_filename
    path = tmp_path / download.suggested_filename
    download.save_as(path)

    sheet = openpyxl.load_workbook(path, read_only=True).active
    header, *rows = list(sheet.iter_rows(values_only=True))
    assert list(header) == list(exports.REPLY_HEADERS)  # English headers, whatever the language
    column = {name: i for i, name in enumerate(exports.REPLY_HEADERS)}
    switzerland = MemberState.objects.get(alpha3="CHE").name
    germany = MemberState.objects.get(alpha3="DEU").name
    first, second = circular.drafts.order_by("order")
    with translation.override("en"):
        label = {value: str(text) for value, text in Decision.choices}
        channel = {value: str(text) for value, text in Reply.Channel.choices}
    found = {
        (
            row[column["Member State"]],
            row[column["draft"]],
            row[column["decision"]],
            row[column["version"]],
            row[column["channel"]],
            row[column["late"]],
        )
        for row in rows
    }
    assert found == {
        (switzerland, first.number, label["do_not_authorize"], 2, channel["portal"], "no"),
        (switzerland, second.number, label["authorize_comments"], 2, channel["portal"], "no"),
        (germany, first.number, label["authorize"], 1, channel["fax"], "no"),
        (germany, second.number, label["authorize"], 1, channel["fax"], "no"),
    }
    assert len(rows) == 4
    assert {row[column["circular"]] for row in rows} == {"TSB Circular 310 (2025-2028)"}
    signatories = {row[column["Member State"]]: row[column["signatory"]] for row in rows}
    assert signatories == {switzerland: "Anna Muster", germany: "Erika Mustermann"}


# --- the journey ----------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["en", "ar"])
def test_consultation_from_circular_to_export(
    language: str, new_page, member_states, time_machine, tmp_path
) -> None:
    tsb, tsb_secret = tsb_secretary()
    switzerland = MemberState.objects.get(alpha3="CHE")
    germany = MemberState.objects.get(alpha3="DEU")
    drafter = official(
        switzerland, Official.Role.DRAFTER, "beat.keller@bakom.example.ch", "Beat", "Keller"
    )
    signatory = official(
        switzerland, Official.Role.SIGNATORY, "anna.muster@bakom.example.ch", "Anna", "Muster"
    )
    signatory_secret = give_totp(signatory.user)
    # The meeting about four months ahead; replies close three weeks from now (9.3, 9.4.1).
    meeting = factories.MeetingFactory(
        starts_on=timezone.now().date() + datetime.timedelta(days=120)
    )
    deadline = datetime.datetime.combine(
        timezone.now().date() + datetime.timedelta(days=21),
        datetime.time(23, 59),
        tzinfo=datetime.UTC,
    )
    scan = tiny_pdf(tmp_path / "fax-germany.pdf")

    # 1. TSB: login with the code, the circular in the admin, published.
    tsb_page = new_page(language)
    tsb_problems = watch(tsb_page)
    shot = Shots(language).on(tsb_page)
    log_in(
        tsb_page,
        language,
        tsb,
        secret=tsb_secret,
        shots=(shot.prefix + "01-tsb-login", shot.prefix + "02-tsb-code"),
    )
    circular = create_circular(
        tsb_page,
        language,
        shot,
        study_group=meeting.study_group_id,
        meeting=meeting.pk,
        deadline=deadline,
    )
    publish(tsb_page, language, shot, circular)

    # 2. The drafter of Switzerland prepares the reply; only a signatory may submit it.
    drafter_page = new_page(language)
    drafter_problems = watch(drafter_page)
    drafter_prepares(drafter_page, language, shot.on(drafter_page), circular, drafter)

    # 3. The signatory completes, reviews, submits, revises: version 2.
    signatory_page = new_page(language)
    signatory_problems = watch(signatory_page)
    signatory_submits_and_revises(
        signatory_page, language, shot.on(signatory_page), circular, signatory, signatory_secret
    )

    # 4. TSB records Germany's faxed reply with its scan.
    tsb_records_fax(tsb_page, language, shot.on(tsb_page), circular, germany, scan)

    # 5. The deadline passes; TSB closes, reads the results, exports the replies.
    time_machine.move_to(deadline + datetime.timedelta(seconds=1))
    tsb_closes_and_reads_results(tsb_page, language, shot, circular, tsb, tsb_secret)
    tsb_exports_replies(tsb_page, language, shot, tmp_path, circular)

    assert tsb_problems == drafter_problems == signatory_problems == []

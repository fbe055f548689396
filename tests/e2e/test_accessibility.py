"""axe-core scans of the portal's pages in Chromium: no violation of impact "serious" or
"critical" on any page an official, an observer, TSB or the public reaches.

The official's path (home of a signatory and of a drafter, circular open and closed, reply form
empty, with errors and saved with a file, review, receipt, the formal opposition after "more
time") is scanned in English, Arabic (right to left) and Chinese; the login pages, the public
pages (a text's life too), TSB's results page and page of a text, the observer's home and the
404 page in English. The home pages and the reply form are scanned at desktop width and
at 390 px. A failure names the page, language and width, and lists each violation's rule,
impact, help and first targets; violations of lesser impact are printed (pytest -rA shows them).
"""

from __future__ import annotations

import datetime
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from accounts.models import ObserverCategory, Official
from consultation import services
from consultation.attachments import validate_upload
from consultation.models import Attachment, Circular, CircularCopy
from tests import factories
from tests.accounts.helpers import PASSWORD, give_totp
from tests.conftest import sign_in

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.integration]

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
FAILING_IMPACTS = {"serious", "critical"}
TARGETS_SHOWN = 3
OFFICIAL_LANGUAGES = ["en", "ar", "zh-hans"]
# The Accept-Language and locale of the browser for each language of the portal.
BROWSER_LANGUAGE = {"en": "en", "ar": "ar", "zh-hans": "zh-CN"}


@dataclass
class World:
    """The cast of the scans: one Member State's signatory and drafter, an open circular
    (no reply yet) and a closed one (replied, results frozen), an observer on the copy list of
    both, TSB staff."""

    signatory: Official
    drafter: Official
    observer: Any
    tsb: Any
    open: Circular
    closed: Circular


@pytest.fixture
def world(state_a, official_a, open_circular, tsb_staff) -> World:
    drafter = factories.OfficialFactory(
        member_state=state_a, role=Official.Role.DRAFTER, user__email="drafter.a@example.org"
    )
    factories.OfficialFactory(member_state=factories.MemberStateFactory(name="State C"))
    closed = factories.CircularFactory(
        status=Circular.Status.PUBLISHED,
        published_at=open_circular.published_at,
        issued_on=open_circular.issued_on,
        is_demo=True,
    )
    closed_draft = factories.DraftFactory(circular=closed, order=1)
    reply = services.reply_save_draft(
        circular_id=closed.pk,
        official=official_a,
        expected_revision=0,
        header={"from_name": official_a.user.get_full_name(), "from_title": "Director"},
        positions={
            closed_draft.pk: {
                "decision": "do_not_authorize",
                "reasons": "The scope overlaps another Recommendation.",
                "possible_changes": "Align the scope.",
            }
        },
    )
    services.reply_submit(
        circular_id=closed.pk, official=official_a, expected_revision=reply.revision
    )
    services.circular_close(
        circular_id=closed.pk, actor=tsb_staff, now=closed.deadline + datetime.timedelta(seconds=1)
    )
    observer = factories.ObserverFactory(category=ObserverCategory.SECTOR_MEMBER)
    for circular in (open_circular, closed):
        CircularCopy.objects.create(
            circular=circular, category=ObserverCategory.SECTOR_MEMBER, label="Sector Members"
        )
    closed.refresh_from_db()
    return World(official_a, drafter, observer.user, tsb_staff, open_circular, closed)


# --- logging in -------------------------------------------------------------------------------


def log_in(page: Any, user: Any) -> None:
    """Give the browser the session of a full login (password, and TOTP where required)."""
    client = Client()
    sign_in(client, user)
    _give_session(page, client)


def log_in_password_only(page: Any, user: Any) -> None:
    """A session after the password step only: a signatory without an authenticator app."""
    client = Client()
    client.force_login(user)
    session = client.session
    session["account_authentication_methods"] = [
        {"method": "password", "at": time.time(), "email": user.email}
    ]
    session["account_authentication_methods_user"] = str(user.pk)
    session.save()
    _give_session(page, client)


def _give_session(page: Any, client: Client) -> None:
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie.value, "url": page.base}]
    )


def go(page: Any, path: str) -> None:
    response = page.goto(page.base + path)
    assert response is not None and response.ok, f"{path}: {response and response.status}"


# --- the pages --------------------------------------------------------------------------------


def _save_reply(world: World) -> Any:
    draft = world.open.drafts.get()
    upload = SimpleUploadedFile("comments.pdf", PDF, content_type="application/pdf")
    attachment = services.AttachmentUpload(
        file=upload,
        validated=validate_upload(upload),
        kind=Attachment.Kind.COMMENTS,
        draft_id=draft.pk,
    )
    return services.reply_save_draft(
        circular_id=world.open.pk,
        official=world.signatory,
        expected_revision=0,
        header={
            "from_name": world.signatory.user.get_full_name(),
            "from_title": "Director of international affairs",
            "from_address": "Federal Office of Communications\nBern",
            "from_email": world.signatory.user.email,
            "place": "Bern",
        },
        positions={
            draft.pk: {
                "decision": "authorize_comments",
                "comments": "Clause 6.2: say which version of the protocol applies.",
            }
        },
        uploads=[attachment],
    )


def home_signatory(page: Any, world: World) -> None:
    log_in(page, world.signatory.user)
    go(page, "/")


def home_drafter(page: Any, world: World) -> None:
    log_in(page, world.drafter.user)
    go(page, "/")


def circular(page: Any, world: World) -> None:
    log_in(page, world.signatory.user)
    go(page, f"/circulars/{world.open.pk}/")


def circular_closed(page: Any, world: World) -> None:
    log_in(page, world.signatory.user)
    go(page, f"/circulars/{world.closed.pk}/")


def reply_form(page: Any, world: World) -> None:
    log_in(page, world.signatory.user)
    go(page, f"/circulars/{world.open.pk}/reply/")


def reply_form_errors(page: Any, world: World) -> None:
    """'Save and review' with no box ticked: the form comes back with its errors."""
    reply_form(page, world)
    with page.expect_navigation():
        page.click("button[name=action][value=review]")
    assert page.locator("#error-summary").is_visible()


def reply_form_saved(page: Any, world: World) -> None:
    """A draft saved through the form, with comments and a file: the form shows the file."""
    reply_form(page, world)
    draft = world.open.drafts.get()
    page.check(f"input[name=d{draft.pk}-decision][value=authorize_comments]")
    page.fill(f"textarea[name=d{draft.pk}-comments]", "Clause 6.2: which protocol version?")
    page.set_input_files(
        f"input[name=d{draft.pk}-upload]",
        files=[{"name": "comments.pdf", "mimeType": "application/pdf", "buffer": PDF}],
    )
    with page.expect_navigation():
        page.click("button[name=action][value=save]")
    assert page.locator("table.attachments").is_visible()


def review(page: Any, world: World) -> None:
    _save_reply(world)
    log_in(page, world.signatory.user)
    go(page, f"/circulars/{world.open.pk}/reply/review/")
    assert page.locator("form.actions-primary button[type=submit]").is_visible()


def receipt(page: Any, world: World) -> None:
    """Submitted from the review page: the receipt, with the message that TSB received it."""
    review(page, world)
    with page.expect_navigation():
        page.click("form.actions-primary button[type=submit]")
    assert page.url.endswith(f"/circulars/{world.open.pk}/reply/versions/1/"), page.url


def login(page: Any, world: World) -> None:
    go(page, "/accounts/login/")


def password_reset(page: Any, world: World) -> None:
    go(page, "/accounts/password/reset/")


def two_factor_code(page: Any, world: World) -> None:
    """The code step of a real login, after the password of a signatory with an app."""
    give_totp(world.signatory.user)
    go(page, "/accounts/login/")
    page.fill("input[name=login]", world.signatory.user.email)
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    assert page.url.endswith("/accounts/2fa/authenticate/"), page.url


def two_factor_setup(page: Any, world: World) -> None:
    log_in_password_only(page, world.signatory.user)
    go(page, "/")  # sent on to the set-up page
    assert page.url.endswith("/accounts/2fa/totp/activate/"), page.url


def public_list(page: Any, world: World) -> None:
    go(page, "/public/circulars/")


def public_open(page: Any, world: World) -> None:
    go(page, f"/public/circulars/{world.open.pk}/")


def public_closed(page: Any, world: World) -> None:
    go(page, f"/public/circulars/{world.closed.pk}/")


def home_anonymous(page: Any, world: World) -> None:
    go(page, "/")


def tsb_results(page: Any, world: World) -> None:
    log_in(page, world.tsb)
    go(page, f"/tsb/circulars/{world.closed.pk}/results/")


def home_observer(page: Any, world: World) -> None:
    log_in(page, world.observer)
    go(page, "/")


def _more_time(world: World) -> tuple[Circular, Any]:
    """A closed consultation whose meeting ended yesterday, where the signatory's state asked
    for more time on its text: the 4-week window is open."""
    from django.utils import timezone

    from consultation import rules
    from consultation.services import approval

    today = timezone.now().date()
    meeting = factories.MeetingFactory(
        starts_on=today - datetime.timedelta(days=10), ends_on=today - datetime.timedelta(days=1)
    )
    closed = factories.CircularFactory(
        meeting=meeting,
        study_group=meeting.study_group,
        deadline=timezone.now() - datetime.timedelta(days=20),
        issued_on=today - datetime.timedelta(days=120),
        status=Circular.Status.CLOSED,
        published_at=timezone.now() - datetime.timedelta(days=120),
        closed_at=timezone.now() - datetime.timedelta(days=19),
    )
    draft = factories.DraftFactory(circular=closed, order=1)
    approval.outcome_record(
        draft_id=draft.pk,
        decision=rules.MORE_TIME,
        statements=[
            approval.StatementInput(world.signatory.member_state_id, rules.ASKED_MORE_TIME)
        ],
        actor=world.tsb,
    )
    return closed, draft


def opposition(page: Any, world: World) -> None:
    """The formal opposition of a state that asked for more time at the meeting."""
    closed, draft = _more_time(world)
    log_in(page, world.signatory.user)
    go(page, f"/circulars/{closed.pk}/drafts/{draft.pk}/opposition/")
    assert page.locator("main form textarea").is_visible()


def public_text(page: Any, world: World) -> None:
    go(page, f"/public/drafts/{world.closed.drafts.get().pk}/")


def tsb_text(page: Any, world: World) -> None:
    """TSB's page of a text: its life and the form of the meeting's decision."""
    _closed, draft = _more_time(world)
    log_in(page, world.tsb)
    go(page, f"/tsb/drafts/{draft.pk}/")
    assert page.locator("select[name=outcome-decision]").is_visible()


def not_found(page: Any, world: World) -> None:
    response = page.goto(page.base + "/no-such-page/")
    assert response is not None and response.status == 404


OFFICIAL_PATH: dict[str, Callable[[Any, World], None]] = {
    "home-signatory": home_signatory,
    "home-drafter": home_drafter,
    "circular": circular,
    "circular-closed": circular_closed,
    "reply-form": reply_form,
    "reply-form-errors": reply_form_errors,
    "reply-form-saved": reply_form_saved,
    "review": review,
    "receipt": receipt,
    "opposition": opposition,
}
ENGLISH_ONLY: dict[str, Callable[[Any, World], None]] = {
    "login": login,
    "password-reset": password_reset,
    "two-factor-code": two_factor_code,
    "two-factor-setup": two_factor_setup,
    "public-list": public_list,
    "public-open-circular": public_open,
    "public-closed-circular": public_closed,
    "home-anonymous": home_anonymous,
    "tsb-results": tsb_results,
    "home-observer": home_observer,
    "public-text": public_text,
    "tsb-text": tsb_text,
    "404": not_found,
}
PHONE_TOO = {
    "home-signatory",
    "home-drafter",
    "home-anonymous",
    "reply-form",
    "reply-form-errors",
    "reply-form-saved",
    "opposition",
}


def _cases() -> list[Any]:
    cases = []
    for language in OFFICIAL_LANGUAGES:
        for name in OFFICIAL_PATH:
            for viewport in ("desktop", "phone") if name in PHONE_TOO else ("desktop",):
                cases.append(
                    pytest.param(name, language, viewport, id=f"{name}-{language}-{viewport}")
                )
    for name in ENGLISH_ONLY:
        for viewport in ("desktop", "phone") if name in PHONE_TOO else ("desktop",):
            cases.append(pytest.param(name, "en", viewport, id=f"{name}-en-{viewport}"))
    return cases


# --- the scan ---------------------------------------------------------------------------------


def axe_violations(page: Any) -> list[dict[str, Any]]:
    from axe_playwright_python.sync_playwright import Axe

    return Axe().run(page).response["violations"]


def describe(violations: list[dict[str, Any]]) -> str:
    lines = []
    for violation in violations:
        targets = [
            " ".join(map(str, node["target"])) for node in violation["nodes"][:TARGETS_SHOWN]
        ]
        more = len(violation["nodes"]) - len(targets)
        lines.append(
            f"- {violation['id']} ({violation['impact']}): {violation['help']}\n"
            f"    {'; '.join(targets)}{f' (and {more} more)' if more > 0 else ''}"
        )
    return "\n".join(lines)


@pytest.mark.parametrize(("name", "language", "viewport"), _cases())
def test_no_serious_accessibility_violation(
    new_page, world: World, name: str, language: str, viewport: str
) -> None:
    for official in (world.signatory, world.drafter):
        official.user.language = language
        official.user.save(update_fields=["language"])
    page = new_page(language=BROWSER_LANGUAGE[language], viewport=viewport)
    (OFFICIAL_PATH | ENGLISH_ONLY)[name](page, world)

    html_lang = page.evaluate("document.documentElement.lang")
    assert html_lang == language, f"{name}: <html lang={html_lang!r}>, expected {language!r}"
    if language == "ar":
        assert page.evaluate("document.documentElement.dir") == "rtl"

    found = axe_violations(page)
    if found:
        print(f"{name}-{language}-{viewport} ({page.url}):\n{describe(found)}")
    violations = [v for v in found if v["impact"] in FAILING_IMPACTS]
    assert not violations, (
        f"{name} in {language} at {viewport} width ({page.url}): "
        f"{len(violations)} serious or critical axe-core violation(s):\n{describe(violations)}"
    )

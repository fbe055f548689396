"""Keyboard alone completes the Annex 2 reply form, and the focus is always visible.

The signatory's form is loaded (the login may use the mouse); from there on only
page.keyboard: Tab and Shift+Tab to move, typing, Space and the arrow keys for the boxes,
Enter on "Save and review before submitting". At every stop of the focus, the focused
element has an outline (portal.css's :focus-visible).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone

from accounts.models import MemberState, Official
from consultation.models import Circular, Reply
from tests import factories
from tests.accounts.helpers import give_totp
from tests.e2e.test_journey import check_language, log_in, official, watch

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.integration]

FOCUSED = """() => {
  const e = document.activeElement;
  return {
    tag: e.tagName.toLowerCase(), name: e.name || "", id: e.id || "", type: e.type || "",
    value: e.value === undefined ? "" : String(e.value), checked: !!e.checked,
    outline: getComputedStyle(e).outlineStyle, focus: e.matches(":focus"),
  };
}"""


def focused(page: Any) -> dict[str, Any]:
    return page.evaluate(FOCUSED)


def tab_to(
    page: Any, wanted: Callable[[dict[str, Any]], bool], *, backwards: bool = False
) -> dict[str, Any]:
    """Press Tab (Shift+Tab) until the focused element is `wanted`; at each stop the focus
    must be visible (getComputedStyle(document.activeElement).outlineStyle is not "none").
    Bounded: the form has fewer than 60 stops."""
    key = "Shift+Tab" if backwards else "Tab"
    stops = []
    for _ in range(60):
        page.keyboard.press(key)
        element = focused(page)
        stops.append(f"{element['tag']}[name={element['name']}]#{element['id']}")
        # A date field's calendar button is a stop of its own, inside the field's own
        # (Chromium's) shadow tree: the field is then not :focus, and Chromium draws its
        # focus ring around the button. Every other stop carries the portal's outline.
        on_picker = element["type"] == "date" and not element["focus"]
        assert on_picker or element["outline"] != "none", f"no visible focus on {stops[-1]}"
        if element["tag"] != "body" and wanted(element):
            return element
    raise AssertionError(f"never reached with {key}: {stops}")


def named(name: str) -> Callable[[dict[str, Any]], bool]:
    return lambda element: element["name"] == name


def retype(page: Any, text: str) -> None:
    """Replace the focused field's text, as a user does: select all, then type."""
    page.keyboard.press("ControlOrMeta+A")
    page.keyboard.type(text)


def test_keyboard_alone_fills_the_reply_form(new_page, member_states) -> None:
    switzerland = MemberState.objects.get(alpha3="CHE")
    circular = factories.CircularFactory(
        status=Circular.Status.PUBLISHED,
        published_at=timezone.now(),
        issued_on=timezone.now().date(),
    )
    first = factories.DraftFactory(circular=circular, order=1, number="ITU-T Q.9998")
    second = factories.DraftFactory(circular=circular, order=2, number="ITU-T Q.9999")
    signatory = official(
        switzerland, Official.Role.SIGNATORY, "anna.muster@bakom.example.ch", "Anna", "Muster"
    )
    secret = give_totp(signatory.user)

    page = new_page("en")
    problems = watch(page)
    log_in(page, "en", signatory.user, secret=secret)
    page.goto(page.base + f"/circulars/{circular.pk}/reply/")
    check_language(page, "en")
    signed_on = timezone.now().date() + datetime.timedelta(days=1)

    # From here on, the keyboard only. The From block (the profile proposes name, title,
    # address, fax and e-mail; the official corrects them).
    tab_to(page, named("from_name"))
    retype(page, "Anna Muster")
    tab_to(page, named("from_title"))
    retype(page, "Head of international affairs, OFCOM")
    tab_to(page, named("from_address"))
    retype(page, "Zukunftstrasse 44")
    page.keyboard.press("Enter")  # a new line in the address
    page.keyboard.type("CH-2501 Biel")
    tab_to(page, named("from_fax"))
    retype(page, "+41 58 460 55 00")
    tab_to(page, named("place"))
    page.keyboard.type("Biel")
    # Back to the e-mail with Shift+Tab: the official's own address.
    tab_to(page, named("from_email"), backwards=True)
    retype(page, signatory.user.email)
    tab_to(page, named("place"))
    tab_to(page, named("signed_on"))
    # Chromium's date field (en: month, day, year), each part typed in turn.
    page.keyboard.type(signed_on.strftime("%m%d%Y"))

    # The first draft: Tab reaches its group of boxes; Space ticks the first one.
    element = tab_to(page, named(f"d{first.pk}-decision"))
    assert element["value"] == "authorize" and not element["checked"]
    page.keyboard.press("Space")
    assert focused(page)["checked"]
    # The second draft: the arrow key moves to "comments attached" and ticks it; its text
    # box appears, the next stop.
    tab_to(page, named(f"d{second.pk}-decision"))
    page.keyboard.press("ArrowDown")
    element = focused(page)
    assert (element["value"], element["checked"]) == ("authorize_comments", True)
    tab_to(page, named(f"d{second.pk}-comments"))
    page.keyboard.type("Clause 7.2: align the terms with ITU-T Q.5050.")

    # "Save and review before submitting", with Enter.
    element = tab_to(page, lambda e: e["name"] == "action" and e["value"] == "review")
    assert element["tag"] == "button"
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/circulars/{circular.pk}/reply/review/")
    check_language(page, "en")
    assert page.locator("#error-summary").count() == 0
    assert page.locator('form:has(input[name="sha256"]) button[type=submit]').count() == 1

    reply = Reply.objects.get(circular=circular)
    assert (reply.status, reply.version) == ("draft", 0)
    assert (reply.from_name, reply.from_title, reply.from_email) == (
        "Anna Muster",
        "Head of international affairs, OFCOM",
        signatory.user.email,
    )
    assert reply.from_address.splitlines() == ["Zukunftstrasse 44", "CH-2501 Biel"]
    assert (reply.from_fax, reply.place, reply.signed_on) == ("+41 58 460 55 00", "Biel", signed_on)
    positions = {p.draft_id: (p.decision, p.comments) for p in reply.positions.all()}
    assert positions == {
        first.pk: ("authorize", ""),
        second.pk: ("authorize_comments", "Clause 7.2: align the terms with ITU-T Q.5050."),
    }
    assert problems == []

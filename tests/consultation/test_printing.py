"""The printable documents: the Annex 2 reply form and the receipt, as PDF in the reader's
language, through the real views."""

from __future__ import annotations

import datetime
import io
import re
from typing import Any

import pytest
import weasyprint
from django.urls import reverse
from pypdf import PdfReader

from accounts.models import MemberState, ObserverCategory, Official
from consultation import printing
from consultation.models import Circular, CircularCopy, ReplyVersion
from tests import factories

pytestmark = pytest.mark.django_db


def pdf_text(response: Any) -> str:
    reader = PdfReader(io.BytesIO(response.content))
    return "\n".join(page.extract_text() for page in reader.pages)


def pdf_fonts(response: Any) -> set[str]:
    reader = PdfReader(io.BytesIO(response.content))
    names = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            names.add(str(font.get_object()["/BaseFont"]).split("+", 1)[-1])
    return names


def squeezed(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.fixture
def printed_html(monkeypatch) -> list[str]:
    """The HTML each PDF was made from (WeasyPrint still makes the PDF)."""
    seen: list[str] = []
    real = weasyprint.HTML

    def spy(*args: Any, **kwargs: Any) -> Any:
        seen.append(kwargs["string"])
        return real(*args, **kwargs)

    monkeypatch.setattr(printing.weasyprint, "HTML", spy)
    return seen


@pytest.fixture
def circular(open_circular: Circular) -> Circular:
    """The open circular with a second draft, and TSB's reply-to details."""
    factories.DraftFactory(circular=open_circular, order=2, former_name="Q.FW_TWO")
    open_circular.reply_to_fax = "+41 22 730 5853"
    open_circular.reply_to_email = "tsbdir@itu.int"
    open_circular.save()
    return open_circular


def annex2_url(circular: Circular, state: str = "") -> str:
    url = reverse("consultation:annex2-pdf", args=[circular.pk])
    return f"{url}?state={state}" if state else url


def save_reply(client, circular: Circular, decisions: list[str], **header: str) -> None:
    """Save the working copy through the reply form, one decision per draft in order."""
    data = {
        "revision": "0",
        "from_name": "A. Minister",
        "from_title": "Director, ITU affairs",
        "from_address": "Palais fédéral\nBern",
        "from_fax": "+41 58 000 00 00",
        "from_email": "minister@example.org",
        "place": "Bern",
        "signed_on": "2026-11-27",
        "action": "save",
        **header,
    }
    for draft, decision in zip(circular.drafts.order_by("order"), decisions, strict=True):
        data[f"d{draft.pk}-decision"] = decision
        data[f"d{draft.pk}-comments"] = "Our comments" if decision == "authorize_comments" else ""
        for name in ("reasons", "possible_changes"):
            data[f"d{draft.pk}-{name}"] = "Because" if decision == "do_not_authorize" else ""
    response = client.post(reverse("consultation:reply-edit", args=[circular.pk]), data)
    assert response.status_code == 302, response.context and response.context.get("messages")


def submit_reply(client, circular: Circular) -> ReplyVersion:
    review = reverse("consultation:reply-review", args=[circular.pk])
    page = client.get(review)
    revision = page.context["revision_form"].initial["revision"]
    response = client.post(review, {"revision": str(revision), "sha256": page.context["sha256"]})
    version = ReplyVersion.objects.order_by("number").last()
    assert version is not None, "not submitted"
    assert response.status_code == 302
    return version


# --- the Annex 2 form ----------------------------------------------------------------------


def test_annex2_is_prefilled_from_the_saved_reply(
    client, signed_in, circular, official_a, printed_html
) -> None:
    signed_in(client, official_a.user)
    save_reply(client, circular, ["authorize_comments", "do_not_authorize"])
    response = client.get(annex2_url(circular))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        f'attachment; filename="annex2-circular-{circular.number}-QAA.pdf"'
    )
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    text = pdf_text(response)
    assert f"Reply of Member States to TSB Circular {circular.number}" in text
    for draft in circular.drafts.all():
        assert draft.number in text
    assert "(ex Q.FW_TWO)" in text
    for prefilled in ("A. Minister", "Director, ITU affairs", "Palais fédéral", "Bern"):
        assert prefilled in text
    assert "minister@example.org" in text and "+41 58 000 00 00" in text
    assert "tsbdir@itu.int" in text and "+41 22 730 5853" in text
    assert "DirectoroftheTelecommunicationStandardizationBureau" in squeezed(text)
    assert "State A Administration" in text
    assert "Study Group 11" in text
    # The boxes: the first draft authorizes with comments, the second does not authorize.
    [html] = printed_html
    rows = html.split("<tbody>")[1:]
    assert len(rows) == 2
    first, second = rows
    boxes = re.findall(r'<span class="box">(X?)</span>', first)
    options = re.findall(r'<span class="option( ticked)?">', first)
    assert boxes == ["X", ""] and options == ["", " ticked"]
    assert re.findall(r'<span class="box">(X?)</span>', second) == ["", "X"]
    assert 'option ticked"' not in second


def test_annex2_without_a_saved_reply_has_blank_lines_and_empty_boxes(
    client, signed_in, circular, official_a, printed_html
) -> None:
    signed_in(client, official_a.user)
    response = client.get(annex2_url(circular))
    assert response.status_code == 200
    text = pdf_text(response)
    assert "[Name]" in text and "[Official title]" in text and "[Address]" in text
    assert "State A Administration" in text
    [html] = printed_html
    assert '<span class="box">X</span>' not in html and 'option ticked"' not in html
    assert html.count('<span class="box"></span>') == 4  # two boxes for each of two drafts


def test_annex2_is_available_after_the_deadline(
    client, signed_in, circular, official_a, time_machine
) -> None:
    time_machine.move_to(circular.deadline + datetime.timedelta(days=3), tick=False)
    signed_in(client, official_a.user)
    assert client.get(annex2_url(circular)).status_code == 200


def test_tsb_staff_print_a_blank_form_or_a_state_s_form(
    client, signed_in, circular, official_a, tsb_staff
) -> None:
    signed_in(client, official_a.user)
    save_reply(client, circular, ["authorize", "authorize"])
    signed_in(client, tsb_staff)

    blank = client.get(annex2_url(circular))
    assert blank.status_code == 200
    assert blank["Content-Disposition"].endswith(f'"annex2-circular-{circular.number}.pdf"')
    text = pdf_text(blank)
    assert "[Member State] Administration" in text and "A. Minister" not in text

    state_a = client.get(annex2_url(circular, "qaa"))
    assert state_a.status_code == 200
    assert state_a["Content-Disposition"].endswith(f'"annex2-circular-{circular.number}-QAA.pdf"')
    assert "A. Minister" in pdf_text(state_a)


def test_tsb_staff_get_404_for_a_state_outside_the_electorate(
    client, signed_in, circular, tsb_staff
) -> None:
    factories.MemberStateFactory(
        alpha2="QN", alpha3="QNN", joined_on=circular.issued_on + datetime.timedelta(days=1)
    )
    signed_in(client, tsb_staff)
    assert client.get(annex2_url(circular, "QNN")).status_code == 404
    assert client.get(annex2_url(circular, "ZZZ")).status_code == 404


def test_annex2_access(client, signed_in, circular, official_a, official_b) -> None:
    url = annex2_url(circular)
    response = client.get(url)
    assert response.status_code == 302 and "login" in response["Location"]

    signed_in(client, official_b.user)
    assert client.get(annex2_url(circular, "QAA")).status_code == 404  # another state's form
    assert client.get(annex2_url(circular, "QBB")).status_code == 200  # its own
    assert client.post(url).status_code == 405

    hidden = factories.CircularFactory()  # a draft circular: officials never see it
    factories.DraftFactory(circular=hidden, order=1)
    assert client.get(annex2_url(hidden)).status_code == 404

    CircularCopy.objects.create(
        circular=circular, category=ObserverCategory.SECTOR_MEMBER, label="Sector Members"
    )
    observer = factories.ObserverFactory(category=ObserverCategory.SECTOR_MEMBER)
    signed_in(client, observer.user)
    assert client.get(url).status_code == 403


def test_annex2_in_chinese_shows_the_chinese_names(
    client, signed_in, member_states, circular
) -> None:
    che = MemberState.objects.get(alpha3="CHE")
    official = factories.OfficialFactory(member_state=che, user__language="zh-hans")
    circular.subject_zh_hans = "就已确定的ITU-T新建议书草案进行磋商"
    circular.save()
    signed_in(client, official.user)
    response = client.get(annex2_url(circular))
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith(f'"annex2-circular-{circular.number}-CHE.pdf"')
    text = pdf_text(response)
    assert "瑞士" in text
    assert "就已确定的ITU-T新建议书草案进行磋商" in text
    assert "Noto-Sans-CJK-SC" in pdf_fonts(response)


def test_annex2_in_arabic_is_right_to_left(
    client, signed_in, member_states, circular, printed_html
) -> None:
    che = MemberState.objects.get(alpha3="CHE")
    official = factories.OfficialFactory(member_state=che, user__language="ar")
    signed_in(client, official.user)
    response = client.get(annex2_url(circular))
    assert response.status_code == 200
    [html] = printed_html
    assert '<html lang="ar" dir="rtl">' in html
    reader = PdfReader(io.BytesIO(response.content))
    assert reader.trailer["/Root"]["/Lang"] == "ar"
    assert "Noto-Sans-Arabic" in pdf_fonts(response)
    assert re.search("[\u0600-\u06ff]", pdf_text(response))


def test_demo_data_is_labelled_on_the_form(client, signed_in, circular, official_a) -> None:
    circular.is_demo = True
    circular.save()
    signed_in(client, official_a.user)
    text = pdf_text(client.get(annex2_url(circular)))
    assert "DEMONSTRATION DATA" in text


# --- the receipt ---------------------------------------------------------------------------


def receipt_url(circular: Circular, number: int = 1) -> str:
    return reverse("consultation:reply-receipt-pdf", args=[circular.pk, number])


def test_receipt_pdf_says_what_the_receipt_page_says(
    client, signed_in, circular, official_a
) -> None:
    signed_in(client, official_a.user)
    save_reply(
        client,
        circular,
        ["authorize_comments", "do_not_authorize"],
        from_email=official_a.user.email,
    )
    version = submit_reply(client, circular)
    response = client.get(receipt_url(circular))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        f'attachment; filename="receipt-circular-{circular.number}-v1.pdf"'
    )
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    text = pdf_text(response)
    assert version.sha256 in squeezed(text)
    assert f"Receipt: reply of State A to TSB Circular {circular.number}" in text
    assert version.received_at.strftime("%H:%M:%S") in text and "UTC" in text
    assert "Portal" in text
    assert official_a.user.email in text
    for draft in circular.drafts.all():
        assert draft.number in text
    for content in ("A. Minister", "Director, ITU affairs", "Our comments", "Because"):
        assert content in text


def test_receipt_pdf_access(client, signed_in, circular, official_a, official_b, state_a) -> None:
    signed_in(client, official_a.user)
    save_reply(client, circular, ["authorize", "authorize"], from_email=official_a.user.email)
    submit_reply(client, circular)
    url = receipt_url(circular)
    assert client.get(receipt_url(circular, 2)).status_code == 404  # no such version
    assert client.post(url).status_code == 405

    anonymous = client.__class__()
    response = anonymous.get(url)
    assert response.status_code == 302 and "login" in response["Location"]

    signed_in(client, official_b.user)
    assert client.get(url).status_code == 404  # another state's reply

    drafter = factories.OfficialFactory(member_state=state_a, role=Official.Role.DRAFTER)
    signed_in(client, drafter.user)
    assert client.get(url).status_code == 200  # a colleague of the same state

    CircularCopy.objects.create(
        circular=circular, category=ObserverCategory.SECTOR_MEMBER, label="Sector Members"
    )
    observer = factories.ObserverFactory(category=ObserverCategory.SECTOR_MEMBER)
    signed_in(client, observer.user)
    assert client.get(url).status_code == 403


def test_receipt_pdf_in_chinese(client, signed_in, member_states, circular) -> None:
    che = MemberState.objects.get(alpha3="CHE")
    official = factories.OfficialFactory(member_state=che, user__language="zh-hans")
    signed_in(client, official.user)
    save_reply(client, circular, ["authorize", "authorize"], from_email=official.user.email)
    version = submit_reply(client, circular)
    response = client.get(receipt_url(circular))
    assert response.status_code == 200
    text = pdf_text(response)
    assert "瑞士" in text
    assert version.sha256 in squeezed(text)


def test_demo_reply_is_labelled_on_the_receipt(client, signed_in, circular, official_a) -> None:
    signed_in(client, official_a.user)
    save_reply(client, circular, ["authorize", "authorize"], from_email=official_a.user.email)
    submit_reply(client, circular)
    circular.replies.update(is_demo=True)
    text = pdf_text(client.get(receipt_url(circular)))
    assert "DEMONSTRATION DATA" in text

"""TSB types the TD number on the circular's admin page before downloading the TD of comments
(DOCX or PDF); a number that is not a short line of text is refused there, with the reason."""

from __future__ import annotations

from io import BytesIO
from urllib.parse import parse_qs, urlsplit

import pypdf
import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from tests.consultation import test_comments_td
from tests.consultation.test_comments_td import blocks, text_of

pytestmark = pytest.mark.django_db

closed = test_comments_td.closed  # fixture: a closed circular with replies


def form_url(circular) -> str:
    return reverse("admin:consultation_circular_comments_td", args=[circular.pk])


def test_the_circular_page_leads_to_the_form(client, signed_in, tsb_staff, closed) -> None:
    circular = closed["circular"]
    signed_in(client, tsb_staff)
    page = client.get(reverse("admin:consultation_circular_change", args=[circular.pk]))
    assert f'href="{form_url(circular)}"' in page.content.decode()
    form = client.get(form_url(circular))
    assert form.status_code == 200
    html = form.content.decode()
    assert 'name="td"' in html and 'name="question"' in html
    assert 'value="docx"' in html and 'value="pdf"' in html
    assert "errorlist" not in html  # a first visit shows no error


def test_a_valid_td_number_downloads_the_docx_and_the_pdf_with_it(
    client, signed_in, tsb_staff, closed
) -> None:
    circular = closed["circular"]
    signed_in(client, tsb_staff)
    cover = {"td": "  TD 123   (PLEN/11) ", "question": "Q2/11"}
    response = client.get(form_url(circular), {**cover, "format": "docx"})
    assert response.status_code == 302
    location = urlsplit(response["Location"])
    assert location.path == reverse("consultation:comments-td", args=[circular.pk])
    assert parse_qs(location.query) == {"td": ["TD 123 (PLEN/11)"], "question": ["Q2/11"]}
    docx = client.get(response["Location"])
    assert docx.status_code == 200
    text = text_of(blocks(docx.content))
    assert "TD 123 (PLEN/11)" in text and "Q2/11" in text

    response = client.get(form_url(circular), {**cover, "format": "pdf"})
    assert response.status_code == 302
    assert urlsplit(response["Location"]).path == reverse(
        "consultation:comments-td-pdf", args=[circular.pk]
    )
    pdf = client.get(response["Location"])
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    pages = "".join(p.extract_text() for p in pypdf.PdfReader(BytesIO(pdf.content)).pages)
    assert "TD 123 (PLEN/11)" in pages


@pytest.mark.parametrize(
    ("td", "reason"),
    [
        ("", "This field is required."),
        ("TD 12\x07", "Only letters, digits and punctuation are accepted."),
        ("TD 12\n(PLEN/11)", "Only letters, digits and punctuation are accepted."),
        ("TD 12 \u202e(11/NELP)", "Only letters, digits and punctuation are accepted."),
        ("TD <b>12</b>", "Only letters, digits and punctuation are accepted."),
        ("TD abc", "A TD number has a number in it"),
        ("TD " + "1" * 40, "Ensure this value has at most 40 characters"),
    ],
)
def test_a_td_number_that_is_not_short_text_is_refused_on_the_form(
    client, signed_in, tsb_staff, closed, td, reason
) -> None:
    signed_in(client, tsb_staff)
    response = client.get(form_url(closed["circular"]), {"td": td, "format": "docx"})
    assert response.status_code == 200  # the form again, not a download
    assert response["Content-Type"].startswith("text/html")
    errors = response.context["form"].errors["td"]
    assert any(reason in e for e in errors), errors
    assert reason.split(" (")[0] in response.content.decode().replace("&quot;", '"')


def test_the_form_has_the_downloads_access(client, signed_in, tsb_staff, closed, open_circular):
    signed_in(client, tsb_staff)
    response = client.get(form_url(open_circular))
    assert response.status_code == 302  # not closed: back to its page, with the reason
    assert response["Location"] == reverse(
        "admin:consultation_circular_change", args=[open_circular.pk]
    )
    assert client.post(form_url(closed["circular"])).status_code == 405
    tsb_staff.user_permissions.remove(Permission.objects.get(codename="view_reply"))
    response = client.get(form_url(closed["circular"]), {"td": "TD 1", "format": "docx"})
    assert response.status_code == 403

"""The downloads of the TD of comments: DOCX (python-docx) and PDF (WeasyPrint), same access.

TSB staff with the permission to view replies, closed circulars only. The TD number and the
Question(s), which the portal does not store, may be given on the URL: ?td=<text>&question=<text>;
TSB types them in TDNumberForm on the circular's admin page ("Comments TD"), which then
downloads the DOCX or the PDF with them.
"""

from __future__ import annotations

import unicodedata
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.validators import RegexValidator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_safe

from consultation import printing
from consultation.documents.comments_td import comments_td_content, comments_td_filename
from consultation.documents.td_docx import DOCX_CONTENT_TYPE, comments_td_docx
from consultation.models import Circular
from consultation.permissions import is_tsb_staff

COMMENTS_TD_TEMPLATE = "consultation/td/comments_td.html"

# Short text on one line: no control characters, no markup.
_short_text = RegexValidator(
    r"^[^\x00-\x1f\x7f<>]*$", gettext_lazy("Only letters, digits and punctuation are accepted.")
)


class CoverForm(forms.Form):
    """What TSB may add to the cover: the TD number and the Question(s)."""

    td = forms.CharField(max_length=40, required=False, validators=[_short_text])
    question = forms.CharField(max_length=60, required=False, validators=[_short_text])


class TDNumberForm(CoverForm):
    """TSB's form before the download (the circular's admin page, "Comments TD"): the TD
    number is required there, a short line such as "TD 123 (PLEN/11)" with a number in it;
    no control or invisible formatting characters (a right-to-left override, say) in it or
    in the Question(s)."""

    td = forms.CharField(
        label=gettext_lazy("TD number"),
        max_length=40,
        validators=[_short_text],
        help_text=gettext_lazy('As the meeting numbers it, e.g. "TD 123 (PLEN/11)".'),
    )
    question = forms.CharField(
        label=gettext_lazy("Question(s)"),
        max_length=60,
        required=False,
        validators=[_short_text],
        help_text=gettext_lazy('Optional, e.g. "Q2/11".'),
    )

    def _visible(self, name: str) -> str:
        value = " ".join(str(self.cleaned_data.get(name) or "").split())
        if any(unicodedata.category(ch) in ("Cc", "Cf") for ch in value):
            raise forms.ValidationError(
                _("Only letters, digits and punctuation are accepted."), code="control"
            )
        return value

    def clean_td(self) -> str:
        value = self._visible("td")
        if not any(ch.isdigit() for ch in value):
            raise forms.ValidationError(
                _('A TD number has a number in it, e.g. "TD 123 (PLEN/11)".'), code="number"
            )
        return value

    def clean_question(self) -> str:
        return self._visible("question")


def _plain(message: str, status: int) -> HttpResponse:
    return HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")


def _td_for_request(
    request: HttpRequest, pk: int
) -> tuple[Circular, dict[str, str]] | HttpResponse:
    """The closed circular and the cover's entries, or the response that refuses.

    403 without the permission to view replies (checked first: nobody else learns whether
    the circular exists), 404 for an unknown circular, 409 while it is not closed, 400 for a
    TD number or Question that is not short text.
    """
    user: Any = request.user
    if not (is_tsb_staff(user) and user.has_perm("consultation.view_reply")):
        raise PermissionDenied
    circular = get_object_or_404(Circular.objects.select_related("study_group", "meeting"), pk=pk)
    if circular.status != Circular.Status.CLOSED:
        message = _(
            "%(circular)s is %(status)s. The TD of comments can be produced only once the "
            "consultation is closed, after its deadline: replies may still arrive until then."
        ) % {"circular": circular, "status": circular.get_status_display().lower()}
        return _plain(message, 409)
    form = CoverForm(request.GET)
    if not form.is_valid():
        errors = "; ".join(f"{name}: {' '.join(e)}" for name, e in form.errors.items())
        return _plain(
            _("The TD number or the Question is not accepted (%(errors)s).") % {"errors": errors},
            400,
        )
    return circular, {
        "td_number": form.cleaned_data["td"].strip(),
        "question": form.cleaned_data["question"].strip(),
    }


def _audit(request: HttpRequest, circular: Any, kind: str) -> None:
    from accounts.audit import audit_record

    audit_record(
        "exported",
        request=request,
        target=f"comments TD of {circular} ({circular.study_period})",
        detail={"format": kind},
    )


@login_required
@require_safe
def comments_td_download(request: HttpRequest, pk: int) -> HttpResponse:
    """TSB staff download the TD of comments of a closed circular, as DOCX."""
    found = _td_for_request(request, pk)
    if isinstance(found, HttpResponse):
        return found
    circular, cover = found
    td = comments_td_content(circular=circular, **cover)
    _audit(request, circular, "docx")
    response = HttpResponse(comments_td_docx(td), content_type=DOCX_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(
        True, comments_td_filename(circular)
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_safe
def comments_td_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The same TD as PDF (WeasyPrint), with the same access as comments_td_download."""
    found = _td_for_request(request, pk)
    if isinstance(found, HttpResponse):
        return found
    circular, cover = found
    td = comments_td_content(circular=circular, **cover)
    _audit(request, circular, "pdf")
    pdf = printing.render_pdf(
        COMMENTS_TD_TEMPLATE, {"td": td, "is_demo": td.is_demo}, request=request
    )
    return printing.pdf_response(pdf, filename=comments_td_filename(circular, "pdf"))

"""Printable documents, as PDF in the reader's language (WeasyPrint).

- The Annex 2 reply form, laid out as the circular's Annex 2, for an administration that signs
  on paper: prefilled from its saved reply (the working copy) if there is one, else with blank
  lines and empty boxes. Officials get their own Member State's form (the same access as the
  reply form page, consultation:reply-edit, but at any time: it only prints). TSB staff who may
  view circulars choose the state with ?state=<alpha3>, or get a blank form without it; the
  saved reply prefills it only if they may also view replies.
- The receipt of one submitted version: the same access and the same facts as the receipt page
  (consultation:reply-receipt): version, time received in UTC, channel, signatory, SHA-256 and
  the whole content as submitted.

The HTML carries its own print stylesheet (A4, Noto fonts for Latin, Arabic and Chinese) and
fetches nothing: WeasyPrint may read only data: URLs, never the network or the file system.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import weasyprint
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_safe

from accounts.models import MemberState
from consultation import rules
from consultation.models import (
    Circular,
    DraftRecommendation,
    Reply,
    ReplyPosition,
    ReplyVersion,
)
from consultation.permissions import get_circular_for_reply, get_circular_for_user, is_tsb_staff

PDF_CONTENT_TYPE = "application/pdf"
ANNEX2_TEMPLATE = "consultation/print/annex2.html"
RECEIPT_TEMPLATE = "consultation/print/receipt.html"


def _refuse_fetch(url: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
    """WeasyPrint's URL fetcher: data: URLs only. The documents need nothing else, and
    nothing a reply contains may make the server read a file or a URL."""
    if url.startswith("data:"):
        return dict(weasyprint.default_url_fetcher(url, *args, **kwargs))
    raise ValueError(f"not fetched while printing: {url[:80]}")


def render_pdf(template: str, context: dict[str, Any], *, request: HttpRequest) -> bytes:
    """The template rendered in the active language, as PDF bytes."""
    html = render_to_string(template, context, request=request)
    document = weasyprint.HTML(
        string=html, base_url=request.build_absolute_uri("/"), url_fetcher=_refuse_fetch
    )
    pdf = document.write_pdf()
    if pdf is None:  # only with a target; none is given
        raise RuntimeError("WeasyPrint wrote no PDF")
    return bytes(pdf)


def pdf_response(pdf: bytes, *, filename: str) -> HttpResponse:
    response = HttpResponse(pdf, content_type=PDF_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- the Annex 2 form ----------------------------------------------------------------------


@dataclass(frozen=True)
class Annex2Row:
    """One draft of the form's table, with the box ticked in the saved reply ("" if none)."""

    draft: DraftRecommendation
    decision: str

    @property
    def authorizes(self) -> bool:
        return self.decision in ReplyPosition.SUPPORTING

    @property
    def no_comments(self) -> bool:
        return self.decision == ReplyPosition.Decision.AUTHORIZE_NO_COMMENTS

    @property
    def with_comments(self) -> bool:
        return self.decision == ReplyPosition.Decision.AUTHORIZE_WITH_COMMENTS

    @property
    def does_not_authorize(self) -> bool:
        return self.decision == ReplyPosition.Decision.DO_NOT_AUTHORIZE


def _member_of_electorate(circular: Circular, alpha3: str) -> MemberState:
    """The Member State of that code, if it belongs to the circular's electorate; else 404."""
    state = MemberState.objects.filter(alpha3=alpha3.strip().upper()).first()
    day = rules.electorate_date(issued_on=circular.issued_on, deadline=circular.deadline)
    if state is None or day is None or not state.is_member_on(day):
        raise Http404
    return state


def _saved_reply(circular: Circular, state: MemberState) -> Reply | None:
    return (
        Reply.objects.filter(circular=circular, member_state=state)
        .prefetch_related("positions")
        .first()
    )


def annex2_for_user(
    user: Any, pk: int, *, state_code: str = ""
) -> tuple[Circular, MemberState | None, Reply | None]:
    """The circular, the Member State the form is for (None: a blank form) and its saved reply.

    TSB staff with the view permission: any circular; the state of `state_code` if it is in
    the circular's electorate (else 404); the reply only with the permission to view replies.
    Everyone else: as the reply form page (get_circular_for_reply: 404 when the circular is
    not theirs to see, 403 for readers who may not reply); an official asking for another
    state's form gets 404.
    """
    if is_tsb_staff(user) and user.has_perm("consultation.view_circular"):
        circular = get_circular_for_user(user, pk)
        if not state_code:
            return circular, None, None
        state = _member_of_electorate(circular, state_code)
        may_read = user.has_perm("consultation.view_reply")
        return circular, state, _saved_reply(circular, state) if may_read else None
    circular, official = get_circular_for_reply(user, pk)
    state = official.member_state
    if state_code and state_code.strip().upper() != state.alpha3:
        raise Http404
    return circular, state, _saved_reply(circular, state)


def annex2_context(
    *, circular: Circular, member_state: MemberState | None, reply: Reply | None
) -> dict[str, Any]:
    decisions = {p.draft_id: p.decision for p in reply.positions.all()} if reply else {}
    return {
        "circular": circular,
        "member_state": member_state,
        "reply": reply,
        "rows": [
            Annex2Row(draft=d, decision=decisions.get(d.pk, "")) for d in circular.drafts.all()
        ],
        "is_demo": circular.is_demo or bool(reply and reply.is_demo),
    }


def annex2_filename(circular: Circular, member_state: MemberState | None) -> str:
    """e.g. "annex2-circular-205-CHE.pdf", or "annex2-circular-205.pdf" for a blank form."""
    suffix = f"-{member_state.alpha3}" if member_state else ""
    return f"annex2-circular-{circular.number}{suffix}.pdf"


@login_required
@require_safe
def annex2_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The Annex 2 reply form of the circular, as PDF, to sign on paper."""
    circular, state, reply = annex2_for_user(
        request.user, pk, state_code=request.GET.get("state", "")
    )
    context = annex2_context(circular=circular, member_state=state, reply=reply)
    pdf = render_pdf(ANNEX2_TEMPLATE, context, request=request)
    return pdf_response(pdf, filename=annex2_filename(circular, state))


# --- the receipt ---------------------------------------------------------------------------


def receipt_for_user(user: Any, pk: int, number: int) -> tuple[Circular, Reply, ReplyVersion]:
    """The circular, reply and version of the receipt page (views.reply_receipt): the
    official's own state's reply only; 404 for anything else, 403 for readers."""
    circular, official = get_circular_for_reply(user, pk)
    reply = get_object_or_404(
        Reply.objects.select_related("member_state"),
        circular=circular,
        member_state=official.member_state,
    )
    version = get_object_or_404(
        reply.versions.select_related("submitted_by", "entered_by"), number=number
    )
    return circular, reply, version


def receipt_filename(circular: Circular, version: ReplyVersion) -> str:
    """e.g. "receipt-circular-205-v1.pdf"."""
    return f"receipt-circular-{circular.number}-v{version.number}.pdf"


@login_required
@require_safe
def reply_receipt_pdf(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    """The receipt of one submitted version of the official's reply, as PDF."""
    circular, reply, version = receipt_for_user(request.user, pk, number)
    context = {
        "circular": circular,
        "reply": reply,
        "version": version,
        "content": version.content,
        "is_demo": circular.is_demo or reply.is_demo,
    }
    pdf = render_pdf(RECEIPT_TEMPLATE, context, request=request)
    return pdf_response(pdf, filename=receipt_filename(circular, version))

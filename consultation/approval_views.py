"""Stage two's pages (Resolution 1, 9.5, 9.6): the formal opposition of a Member State that
asked for more time, its receipt, and TSB's page of a draft's whole life, where TSB records
the meeting's decision and generates the approval notice.

Views are thin: a permission check, a form, a service call (services/approval.py).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from consultation import rules, selectors
from consultation.forms import NoticeForm, OppositionForm, OutcomeForm, StatementFormSet
from consultation.models import Circular, DraftRecommendation, Opposition
from consultation.permissions import can_submit, get_circular_for_reply, is_tsb_staff
from consultation.services import approval
from consultation.views import client_ip

# --- the official's formal opposition -------------------------------------------------------------


def _draft_for_official(request: HttpRequest, pk: int, draft_pk: int) -> tuple[Any, Any, Any, Any]:
    """The circular, draft and official; 404 unless the official's Member State asked for
    more time on the draft at the latest meeting decision."""
    circular, official = get_circular_for_reply(request.user, pk)
    draft = get_object_or_404(DraftRecommendation, pk=draft_pk, circular=circular)
    outcome = approval.more_time_outcome_for(draft, official.member_state)
    if outcome is None:
        raise Http404
    return circular, draft, official, outcome


@login_required
@require_http_methods(["GET", "POST"])
def opposition(request: HttpRequest, pk: int, draft_pk: int) -> HttpResponse:
    circular, draft, official, outcome = _draft_for_official(request, pk, draft_pk)
    now = timezone.now()
    ends_at = rules.more_time_window_end(outcome.meeting_last_day)
    sent = Opposition.objects.filter(outcome=outcome, member_state=official.member_state).first()
    if sent is not None:
        return redirect("consultation:opposition-receipt", pk=circular.pk, draft_pk=draft.pk)
    is_open = rules.is_on_time(now, ends_at)
    form = OppositionForm(request.POST or None)
    if request.method == "POST":
        if not can_submit(official):
            raise PermissionDenied
        if form.is_valid():
            try:
                approval.opposition_submit(
                    draft_id=draft.pk,
                    official=official,
                    text=form.cleaned_data["text"],
                    ip_address=client_ip(request),
                )
            except approval.ApprovalRefused as exc:
                for message in exc.messages:
                    form.add_error(None, message)
            else:
                messages.success(
                    request,
                    _(
                        "The formal opposition of your administration was received by TSB. "
                        "A receipt has been e-mailed to you."
                    ),
                )
                return redirect(
                    "consultation:opposition-receipt", pk=circular.pk, draft_pk=draft.pk
                )
    return render(
        request,
        "consultation/opposition_form.html",
        {
            "circular": circular,
            "draft": draft,
            "official": official,
            "outcome": outcome,
            "ends_at": ends_at,
            "now": now,
            "is_open": is_open,
            "can_submit": can_submit(official),
            "form": form,
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
def opposition_receipt(request: HttpRequest, pk: int, draft_pk: int) -> HttpResponse:
    circular, draft, official, outcome = _draft_for_official(request, pk, draft_pk)
    sent = get_object_or_404(
        Opposition.objects.select_related("submitted_by"),
        outcome=outcome,
        member_state=official.member_state,
    )
    return render(
        request,
        "consultation/opposition_receipt.html",
        {"circular": circular, "draft": draft, "official": official, "opposition": sent},
    )


# --- TSB: the draft's life, the meeting's decision, the approval notice ---------------------------


def _require_tsb(request: HttpRequest, perm: str = "consultation.view_circular") -> None:
    if not (is_tsb_staff(request.user) and request.user.has_perm(perm)):
        raise PermissionDenied


@login_required
@require_http_methods(["GET", "POST"])
def draft_life(request: HttpRequest, pk: int) -> HttpResponse:
    """TSB's page of a draft: every consultation it went through, its result, every record
    of the meeting's decision (who, when, from where), the oppositions, the notices; and the
    forms to record a decision and to generate the approval notice."""
    _require_tsb(request)
    draft = get_object_or_404(
        DraftRecommendation.objects.select_related("circular__meeting"), pk=pk
    )
    circular = draft.circular
    now = timezone.now()
    can_record = request.user.has_perm("consultation.add_draftoutcome")
    electorate = selectors.circular_electorate(circular=circular).order_by("name")
    outcome_form = OutcomeForm(request.POST or None, prefix="outcome")
    statements = StatementFormSet(
        request.POST or None, prefix="statements", form_kwargs={"states": electorate}
    )
    status = 200
    if request.method == "POST":
        if not can_record:
            raise PermissionDenied
        if outcome_form.is_valid() and statements.is_valid():
            rows = [
                approval.StatementInput(
                    member_state_id=f.cleaned_data["member_state"].pk,
                    kind=f.cleaned_data["kind"],
                    text=f.cleaned_data.get("text", ""),
                )
                for f in statements
                if f.cleaned_data.get("member_state")
            ]
            try:
                approval.outcome_record(
                    draft_id=draft.pk,
                    decision=outcome_form.cleaned_data["decision"],
                    statements=rows,
                    note=outcome_form.cleaned_data["note"],
                    actor=request.user,
                    ip_address=client_ip(request),
                )
            except approval.ApprovalRefused as exc:
                for message in exc.messages:
                    outcome_form.add_error(None, message)
            else:
                messages.success(request, _("The meeting's decision was recorded."))
                return redirect("consultation:draft-life", pk=draft.pk)
        status = 400
    stage = selectors.draft_stages(drafts=[draft], now=now)[draft.pk]
    return render(
        request,
        "consultation/draft_life.html",
        {
            "draft": draft,
            "circular": circular,
            "chapters": selectors.draft_life(draft=draft, now=now, public=False),
            "stage": stage,
            "notice_due": rules.notice_due_date(circular.meeting.ends_on),
            "can_record": can_record and circular.status == Circular.Status.CLOSED,
            "outcome_form": outcome_form,
            "statements": statements,
            "notice_form": NoticeForm(
                initial={"study_period": circular.study_period}, prefix="notice"
            ),
            "can_generate": request.user.has_perm("consultation.add_circular"),
            "now": now,
        },
        status=status,
    )


@login_required
@require_POST
def notice_generate(request: HttpRequest, pk: int) -> HttpResponse:
    """Generate the approval notice of the draft's meeting; then TSB reviews and publishes it
    in the admin."""
    _require_tsb(request, "consultation.add_circular")
    draft = get_object_or_404(DraftRecommendation.objects.select_related("circular"), pk=pk)
    form = NoticeForm(request.POST, prefix="notice")
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect("consultation:draft-life", pk=draft.pk)
    try:
        notice = approval.approval_notice_create(
            meeting_id=draft.circular.meeting_id,
            number=form.cleaned_data["number"],
            study_period=form.cleaned_data["study_period"],
            actor=request.user,
            ip_address=client_ip(request),
        )
    except approval.ApprovalRefused as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect("consultation:draft-life", pk=draft.pk)
    messages.success(
        request,
        _("%(circular)s was generated as a draft: review it, then publish it.")
        % {"circular": notice},
    )
    return redirect(reverse("admin:consultation_circular_change", args=[notice.pk]))

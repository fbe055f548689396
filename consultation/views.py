"""The official's pages: home, circular, the Annex 2 reply form, review, receipt, files.

Views are thin: a permission getter, a form, a service call.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.models import Region
from accounts.selectors import (
    collation_key,
    member_state_names,
    observer_for_user,
    official_for_user,
)
from consultation import rules, selectors, services
from consultation.attachments import validate_upload
from consultation.forms import PositionForm, ReplyHeaderForm, RevisionForm
from consultation.models import Attachment, Circular, Reply
from consultation.permissions import (
    can_submit,
    get_circular_for_reply,
    get_circular_for_user,
    is_tsb_staff,
)

#: The official's list of closed consultations is history: its HTML is cached per language
#: under selectors.closed_history_stamp (which changes with any closing or correction), for
#: HOME_HISTORY_SECONDS at most; HOME_HISTORY_VERSION changes when its template does.
HOME_HISTORY_VERSION = 1
HOME_HISTORY_SECONDS = 3600
#: TSB's page of frozen results, cached likewise (views.circular_results).
RESULTS_PAGE_VERSION = 1
RESULTS_PAGE_SECONDS = 300


def client_ip(request: HttpRequest) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


def home(request: HttpRequest) -> HttpResponse:
    context: dict[str, Any] = {"now": timezone.now()}
    official = official_for_user(request.user)
    if official is not None:
        history_key = (
            f"home-closed:{HOME_HISTORY_VERSION}:{translation.get_language()}:"
            f"{selectors.closed_history_stamp(official=official)}"
        )
        history = cache.get(history_key)
        published, closed, closed_total = selectors.circular_list_for_official(
            official=official, with_closed=history is None
        )
        if history is None:
            history = render_to_string(
                "consultation/includes/home_closed.html",
                {
                    "closed_circulars": closed,  # the latest ones, each with its frozen_results
                    "closed_total": closed_total,
                },
                request=request,
            )
            cache.set(history_key, history, HOME_HISTORY_SECONDS)
        context.update(
            official=official,
            open_circulars=published,
            closed_history=mark_safe(history),  # noqa: S308 (our template's output)
            more_time=selectors.more_time_for_official(official=official, now=context["now"]),
            notices=selectors.notices_for_official(official=official),
        )
    else:
        observer = observer_for_user(request.user)
        if observer is not None:
            copied = selectors.circular_list_for_observer(observer=observer)
            results = selectors.circular_results_frozen(
                circulars=[c for c in copied if c.status == Circular.Status.CLOSED]
            )
            for circular in copied:
                circular.frozen_results = results.get(circular.pk)  # type: ignore[attr-defined]
            context.update(observer=observer, copied_circulars=copied)
        elif not request.user.is_authenticated:
            public = selectors.public_circulars(limit=20)
            context.update(
                public_circulars=public,
                public_results=selectors.public_results(circulars=public),
            )
    context["deactivated"] = (
        request.user.is_authenticated
        and official is None
        and hasattr(request.user, "official")
        and not is_tsb_staff(request.user)
    )
    return render(request, "consultation/home.html", context)


@login_required
def circular_detail(request: HttpRequest, pk: int) -> HttpResponse:
    circular = get_circular_for_user(request.user, pk)
    if circular.is_notice:
        return render(
            request,
            "consultation/notice_detail.html",
            {
                "circular": circular,
                "copies": circular.copies.all(),
                "announced": circular.announced.select_related("draft"),
            },
        )
    official = official_for_user(request.user)
    reply = None
    if official is not None:
        reply = Reply.objects.filter(circular=circular, member_state=official.member_state).first()
    return render(
        request,
        "consultation/circular_detail.html",
        {
            "circular": circular,
            "drafts": circular.drafts.all(),
            "copies": circular.copies.all(),
            "official": official,
            "reply": reply,
            "now": timezone.now(),
            "results": selectors.circular_results_frozen(circulars=[circular]).get(circular.pk)
            if circular.status == Circular.Status.CLOSED
            else None,
            "has_demo_replies": circular.is_demo
            or (
                circular.status == Circular.Status.CLOSED
                and circular.replies.filter(is_demo=True).exists()
            ),
        },
    )


def _position_forms(
    request: HttpRequest, circular: Circular, reply: Reply | None
) -> list[PositionForm]:
    attachments: dict[int, list[Attachment]] = {}
    if reply:
        for attachment in reply.attachments.all():
            if attachment.position_id is not None:
                attachments.setdefault(attachment.position_id, []).append(attachment)
    forms = []
    for draft, position in selectors.drafts_with_positions(circular=circular, reply=reply):
        initial = (
            {
                "decision": position.decision,
                "comments": position.comments,
                "reasons": position.reasons,
                "possible_changes": position.possible_changes,
            }
            if position
            else {}
        )
        forms.append(
            PositionForm(
                request.POST if request.method == "POST" else None,
                request.FILES if request.method == "POST" else None,
                prefix=f"d{draft.pk}",
                initial=initial,
                draft=draft,
                attachments=attachments.get(position.pk, []) if position else [],
            )
        )
    return forms


def _header_initial(official: Any) -> dict[str, Any]:
    """The From block of a new reply: the administration's address and fax; the name, title
    and e-mail only for a signatory, whose identity the official reply carries (a drafter's
    would otherwise go out unless the signatory noticed)."""
    initial = {"from_address": official.postal_address, "from_fax": official.fax}
    if official.is_signatory:
        user = official.user
        initial |= {
            "from_name": user.get_full_name(),
            "from_title": official.official_title,
            "from_email": user.email,
        }
    return initial


def _check_for_review(
    official: Any, reply: Reply | None, header: ReplyHeaderForm, positions: list[PositionForm]
) -> bool:
    """ "Save and review": the input must meet the Annex 2 rules before it replaces the saved
    reply (rules.position_problems); otherwise the errors show on the form and nothing is
    saved."""
    for name in services.REQUIRED_HEADER_FIELDS:
        if not str(header.cleaned_data.get(name) or "").strip():
            header.add_error(name, services.header_message(name))
    scan = bool(reply) and any(
        a.position_id is None and a.removed_at is None for a in reply.attachments.all()
    )
    for form in positions:
        data = form.cleaned_data
        removed = set(data.get("remove") or [])
        kept = [a for a in form.attachments if str(a.pk) not in removed and a.removed_at is None]
        problems = rules.position_problems(
            decision=data.get("decision") or "",
            comments=data.get("comments") or "",
            reasons=data.get("reasons") or "",
            possible_changes=data.get("possible_changes") or "",
            has_file=scan or bool(kept) or bool(data.get("upload")),
        )
        for name, message in services.position_messages(form.draft, problems).items():
            form.add_error(name, message)
    return header.is_valid() and all(f.is_valid() for f in positions)


def _error_summary(header: ReplyHeaderForm, positions: list[PositionForm]) -> list[tuple[str, str]]:
    """(anchor, message) for every error of the form, in the order of the page."""
    summary = [
        (f"id_{name}" if name != "__all__" else "reply-form", str(message))
        for name, errors in header.errors.items()
        for message in errors
    ]
    for form in positions:
        for name, errors in form.errors.items():
            anchor = (
                f"draft-{form.draft.pk}"
                if name in ("decision", "__all__")
                else (f"id_{form.prefix}-{name}")
            )
            summary += [(anchor, str(message)) for message in errors]
    return summary


@login_required
@require_http_methods(["GET", "POST"])
def reply_edit(request: HttpRequest, pk: int) -> HttpResponse:
    # The positions come with the drafts (_position_forms): one query for both.
    circular, official, reply = selectors.reply_page(user=request.user, pk=pk, positions=False)
    is_open = circular.is_open_for_replies
    revision = reply.revision if reply else 0
    if request.method == "POST":
        header_form = ReplyHeaderForm(request.POST, instance=None)
        revision_form = RevisionForm(request.POST)
    else:
        header_form = ReplyHeaderForm(
            instance=reply, initial=None if reply else _header_initial(official)
        )
        revision_form = RevisionForm(initial={"revision": revision})
    position_forms = _position_forms(request, circular, reply)

    if request.method == "POST":
        if not is_open:
            messages.error(request, _("The deadline has passed: the form is closed."))
            return redirect("consultation:circular-detail", pk=circular.pk)
        valid = header_form.is_valid() & revision_form.is_valid()
        checks = [f.is_valid() for f in position_forms]  # every form, to show every error
        valid = all(checks) and valid
        if valid and request.POST.get("action") == "review":
            valid = _check_for_review(official, reply, header_form, position_forms)
        uploads: list[services.AttachmentUpload] = []
        if valid:
            for form in position_forms:
                uploaded = form.cleaned_data.get("upload")
                if not uploaded:
                    continue
                try:
                    checked = validate_upload(uploaded)
                except ValidationError as exc:
                    form.add_error("upload", exc)
                    valid = False
                    continue
                kind = (
                    Attachment.Kind.REASONS
                    if form.cleaned_data["decision"] == "do_not_authorize"
                    else Attachment.Kind.COMMENTS
                )
                uploads.append(
                    services.AttachmentUpload(
                        file=uploaded, validated=checked, kind=kind, draft_id=form.draft.pk
                    )
                )
        if valid:
            try:
                services.reply_save_draft(
                    circular_id=circular.pk,
                    official=official,
                    expected_revision=revision_form.cleaned_data["revision"],
                    header={
                        name: header_form.cleaned_data[name] for name in ReplyHeaderForm.Meta.fields
                    },
                    positions={
                        f.draft.pk: {
                            n: f.cleaned_data[n]
                            for n in ("decision", "comments", "reasons", "possible_changes")
                        }
                        for f in position_forms
                    },
                    uploads=uploads,
                    remove_attachment_ids=[
                        int(v) for f in position_forms for v in f.cleaned_data["remove"]
                    ],
                    ip_address=client_ip(request),
                )
            except services.ReplyConflictError as exc:
                messages.error(request, exc.message)
                # Keep their input; the next save, made knowingly, replaces the current reply.
                revision_form = RevisionForm(initial={"revision": exc.current_revision})
            except services.ReplyRefused as exc:
                messages.error(request, exc.message)
            else:
                if request.POST.get("action") == "review":
                    return redirect("consultation:reply-review", pk=circular.pk)
                messages.success(
                    request, _("Your draft reply is saved. It has not been submitted.")
                )
                return redirect("consultation:reply-edit", pk=circular.pk)
        else:
            messages.error(
                request,
                _(
                    "Nothing was saved: correct the fields marked below. "
                    "Files must be chosen again."
                ),
            )
    return render(
        request,
        "consultation/reply_form.html",
        {
            "circular": circular,
            "official": official,
            "reply": reply,
            "header_form": header_form,
            "revision_form": revision_form,
            "position_forms": position_forms,
            "is_open": is_open,
            # Every submitted or recorded version sets reply.version: none yet, no query.
            "versions": selectors.reply_versions(reply=reply) if reply and reply.version else [],
            "reply_attachments": [a for a in reply.attachments.all() if a.position_id is None]
            if reply
            else [],
            "now": timezone.now(),
            "error_summary": _error_summary(header_form, position_forms)
            if request.method == "POST"
            else [],
        },
    )


def _review_errors(circular: Circular, errors: dict[str, list[str]]) -> list[tuple[str, str]]:
    """(link into the form, message) for each error found on the review page."""
    edit = reverse("consultation:reply-edit", args=[circular.pk])
    links = []
    for key, messages_ in errors.items():
        parts = key.split(".")
        if parts[0] == "header":
            anchor = f"id_{parts[1]}"
        elif len(parts) == 3 and parts[2] != "decision":
            anchor = f"id_d{parts[1]}-{parts[2]}"
        else:
            anchor = f"draft-{parts[1]}"
        links += [(f"{edit}#{anchor}", message) for message in messages_]
    return links


@login_required
@require_http_methods(["GET", "POST"])
def reply_review(request: HttpRequest, pk: int) -> HttpResponse:
    if request.method == "POST":
        circular, official = get_circular_for_reply(request.user, pk, texts=False)
        # reply_submit reads (and locks) the reply itself: nothing to read before it.
        revision_form = RevisionForm(request.POST)
        if not revision_form.is_valid():
            messages.error(request, _("The confirmation was incomplete: review the reply again."))
            return redirect("consultation:reply-review", pk=circular.pk)
        try:
            version = services.reply_submit(
                circular_id=circular.pk,
                official=official,
                expected_revision=revision_form.cleaned_data["revision"],
                expected_sha256=request.POST.get("sha256", ""),
                ip_address=client_ip(request),
            )
        except services.ReplyRefused as exc:
            messages.error(request, exc.message)
            return redirect("consultation:reply-review", pk=circular.pk)
        messages.success(
            request,
            _(
                "The official reply of your administration was submitted as version %(n)s and "
                "received by TSB. A receipt has been e-mailed to you."
            )
            % {"n": version.number},
        )
        return redirect("consultation:reply-receipt", pk=circular.pk, number=version.number)
    circular, official, reply = selectors.reply_page(user=request.user, pk=pk)
    if reply is None:
        messages.info(request, _("Fill in and save the form first."))
        return redirect("consultation:reply-edit", pk=circular.pk)
    content = services.reply_content(reply)
    errors = services.reply_validate_for_submission(
        reply, signatory=official.user if can_submit(official) else None
    )
    return render(
        request,
        "consultation/reply_review.html",
        {
            "circular": circular,
            "official": official,
            "reply": reply,
            "content": content,
            "sha256": services.reply_content_hash(content),
            "errors": _review_errors(circular, errors),
            "can_submit": can_submit(official) and circular.is_open_for_replies and not errors,
            "is_open": circular.is_open_for_replies,
            "revision_form": RevisionForm(initial={"revision": reply.revision}),
        },
    )


@login_required
def reply_receipt(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    circular, official = get_circular_for_reply(request.user, pk)
    reply = get_object_or_404(Reply, circular=circular, member_state=official.member_state)
    version = get_object_or_404(
        reply.versions.select_related("submitted_by", "entered_by"), number=number
    )
    return render(
        request,
        "consultation/reply_receipt.html",
        {"circular": circular, "reply": reply, "version": version, "content": version.content},
    )


@login_required
def attachment_download(request: HttpRequest, pk: int) -> FileResponse:
    attachment = get_object_or_404(
        Attachment.objects.select_related("reply__circular", "reply__member_state"), pk=pk
    )
    user = request.user
    if not (is_tsb_staff(user) and user.has_perm("consultation.view_reply")):
        official = official_for_user(user)
        if official is None or official.member_state_id != attachment.reply.member_state_id:
            raise Http404
    response = FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.original_name,
        content_type=attachment.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@login_required
def circular_results(request: HttpRequest, pk: int) -> HttpResponse:
    """TSB's results page: per draft the decisions stacked against the 70 % line."""
    from django.core.exceptions import PermissionDenied

    if not (is_tsb_staff(request.user) and request.user.has_perm("consultation.view_circular")):
        raise PermissionDenied
    circular = get_object_or_404(
        Circular.objects.select_related("study_group", "meeting", "result"), pk=pk
    )
    try:
        frozen = circular.result  # type: ignore[attr-defined]
    except ObjectDoesNotExist:
        frozen = None
    has_demo = circular.is_demo or circular.replies.filter(is_demo=True).exists()
    key = None
    if frozen is not None:
        # Frozen results never change: their page is cached per language, under the record's
        # hash and the circular's last change (Member States' names: RESULTS_PAGE_SECONDS).
        key = (
            f"results-page:{RESULTS_PAGE_VERSION}:{translation.get_language()}:{circular.pk}:"
            f"{circular.updated_at.timestamp()}:{frozen.sha256}:{has_demo}"
        )
    body = cache.get(key) if key else None
    if body is None:
        table = selectors.circular_results_table(circular=circular, frozen=frozen)
        frozen_at = datetime.datetime.fromisoformat(table.frozen_at) if table.frozen_at else None
        names, collate = member_state_names(), collation_key()
        body = render_to_string(
            "consultation/includes/results_body.html",
            {
                "circular": circular,
                "results": table,
                "bars": _bars(table, names=names, key=collate),
                "no_reply": [
                    (Region(code).label, sorted((names.get(n, n) for n in states), key=collate))
                    for code, states in table.no_reply_by_region.items()
                ],
                "frozen_at": frozen_at,
                "has_demo_replies": has_demo,
            },
            request=request,
        )
        if key:
            cache.set(key, body, RESULTS_PAGE_SECONDS)
    return render(
        request,
        "consultation/circular_results.html",
        {"circular": circular, "results_body": mark_safe(body)},  # noqa: S308 (our template)
    )


@login_required
def circular_results_json(request: HttpRequest, pk: int) -> HttpResponse:
    """The frozen results as recomputable data: the JSON whose SHA-256 was recorded at
    closing (the canonical form consultation.results.digest hashes), for TSB staff."""
    import json

    from django.core.exceptions import PermissionDenied

    from consultation.models import CircularResult

    if not (is_tsb_staff(request.user) and request.user.has_perm("consultation.view_circular")):
        raise PermissionDenied
    frozen = get_object_or_404(CircularResult.objects.select_related("circular"), circular=pk)
    body = json.dumps(frozen.data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    circular = frozen.circular
    response = HttpResponse(body.encode("utf-8"), content_type="application/json")
    response["Content-Disposition"] = (
        f'attachment; filename="results-circular-{circular.number}-{circular.study_period}.json"'
    )
    from accounts.audit import audit_record

    audit_record(
        "exported",
        request=request,
        target=f"frozen results of {circular} ({circular.study_period})",
        detail={"format": "json", "sha256": frozen.sha256},
    )
    response["X-Results-SHA256"] = frozen.sha256
    response["X-Results-Frozen-At"] = frozen.taken_at.isoformat()
    return response


def _bars(table: Any, *, names: dict[str, str], key: Any) -> list[dict[str, Any]]:
    """Widths (per cent of the chart) of each draft's stacked bar, and its late replies in
    the reader's language."""
    bars = []
    for draft in table.drafts:
        total = draft.replies or 1
        bars.append(
            {
                "draft": draft,
                "late": sorted((names.get(n, n) for n in draft.late), key=key),
                "no_comments": 100 * draft.supporting_no_comments / total,
                "with_comments": 100 * draft.supporting_with_comments / total,
                "against": 100 * draft.not_supporting / total,
            }
        )
    return bars

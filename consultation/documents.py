"""Documents TSB produces from a consultation: the TD of comments for the study group meeting.

WTSA Resolution 1, 9.4.7: the comments received with the replies are collected by TSB and
submitted as a temporary document (TD) to the study group meeting. The TD reproduces what was
actually submitted, i.e. the frozen ReplyVersion.content, never the live working copy:

- per draft, the tally (consultation.selectors.circular_results_table) and, for each Member
  State, the version that counts (the latest received on time, as rules.tally): its decision,
  comments, reasons, possible changes and attachments (name, size, SHA-256);
- the replies received after the deadline apart, with their comments, marked as not counted;
- the Member States that did not reply by the deadline, by region.

Demonstration data is labelled as such at the top of the document, in the page header, and
beside each demonstration reply. Every string is translatable: the document is written in the
active language.
"""

from __future__ import annotations

import datetime
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import formats
from django.utils.http import content_disposition_header
from django.utils.text import get_text_list
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_safe
from docx import Document
from docx.document import Document as DocxDocument
from docx.shared import Pt, RGBColor

from accounts.models import Region
from consultation import selectors
from consultation.models import (
    Attachment,
    Circular,
    DraftRecommendation,
    Reply,
    ReplyPosition,
    ReplyVersion,
)
from consultation.permissions import is_tsb_staff
from consultation.results import CircularResults, DraftResult

DOCX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
WARNING_RED = RGBColor(0xC0, 0x00, 0x00)

# Characters XML 1.0 does not allow (python-docx refuses them): a pasted control character in
# a comment must not make the whole TD fail.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def demo_notice() -> str:
    return _("DEMONSTRATION DATA — not positions of real administrations")


def comments_td_filename(circular: Circular) -> str:
    """e.g. "TD-comments-Circular-205-2017-2020.docx"."""
    period = re.sub(r"[^0-9A-Za-z-]", "-", circular.study_period)
    return f"TD-comments-Circular-{circular.number}-{period}.docx"


# --- the replies, as submitted -----------------------------------------------------------------


@dataclass(frozen=True)
class _Submitted:
    """One frozen version of one Member State's reply, as the TD shows it."""

    member_state: str
    is_demo: bool
    number: int
    received_at: datetime.datetime
    channel: str
    content: dict[str, Any]

    def position(self, draft_id: int) -> dict[str, Any] | None:
        for position in self.content.get("positions", []):
            if position.get("draft_id") == draft_id:
                return dict(position)
        return None

    @property
    def reply_attachments(self) -> list[dict[str, Any]]:
        return list(self.content.get("attachments", []))


def _replies_as_submitted(circular: Circular) -> tuple[list[_Submitted], list[_Submitted]]:
    """The counted version of each reply and the latest late version of each reply.

    One query for every version of the circular. The counted version is the latest received
    on time, by time received then number (rules.tally, results.counted_versions). Both lists
    are in the order of the Member States' names.
    """
    versions = (
        ReplyVersion.objects.filter(reply__circular=circular)
        .select_related("reply__member_state")
        .order_by("reply__member_state__name", "reply_id", "received_at", "number")
    )
    counted: dict[int, ReplyVersion] = {}
    late: dict[int, ReplyVersion] = {}
    for version in versions:
        # Ordered by time received then number: the last one seen is the latest.
        (late if version.is_late else counted)[version.reply_id] = version

    def submitted(items: Iterable[ReplyVersion]) -> list[_Submitted]:
        return [
            _Submitted(
                member_state=v.reply.member_state.name,
                is_demo=v.reply.is_demo,
                number=v.number,
                received_at=v.received_at,
                channel=v.channel,
                content=v.content,
            )
            for v in sorted(items, key=lambda v: (v.reply.member_state.name, v.reply_id))
        ]

    return submitted(counted.values()), submitted(late.values())


def _has_comments(position: dict[str, Any], reply_attachments: Sequence[Any]) -> bool:
    return bool(
        str(position.get("comments") or "").strip()
        or str(position.get("reasons") or "").strip()
        or str(position.get("possible_changes") or "").strip()
        or position.get("attachments")
        or reply_attachments
    )


# --- formatting --------------------------------------------------------------------------------


def _clean(text: Any) -> str:
    return _NOT_XML.sub("", str(text or "")).replace("\r\n", "\n").replace("\r", "\n")


def _utc(moment: datetime.datetime | None) -> str:
    if moment is None:
        return "\u2014"
    return _("%(moment)s UTC") % {
        "moment": moment.astimezone(datetime.UTC).strftime("%Y-%m-%d %H:%M:%S")
    }


def _day(day: datetime.date | None) -> str:
    return formats.date_format(day, "j F Y") if day else "\u2014"


def _decision_label(decision: str) -> str:
    if decision in ReplyPosition.Decision.values:
        return str(ReplyPosition.Decision(decision).label)
    return _("No decision")


def _channel_label(channel: str) -> str:
    if channel in Reply.Channel.values:
        return str(Reply.Channel(channel).label)
    return channel


def _region_label(region: str) -> str:
    return str(Region(region).label) if region in Region.values else region


def _draft_label(draft: DraftRecommendation) -> str:
    """ "ITU-T Q.5051 (ex Q.FW_CSM)"."""
    if draft.former_name:
        return _("%(number)s (ex %(former)s)") % {
            "number": draft.number,
            "former": draft.former_name,
        }
    return draft.number


def _attachment_line(attachment: dict[str, Any]) -> str:
    size = int(attachment.get("size") or 0)
    kind = str(attachment.get("kind") or "")
    kind_label = str(Attachment.Kind(kind).label) if kind in Attachment.Kind.values else kind
    return ngettext(
        "%(name)s (%(kind)s), %(size)s byte, SHA-256 %(sha256)s",
        "%(name)s (%(kind)s), %(size)s bytes, SHA-256 %(sha256)s",
        size,
    ) % {
        "name": _clean(attachment.get("name")),
        "kind": kind_label,
        "size": size,
        "sha256": attachment.get("sha256", ""),
    }


# --- writing -----------------------------------------------------------------------------------


class _Writer:
    """Thin helpers over python-docx, so the structure of the TD reads top to bottom."""

    def __init__(self) -> None:
        self.doc: DocxDocument = Document()
        self.doc.styles["Normal"].font.size = Pt(11)

    def heading(self, text: str, level: int) -> None:
        self.doc.add_heading(_clean(text), level=level)

    def para(self, text: str = "", *, bold: bool = False, style: str | None = None) -> None:
        paragraph = self.doc.add_paragraph(style=style)
        if text:
            paragraph.add_run(_clean(text)).bold = bold

    def labelled(self, label: str, value: str) -> None:
        paragraph = self.doc.add_paragraph()
        paragraph.add_run(_clean(label)).bold = True
        paragraph.add_run(" " + _clean(value))

    def warning(self, text: str) -> None:
        run = self.doc.add_paragraph().add_run(_clean(text))
        run.bold = True
        run.font.color.rgb = WARNING_RED

    def bullets(self, lines: Iterable[str]) -> None:
        for line in lines:
            self.doc.add_paragraph(_clean(line), style="List Bullet")

    def table(self, rows: Sequence[tuple[str, str]]) -> None:
        table = self.doc.add_table(rows=0, cols=2)
        table.style = "Table Grid"
        for label, value in rows:
            cells = table.add_row().cells
            cells[0].text = _clean(label)
            cells[1].text = _clean(value)

    def to_bytes(self) -> bytes:
        buffer = io.BytesIO()
        self.doc.save(buffer)
        return buffer.getvalue()


def _title_block(w: _Writer, circular: Circular, drafts: Sequence[DraftRecommendation]) -> None:
    study_group = circular.study_group
    meeting = circular.meeting
    w.para(_("INTERNATIONAL TELECOMMUNICATION UNION"), bold=True)
    w.para(_("TELECOMMUNICATION STANDARDIZATION SECTOR"), bold=True)
    w.para(_("STUDY PERIOD %(period)s") % {"period": circular.study_period})
    w.doc.add_heading(_("TEMPORARY DOCUMENT"), level=0)
    w.para(_("STUDY GROUP %(number)s") % {"number": study_group.number}, bold=True)
    w.para(study_group.title)
    w.labelled(
        _("Meeting:"),
        _("%(place)s, %(start)s to %(end)s")
        % {"place": meeting.place, "start": _day(meeting.starts_on), "end": _day(meeting.ends_on)},
    )
    w.labelled(_("Source:"), _("Director, TSB"))
    described = [
        _("draft %(kind)s %(number)s")
        % {"kind": draft.get_kind_display(), "number": _draft_label(draft)}
        for draft in drafts
    ]
    w.labelled(
        _("Title:"),
        _("Comments received in reply to TSB Circular %(number)s (%(period)s) on %(drafts)s")
        % {
            "number": circular.number,
            "period": circular.study_period,
            "drafts": get_text_list(described, _("and")) if described else circular.subject,
        },
    )


def _introduction(w: _Writer, circular: Circular, results: CircularResults) -> None:
    w.heading(_("Introduction"), 1)
    w.para(
        _(
            "In accordance with clause 9.4.7 of WTSA Resolution 1, the comments received with "
            "the replies of Member States to the consultation announced in TSB Circular "
            "%(number)s (%(period)s) are collected by TSB and submitted to the study group "
            "meeting in this temporary document. The consultation was held under %(basis)s."
        )
        % {
            "number": circular.number,
            "period": circular.study_period,
            "basis": circular.legal_basis,
        }
    )
    w.para(
        _(
            "The deadline for replies was %(deadline)s. For each draft, the replies counted are "
            "those received by the deadline, each Member State counting once with the latest "
            "reply it sent on time (clauses 9.4.5 and 9.4.6). Replies received after the "
            "deadline are reproduced apart, for information; they are not counted. The texts "
            "below are those of the replies as submitted."
        )
        % {"deadline": _utc(circular.deadline)}
    )
    w.para(
        _(
            "Member States consulted (the membership on the date of issue, %(issued)s): "
            "%(electorate)s. Member States that replied by the deadline: %(replied)s."
        )
        % {
            "issued": _day(circular.issued_on),
            "electorate": results.electorate,
            "replied": results.replied,
        }
    )
    if results.frozen_at:
        w.para(
            _("Results as recorded when the consultation closed, at %(at)s; SHA-256 %(sha256)s.")
            % {
                "at": _utc(datetime.datetime.fromisoformat(results.frozen_at)),
                "sha256": results.sha256 or "\u2014",
            }
        )


def _tally(w: _Writer, result: DraftResult | None) -> None:
    w.heading(_("Results of the consultation"), 2)
    if result is None:
        w.para(_("No results are recorded for this draft."))
        return
    if result.percent is None:
        share = _("no replies")
    else:
        share = _("%(percent)s %%") % {"percent": formats.number_format(result.percent, 1)}
    w.table(
        [
            (_("Replies received by the deadline"), str(result.replies)),
            (_("Supporting, without comments"), str(result.supporting_no_comments)),
            (_("Supporting, with comments"), str(result.supporting_with_comments)),
            (_("Not supporting"), str(result.not_supporting)),
            (_("Supporting replies, share of the replies"), share),
            (
                _("Consideration for approval may proceed (clauses 9.4.5 and 9.4.6)"),
                _("Yes") if result.proceeds else _("No"),
            ),
            (
                _("Replies received after the deadline (not counted)"),
                f"{len(result.late)} ({', '.join(result.late)})" if result.late else "0",
            ),
        ]
    )


def _position_texts(w: _Writer, position: dict[str, Any], reply_attachments: list[Any]) -> None:
    for key, label in (
        ("comments", _("Comments and proposed changes:")),
        ("reasons", _("Reasons for not authorizing:")),
        ("possible_changes", _("Possible changes that would let the work progress:")),
    ):
        text = str(position.get(key) or "").strip()
        if text:
            w.para(label, bold=True)
            w.para(text)
    attachments = list(position.get("attachments") or [])
    if attachments:
        w.para(_("Attachments:"), bold=True)
        w.bullets(_attachment_line(a) for a in attachments)
    if reply_attachments:
        w.para(_("Attachments to the whole reply:"), bold=True)
        w.bullets(_attachment_line(a) for a in reply_attachments)


def _received(reply: _Submitted) -> str:
    return _("Received %(at)s (%(channel)s), version %(number)s.") % {
        "at": _utc(reply.received_at),
        "channel": _channel_label(reply.channel),
        "number": reply.number,
    }


def _member_state_heading(w: _Writer, reply: _Submitted, level: int) -> None:
    w.heading(reply.member_state, level)
    if reply.is_demo:
        w.warning(demo_notice())


def _draft_comments(w: _Writer, draft: DraftRecommendation, counted: list[_Submitted]) -> None:
    w.heading(_("Comments received with the replies counted"), 2)
    without: dict[str, list[str]] = {}
    shown = 0
    for reply in counted:
        position = reply.position(draft.pk)
        if position is None:
            continue
        if not _has_comments(position, reply.reply_attachments):
            label = _decision_label(str(position.get("decision") or ""))
            suffix = f" ({demo_notice()})" if reply.is_demo else ""
            without.setdefault(label, []).append(reply.member_state + suffix)
            continue
        shown += 1
        _member_state_heading(w, reply, 3)
        w.labelled(_("Decision:"), _decision_label(str(position.get("decision") or "")))
        w.para(_received(reply))
        _position_texts(w, position, reply.reply_attachments)
    if not shown:
        w.para(_("No comments were received with the replies counted for this draft."))
    if without:
        w.para(_("Replies without comments or attachments:"), bold=True)
        w.bullets(
            _("%(decision)s: %(states)s") % {"decision": label, "states": ", ".join(names)}
            for label, names in without.items()
        )


def _late_replies(
    w: _Writer, drafts: Sequence[DraftRecommendation], late: list[_Submitted], counted: set[str]
) -> None:
    w.heading(_("Replies received after the deadline (not counted)"), 1)
    if not late:
        w.para(_("None."))
        return
    w.para(
        _(
            "These replies arrived after the deadline: they are recorded and reproduced here "
            "for information, and are not counted (clause 9.4.6). For each Member State, the "
            "latest reply received is shown."
        )
    )
    for reply in late:
        _member_state_heading(w, reply, 2)
        w.para(_received(reply))
        if reply.member_state in counted:
            w.para(
                _(
                    "This Member State also replied by the deadline: that reply is the one "
                    "counted above."
                )
            )
        if reply.reply_attachments:
            w.para(_("Attachments to the whole reply:"), bold=True)
            w.bullets(_attachment_line(a) for a in reply.reply_attachments)
        for draft in drafts:
            position = reply.position(draft.pk)
            if position is None:
                continue
            w.heading(_draft_label(draft), 3)
            w.labelled(_("Decision:"), _decision_label(str(position.get("decision") or "")))
            _position_texts(w, position, [])


def _no_reply(w: _Writer, results: CircularResults, late_names: set[str]) -> None:
    w.heading(_("Member States that did not reply by the deadline"), 1)
    regions = {k: v for k, v in results.no_reply_by_region.items() if v}
    if not regions:
        w.para(_("None: every Member State consulted replied by the deadline."))
        return
    total = sum(len(names) for names in regions.values())
    w.para(
        ngettext(
            "%(count)s Member State did not reply by the deadline.",
            "%(count)s Member States did not reply by the deadline.",
            total,
        )
        % {"count": total}
    )
    for region, names in sorted(regions.items()):
        w.para(_region_label(region), bold=True)
        w.para(
            ", ".join(
                _("%(state)s (reply received after the deadline)") % {"state": name}
                if name in late_names
                else name
                for name in names
            )
        )


def comments_td_build(*, circular: Circular) -> bytes:
    """The TD of comments (Resolution 1, 9.4.7) of the circular, as a DOCX file.

    Reads the drafts, the results (selectors.circular_results_table) and every version of the
    circular's replies in one query; the texts are those of the frozen versions.
    """
    drafts = list(circular.drafts.order_by("order"))
    results: CircularResults = selectors.circular_results_table(circular=circular)
    by_draft = {r.draft_id: r for r in results.drafts}
    counted, late = _replies_as_submitted(circular)
    is_demo = circular.is_demo or any(r.is_demo for r in (*counted, *late))

    w = _Writer()
    properties = w.doc.core_properties
    properties.title = _("Comments received in reply to TSB Circular %(number)s (%(period)s)") % {
        "number": circular.number,
        "period": circular.study_period,
    }
    properties.author = _("Director, TSB")
    if is_demo:
        header = w.doc.sections[0].header.paragraphs[0]
        header.add_run(demo_notice()).bold = True
        w.warning(demo_notice())
        w.warning(
            _(
                "This document was produced from the portal's demonstration data. The replies "
                "below were invented for the demonstration: they are not what any "
                "administration said."
            )
        )
    _title_block(w, circular, drafts)
    _introduction(w, circular, results)
    for index, draft in enumerate(drafts, start=1):
        w.heading(
            _("%(index)s. %(draft)s: %(title)s")
            % {"index": index, "draft": _draft_label(draft), "title": draft.title},
            1,
        )
        kind = str(draft.get_kind_display())
        details = [kind[:1].upper() + kind[1:]]
        if draft.document_ref:
            details.append(_("document %(ref)s") % {"ref": draft.document_ref})
        w.para("; ".join(details) + ".")
        _tally(w, by_draft.get(draft.pk))
        _draft_comments(w, draft, counted)
    _late_replies(w, drafts, late, {r.member_state for r in counted})
    _no_reply(w, results, {r.member_state for r in late})
    return w.to_bytes()


# --- the view ----------------------------------------------------------------------------------


@login_required
@require_safe
def comments_td_download(request: HttpRequest, pk: int) -> HttpResponse:
    """TSB staff download the TD of comments of a closed circular.

    403 without the permission to view replies (checked first: nobody else learns whether
    the circular exists), 404 for an unknown circular, 409 while it is not closed.
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
        return HttpResponse(message, status=409, content_type="text/plain; charset=utf-8")
    response = HttpResponse(comments_td_build(circular=circular), content_type=DOCX_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(
        True, comments_td_filename(circular)
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response

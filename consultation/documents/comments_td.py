"""The content of the TD of comments (WTSA Resolution 1, 9.4.7), once, for the DOCX and the PDF.

WTSA Resolution 1, 9.4.7: the comments received with the replies are collected by TSB and
submitted as a temporary document (TD) to the study group meeting. The TD reproduces what was
actually submitted, i.e. the frozen ReplyVersion.content, never the live working copy:

- the cover table of an ITU-T TD: TD number (given by TSB), study group and study period,
  Question(s), meeting, source, title, purpose and TSB's contact as in the circular;
- per draft, the tally (consultation.selectors.circular_results_table) and, for each Member
  State, the version that counts (the latest received on time, as rules.tally): its decision,
  comments, reasons, possible changes and attachments (name, size, SHA-256);
- the replies received after the deadline apart, with their comments, marked as not counted;
- the Member States that did not reply by the deadline, by region.

`comments_td_content` gathers all of it as plain translated text, in the active language;
`docx.py` and the PDF template only lay it out. Demonstration data is labelled as such at the
top of the document, in the page header, and beside each demonstration reply.
"""

from __future__ import annotations

import datetime
import functools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils import formats
from django.utils.text import get_text_list
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import Region
from consultation import selectors
from consultation.formatting import format_day, format_utc
from consultation.models import (
    Attachment,
    Circular,
    DraftRecommendation,
    Reply,
    ReplyPosition,
    ReplyVersion,
)
from consultation.results import CircularResults, DraftResult

BLANK_TD_NUMBER = "___"


def demo_notice() -> str:
    return _("DEMONSTRATION DATA — not positions of real administrations")


def comments_td_filename(circular: Circular, extension: str = "docx") -> str:
    """e.g. "TD-comments-Circular-205-2017-2020.docx"."""
    period = re.sub(r"[^0-9A-Za-z-]", "-", circular.study_period)
    return f"TD-comments-Circular-{circular.number}-{period}.{extension}"


# --- the content, as the renderers read it -----------------------------------------------------


@dataclass(frozen=True)
class Part:
    """A bold label, then its lines: paragraphs, or a bulleted list."""

    label: str
    lines: list[str]
    bullets: bool = False


@dataclass(frozen=True)
class Entry:
    """One Member State's reply under a draft (or one late reply), with its texts."""

    member_state: str
    is_demo: bool
    received: str
    decision: str = ""
    note: str = ""
    parts: list[Part] = field(default_factory=list)
    # For a late reply: (draft heading, decision, parts) per draft it answers.
    drafts: list[tuple[str, str, list[Part]]] = field(default_factory=list)


@dataclass(frozen=True)
class DraftSection:
    heading: str
    details: str
    tally_heading: str
    tally: list[tuple[str, str]]  # empty: no results recorded
    no_tally: str
    comments_heading: str
    entries: list[Entry]
    no_comments: str  # "" when there are entries
    without: list[Part]  # the replies without texts, by decision (empty: none)


@dataclass(frozen=True)
class CommentsTD:
    title: str
    author: str
    is_demo: bool
    demo_notice: str
    demo_text: str
    header_lines: list[str]
    document_heading: str
    cover: list[tuple[str, str]]
    introduction_heading: str
    introduction: list[str]
    drafts: list[DraftSection]
    late_heading: str
    late_intro: str
    late: list[Entry]
    no_reply_heading: str
    no_reply_intro: str
    no_reply: list[tuple[str, str]]  # (region, names)


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

    @functools.cached_property
    def received(self) -> str:
        """ "Received <time> (<channel>), version <n>.", once per reply (not once per draft)."""
        return _received(self)


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


# --- labels ------------------------------------------------------------------------------------


def _utc(moment: datetime.datetime | None, *, seconds: bool = False) -> str:
    return format_utc(moment, seconds=seconds) or "\u2014"


def _day(day: datetime.date | None) -> str:
    return format_day(day) or "\u2014"


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
        "name": str(attachment.get("name") or ""),
        "kind": kind_label,
        "size": size,
        "sha256": attachment.get("sha256", ""),
    }


def _received(reply: _Submitted) -> str:
    return _("Received %(at)s (%(channel)s), version %(number)s.") % {
        "at": _utc(reply.received_at, seconds=True),
        "channel": _channel_label(reply.channel),
        "number": reply.number,
    }


# --- the cover ---------------------------------------------------------------------------------


def td_title(circular: Circular, drafts: Sequence[DraftRecommendation]) -> str:
    described = [
        _("draft %(kind)s %(number)s")
        % {"kind": draft.get_kind_display(), "number": _draft_label(draft)}
        for draft in drafts
    ]
    return _("Comments received in reply to TSB Circular %(number)s (%(period)s) on %(drafts)s") % {
        "number": circular.number,
        "period": circular.study_period,
        "drafts": get_text_list(described, _("and")) if described else circular.subject,
    }


def td_number_label(td_number: str) -> str:
    """ "TD 123 (PLEN/11)" from "123 (PLEN/11)" (or from "TD 123 (PLEN/11)"); "TD ___"."""
    number = re.sub(r"^TD\s+", "", td_number.strip(), flags=re.IGNORECASE)
    return _("TD %(number)s") % {"number": number or BLANK_TD_NUMBER}


def _contact(circular: Circular) -> str:
    lines = [
        _("%(name)s, TSB") % {"name": circular.contact_name} if circular.contact_name else "TSB"
    ]
    for label, value in (
        (_("Tel.: %(value)s"), circular.contact_phone),
        (_("Fax: %(value)s"), circular.contact_fax),
        (_("E-mail: %(value)s"), circular.contact_email),
    ):
        if value:
            lines.append(label % {"value": value})
    return "\n".join(lines)


def cover_rows(
    circular: Circular,
    drafts: Sequence[DraftRecommendation],
    *,
    td_number: str = "",
    question: str = "",
) -> list[tuple[str, str]]:
    """The cover table of the TD, label and value, as ITU-T TDs have it."""
    meeting = circular.meeting
    return [
        (_("TD"), td_number_label(td_number)),
        (
            _("Study group"),
            _("ITU-T Study Group %(number)s") % {"number": circular.study_group.number},
        ),
        (_("Study period"), circular.study_period),
        (_("Question(s)"), question.strip()),
        (
            _("Meeting"),
            _("%(place)s, %(start)s to %(end)s")
            % {
                "place": meeting.place,
                "start": _day(meeting.starts_on),
                "end": _day(meeting.ends_on),
            },
        ),
        (_("Source"), _("Director, TSB")),
        (_("Title"), td_title(circular, drafts)),
        (_("Purpose"), _("Information")),
        (_("Contact"), _contact(circular)),
    ]


# --- the sections ------------------------------------------------------------------------------


def _introduction(circular: Circular, results: CircularResults) -> list[str]:
    paragraphs = [
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
        },
        _(
            "The deadline for replies was %(deadline)s. For each draft, the replies counted are "
            "those received by the deadline, each Member State counting once with the latest "
            "reply it sent on time (clauses 9.4.5 and 9.4.6). Replies received after the "
            "deadline are reproduced apart, for information; they are not counted. The texts "
            "below are those of the replies as submitted."
        )
        % {"deadline": _utc(circular.deadline)},
    ]
    closed_at = circular.closed_at
    if closed_at is not None and closed_at > circular.deadline:
        paragraphs.append(
            _(
                "The consultation was closed at %(closed)s, after its deadline: what counted "
                "is the deadline, %(deadline)s. Replies received after the deadline are not "
                "counted, even those received before the consultation was closed."
            )
            % {"closed": _utc(closed_at), "deadline": _utc(circular.deadline)}
        )
    elif closed_at is not None:
        paragraphs.append(_("The consultation closed at %(closed)s.") % {"closed": _utc(closed_at)})
    paragraphs.append(
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
        paragraphs.append(
            _("Results as recorded when the consultation closed, at %(at)s; SHA-256 %(sha256)s.")
            % {
                "at": _utc(datetime.datetime.fromisoformat(results.frozen_at), seconds=True),
                "sha256": results.sha256 or "\u2014",
            }
        )
    return paragraphs


def _tally(result: DraftResult | None) -> list[tuple[str, str]]:
    if result is None:
        return []
    if result.percent is None:
        share = _("no replies")
    else:
        share = _("%(percent)s %%") % {"percent": formats.number_format(result.percent, 1)}
    return [
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


def _position_parts(position: dict[str, Any], reply_attachments: list[Any]) -> list[Part]:
    parts = []
    for key, label in (
        ("comments", _("Comments and proposed changes:")),
        ("reasons", _("Reasons for not authorizing:")),
        ("possible_changes", _("Possible changes that would let the work progress:")),
    ):
        text = str(position.get(key) or "").strip()
        if text:
            parts.append(Part(label, [text]))
    attachments = list(position.get("attachments") or [])
    if attachments:
        parts.append(Part(_("Attachments:"), [_attachment_line(a) for a in attachments], True))
    if reply_attachments:
        parts.append(
            Part(
                _("Attachments to the whole reply:"),
                [_attachment_line(a) for a in reply_attachments],
                True,
            )
        )
    return parts


def _draft_section(
    index: int, draft: DraftRecommendation, result: DraftResult | None, counted: list[_Submitted]
) -> DraftSection:
    kind = str(draft.get_kind_display())
    details = [kind[:1].upper() + kind[1:]]
    if draft.document_ref:
        details.append(_("document %(ref)s") % {"ref": draft.document_ref})
    without: dict[str, list[str]] = {}
    entries = []
    for reply in counted:
        position = reply.position(draft.pk)
        if position is None:
            continue
        decision = _decision_label(str(position.get("decision") or ""))
        if not _has_comments(position, reply.reply_attachments):
            suffix = f" ({demo_notice()})" if reply.is_demo else ""
            without.setdefault(decision, []).append(reply.member_state + suffix)
            continue
        entries.append(
            Entry(
                member_state=reply.member_state,
                is_demo=reply.is_demo,
                received=reply.received,
                decision=decision,
                parts=_position_parts(position, reply.reply_attachments),
            )
        )
    return DraftSection(
        heading=_("%(index)s. %(draft)s: %(title)s")
        % {"index": index, "draft": _draft_label(draft), "title": draft.title},
        details="; ".join(details) + ".",
        tally_heading=_("Results of the consultation"),
        tally=_tally(result),
        no_tally=_("No results are recorded for this draft."),
        comments_heading=_("Comments received with the replies counted"),
        entries=entries,
        no_comments=""
        if entries
        else _("No comments were received with the replies counted for this draft."),
        without=[
            Part(
                _("Replies without comments or attachments:"),
                [
                    _("%(decision)s: %(states)s") % {"decision": label, "states": ", ".join(names)}
                    for label, names in without.items()
                ],
                True,
            )
        ]
        if without
        else [],
    )


def _late_entries(
    drafts: Sequence[DraftRecommendation], late: list[_Submitted], counted: set[str]
) -> list[Entry]:
    entries = []
    for reply in late:
        parts = []
        if reply.reply_attachments:
            parts.append(
                Part(
                    _("Attachments to the whole reply:"),
                    [_attachment_line(a) for a in reply.reply_attachments],
                    True,
                )
            )
        per_draft = []
        for draft in drafts:
            position = reply.position(draft.pk)
            if position is None:
                continue
            per_draft.append(
                (
                    _draft_label(draft),
                    _decision_label(str(position.get("decision") or "")),
                    _position_parts(position, []),
                )
            )
        entries.append(
            Entry(
                member_state=reply.member_state,
                is_demo=reply.is_demo,
                received=reply.received,
                note=_(
                    "This Member State also replied by the deadline: that reply is the one "
                    "counted above."
                )
                if reply.member_state in counted
                else "",
                parts=parts,
                drafts=per_draft,
            )
        )
    return entries


def _no_reply(results: CircularResults, late_names: set[str]) -> tuple[str, list[tuple[str, str]]]:
    regions = {k: v for k, v in results.no_reply_by_region.items() if v}
    if not regions:
        return _("None: every Member State consulted replied by the deadline."), []
    total = sum(len(names) for names in regions.values())
    intro = ngettext(
        "%(count)s Member State did not reply by the deadline.",
        "%(count)s Member States did not reply by the deadline.",
        total,
    ) % {"count": total}
    rows = [
        (
            _region_label(region),
            ", ".join(
                _("%(state)s (reply received after the deadline)") % {"state": name}
                if name in late_names
                else name
                for name in names
            ),
        )
        for region, names in sorted(regions.items())
    ]
    return intro, rows


def comments_td_content(
    *, circular: Circular, td_number: str = "", question: str = ""
) -> CommentsTD:
    """Everything the TD says, in the active language.

    Reads the drafts, the results (selectors.circular_results_table) and every version of the
    circular's replies in one query; the texts are those of the frozen versions.
    """
    drafts = list(circular.drafts.order_by("order"))
    results: CircularResults = selectors.circular_results_table(circular=circular)
    by_draft = {r.draft_id: r for r in results.drafts}
    counted, late = _replies_as_submitted(circular)
    no_reply_intro, no_reply = _no_reply(results, {r.member_state for r in late})
    return CommentsTD(
        title=_("Comments received in reply to TSB Circular %(number)s (%(period)s)")
        % {"number": circular.number, "period": circular.study_period},
        author=_("Director, TSB"),
        is_demo=circular.is_demo or any(r.is_demo for r in (*counted, *late)),
        demo_notice=demo_notice(),
        demo_text=_(
            "This document was produced from the portal's demonstration data. The replies "
            "below were invented for the demonstration: they are not what any "
            "administration said."
        ),
        header_lines=[
            _("INTERNATIONAL TELECOMMUNICATION UNION"),
            _("TELECOMMUNICATION STANDARDIZATION SECTOR"),
            _("STUDY PERIOD %(period)s") % {"period": circular.study_period},
        ],
        document_heading=_("TEMPORARY DOCUMENT"),
        cover=cover_rows(circular, drafts, td_number=td_number, question=question),
        introduction_heading=_("Introduction"),
        introduction=_introduction(circular, results),
        drafts=[
            _draft_section(index, draft, by_draft.get(draft.pk), counted)
            for index, draft in enumerate(drafts, start=1)
        ],
        late_heading=_("Replies received after the deadline (not counted)"),
        late_intro=_(
            "These replies arrived after the deadline: they are recorded and reproduced here "
            "for information, and are not counted (clause 9.4.6). For each Member State, the "
            "latest reply received is shown."
        )
        if late
        else _("None."),
        late=_late_entries(drafts, late, {r.member_state for r in counted}),
        no_reply_heading=_("Member States that did not reply by the deadline"),
        no_reply_intro=no_reply_intro,
        no_reply=no_reply,
    )

"""The TD of comments as a DOCX file (python-docx), laid out from comments_td.CommentsTD."""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Sequence

from django.utils.translation import gettext as _
from docx import Document
from docx.document import Document as DocxDocument
from docx.shared import Pt, RGBColor

from consultation.documents.comments_td import CommentsTD, Entry, Part, comments_td_content
from consultation.models import Circular

DOCX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
WARNING_RED = RGBColor(0xC0, 0x00, 0x00)

# Characters XML 1.0 does not allow (python-docx refuses them): a pasted control character in
# a comment must not make the whole TD fail.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _clean(text: object) -> str:
    return _NOT_XML.sub("", str(text or "")).replace("\r\n", "\n").replace("\r", "\n")


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

    def table(self, rows: Sequence[tuple[str, str]], *, bold_labels: bool = False) -> None:
        table = self.doc.add_table(rows=0, cols=2)
        table.style = "Table Grid"
        for label, value in rows:
            cells = table.add_row().cells
            cells[0].text = _clean(label)
            if bold_labels:
                for run in cells[0].paragraphs[0].runs:
                    run.bold = True
            cells[1].text = _clean(value)

    def parts(self, parts: Iterable[Part]) -> None:
        for part in parts:
            self.para(part.label, bold=True)
            if part.bullets:
                self.bullets(part.lines)
            else:
                for line in part.lines:
                    self.para(line)

    def to_bytes(self) -> bytes:
        buffer = io.BytesIO()
        self.doc.save(buffer)
        return buffer.getvalue()


def _member_state_heading(w: _Writer, td: CommentsTD, entry: Entry, level: int) -> None:
    w.heading(entry.member_state, level)
    if entry.is_demo:
        w.warning(td.demo_notice)


def comments_td_docx(td: CommentsTD) -> bytes:
    w = _Writer()
    w.doc.core_properties.title = _clean(td.title)
    w.doc.core_properties.author = _clean(td.author)
    if td.is_demo:
        w.doc.sections[0].header.paragraphs[0].add_run(td.demo_notice).bold = True
        w.warning(td.demo_notice)
        w.warning(td.demo_text)
    for line in td.header_lines:
        w.para(line, bold=True)
    w.doc.add_heading(_clean(td.document_heading), level=0)
    w.table(td.cover, bold_labels=True)

    w.heading(td.introduction_heading, 1)
    for paragraph in td.introduction:
        w.para(paragraph)

    for draft in td.drafts:
        w.heading(draft.heading, 1)
        w.para(draft.details)
        w.heading(draft.tally_heading, 2)
        if draft.tally:
            w.table(draft.tally)
        else:
            w.para(draft.no_tally)
        w.heading(draft.comments_heading, 2)
        for entry in draft.entries:
            _member_state_heading(w, td, entry, 3)
            w.labelled(_("Decision:"), entry.decision)
            w.para(entry.received)
            w.parts(entry.parts)
        if draft.no_comments:
            w.para(draft.no_comments)
        w.parts(draft.without)

    w.heading(td.late_heading, 1)
    w.para(td.late_intro)
    for entry in td.late:
        _member_state_heading(w, td, entry, 2)
        w.para(entry.received)
        if entry.note:
            w.para(entry.note)
        w.parts(entry.parts)
        for heading, decision, parts in entry.drafts:
            w.heading(heading, 3)
            w.labelled(_("Decision:"), decision)
            w.parts(parts)

    w.heading(td.no_reply_heading, 1)
    w.para(td.no_reply_intro)
    for region, names in td.no_reply:
        w.para(region, bold=True)
        w.para(names)
    return w.to_bytes()


def comments_td_build(*, circular: Circular, td_number: str = "", question: str = "") -> bytes:
    """The TD of comments (Resolution 1, 9.4.7) of the circular, as a DOCX file."""
    return comments_td_docx(
        comments_td_content(circular=circular, td_number=td_number, question=question)
    )

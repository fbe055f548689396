"""The TD of comments as a DOCX file (python-docx), laid out from comments_td.CommentsTD."""

from __future__ import annotations

import copy
import io
import re
from collections.abc import Iterable, Sequence

from django.utils.translation import gettext as _
from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.style import WD_STYLE_TYPE
from docx.oxml.ns import qn
from docx.oxml.parser import OxmlElement
from docx.oxml.table import CT_Tbl
from docx.oxml.xmlchemy import BaseOxmlElement
from docx.shared import Pt, RGBColor
from docx.table import Table
from lxml.etree import SubElement

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
    """Writes the TD's blocks as python-docx would, straight into the document's XML.

    python-docx's add_paragraph and add_heading find the body's end again for every block
    (a scan of all the blocks written so far) and look the paragraph style up by name each
    time (a scan of all the styles): for a TD of 193 Member States x 10 drafts that was 6 s.
    Here the style ids are looked up once, each block is put before the section properties
    directly, and runs are made with lxml; the elements are the same ones python-docx makes
    (pPr/pStyle, rPr with w:b, w:t/w:br/w:tab), so the file is the same.
    """

    def __init__(self) -> None:
        self.doc: DocxDocument = Document()
        self.doc.styles["Normal"].font.size = Pt(11)
        body = self.doc.element.body
        self._body = body
        # Blocks go before the last section's properties, where python-docx puts them.
        self._end = body.sectPr
        self._style_ids: dict[tuple[str, WD_STYLE_TYPE], str | None] = {}
        self._block_width = self.doc._block_width  # noqa: SLF001 (python-docx's own width)

    # --- the XML ---

    def _style_id(self, name: str, kind: WD_STYLE_TYPE = WD_STYLE_TYPE.PARAGRAPH) -> str | None:
        key = (name, kind)
        if key not in self._style_ids:
            self._style_ids[key] = self.doc.part.get_style_id(name, kind)
        return self._style_ids[key]

    def _block(self, element: BaseOxmlElement) -> BaseOxmlElement:
        if self._end is None:
            self._body.append(element)
        else:
            self._end.addprevious(element)
        return element

    def _p(self, style: str | None = None) -> BaseOxmlElement:
        p = self._block(OxmlElement("w:p"))
        if style is not None:
            style_id = self._style_id(style)
            ppr = SubElement(p, _W_PPR)
            if style_id is not None:
                SubElement(ppr, _W_PSTYLE).set(_W_VAL, style_id)
        return p

    @staticmethod
    def _r(
        p: BaseOxmlElement, text: str, *, bold: bool | None = None, color: str = ""
    ) -> BaseOxmlElement:
        """A run as paragraph.add_run(text) then .bold = bold (and .font.color.rgb) make it."""
        r = SubElement(p, _W_R)
        if bold is not None or color:
            rpr = SubElement(r, _W_RPR)
            if bold is not None:
                b = SubElement(rpr, _W_B)
                if not bold:
                    b.set(_W_VAL, "0")
            if color:
                SubElement(rpr, _W_COLOR).set(_W_VAL, color)
        _text(r, text)
        return r

    # --- the blocks ---

    def heading(self, text: str, level: int) -> None:
        text = _clean(text)
        p = self._p("Title" if level == 0 else f"Heading {level}")
        if text:
            self._r(p, text)

    def para(self, text: str = "", *, bold: bool = False, style: str | None = None) -> None:
        p = self._p(style)
        if text:
            self._r(p, _clean(text), bold=bold)

    def labelled(self, label: str, value: str) -> None:
        p = self._p()
        self._r(p, _clean(label), bold=True)
        self._r(p, " " + _clean(value))

    def warning(self, text: str) -> None:
        self._r(self._p(), _clean(text), bold=True, color=str(WARNING_RED))

    def bullets(self, lines: Iterable[str]) -> None:
        for line in lines:
            text = _clean(line)
            p = self._p("List Bullet")
            if text:
                self._r(p, text)

    def table(self, rows: Sequence[tuple[str, str]], *, bold_labels: bool = False) -> None:
        """As doc.add_table(rows=0, cols=2), style "Table Grid", add_row() and cell.text."""
        tbl = self._block(CT_Tbl.new_tbl(0, 2, self._block_width))
        tbl.tblStyle_val = self._style_id("Table Grid", WD_STYLE_TYPE.TABLE)
        # One row as python-docx adds it (cells as wide as the grid's columns), copied.
        template = Table(tbl, self.doc._body).add_row()._tr  # noqa: SLF001
        tbl.remove(template)
        for label, value in rows:
            tr = copy.deepcopy(template)
            tbl.append(tr)
            for tc, text, bold in zip(
                tr.tc_lst, (label, value), (bold_labels or None, None), strict=True
            ):
                for child in tc.iterchildren(_W_P):
                    tc.remove(child)
                self._r(SubElement(tc, _W_P), _clean(text), bold=bold)

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


_W_PPR, _W_PSTYLE, _W_VAL = qn("w:pPr"), qn("w:pStyle"), qn("w:val")
_W_P, _W_R, _W_RPR, _W_B, _W_COLOR = qn("w:p"), qn("w:r"), qn("w:rPr"), qn("w:b"), qn("w:color")
_W_T, _W_BR, _W_TAB, _XML_SPACE = qn("w:t"), qn("w:br"), qn("w:tab"), qn("xml:space")
_BREAKS = re.compile(r"([\t\r\n])")


def _text(r: BaseOxmlElement, text: str) -> None:
    """run.text = text: w:t for the characters, w:tab for a tab, w:br for a line break."""
    for piece in _BREAKS.split(text):
        if piece == "\t":
            SubElement(r, _W_TAB)
        elif piece in ("\n", "\r"):
            SubElement(r, _W_BR)
        elif piece:
            t = SubElement(r, _W_T)
            t.text = piece
            if len(piece.strip()) < len(piece):
                t.set(_XML_SPACE, "preserve")


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

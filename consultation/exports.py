"""Replies and results as spreadsheet rows, for the admin's exports and the large exports.

One row per position: each reply's counted version (the latest received on time) and every
late version, from selectors.positions_for_export. The admin's export (resources.py, through
django-import-export) and the streamed export below read the rows from the same generator,
`reply_rows`, so they have the same columns, values and escaping:

- every text cell goes through `escape_formula` (a leading = + - @ TAB or CR gets a single
  quote), in every format;
- times are UTC to the second (datetime cells in XLSX and ODS, "YYYY-MM-DD HH:MM:SS" in
  CSV), numbers are numbers, yes/no columns are the words "yes" and "no";
- a reply of demonstration data (the reply's or its circular's flag) says so in its own
  column;
- the words the administration wrote are there in full, line breaks kept, one cell each:
  comments, reasons and possible changes, as sent in the version (ReplyVersion.content),
  only those of the box ticked (rules.texts_sent); and the files attached to the draft,
  one line each: "name (size bytes, SHA-256 hex)";
- the sheet is named "Replies" (REPLY_SHEET_TITLE) in XLSX and ODS, both paths.

The streamed export reads `values_list` rows in chunks (no model instances) and writes them
as they come: openpyxl's write-only mode for XLSX, the csv module for CSV, so memory stays
flat however many rows (bench/export.py measures it).
"""

from __future__ import annotations

import codecs
import csv
import datetime
from collections.abc import Callable, Iterable, Iterator
from typing import IO, Any

from django.db.models import QuerySet
from django.db.models.fields.json import KeyTextTransform, KeyTransform
from django.utils import translation

from accounts.resources import (  # one implementation for both apps (accounts never imports us)
    DATETIME_TEXT_FORMAT,
    NO,
    YES,
    escape_formula,
    export_cell,
    export_text,
)
from consultation.models import Reply, ReplyPosition, ReplyVersionPosition
from consultation.rules import texts_sent

__all__ = [
    "REPLY_COLUMNS",
    "RESULT_COLUMNS",
    "escape_formula",
    "export_cell",
    "iter_replies_csv",
    "REPLY_SHEET_TITLE",
    "attachments_text",
    "reply_rows",
    "result_rows",
    "stream_replies_csv",
    "stream_replies_xlsx",
]

CHUNK_SIZE = 2000

#: (resource field name, column header), in order.
REPLY_COLUMNS: tuple[tuple[str, str], ...] = (
    ("circular", "circular"),
    ("draft", "draft"),
    ("member_state", "Member State"),
    ("region", "ITU region"),
    ("decision", "decision"),
    ("comments", "comments"),
    ("reasons", "reasons"),
    ("possible_changes", "possible changes"),
    ("attachments", "attachments"),
    ("submitted_at", "submitted at (UTC)"),
    ("channel", "channel"),
    ("late", "late"),
    ("version", "version"),
    ("sha256", "SHA-256"),
    ("signatory", "signatory"),
    ("official_title", "official title"),
    ("demo", "demonstration data"),
)
REPLY_HEADERS = tuple(header for _, header in REPLY_COLUMNS)
SUBMITTED_AT = [name for name, _ in REPLY_COLUMNS].index("submitted_at")
#: The sheet's name in XLSX and ODS (tablib would call it "Tablib Dataset").
REPLY_SHEET_TITLE = "Replies"
RESULT_SHEET_TITLE = "Results"

#: What one row reads, in one query (joins, no instances). The signatory is the portal
#: account that submitted the version or, for a reply TSB recorded from a fax, letter or
#: e-mail, the name on the form; the official title is the form's.
REPLY_VALUES: tuple[Any, ...] = (
    "version__reply__circular__number",
    "version__reply__circular__study_period",
    "draft__number",
    "version__reply__member_state__name",
    "version__reply__member_state__region",
    "decision",
    "version_id",
    "draft_id",
    # The version's positions as sent (texts and attachments of every draft), one JSON value
    # a row; the row's own is picked by draft_id, once per version (rows come by version).
    KeyTransform("positions", "version__content"),
    "version__received_at",
    "version__channel",
    "version__is_late",
    "version__number",
    "version__sha256",
    "version__signatory_name",
    KeyTextTransform("from_name", KeyTransform("header", "version__content")),
    KeyTextTransform("from_title", KeyTransform("header", "version__content")),
    "version__reply__is_demo",
    "version__reply__circular__is_demo",
)


def reply_values(queryset: QuerySet[ReplyVersionPosition]) -> Iterator[tuple[Any, ...]]:
    """The raw rows of REPLY_VALUES, fetched CHUNK_SIZE at a time (server-side cursor on
    PostgreSQL, chunked fetches on SQLite)."""
    return queryset.values_list(*REPLY_VALUES).iterator(chunk_size=CHUNK_SIZE)


def _labels() -> tuple[dict[str, str], dict[str, str]]:
    """Decision and channel labels, in English (the export's headers are English), escaped."""
    with translation.override("en"):
        decisions = {
            value: export_text(str(label)) for value, label in ReplyPosition.Decision.choices
        }
        channels = {value: export_text(str(label)) for value, label in Reply.Channel.choices}
    return decisions, channels


def attachments_text(attachments: Iterable[dict[str, Any]] | None) -> str:
    """One line per file: "name (size bytes, SHA-256 hex)"."""
    return "\n".join(
        f"{a.get('name', '')} ({a.get('size', 0)} bytes, SHA-256 {a.get('sha256', '')})"
        for a in attachments or ()
    )


def _positions_by_draft(positions: Any) -> dict[Any, dict[str, Any]]:
    """One version's content["positions"] by draft_id."""
    if not isinstance(positions, list):
        return {}
    return {p.get("draft_id"): p for p in positions if isinstance(p, dict)}


def reply_rows(queryset: QuerySet[ReplyVersionPosition]) -> Iterator[list[Any]]:
    """One list of cells per position, in REPLY_COLUMNS order, as for XLSX and ODS.

    Each cell is already what `export_cell(value, native=True)` gives (texts escaped, times
    naive UTC to the second); `export_cell(cell, native=False)` turns it into CSV text.

    The texts (comments, reasons, possible changes) are those of the version as sent, in
    full, line breaks kept, and only those of the box ticked (rules.texts_sent, against the
    position row's decision, which is what counts).
    """
    decisions, channels = _labels()
    esc = export_text
    utc = datetime.UTC
    last_version: Any = object()
    by_draft: dict[Any, dict[str, Any]] = {}
    for (
        number,
        period,
        draft,
        state,
        region,
        decision,
        version_id,
        draft_id,
        positions,
        received_at,
        channel,
        is_late,
        version,
        sha256,
        signatory_name,
        from_name,
        from_title,
        reply_demo,
        circular_demo,
    ) in reply_values(queryset):
        if version_id != last_version:  # rows come version by version
            last_version = version_id
            by_draft = _positions_by_draft(positions)
        sent = by_draft.get(draft_id) or {}
        texts = texts_sent(
            decision=decision,
            comments=sent.get("comments") or "",
            reasons=sent.get("reasons") or "",
            possible_changes=sent.get("possible_changes") or "",
        )
        yield [
            esc(f"TSB Circular {number} ({period})"),
            esc(draft),
            esc(state),
            esc(region),
            decisions.get(decision) or esc(decision),
            esc(texts["comments"]) or None,  # an empty cell (None), in every format
            esc(texts["reasons"]) or None,
            esc(texts["possible_changes"]) or None,
            esc(attachments_text(sent.get("attachments"))) or None,
            received_at.astimezone(utc).replace(tzinfo=None, microsecond=0),
            channels.get(channel) or esc(channel),
            YES if is_late else NO,
            version,
            esc(sha256),
            esc(signatory_name or from_name or ""),
            esc(from_title or ""),
            YES if reply_demo or circular_demo else NO,
        ]


# --- the streamed exports -------------------------------------------------------------------


def _reported(
    rows: Iterator[list[Any]], progress: Callable[[int], None] | None
) -> Iterator[list[Any]]:
    """The rows, telling `progress` how many have gone every CHUNK_SIZE rows."""
    for count, row in enumerate(rows, start=1):
        yield row
        if progress is not None and count % CHUNK_SIZE == 0:
            progress(count)


def stream_replies_xlsx(
    queryset: QuerySet[ReplyVersionPosition],
    fileobj: IO[bytes],
    *,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Write the rows to `fileobj` as XLSX in openpyxl's write-only mode; return the count.

    The sheet is written to a temporary file as the rows come, then zipped into `fileobj`.
    """
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(REPLY_SHEET_TITLE)
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header = []
    for title in REPLY_HEADERS:
        cell = WriteOnlyCell(sheet, value=title)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    count = 0
    append = sheet.append
    for row in _reported(reply_rows(queryset), progress):
        append(row)
        count += 1
    workbook.save(fileobj)
    return count


class _Line:
    """A file-like object whose write returns what it was given (Django's streaming-CSV idiom)."""

    def write(self, value: str) -> str:
        return value


def _csv_chunks(rows: Iterable[list[Any]]) -> Iterator[bytes]:
    writer = csv.writer(_Line())
    yield codecs.BOM_UTF8 + writer.writerow(REPLY_HEADERS).encode("utf-8")
    lines: list[str] = []
    for row in rows:
        row[SUBMITTED_AT] = row[SUBMITTED_AT].strftime(DATETIME_TEXT_FORMAT)
        lines.append(writer.writerow(row))
        if len(lines) >= CHUNK_SIZE:
            yield "".join(lines).encode("utf-8")
            lines = []
    if lines:
        yield "".join(lines).encode("utf-8")


def iter_replies_csv(queryset: QuerySet[ReplyVersionPosition]) -> Iterator[bytes]:
    """The CSV file in UTF-8 (with a byte-order mark, which Excel needs to read UTF-8), in
    chunks of CHUNK_SIZE rows, for a StreamingHttpResponse."""
    return _csv_chunks(reply_rows(queryset))


def stream_replies_csv(
    queryset: QuerySet[ReplyVersionPosition],
    fileobj: IO[bytes],
    *,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Write the rows to the binary `fileobj` as CSV (UTF-8 with BOM); return the count."""
    count = 0

    def counted() -> Iterator[list[Any]]:
        nonlocal count
        for row in _reported(reply_rows(queryset), progress):
            count += 1
            yield row

    for chunk in _csv_chunks(counted()):
        fileobj.write(chunk)
    return count


# --- results ---------------------------------------------------------------------------------

RESULT_COLUMNS: tuple[tuple[str, str], ...] = (
    ("circular", "circular"),
    ("draft", "draft"),
    ("title", "title"),
    ("replies", "on-time replies"),
    ("supporting_no_comments", "supporting, no comments"),
    ("supporting_with_comments", "supporting, with comments"),
    ("not_supporting", "not supporting"),
    ("percent", "percent supporting"),
    ("proceeds", "may proceed"),
    ("late", "late replies"),
    ("frozen_at", "results frozen at (UTC)"),
    ("demo", "demonstration data"),
)


def result_rows(circulars: Iterable[Any]) -> Iterator[dict[str, Any]]:
    """One dict per draft of each published or closed circular (drafts have no results),
    from selectors.circular_results_table: frozen at closing, else live."""
    from consultation import selectors
    from consultation.models import Circular

    for circular in circulars:
        if circular.status == Circular.Status.DRAFT or circular.deadline is None:
            continue
        table = selectors.circular_results_table(circular=circular)
        frozen_at = datetime.datetime.fromisoformat(table.frozen_at) if table.frozen_at else None
        for draft in table.drafts:
            yield {
                "circular": f"TSB Circular {circular.number} ({circular.study_period})",
                "draft": draft.number,
                "title": draft.title,
                "replies": draft.replies,
                "supporting_no_comments": draft.supporting_no_comments,
                "supporting_with_comments": draft.supporting_with_comments,
                "not_supporting": draft.not_supporting,
                "percent": draft.percent,
                "proceeds": draft.proceeds,
                "late": len(draft.late),
                "frozen_at": frozen_at,
                "demo": circular.is_demo,
            }

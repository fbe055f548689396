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

What leaves the portal, by format (issue 10):

- XLSX and ODS (the admin's export and the large export alike) hold three sheets:
  "Replies" (the rows above), "Tally" (TALLY_COLUMNS: one row per draft of each circular
  the export covers, from result_rows / selectors.circular_results_table, so the whole
  circular's Resolution 1 tally even when the replies are filtered) and "Matrix" (one row
  per Member State of the rows, one column per draft headed by its number: the counted
  decision, that of the latest version received on time, "late: <decision>" for a state
  whose only replies to it came late, else empty). Every text cell of the three sheets goes
  through export_text (formulas escaped, control characters replaced).
- CSV is one sheet: the replies only (a CSV file cannot hold more); the Tally and Matrix
  are in the XLSX and ODS files.
- JSON is the replies only, a list of objects keyed by the English headers, one object a
  row (the large export writes it object by object). JSON is data for programs, not a
  spreadsheet: the texts are exactly as written, neither formula-escaped nor with their
  control characters replaced (a program that puts them in a spreadsheet must escape
  them itself); times are ISO 8601 in UTC ("2020-02-21T23:59:59Z"); numbers are numbers,
  empty cells null, and the yes/no columns keep the words "yes" and "no", as in the other
  formats. The admin's JSON and the large export's JSON are the same bytes.
- Line breaks: a text with CR LF (or a lone CR) inside keeps them in CSV and JSON.
  openpyxl writes a CR as "&#13;" and reads it back, so XLSX keeps it too; odfpy writes
  it raw into the XML, and XML's end-of-line normalization turns CR LF and CR into LF
  when the file is read: in ODS such a text comes back as LF lines (tests/consultation/
  test_exports_formats.py, test_line_breaks_by_format, checks each format). A leading CR
  is a formula trigger and is escaped like the others.
"""

from __future__ import annotations

import codecs
import csv
import datetime
import io
import json
from collections import Counter
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
    "MATRIX_SHEET_TITLE",
    "REPLY_COLUMNS",
    "RESULT_COLUMNS",
    "TALLY_COLUMNS",
    "TALLY_SHEET_TITLE",
    "Matrix",
    "escape_formula",
    "export_cell",
    "iter_replies_csv",
    "iter_replies_json",
    "ods_book",
    "REPLY_SHEET_TITLE",
    "attachments_text",
    "reply_rows",
    "result_rows",
    "stream_replies_csv",
    "stream_replies_json",
    "stream_replies_xlsx",
    "summary_sheets",
    "tally_rows",
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
TALLY_SHEET_TITLE = "Tally"
MATRIX_SHEET_TITLE = "Matrix"
_COLUMN = {name: i for i, (name, _) in enumerate(REPLY_COLUMNS)}
_CIRCULAR, _DRAFT, _STATE = _COLUMN["circular"], _COLUMN["draft"], _COLUMN["member_state"]
_DECISION, _LATE = _COLUMN["decision"], _COLUMN["late"]

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


def _labels(text: Callable[[str], str] = export_text) -> tuple[dict[str, str], dict[str, str]]:
    """Decision and channel labels, in English (the export's headers are English), through
    `text` (escaped, unless for JSON)."""
    with translation.override("en"):
        decisions = {value: text(str(label)) for value, label in ReplyPosition.Decision.choices}
        channels = {value: text(str(label)) for value, label in Reply.Channel.choices}
    return decisions, channels


def _as_is(value: str) -> str:
    """JSON's texts: exactly as written (see the module's docstring)."""
    return value


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


def reply_rows(
    queryset: QuerySet[ReplyVersionPosition], *, text: Callable[[str], str] = export_text
) -> Iterator[list[Any]]:
    """One list of cells per position, in REPLY_COLUMNS order, as for XLSX and ODS.

    Each cell is already what `export_cell(value, native=True)` gives (texts escaped, times
    naive UTC to the second); `export_cell(cell, native=False)` turns it into CSV text.
    For JSON, `text=_as_is` leaves the texts as written (`json_rows`).

    The texts (comments, reasons, possible changes) are those of the version as sent, in
    full, line breaks kept, and only those of the box ticked (rules.texts_sent, against the
    position row's decision, which is what counts).
    """
    decisions, channels = _labels(text)
    esc = text
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


# --- which replies: the change list's filters ------------------------------------------------

#: Change-list parameters that do not choose rows (page, ordering, error flag, facets).
_NOT_FILTERS = ("p", "o", "e", "_facets", "_changelist_filters", "_popup", "_to_field", "all")


def clean_query(query: str) -> str:
    """The replies change list's querystring without what does not choose rows."""
    from django.http import QueryDict

    params = QueryDict(query.lstrip("?"), mutable=True)
    for name in _NOT_FILTERS:
        params.pop(name, None)
    return params.urlencode()


def replies_for_query(*, query: str, user: Any) -> QuerySet[Reply]:
    """The replies that the admin's replies list shows for this querystring and user.

    The list's own machinery builds the queryset (ReplyAdmin's list_filter, including
    LateListFilter, its search_fields and its get_queryset, through django-import-export's
    get_export_queryset, the one its "Export" button uses), so that the large export, the
    worker's included, follows every filter the list has and will have, exactly as the list
    applies it. The worker has no request: it gets a bare GET request carrying the stored
    querystring and the user who asked. Raises IncorrectLookupParameters (and Django's
    DisallowedModelAdminLookup) for a querystring the list itself would refuse.
    """
    from django.contrib import admin
    from django.http import HttpRequest, QueryDict
    from django.urls import reverse

    request = HttpRequest()
    request.method = "GET"
    request.path = reverse("admin:consultation_reply_changelist")
    request.GET = QueryDict(clean_query(query))
    request.user = user
    model_admin = admin.site._registry[Reply]
    return model_admin.get_export_queryset(request)  # type: ignore[attr-defined, no-any-return]


def positions_of_replies(replies: QuerySet[Reply] | None) -> QuerySet[ReplyVersionPosition]:
    """The export rows (selectors.positions_for_export) of these replies; None: of all."""
    from consultation import selectors

    queryset = selectors.positions_for_export()
    if replies is None:
        return queryset
    return queryset.filter(version__reply__in=replies.order_by().values("pk"))


def positions_for_query(*, query: str, user: Any) -> QuerySet[ReplyVersionPosition]:
    """The export rows of the replies the list shows for `query` (every reply if empty)."""
    query = clean_query(query)
    return positions_of_replies(replies_for_query(query=query, user=user) if query else None)


# --- the streamed exports -------------------------------------------------------------------


def _reported(
    rows: Iterator[list[Any]], progress: Callable[[int], None] | None
) -> Iterator[list[Any]]:
    """The rows, telling `progress` how many have gone every CHUNK_SIZE rows."""
    for count, row in enumerate(rows, start=1):
        yield row
        if progress is not None and count % CHUNK_SIZE == 0:
            progress(count)


def _write_only_sheet(workbook: Any, title: str, headers: Iterable[str]) -> Any:
    """A write-only sheet named `title`, its bold header row written, panes frozen below it."""
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    sheet = workbook.create_sheet(title)
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header = []
    for title_text in headers:
        cell = WriteOnlyCell(sheet, value=title_text)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    return sheet


def stream_replies_xlsx(
    queryset: QuerySet[ReplyVersionPosition],
    fileobj: IO[bytes],
    *,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Write the rows to `fileobj` as XLSX in openpyxl's write-only mode; return the count
    of reply rows.

    The "Replies" sheet is written to a temporary file as the rows come (the Matrix is
    gathered from them on the way: one cell per Member State and draft, however many
    rows), then the "Tally" and "Matrix" sheets, then everything is zipped into `fileobj`.
    """
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = _write_only_sheet(workbook, REPLY_SHEET_TITLE, REPLY_HEADERS)
    matrix = Matrix()
    add = matrix.add
    count = 0
    append = sheet.append
    for row in _reported(reply_rows(queryset), progress):
        append(row)
        add(row)
        count += 1
    for title, headers, rows in summary_sheets(queryset, matrix):
        summary = _write_only_sheet(workbook, title, headers)
        for row in rows:
            summary.append(row)
    workbook.save(fileobj)
    return count


# --- the Tally and Matrix sheets ------------------------------------------------------------


class Matrix:
    """Member States by drafts, gathered from reply rows (REPLY_COLUMNS order, escaped).

    A cell is the decision of the state's counted version (the latest received on time: the
    only on-time version among the rows, selectors.positions_for_export), or, for a state
    that replied to the draft only late, "late: <decision of its latest late version>", or
    empty. Memory: one cell per state and draft, whatever the number of rows.
    """

    MEMBER_STATE = "Member State"

    def __init__(self) -> None:
        self.columns: dict[tuple[str, str], int] = {}  # (circular, draft): index, in order met
        # Per state, per column: the counted decision, or one of self._late's values. Cells
        # point at shared label strings: a list slot each (the bench's 100,000 rows, 200
        # states x 500 drafts, hold under a megabyte).
        self.cells: dict[str, list[str | None]] = {}
        self._late: dict[str, str] = {}  # decision label: "late: <label>"
        self._late_cells: set[str] = set()

    def add(self, row: list[Any]) -> None:
        key = (row[_CIRCULAR], row[_DRAFT])
        index = self.columns.get(key)
        if index is None:
            index = self.columns[key] = len(self.columns)
        cells = self.cells.get(row[_STATE])
        if cells is None:
            cells = self.cells[row[_STATE]] = []
        if len(cells) <= index:
            cells.extend([None] * (index + 1 - len(cells)))
        decision = row[_DECISION]
        if row[_LATE] != YES:
            cells[index] = decision  # the counted version: the only on-time one
            return
        current = cells[index]
        if current is None or current in self._late_cells:
            # Rows come version by version: the last late one met is the latest.
            late = self._late.get(decision)
            if late is None:
                late = self._late[decision] = f"late: {decision}"
                self._late_cells.add(late)
            cells[index] = late

    def headers(self) -> list[str]:
        """ "Member State", then each draft's number; a number that recurs in several
        circulars of the export is followed by its circular's."""
        times = Counter(draft for _, draft in self.columns)
        return [
            self.MEMBER_STATE,
            *(
                draft if times[draft] == 1 else export_text(f"{draft} ({circular})")
                for circular, draft in self.columns
            ),
        ]

    def rows(self) -> Iterator[list[Any]]:
        """One row per Member State, by name."""
        width = len(self.columns)
        for state in sorted(self.cells, key=lambda name: (name.lstrip("'").casefold(), name)):
            cells = self.cells[state]
            yield [state, *cells, *([None] * (width - len(cells)))]


def circulars_covered(queryset: QuerySet[ReplyVersionPosition]) -> QuerySet[Any]:
    """The circulars that the rows of `queryset` reply to, in the rows' order."""
    from consultation.models import Circular

    return Circular.objects.filter(
        pk__in=queryset.order_by().values("version__reply__circular_id")
    ).order_by("pk")


def tally_rows(circulars: Iterable[Any]) -> Iterator[list[Any]]:
    """One row per draft of `circulars`, in TALLY_COLUMNS order, cells as for XLSX and ODS."""
    names = [name for name, _ in TALLY_COLUMNS]
    for result in result_rows(circulars):
        yield [export_cell(result[name], native=True) for name in names]


def summary_sheets(
    queryset: QuerySet[ReplyVersionPosition], matrix: Matrix | None = None
) -> list[tuple[str, list[str], Iterable[list[Any]]]]:
    """The Tally and Matrix sheets of the export of `queryset`: (title, headers, rows).

    `matrix` is the one gathered while the reply rows were written; without it, it is
    gathered here from the rows (the admin's export, whose columns TSB may choose)."""
    if matrix is None:
        matrix = Matrix()
        for row in reply_rows(queryset):
            matrix.add(row)
    tally_headers = [header for _, header in TALLY_COLUMNS]
    return [
        (TALLY_SHEET_TITLE, tally_headers, tally_rows(circulars_covered(queryset))),
        (MATRIX_SHEET_TITLE, matrix.headers(), matrix.rows()),
    ]


def ods_book(sheets: Iterable[tuple[str, list[str], Iterable[list[Any]]]]) -> bytes:
    """An ODS file of several sheets, (title, headers, rows) each, cells as for ODS.

    tablib's Databook export to ODS forgets the date styles its single-sheet export has
    (its datetime cells would point at a style the file lacks); this adds them once."""
    from tablib.formats import _ods

    book = _ods.opendocument.OpenDocumentSpreadsheet()
    book.automaticstyles.addElement(_ods.bold)
    book.styles.addElement(_ods.date_style)
    book.automaticstyles.addElement(_ods.ds)
    book.styles.addElement(_ods.time_style)
    book.automaticstyles.addElement(_ods.ts)
    book.styles.addElement(_ods.datetime_style)
    book.automaticstyles.addElement(_ods.dts)
    import tablib

    for title, headers, rows in sheets:
        dataset = tablib.Dataset(*[list(row) for row in rows], headers=list(headers))
        table = _ods.table.Table(name=title)
        book.spreadsheet.addElement(table)
        _ods.ODSFormat.dset_sheet(dataset, table)
    stream = io.BytesIO()
    book.save(stream)
    return stream.getvalue()


# --- JSON -----------------------------------------------------------------------------------


def json_rows(queryset: QuerySet[ReplyVersionPosition]) -> Iterator[list[Any]]:
    """The reply rows for JSON: texts as written, times ISO 8601 in UTC."""
    for row in reply_rows(queryset, text=_as_is):
        row[SUBMITTED_AT] = json_datetime(row[SUBMITTED_AT])
        yield row


def json_datetime(value: Any) -> Any:
    """A naive UTC (or aware) datetime as ISO 8601 in UTC, to the second, with a Z."""
    if isinstance(value, datetime.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(datetime.UTC).replace(tzinfo=None)
        return value.replace(microsecond=0).isoformat() + "Z"
    return value


def json_chunks(headers: Iterable[str], rows: Iterable[Iterable[Any]]) -> Iterator[bytes]:
    """A JSON list of objects keyed by `headers`, one object a line, in chunks of
    CHUNK_SIZE rows: the same bytes whoever writes it (the admin's export, the large one)."""
    keys = list(headers)
    dumps = json.JSONEncoder(ensure_ascii=False).encode
    yield b"["
    separator = "\n"
    lines: list[str] = []
    for row in rows:
        lines.append(separator + dumps(dict(zip(keys, row, strict=True))))
        separator = ",\n"
        if len(lines) >= CHUNK_SIZE:
            yield "".join(lines).encode("utf-8")
            lines = []
    lines.append("\n]\n")
    yield "".join(lines).encode("utf-8")


def iter_replies_json(queryset: QuerySet[ReplyVersionPosition]) -> Iterator[bytes]:
    """The JSON file in UTF-8, in chunks, for a StreamingHttpResponse."""
    return json_chunks(REPLY_HEADERS, json_rows(queryset))


def stream_replies_json(
    queryset: QuerySet[ReplyVersionPosition],
    fileobj: IO[bytes],
    *,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Write the rows to the binary `fileobj` as JSON, object by object; return the count."""
    count = 0

    def counted() -> Iterator[list[Any]]:
        nonlocal count
        for row in _reported(json_rows(queryset), progress):
            count += 1
            yield row

    for chunk in json_chunks(REPLY_HEADERS, counted()):
        fileobj.write(chunk)
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
    from selectors.circular_results_tables: frozen at closing (one query for all), else live
    (a fixed number of queries for each circular not yet closed)."""
    from consultation import selectors
    from consultation.models import Circular

    circulars = [
        c for c in circulars if c.status != Circular.Status.DRAFT and c.deadline is not None
    ]
    # The frozen results of every closed circular in one query (issue 14).
    tables = selectors.circular_results_tables(circulars=circulars)
    for circular in circulars:
        table = tables[circular.pk]
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


#: The Tally sheet's columns: those of the results export, without its frozen-at and
#: demonstration columns (the Replies sheet says which rows are demonstration data).
TALLY_COLUMNS: tuple[tuple[str, str], ...] = tuple(
    (name, header) for name, header in RESULT_COLUMNS if name not in ("frozen_at", "demo")
)

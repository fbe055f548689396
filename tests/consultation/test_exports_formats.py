"""What leaves the portal (issue 10): the Tally and Matrix sheets, JSON, the list's filters on
the large export, and line breaks format by format.

The replies come from tests/consultation/test_exports.py's `consultation` fixture (through
the services): ten Member States reply on time (one revises), an eleventh only late, one of
the ten also late; every text carries a formula. Each file is opened as TSB would open it
(openpyxl, odfpy through tablib, csv, json) and its cells are checked.
"""

from __future__ import annotations

import csv
import datetime
import io
import json
from typing import Any
from urllib.parse import urlencode

import openpyxl
import pytest
import tablib
from django.contrib.admin.options import IncorrectLookupParameters
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from accounts.models import MemberState
from consultation import exports, services
from consultation.models import Circular, ExportJob, Reply, ReplyPosition
from consultation.services.exports import export_job_build, export_job_request
from tests import factories
from tests.consultation import test_exports
from tests.consultation.test_exports import (
    AGAINST,
    AUTH,
    AUTH_C,
    ON_TIME,
    TRIGGERS,
    admin_export,
    assert_no_live_formula_xlsx,
    csv_rows,
    payload,
)

pytestmark = pytest.mark.django_db

consultation = test_exports.consultation  # fixtures
exporter = test_exports.exporter

TALLY_HEADERS = [
    "circular",
    "draft",
    "title",
    "on-time replies",
    "supporting, no comments",
    "supporting, with comments",
    "not supporting",
    "percent supporting",
    "may proceed",
    "late replies",
]


def label(decision: str) -> str:
    return str(ReplyPosition.Decision(decision).label)


def expected_matrix(circular: Circular) -> tuple[list[str], dict[str, list[str | None]]]:
    """The Matrix the fixture's replies make: states 0-9 their on-time decisions (state 7
    its revision's, state 0 its on-time one despite its late revision), state 10 late only."""
    drafts = [exports.escape_formula(d.number) for d in circular.drafts.order_by("order")]
    cells = {
        exports.escape_formula(payload(10 + i)): [label(d) for d in decisions]
        for i, decisions in enumerate(ON_TIME)
    }
    cells[exports.escape_formula(payload(20))] = [f"late: {label(AGAINST)}"] * 2
    return ["Member State", *drafts], cells


def check_tally(header: list[Any], rows: list[list[Any]], circular: Circular) -> None:
    assert list(header) == TALLY_HEADERS
    number = f"TSB Circular {circular.number} (2025-2028)"
    drafts = list(circular.drafts.order_by("order"))
    assert [r[0] for r in rows] == [number, number]
    assert [r[1] for r in rows] == [exports.escape_formula(d.number) for d in drafts]
    assert [r[2] for r in rows] == [exports.escape_formula(d.title) for d in drafts]
    numbers = [[int(v) for v in r[3:7]] for r in rows]
    assert numbers == [[10, 5, 2, 3], [10, 4, 2, 4]]
    assert [float(r[7]) for r in rows] == [70.0, 60.0]
    assert [r[8] for r in rows] == ["yes", "no"]
    assert [int(r[9]) for r in rows] == [2, 2]


def check_matrix(
    header: list[Any], rows: list[list[Any]], circular: Circular, *, ods: bool = False
) -> None:
    """`ods`: a CR reads back as LF there (test_line_breaks_by_format)."""
    want_header, cells = expected_matrix(circular)
    if ods:
        cells = {name.replace("\r", "\n"): row for name, row in cells.items()}
    assert list(header) == want_header
    got = {row[0]: [v if v not in ("", None) else None for v in row[1:]] for row in rows}
    assert got == cells
    assert len(rows) == 11  # one row per Member State
    for row in [header, *rows]:
        for value in row:
            if isinstance(value, str):
                assert not value.startswith(TRIGGERS), value


def xlsx_sheets(content: bytes) -> dict[str, tuple[list[Any], list[list[Any]]]]:
    book = openpyxl.load_workbook(io.BytesIO(content))
    sheets = {}
    for sheet in book.worksheets:
        assert_no_live_formula_xlsx([cell for row in sheet.iter_rows() for cell in row])
        values = [[cell.value for cell in row] for row in sheet.iter_rows()]
        sheets[sheet.title] = (values[0], values[1:])
    return sheets


def ods_sheets(content: bytes) -> dict[str, tuple[list[Any], list[list[Any]]]]:
    book = tablib.Databook().load(content, format="ods")
    return {sheet.title: (list(sheet.headers), [list(r) for r in sheet]) for sheet in book.sheets()}


def large(client, kind: str, **params: Any) -> bytes:
    response = client.get(
        reverse("admin:consultation_reply_export_large"), {"format": kind, **params}
    )
    assert response.status_code == 200, response
    return b"".join(response.streaming_content)


def job_file(client, user, kind: str, query: str = "") -> bytes:
    """Through the admin: the large-export button (POST), the worker's function, the
    download link."""
    response = client.post(
        reverse("admin:consultation_reply_export_job"), {"format": kind, "query": query}
    )
    job = ExportJob.objects.latest("pk")
    assert response.status_code == 302
    assert (job.query, job.requested_by) == (exports.clean_query(query), user)
    assert export_job_build(job_id=job.pk) == "done"
    response = client.get(reverse("admin:consultation_exportjob_download", args=[job.pk]))
    assert response.status_code == 200
    return b"".join(response.streaming_content)


# --- item 1: Tally and Matrix ----------------------------------------------------------------


def test_xlsx_and_ods_hold_replies_tally_and_matrix_on_every_path(
    client, signed_in, exporter, consultation
) -> None:
    signed_in(client, exporter)
    files = {
        "admin xlsx": xlsx_sheets(admin_export(client, Reply, "xlsx")),
        "large xlsx": xlsx_sheets(large(client, "xlsx", circular=consultation.pk)),
        "job xlsx": xlsx_sheets(job_file(client, exporter, "xlsx")),
        "admin ods": ods_sheets(admin_export(client, Reply, "ods")),
    }
    replies = files["admin xlsx"]["Replies"]
    for name, sheets in files.items():
        assert list(sheets) == ["Replies", "Tally", "Matrix"], name
        assert tuple(sheets["Replies"][0]) == exports.REPLY_HEADERS, name
        assert len(sheets["Replies"][1]) == len(replies[1]) == 24, name
        check_tally(*sheets["Tally"], consultation)
        check_matrix(*sheets["Matrix"], consultation, ods=name.endswith("ods"))
    # CSV is a single sheet: the replies only.
    header, rows = csv_rows(admin_export(client, Reply, "csv"))
    assert tuple(header) == exports.REPLY_HEADERS and len(rows) == 24


def test_matrix_names_a_draft_number_met_in_two_circulars_with_its_circular(
    client, signed_in, exporter, consultation, tsb_staff
) -> None:
    other = factories.CircularFactory(
        status=Circular.Status.PUBLISHED, published_at=timezone.now(), study_period="2025-2028"
    )
    first = consultation.drafts.order_by("order").first()
    factories.DraftFactory(circular=other, order=1, number=first.number)
    official = factories.OfficialFactory(member_state=MemberState.objects.get(alpha3="QXB"))
    saved = services.reply_save_draft(
        circular_id=other.pk,
        official=official,
        expected_revision=0,
        header={"from_name": "N", "from_title": "T", "from_email": official.user.email},
        positions={other.drafts.get().pk: {"decision": AUTH}},
    )
    services.reply_submit(circular_id=other.pk, official=official, expected_revision=saved.revision)
    signed_in(client, exporter)
    sheets = xlsx_sheets(large(client, "xlsx"))
    header = sheets["Matrix"][0]
    number = exports.escape_formula(first.number)
    assert f"{number} (TSB Circular {other.number} (2025-2028))" in header
    assert f"{number} (TSB Circular {consultation.number} (2025-2028))" in header
    assert len(sheets["Tally"][1]) == 3


# --- item 2: JSON ------------------------------------------------------------------------


def test_json_is_a_list_of_objects_with_the_texts_as_written(
    client, signed_in, exporter, consultation
) -> None:
    signed_in(client, exporter)
    content = admin_export(client, Reply, "json")
    rows = json.loads(content)
    assert isinstance(rows, list) and len(rows) == 24
    assert all(list(row) == list(exports.REPLY_HEADERS) for row in rows)
    # The texts as written: no quote added (JSON is not a spreadsheet).
    names = {row["Member State"] for row in rows}
    assert names == {payload(10 + i) for i in range(11)}
    assert any(row["comments"] and row["comments"].startswith(TRIGGERS) for row in rows)
    for row in rows:
        at = row["submitted at (UTC)"]
        assert at.endswith("Z") and datetime.datetime.fromisoformat(at).utcoffset() == (
            datetime.timedelta(0)
        )
        assert isinstance(row["version"], int) and row["late"] in ("yes", "no")
    # The same file from the large export, and from a worker's job.
    assert large(client, "json") == content
    assert job_file(client, exporter, "json") == content
    # The same rows as CSV's, where texts are escaped and times written with a space.
    header, csv_data = csv_rows(admin_export(client, Reply, "csv"))
    for row, line in zip(rows, csv_data, strict=True):
        for name, value in zip(header, line, strict=True):
            if name == "submitted at (UTC)":
                assert value == row[name][:-1].replace("T", " ")
            elif row[name] is None:
                assert value == ""
            else:
                assert value == str(exports.export_cell(row[name], native=False)), name


# --- item 3: the large export follows the change list's filters ------------------------------


def listed(client, params: dict[str, str]) -> set[str]:
    """The Member States of the replies the change list shows for these parameters."""
    page = client.get(reverse("admin:consultation_reply_changelist"), params)
    assert page.status_code == 200
    return {r.member_state.name for r in page.context["cl"].queryset}


@pytest.mark.parametrize(
    "params",
    [
        {"is_late__exact": "1"},
        {"is_late__exact": "0", "member_state__region__exact": "A"},
        {"is_demo__exact": "1"},
        {"channel__exact": "fax"},
        {"status__exact": "submitted", "q": "#12"},
        {"q": "QXC"},
    ],
)
def test_large_exports_follow_the_lists_filters_and_search(
    client, signed_in, exporter, consultation, params
) -> None:
    signed_in(client, exporter)
    expected = listed(client, {**params, "o": "1", "p": "1"})
    assert expected and expected != listed(client, {})
    escaped = {exports.escape_formula(name) for name in expected}
    # The change list's buttons carry its querystring (page and ordering left out).
    page = client.get(reverse("admin:consultation_reply_changelist"), {**params, "o": "1"})
    query = urlencode(params)
    hidden = f'<input type="hidden" name="query" value="{escape(query)}">'
    assert hidden in page.content.decode()
    assert "Export the replies listed (large, XLSX)" in page.content.decode()
    # Streamed at once, and by a worker.
    _, rows = csv_rows(large(client, "csv", **params))
    assert {row[2] for row in rows} == escaped
    sheets = xlsx_sheets(job_file(client, exporter, "xlsx", query))
    assert {row[2] for row in sheets["Replies"][1]} == escaped
    assert {row[0] for row in sheets["Matrix"][1]} == escaped
    rows = json.loads(job_file(client, exporter, "json", query))
    assert {row["Member State"] for row in rows} == expected


def test_the_export_page_shows_the_filters_in_words(
    client, signed_in, exporter, consultation
) -> None:
    signed_in(client, exporter)
    query = urlencode(
        {
            "is_late__exact": "1",
            "member_state__region__exact": "A",
            "circular__id__exact": consultation.pk,
            "q": "Fax <b>",
            "p": "2",
        }
    )
    client.post(reverse("admin:consultation_reply_export_job"), {"format": "csv", "query": query})
    job = ExportJob.objects.get()
    assert job.circular == consultation  # the circular filter names the job's circular
    assert "p=" not in job.query
    html = client.get(
        reverse("admin:consultation_exportjob_change", args=[job.pk])
    ).content.decode()
    assert "<li>late: late (not counted)</li>" in html
    assert "<li>ITU region: A: Americas</li>" in html
    assert f"<li>circular: {consultation}</li>" in html
    assert "<li>search: Fax &lt;b&gt;</li>" in html
    client.post(reverse("admin:consultation_reply_export_job"), {"format": "xlsx"})
    unfiltered = ExportJob.objects.latest("pk")
    html = client.get(
        reverse("admin:consultation_exportjob_change", args=[unfiltered.pk])
    ).content.decode()
    assert "None: every reply." in html


def test_a_querystring_the_list_refuses_is_refused(exporter, consultation) -> None:
    with pytest.raises(IncorrectLookupParameters):
        export_job_request(user=exporter, format="csv", query="is_demo__exact=maybe")
    assert not ExportJob.objects.exists()


# --- item 7: line breaks ----------------------------------------------------------------------

CRLF_TEXT = "line one\r\nline two\rline three\nline four"


def test_line_breaks_by_format(client, signed_in, exporter, open_circular, official_a) -> None:
    """A text with CR LF and a lone CR: intact in CSV and JSON and in XLSX (openpyxl writes
    the CR as &#13;); in ODS it comes back as LF lines (odfpy writes the CR raw into the
    XML, whose end-of-line normalization reads CR LF and CR as LF). See exports' docstring."""
    saved = services.reply_save_draft(
        circular_id=open_circular.pk,
        official=official_a,
        expected_revision=0,
        header={"from_name": "N", "from_title": "T", "from_email": official_a.user.email},
        positions={open_circular.drafts.get().pk: {"decision": AUTH_C, "comments": CRLF_TEXT}},
    )
    services.reply_submit(
        circular_id=open_circular.pk, official=official_a, expected_revision=saved.revision
    )
    signed_in(client, exporter)
    at = exports.REPLY_HEADERS.index("comments")

    def comments_xlsx(content: bytes) -> str:
        return xlsx_sheets(content)["Replies"][1][0][at]

    assert comments_xlsx(admin_export(client, Reply, "xlsx")) == CRLF_TEXT
    assert comments_xlsx(large(client, "xlsx")) == CRLF_TEXT
    ods = ods_sheets(admin_export(client, Reply, "ods"))["Replies"][1][0][at]
    assert ods == "line one\nline two\nline three\nline four"
    for content in (admin_export(client, Reply, "csv"), large(client, "csv")):
        rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))
        assert rows[1][at] == CRLF_TEXT
    for content in (admin_export(client, Reply, "json"), large(client, "json")):
        assert json.loads(content)[0]["comments"] == CRLF_TEXT

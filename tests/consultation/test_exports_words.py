"""The replies export carries the words administrations wrote, intact, in every format.

Comments, reasons and possible changes in multi-line Arabic and Chinese and formula payloads,
and a file attached to a draft, exported through the admin (XLSX, CSV, ODS) and the streamed
large export (XLSX, CSV): every text is there in full (after the single leading quote the
escaping adds), only under the box ticked, no cell is a live formula, the first sheet is
"Replies" (then "Tally" and "Matrix", tests/consultation/test_exports_formats.py).
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from typing import Any

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from odf import opendocument, table, teletype

from accounts.models import Region
from consultation import exports, services
from consultation.attachments import validate_upload
from consultation.models import Circular, Reply, ReplyPosition
from tests import factories
from tests.consultation.test_exports import (
    EXPORT_PERMISSIONS,
    PDF,
    TRIGGERS,
    admin_export,
    csv_rows,
    grant,
)

pytestmark = pytest.mark.django_db

AUTH = ReplyPosition.Decision.AUTHORIZE_NO_COMMENTS
AUTH_C = ReplyPosition.Decision.AUTHORIZE_WITH_COMMENTS
AGAINST = ReplyPosition.Decision.DO_NOT_AUTHORIZE

ARABIC = "تعليقات الإدارة على المسودة.\nالفقرة 7.2: يُقترح تعديل الصياغة.\nمع التحية"
CHINESE = "主管部门的意见：\n第7.2段应予修改。\n此致敬礼"
FORMULAS = ['=HYPERLINK("http://x")', "+1", "-2", "@SUM(A1)", "\tTAB", "\rCR"]
#: (comments, reasons, possible changes) of each Member State, for draft 1 (comments box)
#: and draft 2 (does not authorize); each text starts with a payload or is multi-line.
TEXTS = [
    (ARABIC, CHINESE, ARABIC + "\n" + CHINESE),
    *((f"{f}\n{ARABIC}", f"{f} {CHINESE}", f"{f}\n\n  two spaces") for f in FORMULAS),
]
UNSENT = "typed under a box no longer ticked: never exported"


def unescape(value: Any, *, xml: bool = False) -> str:
    """The text without the quote the escaping added; `xml`: carriage returns as line feeds
    (see check_rows)."""
    if value is None:
        return ""
    assert isinstance(value, str), value
    triggers = TRIGGERS
    if xml:
        value, triggers = value.replace("\r", "\n"), (*TRIGGERS, "\n")
    return value[1:] if value.startswith("'") and value[1:].startswith(triggers) else value


@pytest.fixture
def exporter(tsb_staff):
    grant(tsb_staff, *EXPORT_PERMISSIONS)
    return tsb_staff


@pytest.fixture
def words(tsb_staff) -> dict[str, Any]:
    """One state per TEXTS entry replies: draft 1 with comments (and, for the first, a file),
    draft 2 against with reasons and possible changes, draft 3 no comments (texts typed
    before the box was changed are not sent)."""
    circular = factories.CircularFactory(
        status=Circular.Status.PUBLISHED,
        published_at=timezone.now(),
        issued_on=timezone.now().date(),
        study_period="2025-2028",
    )
    drafts = [
        factories.DraftFactory(circular=circular, order=n, number=f"ITU-T Q.{5050 + n}")
        for n in (1, 2, 3)
    ]
    expected: dict[tuple[str, str], dict[str, str]] = {}
    for i, (comments, reasons, changes) in enumerate(TEXTS):
        state = factories.MemberStateFactory(
            alpha2=f"W{chr(65 + i)}",
            alpha3=f"WX{chr(65 + i)}",
            name=f"State {i}",
            region=Region.values[i % 5],
        )
        official = factories.OfficialFactory(member_state=state)
        uploads = []
        attachments = ""
        if i == 0:
            name = "تعليقات 意见.pdf"
            upload = SimpleUploadedFile(name, PDF, content_type="application/pdf")
            uploads.append(
                services.AttachmentUpload(
                    file=upload,
                    validated=validate_upload(upload),
                    kind="comments",
                    draft_id=drafts[0].pk,
                )
            )
            attachments = f"{name} ({len(PDF)} bytes, SHA-256 {hashlib.sha256(PDF).hexdigest()})"
        saved = services.reply_save_draft(
            circular_id=circular.pk,
            official=official,
            expected_revision=0,
            header={
                "from_name": f"Name {i}",
                "from_title": "Director",
                "place": "Geneva",
                "from_email": official.user.email,
            },
            positions={
                drafts[0].pk: {
                    "decision": AUTH_C,
                    "comments": comments,
                    "reasons": UNSENT,
                    "possible_changes": UNSENT,
                },
                drafts[1].pk: {
                    "decision": AGAINST,
                    "comments": UNSENT,
                    "reasons": reasons,
                    "possible_changes": changes,
                },
                drafts[2].pk: {
                    "decision": AUTH,
                    "comments": UNSENT,
                    "reasons": UNSENT,
                    "possible_changes": UNSENT,
                },
            },
            uploads=uploads,
        )
        services.reply_submit(
            circular_id=circular.pk, official=official, expected_revision=saved.revision
        )
        empty = {"comments": "", "reasons": "", "possible changes": "", "attachments": ""}
        expected[(state.name, drafts[0].number)] = {
            **empty,
            "comments": comments,
            "attachments": attachments,
        }
        expected[(state.name, drafts[1].number)] = {
            **empty,
            "reasons": reasons,
            "possible changes": changes,
        }
        expected[(state.name, drafts[2].number)] = empty
    return {"circular": circular, "expected": expected}


def check_rows(header: list[Any], rows: list[list[Any]], expected: dict, *, xml=False) -> None:
    """`xml` for XLSX and ODS: openpyxl and odfpy may write a carriage return
    unescaped, which the XML parser reads back as a line feed; every other character is
    intact."""
    assert tuple(header) == exports.REPLY_HEADERS
    if xml:
        expected = {
            key: {name: text.replace("\r", "\n") for name, text in texts.items()}
            for key, texts in expected.items()
        }
    col = {name: header.index(name) for name in header}
    found = {}
    for row in rows:
        for value in row:
            if isinstance(value, str):
                assert not value.startswith(TRIGGERS), value
                assert UNSENT not in value
        key = (row[col["Member State"]], row[col["draft"]])
        found[key] = {name: unescape(row[col[name]], xml=xml) for name in expected[key]}
    assert found == expected


def xlsx_read(content: bytes) -> tuple[str, list[Any], list[list[Any]]]:
    book = openpyxl.load_workbook(io.BytesIO(content))
    assert book.sheetnames == ["Replies", "Tally", "Matrix"]
    sheet = book.active
    for row in sheet.iter_rows():
        for cell in row:
            assert cell.data_type != "f", (cell.coordinate, cell.value)
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    return sheet.title, values[0], values[1:]


def ods_read(content: bytes) -> tuple[str, list[Any], list[list[Any]]]:
    """The ODS sheet with odfpy: each cell's text (paragraphs joined by line breaks), and no
    cell carrying a formula (table:formula)."""
    document = opendocument.load(io.BytesIO(content))
    sheets = document.spreadsheet.getElementsByType(table.Table)
    assert [s.getAttribute("name") for s in sheets] == ["Replies", "Tally", "Matrix"]
    values = []
    for row in sheets[0].getElementsByType(table.TableRow):
        cells = []
        for cell in row.getElementsByType(table.TableCell):
            assert not cell.getAttribute("formula"), cell
            paragraphs = [teletype.extractText(p) for p in cell.childNodes]
            cells.append("\n".join(paragraphs) if paragraphs else None)
        values.append(cells)
    return sheets[0].getAttribute("name"), values[0], values[1:]


def streamed(client, circular: Circular, kind: str) -> bytes:
    url = reverse("admin:consultation_reply_export_large")
    response = client.get(url, {"format": kind, "circular": circular.pk})
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def test_the_words_written_are_exported_intact_in_every_format(
    client, signed_in, exporter, words
) -> None:
    signed_in(client, exporter)
    expected = words["expected"]
    assert len(expected) == 3 * len(TEXTS)

    for content in (
        admin_export(client, Reply, "xlsx"),
        streamed(client, words["circular"], "xlsx"),
    ):
        title, header, rows = xlsx_read(content)
        assert title == "Replies"
        check_rows(header, rows, expected, xml=True)
    # No XML in the workbook says "Tablib Dataset".
    with zipfile.ZipFile(io.BytesIO(admin_export(client, Reply, "xlsx"))) as archive:
        assert b"Tablib Dataset" not in archive.read("xl/workbook.xml")

    for content in (admin_export(client, Reply, "csv"), streamed(client, words["circular"], "csv")):
        header, rows = csv_rows(content)
        check_rows(header, rows, expected)

    title, header, rows = ods_read(admin_export(client, Reply, "ods"))
    assert title == "Replies"
    check_rows(header, rows, expected, xml=True)


def test_results_sheet_is_named(client, signed_in, exporter, words) -> None:
    signed_in(client, exporter)
    book = openpyxl.load_workbook(io.BytesIO(admin_export(client, Circular, "xlsx")))
    assert book.sheetnames == ["Results"]


def test_attachments_text() -> None:
    assert exports.attachments_text([]) == ""
    assert (
        exports.attachments_text(
            [
                {"name": "a.pdf", "size": 3, "sha256": "ab", "kind": "comments"},
                {"name": "=b.docx", "size": 1, "sha256": "cd", "kind": "reasons"},
            ]
        )
        == "a.pdf (3 bytes, SHA-256 ab)\n=b.docx (1 bytes, SHA-256 cd)"
    )

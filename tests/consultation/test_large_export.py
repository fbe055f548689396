"""The streamed export of every reply: the same columns, values and escaping as the admin's
export (the resource), read in chunks of rows without model instances."""

from __future__ import annotations

import csv
import datetime
import io

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import MemberState, Region
from consultation import exports, selectors
from consultation.models import (
    Circular,
    DraftRecommendation,
    Reply,
    ReplyVersion,
    ReplyVersionPosition,
)
from consultation.resources import ReplyPositionResource
from tests import factories

pytestmark = pytest.mark.django_db

STATES, DRAFTS, CIRCULARS = 125, 10, 2  # 2 x 125 x 10 = 2,500 positions a version
TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
DECISIONS = ("authorize", "authorize_comments", "do_not_authorize")


def build(staff) -> int:
    """CIRCULARS circulars of DRAFTS drafts; each of STATES Member States replies once on time
    and once late: 5,000 positions. Names, numbers and headers carry formulas."""
    states = MemberState.objects.bulk_create(
        [
            MemberState(
                alpha2=f"{chr(65 + i // 26)}{chr(65 + i % 26)}",
                alpha3=f"Z{chr(65 + i // 26)}{chr(65 + i % 26)}",
                name=("=", "+", "-", "@", "\t", "\r", "")[i % 7] + f"State {i}",
                region=Region.values[i % 5],
            )
            for i in range(STATES)
        ]
    )
    signatory = factories.UserFactory(first_name="=cmd|' /C calc'!A0", last_name="Signatory")
    now = timezone.now().replace(microsecond=0)
    total = 0
    for c in range(CIRCULARS):
        circular = factories.CircularFactory(
            status=Circular.Status.PUBLISHED,
            published_at=now - datetime.timedelta(days=40),
            issued_on=(now - datetime.timedelta(days=40)).date(),
            deadline=now - datetime.timedelta(days=1),
            is_demo=c == 1,
        )
        drafts = DraftRecommendation.objects.bulk_create(
            [
                DraftRecommendation(
                    circular=circular, order=d + 1, number=f"=D{d}+{c}", title=f"Draft {d}"
                )
                for d in range(DRAFTS)
            ]
        )
        replies = Reply.objects.bulk_create(
            [
                Reply(
                    circular=circular,
                    member_state=state,
                    status=Reply.Status.SUBMITTED,
                    version=2,
                    submitted_at=now,
                    submitted_by=signatory,
                    is_late=True,
                )
                for state in states
            ]
        )
        versions = ReplyVersion.objects.bulk_create(
            [
                ReplyVersion(
                    reply=reply,
                    number=number,
                    received_at=circular.deadline + datetime.timedelta(hours=late * 5, minutes=-i),
                    submitted_by=signatory if not late else None,
                    entered_by=None if not late else staff,
                    channel="portal" if not late else "letter",
                    is_late=bool(late),
                    signatory_name="" if late else "=cmd Signatory",
                    content={"header": {"from_name": f"@Name {i}", "from_title": f"-Title {i}"}},
                    sha256=f"{i:064x}",
                )
                for i, reply in enumerate(replies)
                for number, late in ((1, 0), (2, 1))
            ]
        )
        rows = [
            ReplyVersionPosition(
                version=version,
                draft=draft,
                decision=DECISIONS[(version.pk + draft.order) % 3],
                has_comments=draft.order % 2 == 0,
            )
            for version in versions
            for draft in drafts
        ]
        ReplyVersionPosition.objects.bulk_create(rows, batch_size=1000)
        total += len(rows)
    return total


def test_stream_5000_rows_same_as_the_resource(tsb_staff, django_assert_max_num_queries) -> None:
    assert build(tsb_staff) == 5000
    queryset = selectors.positions_for_export()
    # The resource, as the admin runs it (XLSX: native types; CSV: text).
    native = ReplyPositionResource().export(queryset=queryset, force_native_type=True)
    text = ReplyPositionResource().export(queryset=queryset, force_native_type=False)
    assert len(native) == 5000
    assert tuple(native.headers) == exports.REPLY_HEADERS

    xlsx = io.BytesIO()
    # One query read in chunks, no row-by-row queries; then the Tally sheet's results, a
    # fixed number of aggregate queries per circular (results.compute).
    with django_assert_max_num_queries(4 + 7 * CIRCULARS):
        assert exports.stream_replies_xlsx(queryset, xlsx) == 5000
    workbook = openpyxl.load_workbook(io.BytesIO(xlsx.getvalue()), read_only=True)
    assert workbook.sheetnames == ["Replies", "Tally", "Matrix"]
    sheet = workbook["Replies"]
    streamed = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert tuple(streamed[0]) == exports.REPLY_HEADERS
    assert streamed[1:] == [list(row) for row in native]

    csv_file = io.BytesIO()
    with django_assert_max_num_queries(4):
        assert exports.stream_replies_csv(queryset, csv_file) == 5000
    content = csv_file.getvalue()
    assert content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))
    assert tuple(rows[0]) == exports.REPLY_HEADERS
    assert rows[1:] == [[str(v) for v in row] for row in text]

    col = {name: i for i, name in enumerate(exports.REPLY_HEADERS)}
    for row in streamed[1:]:
        assert isinstance(row[col["submitted at (UTC)"]], datetime.datetime)
        assert isinstance(row[col["version"]], int)
        for value in row:
            if isinstance(value, str):
                assert not value.startswith(TRIGGERS), value
    for row in rows[1:]:
        for value in row:
            assert not value.startswith(TRIGGERS), value
    sample = streamed[1]
    assert sample[col["draft"]].startswith("'=D")
    assert sample[col["official title"]].startswith("'-Title")
    assert {r[col["demonstration data"]] for r in streamed[1:]} == {"yes", "no"}
    assert {r[col["late"]] for r in streamed[1:]} == {"yes", "no"}
    # Offline (late) versions name the signatory of the form; portal ones the account.
    signatories = {r[col["late"]]: r[col["signatory"]][:6] for r in streamed[1:]}
    assert signatories == {"yes": "'@Name", "no": "'=cmd "}


def test_the_large_export_buttons_follow_the_circular_filter(client, tsb_staff, open_circular):
    """Filtered by circular, the change list's large-export buttons export that circular."""
    from django.contrib.auth.models import Permission

    from tests.conftest import sign_in

    tsb_staff.user_permissions.add(Permission.objects.get(codename="export_reply"))
    sign_in(client, tsb_staff)
    page = client.get(
        reverse("admin:consultation_reply_changelist"), {"circular__id__exact": open_circular.pk}
    )
    html = page.content.decode()
    assert f'action="{reverse("admin:consultation_reply_export_job")}"' in html
    assert f'<input type="hidden" name="circular" value="{open_circular.pk}">' in html
    assert "replies (large, XLSX)" in html and "Export this circular" in html
    unfiltered = client.get(reverse("admin:consultation_reply_changelist")).content.decode()
    assert 'name="circular"' not in unfiltered and "Export all replies (large, CSV)" in unfiltered

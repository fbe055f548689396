"""The TD of comments (WTSA Resolution 1, 9.4.7): what TSB submits to the study group meeting."""

from __future__ import annotations

import datetime
import hashlib
from io import BytesIO
from typing import Any

import docx
import pypdf
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from docx.table import Table

from consultation import documents, services
from consultation.attachments import validate_upload
from consultation.demo import demo_load
from consultation.formatting import format_utc
from consultation.models import Attachment, Circular, ReplyPosition
from tests import factories

pytestmark = pytest.mark.django_db

HEADER = {"from_name": "A. Minister", "from_title": "Director, ITU affairs", "place": "Bern"}
LATE_HEADING = "Replies received after the deadline (not counted)"
NO_REPLY_HEADING = "Member States that did not reply by the deadline"
DEMO = "DEMONSTRATION DATA \u2014 not positions of real administrations"


def pdf(marker: str) -> bytes:
    return f"%PDF-1.4\n% {marker}\n%%EOF\n".encode()


def upload(name: str, content: bytes, *, kind: str = "comments", draft_id: int | None = None):
    file = SimpleUploadedFile(name, content, content_type="application/pdf")
    return services.AttachmentUpload(
        file=file, validated=validate_upload(file), kind=kind, draft_id=draft_id
    )


def position(decision: str, **texts: str) -> dict[str, str]:
    values = {"decision": decision, "comments": "", "reasons": "", "possible_changes": ""}
    values.update(texts)
    return values


def reply(circular, official, revision: int, positions, uploads=(), remove=()) -> int:
    """Save the form and submit it, as an official does; returns the next revision."""
    services.reply_save_draft(
        circular_id=circular.pk,
        official=official,
        expected_revision=revision,
        header={**HEADER, "from_email": official.user.email},
        positions=positions,
        uploads=uploads,
        remove_attachment_ids=remove,
    )
    services.reply_submit(
        circular_id=circular.pk, official=official, expected_revision=revision + 1
    )
    return revision + 1


# --- reading the DOCX ---------------------------------------------------------------------------


def blocks(data: bytes) -> list[tuple[str, Any]]:
    """The body in document order: ("h1".."h3" | "p", text) and ("table", {label: value})."""
    document = docx.Document(BytesIO(data))
    out: list[tuple[str, Any]] = []
    for item in document.iter_inner_content():
        if isinstance(item, Table):
            out.append(("table", {row.cells[0].text: row.cells[1].text for row in item.rows}))
            continue
        style = item.style.name if item.style is not None else ""
        if style.startswith("Heading "):
            out.append((f"h{style.split()[-1]}", item.text))
        else:
            out.append(("p", item.text))
    return out


def text_of(items: list[tuple[str, Any]]) -> str:
    lines = []
    for kind, value in items:
        if kind == "table":
            lines.extend(f"{k}: {v}" for k, v in value.items())
        else:
            lines.append(value)
    return "\n".join(lines)


def section(items: list[tuple[str, Any]], heading: str, level: str) -> list[tuple[str, Any]]:
    """The blocks under the first heading of `level` whose text starts with `heading`, up to
    the next heading of the same or a higher level."""
    start = next(i for i, (k, v) in enumerate(items) if k == level and v.startswith(heading))
    rank = int(level[1])
    end = len(items)
    for i in range(start + 1, len(items)):
        kind = items[i][0]
        if kind.startswith("h") and int(kind[1]) <= rank:
            end = i
            break
    return items[start + 1 : end]


# --- the cast: a closed circular with two drafts -------------------------------------------------


@pytest.fixture
def closed(tsb_staff) -> dict[str, Any]:
    states = {
        key: factories.MemberStateFactory(alpha2=f"Q{key}", alpha3=f"QQ{key}", name=f"State {key}")
        for key in "ABCDEFG"
    }
    officials = {key: factories.OfficialFactory(member_state=states[key]) for key in "ABCD"}
    circular = factories.CircularFactory(
        number=205,
        study_period="2017-2020",
        status=Circular.Status.PUBLISHED,
        published_at=timezone.now(),
        issued_on=timezone.now().date(),
    )
    d1 = factories.DraftFactory(
        circular=circular,
        order=1,
        number="ITU-T Q.5051",
        former_name="Q.FW_CSM",
        title="Framework for combating the use of stolen mobile devices",
    )
    d2 = factories.DraftFactory(
        circular=circular, order=2, number="ITU-T Q.5052", title="Second draft"
    )
    a_file = pdf("comments of State A")
    reply(
        circular,
        officials["A"],
        0,
        {
            d1.pk: position("authorize_comments", comments="A1: clause 6.2 should cite Q.5050."),
            d2.pk: position("authorize"),
        },
        uploads=[upload("a-comments-q5051.pdf", a_file, draft_id=d1.pk)],
    )
    # B replies, then revises: only the second version, the latest on time, counts.
    b_old = pdf("superseded by State B")
    revision = reply(
        circular,
        officials["B"],
        0,
        {
            d1.pk: position(
                "do_not_authorize",
                reasons="B-OLD reasons that were withdrawn",
                possible_changes="B-OLD changes that were withdrawn",
            ),
            d2.pk: position("authorize"),
        },
        uploads=[upload("b-superseded.pdf", b_old, kind="reasons", draft_id=d1.pk)],
    )
    superseded = Attachment.objects.get(original_name="b-superseded.pdf")
    reply(
        circular,
        officials["B"],
        revision,
        {
            d1.pk: position("authorize_comments", comments="B1: editorial changes in Annex A."),
            d2.pk: position(
                "do_not_authorize",
                reasons="B2: the scope overlaps Q.3000.",
                possible_changes="B2: restrict the scope to mobile devices.",
            ),
        },
        remove=[superseded.pk],
    )
    reply(circular, officials["C"], 0, {d1.pk: position("authorize"), d2.pk: position("authorize")})
    reply(
        circular,
        officials["D"],
        0,
        {
            d1.pk: position(
                "do_not_authorize",
                reasons="D1: IMEI databases are national matters.",
                possible_changes="D1: make clause 7 informative.",
            ),
            d2.pk: position(
                "do_not_authorize",
                reasons="D2: not mature.",
                possible_changes="D2: another study period.",
            ),
        },
    )
    # E's letter arrives an hour after the deadline; TSB records it: late, not counted.
    deadline = circular.deadline
    e_scan = pdf("letter of State E")
    services.reply_record_offline(
        circular_id=circular.pk,
        member_state_id=states["E"].pk,
        actor=tsb_staff,
        channel="letter",
        received_at=deadline + datetime.timedelta(hours=1),
        header=HEADER,
        positions={
            d1.pk: position(
                "do_not_authorize",
                reasons="E1-LATE: reasons sent too late.",
                possible_changes="E1-LATE: changes sent too late.",
            ),
            d2.pk: position("authorize_comments", comments="E2-LATE: a late comment."),
        },
        scan=upload("e-letter.pdf", e_scan, kind="scan"),
        now=deadline + datetime.timedelta(hours=2),
    )
    services.circular_close(
        circular_id=circular.pk, actor=tsb_staff, now=deadline + datetime.timedelta(hours=3)
    )
    circular.refresh_from_db()
    return {
        "circular": circular,
        "d1": d1,
        "d2": d2,
        "a_file": a_file,
        "b_old": b_old,
        "e_scan": e_scan,
    }


def test_td_has_the_title_block_and_cites_resolution_1(closed) -> None:
    items = blocks(documents.comments_td_build(circular=closed["circular"]))
    text = text_of(items)
    assert "TEMPORARY DOCUMENT" in text
    assert "STUDY PERIOD 2017-2020" in text
    assert "Study group: ITU-T Study Group 11" in text
    meeting = closed["circular"].meeting
    assert f"Meeting: Geneva, {meeting.starts_on:%-d %B %Y} to {meeting.ends_on:%-d %B %Y}" in text
    assert "Source: Director, TSB" in text
    assert (
        "Title: Comments received in reply to TSB Circular 205 (2017-2020) on draft new "
        "Recommendation ITU-T Q.5051 (ex Q.FW_CSM) and draft new Recommendation ITU-T Q.5052"
    ) in text
    assert "clause 9.4.7 of WTSA Resolution 1" in text
    assert DEMO not in text


def test_td_gives_each_drafts_tally(closed) -> None:
    items = blocks(documents.comments_td_build(circular=closed["circular"]))
    first = section(items, "1. ITU-T Q.5051 (ex Q.FW_CSM): Framework for combating", "h1")
    second = section(items, "2. ITU-T Q.5052: Second draft", "h1")
    [table1] = [v for k, v in first if k == "table"]
    [table2] = [v for k, v in second if k == "table"]
    assert table1 == {
        "Replies received by the deadline": "4",
        "Supporting, without comments": "1",
        "Supporting, with comments": "2",
        "Not supporting": "1",
        "Supporting replies, share of the replies": "75.0 %",
        "Consideration for approval may proceed (clauses 9.4.5 and 9.4.6)": "Yes",
        "Replies received after the deadline (not counted)": "1 (State E)",
    }
    assert table2["Supporting, without comments"] == "2"
    assert table2["Not supporting"] == "2"
    assert table2["Supporting replies, share of the replies"] == "50.0 %"
    assert table2["Consideration for approval may proceed (clauses 9.4.5 and 9.4.6)"] == "No"


def test_td_reproduces_every_comment_of_the_counted_versions_under_its_member_state(
    closed,
) -> None:
    items = blocks(documents.comments_td_build(circular=closed["circular"]))
    first = section(items, "1. ITU-T Q.5051", "h1")
    second = section(items, "2. ITU-T Q.5052", "h1")

    a1 = text_of(section(first, "State A", "h3"))
    assert "Decision: Authorizes consideration for approval: comments and proposed changes" in a1
    assert "A1: clause 6.2 should cite Q.5050." in a1
    sha = hashlib.sha256(closed["a_file"]).hexdigest()
    size = len(closed["a_file"])
    assert (
        f"a-comments-q5051.pdf (Comments and proposed changes), {size} bytes, SHA-256 {sha}" in a1
    )

    b1 = text_of(section(first, "State B", "h3"))
    assert "B1: editorial changes in Annex A." in b1
    assert "version 2" in b1
    b2 = text_of(section(second, "State B", "h3"))
    assert "Decision: Does not authorize consideration for approval" in b2
    assert "B2: the scope overlaps Q.3000." in b2
    assert "B2: restrict the scope to mobile devices." in b2

    d1 = text_of(section(first, "State D", "h3"))
    assert "D1: IMEI databases are national matters." in d1
    assert "D1: make clause 7 informative." in d1
    d2 = text_of(section(second, "State D", "h3"))
    assert "D2: not mature." in d2 and "D2: another study period." in d2

    # Replies without any text or file are named once per draft, with their decision.
    supported = "Authorizes consideration for approval: no comments or proposed changes"
    assert ("h3", "State C") not in first + second
    assert ("p", f"{supported}: State C") in first
    assert ("p", f"{supported}: State A, State C") in second


def test_td_leaves_out_superseded_versions_and_the_live_working_copy(closed) -> None:
    circular = closed["circular"]
    # A later edit of a working copy is not what was submitted: it must not show.
    ReplyPosition.objects.filter(reply__circular=circular).update(comments="LIVE-EDIT")
    text = text_of(blocks(documents.comments_td_build(circular=circular)))
    assert "B-OLD" not in text
    assert "b-superseded.pdf" not in text
    assert hashlib.sha256(closed["b_old"]).hexdigest() not in text
    assert "LIVE-EDIT" not in text


def test_td_lists_late_replies_apart_with_their_comments(closed) -> None:
    items = blocks(documents.comments_td_build(circular=closed["circular"]))
    late_at = items.index(("h1", LATE_HEADING))
    before = text_of(items[:late_at])
    assert "E1-LATE" not in before and "E2-LATE" not in before
    assert ("h3", "State E") not in items[:late_at]
    late = section(items, LATE_HEADING, "h1")
    e = text_of(section(late, "State E", "h2"))
    assert "(Letter), version 1" in e
    assert "E1-LATE: reasons sent too late." in e
    assert "E1-LATE: changes sent too late." in e
    assert "E2-LATE: a late comment." in e
    sha = hashlib.sha256(closed["e_scan"]).hexdigest()
    assert f"e-letter.pdf (Scanned original reply), {len(closed['e_scan'])} bytes" in e
    assert sha in e


def test_td_ends_with_the_member_states_that_did_not_reply(closed) -> None:
    items = blocks(documents.comments_td_build(circular=closed["circular"]))
    no_reply = text_of(section(items, NO_REPLY_HEADING, "h1"))
    assert "3 Member States did not reply by the deadline." in no_reply
    assert "B: Western Europe" in no_reply
    assert "State E (reply received after the deadline), State F, State G" in no_reply
    for replied in ("State A", "State B", "State C", "State D"):
        assert replied not in no_reply
    assert items.index(("h1", LATE_HEADING)) < items.index(("h1", NO_REPLY_HEADING))


def test_td_reads_the_versions_in_one_query(closed) -> None:
    with CaptureQueriesContext(connection) as queries:
        documents.comments_td_build(circular=closed["circular"])
    sql = [q["sql"] for q in queries.captured_queries]
    assert len([s for s in sql if '"content"' in s]) == 1
    assert not [s for s in sql if '"consultation_attachment"' in s]
    assert not [s for s in sql if 'FROM "consultation_replyposition"' in s]
    assert len(sql) <= 8


def test_demonstration_data_is_labelled_at_the_top_and_beside_each_reply(tsb_staff) -> None:
    circular = factories.CircularFactory(
        status=Circular.Status.PUBLISHED,
        published_at=timezone.now(),
        issued_on=timezone.now().date(),
        is_demo=True,
    )
    draft = factories.DraftFactory(circular=circular, order=1)
    official = factories.OfficialFactory(member_state__name="Demo State")
    reply(circular, official, 0, {draft.pk: position("authorize_comments", comments="Demo text")})
    services.circular_close(
        circular_id=circular.pk,
        actor=tsb_staff,
        now=circular.deadline + datetime.timedelta(seconds=1),
    )
    data = documents.comments_td_build(circular=circular)
    document = docx.Document(BytesIO(data))
    assert DEMO in document.sections[0].header.paragraphs[0].text
    assert document.paragraphs[0].text == DEMO
    items = blocks(data)
    entry = section(items, "Demo State", "h3")
    assert entry[0] == ("p", DEMO)


# --- the download --------------------------------------------------------------------------------


def test_staff_download_the_td_as_an_attachment(client, signed_in, tsb_staff, closed) -> None:
    signed_in(client, tsb_staff)
    response = client.get(reverse("consultation:comments-td", args=[closed["circular"].pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == documents.DOCX_CONTENT_TYPE
    assert response["Content-Disposition"] == (
        'attachment; filename="TD-comments-Circular-205-2017-2020.docx"'
    )
    text = text_of(blocks(response.content))
    assert "A1: clause 6.2 should cite Q.5050." in text


def test_an_open_circular_has_no_td_yet(client, signed_in, tsb_staff, open_circular) -> None:
    signed_in(client, tsb_staff)
    response = client.get(reverse("consultation:comments-td", args=[open_circular.pk]))
    assert response.status_code == 409
    assert "only once the consultation is closed" in response.content.decode()


def test_unknown_circular_is_404_for_staff(client, signed_in, tsb_staff) -> None:
    signed_in(client, tsb_staff)
    assert client.get(reverse("consultation:comments-td", args=[999_999])).status_code == 404


def test_officials_observers_and_staff_without_permission_are_refused(
    client, signed_in, closed
) -> None:
    url = reverse("consultation:comments-td", args=[closed["circular"].pk])
    anonymous = client.get(url)
    assert anonymous.status_code == 302 and "login" in anonymous["Location"]
    official = factories.OfficialFactory()  # a signatory of another Member State
    staff_noperm = factories.UserFactory(is_staff=True)
    observer = factories.ObserverFactory()
    for user in (official.user, staff_noperm, observer.user):
        client.logout()
        signed_in(client, user)
        assert client.get(url).status_code == 403
        # Not even the existence of another circular is disclosed.
        assert client.get(reverse("consultation:comments-td", args=[999_999])).status_code == 403


def test_td_is_written_in_the_active_language(closed) -> None:
    meeting = closed["circular"].meeting
    meeting.starts_on = datetime.date(2020, 3, 4)
    meeting.ends_on = datetime.date(2020, 3, 13)
    meeting.save()
    with translation.override("fr"):
        items = blocks(documents.comments_td_build(circular=closed["circular"]))
    text = text_of(items)
    assert "4 mars 2020" in text and "13 mars 2020" in text
    first = section(items, "1. ITU-T Q.5051", "h1")
    [table] = [v for k, v in first if k == "table"]
    assert "75,0 %" in table.values()


# --- the cover table, as ITU-T TDs have it -------------------------------------------------------

TITLE = (
    "Comments received in reply to TSB Circular 205 (2017-2020) on draft new "
    "Recommendation ITU-T Q.5051 (ex Q.FW_CSM) and draft new Recommendation ITU-T Q.5052"
)


def cover_of(data: bytes) -> dict[str, str]:
    table = docx.Document(BytesIO(data)).tables[0]
    return {row.cells[0].text: row.cells[1].text for row in table.rows}


def with_contact(circular: Circular) -> Circular:
    circular.contact_name = "Ms A. Contact"
    circular.contact_phone = "+41 22 730 0000"
    circular.contact_fax = "+41 22 730 5853"
    circular.contact_email = "tsbsg11@itu.int"
    circular.save()
    return circular


def test_the_td_opens_with_the_cover_table(closed) -> None:
    circular = with_contact(closed["circular"])
    meeting = circular.meeting
    data = documents.comments_td_build(circular=circular)
    assert list(cover_of(data).items()) == [
        ("TD", "TD ___"),
        ("Study group", "ITU-T Study Group 11"),
        ("Study period", "2017-2020"),
        ("Question(s)", ""),
        ("Meeting", f"Geneva, {meeting.starts_on:%-d %B %Y} to {meeting.ends_on:%-d %B %Y}"),
        ("Source", "Director, TSB"),
        ("Title", TITLE),
        ("Purpose", "Information"),
        (
            "Contact",
            "Ms A. Contact, TSB\nTel.: +41 22 730 0000\nFax: +41 22 730 5853\n"
            "E-mail: tsbsg11@itu.int",
        ),
    ]
    # The cover comes first: before the introduction and every draft.
    items = blocks(data)
    assert items.index(("h1", "Introduction")) > [k for k, _ in items].index("table")


def test_the_contact_leaves_out_what_the_circular_does_not_give(closed) -> None:
    circular = closed["circular"]
    circular.contact_name = ""
    circular.contact_phone = ""
    circular.contact_fax = "+41 22 730 5853"
    circular.contact_email = "tsbsg11@itu.int"
    circular.save()
    contact = cover_of(documents.comments_td_build(circular=circular))["Contact"]
    assert contact == "TSB\nFax: +41 22 730 5853\nE-mail: tsbsg11@itu.int"


def test_tsb_gives_the_td_number_and_question_on_the_download_url(
    client, signed_in, tsb_staff, closed
) -> None:
    signed_in(client, tsb_staff)
    url = reverse("consultation:comments-td", args=[closed["circular"].pk])
    response = client.get(url, {"td": "123 (PLEN/11)", "question": "Q15/11"})
    assert response.status_code == 200
    cover = cover_of(response.content)
    assert cover["TD"] == "TD 123 (PLEN/11)"
    assert cover["Question(s)"] == "Q15/11"
    # "TD 123" is not printed "TD TD 123".
    assert cover_of(client.get(url, {"td": "TD 123"}).content)["TD"] == "TD 123"
    assert cover_of(client.get(url, {"td": "  "}).content)["TD"] == "TD ___"


@pytest.mark.parametrize(
    "query", [{"td": "1" * 41}, {"td": "12\n3"}, {"td": "<b>1</b>"}, {"question": "Q" * 61}]
)
def test_a_td_number_that_is_not_short_text_is_refused(
    client, signed_in, tsb_staff, closed, query
) -> None:
    signed_in(client, tsb_staff)
    for name in ("consultation:comments-td", "consultation:comments-td-pdf"):
        response = client.get(reverse(name, args=[closed["circular"].pk]), query)
        assert response.status_code == 400


def test_a_circular_closed_after_its_deadline_says_the_deadline_counted(closed) -> None:
    circular = closed["circular"]
    assert circular.closed_at > circular.deadline
    text = text_of(blocks(documents.comments_td_build(circular=circular)))
    closed_at, deadline = format_utc(circular.closed_at), format_utc(circular.deadline)
    assert f"The consultation was closed at {closed_at}, after its deadline" in text
    assert f"what counted is the deadline, {deadline}." in text


def test_historical_circular_205_shows_its_real_close(member_states) -> None:
    demo_load()
    circular = Circular.objects.get(number=205, study_period="2017-2020")
    assert circular.closed_at == circular.deadline
    data = documents.comments_td_build(circular=circular)
    cover = cover_of(data)
    assert cover["TD"] == "TD ___"
    assert cover["Study group"] == "ITU-T Study Group 11"
    assert cover["Source"] == "Director, TSB"
    assert cover["Title"].startswith("Comments received in reply to TSB Circular 205")
    assert cover["Meeting"] == "Geneva, 4 March 2020 to 13 March 2020"
    assert "Fax: +41 22 730 5853" in cover["Contact"]
    assert "E-mail: tsbsg11@itu.int" in cover["Contact"]
    text = text_of(blocks(data))
    assert "The consultation closed at 21 February 2020, 23:59 UTC." in text
    assert "after its deadline" not in text
    assert "2026" not in text


# --- the PDF -------------------------------------------------------------------------------------


def pdf_text(data: bytes) -> str:
    reader = pypdf.PdfReader(BytesIO(data))
    return " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)


def test_staff_download_the_td_as_pdf(client, signed_in, tsb_staff, closed) -> None:
    signed_in(client, tsb_staff)
    url = reverse("consultation:comments-td-pdf", args=[closed["circular"].pk])
    assert url.endswith("/comments-td.pdf")
    response = client.get(url, {"td": "77 (PLEN/11)"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        'attachment; filename="TD-comments-Circular-205-2017-2020.pdf"'
    )
    text = pdf_text(response.content)
    assert "TD 77 (PLEN/11)" in text
    assert TITLE in text
    assert "Purpose Information" in text
    for draft in ("ITU-T Q.5051", "ITU-T Q.5052"):
        assert f". {draft}" in text  # each draft's section heading
    assert "A1: clause 6.2 should cite Q.5050." in text
    assert "B2: the scope overlaps Q.3000." in text
    assert "E2-LATE: a late comment." in text
    assert "75.0 %" in text and "50.0 %" in text


def test_the_pdf_is_refused_as_the_docx_is(client, signed_in, closed, open_circular) -> None:
    url = reverse("consultation:comments-td-pdf", args=[closed["circular"].pk])
    anonymous = client.get(url)
    assert anonymous.status_code == 302 and "login" in anonymous["Location"]
    for user in (
        factories.UserFactory(is_staff=True),
        factories.OfficialFactory().user,
        factories.ObserverFactory().user,
    ):
        client.logout()
        signed_in(client, user)
        assert client.get(url).status_code == 403
        missing = reverse("consultation:comments-td-pdf", args=[999_999])
        assert client.get(missing).status_code == 403


def test_the_pdf_of_an_open_circular_is_refused(
    client, signed_in, tsb_staff, open_circular
) -> None:
    signed_in(client, tsb_staff)
    url = reverse("consultation:comments-td-pdf", args=[open_circular.pk])
    response = client.get(url)
    assert response.status_code == 409
    assert "only once the consultation is closed" in response.content.decode()
    assert client.get(reverse("consultation:comments-td-pdf", args=[999_999])).status_code == 404
    assert client.post(url).status_code == 405  # a download: GET only


def test_both_downloads_are_in_the_requesting_users_language(
    client, signed_in, tsb_staff, closed
) -> None:
    meeting = closed["circular"].meeting
    meeting.starts_on = datetime.date(2020, 3, 4)
    meeting.ends_on = datetime.date(2020, 3, 13)
    meeting.save()
    tsb_staff.language = "fr"
    tsb_staff.save()
    signed_in(client, tsb_staff)
    pk = closed["circular"].pk
    docx_text = text_of(blocks(client.get(reverse("consultation:comments-td", args=[pk])).content))
    pdf = pdf_text(client.get(reverse("consultation:comments-td-pdf", args=[pk])).content)
    for text in (docx_text, pdf):
        assert "4 mars 2020" in text and "13 mars 2020" in text
        assert "75,0 %" in text

"""The TD of comments with its fast writer (issue 14): the same document as python-docx's
public API writes, and a fixed number of queries whatever the number of Member States.

Not timed: bench/td.py measures 193 Member States x 10 drafts.
"""

from __future__ import annotations

import datetime
import io
import zipfile
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from docx import Document
from docx.shared import Pt

from consultation import documents, services
from consultation.documents.comments_td import CommentsTD, Part
from consultation.documents.td_docx import WARNING_RED, _clean
from consultation.models import Circular
from tests import factories
from tests.consultation.test_comments_td import blocks, position, reply, section, text_of, upload

pytestmark = pytest.mark.django_db

DRAFTS = 3


def texts(i: int, d: int) -> dict[str, str]:
    """State i's position on draft d: with comments, against (reasons and changes, on two
    lines and with a tab), or for without a word, in turn."""
    kind = (i + d) % 3
    if kind == 0:
        return position("authorize_comments", comments=f"S{i:02d}-D{d}: see clause {d}.")
    if kind == 1:
        return position(
            "do_not_authorize",
            reasons=f"S{i:02d}-D{d} reasons,\nsecond line",
            possible_changes=f"S{i:02d}-D{d} changes:\tmove clause {d}",
        )
    return position("authorize")


def make_circular(tsb_staff, states: list, *, number: int) -> Circular:
    """A circular of three drafts to which `states` reply by the deadline (every third
    position with a file attached), and the first of them once more too late."""
    circular = factories.CircularFactory(
        number=number,
        status=Circular.Status.PUBLISHED,
        published_at=timezone.now(),
        issued_on=timezone.now().date(),
    )
    drafts = [
        factories.DraftFactory(circular=circular, order=d, number=f"ITU-T Q.{900 + d}")
        for d in range(1, DRAFTS + 1)
    ]
    for i, (_state, official) in enumerate(states):
        uploads = (
            [upload(f"s{i:02d}.pdf", f"%PDF-1.4\n% {i}\n%%EOF\n".encode(), draft_id=drafts[0].pk)]
            if i % 3 == 0
            else []
        )
        reply(
            circular,
            official,
            0,
            {draft.pk: texts(i, d) for d, draft in enumerate(drafts, start=1)},
            uploads=uploads,
        )
    late_state = states[0][0]
    services.reply_record_offline(
        circular_id=circular.pk,
        member_state_id=late_state.pk,
        actor=tsb_staff,
        channel="letter",
        received_at=circular.deadline + datetime.timedelta(hours=1),
        header={"from_name": "N", "from_title": "T", "place": "P"},
        positions={
            drafts[0].pk: position("authorize_comments", comments="LATE comment on draft 1")
        },
        scan=upload("late.pdf", b"%PDF-1.4\n% late\n%%EOF\n", kind="scan"),
        now=circular.deadline + datetime.timedelta(hours=2),
    )
    services.circular_close(
        circular_id=circular.pk,
        actor=tsb_staff,
        now=circular.deadline + datetime.timedelta(hours=3),
    )
    circular.refresh_from_db()
    return circular


@pytest.fixture
def states() -> list[tuple[Any, Any]]:
    out = []
    for i in range(20):
        state = factories.MemberStateFactory(
            alpha2=f"W{chr(65 + i)}", alpha3=f"WW{chr(65 + i)}", name=f"State {i:02d}"
        )
        out.append((state, factories.OfficialFactory(member_state=state)))
    return out


# --- the reference: the TD written with python-docx's public API, as before issue 14 ---------


def reference_docx(td: CommentsTD) -> bytes:
    """td_docx.comments_td_docx as it was, one python-docx call per block."""
    doc = Document()
    doc.styles["Normal"].font.size = Pt(11)

    def para(text: str = "", *, bold: bool = False) -> None:
        paragraph = doc.add_paragraph()
        if text:
            paragraph.add_run(_clean(text)).bold = bold

    def labelled(label: str, value: str) -> None:
        paragraph = doc.add_paragraph()
        paragraph.add_run(_clean(label)).bold = True
        paragraph.add_run(" " + _clean(value))

    def warning(text: str) -> None:
        run = doc.add_paragraph().add_run(_clean(text))
        run.bold = True
        run.font.color.rgb = WARNING_RED

    def table(rows, *, bold_labels: bool = False) -> None:  # noqa: ANN001
        t = doc.add_table(rows=0, cols=2)
        t.style = "Table Grid"
        for label, value in rows:
            cells = t.add_row().cells
            cells[0].text = _clean(label)
            if bold_labels:
                for run in cells[0].paragraphs[0].runs:
                    run.bold = True
            cells[1].text = _clean(value)

    def parts(items: list[Part]) -> None:
        for part in items:
            para(part.label, bold=True)
            for line in part.lines:
                if part.bullets:
                    doc.add_paragraph(_clean(line), style="List Bullet")
                else:
                    para(line)

    def member_state(entry, level: int) -> None:  # noqa: ANN001
        doc.add_heading(_clean(entry.member_state), level)
        if entry.is_demo:
            warning(td.demo_notice)

    doc.core_properties.title = _clean(td.title)
    doc.core_properties.author = _clean(td.author)
    if td.is_demo:
        doc.sections[0].header.paragraphs[0].add_run(td.demo_notice).bold = True
        warning(td.demo_notice)
        warning(td.demo_text)
    for line in td.header_lines:
        para(line, bold=True)
    doc.add_heading(_clean(td.document_heading), level=0)
    table(td.cover, bold_labels=True)
    doc.add_heading(_clean(td.introduction_heading), 1)
    for paragraph in td.introduction:
        para(paragraph)
    for draft in td.drafts:
        doc.add_heading(_clean(draft.heading), 1)
        para(draft.details)
        doc.add_heading(_clean(draft.tally_heading), 2)
        if draft.tally:
            table(draft.tally)
        else:
            para(draft.no_tally)
        doc.add_heading(_clean(draft.comments_heading), 2)
        for entry in draft.entries:
            member_state(entry, 3)
            labelled("Decision:", entry.decision)
            para(entry.received)
            parts(entry.parts)
        if draft.no_comments:
            para(draft.no_comments)
        parts(draft.without)
    doc.add_heading(_clean(td.late_heading), 1)
    para(td.late_intro)
    for entry in td.late:
        member_state(entry, 2)
        para(entry.received)
        if entry.note:
            para(entry.note)
        parts(entry.parts)
        for heading, decision, items in entry.drafts:
            doc.add_heading(_clean(heading), 3)
            labelled("Decision:", decision)
            parts(items)
    doc.add_heading(_clean(td.no_reply_heading), 1)
    para(td.no_reply_intro)
    for region, names in td.no_reply:
        para(region, bold=True)
        para(names)
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def package(data: bytes) -> dict[str, bytes]:
    """Every part of the DOCX but docProps/core.xml (it holds the time it was written)."""
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {name: z.read(name) for name in z.namelist() if name != "docProps/core.xml"}


# --- the tests ---------------------------------------------------------------------------------


def test_the_fast_writer_writes_what_python_docx_wrote(tsb_staff, states) -> None:
    circular = make_circular(tsb_staff, states[:8], number=301)
    td = documents.comments_td_content(circular=circular)
    ours, reference = package(documents.comments_td_docx(td)), package(reference_docx(td))
    assert ours.keys() == reference.keys()
    for name in ours:
        assert ours[name] == reference[name], name


def test_a_demonstration_td_is_written_as_python_docx_wrote_it(tsb_staff, states) -> None:
    circular = make_circular(tsb_staff, states[:4], number=302)
    Circular.objects.filter(pk=circular.pk).update(is_demo=True)
    circular.refresh_from_db()
    td = documents.comments_td_content(circular=circular)
    assert td.is_demo
    assert package(documents.comments_td_docx(td)) == package(reference_docx(td))


def test_every_states_texts_are_under_its_draft_in_order(tsb_staff, states) -> None:
    circular = make_circular(tsb_staff, states, number=303)
    items = blocks(documents.comments_td_build(circular=circular))
    late_at = items.index(("h1", "Replies received after the deadline (not counted)"))
    for d in range(1, DRAFTS + 1):
        draft = section(items[:late_at], f"{d}. ITU-T Q.{900 + d}", "h1")
        with_texts = [i for i in range(len(states)) if (i + d) % 3 != 2]
        # One heading per Member State with texts, in the order of their names.
        assert [v for k, v in draft if k == "h3"] == [f"State {i:02d}" for i in with_texts]
        for i in with_texts:
            entry = text_of(section(draft, f"State {i:02d}", "h3"))
            if (i + d) % 3 == 0:
                assert f"S{i:02d}-D{d}: see clause {d}." in entry
            else:
                # A line break and a tab in a text are kept (w:br, w:tab).
                assert f"S{i:02d}-D{d} reasons,\nsecond line" in entry
                assert f"S{i:02d}-D{d} changes:\tmove clause {d}" in entry
            others = [f"S{j:02d}-D" for j in range(len(states)) if j != i] + [
                f"-D{e}" for e in range(1, DRAFTS + 1) if e != d
            ]
            assert not [o for o in others if o in entry], entry
            assert (f"s{i:02d}.pdf" in entry) == (d == 1 and i % 3 == 0)
        without = [f"State {i:02d}" for i in range(len(states)) if (i + d) % 3 == 2]
        assert any(v.endswith(": " + ", ".join(without)) for k, v in draft if k == "p")
    assert "LATE comment on draft 1" not in text_of(items[:late_at])
    assert "LATE comment on draft 1" in text_of(items[late_at:])


def test_the_queries_do_not_grow_with_the_member_states(tsb_staff, states) -> None:
    few = make_circular(tsb_staff, states[:5], number=304)
    many = make_circular(tsb_staff, states, number=305)
    documents.comments_td_build(circular=few)  # anything cached once per process, first
    counts = []
    for pk in (few.pk, many.pk):
        circular = Circular.objects.get(pk=pk)  # nothing cached on the instance either
        with CaptureQueriesContext(connection) as queries:
            documents.comments_td_build(circular=circular)
        counts.append(len(queries.captured_queries))
    assert counts[0] == counts[1], counts
    assert counts[1] <= 8

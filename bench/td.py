"""TD of comments benchmark: the DOCX of a circular of 10 drafts to which 193 Member States
replied with comments on every draft (1,930 replies with texts), beside a plain python-docx
document with the same blocks written the naive way, in the same run.

    python bench/td.py                # SQLite in a temporary folder
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres python bench/td.py
    python bench/td.py --profile      # also print cProfile's top functions of one build

With DATABASE_URL pointing at PostgreSQL a fresh database is created beside the one named and
dropped at the end. The data, written with bulk_create: one closed circular (results frozen,
as circular_close leaves them) of 10 drafts; 193 Member States each reply once, on time, to
every draft with texts: comments and proposed changes (about 200 characters on three lines)
when authorizing with comments, reasons and possible changes when not authorizing, and for
every third reply a file attached to the position. Each measurement runs in a process of its
own:

- ours: consultation.documents.comments_td_build, the whole download's work: the queries, the
  content (comments_td_content) and the DOCX;
- naive: the same blocks (headings, paragraphs with a bold label run, bullets, the cover and
  tally tables), read from the same comments_td_content first (not timed), then written with
  python-docx's public API one call per block, as td_docx did before issue 14 (add_heading,
  add_paragraph + add_run, add_table + add_row + cell.text), and saved.

The baseline is what the same document costs when python-docx is used plainly, measured on the
same machine in the same run, so the ratio does not depend on how fast the machine is: below 1,
the TD (queries and content included) is cheaper than naive python-docx alone. Each is run
REPEAT times; the median time counts. The last line:

    td: replies=1930 seconds_ratio=<ours/naive> seconds=<ours> naive_seconds=<naive> bytes=<n>
"""

from __future__ import annotations

import datetime
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BASE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE))

STATES, DRAFTS = 193, 10
REPEAT = int(os.environ.get("TD_REPEAT", "3"))
ADMIN_URL = os.environ.get("DATABASE_URL", "")  # read before main() points it at the bench database


def prepare_database(tmp: Path) -> tuple[str, str | None]:
    """Return the DATABASE_URL to use and, for PostgreSQL, the database to drop after."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        return f"sqlite:///{tmp / 'td.sqlite3'}", None
    import psycopg

    name = f"bench_td_{os.getpid()}"
    base, _, _ = url.rpartition("/")
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"{base}/{name}", name


def drop_database(name: str) -> None:
    import psycopg
    from django.db import connections

    connections.close_all()
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def setup_django(env: dict[str, str]) -> None:
    os.environ.update(env)
    import django

    django.setup()


COMMENT = "Proposed change to clause 7.2:\n" + "x" * 160 + "\n=see Annex A"
ATTACHMENT = {"name": "comments.pdf", "size": 123456, "sha256": "a" * 64, "kind": "comments"}
DECISIONS = ("authorize_comments", "do_not_authorize")


def position(i: int, draft) -> dict:  # noqa: ANN001
    """A position as services.reply_content writes it, always with texts."""
    decision = DECISIONS[(i + draft.order) % 2]
    return {
        "draft": draft.number,
        "draft_id": draft.pk,
        "title": draft.title,
        "decision": decision,
        "comments": COMMENT if decision == "authorize_comments" else "",
        "reasons": COMMENT if decision == "do_not_authorize" else "",
        "possible_changes": COMMENT if decision == "do_not_authorize" else "",
        "attachments": [ATTACHMENT] if i % 3 == 0 else [],
    }


def build() -> int:
    """One closed circular, 193 states x 10 drafts, every position with texts; its pk."""
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from accounts.models import MemberState, Region, User
    from consultation import results
    from consultation.models import (
        Circular,
        DraftRecommendation,
        Meeting,
        Reply,
        ReplyVersion,
        ReplyVersionPosition,
        StudyGroup,
    )

    states = MemberState.objects.bulk_create(
        [
            MemberState(
                alpha2=f"{chr(65 + i // 26)}{chr(65 + i % 26)}",
                alpha3=f"X{chr(65 + i // 26)}{chr(65 + i % 26)}",
                name=f"Member State {i:03d} (Republic of)",
                region=Region.values[i % 5],
            )
            for i in range(STATES)
        ]
    )
    password = make_password(None)
    signatories = User.objects.bulk_create(
        [
            User(
                email=f"sig{i}@example.org",
                first_name="Signatory",
                last_name=str(i),
                password=password,
            )
            for i in range(STATES)
        ]
    )
    sg = StudyGroup.objects.create(number=11, title="SG11")
    now = timezone.now().replace(microsecond=0)
    meeting = Meeting.objects.create(
        study_group=sg, place="Geneva", starts_on=now.date(), ends_on=now.date()
    )
    deadline = now - datetime.timedelta(days=1)
    circular = Circular.objects.create(
        number=1,
        study_period="2025-2028",
        reference="SG11/DA",
        study_group=sg,
        meeting=meeting,
        subject="Benchmark",
        director_name="Director",
        issued_on=(now - datetime.timedelta(days=60)).date(),
        deadline=deadline,
        status="published",
        published_at=now - datetime.timedelta(days=60),
    )
    drafts = DraftRecommendation.objects.bulk_create(
        [
            DraftRecommendation(
                circular=circular, order=d + 1, number=f"ITU-T Q.{5000 + d}", title=f"Draft {d}"
            )
            for d in range(DRAFTS)
        ]
    )
    replies = Reply.objects.bulk_create(
        [
            Reply(
                circular=circular,
                member_state=state,
                status="submitted",
                version=1,
                submitted_at=deadline - datetime.timedelta(hours=i),
                submitted_by=signatories[i],
                from_name=f"Name {i}",
                from_title="Director, international affairs",
            )
            for i, state in enumerate(states)
        ]
    )
    versions = ReplyVersion.objects.bulk_create(
        [
            ReplyVersion(
                reply=reply,
                number=1,
                received_at=deadline - datetime.timedelta(hours=i, seconds=i),
                submitted_by=signatories[i],
                channel="portal",
                signatory_name=f"Signatory {i}",
                content={
                    "header": {
                        "from_name": f"Name {i}",
                        "from_title": "Director, international affairs",
                    },
                    "positions": [position(i, d) for d in drafts],
                },
                sha256=f"{i:064x}",
            )
            for i, reply in enumerate(replies)
        ]
    )
    ReplyVersionPosition.objects.bulk_create(
        [
            ReplyVersionPosition(
                version=version,
                draft=draft,
                decision=DECISIONS[(i + draft.order) % 2],
                has_comments=True,
            )
            for i, version in enumerate(versions)
            for draft in drafts
        ],
        batch_size=5000,
    )
    results.freeze(circular, now=now)
    Circular.objects.filter(pk=circular.pk).update(status="closed", closed_at=now)
    return circular.pk


def naive_docx(td) -> bytes:  # noqa: ANN001
    """The TD's blocks written with python-docx's public API, one call per block."""
    import io

    from docx import Document
    from docx.shared import Pt

    doc = Document()
    doc.styles["Normal"].font.size = Pt(11)

    def para(text: str, bold: bool = False) -> None:
        doc.add_paragraph().add_run(text).bold = bold

    def table(rows) -> None:  # noqa: ANN001
        t = doc.add_table(rows=0, cols=2)
        t.style = "Table Grid"
        for label, value in rows:
            cells = t.add_row().cells
            cells[0].text = label
            cells[1].text = value

    def parts(items) -> None:  # noqa: ANN001
        for part in items:
            para(part.label, bold=True)
            for line in part.lines:
                if part.bullets:
                    doc.add_paragraph(line, style="List Bullet")
                else:
                    para(line)

    for line in td.header_lines:
        para(line, bold=True)
    doc.add_heading(td.document_heading, level=0)
    table(td.cover)
    doc.add_heading(td.introduction_heading, level=1)
    for line in td.introduction:
        para(line)
    for draft in td.drafts:
        doc.add_heading(draft.heading, level=1)
        para(draft.details)
        doc.add_heading(draft.tally_heading, level=2)
        table(draft.tally)
        doc.add_heading(draft.comments_heading, level=2)
        for entry in draft.entries:
            doc.add_heading(entry.member_state, level=3)
            p = doc.add_paragraph()
            p.add_run("Decision:").bold = True
            p.add_run(" " + entry.decision)
            para(entry.received)
            parts(entry.parts)
        parts(draft.without)
    doc.add_heading(td.late_heading, level=1)
    para(td.late_intro)
    doc.add_heading(td.no_reply_heading, level=1)
    para(td.no_reply_intro)
    for region, names in td.no_reply:
        para(region, bold=True)
        para(names)
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def measure(kind: str, pk: int) -> dict[str, float]:
    """One measurement, in this (fresh) process."""
    from consultation import documents
    from consultation.models import Circular

    circular = Circular.objects.select_related("study_group", "meeting").get(pk=pk)
    if kind == "ours":
        started = time.perf_counter()
        data = documents.comments_td_build(circular=circular)
        seconds = time.perf_counter() - started
    elif kind == "naive":
        td = documents.comments_td_content(circular=circular)
        started = time.perf_counter()
        data = naive_docx(td)
        seconds = time.perf_counter() - started
    else:  # profile: ours, under cProfile, the top functions on stderr
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        started = time.perf_counter()
        profiler.enable()
        data = documents.comments_td_build(circular=circular)
        profiler.disable()
        seconds = time.perf_counter() - started
        stats = pstats.Stats(profiler, stream=sys.stderr)
        stats.sort_stats("tottime").print_stats(25)
        stats.sort_stats("cumulative").print_stats(40)
    replies = (
        sum(len(draft.entries) for draft in documents.comments_td_content(circular=circular).drafts)
        if kind == "ours"
        else 0
    )
    return {"seconds": seconds, "bytes": len(data), "replies": replies}


def run_child(kind: str, pk: int, env: dict[str, str]) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, __file__, "--measure", kind, str(pk)],
        cwd=BASE,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode:
        sys.exit(f"measurement {kind} failed:\n{done.stderr}")
    if kind == "profile":
        print(done.stderr)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    tmp = Path(tempfile.mkdtemp(prefix="td-bench-"))
    database_url, dropme = prepare_database(tmp)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "true",
        "DATABASE_URL": database_url,
        "VAR_DIR": str(tmp),
        "LOG_LEVEL": "WARNING",
    }
    setup_django(env)
    from django.core.management import call_command
    from django.db import connections

    try:
        started = time.perf_counter()
        call_command("migrate", verbosity=0)
        pk = build()
        connections.close_all()
        print(
            f"built {STATES} x {DRAFTS} replies with texts in {time.perf_counter() - started:.1f}s"
        )
        if "--profile" in sys.argv:
            run_child("profile", pk, env)
        results: dict[str, list[dict[str, float]]] = {}
        for _ in range(REPEAT):
            for kind in ("ours", "naive"):
                results.setdefault(kind, []).append(run_child(kind, pk, env))
        assert results["ours"][0]["replies"] == STATES * DRAFTS, results["ours"][0]
        summary = {}
        for kind, runs in results.items():
            seconds = statistics.median(r["seconds"] for r in runs)
            summary[kind] = seconds
            each = ", ".join(f"{r['seconds']:.2f}" for r in runs)
            print(f"{kind:>6}: {seconds:6.2f}s (runs {each})  {runs[0]['bytes'] / 1e6:.2f} MB file")
        ours, naive = summary["ours"], summary["naive"]
        print(
            f"td: replies={STATES * DRAFTS} seconds_ratio={ours / naive:.2f} "
            f"seconds={ours:.2f} naive_seconds={naive:.2f} bytes={int(results['ours'][0]['bytes'])}"
        )
    finally:
        if dropme:
            drop_database(dropme)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--measure":
        setup_django({})
        print(json.dumps(measure(sys.argv[2], int(sys.argv[3]))))
    else:
        main()

"""Export benchmark: 100,000 reply positions to XLSX with our streamed exporter, beside a bare
openpyxl write-only loop over the same rows, in the same run.

    python bench/export.py            # SQLite in a temporary folder
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres python bench/export.py

With DATABASE_URL pointing at PostgreSQL a fresh database is created beside the one named and
dropped at the end. The data: 200 Member States reply to 50 circulars of 10 drafts each
(10,000 versions, 100,000 positions), written with bulk_create; each version's content holds
its positions' texts (about 200 characters on three lines under the box ticked) and, for some,
an attached file, so the text and attachment columns are exercised. Each measurement runs in a
process of its own, so that its peak memory (VmHWM, else ru_maxrss) is its own:

- ours: consultation.exports.stream_replies_xlsx over selectors.positions_for_export();
- openpyxl: the same query's values_list rows, each appended as it comes to a write-only
  sheet (times made naive, as openpyxl requires; the version's positions, a JSON list,
  replaced by the row's own three texts and files, found by draft_id), nothing else;
- write-only: our finished rows, read into memory first (not timed), then only written
  (how long openpyxl's write-only mode itself needs for these cells).

Each is run REPEAT times for 10,000 and 100,000 rows; the median time counts. The last line:

    export: rows=100000 ratio=<ours/openpyxl> peak_mb_10k=<m> peak_mb_100k=<m>

where the peaks are our exporter's, whole process (Python, Django and the rows in flight).
"""

from __future__ import annotations

import datetime
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BASE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE))

STATES, CIRCULARS, DRAFTS = 200, 50, 10
REPEAT = int(os.environ.get("EXPORT_REPEAT", "3"))
ADMIN_URL = os.environ.get("DATABASE_URL", "")  # read before main() points it at the bench database


def prepare_database(tmp: Path) -> tuple[str, str | None]:
    """Return the DATABASE_URL to use and, for PostgreSQL, the database to drop after."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        return f"sqlite:///{tmp / 'export.sqlite3'}", None
    import psycopg

    name = f"bench_export_{os.getpid()}"
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


def build() -> None:
    """100,000 positions: every state replies once, on time, to every circular."""
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from accounts.models import MemberState, Region, User
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
                name=f"Member State {i} (Republic of)" if i % 10 else f"=State {i}",
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
    decisions = ("authorize", "authorize_comments", "do_not_authorize")
    for c in range(CIRCULARS):
        deadline = now - datetime.timedelta(days=1)
        circular = Circular.objects.create(
            number=c + 1,
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
                            "from_address": "Ministry\nStreet 1\nCapital",
                        },
                        "positions": [position(i, d) for d in drafts],
                    },
                    sha256=f"{c * STATES + i:064x}",
                )
                for i, reply in enumerate(replies)
            ]
        )
        ReplyVersionPosition.objects.bulk_create(
            [
                ReplyVersionPosition(
                    version=version,
                    draft=draft,
                    decision=decisions[(i + draft.order) % 3],
                    has_comments=(i + draft.order) % 3 != 0,
                )
                for i, version in enumerate(versions)
                for draft in drafts
            ],
            batch_size=5000,
        )


COMMENT = "Proposed change to clause 7.2:\n" + "x" * 160 + "\n=see Annex A"
ATTACHMENT = {"name": "comments.pdf", "size": 123456, "sha256": "a" * 64, "kind": "comments"}


def position(i: int, draft) -> dict:  # noqa: ANN001
    """A position as services.reply_content writes it: the texts of the box ticked (about 200
    characters on three lines), every third one with a file attached."""
    decision = ("authorize", "authorize_comments", "do_not_authorize")[(i + draft.order) % 3]
    return {
        "draft": draft.number,
        "draft_id": draft.pk,
        "title": draft.title,
        "decision": decision,
        "comments": COMMENT if decision == "authorize_comments" else "",
        "reasons": COMMENT if decision == "do_not_authorize" else "",
        "possible_changes": COMMENT if decision == "do_not_authorize" else "",
        "attachments": [ATTACHMENT] if decision != "authorize" and i % 3 == 0 else [],
    }


def queryset(rows: int):  # noqa: ANN201
    from consultation import selectors
    from consultation.models import Circular

    if rows >= STATES * CIRCULARS * DRAFTS:
        return selectors.positions_for_export()
    circulars = list(Circular.objects.order_by("number")[: rows // (STATES * DRAFTS)])
    return selectors.positions_for_export(circulars=circulars)


def peak_rss_mb() -> float:
    """This process's peak resident memory, in MB.

    VmHWM (Linux) belongs to the process image, which exec replaced: ru_maxrss would report
    the parent's size at fork time (the parent holds the data it has just built).
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(kind: str, rows: int) -> dict[str, float]:
    """One measurement, in this (fresh) process."""
    from openpyxl import Workbook

    from consultation import exports

    qs = queryset(rows)
    start_rss = peak_rss_mb()
    with tempfile.TemporaryFile(suffix=".xlsx") as out:
        if kind == "ours":
            started = time.perf_counter()
            count = exports.stream_replies_xlsx(qs, out)
            seconds = time.perf_counter() - started
        elif kind == "openpyxl":
            at = exports.REPLY_VALUES.index("version__received_at")
            draft_at = exports.REPLY_VALUES.index("draft_id")
            texts_at = draft_at + 1  # the version's positions (JSON)
            started = time.perf_counter()
            workbook = Workbook(write_only=True)
            sheet = workbook.create_sheet("replies")
            sheet.append(exports.REPLY_HEADERS)
            count = 0
            for count, raw in enumerate(exports.reply_values(qs), start=1):  # noqa: B007
                row = list(raw)
                row[at] = row[at].replace(tzinfo=None)
                # The row's own texts and files, picked from its version's positions as
                # plainly as can be (no escaping, no texts_sent): the same cells as ours.
                sent = next(p for p in row[texts_at] if p["draft_id"] == row[draft_at])
                row[texts_at : texts_at + 1] = [
                    sent["comments"],
                    sent["reasons"],
                    sent["possible_changes"],
                    "\n".join(f"{a['name']} {a['size']}" for a in sent["attachments"]),
                ]
                sheet.append(row)
            workbook.save(out)
            seconds = time.perf_counter() - started
        else:  # write-only: our rows in memory, then only openpyxl
            prepared = list(exports.reply_rows(qs))
            started = time.perf_counter()
            workbook = Workbook(write_only=True)
            sheet = workbook.create_sheet("replies")
            sheet.append(exports.REPLY_HEADERS)
            for row in prepared:
                sheet.append(row)
            workbook.save(out)
            seconds = time.perf_counter() - started
            count = len(prepared)
        size = out.tell()
    peak = peak_rss_mb()
    return {
        "rows": count,
        "seconds": seconds,
        "peak_mb": peak,
        "start_mb": start_rss,
        "bytes": size,
    }


def run_child(kind: str, rows: int, env: dict[str, str]) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, __file__, "--measure", kind, str(rows)],
        cwd=BASE,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode:
        sys.exit(f"measurement {kind} {rows} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    tmp = Path(tempfile.mkdtemp(prefix="export-bench-"))
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
        build()
        connections.close_all()
        print(
            f"built {STATES * CIRCULARS * DRAFTS} positions in {time.perf_counter() - started:.1f}s"
        )
        results: dict[tuple[str, int], list[dict[str, float]]] = {}
        for _ in range(REPEAT):
            for rows in (10_000, 100_000):
                for kind in ("ours", "openpyxl", "write-only"):
                    result = run_child(kind, rows, env)
                    assert result["rows"] == rows, result
                    results.setdefault((kind, rows), []).append(result)
        summary = {}
        for (kind, rows), runs in results.items():
            seconds = statistics.median(r["seconds"] for r in runs)
            peak = statistics.median(r["peak_mb"] for r in runs)
            start = statistics.median(r["start_mb"] for r in runs)
            summary[(kind, rows)] = (seconds, peak)
            print(
                f"{kind:>10} {rows:>7} rows: {seconds:6.2f}s  peak {peak:6.1f} MB "
                f"(before export {start:.1f} MB)  {runs[0]['bytes'] / 1e6:.1f} MB file"
            )
        ours, bare = summary[("ours", 100_000)][0], summary[("openpyxl", 100_000)][0]
        write_only = summary[("write-only", 100_000)][0]
        peak_10k, peak_100k = summary[("ours", 10_000)][1], summary[("ours", 100_000)][1]
        print(
            f"ours / bare openpyxl loop over the same query = {ours / bare:.2f}; "
            f"ours / writing our finished rows only = {ours / write_only:.2f}; "
            f"peak growth 10k -> 100k = {peak_100k - peak_10k:.1f} MB"
        )
        print(
            f"export: rows=100000 ratio={ours / bare:.2f} "
            f"peak_mb_10k={peak_10k:.1f} peak_mb_100k={peak_100k:.1f}"
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

"""Page benchmark (issue 14): the official's and TSB's busiest pages under gunicorn, each
against a bare template view measured in the same run.

    python bench/pages.py            # SQLite in a temporary folder
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres python bench/pages.py

With DATABASE_URL pointing at PostgreSQL a fresh database is created beside the one named and
dropped at the end. The data: the 193 Member States of the register, 50 closed circulars in
history (10 drafts each; every state replied on time, 96,500 positions; results frozen) and
an open circular of 10 drafts to which the official's state has saved a reply. Served by
gunicorn (PAGES_WORKERS sync workers, 4 by default) with the production settings and the
bench's URLs (bench/pages_settings.py, bench/pages_urls.py: the portal's and the bare view,
base.html behind the same middleware).

The client is open-loop: each of 16 connections (one signed-in session each) sends its
requests on a fixed schedule, whether or not the previous answers came, and a request's
latency counts from the time it was due (a slow answer delays the next ones: no coordinated
omission). Each page's rate is PAGES_LOAD (0.5) of its own throughput, measured first with
the 16 connections sending back to back; the bare view is measured the same way right before
each page, so both run at the same utilization and their p95s compare service times under
the same load.

Pages: the official's home, the reply form (10 drafts), the review page, TSB's results page
(193 states x 10 drafts) and the admin's reply change list (9,650 replies, 100 a page). The
last line is, as issue 14 asks (p95 of the page / p95 of the bare view):

    pages: db=<sqlite|postgresql> home=<r> form=<r> review=<r> results=<r> admin=<r>
"""

from __future__ import annotations

import datetime
import http.client
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

BASE = Path(__file__).resolve().parent.parent
BENCH = Path(__file__).resolve().parent
sys.path[:0] = [str(BASE), str(BENCH)]

CIRCULARS, DRAFTS, CONNECTIONS = 50, 10, 16
WORKERS = int(os.environ.get("PAGES_WORKERS", "4"))
SECONDS = float(os.environ.get("PAGES_SECONDS", "8"))
LOAD = float(os.environ.get("PAGES_LOAD", "0.5"))
ADMIN_URL = os.environ.get("DATABASE_URL", "")  # read before main() points it at the bench database


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def prepare_database(tmp: Path) -> tuple[str, str | None]:
    """Return the DATABASE_URL to use and, for PostgreSQL, the database to drop after."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        return f"sqlite:///{tmp / 'pages.sqlite3'}", None
    import psycopg

    name = f"bench_pages_{os.getpid()}"
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


# --- the data ------------------------------------------------------------------------------


def build() -> dict[str, int]:
    """The register's states, 50 closed circulars with every state's reply and their frozen
    results, the open circular with the official's saved reply; the two users."""
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Permission
    from django.utils import timezone

    from accounts.models import MemberState, Official, User
    from accounts.services import member_states_sync
    from consultation import results
    from consultation.models import (
        Circular,
        DraftRecommendation,
        Meeting,
        Reply,
        ReplyPosition,
        ReplyVersion,
        ReplyVersionPosition,
        StudyGroup,
    )

    member_states_sync()
    states = list(MemberState.objects.order_by("pk"))
    password = make_password(None)
    official_user = User.objects.create(
        email="signatory@bench.example",
        first_name="Bench",
        last_name="Signatory",
        password=password,
    )
    official = Official.objects.create(
        user=official_user,
        member_state=states[0],
        role=Official.Role.SIGNATORY,
        official_title="Director of international affairs",
    )
    staff = User.objects.create(email="tsb@bench.example", is_staff=True, password=password)
    staff.user_permissions.set(
        Permission.objects.filter(content_type__app_label__in=["consultation", "accounts"])
    )
    sg = StudyGroup.objects.create(number=11, title="SG11")
    now = timezone.now().replace(microsecond=0)
    meeting = Meeting.objects.create(
        study_group=sg, place="Geneva", starts_on=now.date(), ends_on=now.date()
    )
    decisions = ("authorize", "authorize_comments", "do_not_authorize")
    closed = []
    for c in range(CIRCULARS):
        deadline = now - datetime.timedelta(days=30 * (CIRCULARS - c))
        circular = Circular.objects.create(
            number=c + 1,
            study_period="2025-2028",
            reference="SG11/DA",
            study_group=sg,
            meeting=meeting,
            subject=f"Consultation {c + 1}",
            director_name="Director",
            issued_on=(deadline - datetime.timedelta(days=60)).date(),
            deadline=deadline,
            status=Circular.Status.CLOSED,
            published_at=deadline - datetime.timedelta(days=60),
            closed_at=deadline,
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
                    submitted_at=deadline - datetime.timedelta(hours=1),
                    submitted_by=official_user,
                    from_name=f"Name {i}",
                )
                for i, state in enumerate(states)
            ]
        )
        versions = ReplyVersion.objects.bulk_create(
            [
                ReplyVersion(
                    reply=reply,
                    number=1,
                    received_at=deadline - datetime.timedelta(hours=1),
                    submitted_by=official_user,
                    channel="portal",
                    content={"positions": []},
                    sha256=f"{c * 1000 + i:064x}",
                )
                for i, reply in enumerate(replies)
            ]
        )
        ReplyVersionPosition.objects.bulk_create(
            [
                ReplyVersionPosition(
                    version=version, draft=draft, decision=decisions[(i + draft.order) % 3]
                )
                for i, version in enumerate(versions)
                for draft in drafts
            ],
            batch_size=5000,
        )
        results.freeze(circular, now=deadline)
        closed.append(circular)
    open_circular = Circular.objects.create(
        number=CIRCULARS + 1,
        study_period="2025-2028",
        reference="SG11/DA",
        study_group=sg,
        meeting=meeting,
        subject="The open consultation",
        director_name="Director",
        issued_on=now.date(),
        deadline=now + datetime.timedelta(days=30),
        status=Circular.Status.PUBLISHED,
        published_at=now,
    )
    reply = Reply.objects.create(
        circular=open_circular,
        member_state=states[0],
        from_name="Bench Signatory",
        from_title="Director",
        from_address="Bern",
        from_email=official_user.email,
        place="Bern",
        signed_on=now.date(),
    )
    for d in range(DRAFTS):
        draft = DraftRecommendation.objects.create(
            circular=open_circular, order=d + 1, number=f"ITU-T Q.{6000 + d}", title=f"Draft {d}"
        )
        ReplyPosition.objects.create(reply=reply, draft=draft, decision=decisions[d % 3])
    return {
        "official": official.user_id,
        "staff": staff.pk,
        "open": open_circular.pk,
        "closed": closed[-1].pk,
    }


def sessions(user_id: int, count: int) -> list[str]:
    """`count` sessions of the user, each as after a full login (password, then TOTP where
    required: tests/conftest.py sign_in does the same), with allauth's user session record."""
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
    from allauth.usersessions.models import UserSession
    from django.test import Client

    from accounts.models import User

    user = User.objects.get(pk=user_id)
    authenticator = Authenticator.objects.filter(user=user, type="totp").first()
    if authenticator is None:
        authenticator = TOTP.activate(user, generate_totp_secret()).instance
    keys = []
    for _ in range(count):
        client = Client()
        client.force_login(user)
        session = client.session
        session["account_authentication_methods"] = [
            {"method": "password", "at": time.time(), "email": user.email},
            {"method": "mfa", "at": time.time(), "id": authenticator.pk, "type": "totp"},
        ]
        session["account_authentication_methods_user"] = str(user.pk)
        session.save()
        UserSession.objects.get_or_create(
            session_key=session.session_key,
            defaults={"user": user, "ip": "127.0.0.1", "user_agent": "bench"},
        )
        keys.append(session.session_key)
    return keys


# --- the load ------------------------------------------------------------------------------


def _get(conn: http.client.HTTPConnection, path: str, cookie: str) -> tuple[int, int]:
    conn.request("GET", path, headers={"Cookie": cookie, "Accept-Language": "en"})
    response = conn.getresponse()
    body = response.read()
    return response.status, len(body)


def run(port: int, path: str, cookies: list[str], *, rate: float | None, seconds: float) -> dict:
    """Send GET `path` over len(cookies) connections for `seconds`: back to back (rate None)
    or open-loop at `rate` requests a second in all. Latencies from the time each request
    was due."""
    latencies: list[float] = []
    failures: list[int] = []
    lock = threading.Lock()
    start = time.perf_counter() + 0.2
    end = start + seconds

    def connection(index: int, cookie: str) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        interval = len(cookies) / rate if rate else 0.0
        due = start + (index * interval / len(cookies) if rate else 0.0)
        mine, bad = [], []
        while due < end:
            now = time.perf_counter()
            if now < due:
                time.sleep(due - now)
            sent = due if rate else time.perf_counter()
            status, _ = _get(conn, path, cookie)
            done = time.perf_counter()
            if status == 200:
                mine.append(done - sent)
            else:
                bad.append(status)
            due = due + interval if rate else done
        conn.close()
        with lock:
            latencies.extend(mine)
            failures.extend(bad)

    threads = [
        threading.Thread(target=connection, args=(i, cookie)) for i, cookie in enumerate(cookies)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        sys.exit(f"{path}: {len(failures)} failed requests, e.g. status {failures[0]}")
    latencies.sort()
    return {
        "requests": len(latencies),
        "throughput": len(latencies) / seconds,
        "p50": statistics.median(latencies),
        "p95": latencies[int(0.95 * (len(latencies) - 1))],
    }


def measure(port: int, path: str, cookies: list[str]) -> dict:
    """Calibrate (back to back), then open-loop at LOAD of that throughput."""
    for _ in range(2):  # warm up every worker
        run(port, path, cookies, rate=None, seconds=1)
    capacity = run(port, path, cookies, rate=None, seconds=SECONDS / 2)["throughput"]
    result = run(port, path, cookies, rate=LOAD * capacity, seconds=SECONDS)
    return {**result, "capacity": capacity}


def start_gunicorn(env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    binary = shutil.which("gunicorn", path=str(Path(sys.executable).parent)) or shutil.which(
        "gunicorn"
    )
    if not binary:
        sys.exit("gunicorn is needed (a dependency of the project: pip install -e .)")
    proc = subprocess.Popen(
        [
            binary,
            "--workers",
            str(WORKERS),
            "--bind",
            f"127.0.0.1:{port}",
            "--pythonpath",
            f"{BASE},{BENCH}",
            "--log-level",
            "warning",
            "--timeout",
            "120",
            "config.wsgi:application",
        ],
        cwd=BASE,
        env=env,
    )
    for _ in range(300):
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return proc
        if proc.poll() is not None:
            sys.exit("gunicorn did not start")
        time.sleep(0.1)
    proc.terminate()
    sys.exit("gunicorn did not start")


def main() -> None:
    tmp = Path(tempfile.mkdtemp(prefix="pages-bench-"))
    database_url, dropme = prepare_database(tmp)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "pages_settings",
        "DATABASE_URL": database_url,
        "VAR_DIR": str(tmp),
        "LOG_LEVEL": "WARNING",
        "PYTHONPATH": os.pathsep.join([str(BASE), str(BENCH)]),
        "STATIC_ROOT": str(tmp / "static"),  # whitenoise wants the folder; nothing is served
    }
    (tmp / "static").mkdir()
    os.environ.update(env)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, connections

    db = "postgresql" if connection.vendor == "postgresql" else "sqlite"
    proc = None
    try:
        started = time.perf_counter()
        call_command("migrate", verbosity=0)
        ids = build()
        official = [f"sessionid={k}" for k in sessions(ids["official"], CONNECTIONS)]
        staff = [f"sessionid={k}" for k in sessions(ids["staff"], CONNECTIONS)]
        connections.close_all()
        print(f"built in {time.perf_counter() - started:.1f}s ({db}, {WORKERS} workers)")
        port = free_port()
        proc = start_gunicorn(env, port)
        pages = {
            "home": ("/", official),
            "form": (f"/circulars/{ids['open']}/reply/", official),
            "review": (f"/circulars/{ids['open']}/reply/review/", official),
            "results": (f"/tsb/circulars/{ids['closed']}/results/", staff),
            "admin": ("/admin/consultation/reply/", staff),
        }
        ratios = {}
        for name, (path, cookies) in pages.items():
            # The baseline right before each page, with the same sessions: the machine's
            # load drifts over a run (other processes), the ratio compares neighbours.
            base = measure(port, "/bench/bare/", cookies)
            r = measure(port, path, cookies)
            ratios[name] = r["p95"] / base["p95"]
            for label, m in ((f"bare before {name}", base), (name, r)):
                print(
                    f"{label:>20}: p50 {m['p50'] * 1000:7.1f} ms  p95 {m['p95'] * 1000:7.1f} ms"
                    f"  at {m['throughput']:6.1f}/s (capacity {m['capacity']:.1f}/s)"
                )
            print(f"{'':>20}  p95 / bare = {ratios[name]:.2f}")
        print(f"pages: db={db} " + " ".join(f"{k}={v:.2f}" for k, v in ratios.items()))
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(timeout=30)
        if dropme:
            drop_database(dropme)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()

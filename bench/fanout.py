"""Fan-out benchmark: 1,930 reminders (193 Member States x 10 officials) through real Celery
workers and a real Redis, delivered into the database mail backend.

    python bench/fanout.py            # SQLite in a temporary folder, a private redis-server
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres python bench/fanout.py

With DATABASE_URL pointing at PostgreSQL a fresh database is created beside the one named and
dropped at the end. Before the measured run it times the same deliveries in this process
(no broker, no worker) as a baseline, and prints the ratio. The last line is (issue 4's,
with the ratio issue 12 asks for):

    fanout: sent=<n> duplicates=<n> ratio=<workers+Redis time / in-process time> seconds=<s>
"""

from __future__ import annotations

import datetime
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BASE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE))

STATES, PER_STATE, WORKERS = 193, 10, int(os.environ.get("FANOUT_WORKERS", "2"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_redis(tmp: Path) -> tuple[subprocess.Popen[bytes] | None, str]:
    port = free_port()
    binary = shutil.which("redis-server")
    if not binary:
        sys.exit("redis-server is needed")
    proc = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(200):
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return proc, f"redis://127.0.0.1:{port}/0"
        time.sleep(0.05)
    sys.exit("redis-server did not start")


def prepare_database(tmp: Path) -> tuple[str, str | None]:
    """Return the DATABASE_URL to use and, for PostgreSQL, the database to drop after."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        return f"sqlite:///{tmp / 'fanout.sqlite3'}", None
    import psycopg

    name = f"bench_fanout_{os.getpid()}"
    base, _, _ = url.rpartition("/")
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"{base}/{name}", name


ADMIN_URL = os.environ.get("DATABASE_URL", "")  # read before main() points it at the bench database


def drop_database(name: str) -> None:
    import psycopg
    from django.db import connections

    connections.close_all()
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main() -> None:
    tmp = Path(tempfile.mkdtemp(prefix="fanout-"))
    redis_proc, redis_url = start_redis(tmp)
    database_url, dropme = prepare_database(tmp)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "true",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "EMAIL_BACKEND": "consultation.mail.DatabaseEmailBackend",
        "VAR_DIR": str(tmp),
        "LOG_LEVEL": "WARNING",
    }
    os.environ.update(env)
    import django

    django.setup()
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command
    from django.db.models import Count
    from django.utils import timezone

    from accounts.models import MemberState, Official, User
    from accounts.services import member_states_sync
    from consultation.models import (
        Circular,
        DeliveredMail,
        DraftRecommendation,
        Meeting,
        Notification,
        StudyGroup,
    )
    from consultation.services import notifications

    workers: list[subprocess.Popen[bytes]] = []
    try:
        call_command("migrate", verbosity=0)
        member_states_sync()
        states = list(MemberState.objects.members_on(datetime.date(2024, 1, 1)))[:STATES]
        password = make_password(None)
        users = User.objects.bulk_create(
            [
                User(email=f"o{n}.{s.alpha3.lower()}@example.org", password=password)
                for s in states
                for n in range(PER_STATE)
            ]
        )
        Official.objects.bulk_create(
            [
                Official(user=u, member_state=states[i // PER_STATE], role="signatory")
                for i, u in enumerate(users)
            ]
        )
        sg, _ = StudyGroup.objects.get_or_create(number=11, defaults={"title": "SG11"})
        today = timezone.now().date()
        meeting = Meeting.objects.create(
            study_group=sg, place="Geneva", starts_on=today, ends_on=today
        )

        def circular(number: int) -> Circular:
            c = Circular.objects.create(
                number=number,
                study_period="bench",
                reference="SG11/DA",
                study_group=sg,
                meeting=meeting,
                subject="Benchmark",
                director_name="Director",
                issued_on=datetime.date(2024, 1, 1),
                deadline=timezone.now() + datetime.timedelta(hours=23),
                status="published",
                published_at=timezone.now(),
            )
            DraftRecommendation.objects.create(circular=c, order=1, number="ITU-T Q.1", title="T")
            return c

        # Baseline: the same 1,930 deliveries in this process, no broker, no worker.
        baseline_circular = circular(1)
        queued = notifications.reminders_queue_due()
        assert queued == STATES * PER_STATE, queued
        started = time.perf_counter()
        notifications.notifications_deliver(
            ids=notifications.notifications_pending_ids(limit=10_000)
        )
        baseline = time.perf_counter() - started
        Circular.objects.filter(pk=baseline_circular.pk).update(
            status="closed", closed_at=timezone.now()
        )
        DeliveredMail.objects.all().delete()

        # Measured: workers and Redis. Workers are up before the reminders are queued.
        for n in range(WORKERS):
            log = (tmp / f"worker-{n}.log").open("wb")
            workers.append(
                subprocess.Popen(
                    [
                        sys.executable,
                        "-m",
                        "celery",
                        "-A",
                        "config",
                        "worker",
                        "--pool=solo",
                        "--without-mingle",
                        "--without-gossip",
                        "--without-heartbeat",
                        "-l",
                        "WARNING",
                        "-n",
                        f"bench{n}@%h",
                    ],
                    cwd=BASE,
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            )
        time.sleep(3)
        measured_circular = circular(2)
        started = time.perf_counter()
        queued = notifications.reminders_queue_due()
        expected = STATES * PER_STATE
        deadline = started + 300
        while time.perf_counter() < deadline:
            delivered = DeliveredMail.objects.count()
            pending = Notification.objects.filter(
                circular=measured_circular, status="pending"
            ).exists()
            if delivered >= expected and not pending:
                break
            time.sleep(0.1)
        seconds = time.perf_counter() - started
        time.sleep(1)
        sent = DeliveredMail.objects.count()
        duplicates = sum(
            n - 1
            for n in DeliveredMail.objects.values("notification_key")
            .annotate(n=Count("pk"))
            .values_list("n", flat=True)
            if n > 1
        )
        print(f"baseline: in-process delivery of {expected} reminders took {baseline:.2f}s")
        print(f"workers: {WORKERS}; ratio (workers+Redis / in-process) = {seconds / baseline:.2f}")
        # The time as a ratio to the in-process baseline of this same run: a shared, loaded
        # machine slows both (27.8 s against 6.2 s on a quiet one), the ratio much less.
        print(
            f"fanout: sent={sent} duplicates={duplicates} ratio={seconds / baseline:.2f} "
            f"seconds={seconds:.2f}"
        )
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            try:
                worker.wait(timeout=15)
            except subprocess.TimeoutExpired:
                worker.kill()
        if redis_proc is not None:
            redis_proc.terminate()
        if dropme:
            drop_database(dropme)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()

"""Fan-outs that meet a database hiccup mid-delivery: every reminder delivered, none twice.

The cause of issue 13 (1,759 of 1,930 reminders delivered, the rest pending for good): a
database error inside a delivery task (SQLite busy past its timeout while another process
writes; a PostgreSQL connection cut) failed the whole task. With acks_late a failed task is
still acknowledged, so the rest of its chunk of 200 stayed pending, and only the beat's
drain would ever send them: the benchmark runs no beat, so they waited forever. Delivery
tasks now retry on database errors; what a task already sent is no longer pending, so the
retry sends only the rest.

No beat runs here, on purpose: the workers alone must deliver everything.
"""

from __future__ import annotations

import contextlib
import datetime
import sqlite3
import threading
import time
from collections.abc import Iterator

import pytest
from django.db import connection
from django.utils import timezone

from accounts.models import MemberState
from accounts.services import member_states_sync
from consultation.models import DeliveredMail, Notification
from consultation.services import notifications
from tests.integration.conftest import wait_for
from tests.integration.test_notifications_exactly_once import (
    duplicates,
    officials_for,
    open_circular,
)

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


@contextlib.contextmanager
def database_hiccup(seconds: float) -> Iterator[None]:
    """Another writer holds the database for `seconds` (SQLite), or the workers' database
    connections are cut again and again for `seconds` (PostgreSQL)."""
    stop = threading.Event()
    if connection.vendor == "sqlite":
        holder = sqlite3.connect(
            connection.settings_dict["NAME"], isolation_level=None, check_same_thread=False
        )
        holder.execute("BEGIN IMMEDIATE")

        def release() -> None:
            stop.wait(seconds)
            holder.execute("ROLLBACK")
            holder.close()

        thread = threading.Thread(target=release)
    else:
        import psycopg

        params = connection.get_connection_params()

        def cut() -> None:
            with psycopg.connect(**params, autocommit=True) as admin:
                until = time.monotonic() + seconds
                while time.monotonic() < until and not stop.is_set():
                    admin.execute(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                        "WHERE datname = current_database() AND pid <> pg_backend_pid() "
                        "AND backend_type = 'client backend' AND pid <> %s",
                        [test_pid],
                    )
                    time.sleep(0.05)

        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            test_pid = cursor.fetchone()[0]
        thread = threading.Thread(target=cut)
    thread.start()
    try:
        yield
    finally:
        thread.join(timeout=seconds + 10)
        stop.set()


def test_repeated_fanouts_through_database_hiccups_deliver_everything_once(celery) -> None:
    celery.env["SQLITE_BUSY_TIMEOUT_MS"] = "300"  # the workers give up quickly, and retry
    member_states_sync()
    states = list(MemberState.objects.members_on(datetime.date(2024, 1, 1)))
    officials_for(states, 2)
    celery.worker()
    celery.worker()
    time.sleep(2)  # both workers up before the first fan-out
    expected = 0
    for round_ in range(3):
        circular = open_circular(
            deadline_in=datetime.timedelta(hours=23), issued_on=datetime.date(2024, 1, 1)
        )
        queued = notifications.reminders_queue_due(now=timezone.now())
        assert queued == len(states) * 2, round_
        with database_hiccup(2.0):  # while the workers deliver
            pass
        expected += queued
        wait_for(
            lambda c=circular: (
                not Notification.objects.filter(circular=c, status="pending").exists()
            ),
            timeout=90,
            what=f"fan-out {round_ + 1}: every reminder delivered by the workers alone",
            logs=celery.logs,
        )
    assert DeliveredMail.objects.count() == expected
    assert duplicates() == []
    assert Notification.objects.exclude(status="sent").count() == 0

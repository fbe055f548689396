"""Exactly once, with the real Redis and real Celery processes.

- 193 x 10 reminders, the worker SIGKILLed part-way and restarted: each delivered once.
- Redis stopped during 50 submissions: all saved, 50 receipts once it is back, none twice.
- Two beat processes: nothing sent twice, the circular closed once.
"""

from __future__ import annotations

import datetime
import time

import pytest
from django.contrib.auth.hashers import make_password
from django.db.models import Count
from django.utils import timezone

from accounts.models import MemberState, Official, User
from accounts.services import member_states_sync
from consultation import services
from consultation.models import Circular, CircularEvent, DeliveredMail, Notification, Reply
from consultation.services import notifications
from tests import factories
from tests.integration.conftest import wait_for

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def open_circular(*, deadline_in: datetime.timedelta, issued_on: datetime.date) -> Circular:
    circular = factories.CircularFactory(
        status=Circular.Status.PUBLISHED,
        published_at=timezone.now(),
        issued_on=issued_on,
        deadline=timezone.now() + deadline_in,
    )
    factories.DraftFactory(circular=circular, order=1)
    return circular


def officials_for(states: list[MemberState], per_state: int, role: str = "signatory") -> None:
    password = make_password(None)
    users = User.objects.bulk_create(
        [
            User(email=f"o{n}.{s.alpha3.lower()}@example.org", password=password)
            for s in states
            for n in range(per_state)
        ]
    )
    by_email = {u.email: u for u in users}
    Official.objects.bulk_create(
        [
            Official(
                user=by_email[f"o{n}.{s.alpha3.lower()}@example.org"], member_state=s, role=role
            )
            for s in states
            for n in range(per_state)
        ]
    )


def duplicates() -> list[str]:
    return list(
        DeliveredMail.objects.values("notification_key")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .values_list("notification_key", flat=True)
    )


def test_fanout_of_1930_reminders_survives_a_killed_worker(celery) -> None:
    member_states_sync()
    # Issued before Palau joined: 193 Member States, 10 officials each.
    circular = open_circular(
        deadline_in=datetime.timedelta(hours=23), issued_on=datetime.date(2024, 1, 1)
    )
    states = list(MemberState.objects.members_on(circular.issued_on))
    assert len(states) == 193
    officials_for(states, 10)
    worker = celery.worker()
    assert notifications.reminders_queue_due() == 1930
    wait_for(
        lambda: DeliveredMail.objects.count() >= 300,
        timeout=60,
        what="the first deliveries",
        logs=celery.logs,
    )
    celery.kill(worker)
    at_kill = DeliveredMail.objects.count()
    assert at_kill < 1930, "the worker finished before it could be killed"
    celery.worker()
    celery.beat()  # its drain sends what the killed worker's lost messages held
    wait_for(
        lambda: (
            DeliveredMail.objects.count() >= 1930
            and not Notification.objects.filter(status="pending").exists()
        ),
        timeout=120,
        what="all 1930 reminders",
        logs=celery.logs,
    )
    time.sleep(1)  # anything still in flight would show as a duplicate now
    assert DeliveredMail.objects.count() == 1930
    assert duplicates() == []
    assert Notification.objects.filter(kind="reminder", status="sent").count() == 1930


def test_submissions_while_redis_is_down_are_saved_and_receipts_follow(
    celery, redis_server
) -> None:
    circular = open_circular(
        deadline_in=datetime.timedelta(days=20), issued_on=timezone.now().date()
    )
    states = [factories.MemberStateFactory() for _ in range(50)]
    officials_for(states, 1)
    draft = circular.drafts.get()
    celery.worker()
    celery.beat()
    redis_server.stop()
    started = time.monotonic()
    for official in Official.objects.select_related("user", "member_state"):
        services.reply_save_draft(
            circular_id=circular.pk,
            official=official,
            expected_revision=0,
            header={"from_name": "N", "from_title": "T", "from_email": official.user.email},
            positions={draft.pk: {"decision": "authorize"}},
        )
        services.reply_submit(circular_id=circular.pk, official=official, expected_revision=1)
    elapsed = time.monotonic() - started
    assert Reply.objects.filter(status="submitted").count() == 50
    assert Notification.objects.filter(kind="receipt", status="pending").count() == 50
    assert elapsed < 20, f"submissions waited for Redis: {elapsed:.1f}s for 50"
    assert DeliveredMail.objects.count() == 0
    redis_server.start()
    wait_for(
        lambda: DeliveredMail.objects.filter(notification_key__contains=":receipt:").count() >= 50,
        timeout=90,
        what="50 receipts after Redis is back",
        logs=celery.logs,
    )
    time.sleep(1.5)
    assert DeliveredMail.objects.filter(notification_key__contains=":receipt:").count() == 50
    assert duplicates() == []


def test_two_beats_send_nothing_twice(celery, settings) -> None:
    settings.TSB_SUMMARY_EMAILS = ["tsb@itu.example"]
    reminded = open_circular(
        deadline_in=datetime.timedelta(hours=20), issued_on=timezone.now().date()
    )
    closing = open_circular(
        deadline_in=datetime.timedelta(seconds=4), issued_on=timezone.now().date()
    )
    states = [factories.MemberStateFactory() for _ in range(20)]
    officials_for(states, 2)
    celery.worker()
    celery.beat()
    celery.beat()
    wait_for(
        lambda: (
            Circular.objects.get(pk=closing.pk).status == "closed"
            and Notification.objects.filter(kind="summary", status="sent").exists()
            and Notification.objects.filter(
                circular=reminded, kind="reminder", status="sent"
            ).count()
            == 40
        ),
        timeout=60,
        what="reminders, closing and summary",
        logs=celery.logs,
    )
    time.sleep(3)  # both beats keep running: any second sending would show now
    assert duplicates() == []
    assert Notification.objects.filter(circular=reminded, kind="reminder").count() == 40
    assert DeliveredMail.objects.filter(notification_key__contains=":summary:").count() == 1
    assert CircularEvent.objects.filter(circular=closing, to_status="closed").count() == 1

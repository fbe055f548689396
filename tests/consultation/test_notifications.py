"""Notices, reminders, receipts and the closing summary: who gets what, each exactly once."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.utils import timezone

from accounts.models import ObserverCategory, Official
from consultation import services, tasks
from consultation.models import Circular, CircularCopy, Notification
from consultation.services import notifications
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def cast(state_a, state_b, official_a, official_b):
    drafter_a = factories.OfficialFactory(member_state=state_a, role=Official.Role.DRAFTER)
    factories.OfficialFactory(member_state=state_b, is_active=False)  # deactivated: nothing
    return {"drafter_a": drafter_a}


def publish(tsb_staff, *, deadline_in: datetime.timedelta = datetime.timedelta(days=30)):
    circular = factories.CircularFactory(deadline=timezone.now() + deadline_in, issued_on=None)
    factories.DraftFactory(circular=circular)
    CircularCopy.objects.create(
        circular=circular, category=ObserverCategory.SECTOR_MEMBER, label="Sector Members"
    )
    return services.circular_publish(circular_id=circular.pk, actor=tsb_staff)


def deliver_all() -> dict[str, int]:
    return tasks.notifications_drain_task()


def test_publication_notifies_active_officials_and_observers_once(
    cast, tsb_staff, official_a
) -> None:
    observer = factories.ObserverFactory(category=ObserverCategory.SECTOR_MEMBER)
    factories.ObserverFactory(category=ObserverCategory.ACADEMIA)  # not on the copy list
    circular = publish(tsb_staff)
    assert deliver_all() == {"sent": 4}  # 2 officials of A, 1 of B, 1 observer
    recipients = sorted(m.to[0] for m in mail.outbox)
    assert official_a.user.email in recipients and observer.user.email in recipients
    assert len(recipients) == len(set(recipients)) == 4
    assert all(str(circular) in m.subject for m in mail.outbox)
    assert all(m.alternatives and m.alternatives[0][1] == "text/html" for m in mail.outbox)
    # Queueing again (a retried task) changes nothing and sends nothing more.
    notifications.notices_queue(circular=circular, now=timezone.now())
    assert deliver_all() == {}
    assert len(mail.outbox) == 4


def test_notice_is_written_in_the_recipients_language(cast, tsb_staff, official_a) -> None:
    official_a.user.language = "fr"
    official_a.user.save()
    publish(tsb_staff)
    deliver_all()
    french = next(m for m in mail.outbox if m.to == [official_a.user.email])
    assert Notification.objects.get(email=official_a.user.email).language == "fr"
    assert french.subject  # rendered under translation.override("fr"); catalogs come later


def test_reminders_go_to_states_that_have_not_submitted_and_only_once(
    cast, tsb_staff, official_a, official_b, time_machine
) -> None:
    circular = publish(tsb_staff, deadline_in=datetime.timedelta(days=20))
    deliver_all()
    mail.outbox.clear()
    draft = circular.drafts.get()
    services.reply_save_draft(
        circular_id=circular.pk,
        official=official_a,
        expected_revision=0,
        header={"from_name": official_a.user.get_full_name(), "from_title": "T"},
        positions={draft.pk: {"decision": "authorize"}},
    )
    services.reply_submit(circular_id=circular.pk, official=official_a, expected_revision=1)
    deliver_all()  # receipts
    mail.outbox.clear()
    assert notifications.reminders_queue_due() == 0  # 20 days ahead: no reminder is due
    time_machine.move_to(circular.deadline - datetime.timedelta(days=13), tick=False)
    assert tasks.reminders_queue_due_task() == 1
    assert tasks.reminders_queue_due_task() == 0  # two beats, or a retry: nothing new
    assert deliver_all() == {"sent": 1}
    assert [m.to for m in mail.outbox] == [[official_b.user.email]]
    assert Notification.objects.get(kind="reminder").key == "14d"
    # Several moments passed while the portal was down: one reminder, the latest.
    time_machine.move_to(circular.deadline - datetime.timedelta(hours=23), tick=False)
    tasks.reminders_queue_due_task()
    assert list(Notification.objects.filter(kind="reminder").values_list("key", flat=True)) == [
        "24h",
        "14d",
    ]


def test_no_reminder_after_the_deadline_or_once_the_state_has_replied(
    cast, tsb_staff, official_b, time_machine
) -> None:
    circular = publish(tsb_staff, deadline_in=datetime.timedelta(days=1))
    deliver_all()
    time_machine.move_to(circular.deadline - datetime.timedelta(hours=2), tick=False)
    tasks.reminders_queue_due_task()
    # The state replies before the reminder leaves: it is cancelled, not sent.
    draft = circular.drafts.get()
    services.reply_save_draft(
        circular_id=circular.pk,
        official=official_b,
        expected_revision=0,
        header={"from_name": official_b.user.get_full_name(), "from_title": "T"},
        positions={draft.pk: {"decision": "authorize"}},
    )
    services.reply_submit(circular_id=circular.pk, official=official_b, expected_revision=1)
    mail.outbox.clear()
    outcome = deliver_all()
    assert outcome.get("cancelled", 0) >= 1
    b_emails = set(
        Official.objects.filter(member_state=official_b.member_state).values_list(
            "user__email", flat=True
        )
    )
    assert not [m for m in mail.outbox if "Reminder" in m.subject and set(m.to) & b_emails]
    assert Notification.objects.filter(
        kind="reminder", member_state=official_b.member_state, status="cancelled"
    ).exists()
    time_machine.move_to(circular.deadline + datetime.timedelta(seconds=1), tick=False)
    assert tasks.reminders_queue_due_task() == 0


def test_submission_sends_a_receipt_to_the_signatory_and_copies_to_colleagues(
    cast, tsb_staff, official_a
) -> None:
    circular = publish(tsb_staff)
    deliver_all()
    mail.outbox.clear()
    draft = circular.drafts.get()
    services.reply_save_draft(
        circular_id=circular.pk,
        official=official_a,
        expected_revision=0,
        header={"from_name": official_a.user.get_full_name(), "from_title": "T"},
        positions={draft.pk: {"decision": "authorize"}},
    )
    version = services.reply_submit(
        circular_id=circular.pk, official=official_a, expected_revision=1
    )
    assert deliver_all() == {"sent": 2}
    receipt = next(m for m in mail.outbox if m.to == [official_a.user.email])
    copy = next(m for m in mail.outbox if m.to == [cast["drafter_a"].user.email])
    assert "Receipt" in receipt.subject and "Copy" in copy.subject
    for message in (receipt, copy):
        assert version.sha256 in message.body
        assert "Version: 1" in message.body


def test_closing_at_the_deadline_sends_tsb_the_summary(
    cast, tsb_staff, settings, time_machine
) -> None:
    settings.TSB_SUMMARY_EMAILS = ["tsbsg11@itu.example"]
    circular = publish(tsb_staff, deadline_in=datetime.timedelta(hours=1))
    deliver_all()
    mail.outbox.clear()
    time_machine.move_to(circular.deadline + datetime.timedelta(seconds=1), tick=False)
    assert tasks.circulars_close_due_task() == [circular.pk]
    assert tasks.circulars_close_due_task() == []  # a second beat closes nothing
    circular.refresh_from_db()
    assert circular.status == Circular.Status.CLOSED
    assert circular.events.get(to_status="closed").actor is None
    assert deliver_all() == {"sent": 1}
    [summary] = mail.outbox
    assert summary.to == ["tsbsg11@itu.example"]
    assert "0 on-time replies" in summary.body
    assert "State A" in summary.body and "State B" in summary.body  # did not reply


class BrokenBackend:
    def __init__(self, *args, **kwargs) -> None:
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("SMTP server unreachable")


def test_failures_are_recorded_retried_and_resent_on_request(cast, tsb_staff, settings) -> None:
    publish(tsb_staff)
    settings.EMAIL_BACKEND = "tests.consultation.test_notifications.BrokenBackend"
    for _ in range(notifications.MAX_ATTEMPTS):
        deliver_all()
    failed = Notification.objects.filter(status="failed")
    assert failed.count() == 3
    assert all("SMTP server unreachable" in n.last_error for n in failed)
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert notifications.notifications_resend(ids=[failed.first().pk], actor=tsb_staff) == 1
    assert deliver_all() == {"sent": 1}
    resent = Notification.objects.get(status="sent")
    assert resent.context["resent"][0]["by"] == tsb_staff.email


def test_database_mail_backend_delivers_in_the_same_transaction(cast, tsb_staff, settings) -> None:
    from consultation.models import DeliveredMail

    settings.EMAIL_BACKEND = "consultation.mail.DatabaseEmailBackend"
    publish(tsb_staff)
    deliver_all()
    keys = list(DeliveredMail.objects.values_list("notification_key", flat=True))
    assert sorted(keys) == sorted(Notification.objects.values_list("dedupe_key", flat=True))


def test_invalid_reminder_offsets_are_refused_by_the_form() -> None:
    from django.core.exceptions import ValidationError

    circular = factories.CircularFactory(reminder_offsets="14 days")
    with pytest.raises(ValidationError, match="days"):
        circular.full_clean()


def test_the_admin_shows_how_many_notifications_wait_and_since_when(
    client, cast, tsb_staff, time_machine
) -> None:
    from django.urls import reverse

    from tests.conftest import sign_in

    time_machine.move_to(datetime.datetime(2026, 12, 2, 9, 0, tzinfo=datetime.UTC), tick=False)
    publish(tsb_staff)  # notices queued, not yet sent
    pending = Notification.objects.filter(status="pending").count()
    assert pending == 3
    time_machine.move_to(datetime.datetime(2026, 12, 2, 9, 5, tzinfo=datetime.UTC), tick=False)
    sign_in(client, tsb_staff)
    page = client.get(reverse("admin:consultation_notification_changelist"))
    text = page.content.decode()
    assert page.context["outbox"]["pending"] == 3
    assert page.context["outbox"]["waiting_seconds"] == 300
    assert "3 notifications are waiting to be sent" in text and "2 December 2026, 09:00" in text
    deliver_all()
    page = client.get(reverse("admin:consultation_notification_changelist"))
    assert "Nothing is waiting to be sent." in page.content.decode()

"""Celery tasks: thin wrappers that load by id and call one service.

All are idempotent (acks_late and reject_on_worker_lost are set for the whole app in
settings): running one twice, or after a worker was killed, sends nothing twice.
"""

from __future__ import annotations

from celery import shared_task
from django.db import DatabaseError

from consultation.services import circulars as circular_services
from consultation.services import notifications


@shared_task(
    name="consultation.notifications_deliver",
    # A database error in the middle of a chunk (SQLite busy past its timeout, a PostgreSQL
    # connection cut) used to fail the task: acknowledged, its undelivered rest left pending
    # until a drain, and never if no beat ran. Now the task is retried; what it already sent
    # is not pending any more, so a retry sends only the rest.
    autoretry_for=(DatabaseError,),
    retry_backoff=1,
    retry_backoff_max=30,
    retry_jitter=True,
    max_retries=20,
)
def notifications_deliver_task(ids: list[int]) -> dict[str, int]:
    return notifications.notifications_deliver(ids=ids)


@shared_task(name="consultation.notifications_drain")
def notifications_drain_task(limit: int = 2000) -> dict[str, int]:
    """Send whatever is pending: the outbox's safety net (broker down, worker killed)."""
    return notifications.notifications_deliver(
        ids=notifications.notifications_pending_ids(limit=limit)
    )


@shared_task(name="consultation.reminders_queue_due")
def reminders_queue_due_task() -> int:
    return notifications.reminders_queue_due()


@shared_task(name="consultation.circulars_close_due")
def circulars_close_due_task() -> list[int]:
    return circular_services.circulars_close_due()


@shared_task(name="consultation.export_job_build")
def export_job_build_task(job_id: int) -> str:
    from consultation.services.exports import export_job_build

    return export_job_build(job_id=job_id)


@shared_task(name="consultation.export_jobs_housekeeping")
def export_jobs_housekeeping_task() -> dict[str, int]:
    from consultation.services.exports import export_jobs_housekeeping

    return export_jobs_housekeeping()


@shared_task(name="consultation.more_time_housekeeping")
def more_time_housekeeping_task() -> dict[str, object]:
    """Stage two (Resolution 1, 9.5): remind the Member States that asked for more time,
    and record the end of each window that has passed."""
    from consultation.services import approval

    return {
        "reminders": approval.more_time_reminders_queue_due(),
        "ended": approval.more_time_windows_close_due(),
    }

"""Large replies exports built by a Celery worker: requested by TSB, written with progress,
kept for a set time behind the export permission, then deleted.

A job exports the replies that the admin's replies list showed when TSB asked: the list's
querystring (filters and search) is stored on the job (ExportJob.query), and the worker
rebuilds the same queryset from it with the list's own machinery
(consultation.exports.replies_for_query), as the user who asked."""

from __future__ import annotations

import datetime
import logging
import tempfile
import threading

from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.http import QueryDict
from django.utils import timezone

from accounts.models import User
from consultation import exports
from consultation.models import Circular, ExportJob

logger = logging.getLogger(__name__)

#: How each format of ExportJob.Format is written, row by row (memory stays flat).
WRITERS = {
    ExportJob.Format.XLSX: exports.stream_replies_xlsx,
    ExportJob.Format.CSV: exports.stream_replies_csv,
    ExportJob.Format.JSON: exports.stream_replies_json,
}


def export_job_request(
    *, user: User, format: str, circular_id: int | None = None, query: str = ""
) -> ExportJob:
    """Record the request and ask a worker to build the file, once this commits.

    `query` is the replies list's querystring (its filters and search); `circular_id`, the
    older way to name one circular, is the list's circular filter. A querystring the list
    would refuse raises IncorrectLookupParameters here, before anything is recorded.

    The request never waits for the broker: the publish runs in a thread; a job whose
    publish was lost is started by the beat's housekeeping (export_jobs_housekeeping)."""
    if format not in ExportJob.Format.values:
        raise ValueError(f"unknown export format {format!r}")
    params = QueryDict(exports.clean_query(query), mutable=True)
    if circular_id:
        params["circular__id__exact"] = str(circular_id)
    named = params.get("circular__id__exact", "")
    circular = Circular.objects.filter(pk=named).first() if named.isdigit() else None
    if circular_id and circular is None:
        raise Circular.DoesNotExist(f"no circular {circular_id}")
    query = params.urlencode()
    exports.replies_for_query(query=query, user=user).exists()  # refused here if it is wrong
    job = ExportJob.objects.create(requested_by=user, format=format, circular=circular, query=query)

    def publish() -> None:
        from consultation.tasks import export_job_build_task

        try:
            export_job_build_task.apply_async(args=[job.pk], retry=False)
        except Exception as exc:  # noqa: BLE001 - the beat's housekeeping starts it
            logger.warning("broker unreachable (%s); export %s left to the beat", exc, job.pk)

    transaction.on_commit(lambda: threading.Thread(target=publish, daemon=True).start())
    return job


def export_job_build(*, job_id: int, now: datetime.datetime | None = None) -> str:
    """Write the job's file; return what happened (done, failed, not_pending)."""
    with transaction.atomic():
        job = (
            ExportJob.objects.select_for_update(skip_locked=True)
            .filter(pk=job_id, status=ExportJob.Status.PENDING)
            .first()
        )
        if job is None:
            return "not_pending"
        job.status = ExportJob.Status.RUNNING
        job.save(update_fields=["status"])

    def progress(rows: int) -> None:
        ExportJob.objects.filter(pk=job.pk).update(rows_done=rows)

    write = WRITERS[job.format]
    try:
        queryset = exports.positions_for_query(query=job.query, user=job.requested_by)
        ExportJob.objects.filter(pk=job.pk).update(rows_total=queryset.count())
        with tempfile.TemporaryFile() as handle:
            rows = write(queryset, handle, progress=progress)
            handle.seek(0)
            stamp = (now or timezone.now()).strftime("%Y-%m-%d-%H%M%S")
            scope = f"circular-{job.circular.number}" if job.circular else "all"
            name = f"replies-{scope}-{stamp}-{job.pk}.{job.format}"
            job.file.save(name, File(handle), save=False)
    except Exception as exc:
        ExportJob.objects.filter(pk=job.pk).update(
            status=ExportJob.Status.FAILED, error=f"{type(exc).__name__}: {exc}"[:2000]
        )
        logger.exception("export %s failed", job.pk)
        return "failed"
    finished = now or timezone.now()
    ExportJob.objects.filter(pk=job.pk).update(
        status=ExportJob.Status.DONE,
        rows_done=rows,
        rows_total=rows,
        file=job.file.name,
        finished_at=finished,
        expires_at=finished + datetime.timedelta(seconds=settings.EXPORT_KEEP_SECONDS),
    )
    return "done"


def export_jobs_housekeeping(*, now: datetime.datetime | None = None) -> dict[str, int]:
    """Start the jobs whose publish was lost (pending for a minute), delete expired files."""
    now = now or timezone.now()
    expired = 0
    for job in ExportJob.objects.filter(status=ExportJob.Status.DONE, expires_at__lte=now):
        if job.file:
            job.file.delete(save=False)
        ExportJob.objects.filter(pk=job.pk).update(status=ExportJob.Status.EXPIRED, file="")
        expired += 1
    started = 0
    stale = ExportJob.objects.filter(
        status=ExportJob.Status.PENDING, requested_at__lt=now - datetime.timedelta(minutes=1)
    ).values_list("pk", flat=True)
    for pk in list(stale):
        started += export_job_build(job_id=pk) == "done"
    return {"started": started, "expired": expired}

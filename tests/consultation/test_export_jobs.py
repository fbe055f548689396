"""Large exports written by a worker, with progress, kept for a set time (issue 10, item 2).

The task's body is called here synchronously on the real database (STYLE: test a task by
calling it); the worker path is the same function."""

from __future__ import annotations

import datetime
import io

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from consultation import exports, selectors
from consultation.models import ExportJob
from consultation.services.exports import export_job_build, export_jobs_housekeeping
from tests.conftest import sign_in
from tests.consultation.test_exports import consultation  # noqa: F401 - fixture

pytestmark = pytest.mark.django_db


@pytest.fixture
def exporter(tsb_staff):
    tsb_staff.user_permissions.add(Permission.objects.get(codename="export_reply"))
    return tsb_staff


def start(client, circular=None, kind="csv") -> ExportJob:
    data = {"format": kind, **({"circular": str(circular.pk)} if circular else {})}
    response = client.post(reverse("admin:consultation_reply_export_job"), data)
    job = ExportJob.objects.latest("pk")
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:consultation_exportjob_change", args=[job.pk])
    return job


def test_a_worker_writes_the_filtered_export_and_tsb_downloads_it(
    client,
    exporter,
    consultation,  # noqa: F811
) -> None:
    sign_in(client, exporter)
    job = start(client, consultation, "csv")
    assert (job.status, job.circular, job.requested_by) == ("pending", consultation, exporter)
    page = client.get(reverse("admin:consultation_exportjob_change", args=[job.pk]))
    assert '<meta http-equiv="refresh" content="3">' in page.content.decode()
    assert export_job_build(job_id=job.pk) == "done"
    assert export_job_build(job_id=job.pk) == "not_pending"  # a retried task does nothing
    job.refresh_from_db()
    expected = io.BytesIO()
    count = exports.stream_replies_csv(
        selectors.positions_for_export(circulars=[consultation]), expected
    )
    assert (job.status, job.rows_done, job.rows_total, job.percent) == ("done", count, count, 100)
    assert job.expires_at == job.finished_at + datetime.timedelta(hours=24)
    page = client.get(reverse("admin:consultation_exportjob_change", args=[job.pk]))
    download = reverse("admin:consultation_exportjob_download", args=[job.pk])
    assert f'href="{download}"' in page.content.decode()
    response = client.get(download)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == expected.getvalue()


def test_progress_is_reported_as_the_rows_are_written(consultation, monkeypatch) -> None:  # noqa: F811
    monkeypatch.setattr(exports, "CHUNK_SIZE", 5)
    seen: list[int] = []
    count = exports.stream_replies_xlsx(
        selectors.positions_for_export(), io.BytesIO(), progress=seen.append
    )
    assert count == 24 and seen == [5, 10, 15, 20]


def test_files_are_deleted_when_their_time_is_up_and_lost_jobs_are_started(
    client,
    exporter,
    consultation,  # noqa: F811
) -> None:
    sign_in(client, exporter)
    done = start(client, kind="xlsx")
    export_job_build(job_id=done.pk)
    done.refresh_from_db()
    path = done.file.path
    lost = start(client, kind="csv")  # its publish never reached a worker
    later = timezone.now() + datetime.timedelta(hours=25)
    assert export_jobs_housekeeping(now=later) == {"started": 1, "expired": 1}
    done.refresh_from_db()
    lost.refresh_from_db()
    assert done.status == "expired" and not done.file
    import os

    assert not os.path.exists(path)
    assert lost.status == "done"
    response = client.get(reverse("admin:consultation_exportjob_download", args=[done.pk]))
    assert response.status_code == 404


def test_staff_without_the_export_permission_may_not_start_or_download(
    client,
    tsb_staff,
    consultation,  # noqa: F811
) -> None:
    tsb_staff.user_permissions.remove(Permission.objects.get(codename="export_reply"))
    sign_in(client, tsb_staff)
    response = client.post(reverse("admin:consultation_reply_export_job"), {"format": "csv"})
    assert response.status_code == 403
    assert not ExportJob.objects.exists()

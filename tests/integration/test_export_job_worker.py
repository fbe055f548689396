"""A large export through the admin, built by a real Celery worker on the real Redis.

TSB filters the replies list, presses the large-export button; the request only records the
job and publishes it; a worker process (its own Django, its own database connection, no
request) rebuilds the list's queryset from the stored filters, writes the file and marks the
job done; TSB downloads it through the admin's download link and the file holds the rows the
list showed, with the Tally and Matrix sheets.
"""

from __future__ import annotations

import io
import json
from urllib.parse import urlencode

import openpyxl
import pytest
from django.urls import reverse

from consultation import exports
from consultation.models import ExportJob, Reply
from tests.conftest import sign_in
from tests.consultation import test_exports
from tests.integration.conftest import wait_for

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

consultation = test_exports.consultation  # fixtures: replies through the services
exporter = test_exports.exporter


def request_and_wait(client, celery, kind: str, query: str) -> ExportJob:
    response = client.post(
        reverse("admin:consultation_reply_export_job"), {"format": kind, "query": query}
    )
    job = ExportJob.objects.latest("pk")
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:consultation_exportjob_change", args=[job.pk])

    def done() -> bool:
        job.refresh_from_db()
        assert job.status != ExportJob.Status.FAILED, job.error
        return job.status == ExportJob.Status.DONE

    wait_for(done, timeout=60, what=f"export {job.pk} done", logs=celery.logs)
    return job


def download(client, job: ExportJob) -> bytes:
    page = client.get(reverse("admin:consultation_exportjob_change", args=[job.pk]))
    url = reverse("admin:consultation_exportjob_download", args=[job.pk])
    assert f'href="{url}"' in page.content.decode()
    response = client.get(url)
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def test_a_real_worker_writes_the_filtered_export_and_tsb_downloads_it(
    client, celery, exporter, consultation
) -> None:
    celery.worker()
    sign_in(client, exporter)
    params = {"is_late__exact": "0", "member_state__region__exact": "A"}
    listed = client.get(reverse("admin:consultation_reply_changelist"), params)
    expected = {r.member_state.name for r in listed.context["cl"].queryset}
    assert expected and len(expected) < Reply.objects.count()

    job = request_and_wait(client, celery, "xlsx", urlencode(params))
    assert job.query == urlencode(params) and job.rows_done == job.rows_total == 2 * len(expected)
    book = openpyxl.load_workbook(io.BytesIO(download(client, job)))
    assert book.sheetnames == ["Replies", "Tally", "Matrix"]
    rows = [[c.value for c in row] for row in book["Replies"].iter_rows()]
    assert tuple(rows[0]) == exports.REPLY_HEADERS
    assert len(rows) - 1 == job.rows_done
    assert {r[2] for r in rows[1:]} == {exports.escape_formula(n) for n in expected}
    assert {r[11] for r in rows[1:]} == {"no"}  # the late filter applied
    tally = [[c.value for c in row] for row in book["Tally"].iter_rows()]
    assert [r[3] for r in tally[1:]] == [10, 10]  # the whole circular's tally
    matrix = [[c.value for c in row] for row in book["Matrix"].iter_rows()]
    assert len(matrix) - 1 == len(expected)

    job = request_and_wait(client, celery, "json", urlencode({"q": "#12"}))
    data = json.loads(download(client, job))
    assert {row["Member State"] for row in data} == {test_exports.payload(12)}

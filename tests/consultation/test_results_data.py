# ruff: noqa: F811 - the fixtures of test_exports are imported by name
"""Results as recomputable data: the frozen JSON with its SHA-256, and a command that
recomputes the tally from the replies export alone (issue 10, item 4)."""

from __future__ import annotations

import datetime
import hashlib
import io
import json

import pytest
from django.core.management import call_command
from django.urls import reverse

from consultation import results, services
from consultation.models import CircularResult, Reply
from tests.consultation.test_exports import (  # noqa: F401 - fixtures used by name
    admin_export,
    consultation,
    exporter,
)

pytestmark = pytest.mark.django_db


def close(circular, tsb_staff) -> CircularResult:
    services.circular_close(
        circular_id=circular.pk,
        actor=tsb_staff,
        now=circular.deadline + datetime.timedelta(seconds=1),
    )
    return CircularResult.objects.get(circular=circular)


def test_the_frozen_results_download_as_the_json_their_sha256_covers(
    client,
    signed_in,
    consultation,
    tsb_staff,
) -> None:
    url = reverse("consultation:circular-results-json", args=[consultation.pk])
    signed_in(client, tsb_staff)
    assert client.get(url).status_code == 404  # open: nothing frozen yet
    frozen = close(consultation, tsb_staff)
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    body = response.content
    assert hashlib.sha256(body).hexdigest() == frozen.sha256 == response["X-Results-SHA256"]
    assert json.loads(body) == frozen.data
    assert results.digest(json.loads(body)) == frozen.sha256
    assert "attachment" in response["Content-Disposition"]


def test_officials_may_not_download_the_results_data(
    client,
    signed_in,
    consultation,
    tsb_staff,
) -> None:
    close(consultation, tsb_staff)
    official = consultation.replies.first().member_state.officials.first()
    signed_in(client, official.user)
    url = reverse("consultation:circular-results-json", args=[consultation.pk])
    assert client.get(url).status_code == 403
    client.logout()
    assert client.get(url).status_code == 302


@pytest.mark.parametrize("extension", ["xlsx", "csv"])
def test_the_tally_recomputed_from_the_export_equals_the_frozen_result(
    client,
    signed_in,
    exporter,
    consultation,
    tsb_staff,
    tmp_path,
    extension,
) -> None:
    frozen = results.from_json(close(consultation, tsb_staff).data, frozen_at=None, sha256=None)
    signed_in(client, exporter)
    path = tmp_path / f"replies.{extension}"
    path.write_bytes(admin_export(client, Reply, extension))
    out = io.StringIO()
    call_command("tally_from_export", str(path), stdout=out)
    recomputed = json.loads(out.getvalue())
    assert recomputed == {
        d.number: {
            "replies": d.replies,
            "supporting_no_comments": d.supporting_no_comments,
            "supporting_with_comments": d.supporting_with_comments,
            "not_supporting": d.not_supporting,
            "percent": d.percent,
            "proceeds": d.proceeds,
            "late": len(d.late),
        }
        for d in frozen.drafts
    }
    assert [t["proceeds"] for t in recomputed.values()] == [True, False]  # 70 % and 60 %

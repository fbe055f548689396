"""More than one machine: two web processes (gunicorn, two workers each) and two Celery
workers on one database and one Redis. Every Member State's signatory submits through the
real HTTP flow, to one node or the other; a few send the same confirmation to both nodes at
the same moment. Each reply is stored once, each receipt sent once."""

from __future__ import annotations

import html
import http.client
import re
import subprocess
import sys
import threading
import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db.models import Count
from django.test import Client
from django.utils import timezone

from consultation.models import Circular, DeliveredMail, Notification, Reply, ReplyVersion
from tests import factories
from tests.conftest import sign_in
from tests.integration.conftest import BASE, free_port, wait_for

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

STATES = 12
RACING = 4  # states whose confirmation goes to both nodes at once


class Node:
    """One web process: gunicorn with two workers on the test database."""

    def __init__(self, env: dict[str, str], tmp: Path, name: str) -> None:
        self.port = free_port()
        self.log = tmp / f"{name}.log"
        self.proc = subprocess.Popen(  # noqa: S603
            [
                sys.executable,
                "-m",
                "gunicorn",
                "config.wsgi:application",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                "2",
                "--timeout",
                "60",
            ],
            cwd=BASE,
            env=env,
            stdout=self.log.open("wb"),
            stderr=subprocess.STDOUT,
        )

    def ready(self) -> bool:
        try:
            return self.request("GET", "/public/circulars/")[0] == 200
        except OSError:
            return False

    def request(
        self,
        method: str,
        path: str,
        *,
        cookies: dict[str, str] | None = None,
        body: dict | None = None,
    ) -> tuple[int, dict[str, str], str]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        headers = {"Host": "localhost"}
        if cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
        data = None
        if body is not None:
            data = urllib.parse.urlencode(body, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Referer"] = f"http://localhost{path}"
        conn.request(method, path, body=data, headers=headers)
        response = conn.getresponse()
        text = response.read().decode("utf-8", errors="replace")
        result = (response.status, {k.lower(): v for k, v in response.getheaders()}, text)
        for header, value in response.getheaders():
            if header.lower() == "set-cookie" and cookies is not None:
                name, _, rest = value.partition("=")
                cookies[name.strip()] = rest.split(";", 1)[0]
        conn.close()
        return result

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=20)


def hidden(page: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', page) or re.search(
        rf'value="([^"]*)" name="{name}"', page
    )
    assert match, f"no {name} in the page"
    return html.unescape(match.group(1))


@pytest.fixture
def nodes(celery, tmp_path) -> Iterator[list[Node]]:
    env = {
        **celery.env,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "ALLOWED_HOSTS": "localhost,127.0.0.1",
    }
    started = [Node(env, tmp_path, "web-a"), Node(env, tmp_path, "web-b")]
    try:
        deadline = time.monotonic() + 60
        while not all(n.ready() for n in started):
            assert time.monotonic() < deadline, "\n".join(
                n.log.read_text(errors="replace")[-3000:] for n in started
            )
            time.sleep(0.3)
        yield started
    finally:
        for node in started:
            node.stop()


def test_two_web_nodes_and_two_workers_store_each_reply_once_and_mail_once(celery, nodes) -> None:
    circular = factories.CircularFactory(
        status=Circular.Status.PUBLISHED,
        published_at=timezone.now(),
        issued_on=timezone.now().date(),
    )
    draft = factories.DraftFactory(circular=circular, order=1)
    signatories = [factories.OfficialFactory() for _ in range(STATES)]
    celery.worker()
    celery.worker()
    sessions = []
    for official in signatories:
        client = Client()
        sign_in(client, official.user)
        sessions.append({"sessionid": client.cookies["sessionid"].value})
    edit = f"/circulars/{circular.pk}/reply/"
    review = f"{edit}review/"

    def submit(index: int, official, cookies: dict[str, str]) -> list[int]:
        first, second = nodes[index % 2], nodes[(index + 1) % 2]
        status, _headers, page = first.request("GET", edit, cookies=cookies)
        assert status == 200, page[:2000]
        form = {
            "csrfmiddlewaretoken": hidden(page, "csrfmiddlewaretoken"),
            "revision": hidden(page, "revision"),
            "from_name": official.user.get_full_name(),
            "from_title": "Director",
            "action": "review",
            f"d{draft.pk}-decision": "authorize",
        }
        status, headers, page = second.request("POST", edit, cookies=cookies, body=form)
        assert status == 302 and headers["location"].endswith(review), page[:2000]
        status, _headers, page = first.request("GET", review, cookies=cookies)
        assert status == 200, page[:2000]
        confirm = {
            "csrfmiddlewaretoken": hidden(page, "csrfmiddlewaretoken"),
            "revision": hidden(page, "revision"),
            "sha256": hidden(page, "sha256"),
        }
        if index >= RACING:
            return [second.request("POST", review, cookies=cookies, body=confirm)[0]]
        # The same confirmation to both nodes at the same moment.
        statuses: list[int] = []
        barrier = threading.Barrier(2)

        def send(node: Node) -> None:
            barrier.wait()
            statuses.append(node.request("POST", review, cookies=dict(cookies), body=confirm)[0])

        threads = [threading.Thread(target=send, args=(node,)) for node in nodes]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return statuses

    results: dict[int, list[int]] = {}

    def run(index: int) -> None:
        results[index] = submit(index, signatories[index], sessions[index])

    threads = [threading.Thread(target=run, args=(i,)) for i in range(STATES)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=180)
    assert len(results) == STATES, results
    assert all(status in (302, 303) for statuses in results.values() for status in statuses)

    # Each reply stored once: one version per state, the racing ones included.
    assert Reply.objects.filter(circular=circular, status="submitted").count() == STATES
    per_reply = (
        ReplyVersion.objects.filter(reply__circular=circular)
        .values("reply")
        .annotate(n=Count("pk"))
    )
    assert sorted(row["n"] for row in per_reply) == [1] * STATES
    # Each receipt queued once and mailed once, by one of the two workers.
    receipts = Notification.objects.filter(circular=circular, kind__in=["receipt", "receipt_copy"])
    assert receipts.count() == STATES

    def all_sent() -> bool:
        return not receipts.exclude(status="sent").exists()

    wait_for(all_sent, timeout=90, what="the receipts", logs=celery.logs)
    keys = list(DeliveredMail.objects.values_list("notification_key", flat=True))
    receipt_keys = set(receipts.values_list("dedupe_key", flat=True))
    delivered = [k for k in keys if k in receipt_keys]
    assert sorted(delivered) == sorted(receipt_keys)  # each once, none twice

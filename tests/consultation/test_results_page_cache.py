"""TSB's page of frozen results is cached per language under the record's hash (issue 14):
the cached page is the page; another language, or a changed circular, is built again."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from consultation.models import Circular
from tests.consultation.test_page_queries import _history

pytestmark = pytest.mark.django_db


def test_the_cached_results_page_is_the_page(client, signed_in, official_a, tsb_staff) -> None:
    _history(2, official_a)
    circular = Circular.objects.order_by("pk").first()
    signed_in(client, tsb_staff)
    url = reverse("consultation:circular-results", args=[circular.pk])

    def main(**headers: str) -> str:
        page = client.get(url, **headers).content.decode()
        return page[page.index("<main") : page.index("</main>")]

    first = main()
    with CaptureQueriesContext(connection) as cached:
        again = main()
    assert again == first
    assert not any('FROM "accounts_memberstate"' in q["sql"] for q in cached.captured_queries)
    assert "Frozen at closing" in first and circular.result.sha256 in first
    assert "Frozen at closing" not in main(HTTP_ACCEPT_LANGUAGE="fr")
    circular.is_demo = True
    circular.save()
    assert "demonstration replies" in main()

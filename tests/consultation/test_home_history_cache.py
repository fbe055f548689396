"""The official's list of closed consultations is cached as HTML (views.home, issue 14), under
a stamp of what it depends on (selectors.closed_history_stamp): the cached page is the page,
and a closing, a corrected text or another language shows at once."""

from __future__ import annotations

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from consultation.models import Circular
from consultation.services import circular_close
from tests import factories
from tests.consultation.test_page_queries import _history

pytestmark = pytest.mark.django_db


def closed_section(client, **headers: str) -> tuple[str, int]:
    """The home's closed consultations (from their heading to the end of the list) and the
    queries the request ran."""
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("home"), **headers)
    assert response.status_code == 200
    page = response.content.decode()
    match = re.search(
        r"<h2>[^<]*</h2>\s*<ul class=\"cards closed\">.*?</ul>\s*</li>\s*</ul>", page, re.S
    )
    assert match, page
    return match.group(0), len(ctx.captured_queries)


def test_the_cached_list_is_the_same_and_costs_fewer_queries(client, signed_in, official_a) -> None:
    _history(3, official_a)
    signed_in(client, official_a.user)
    client.get("/no-such-page/")  # the session's refresh (once a minute) out of the counts
    first, first_queries = closed_section(client)
    again, again_queries = closed_section(client)
    assert again == first
    assert first.count("on-time replies support consideration") == 3 * 2
    assert again_queries <= first_queries - 2  # no closed circulars, no replies to them


def test_a_circular_closed_after_the_list_was_cached_is_listed(
    client, signed_in, official_a, tsb_staff
) -> None:
    _history(3, official_a)
    late = factories.CircularFactory(
        number=900,
        status=Circular.Status.PUBLISHED,
        issued_on=timezone.now().date() - datetime.timedelta(days=60),
        published_at=timezone.now() - datetime.timedelta(days=60),
        deadline=timezone.now() - datetime.timedelta(days=1),
    )
    factories.DraftFactory(circular=late, order=1, number="ITU-T Q.900")
    signed_in(client, official_a.user)
    before, _ = closed_section(client)
    assert "TSB Circular 900" not in before
    circular_close(circular_id=late.pk, actor=tsb_staff)
    after, _ = closed_section(client)
    assert "TSB Circular 900" in after and "Q.900" in after


def test_a_corrected_subject_shows_at_once(client, signed_in, official_a) -> None:
    _history(3, official_a)
    signed_in(client, official_a.user)
    closed_section(client)
    circular = Circular.objects.get(number=2)
    circular.subject_en = "A corrected subject"
    circular.save()
    after, _ = closed_section(client)
    assert "A corrected subject" in after


def test_each_language_has_its_own_list(client, signed_in, official_a) -> None:
    _history(3, official_a)
    signed_in(client, official_a.user)
    english, _ = closed_section(client, HTTP_ACCEPT_LANGUAGE="en")
    arabic, _ = closed_section(client, HTTP_ACCEPT_LANGUAGE="ar")
    assert "Closed consultations" in english
    assert "Closed consultations" not in arabic
    assert "on-time replies support consideration" not in arabic

"""Forbidden, missing and broken pages in the portal's layout, in the reader's language."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from tests.conftest import sign_in

pytestmark = pytest.mark.django_db


def test_a_missing_page_is_a_page_of_the_portal(client) -> None:
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "<h1>Page not found</h1>" in html
    assert 'class="site-header"' in html and reverse("home") in html
    assert "Technical 404" not in html and "Traceback" not in html


def test_a_refused_page_says_why_in_the_readers_language(observer_user, open_circular) -> None:
    from accounts.models import ObserverCategory
    from consultation.models import CircularCopy

    CircularCopy.objects.create(
        circular=open_circular, category=ObserverCategory.SECTOR_MEMBER, label="Sector Members"
    )
    browser = Client(HTTP_ACCEPT_LANGUAGE="fr")
    sign_in(browser, observer_user)
    response = browser.get(reverse("consultation:reply-edit", args=[open_circular.pk]))
    assert response.status_code == 403
    html = response.content.decode()
    assert '<html lang="fr"' in html and "Accès refusé" in html
    assert "403 Forbidden" not in html


def test_a_server_error_page_needs_no_database(settings) -> None:
    from django.template.loader import render_to_string

    html = render_to_string("500.html")
    assert "Something went wrong" in html and "Nothing you had saved is lost" in html


@pytest.fixture
def observer_user(db):
    from accounts.models import ObserverCategory
    from tests import factories

    return factories.ObserverFactory(category=ObserverCategory.SECTOR_MEMBER).user

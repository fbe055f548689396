"""Every response carries the security headers; the Content-Security-Policy allows no inline
script on the portal's pages, and on the admin's only the one handler it must (by its hash)."""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

BASE = Path(__file__).resolve().parent.parent
TEMPLATE_DIRS = [BASE / "templates", BASE / "accounts" / "templates", BASE / "consultation"]


def directives(response) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    parsed: dict[str, list[str]] = {}
    for part in policy.split(";"):
        name, *values = part.split()
        parsed[name] = values
    return parsed


@pytest.mark.django_db
def test_a_portal_page_over_https_carries_every_security_header(client) -> None:
    response = client.get(reverse("public:circular-list"), secure=True)

    assert response.status_code == 200
    csp = directives(response)
    assert csp["default-src"] == ["'self'"]
    assert csp["script-src"] == ["'self'"]
    assert "'unsafe-inline'" not in csp["style-src"]
    assert csp["object-src"] == ["'none'"]
    assert csp["base-uri"] == ["'none'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


@pytest.mark.django_db
def test_hsts_is_only_sent_over_https_and_http_is_redirected(client, settings) -> None:
    plain = client.get(reverse("public:circular-list"))
    assert "Strict-Transport-Security" not in plain
    assert "Content-Security-Policy" in plain

    settings.SECURE_SSL_REDIRECT = True  # the production default (tests/settings.py lifts it)
    redirected = Client().get(reverse("public:circular-list"))  # middleware reads it at start
    assert redirected.status_code == 301
    assert redirected["Location"].startswith("https://")


@pytest.mark.django_db
def test_the_login_page_runs_no_inline_script(client) -> None:
    response = client.get(reverse("account_login"), secure=True)

    assert response.status_code == 200
    assert directives(response)["script-src"] == ["'self'"]
    body = response.content.decode()
    assert not re.search(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)", body)
    assert not re.search(r"\son[a-z]+=", body)


@pytest.mark.django_db
def test_the_admin_allows_only_the_hash_of_each_inline_handler_it_renders(
    client, signed_in, tsb_staff
) -> None:
    """django-import-export's export form has onchange="onSelectToggleChange(event)": the
    admin's policy lists the hash of exactly the handlers rendered, and no 'unsafe-inline'."""
    signed_in(client, tsb_staff)
    response = client.get(reverse("admin:consultation_reply_export"), secure=True)

    assert response.status_code == 200
    csp = directives(response)
    assert "'unsafe-inline'" not in csp["script-src"]
    handlers = set(re.findall(r'\son[a-z]+="([^"]*)"', response.content.decode()))
    assert handlers, "the export page no longer has an inline handler: drop its hash"
    for handler in handlers:
        digest = base64.b64encode(hashlib.sha256(handler.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in csp["script-src"], handler
    assert csp["frame-ancestors"] == ["'none'"]


@pytest.mark.django_db
def test_the_admin_index_keeps_the_strict_script_policy(client, signed_in, tsb_staff) -> None:
    signed_in(client, tsb_staff)
    response = client.get(reverse("admin:index"), secure=True)

    assert response.status_code == 200
    csp = directives(response)
    assert "'unsafe-inline'" not in csp["script-src"]
    assert "'unsafe-eval'" not in csp["script-src"]


def test_no_template_of_ours_has_an_inline_script_or_event_handler() -> None:
    """What the browser would refuse under script-src 'self'. (Mails and the PDFs' HTML are
    not served to browsers; inline style attributes are allowed by style-src-attr.)"""
    offenders = []
    for folder in TEMPLATE_DIRS:
        for path in folder.rglob("*.html"):
            text = path.read_text(encoding="utf-8")
            for match in re.finditer(r"<script\b[^>]*>", text):
                tag = match.group(0)
                if "src=" not in tag and "application/json" not in tag:
                    offenders.append(f"{path.relative_to(BASE)}: {tag}")
            for match in re.finditer(r"<[a-zA-Z][^>]*\son[a-z]+\s*=", text):
                offenders.append(f"{path.relative_to(BASE)}: {match.group(0)[:60]}")
            if "javascript:" in text:
                offenders.append(f"{path.relative_to(BASE)}: javascript: URL")
    assert offenders == []

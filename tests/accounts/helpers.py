"""Helpers of the accounts tests: real logins through allauth's views, real TOTP codes.

Codes come from allauth's own TOTP implementation (allauth.mfa.totp.internal.auth), so a test
passes only if the code an authenticator app would show is accepted.
"""

from __future__ import annotations

import re
import time

from allauth.account.models import EmailAddress
from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import (
    TOTP,
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
)
from django.test import Client
from django.urls import reverse

PASSWORD = "correct horse battery staple"  # tests.factories.UserFactory's password


def verify_email(user) -> None:
    """Give the user a verified primary address, as an accepted invitation does."""
    EmailAddress.objects.update_or_create(
        user=user, email=user.email, defaults={"verified": True, "primary": True}
    )


def totp_code(secret: str, *, step_offset: int = 0) -> str:
    """The code an authenticator app shows now for `secret`."""
    counter = int(time.time()) // mfa_settings.TOTP_PERIOD + step_offset
    return format_hotp_value(hotp_value(secret, counter))


def give_totp(user) -> str:
    """Set up an authenticator app for the user directly; return its secret."""
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return secret


def password_login(client: Client, email: str, password: str = PASSWORD):
    return client.post(reverse("account_login"), {"login": email, "password": password})


def totp_login(client: Client, user, secret: str, password: str = PASSWORD):
    """Log in through allauth's views: password, then the authenticator code."""
    response = password_login(client, user.email, password)
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_authenticate")
    response = client.post(reverse("mfa_authenticate"), {"code": totp_code(secret)})
    assert response.status_code == 302, response.content.decode()[:2000]
    return response


def activate_totp(client: Client) -> str:
    """Set up an authenticator app through allauth's views; return its secret."""
    page = client.get(reverse("mfa_activate_totp"))
    assert page.status_code == 200, page.get("Location")
    secret = page.context["form"].secret
    response = client.post(reverse("mfa_activate_totp"), {"code": totp_code(secret)})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert response["Location"] == reverse("mfa_view_recovery_codes")
    assert Authenticator.objects.filter(type=Authenticator.Type.TOTP).exists()
    return secret


def is_logged_in(response) -> bool:
    return bool(response.wsgi_request.user.is_authenticated)


def first_link(text: str) -> str:
    match = re.search(r"https?://\S+", text)
    assert match, text
    return match.group(0)

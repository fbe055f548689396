"""Fixtures of the accounts tests: officials who can log in through allauth."""

from __future__ import annotations

import uuid

import pytest

from accounts.models import MemberState, Official, User
from tests import factories
from tests.accounts.helpers import verify_email


@pytest.fixture(autouse=True)
def _own_cache(settings) -> None:
    """Each test gets a cache of its own (rate limits, used TOTP codes).

    With Redis, a fresh key prefix on the shared server: never `cache.clear()`, which would
    flush the whole Redis database, the Celery broker's queues included.
    """
    default = dict(settings.CACHES["default"])
    if "redis" in default["BACKEND"].lower():
        default["KEY_PREFIX"] = f"{default.get('KEY_PREFIX', 'portal-test')}-{uuid.uuid4().hex[:8]}"
    else:
        default["LOCATION"] = f"accounts-test-{uuid.uuid4().hex}"
    settings.CACHES = {"default": default}


@pytest.fixture
def portal_url(settings) -> str:
    settings.PORTAL_BASE_URL = "https://consult.example.int"
    return settings.PORTAL_BASE_URL


@pytest.fixture
def signatory(state_a: MemberState) -> Official:
    official = factories.OfficialFactory(
        member_state=state_a, role=Official.Role.SIGNATORY, user__email="sig@example.org"
    )
    verify_email(official.user)
    return official


@pytest.fixture
def drafter(state_a: MemberState) -> Official:
    official = factories.OfficialFactory(
        member_state=state_a, role=Official.Role.DRAFTER, user__email="drafter@example.org"
    )
    verify_email(official.user)
    return official


@pytest.fixture
def staff(tsb_staff: User) -> User:
    """TSB staff with a verified address (can log in through allauth)."""
    verify_email(tsb_staff)
    return tsb_staff


@pytest.fixture
def superuser(db: None) -> User:
    user = factories.UserFactory(email="tsb.admin@itu.example", is_staff=True, is_superuser=True)
    verify_email(user)
    return user

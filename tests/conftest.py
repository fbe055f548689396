"""The cast shared by the tests: two Member States' officials, TSB staff, a live circular."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission

from accounts.models import MemberState, Official, User
from accounts.services import member_states_sync
from consultation.models import Circular
from tests import factories


@pytest.fixture
def member_states(db: None) -> None:
    """The real register of ITU Member States, as shipped."""
    member_states_sync()


@pytest.fixture
def state_a(db: None) -> MemberState:
    return factories.MemberStateFactory(alpha2="QA", alpha3="QAA", name="State A")


@pytest.fixture
def state_b(db: None) -> MemberState:
    return factories.MemberStateFactory(alpha2="QB", alpha3="QBB", name="State B")


@pytest.fixture
def official_a(state_a: MemberState) -> Official:
    return factories.OfficialFactory(member_state=state_a, user__email="signatory.a@example.org")


@pytest.fixture
def official_b(state_b: MemberState) -> Official:
    return factories.OfficialFactory(member_state=state_b, user__email="signatory.b@example.org")


@pytest.fixture
def tsb_staff(db: None) -> User:
    """A TSB secretary: staff, with every permission of our two apps."""
    user = factories.UserFactory(email="secretary@itu.example", is_staff=True)
    user.user_permissions.set(
        Permission.objects.filter(content_type__app_label__in=["consultation", "accounts"])
    )
    return user


@pytest.fixture
def open_circular(db: None) -> Circular:
    """A published circular with one draft and a deadline 30 days ahead."""
    circular = factories.CircularFactory(
        status=Circular.Status.PUBLISHED,
        published_at=factories.timezone.now(),
        issued_on=factories.timezone.now().date(),
    )
    factories.DraftFactory(circular=circular, order=1)
    return circular


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Each test stores uploads in a folder of its own, so file assertions are exact."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT

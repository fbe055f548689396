"""The cast shared by the tests: two Member States' officials, TSB staff, a live circular."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.utils import translation

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
def english_to_begin_with():
    """Each test starts in English, whatever language the previous test's requests activated
    (django-modeltranslation writes a plain field into the active language's column)."""
    translation.activate("en")
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Each test stores uploads in a folder of its own, so file assertions are exact."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def sign_in(client, user) -> None:
    """Log `user` in as after a full login: password, then the TOTP step where required.

    Signatories and staff must have an authenticator app (accounts.middleware); they get one
    and a session that records both steps, exactly as allauth's login flow records them.
    The whole flow through the real login pages is tested in tests/accounts.
    """
    import time

    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    client.force_login(user)
    records = [{"method": "password", "at": time.time(), "email": user.email}]
    official = getattr(user, "official", None) if hasattr(user, "official") else None
    needs_mfa = user.is_staff or (official is not None and official.role == "signatory")
    if needs_mfa:
        authenticator = Authenticator.objects.filter(user=user, type="totp").first()
        if authenticator is None:
            authenticator = TOTP.activate(user, generate_totp_secret()).instance
        records.append({"method": "mfa", "at": time.time(), "id": authenticator.pk, "type": "totp"})
    session = client.session
    session["account_authentication_methods"] = records
    session["account_authentication_methods_user"] = str(user.pk)
    session.save()
    # allauth's login records the session for the official's "my sessions" page.
    from allauth.usersessions.models import UserSession

    UserSession.objects.get_or_create(
        session_key=session.session_key,
        defaults={"user": user, "ip": "127.0.0.1", "user_agent": ""},
    )


@pytest.fixture
def signed_in():
    return sign_in

"""TSB invites officials: a set-password link, mailed in their language, used once, expiring."""

from __future__ import annotations

import datetime

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse
from django.utils.http import int_to_base36

from accounts import services
from accounts.models import AccountEvent, Official, User
from accounts.tokens import invitation_token_generator
from tests import factories
from tests.accounts.helpers import PASSWORD, first_link, give_totp, totp_code, totp_login

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Geneva-consultation-2026"
INVALID = "This invitation link is not valid"


def _create(actor, member_state, django_capture_on_commit_callbacks, **overrides) -> Official:
    values = {
        "email": "Ministre@Example.FR",
        "first_name": "Claire",
        "last_name": "Dupont",
        "member_state": member_state,
        "role": Official.Role.SIGNATORY,
        "official_title": "Directrice des affaires internationales",
        "actor": actor,
        "ip_address": "192.0.2.10",
        "language": "fr",
    }
    values.update(overrides)
    with django_capture_on_commit_callbacks(execute=True):
        return services.official_create(**values)


def _pending(member_state, **kwargs) -> Official:
    """An official who has not set a password yet."""
    official = factories.OfficialFactory(member_state=member_state, **kwargs)
    official.user.set_unusable_password()
    official.user.save()
    return official


def _path(url: str) -> str:
    return url.split("consult.example.int", 1)[1]


def test_creating_an_official_mails_a_link_in_their_language(
    tsb_staff, state_a, portal_url, mailoutbox, time_machine, django_capture_on_commit_callbacks
) -> None:
    time_machine.move_to(datetime.datetime(2026, 12, 1, 9, 0, tzinfo=datetime.UTC), tick=False)
    official = _create(tsb_staff, state_a, django_capture_on_commit_callbacks)

    user = official.user
    assert user.email == "ministre@example.fr"
    assert user.language == "fr"
    assert not user.has_usable_password()
    assert official.granted_by == tsb_staff
    assert official.granted_at == datetime.datetime(2026, 12, 1, 9, 0, tzinfo=datetime.UTC)
    address = EmailAddress.objects.get(user=user)
    assert (address.email, address.primary, address.verified) == (user.email, True, False)

    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == ["ministre@example.fr"]
    link = first_link(mail.body)
    assert link.startswith(f"{portal_url}/account/invitation/{int_to_base36(user.pk)}/")
    html = mail.alternatives[0][0]
    assert link in html
    # Rendered in French: Django's own catalog names the month of the expiry date.
    assert "8 décembre 2026 à 09:00 UTC" in mail.body
    assert 'lang="fr"' in html
    assert "State A" in mail.body

    kinds = list(
        AccountEvent.objects.filter(subject=user).order_by("pk").values_list("kind", "actor")
    )
    assert kinds == [("created", tsb_staff.pk), ("invited", tsb_staff.pk)]
    assert AccountEvent.objects.get(subject=user, kind="invited").ip_address == "192.0.2.10"


def test_an_arabic_invitation_is_written_right_to_left(
    tsb_staff, state_a, portal_url, mailoutbox, django_capture_on_commit_callbacks
) -> None:
    _create(tsb_staff, state_a, django_capture_on_commit_callbacks, language="ar")
    html = mailoutbox[0].alternatives[0][0]
    assert 'lang="ar" dir="rtl"' in html


def test_an_existing_address_is_refused(tsb_staff, state_a, portal_url, mailoutbox) -> None:
    factories.UserFactory(email="taken@example.org")
    with pytest.raises(services.ValidationError):
        services.official_create(
            email="TAKEN@example.org",
            first_name="A",
            last_name="B",
            member_state=state_a,
            role=Official.Role.DRAFTER,
            actor=tsb_staff,
        )
    assert Official.objects.count() == 0
    assert mailoutbox == []


def test_the_link_sets_the_password_verifies_the_address_and_logs_in(
    client, tsb_staff, state_a, portal_url, mailoutbox, django_capture_on_commit_callbacks
) -> None:
    official = _create(tsb_staff, state_a, django_capture_on_commit_callbacks)
    path = _path(first_link(mailoutbox[0].body))

    page = client.get(path)
    assert page.status_code == 200
    content = page.content.decode()
    assert "ministre@example.fr" in content
    assert '<label for="id_new_password1"' in content

    response = client.post(path, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response.status_code == 302
    user = User.objects.get(pk=official.user_id)
    assert user.check_password(NEW_PASSWORD)
    address = EmailAddress.objects.get(user=user)
    assert address.verified and address.primary
    assert client.session["_auth_user_id"] == str(user.pk)
    event = AccountEvent.objects.get(subject=user, kind="invitation_accepted")
    assert (event.actor, event.ip_address) == (user, "127.0.0.1")

    # A signatory's first stop is the set-up of the authenticator app.
    landing = client.get(response["Location"])
    assert landing.status_code == 302
    assert landing["Location"] == reverse("mfa_activate_totp")
    # ...without being asked for the password just chosen.
    assert client.get(reverse("mfa_activate_totp")).status_code == 200


def test_a_password_the_validators_refuse_is_not_set(
    client, tsb_staff, state_a, portal_url, mailoutbox, django_capture_on_commit_callbacks
) -> None:
    official = _create(tsb_staff, state_a, django_capture_on_commit_callbacks)
    path = _path(first_link(mailoutbox[0].body))
    response = client.post(path, {"new_password1": "12345678", "new_password2": "12345678"})
    assert response.status_code == 200
    assert response.context["form"].errors["new_password2"]
    official.user.refresh_from_db()
    assert not official.user.has_usable_password()
    assert "_auth_user_id" not in client.session


def test_the_link_expires_after_the_timeout(
    client,
    settings,
    tsb_staff,
    state_a,
    portal_url,
    mailoutbox,
    time_machine,
    django_capture_on_commit_callbacks,
) -> None:
    sent = datetime.datetime(2026, 12, 1, 9, 0, tzinfo=datetime.UTC)
    time_machine.move_to(sent, tick=False)
    official = _create(tsb_staff, state_a, django_capture_on_commit_callbacks)
    path = _path(first_link(mailoutbox[0].body))
    timeout = datetime.timedelta(seconds=settings.INVITATION_TIMEOUT_SECONDS)
    assert timeout == datetime.timedelta(days=7)

    time_machine.move_to(sent + timeout - datetime.timedelta(minutes=1), tick=False)
    assert client.get(path).context["form"] is not None

    time_machine.move_to(sent + timeout + datetime.timedelta(seconds=1), tick=False)
    page = client.get(path)
    assert page.status_code == 200
    assert INVALID in page.content.decode()
    response = client.post(path, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert INVALID in response.content.decode()
    official.user.refresh_from_db()
    assert not official.user.has_usable_password()


def test_a_used_link_does_not_work_twice(
    client, tsb_staff, state_a, portal_url, mailoutbox, django_capture_on_commit_callbacks
) -> None:
    official = _create(tsb_staff, state_a, django_capture_on_commit_callbacks)
    path = _path(first_link(mailoutbox[0].body))
    client.post(path, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    client.post(reverse("account_logout"))

    assert INVALID in client.get(path).content.decode()
    response = client.post(path, {"new_password1": "Another-pass-2027", "new_password2": "x"})
    assert response.status_code == 200
    assert INVALID in response.content.decode()
    official.user.refresh_from_db()
    assert official.user.check_password(NEW_PASSWORD)
    assert AccountEvent.objects.filter(kind="invitation_accepted").count() == 1


def test_the_service_refuses_a_used_token_even_if_the_view_was_passed(
    tsb_staff, state_a, portal_url
) -> None:
    # Two requests with the same link racing: the second finds the token spent under the lock.
    official = _pending(state_a)
    token = invitation_token_generator.make_token(official.user)
    services.invitation_accept(user=official.user, token=token, password=NEW_PASSWORD)
    with pytest.raises(services.InvitationError):
        services.invitation_accept(user=official.user, token=token, password="Other-pass-2027")
    official.user.refresh_from_db()
    assert official.user.check_password(NEW_PASSWORD)


@pytest.mark.parametrize(
    ("uid", "key"),
    [
        ("zz", "nonsense"),
        ("zzzzzzzzzzzzz", "abc-def"),
        ("zzzzzzzzzzzzzzzzzzzzzz", "abc-def"),
        ("0", "abc-def"),
        ("USER", "no-dash-is-not-enough-1-2"),
        ("USER", "zzzzzzzzzzzzzzzzzz-0123456789abcdef"),
        ("USER", "%C3%A9t%C3%A9-abc"),
    ],
)
def test_garbled_links_are_explained_never_an_error(client, state_a, uid, key) -> None:
    official = factories.OfficialFactory(member_state=state_a)
    uid = int_to_base36(official.user.pk) if uid == "USER" else uid
    url = f"/account/invitation/{uid}/{key}/"
    for response in (client.get(url), client.post(url, {"new_password1": "x"})):
        assert response.status_code == 200
        assert INVALID in response.content.decode()


def test_a_token_for_someone_else_or_for_a_password_reset_is_refused(client, state_a) -> None:
    alice = factories.OfficialFactory(member_state=state_a).user
    bob = factories.OfficialFactory(member_state=state_a).user
    alices_token = invitation_token_generator.make_token(alice)
    for uid, token in [
        (int_to_base36(bob.pk), alices_token),
        (int_to_base36(alice.pk), default_token_generator.make_token(alice)),
    ]:
        url = reverse("accounts:invitation-accept", kwargs={"uidb36": uid, "key": token})
        assert INVALID in client.get(url).content.decode()
    good = reverse(
        "accounts:invitation-accept",
        kwargs={"uidb36": int_to_base36(alice.pk), "key": alices_token},
    )
    assert client.get(good).context["form"] is not None


def test_resending_replaces_the_earlier_link(
    client, tsb_staff, state_a, portal_url, mailoutbox, django_capture_on_commit_callbacks
) -> None:
    official = _create(tsb_staff, state_a, django_capture_on_commit_callbacks)
    services.official_invite(official=official, actor=tsb_staff)
    first, second = (_path(first_link(mail.body)) for mail in mailoutbox)
    assert first != second
    assert INVALID in client.get(first).content.decode()
    assert client.get(second).context["form"] is not None


def test_a_deactivated_official_is_not_invited_and_their_link_is_dead(
    client, tsb_staff, state_a, portal_url, mailoutbox, django_capture_on_commit_callbacks
) -> None:
    official = _create(tsb_staff, state_a, django_capture_on_commit_callbacks)
    path = _path(first_link(mailoutbox[0].body))
    services.official_deactivate(official=official, actor=tsb_staff)
    with pytest.raises(services.InvitationError):
        services.official_invite(official=official, actor=tsb_staff)
    assert len(mailoutbox) == 1
    assert INVALID in client.get(path).content.decode()


def test_reinviting_an_official_who_has_an_authenticator_asks_for_the_code(
    client, tsb_staff, signatory, portal_url, mailoutbox
) -> None:
    # A re-invitation resets the password, but the login still needs the second factor.
    secret = give_totp(signatory.user)
    services.official_invite(official=signatory, actor=tsb_staff)
    path = _path(first_link(mailoutbox[0].body))
    response = client.post(path, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response["Location"] == reverse("mfa_authenticate")
    assert "_auth_user_id" not in client.session
    response = client.post(reverse("mfa_authenticate"), {"code": totp_code(secret)})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(signatory.user.pk)


def test_tsb_adds_an_official_in_the_admin_and_the_invitation_goes_out(
    client, superuser, state_a, portal_url, mailoutbox, django_capture_on_commit_callbacks
) -> None:
    totp_login(client, superuser, give_totp(superuser), PASSWORD)
    add_url = reverse("admin:accounts_official_add")
    form = client.get(add_url)
    assert form.status_code == 200
    assert 'name="email"' in form.content.decode()
    data = {
        "email": "new.signatory@example.org",
        "first_name": "Ana",
        "last_name": "Silva",
        "language": "es",
        "member_state": str(state_a.pk),
        "role": "signatory",
        "official_title": "Jefa de asuntos UIT",
        "_save": "Save",
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(add_url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    official = Official.objects.get(user__email="new.signatory@example.org")
    assert (official.granted_by, official.role, official.user.language) == (
        superuser,
        "signatory",
        "es",
    )
    assert [mail.to for mail in mailoutbox] == [["new.signatory@example.org"]]

    again = client.post(add_url, data)
    assert again.status_code == 200
    assert "already exists" in again.content.decode()

    # The Member State's page lists its officials read-only: access is granted only here.
    state_page = client.get(reverse("admin:accounts_memberstate_change", args=[state_a.pk]))
    assert state_page.status_code == 200
    assert "new.signatory@example.org" in state_page.content.decode()
    inline = state_page.context["inline_admin_formsets"][0]
    assert not inline.has_add_permission
    assert len(inline.formset.forms) == 1
    assert not {"user", "role", "is_active"} & set(inline.formset.forms[0].fields)


def test_tsb_resends_invitations_from_the_admin_after_confirming(
    client, superuser, state_a, mailoutbox
) -> None:
    # Without PORTAL_BASE_URL, the link takes the host of the admin's request.
    totp_login(client, superuser, give_totp(superuser), PASSWORD)
    pending = _pending(state_a)
    withdrawn = factories.OfficialFactory(member_state=state_a, is_active=False)
    changelist = reverse("admin:accounts_official_changelist")
    action = {"action": "send_invitation", "_selected_action": [pending.pk, withdrawn.pk]}

    confirm = client.post(changelist, action)
    assert confirm.status_code == 200
    assert "Send the invitations?" in confirm.content.decode()
    assert mailoutbox == []

    done = client.post(changelist, {**action, "post": "yes"}, follow=True)
    text = done.content.decode()
    assert "1 invitation(s) sent." in text
    assert "reactivate the official before inviting them" in text
    assert [mail.to for mail in mailoutbox] == [[pending.user.email]]
    link = first_link(mailoutbox[0].body)
    assert link.startswith(
        f"http://testserver/account/invitation/{int_to_base36(pending.user.pk)}/"
    )
    assert client.get(link.removeprefix("http://testserver")).context["form"] is not None
    event = AccountEvent.objects.get(kind="invited")
    assert (event.subject, event.actor, event.ip_address) == (
        pending.user,
        superuser,
        "127.0.0.1",
    )


def test_outside_a_request_the_portal_url_must_be_configured(settings, tsb_staff, state_a) -> None:
    settings.PORTAL_BASE_URL = ""
    official = _pending(state_a)
    with pytest.raises(ImproperlyConfigured, match="PORTAL_BASE_URL"):
        services.official_invite(official=official, actor=tsb_staff)
    assert not AccountEvent.objects.filter(kind="invited").exists()

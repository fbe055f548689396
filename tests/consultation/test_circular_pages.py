"""Who reads which circular: officials of the electorate, observers on the copy list."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from accounts.models import ObserverCategory
from consultation import services
from consultation.models import CircularCopy, Reply
from tests import factories
from tests.i18n.english import visible_text

pytestmark = pytest.mark.django_db


def test_observer_on_the_copy_list_reads_but_cannot_reply(client, signed_in, open_circular) -> None:
    CircularCopy.objects.create(
        circular=open_circular,
        category=ObserverCategory.SECTOR_MEMBER,
        label="ITU-T Sector Members",
    )
    observer = factories.ObserverFactory(category=ObserverCategory.SECTOR_MEMBER)
    signed_in(client, observer.user)
    page = client.get(reverse("consultation:circular-detail", args=[open_circular.pk]))
    assert page.status_code == 200
    assert "Open the reply form" not in page.content.decode()
    assert (
        client.get(reverse("consultation:reply-edit", args=[open_circular.pk])).status_code == 403
    )
    home = client.get(reverse("home")).content.decode()
    assert str(open_circular) in home


def test_observer_not_on_the_copy_list_gets_404(client, signed_in, open_circular) -> None:
    observer = factories.ObserverFactory(category=ObserverCategory.ACADEMIA)
    signed_in(client, observer.user)
    assert (
        client.get(reverse("consultation:circular-detail", args=[open_circular.pk])).status_code
        == 404
    )


def test_associate_of_another_study_group_gets_404(client, signed_in, open_circular) -> None:
    CircularCopy.objects.create(
        circular=open_circular, category=ObserverCategory.ASSOCIATE, label="Associates of SG11"
    )
    other = factories.ObserverFactory(category=ObserverCategory.ASSOCIATE, study_group_number=17)
    mine = factories.ObserverFactory(
        category=ObserverCategory.ASSOCIATE, study_group_number=open_circular.study_group.number
    )
    url = reverse("consultation:circular-detail", args=[open_circular.pk])
    signed_in(client, other.user)
    assert client.get(url).status_code == 404
    signed_in(client, mine.user)
    assert client.get(url).status_code == 200


def test_state_that_joined_after_issue_does_not_see_the_circular(
    client, signed_in, open_circular
) -> None:
    newcomer = factories.MemberStateFactory(
        joined_on=open_circular.issued_on + datetime.timedelta(days=1)
    )
    official = factories.OfficialFactory(member_state=newcomer)
    signed_in(client, official.user)
    assert (
        client.get(reverse("consultation:circular-detail", args=[open_circular.pk])).status_code
        == 404
    )


def test_home_shows_open_and_closed_circulars_with_results(
    client, signed_in, open_circular, official_a, tsb_staff
) -> None:
    draft = open_circular.drafts.get()
    services.reply_save_draft(
        circular_id=open_circular.pk,
        official=official_a,
        expected_revision=0,
        header={"from_name": official_a.user.get_full_name(), "from_title": "T"},
        positions={draft.pk: {"decision": "authorize"}},
    )
    services.reply_submit(circular_id=open_circular.pk, official=official_a, expected_revision=1)
    closed = factories.CircularFactory(
        status="published",
        published_at=open_circular.published_at,
        issued_on=open_circular.issued_on,
    )
    closed_draft = factories.DraftFactory(circular=closed, order=1)
    services.reply_save_draft(
        circular_id=closed.pk,
        official=official_a,
        expected_revision=0,
        header={"from_name": official_a.user.get_full_name(), "from_title": "T"},
        positions={
            closed_draft.pk: {
                "decision": "do_not_authorize",
                "reasons": "r",
                "possible_changes": "c",
            }
        },
    )
    services.reply_submit(circular_id=closed.pk, official=official_a, expected_revision=1)
    services.circular_close(
        circular_id=closed.pk, actor=tsb_staff, now=closed.deadline + datetime.timedelta(seconds=1)
    )
    signed_in(client, official_a.user)
    text = visible_text(client.get(reverse("home")).content.decode())
    assert "Open consultations" in text and str(open_circular) in text
    assert "Submitted as version 1" in text
    assert f"{closed_draft.number}: 0 of 1 on-time replies support consideration" in text
    assert "may not proceed at this meeting" in text
    assert Reply.objects.count() == 2


def test_pages_link_to_the_officials_sessions_and_security(client, signed_in, official_a) -> None:
    signed_in(client, official_a.user)
    text = client.get(reverse("home")).content.decode()
    for name in ("usersessions_list", "mfa_index", "account_change_password"):
        assert f'href="{reverse(name)}"' in text
    assert client.get(reverse("usersessions_list")).status_code == 200

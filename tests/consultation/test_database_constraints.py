"""What the domain says, enforced by the database itself."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from consultation.models import Circular, Reply, ReplyPosition
from tests import factories

pytestmark = pytest.mark.django_db


def test_database_refuses_a_second_reply_for_the_same_member_state_and_circular() -> None:
    reply = factories.ReplyFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Reply.objects.create(circular=reply.circular, member_state=reply.member_state)
    # Another Member State, or another circular, is fine.
    factories.ReplyFactory(circular=reply.circular)
    factories.ReplyFactory(member_state=reply.member_state)
    assert Reply.objects.filter(member_state=reply.member_state).count() == 2


def test_database_refuses_a_second_position_for_the_same_draft() -> None:
    position = factories.PositionFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        ReplyPosition.objects.create(
            reply=position.reply, draft=position.draft, decision="authorize"
        )


def test_database_refuses_a_position_on_a_draft_of_another_circular() -> None:
    reply = factories.ReplyFactory()
    foreign_draft = factories.DraftFactory()  # in a circular of its own
    assert foreign_draft.circular_id != reply.circular_id
    with pytest.raises(IntegrityError), transaction.atomic():
        ReplyPosition.objects.create(reply=reply, draft=foreign_draft, decision="authorize")
    position = factories.PositionFactory(reply=reply)
    with pytest.raises(IntegrityError), transaction.atomic():
        ReplyPosition.objects.filter(pk=position.pk).update(draft=foreign_draft)
    assert ReplyPosition.objects.get(pk=position.pk).draft_id != foreign_draft.pk


def test_database_refuses_moving_a_reply_with_positions_to_another_circular() -> None:
    position = factories.PositionFactory()
    other = factories.CircularFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Reply.objects.filter(pk=position.reply_id).update(circular=other)


def test_database_refuses_an_unknown_decision_and_a_submitted_reply_without_time() -> None:
    reply = factories.ReplyFactory()
    draft = factories.DraftFactory(circular=reply.circular)
    with pytest.raises(IntegrityError), transaction.atomic():
        ReplyPosition.objects.create(reply=reply, draft=draft, decision="maybe")
    with pytest.raises(IntegrityError), transaction.atomic():
        Reply.objects.filter(pk=reply.pk).update(status="submitted")


def test_database_refuses_a_published_circular_without_deadline() -> None:
    circular = factories.CircularFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Circular.objects.filter(pk=circular.pk).update(status="published", deadline=None)


def test_events_are_append_only() -> None:
    position = factories.PositionFactory()
    event = position.reply.events.create(kind="saved")
    event.kind = "submitted"
    with pytest.raises(ValueError, match="append-only"):
        event.save()

"""Publishing and closing a circular: allowed transitions, refusals, and their events."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from consultation.models import Circular, CircularEvent
from consultation.services import TransitionError, circular_close, circular_publish
from tests import factories

pytestmark = pytest.mark.django_db


def test_publish_opens_the_circular_sets_issue_date_and_writes_an_event(tsb_staff) -> None:
    circular = factories.CircularFactory(issued_on=None)
    factories.DraftFactory(circular=circular)
    now = timezone.now()
    published = circular_publish(
        circular_id=circular.pk, actor=tsb_staff, ip_address="192.0.2.10", now=now
    )
    assert published.status == Circular.Status.PUBLISHED
    assert published.published_at == now
    assert published.issued_on == now.date()
    event = CircularEvent.objects.get(circular=circular)
    assert (event.actor, event.from_status, event.to_status, event.ip_address) == (
        tsb_staff,
        "draft",
        "published",
        "192.0.2.10",
    )


def test_publish_is_refused_without_drafts(tsb_staff) -> None:
    circular = factories.CircularFactory()
    with pytest.raises(TransitionError, match="lists no draft"):
        circular_publish(circular_id=circular.pk, actor=tsb_staff)
    circular.refresh_from_db()
    assert circular.status == Circular.Status.DRAFT
    assert not CircularEvent.objects.exists()


def test_publish_is_refused_without_deadline(tsb_staff) -> None:
    circular = factories.CircularFactory(deadline=None)
    factories.DraftFactory(circular=circular)
    with pytest.raises(TransitionError, match="no deadline"):
        circular_publish(circular_id=circular.pk, actor=tsb_staff)


def test_publish_is_refused_when_the_deadline_has_passed(tsb_staff) -> None:
    circular = factories.CircularFactory(deadline=timezone.now() - datetime.timedelta(seconds=1))
    factories.DraftFactory(circular=circular)
    with pytest.raises(TransitionError, match="already passed"):
        circular_publish(circular_id=circular.pk, actor=tsb_staff)


def test_publish_twice_is_refused(open_circular, tsb_staff) -> None:
    with pytest.raises(TransitionError, match="only a draft circular"):
        circular_publish(circular_id=open_circular.pk, actor=tsb_staff)


def test_close_is_refused_until_after_the_deadline_second(open_circular, tsb_staff) -> None:
    deadline = open_circular.deadline
    with pytest.raises(TransitionError, match="only after its deadline"):
        circular_close(circular_id=open_circular.pk, actor=tsb_staff, now=deadline)
    with pytest.raises(TransitionError):
        circular_close(
            circular_id=open_circular.pk,
            actor=tsb_staff,
            now=deadline + datetime.timedelta(microseconds=999_999),
        )
    after = deadline + datetime.timedelta(seconds=1)
    closed = circular_close(circular_id=open_circular.pk, actor=tsb_staff, now=after)
    assert (closed.status, closed.closed_at) == (Circular.Status.CLOSED, after)
    assert CircularEvent.objects.filter(circular=open_circular, to_status="closed").count() == 1


def test_close_is_refused_for_a_draft_or_closed_circular(tsb_staff) -> None:
    circular = factories.CircularFactory()
    with pytest.raises(TransitionError, match="only a published circular"):
        circular_close(circular_id=circular.pk, actor=tsb_staff)

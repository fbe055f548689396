"""Stage two (Resolution 1, 9.5, 9.6): the meeting's decision, "more time", the notice.

Walks a draft of Circular 205, Q.5051, through consultation, meeting approval and approval
notice; and a draft through "more time" with a formal opposition on time (not approved) and
one a second late (approved)."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts.models import ObserverCategory, Official
from consultation import rules, selectors, services, tasks
from consultation.models import (
    Circular,
    CircularCopy,
    DraftOutcome,
    Notification,
    Opposition,
)
from consultation.services import approval, notifications
from tests import factories

pytestmark = pytest.mark.django_db

UTC = datetime.UTC


def at(*args: int) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=UTC)


def submit(circular, official, decision: str, *, now) -> None:
    draft = circular.drafts.get()
    texts = {"comments": "See clause 6."} if decision == "authorize_comments" else {}
    reply = services.reply_save_draft(
        circular_id=circular.pk,
        official=official,
        expected_revision=0,
        header={"from_name": official.user.get_full_name(), "from_title": "Director"},
        positions={draft.pk: {"decision": decision, **texts}},
        now=now,
    )
    services.reply_submit(
        circular_id=circular.pk, official=official, expected_revision=reply.revision, now=now
    )


def deliver() -> None:
    tasks.notifications_drain_task()


def circular_205(tsb) -> Circular:
    """Circular 205 as TSB would enter it: Q.5051, SG11 Geneva 4-13 March 2020, replies
    until 21 February 2020, 23:59 UTC."""
    meeting = factories.MeetingFactory(
        starts_on=datetime.date(2020, 3, 4), ends_on=datetime.date(2020, 3, 13)
    )
    circular = factories.CircularFactory(
        number=205,
        study_period="2017-2020",
        meeting=meeting,
        study_group=meeting.study_group,
        deadline=at(2020, 2, 21, 23, 59),
        contact_email="tsbsg11@itu.int",
    )
    factories.DraftFactory(
        circular=circular,
        order=1,
        number="ITU-T Q.5051",
        title="Framework for combating the use of stolen mobile devices",
    )
    CircularCopy.objects.create(
        circular=circular, category=ObserverCategory.SECTOR_MEMBER, label="ITU-T Sector Members"
    )
    services.circular_publish(circular_id=circular.pk, actor=tsb, now=at(2020, 1, 10))
    return circular


def test_q5051_through_consultation_meeting_approval_and_the_notice(
    client, signed_in, tsb_staff, official_a, official_b
) -> None:
    observer = factories.ObserverFactory(category=ObserverCategory.SECTOR_MEMBER)
    circular = circular_205(tsb_staff)
    draft = circular.drafts.get()
    submit(circular, official_a, "authorize", now=at(2020, 2, 1))
    submit(circular, official_b, "authorize_comments", now=at(2020, 2, 20))
    services.circular_close(circular_id=circular.pk, actor=None, now=at(2020, 2, 22))

    # Before the meeting nothing can be recorded; at it, TSB records the approval.
    with pytest.raises(approval.ApprovalRefused):
        approval.outcome_record(
            draft_id=draft.pk, decision=rules.APPROVED, actor=tsb_staff, now=at(2020, 3, 1)
        )
    approval.outcome_record(
        draft_id=draft.pk,
        decision=rules.APPROVED,
        actor=tsb_staff,
        ip_address="192.0.2.7",
        note="SG11 plenary, 13 March 2020",
        now=at(2020, 3, 13, 16),
    )
    stage = approval.draft_stage(draft, now=at(2020, 3, 14))
    assert (stage.status, stage.approved_on) == (rules.STAGE_APPROVED, datetime.date(2020, 3, 13))
    outcome = DraftOutcome.objects.get(draft=draft)
    assert (outcome.actor, outcome.ip_address, outcome.at) == (
        tsb_staff,
        "192.0.2.7",
        at(2020, 3, 13, 16),
    )
    with pytest.raises(ValueError, match="append-only"):
        outcome.save()

    # The notice, generated from the facts, published through the same publish service.
    notice = approval.approval_notice_create(
        meeting_id=circular.meeting_id,
        number=228,
        study_period="2017-2020",
        actor=tsb_staff,
        now=at(2020, 3, 20),
    )
    assert notice.kind == Circular.Kind.APPROVAL_NOTICE and notice.status == Circular.Status.DRAFT
    assert "ITU-T Q.5051" in notice.body_en and "approved on 2020-03-13" in notice.body_en
    assert notice.body_fr and notice.body_fr != notice.body_en  # written in six languages
    assert list(notice.announced.values_list("draft__number", "status", "approved_on")) == [
        ("ITU-T Q.5051", rules.STAGE_APPROVED, datetime.date(2020, 3, 13))
    ]
    deliver()  # the receipts and the closing summary, sent before
    mail.outbox.clear()
    services.circular_publish(circular_id=notice.pk, actor=tsb_staff, now=at(2020, 3, 20))
    deliver()
    notices = Notification.objects.filter(circular=notice)
    assert set(notices.values_list("kind", flat=True)) == {Notification.Kind.APPROVAL_NOTICE}
    recipients = sorted(m.to[0] for m in mail.outbox)
    electorate = Official.objects.filter(
        member_state__in=[official_a.member_state, official_b.member_state]
    ).values_list("user__email", flat=True)
    assert recipients == sorted([*electorate, observer.user.email])
    assert all("approved on 2020-03-13" in m.body for m in mail.outbox)
    # Once announced by a published notice, the decision is final.
    with pytest.raises(approval.ApprovalRefused):
        approval.outcome_record(
            draft_id=draft.pk, decision=rules.NOT_CONSIDERED, actor=tsb_staff, now=at(2020, 4, 1)
        )
    # A notice takes no replies and never closes.
    with pytest.raises(services.TransitionError):
        services.circular_close(circular_id=notice.pk, actor=tsb_staff, now=at(2020, 5, 1))

    # The public pages: the draft's life, the notice, the consultation's table.
    page = client.get(reverse("public:draft-life", args=[draft.pk])).content.decode()
    assert "Approved" in page and "2020-03-13" in page and str(notice) in page
    assert "192.0.2.7" not in page and tsb_staff.email not in page  # TSB's, not public
    page = client.get(reverse("public:circular-detail", args=[notice.pk])).content.decode()
    assert "ITU-T Q.5051" in page and "2020-03-13" in page
    page = client.get(reverse("public:circular-list")).content.decode()
    assert str(notice) in page
    page = client.get(reverse("public:circular-detail", args=[circular.pk])).content.decode()
    assert "Approved" in page and "2020-03-13" in page

    # TSB's page of the draft: who recorded what, when, from where.
    signed_in(client, tsb_staff)
    page = client.get(reverse("consultation:draft-life", args=[draft.pk])).content.decode()
    assert tsb_staff.email in page and "192.0.2.7" in page and "SG11 plenary" in page

    # The official reads the notice; the reply form of a notice does not exist.
    signed_in(client, official_a.user)
    assert client.get(reverse("consultation:circular-detail", args=[notice.pk])).status_code == 200
    assert client.get(reverse("consultation:reply-edit", args=[notice.pk])).status_code == 404
    home = client.get("/").content.decode()
    assert str(notice) in home


def test_the_meeting_cannot_consider_a_text_under_70_per_cent(tsb_staff, official_a) -> None:
    circular = circular_205(tsb_staff)
    draft = circular.drafts.get()
    services.reply_save_draft(
        circular_id=circular.pk,
        official=official_a,
        expected_revision=0,
        header={"from_name": official_a.user.get_full_name(), "from_title": "Director"},
        positions={
            draft.pk: {
                "decision": "do_not_authorize",
                "reasons": "Overlaps Q.5050.",
                "possible_changes": "Narrow the scope.",
            }
        },
        now=at(2020, 2, 1),
    )
    services.reply_submit(
        circular_id=circular.pk, official=official_a, expected_revision=1, now=at(2020, 2, 1)
    )
    services.circular_close(circular_id=circular.pk, actor=None, now=at(2020, 2, 22))
    with pytest.raises(approval.ApprovalRefused, match="70 per cent"):
        approval.outcome_record(
            draft_id=draft.pk, decision=rules.APPROVED, actor=tsb_staff, now=at(2020, 3, 13)
        )
    approval.outcome_record(
        draft_id=draft.pk, decision=rules.NOT_CONSIDERED, actor=tsb_staff, now=at(2020, 3, 13)
    )
    assert approval.draft_stage(draft, now=at(2020, 3, 14)).status == rules.STAGE_NOT_CONSIDERED


# --- "more time" -----------------------------------------------------------------------------


def more_time_draft(tsb, *states, meeting_last_day: datetime.date):
    """A closed consultation whose meeting ended on `meeting_last_day`, where the named
    states asked for more time on its draft."""
    meeting = factories.MeetingFactory(
        starts_on=meeting_last_day - datetime.timedelta(days=9), ends_on=meeting_last_day
    )
    deadline = datetime.datetime.combine(
        meeting.starts_on - datetime.timedelta(days=12), datetime.time(23, 59), tzinfo=UTC
    )
    circular = factories.CircularFactory(
        meeting=meeting,
        study_group=meeting.study_group,
        deadline=deadline,
        issued_on=(deadline - datetime.timedelta(days=90)).date(),
        status=Circular.Status.CLOSED,
        published_at=deadline - datetime.timedelta(days=90),
        closed_at=deadline + datetime.timedelta(seconds=1),
    )
    draft = factories.DraftFactory(circular=circular, order=1)
    approval.outcome_record(
        draft_id=draft.pk,
        decision=rules.MORE_TIME,
        statements=[approval.StatementInput(state.pk, rules.ASKED_MORE_TIME) for state in states],
        actor=tsb,
        now=datetime.datetime.combine(meeting_last_day, datetime.time(17), tzinfo=UTC),
    )
    return draft


LAST_DAY = datetime.date(2024, 6, 14)
WINDOW_END = at(2024, 7, 12, 23, 59, 59)


def test_more_time_with_an_opposition_on_time_is_not_approved(tsb_staff, official_a) -> None:
    draft = more_time_draft(tsb_staff, official_a.member_state, meeting_last_day=LAST_DAY)
    assert approval.draft_stage(draft, now=at(2024, 6, 20)).window_ends_at == WINDOW_END
    mail.outbox.clear()
    opposition = approval.opposition_submit(
        draft_id=draft.pk,
        official=official_a,
        text="The text conflicts with national law.",
        ip_address="198.51.100.4",
        now=WINDOW_END.replace(microsecond=999999),  # the last second still counts
    )
    assert len(opposition.sha256) == 64 and opposition.submitted_by == official_a.user
    assert services.reply_content_hash(opposition.content) == opposition.sha256
    stage = approval.draft_stage(draft, now=WINDOW_END)
    assert stage.status == rules.STAGE_NOT_APPROVED and stage.opposed_by == {
        official_a.member_state_id
    }
    with pytest.raises(approval.ApprovalRefused, match="already"):
        approval.opposition_submit(
            draft_id=draft.pk, official=official_a, text="Again.", now=WINDOW_END
        )
    deliver()
    receipt = next(m for m in mail.outbox if m.to == [official_a.user.email])
    assert opposition.sha256 in receipt.body

    # The beat ends the window a second later: not approved, TSB told.
    assert approval.more_time_windows_close_due(now=WINDOW_END) == []
    end = WINDOW_END + datetime.timedelta(seconds=1)
    assert approval.more_time_windows_close_due(now=end) == [draft.pk]
    assert approval.more_time_windows_close_due(now=end) == []  # once
    last = DraftOutcome.objects.filter(draft=draft).order_by("-at", "-pk").first()
    assert last.decision == rules.WINDOW_NOT_APPROVED and last.actor is None
    assert Notification.objects.filter(kind=Notification.Kind.WINDOW_ENDED).count() == 1
    assert approval.draft_stage(draft, now=end).status == rules.STAGE_NOT_APPROVED


def test_more_time_with_an_opposition_a_second_late_is_approved(tsb_staff, official_a) -> None:
    draft = more_time_draft(tsb_staff, official_a.member_state, meeting_last_day=LAST_DAY)
    late = WINDOW_END + datetime.timedelta(seconds=1)
    with pytest.raises(approval.ApprovalRefused, match="can no longer be sent"):
        approval.opposition_submit(
            draft_id=draft.pk, official=official_a, text="Too late.", now=late
        )
    assert not Opposition.objects.exists()  # nothing half-saved
    assert approval.more_time_windows_close_due(now=late) == [draft.pk]
    last = DraftOutcome.objects.filter(draft=draft).order_by("-at", "-pk").first()
    assert last.decision == rules.WINDOW_APPROVED
    stage = approval.draft_stage(draft, now=late)
    assert (stage.status, stage.approved_on) == (rules.STAGE_APPROVED, datetime.date(2024, 7, 12))


def test_only_a_signatory_of_a_state_that_asked_may_oppose(tsb_staff, official_a, official_b):
    draft = more_time_draft(tsb_staff, official_a.member_state, meeting_last_day=LAST_DAY)
    drafter = factories.OfficialFactory(
        member_state=official_a.member_state, role=Official.Role.DRAFTER
    )
    now = at(2024, 6, 20)
    with pytest.raises(approval.ApprovalRefused, match="signatory"):
        approval.opposition_submit(draft_id=draft.pk, official=drafter, text="x", now=now)
    with pytest.raises(approval.ApprovalRefused, match="did not ask"):
        approval.opposition_submit(draft_id=draft.pk, official=official_b, text="x", now=now)
    with pytest.raises(approval.ApprovalRefused, match="reasons"):
        approval.opposition_submit(draft_id=draft.pk, official=official_a, text="  ", now=now)
    assert not Opposition.objects.exists()


def test_reminders_before_the_end_of_more_time_once_and_not_after_an_opposition(
    tsb_staff, official_a, official_b
) -> None:
    draft = more_time_draft(
        tsb_staff, official_a.member_state, official_b.member_state, meeting_last_day=LAST_DAY
    )
    assert approval.more_time_reminders_queue_due(now=at(2024, 6, 20)) == 0  # 14d not reached
    fourteen = WINDOW_END - datetime.timedelta(days=14)
    assert approval.more_time_reminders_queue_due(now=fourteen) == 2
    assert approval.more_time_reminders_queue_due(now=fourteen) == 0  # once
    mail.outbox.clear()
    pending = Notification.objects.filter(kind=Notification.Kind.MORE_TIME_REMINDER)
    notifications.notifications_deliver(
        ids=list(pending.values_list("pk", flat=True)), now=fourteen
    )
    reminders = [m for m in mail.outbox if "formal opposition ends soon" in m.subject]
    assert sorted(m.to[0] for m in reminders) == sorted(
        [official_a.user.email, official_b.user.email]
    )
    approval.opposition_submit(
        draft_id=draft.pk, official=official_a, text="Opposed.", now=fourteen
    )
    # Opposed in time: the draft is settled, nobody is reminded any more.
    two_days = WINDOW_END - datetime.timedelta(days=2)
    assert approval.more_time_reminders_queue_due(now=two_days) == 0
    assert f"/drafts/{draft.pk}/opposition/" in reminders[0].body


def recent_more_time_draft(tsb, *states):
    last_day = (timezone.now() - datetime.timedelta(days=3)).date()
    return more_time_draft(tsb, *states, meeting_last_day=last_day)


def test_the_opposition_page_signatory_receipt_and_refusals(
    client, signed_in, tsb_staff, official_a, official_b
) -> None:
    draft = recent_more_time_draft(tsb_staff, official_a.member_state)
    url = reverse("consultation:opposition", args=[draft.circular_id, draft.pk])

    # Another state's official: the page does not exist for them.
    signed_in(client, official_b.user)
    assert client.get(url).status_code == 404

    # A drafter of the state reads it but cannot send.
    drafter = factories.OfficialFactory(
        member_state=official_a.member_state, role=Official.Role.DRAFTER
    )
    signed_in(client, drafter.user)
    page = client.get(url)
    assert page.status_code == 200 and "Only an authorized signatory" in page.content.decode()
    assert client.post(url, {"text": "x", "confirm": "on"}).status_code == 403

    # The signatory: the home says what is open; an empty form is refused with a message.
    signed_in(client, official_a.user)
    home = client.get("/").content.decode()
    assert "More time" in home and url in home
    refused = client.post(url, {"text": "", "confirm": "on"})
    assert refused.status_code == 400 and not Opposition.objects.exists()
    response = client.post(url, {"text": "Conflicts with national law.", "confirm": "on"})
    receipt_url = reverse("consultation:opposition-receipt", args=[draft.circular_id, draft.pk])
    assert response.status_code == 302 and response["Location"] == receipt_url
    opposition = Opposition.objects.get()
    assert opposition.ip_address == "127.0.0.1"
    page = client.get(receipt_url).content.decode()
    assert opposition.sha256 in page and "Conflicts with national law." in page
    assert client.get(url).status_code == 302  # sent: the page shows the receipt


def test_the_opposition_page_needs_two_factor(client, tsb_staff, official_a) -> None:
    draft = recent_more_time_draft(tsb_staff, official_a.member_state)
    client.force_login(official_a.user)  # password only, no second factor in this session
    response = client.get(reverse("consultation:opposition", args=[draft.circular_id, draft.pk]))
    assert response.status_code == 302 and "/accounts/" in response["Location"]


def test_tsb_records_the_decision_from_the_drafts_page(
    client, signed_in, tsb_staff, official_a
) -> None:
    meeting = factories.MeetingFactory(
        starts_on=(timezone.now() - datetime.timedelta(days=10)).date(),
        ends_on=(timezone.now() - datetime.timedelta(days=1)).date(),
    )
    circular = factories.CircularFactory(
        meeting=meeting,
        study_group=meeting.study_group,
        deadline=timezone.now() - datetime.timedelta(days=20),
        issued_on=(timezone.now() - datetime.timedelta(days=120)).date(),
        status=Circular.Status.CLOSED,
        published_at=timezone.now() - datetime.timedelta(days=120),
        closed_at=timezone.now() - datetime.timedelta(days=19),
    )
    draft = factories.DraftFactory(circular=circular, order=1)
    url = reverse("consultation:draft-life", args=[draft.pk])
    signed_in(client, tsb_staff)
    assert client.get(url).status_code == 200
    form = {
        "outcome-decision": rules.APPROVED_WITH_RESERVATIONS,
        "outcome-note": "",
        "statements-TOTAL_FORMS": "6",
        "statements-INITIAL_FORMS": "0",
        "statements-MIN_NUM_FORMS": "0",
        "statements-MAX_NUM_FORMS": "50",
        "statements-0-member_state": str(official_a.member_state_id),
        "statements-0-kind": rules.RESERVATION,
        "statements-0-text": "",
    }
    refused = client.post(url, form)
    assert refused.status_code == 400
    assert "Give the text of each reservation" in refused.content.decode()
    assert not DraftOutcome.objects.exists()
    form["statements-0-text"] = "Reserves its position on clause 7."
    assert client.post(url, form).status_code == 302
    outcome = DraftOutcome.objects.get()
    assert outcome.actor == tsb_staff and outcome.ip_address == "127.0.0.1"
    assert list(outcome.statements.values_list("kind", "text")) == [
        (rules.RESERVATION, "Reserves its position on clause 7.")
    ]
    page = client.get(url).content.decode()
    assert "Reserves its position on clause 7." in page and "with reservations" in page
    # An official cannot reach TSB's page.
    signed_in(client, official_a.user)
    assert client.get(url).status_code == 403


def test_the_demo_shows_q5051_approved_on_2020_03_13(client, member_states) -> None:
    from consultation.demo import demo_load

    demo_load()
    draft = Circular.objects.get(number=205, study_period="2017-2020").drafts.get()
    page = client.get(reverse("public:draft-life", args=[draft.pk])).content.decode()
    assert "Approved" in page and "2020-03-13" in page
    stages = selectors.draft_stages(drafts=[draft], now=timezone.now())
    assert stages[draft.pk].approved_on == datetime.date(2020, 3, 13)
    demo_load()  # loading again records nothing twice
    assert DraftOutcome.objects.filter(draft=draft).count() == 1


def test_tsb_generates_then_publishes_the_notice_from_the_admin(
    client, signed_in, tsb_staff, official_a
) -> None:
    meeting = factories.MeetingFactory(
        starts_on=(timezone.now() - datetime.timedelta(days=10)).date(),
        ends_on=(timezone.now() - datetime.timedelta(days=1)).date(),
    )
    circular = factories.CircularFactory(
        meeting=meeting,
        study_group=meeting.study_group,
        deadline=timezone.now() - datetime.timedelta(days=20),
        issued_on=(timezone.now() - datetime.timedelta(days=120)).date(),
        status=Circular.Status.CLOSED,
        published_at=timezone.now() - datetime.timedelta(days=120),
        closed_at=timezone.now() - datetime.timedelta(days=19),
    )
    approved, pending = (factories.DraftFactory(circular=circular, order=n) for n in (1, 2))
    approval.outcome_record(draft_id=approved.pk, decision=rules.APPROVED, actor=tsb_staff)
    signed_in(client, tsb_staff)
    generate = reverse("consultation:notice-generate", args=[approved.pk])
    bad = client.post(generate, {"notice-number": "x", "notice-study_period": "2025"})
    assert bad.status_code == 302 and not Circular.objects.filter(kind="approval_notice").exists()
    response = client.post(
        generate, {"notice-number": "77", "notice-study_period": circular.study_period}
    )
    notice = Circular.objects.get(kind=Circular.Kind.APPROVAL_NOTICE)
    change = reverse("admin:consultation_circular_change", args=[notice.pk])
    assert response["Location"] == change
    # Only the text with a final decision is announced; the other waits for its decision.
    assert list(notice.announced.values_list("draft", flat=True)) == [approved.pk]
    page = client.get(change).content.decode()
    assert approved.number in page and "texts announced" in page.lower()
    taken = client.post(generate, {"notice-number": "77", "notice-study_period": "2025-2028"})
    assert taken.status_code == 302 and Circular.objects.filter(number=77).count() == 1
    publish = reverse("admin:consultation_circular_publish", args=[notice.pk])
    assert client.post(publish, {"post": "yes"}).status_code == 302
    notice.refresh_from_db()
    assert notice.status == Circular.Status.PUBLISHED and notice.deadline is None
    # A decision corrected after a notice was generated: the notice must be generated again.
    approval.outcome_record(draft_id=pending.pk, decision=rules.APPROVED, actor=tsb_staff)
    again = approval.approval_notice_create(
        meeting_id=meeting.pk, number=78, study_period="2025-2028", actor=tsb_staff
    )
    assert list(again.announced.values_list("draft", flat=True)) == [pending.pk]
    approval.outcome_record(draft_id=pending.pk, decision=rules.NOT_CONSIDERED, actor=tsb_staff)
    with pytest.raises(services.TransitionError, match="generate the notice again"):
        services.circular_publish(circular_id=again.pk, actor=tsb_staff)


def test_the_public_page_of_a_draft_circulars_text_does_not_exist(client) -> None:
    hidden = factories.DraftFactory()  # its circular is a draft
    assert client.get(reverse("public:draft-life", args=[hidden.pk])).status_code == 404


def test_a_text_that_comes_back_keeps_its_history(client, tsb_staff, state_a) -> None:
    first = more_time_draft(tsb_staff, state_a, meeting_last_day=datetime.date(2024, 6, 14))
    later = factories.DraftFactory(
        number=first.number,
        circular=factories.CircularFactory(
            status=Circular.Status.PUBLISHED,
            published_at=timezone.now(),
            issued_on=timezone.now().date(),
        ),
    )
    chapters = selectors.draft_life(draft=later, now=timezone.now(), public=True)
    assert [c["draft"] for c in chapters] == [first, later]
    assert [c["is_this"] for c in chapters] == [False, True]
    page = client.get(reverse("public:draft-life", args=[later.pk])).content.decode()
    assert str(first.circular) in page and str(later.circular) in page

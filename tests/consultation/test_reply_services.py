"""Drafting, submitting, revising and recording replies: the services and their rules."""

from __future__ import annotations

import datetime
import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts.models import Official
from consultation import selectors, services
from consultation.attachments import validate_upload
from consultation.models import Attachment, Reply, ReplyEvent, ReplyVersion
from tests import factories

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
# The From block names the signatory (official_a's address): the reply carries their identity.
HEADER = {
    "from_name": "A. Minister",
    "from_title": "Director, ITU affairs",
    "from_email": "signatory.a@example.org",
    "place": "Bern",
}


def upload(
    name: str = "comments.pdf",
    content: bytes = PDF,
    draft_id: int | None = None,
    kind: str = "comments",
):
    file = SimpleUploadedFile(name, content, content_type="application/pdf")
    return services.AttachmentUpload(
        file=file, validated=validate_upload(file), kind=kind, draft_id=draft_id
    )


@pytest.fixture
def draft(open_circular):
    return open_circular.drafts.get()


@pytest.fixture
def drafter(state_a) -> Official:
    return factories.OfficialFactory(member_state=state_a, role=Official.Role.DRAFTER)


def save(circular, official, revision, decision="authorize", **kwargs):
    draft = circular.drafts.get()
    values = {"decision": decision, "comments": "", "reasons": "", "possible_changes": ""}
    values.update({k: v for k, v in kwargs.items() if k in values})
    return services.reply_save_draft(
        circular_id=circular.pk,
        official=official,
        expected_revision=revision,
        header=HEADER,
        positions={draft.pk: values},
        uploads=kwargs.get("uploads", ()),
        ip_address="198.51.100.7",
    )


def test_drafter_saves_and_signatory_submits_version_one(
    open_circular, official_a, drafter
) -> None:
    reply = save(open_circular, drafter, 0)
    assert (reply.status, reply.revision, reply.member_state) == (
        "draft",
        1,
        official_a.member_state,
    )
    with pytest.raises(services.ReplyRefused, match="Only an authorized signatory"):
        services.reply_submit(circular_id=open_circular.pk, official=drafter, expected_revision=1)
    version = services.reply_submit(
        circular_id=open_circular.pk,
        official=official_a,
        expected_revision=1,
        ip_address="198.51.100.8",
    )
    reply.refresh_from_db()
    assert (reply.status, reply.version, reply.submitted_by) == ("submitted", 1, official_a.user)
    assert (version.number, version.channel, version.is_late) == (1, "portal", False)
    assert version.sha256 == services.reply_content_hash(
        {k: v for k, v in version.content.items() if k != "revision"}
    )
    kinds = list(ReplyEvent.objects.filter(reply=reply).values_list("kind", "actor", "ip_address"))
    assert kinds == [
        ("created", drafter.user.pk, "198.51.100.7"),
        ("saved", drafter.user.pk, "198.51.100.7"),
        ("submitted", official_a.user.pk, "198.51.100.8"),
    ]


def test_revision_makes_a_new_version_and_keeps_the_old(open_circular, official_a) -> None:
    save(
        open_circular, official_a, 0, decision="do_not_authorize", reasons="r", possible_changes="c"
    )
    first = services.reply_submit(
        circular_id=open_circular.pk, official=official_a, expected_revision=1
    )
    save(open_circular, official_a, 1, decision="authorize")
    reply = Reply.objects.get()
    assert reply.has_unsubmitted_changes
    second = services.reply_submit(
        circular_id=open_circular.pk, official=official_a, expected_revision=2
    )
    assert [v.number for v in ReplyVersion.objects.order_by("number")] == [1, 2]
    assert first.sha256 != second.sha256
    assert (
        ReplyVersion.objects.get(number=1).content["positions"][0]["decision"] == "do_not_authorize"
    )
    [(_, tally)] = selectors.circular_results(circulars=[open_circular])[open_circular.pk]
    assert (tally.replies, tally.supporting, tally.not_supporting) == (1, 1, 0)


def test_second_concurrent_save_is_refused_and_writes_nothing(
    open_circular, official_a, drafter
) -> None:
    save(open_circular, drafter, 0)  # both opened the form at revision 0... the drafter saved first
    with pytest.raises(services.ReplyConflictError, match="changed by") as caught:
        save(
            open_circular,
            official_a,
            0,
            decision="do_not_authorize",
            reasons="x",
            possible_changes="y",
        )
    assert caught.value.current_revision == 1
    reply = Reply.objects.get()
    assert reply.revision == 1
    assert reply.positions.get().decision == "authorize"
    assert ReplyEvent.objects.filter(kind="saved").count() == 1


def test_the_official_reply_carries_the_signatorys_identity(
    open_circular, official_a, drafter
) -> None:
    """A drafter's name and e-mail in the From block do not go out under the signatory's
    submission unnoticed: the submission is refused until the From block names the signatory
    (by name or e-mail); nothing is submitted meanwhile."""
    draft = open_circular.drafts.get()
    drafters = {
        "from_name": drafter.user.get_full_name(),
        "from_title": "Policy officer",
        "from_email": drafter.user.email,
    }
    services.reply_save_draft(
        circular_id=open_circular.pk,
        official=drafter,
        expected_revision=0,
        header=drafters,
        positions={draft.pk: {"decision": "authorize"}},
    )
    with pytest.raises(services.ReplyRefused) as refused:
        services.reply_submit(
            circular_id=open_circular.pk, official=official_a, expected_revision=1
        )
    [message] = refused.value.errors["header.from_name"]
    assert drafter.user.get_full_name() in message and "signatory" in message
    assert not ReplyVersion.objects.exists()
    services.reply_save_draft(
        circular_id=open_circular.pk,
        official=official_a,
        expected_revision=1,
        header={**drafters, "from_name": official_a.user.get_full_name(), "from_email": ""},
        positions={draft.pk: {"decision": "authorize"}},
    )
    version = services.reply_submit(
        circular_id=open_circular.pk, official=official_a, expected_revision=2
    )
    assert version.content["header"]["from_name"] == official_a.user.get_full_name()


def test_submit_refused_when_content_changed_after_review(
    open_circular, official_a, drafter
) -> None:
    save(open_circular, official_a, 0)
    reviewed = services.reply_content_hash(services.reply_content(Reply.objects.get()))
    save(open_circular, drafter, 1, decision="authorize_comments", comments="late edit")
    with pytest.raises(services.ReplyConflictError):
        services.reply_submit(
            circular_id=open_circular.pk,
            official=official_a,
            expected_revision=1,
            expected_sha256=reviewed,
        )
    with pytest.raises(services.ReplyConflictError, match="changed after you reviewed"):
        services.reply_submit(
            circular_id=open_circular.pk,
            official=official_a,
            expected_revision=2,
            expected_sha256=reviewed,
        )
    assert not ReplyVersion.objects.exists()


@pytest.mark.parametrize(
    ("decision", "texts", "message"),
    [
        ("", {}, "Choose one of the boxes"),
        ("authorize_comments", {}, "write them or attach a file"),
        ("do_not_authorize", {"possible_changes": "c"}, "give the reasons"),
        ("do_not_authorize", {"reasons": "r"}, "summarize the possible changes"),
    ],
)
def test_rules_of_the_form_refuse_incomplete_replies(
    open_circular, official_a, decision, texts, message
) -> None:
    save(open_circular, official_a, 0, decision=decision, **texts)
    with pytest.raises(services.ReplyRefused) as caught:
        services.reply_submit(
            circular_id=open_circular.pk, official=official_a, expected_revision=1
        )
    assert message in " ".join(m for msgs in caught.value.errors.values() for m in msgs)
    assert not ReplyVersion.objects.exists()


def test_an_attachment_satisfies_comments_and_reasons(open_circular, official_a, draft) -> None:
    save(
        open_circular,
        official_a,
        0,
        decision="do_not_authorize",
        uploads=[upload(draft_id=draft.pk, kind="reasons")],
    )
    version = services.reply_submit(
        circular_id=open_circular.pk, official=official_a, expected_revision=1
    )
    [attachment] = version.content["positions"][0]["attachments"]
    assert attachment["sha256"] == hashlib.sha256(PDF).hexdigest()
    assert attachment["size"] == len(PDF)


def test_header_name_and_title_are_required(open_circular, official_a, draft) -> None:
    services.reply_save_draft(
        circular_id=open_circular.pk,
        official=official_a,
        expected_revision=0,
        header={"from_name": "", "from_title": ""},
        positions={draft.pk: {"decision": "authorize"}},
    )
    with pytest.raises(services.ReplyRefused) as caught:
        services.reply_submit(
            circular_id=open_circular.pk, official=official_a, expected_revision=1
        )
    assert set(caught.value.errors) == {"header.from_name", "header.from_title"}


def test_deadline_to_the_second(open_circular, official_a, draft, time_machine) -> None:
    deadline = open_circular.deadline
    time_machine.move_to(deadline.replace(microsecond=999_999), tick=False)
    save(open_circular, official_a, 0)
    services.reply_submit(circular_id=open_circular.pk, official=official_a, expected_revision=1)
    time_machine.move_to(deadline + datetime.timedelta(seconds=1), tick=False)
    with pytest.raises(services.ReplyRefused, match="deadline for replies passed"):
        save(open_circular, official_a, 1)
    with pytest.raises(services.ReplyRefused, match="deadline for replies passed"):
        services.reply_submit(
            circular_id=open_circular.pk, official=official_a, expected_revision=1
        )
    assert Reply.objects.get().revision == 1


def test_deactivated_official_writes_nothing(open_circular, official_a) -> None:
    official_a.is_active = False
    official_a.save()
    with pytest.raises(services.ReplyRefused, match="deactivated"):
        save(open_circular, official_a, 0)
    assert not Reply.objects.exists()


def test_refused_save_keeps_no_uploaded_file(
    open_circular, official_a, drafter, draft, media_root
) -> None:
    save(open_circular, drafter, 0)
    with pytest.raises(services.ReplyConflictError):
        save(open_circular, official_a, 0, uploads=[upload(draft_id=draft.pk)])
    assert not Attachment.objects.exists()
    assert [p for p in media_root.rglob("*") if p.is_file()] == []
    # The same upload, saved without a conflict, is kept.
    save(open_circular, official_a, 1, uploads=[upload(draft_id=draft.pk)])
    stored = [p for p in media_root.rglob("*") if p.is_file()]
    assert len(stored) == 1
    assert stored[0].read_bytes() == PDF
    assert Attachment.objects.get().file.name == str(stored[0].relative_to(media_root))


def test_tsb_records_a_faxed_reply_on_time_and_a_late_letter(
    open_circular, tsb_staff, state_a, state_b, draft
) -> None:
    on_time = services.reply_record_offline(
        circular_id=open_circular.pk,
        member_state_id=state_a.pk,
        actor=tsb_staff,
        channel="fax",
        received_at=timezone.now() - datetime.timedelta(hours=1),
        header=HEADER,
        positions={draft.pk: {"decision": "authorize_comments"}},  # comments are in the scan
        scan=upload("fax.pdf", kind="scan"),
    )
    assert (on_time.is_late, on_time.entered_by, on_time.submitted_by, on_time.channel) == (
        False,
        tsb_staff,
        None,
        "fax",
    )
    deadline = open_circular.deadline
    late = services.reply_record_offline(
        circular_id=open_circular.pk,
        member_state_id=state_b.pk,
        actor=tsb_staff,
        channel="letter",
        received_at=deadline + datetime.timedelta(seconds=1),
        header=HEADER,
        positions={draft.pk: {"decision": "do_not_authorize"}},
        scan=upload("letter.pdf", kind="scan"),
        now=deadline + datetime.timedelta(days=2),
    )
    assert late.is_late
    assert Reply.objects.get(member_state=state_b).is_late
    [(_, tally)] = selectors.circular_results(circulars=[open_circular])[open_circular.pk]
    assert (tally.replies, tally.supporting, tally.late_member_states) == (1, 1, {state_b.pk})
    recorded = ReplyEvent.objects.filter(kind="recorded").values_list("actor", flat=True)
    assert list(recorded) == [tsb_staff.pk, tsb_staff.pk]


def test_offline_record_refuses_future_time_and_states_outside_the_electorate(
    open_circular, tsb_staff, draft
) -> None:
    palau_like = factories.MemberStateFactory(
        joined_on=timezone.now().date() + datetime.timedelta(days=1)
    )
    kwargs = {
        "circular_id": open_circular.pk,
        "actor": tsb_staff,
        "channel": "email",
        "header": HEADER,
        "positions": {draft.pk: {"decision": "authorize"}},
        "scan": upload(kind="scan"),
    }
    with pytest.raises(services.ReplyRefused, match="not a Member State"):
        services.reply_record_offline(
            member_state_id=palau_like.pk, received_at=timezone.now(), **kwargs
        )
    with pytest.raises(services.ReplyRefused, match="future"):
        services.reply_record_offline(
            member_state_id=factories.MemberStateFactory().pk,
            received_at=timezone.now() + datetime.timedelta(minutes=5),
            **kwargs,
        )
    assert not Reply.objects.exists()


def test_two_officials_starting_the_reply_at_once_the_loser_gets_the_current_revision(
    monkeypatch, open_circular, state_a, official_a
) -> None:
    """The race of two officials creating the reply: the one whose insert fails is told of a
    conflict carrying the reply's revision as it stands, so its next save is accepted."""
    from django.utils import timezone

    from consultation.models import Reply
    from consultation.services import replies

    Reply.objects.create(circular=open_circular, member_state=state_a, revision=3)

    class NotYetSeen:  # the lookup ran before the other official's insert committed
        def filter(self, **kwargs):
            return self

        def first(self):
            return None

    monkeypatch.setattr(Reply.objects, "select_for_update", lambda: NotYetSeen())
    with pytest.raises(replies.ReplyConflictError) as refused:
        replies._lock_or_create_reply(
            open_circular, state_a, actor=official_a.user, ip_address=None, now=timezone.now()
        )
    assert refused.value.current_revision == 3

"""Results: aggregate queries equal to rules.tally, frozen at closing, shown to TSB."""

from __future__ import annotations

import datetime
import random

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from consultation import results, rules, selectors, services
from consultation.attachments import validate_upload
from consultation.models import Circular, CircularResult, ReplyVersionPosition
from tests import factories

pytestmark = pytest.mark.django_db

DECISIONS = ["authorize", "authorize_comments", "do_not_authorize"]
TEXTS = {
    "authorize": {},
    "authorize_comments": {"comments": "Proposed change to clause 6."},
    "do_not_authorize": {"reasons": "Scope overlaps.", "possible_changes": "Narrow the scope."},
}


def make_circular(drafts: int = 2) -> Circular:
    circular = factories.CircularFactory(
        status=Circular.Status.PUBLISHED,
        published_at=timezone.now(),
        issued_on=timezone.now().date(),
    )
    for order in range(1, drafts + 1):
        factories.DraftFactory(circular=circular, order=order)
    return circular


def submit(circular, official, decisions: dict[int, str], revision: int) -> None:
    services.reply_save_draft(
        circular_id=circular.pk,
        official=official,
        expected_revision=revision,
        header={"from_name": official.user.get_full_name(), "from_title": "T"},
        positions={d: {"decision": v, **TEXTS[v]} for d, v in decisions.items()},
    )
    services.reply_submit(
        circular_id=circular.pk, official=official, expected_revision=revision + 1
    )


def record(circular, state, tsb, decisions: dict[int, str], received_at) -> None:
    scan = SimpleUploadedFile("scan.pdf", b"%PDF-1.4\n%%EOF\n")
    services.reply_record_offline(
        circular_id=circular.pk,
        member_state_id=state.pk,
        actor=tsb,
        channel="fax",
        received_at=received_at,
        header={"from_name": "N", "from_title": "T"},
        positions={d: {"decision": v} for d, v in decisions.items()},
        scan=services.AttachmentUpload(file=scan, validated=validate_upload(scan), kind="scan"),
        now=max(received_at, timezone.now()),
    )


def reference(circular) -> dict[int, rules.Tally]:
    """rules.tally over every kept version: the specification the queries must meet."""
    ballots: dict[int, list[rules.Ballot]] = {}
    for p in ReplyVersionPosition.objects.select_related("version__reply"):
        ballots.setdefault(p.draft_id, []).append(
            rules.Ballot(
                p.version.reply.member_state_id, p.version.received_at, p.decision, p.version.number
            )
        )
    return {
        d.pk: rules.tally(ballots.get(d.pk, []), deadline=circular.deadline)
        for d in circular.drafts.all()
    }


def assert_same(table, expected: dict[int, rules.Tally]) -> None:
    for draft in table.drafts:
        tally = expected[draft.draft_id]
        assert (
            draft.replies,
            draft.supporting_no_comments,
            draft.supporting_with_comments,
            draft.not_supporting,
            draft.proceeds,
        ) == (
            tally.replies,
            tally.supporting_no_comments,
            tally.supporting_with_comments,
            tally.not_supporting,
            tally.proceeds,
        )


def test_exactly_seventy_percent_proceeds_and_late_and_revised_replies(tsb_staff) -> None:
    circular = make_circular(drafts=1)
    [draft] = circular.drafts.all()
    officials = [factories.OfficialFactory() for _ in range(10)]
    for i, official in enumerate(officials):
        submit(circular, official, {draft.pk: "do_not_authorize" if i < 3 else "authorize"}, 0)
    # A revision: state 0 changes its "no" to "yes", then state 0 counts once, as "yes"...
    submit(circular, officials[0], {draft.pk: "authorize_comments"}, 1)
    # ...and a late fax from an eleventh state is recorded but not counted.
    late_state = factories.MemberStateFactory()
    record(
        circular,
        late_state,
        tsb_staff,
        {draft.pk: "do_not_authorize"},
        circular.deadline + datetime.timedelta(seconds=1),
    )
    table = results.compute(circular)
    [row] = table.drafts
    assert (row.replies, row.supporting, row.not_supporting) == (10, 8, 2)
    assert row.late == (late_state.name,)
    assert_same(table, reference(circular))
    # Exactly 70 %: revise state 0 back to "no" -> 7 of 10.
    submit(circular, officials[0], {draft.pk: "do_not_authorize"}, 2)
    [row] = results.compute(circular).drafts
    assert (row.supporting, row.replies, row.proceeds) == (7, 10, True)
    assert row.percent == 70.0
    submit(circular, officials[3], {draft.pk: "do_not_authorize"}, 1)
    [row] = results.compute(circular).drafts
    assert (row.supporting, row.replies, row.proceeds) == (6, 10, False)


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_aggregate_results_equal_the_tally_on_generated_data(seed: int, tsb_staff) -> None:
    rng = random.Random(seed)
    circular = make_circular(drafts=3)
    drafts = list(circular.drafts.all())
    for _ in range(12):
        official = factories.OfficialFactory()
        revisions = rng.randint(0, 2)
        for r in range(revisions + 1):
            submit(circular, official, {d.pk: rng.choice(DECISIONS) for d in drafts}, r)
        if rng.random() < 0.3:  # a late fax on top, which must not count
            record(
                circular,
                official.member_state,
                tsb_staff,
                {d.pk: rng.choice(DECISIONS) for d in drafts},
                circular.deadline + datetime.timedelta(minutes=rng.randint(1, 60)),
            )
    for _ in range(3):  # faxes received on time, entered by TSB
        record(
            circular,
            factories.MemberStateFactory(),
            tsb_staff,
            {d.pk: rng.choice(DECISIONS) for d in drafts},
            timezone.now() - datetime.timedelta(hours=rng.randint(1, 48)),
        )
    assert_same(results.compute(circular), reference(circular))


def test_results_are_computed_in_a_constant_number_of_queries() -> None:
    counts = []
    for replies in (2, 20):
        circular = make_circular(drafts=2)
        for _ in range(replies):
            submit(
                circular,
                factories.OfficialFactory(),
                {d.pk: "authorize" for d in circular.drafts.all()},
                0,
            )
        with CaptureQueriesContext(connection) as ctx:
            results.compute(circular)
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]


def test_results_are_frozen_at_closing_and_later_edits_do_not_rewrite_them(tsb_staff) -> None:
    circular = make_circular(drafts=1)
    [draft] = circular.drafts.all()
    for decision in ("authorize", "authorize", "do_not_authorize"):
        submit(circular, factories.OfficialFactory(), {draft.pk: decision}, 0)
    services.circular_close(
        circular_id=circular.pk,
        actor=tsb_staff,
        now=circular.deadline + datetime.timedelta(seconds=1),
    )
    frozen = CircularResult.objects.get(circular=circular)
    assert frozen.sha256 == results.digest(frozen.data)
    # Someone edits a counted position in the database afterwards.
    ReplyVersionPosition.objects.filter(decision="do_not_authorize").update(decision="authorize")
    assert results.compute(circular).drafts[0].not_supporting == 0
    table = selectors.circular_results_table(circular=circular)
    assert (table.drafts[0].supporting, table.drafts[0].not_supporting) == (2, 1)
    assert table.sha256 == frozen.sha256 and table.frozen_at is not None
    # Freezing again keeps the first snapshot.
    assert results.freeze(circular, now=timezone.now()).pk == frozen.pk


def test_results_page_for_tsb_with_the_chart(client, signed_in, tsb_staff, official_a) -> None:
    circular = make_circular(drafts=2)
    for _ in range(4):
        submit(
            circular,
            factories.OfficialFactory(),
            {d.pk: "authorize" for d in circular.drafts.all()},
            0,
        )
    url = reverse("consultation:circular-results", args=[circular.pk])
    signed_in(client, tsb_staff)
    page = client.get(url)
    text = page.content.decode()
    assert page.status_code == 200
    assert 'class="threshold"' in text and "the line marks 70" in text
    assert text.count('class="bar-row"') == 2
    assert "Live: the consultation is open" in text
    with CaptureQueriesContext(connection) as ctx:
        client.get(url)
    few = len(ctx.captured_queries)
    for _ in range(20):
        submit(
            circular,
            factories.OfficialFactory(),
            {d.pk: "do_not_authorize" for d in circular.drafts.all()},
            0,
        )
    with CaptureQueriesContext(connection) as ctx:
        client.get(url)
    assert len(ctx.captured_queries) == few
    signed_in(client, official_a.user)
    assert client.get(url).status_code == 403

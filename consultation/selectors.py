"""Every non-trivial read of the consultation app."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import (
    Count,
    FilteredRelation,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    prefetch_related_objects,
)

from accounts.models import MemberState
from consultation import rules
from consultation.models import (
    Attachment,
    Circular,
    DraftRecommendation,
    Reply,
    ReplyPosition,
    ReplyVersion,
    ReplyVersionPosition,
)
from consultation.translation import localized_fieldnames


def circular_electorate(*, circular: Circular) -> QuerySet[MemberState]:
    """The Member States that may reply: the membership on the circular's date of issue."""
    day = rules.electorate_date(issued_on=circular.issued_on, deadline=circular.deadline)
    if day is None:
        return MemberState.objects.none()
    return MemberState.objects.members_on(day)


def circular_warnings(*, circular: Circular) -> list[rules.CircularWarning]:
    return rules.circular_checks(
        issued_on=circular.issued_on,
        deadline=circular.deadline,
        meeting_starts_on=circular.meeting.starts_on if circular.meeting_id else None,
    )


def _count_of(queryset: QuerySet[Any]) -> Any:
    """A correlated subquery counting the rows of `queryset` (filtered on OuterRef("pk"))."""
    from django.db.models import IntegerField, Subquery
    from django.db.models.functions import Coalesce

    counted = queryset.order_by().values("circular_id").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def circular_list_for_admin(queryset: QuerySet[Circular]) -> QuerySet[Circular]:
    """Circulars with their draft and reply counts, in a constant number of queries.

    Each count is a subquery of its own: counting both through joins multiplied the rows
    (drafts x replies per circular) under every query of the change list (its counts, the
    date hierarchy), 1.4 s for 53 circulars (issue 14)."""
    from django.db.models import OuterRef

    from consultation.models import DraftRecommendation

    return queryset.select_related("study_group", "meeting").annotate(
        draft_count=_count_of(DraftRecommendation.objects.filter(circular=OuterRef("pk"))),
        submitted_count=_count_of(
            Reply.objects.filter(circular=OuterRef("pk"), status=Reply.Status.SUBMITTED)
        ),
    )


# --- the official's pages -------------------------------------------------------------------


#: The closed consultations the official's home lists: the latest ones (issue 14); the count
#: of all of them is shown beside, with a link to the list of every consultation.
HOME_CLOSED_LIMIT = 20

#: The columns of a circular that a card on the official's home shows or tests.
CARD_FIELDS = (
    "kind",
    "number",
    "status",
    "deadline",
    "issued_on",
    "is_demo",
    *localized_fieldnames("subject"),
)


def _visible_to_official(queryset: QuerySet[Circular], official: Any) -> QuerySet[Circular]:
    """permissions.circular_visible_to_official in SQL: the official's state was a member on
    the electorate's day (rules.electorate_date: the date of issue, else the deadline's UTC
    date)."""
    from django.db.models.functions import Coalesce, TruncDate

    state = official.member_state
    queryset = queryset.exclude(status=Circular.Status.DRAFT).annotate(
        electorate_day=Coalesce("issued_on", TruncDate("deadline", tzinfo=datetime.UTC))
    )
    queryset = queryset.filter(electorate_day__isnull=False)
    if state.joined_on is not None:
        queryset = queryset.filter(electorate_day__gte=state.joined_on)
    if state.left_on is not None:
        queryset = queryset.filter(electorate_day__lt=state.left_on)
    return queryset


def circular_list_for_official(
    *, official: Any, closed_limit: int = HOME_CLOSED_LIMIT, with_closed: bool = True
) -> tuple[list[Circular], list[Circular], int]:
    """What the official's home lists: (the published circulars, the latest `closed_limit`
    closed ones, how many closed ones there are), consultations whose electorate includes
    the official's state, each with `my_reply` (or None) and, closed, `frozen_results` (the
    frozen consultation.results.CircularResults, else None): three queries whatever the
    history (two, published only, when `with_closed` is False: the home has the closed ones
    in its cache). Both lists by deadline, earliest first."""
    from django.db.models import Window

    from consultation import results

    # The home's cards read a few of the circular's 54 columns (every text in six languages):
    # building the SQL of the others was most of the page's query time.
    visible = _visible_to_official(
        Circular.objects.filter(kind=Circular.Kind.CONSULTATION).only(*CARD_FIELDS), official
    )
    published = list(visible.filter(status=Circular.Status.PUBLISHED).order_by("deadline", "pk"))
    closed = (
        list(
            visible.filter(status=Circular.Status.CLOSED)
            .select_related("result")
            .only(*CARD_FIELDS, "result__taken_at", "result__data", "result__sha256")
            .annotate(closed_total=Window(Count("pk")))
            .order_by("-deadline", "-pk")[:closed_limit]
        )
        if with_closed
        else []
    )
    closed.reverse()
    total = closed[0].closed_total if closed else 0  # type: ignore[attr-defined]
    replies = {
        r.circular_id: r
        for r in Reply.objects.filter(
            member_state_id=official.member_state_id,
            circular__in=[c.pk for c in (*published, *closed)],
        )
    }
    for circular in (*published, *closed):
        circular.my_reply = replies.get(circular.pk)  # type: ignore[attr-defined]
    for circular in closed:
        try:
            row = circular.result  # type: ignore[attr-defined]
        except ObjectDoesNotExist:
            row = None
        circular.frozen_results = (  # type: ignore[attr-defined]
            results.from_json(row.data, frozen_at=row.taken_at.isoformat(), sha256=row.sha256)
            if row is not None
            else None
        )
    return published, closed, total


def closed_history_stamp(*, official: Any) -> str:
    """What the official's list of closed consultations depends on, in one small query: how
    many consultations are closed and the last change to any of them (a closing, a frozen
    result, a corrected text: each saves the circular), with the state's membership dates.
    The home caches that list's HTML under this stamp (views.home)."""
    from django.db.models import Max

    stamp = Circular.objects.filter(
        kind=Circular.Kind.CONSULTATION, status=Circular.Status.CLOSED
    ).aggregate(count=Count("pk"), last=Max("updated_at"))
    last = stamp["last"].timestamp() if stamp["last"] else 0
    state = official.member_state
    return f"{state.pk}:{state.joined_on}:{state.left_on}:{stamp['count']}:{last}"


def circular_list_for_observer(*, observer: Any) -> list[Circular]:
    from consultation.permissions import circular_visible_to_observer

    circulars = (
        Circular.objects.exclude(status=Circular.Status.DRAFT)
        .filter(kind=Circular.Kind.CONSULTATION)
        .select_related("study_group", "meeting")
        .prefetch_related("copies", "drafts")
        .order_by("status", "deadline")
    )
    return [c for c in circulars if circular_visible_to_observer(c, observer)]


def circular_results(*, circulars: Iterable[Circular]) -> dict[int, list[tuple[Any, rules.Tally]]]:
    """Per circular id, (draft, tally) for each draft, from the kept versions.

    One query for all the versions' positions of all the circulars; the tally itself is
    rules.tally (latest on-time version of each Member State).
    """
    circulars = list(circulars)
    rows = ReplyVersionPosition.objects.filter(
        version__reply__circular__in=[c.pk for c in circulars]
    ).values_list(
        "draft_id",
        "version__reply__member_state_id",
        "version__received_at",
        "decision",
        "version__number",
    )
    ballots: dict[int, list[rules.Ballot]] = {}
    for draft_id, member_state_id, received_at, decision, number in rows:
        ballots.setdefault(draft_id, []).append(
            rules.Ballot(member_state_id, received_at, decision, number)
        )
    results: dict[int, list[tuple[Any, rules.Tally]]] = {}
    for circular in circulars:
        assert circular.deadline is not None
        results[circular.pk] = [
            (draft, rules.tally(ballots.get(draft.pk, []), deadline=circular.deadline))
            for draft in circular.drafts.all()
        ]
    return results


def reply_page(*, user: Any, pk: int, positions: bool = True) -> tuple[Circular, Any, Reply | None]:
    """The reply pages' circular, official and reply (reply_for_form), as
    permissions.get_circular_for_reply allows them: when the official's state has a reply,
    the circular comes with it (without its long texts) in the same query."""
    from accounts.selectors import official_for_user
    from consultation.permissions import (
        LONG_TEXTS,
        circular_visible_to_official,
        get_circular_for_reply,
    )

    official = official_for_user(user)
    if official is not None:
        reply = _reply_with_files(
            Reply.objects.filter(circular_id=pk, member_state_id=official.member_state_id)
            .select_related("circular__study_group", "circular__meeting")
            .defer(*(f"circular__{name}" for name in LONG_TEXTS))
        )
        if reply is not None:
            circular = reply.circular
            if not circular.is_notice and circular_visible_to_official(circular, official):
                return circular, official, _with_related(reply, circular, official, positions)
    circular, official = get_circular_for_reply(user, pk, texts=False)
    return (
        circular,
        official,
        reply_for_form(circular=circular, official=official, positions=positions),
    )


def _reply_with_files(queryset: QuerySet[Reply]) -> Reply | None:
    from django.db.models import Exists

    return queryset.annotate(
        has_files=Exists(Attachment.objects.filter(reply=OuterRef("pk"), removed_at__isnull=True))
    ).first()


def reply_for_form(*, circular: Circular, official: Any, positions: bool = True) -> Reply | None:
    """The official's state's reply with its attachments and (unless `positions` is False:
    the form reads them with drafts_with_positions) its positions with their drafts,
    prefetched: three queries, one fewer when the reply has no files."""
    reply = _reply_with_files(
        Reply.objects.filter(circular=circular, member_state_id=official.member_state_id)
    )
    return _with_related(reply, circular, official, positions) if reply is not None else None


def _with_related(reply: Reply, circular: Circular, official: Any, positions: bool) -> Reply:
    """The reply with the circular and Member State in hand (not joined again: the
    circular's 54 columns were a third of the query's cost), its files (none read when it
    has none: most replies) and, if `positions`, its positions with their drafts."""
    Reply.circular.field.set_cached_value(reply, circular)
    Reply.member_state.field.set_cached_value(reply, official.member_state)
    prefetch: list[Any] = []
    if reply.has_files:  # type: ignore[attr-defined]
        prefetch.append(
            Prefetch(
                "attachments",
                queryset=Attachment.objects.filter(removed_at__isnull=True).order_by("uploaded_at"),
            )
        )
    else:
        reply._prefetched_objects_cache = {"attachments": Attachment.objects.none()}
    if positions:
        prefetch.append(
            Prefetch(
                "positions",
                queryset=ReplyPosition.objects.select_related("draft").only(
                    *(f.name for f in ReplyPosition._meta.concrete_fields),
                    *(f"draft__{name}" for name in FORM_DRAFT_FIELDS),
                ),
            )
        )
    prefetch_related_objects([reply], *prefetch)
    return reply


#: The columns of a draft that the reply form shows or checks (not its summary, nor every
#: language's other texts).
FORM_DRAFT_FIELDS = (
    "circular",
    "order",
    "number",
    "former_name",
    *localized_fieldnames("title"),
)


def drafts_with_positions(
    *, circular: Circular, reply: Reply | None
) -> list[tuple[DraftRecommendation, ReplyPosition | None]]:
    """The circular's drafts in order, each with the reply's position on it (or None), in
    one query."""
    drafts = circular.drafts.only(*FORM_DRAFT_FIELDS)
    if reply is None:
        return [(draft, None) for draft in drafts]
    rows = drafts.annotate(
        reply_position=FilteredRelation("positions", condition=Q(positions__reply=reply.pk))
    ).select_related("reply_position")
    return [(draft, draft.reply_position) for draft in rows]  # type: ignore[attr-defined]


def reply_versions(*, reply: Reply) -> QuerySet[ReplyVersion]:
    return reply.versions.select_related("submitted_by", "entered_by").order_by("-number")


# --- results --------------------------------------------------------------------------------


def circular_results_table(*, circular: Circular, frozen: Any = ...) -> Any:
    """The results of the circular: frozen at closing (with time and hash), else live.
    `frozen`, when the caller read it with the circular: its CircularResult or None."""
    from consultation import results
    from consultation.models import CircularResult

    if frozen is ...:
        frozen = CircularResult.objects.filter(circular=circular).first()
    if frozen is not None:
        return results.from_json(
            frozen.data, frozen_at=frozen.taken_at.isoformat(), sha256=frozen.sha256
        )
    return results.compute(circular)


def circular_results_tables(*, circulars: Iterable[Circular]) -> dict[int, Any]:
    """circular_results_table for several circulars, by id: the frozen ones in one query
    (however many closed circulars), the live ones (not yet closed) computed each."""
    from consultation import results

    circulars = list(circulars)
    tables = circular_results_frozen(circulars=circulars)
    for circular in circulars:
        if circular.pk not in tables:
            tables[circular.pk] = results.compute(circular)
    return tables


def circular_results_frozen(*, circulars: Iterable[Circular]) -> dict[int, Any]:
    """Frozen results of several closed circulars, in one query (the officials' home)."""
    from consultation import results
    from consultation.models import CircularResult

    return {
        row.circular_id: results.from_json(
            row.data, frozen_at=row.taken_at.isoformat(), sha256=row.sha256
        )
        for row in CircularResult.objects.filter(circular__in=[c.pk for c in circulars])
    }


def positions_for_export(
    *, circulars: Iterable[Circular] | None = None
) -> QuerySet[ReplyVersionPosition]:
    """For each reply, the positions of its counted version (latest on time) and of every
    late version, with what an export row needs selected in the same query."""
    from consultation.results import counted_versions

    qs = ReplyVersionPosition.objects.select_related(
        "version__reply__member_state",
        "version__reply__circular",
        "version__submitted_by",
        "version__entered_by",
        "draft",
    )
    ids = None if circulars is None else [c.pk for c in circulars]
    counted = counted_versions()
    late = ReplyVersion.objects.filter(is_late=True)
    if ids is not None:
        counted = counted.filter(reply__circular_id__in=ids)
        late = late.filter(reply__circular_id__in=ids)
    return qs.filter(Q(version__in=counted) | Q(version__in=late)).order_by(
        "version__reply__circular_id",
        "version__reply__member_state__name",
        "version__number",
        "draft__order",
    )


# --- the public pages (no login) ------------------------------------------------------------

PUBLIC_STATUSES = (Circular.Status.PUBLISHED, Circular.Status.CLOSED)


def _public_circulars() -> QuerySet[Circular]:
    """Published and closed circulars (never a draft), newest first, each annotated with
    `has_demo_replies` (one of its replies is demonstration data)."""
    from django.db.models import Exists, OuterRef

    return (
        Circular.objects.filter(status__in=PUBLIC_STATUSES)
        .select_related("study_group", "meeting")
        .annotate(
            has_demo_replies=Exists(Reply.objects.filter(circular=OuterRef("pk"), is_demo=True))
        )
        # Every published circular has a deadline; a historical one may have no date of issue.
        .order_by("-deadline", "-pk")
    )


def public_results(*, circulars: Iterable[Circular]) -> dict[int, Any]:
    """The frozen results (consultation.results.CircularResults) of the closed ones among
    `circulars`, by circular id, in one query. Open circulars have none: their figures are
    published only once the consultation closes.

    The results hold Member State names (late replies, states that did not reply): the
    public pages show their aggregate numbers only.
    """
    closed = [c for c in circulars if c.status == Circular.Status.CLOSED]
    return circular_results_frozen(circulars=closed) if closed else {}


def public_circulars(*, limit: int | None = None) -> list[Circular]:
    """What the public cards show: published and closed circulars, newest first, with their
    study group, meeting and drafts, `has_demo_replies`, and `frozen_results` (the frozen
    CircularResults of a closed circular, else None), in three queries whatever their number.
    """
    queryset = _public_circulars().filter(kind=Circular.Kind.CONSULTATION)
    queryset = queryset.prefetch_related("drafts")
    circulars = list(queryset if limit is None else queryset[:limit])
    results = public_results(circulars=circulars)
    for circular in circulars:
        circular.frozen_results = results.get(circular.pk)  # type: ignore[attr-defined]
    return circulars


def public_circular_get(*, pk: int) -> Circular | None:
    """A published or closed circular with its drafts and copy list; None for a draft."""
    return _public_circulars().prefetch_related("drafts", "copies").filter(pk=pk).first()


def public_calendar_circulars() -> list[Circular]:
    """Published and closed circulars with their study group and meeting, for the
    deadlines calendar, in one query."""
    return list(
        Circular.objects.filter(status__in=PUBLIC_STATUSES, kind=Circular.Kind.CONSULTATION)
        .select_related("study_group", "meeting")
        .order_by("deadline", "pk")
    )


def notifications_outbox(*, now: datetime.datetime) -> dict[str, Any]:
    """How many notifications wait to be sent, and since when the oldest waits (the admin's
    view of the outbox: the beat's drain sends whatever is pending every few seconds)."""
    from django.db.models import Count, Min

    from consultation.models import Notification

    row = Notification.objects.filter(status=Notification.Status.PENDING).aggregate(
        pending=Count("pk"), oldest=Min("created_at")
    )
    oldest = row["oldest"]
    return {
        "pending": row["pending"],
        "oldest": oldest,
        "waiting_seconds": int((now - oldest).total_seconds()) if oldest else 0,
    }


# --- stage two: decisions, "more time", approval notices (Resolution 1, 9.5, 9.6) ---------------


def draft_stages(*, drafts: Iterable[Any], now: datetime.datetime) -> dict[int, rules.Stage]:
    """Each draft's stage (rules.draft_stage) by id, in three queries whatever their number."""
    from consultation.models import DraftOutcome

    drafts = list(drafts)
    latest: dict[int, Any] = {}
    for outcome in (
        DraftOutcome.objects.filter(
            draft__in=[d.pk for d in drafts], decision__in=rules.MEETING_DECISIONS
        )
        .prefetch_related("statements", "oppositions")
        .order_by("at", "pk")
    ):
        latest[outcome.draft_id] = outcome
    stages = {}
    for draft in drafts:
        outcome = latest.get(draft.pk)
        if outcome is None:
            stages[draft.pk] = rules.draft_stage(decision=None, meeting_last_day=None, now=now)
            continue
        stages[draft.pk] = rules.draft_stage(
            decision=outcome.decision,
            meeting_last_day=outcome.meeting_last_day,
            statements=[
                rules.Statement(s.member_state_id, s.kind, s.text) for s in outcome.statements.all()
            ],
            oppositions=[
                (o.member_state_id, o.received_at)
                for o in outcome.oppositions.all()
                if not o.is_late
            ],
            now=now,
        )
    return stages


def published_notices(*, limit: int | None = None, announced: bool = True) -> list[Circular]:
    """Published approval notices, newest first, with (unless `announced` is False) the
    texts they announce."""
    queryset = (
        Circular.objects.filter(
            kind=Circular.Kind.APPROVAL_NOTICE, status=Circular.Status.PUBLISHED
        )
        .select_related("study_group", "meeting")
        .order_by("-issued_on", "-pk")
    )
    if announced:
        queryset = queryset.prefetch_related("announced__draft")
    return list(queryset if limit is None else queryset[:limit])


def notices_for_official(*, official: Any) -> list[Circular]:
    """The published approval notices whose electorate includes the official's state (the
    home lists them: without the texts they announce), in one query."""
    from consultation.permissions import circular_visible_to_official

    notices = (
        Circular.objects.filter(
            kind=Circular.Kind.APPROVAL_NOTICE, status=Circular.Status.PUBLISHED
        )
        .only(*CARD_FIELDS)
        .order_by("-issued_on", "-pk")
    )
    return [n for n in notices if circular_visible_to_official(n, official)]


def more_time_for_official(*, official: Any, now: datetime.datetime) -> list[dict[str, Any]]:
    """The drafts on which the official's Member State asked for more time at the latest
    meeting decision and whose window is open or whose opposition was sent: for the home.
    One query for a state that never asked for more time; otherwise three, whatever the
    number of drafts (the outcomes that are still their draft's latest meeting decision,
    the state's oppositions to them)."""
    from consultation.models import DraftOutcome, Opposition, OutcomeStatement

    # Most states never asked for more time: a small query first, the whole one if they did.
    if not OutcomeStatement.objects.filter(
        member_state=official.member_state, kind=rules.ASKED_MORE_TIME
    ).exists():
        return []
    latest = (
        DraftOutcome.objects.filter(draft=OuterRef("draft"), decision__in=rules.MEETING_DECISIONS)
        .order_by("-at", "-pk")
        .values("pk")[:1]
    )
    asked = (
        DraftOutcome.objects.filter(
            decision=rules.MORE_TIME,
            statements__member_state=official.member_state,
            statements__kind=rules.ASKED_MORE_TIME,
        )
        .filter(pk=Subquery(latest))
        .select_related("draft__circular")
        .only(
            "draft__number",
            *(f"draft__circular__{name}" for name in CARD_FIELDS),
            "meeting_last_day",
            "at",
            "decision",
        )
        .prefetch_related(
            Prefetch(
                "oppositions",
                queryset=Opposition.objects.filter(member_state=official.member_state),
                to_attr="state_oppositions",
            )
        )
        .order_by("at", "pk")
    )
    items = []
    for outcome in asked:
        end = rules.more_time_window_end(outcome.meeting_last_day)
        opposition = next(iter(outcome.state_oppositions), None)  # type: ignore[attr-defined]
        if opposition is None and not rules.is_on_time(now, end):
            continue
        draft = outcome.draft
        items.append(
            {"draft": draft, "circular": draft.circular, "ends_at": end, "opposition": opposition}
        )
    return items


def draft_life(*, draft: Any, now: datetime.datetime, public: bool) -> list[dict[str, Any]]:
    """The draft's whole life, one chapter per consultation it went through (a text that
    comes back in a later consultation, re-determined, keeps its history): the circular,
    the consultation's result, the meeting's decisions (every record, in order, with what
    the Member States said and the formal oppositions), the stage, the approval notices.

    `public`: the circulars that are published or closed only, and nothing of who recorded
    what from where (the public page)."""
    from consultation.models import DraftOutcome, DraftRecommendation, NoticeDraft

    drafts = (
        DraftRecommendation.objects.filter(
            number=draft.number, circular__kind=Circular.Kind.CONSULTATION
        )
        .select_related("circular__meeting", "circular__study_group")
        .order_by("circular__deadline", "circular__pk")
    )
    if public:
        drafts = drafts.filter(circular__status__in=PUBLIC_STATUSES)
    drafts = list(drafts)
    stages = draft_stages(drafts=drafts, now=now)
    outcomes: dict[int, list[Any]] = {}
    for outcome in (
        DraftOutcome.objects.filter(draft__in=drafts)
        .select_related("actor")
        .prefetch_related("statements__member_state", "oppositions__member_state")
        .order_by("at", "pk")
    ):
        outcomes.setdefault(outcome.draft_id, []).append(outcome)
    notices: dict[int, list[Any]] = {}
    rows = NoticeDraft.objects.filter(draft__in=drafts).select_related("notice")
    if public:
        rows = rows.filter(notice__status=Circular.Status.PUBLISHED)
    for row in rows.order_by("notice__issued_on", "notice__pk"):
        notices.setdefault(row.draft_id, []).append(row)
    chapters = []
    for each in drafts:
        circular = each.circular
        result = None
        if circular.status == Circular.Status.CLOSED:
            table = circular_results_table(circular=circular)
            result = next((d for d in table.drafts if d.draft_id == each.pk), None)
        chapters.append(
            {
                "draft": each,
                "circular": circular,
                # Demonstration replies in a real circular (Circular 205 in the demo) say so.
                "has_demo": circular.is_demo or circular.replies.filter(is_demo=True).exists(),
                "result": result,
                "outcomes": outcomes.get(each.pk, []),
                "stage": stages[each.pk],
                "notices": notices.get(each.pk, []),
                "is_this": each.pk == draft.pk,
            }
        )
    return chapters

"""Results of a circular, per draft, computed with aggregate queries; frozen at closing.

Per draft: on-time replies, supporting (no comments / with comments), not supporting, the
share, whether consideration may proceed (rules.may_proceed), the late replies apart, and the
Member States that did not reply, by region. Each Member State counts once, with its latest
version received on time (rules.tally is the reference the tests compare against).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction


@dataclass(frozen=True)
class DraftResult:
    draft_id: int
    order: int
    number: str
    title: str
    replies: int  # on-time replies counted (latest on-time version per Member State)
    supporting_no_comments: int
    supporting_with_comments: int
    not_supporting: int
    late: tuple[str, ...] = ()  # names of Member States whose replies arrived late only/also
    proceeds: bool = True

    @property
    def supporting(self) -> int:
        return self.supporting_no_comments + self.supporting_with_comments

    @property
    def share(self) -> Fraction | None:
        return Fraction(self.supporting, self.replies) if self.replies else None

    @property
    def percent(self) -> float | None:
        """For display only (one decimal); decisions use `proceeds`, an exact test."""
        return round(100 * self.supporting / self.replies, 1) if self.replies else None


@dataclass(frozen=True)
class CircularResults:
    circular_id: int
    drafts: tuple[DraftResult, ...]
    electorate: int
    replied: int  # Member States with an on-time reply
    no_reply_by_region: dict[str, tuple[str, ...]] = field(default_factory=dict)
    frozen_at: str | None = None  # ISO time of the snapshot, None while live
    sha256: str | None = None


# --- computing (aggregate queries) and freezing ----------------------------------------------

import datetime  # noqa: E402
import hashlib  # noqa: E402
import json  # noqa: E402
from dataclasses import asdict  # noqa: E402
from typing import Any  # noqa: E402

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery  # noqa: E402
from django.utils import translation  # noqa: E402

from consultation import rules  # noqa: E402


def counted_versions(circular_id: int | None = None) -> QuerySet[Any]:
    """Per reply (of the circular, or of all), the version that counts: the latest received
    on time (by time received, then number: as rules.tally)."""
    from consultation.models import ReplyVersion

    latest = (
        ReplyVersion.objects.filter(reply=OuterRef("reply"), is_late=False)
        .order_by("-received_at", "-number")
        .values("pk")[:1]
    )
    versions = ReplyVersion.objects.filter(is_late=False, pk=Subquery(latest))
    return versions if circular_id is None else versions.filter(reply__circular_id=circular_id)


def compute(circular: Any) -> CircularResults:
    """The live results, in a fixed number of aggregate queries whatever the replies.

    Names and titles are the English ones whatever language is active (the frozen record and
    its SHA-256 must not depend on who closes the circular); pages translate them for display.
    """
    with translation.override("en"):
        return _compute(circular)


def _compute(circular: Any) -> CircularResults:
    from accounts.models import MemberState
    from consultation.models import ReplyVersion, ReplyVersionPosition

    counted = counted_versions(circular.pk)
    tallies = {
        row["draft_id"]: row
        for row in ReplyVersionPosition.objects.filter(version__in=counted)
        .values("draft_id")
        .annotate(
            replies=Count("pk"),
            no_comments=Count("pk", filter=Q(decision=rules.AUTHORIZE_NO_COMMENTS)),
            with_comments=Count("pk", filter=Q(decision=rules.AUTHORIZE_WITH_COMMENTS)),
            against=Count("pk", filter=Q(decision=rules.DO_NOT_AUTHORIZE)),
        )
    }
    late_rows = (
        ReplyVersion.objects.filter(reply__circular=circular, is_late=True)
        .values_list("positions__draft_id", "reply__member_state__name")
        .distinct()
    )
    late: dict[int, set[str]] = {}
    for draft_id, name in late_rows:
        late.setdefault(draft_id, set()).add(name)
    drafts = []
    for draft in circular.drafts.order_by("order"):
        row = tallies.get(draft.pk, {})
        replies = row.get("replies", 0)
        supporting = row.get("no_comments", 0) + row.get("with_comments", 0)
        drafts.append(
            DraftResult(
                draft_id=draft.pk,
                order=draft.order,
                number=draft.number,
                title=draft.title,
                replies=replies,
                supporting_no_comments=row.get("no_comments", 0),
                supporting_with_comments=row.get("with_comments", 0),
                not_supporting=row.get("against", 0),
                late=tuple(sorted(late.get(draft.pk, ()))),
                proceeds=rules.may_proceed(supporting=supporting, replies=replies),
            )
        )
    day = rules.electorate_date(issued_on=circular.issued_on, deadline=circular.deadline)
    electorate = MemberState.objects.members_on(day) if day else MemberState.objects.none()
    replied_ids = set(counted.values_list("reply__member_state_id", flat=True))
    no_reply: dict[str, list[str]] = {}
    for name, region in electorate.exclude(pk__in=replied_ids).values_list("name", "region"):
        no_reply.setdefault(region, []).append(name)
    return CircularResults(
        circular_id=circular.pk,
        drafts=tuple(drafts),
        electorate=electorate.count(),
        replied=len(replied_ids),
        no_reply_by_region={k: tuple(sorted(v)) for k, v in sorted(no_reply.items())},
    )


def to_json(results: CircularResults) -> dict[str, Any]:
    data = asdict(results)
    data.pop("frozen_at")
    data.pop("sha256")
    return data


def digest(data: dict[str, Any]) -> str:
    canonical = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def from_json(
    data: dict[str, Any], *, frozen_at: str | None, sha256: str | None
) -> CircularResults:
    drafts = tuple(DraftResult(**{**d, "late": tuple(d["late"])}) for d in data["drafts"])
    return CircularResults(
        circular_id=data["circular_id"],
        drafts=drafts,
        electorate=data["electorate"],
        replied=data["replied"],
        no_reply_by_region={k: tuple(v) for k, v in data["no_reply_by_region"].items()},
        frozen_at=frozen_at,
        sha256=sha256,
    )


def freeze(circular: Any, *, now: datetime.datetime) -> Any:
    """Store the results as they stand (idempotent: a circular is frozen once)."""
    from consultation.models import CircularResult

    existing = CircularResult.objects.filter(circular=circular).first()
    if existing is not None:
        return existing
    data = to_json(compute(circular))
    return CircularResult.objects.create(
        circular=circular, taken_at=now, data=data, sha256=digest(data)
    )

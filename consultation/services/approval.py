"""Stage two of the Traditional Approval Process (WTSA Resolution 1, 9.5 and 9.6).

After a consultation closes:

- TSB records the meeting's decision on each draft (`outcome_record`): not considered,
  approved, approved with reservations, not approved, or more time requested, with what the
  named Member States said. Append-only: a correction is a new record, the latest counts.
- A Member State whose delegation asked for more time has until the end of day 28 after the
  meeting's last day (rules.more_time_window_end) to send a formal opposition through the
  portal (`opposition_submit`: signatory only, behind two-factor like every official page,
  hashed and receipted). Reminders go out before the end (`more_time_reminders_queue_due`)
  and the end itself is recorded by the beat (`more_time_windows_close_due`).
- The approval notice is a circular of kind "approval notice" generated from these facts
  (`approval_notice_create`) and published by services.circulars.circular_publish, which
  mails it to the electorate and the copy list.

Every rule is in rules.py; here are only the reads, locks and writes around them.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import MemberState, Official, User
from consultation import rules
from consultation.models import (
    Circular,
    CircularCopy,
    DraftOutcome,
    DraftRecommendation,
    Meeting,
    NoticeDraft,
    Notification,
    Opposition,
    OutcomeStatement,
)
from consultation.services.circulars import TransitionError
from consultation.services.replies import reply_content_hash

__all__ = [
    "ApprovalRefused",
    "StatementInput",
    "approval_notice_create",
    "more_time_reminders_queue_due",
    "more_time_windows_close_due",
    "opposition_submit",
    "outcome_record",
]


class ApprovalRefused(Exception):
    """A stage-two write the rules do not allow; `messages` are for the user."""

    def __init__(self, *messages: str) -> None:
        super().__init__(" ".join(messages))
        self.messages = list(messages)


@dataclass(frozen=True)
class StatementInput:
    member_state_id: int
    kind: str
    text: str = ""


def latest_outcome(draft: DraftRecommendation) -> DraftOutcome | None:
    """The record that counts: the latest of the draft's outcomes."""
    return draft.outcomes.order_by("-at", "-pk").first()


def latest_meeting_decision(draft: DraftRecommendation) -> DraftOutcome | None:
    """The latest decision of the meeting itself (not the end of a window)."""
    return (
        draft.outcomes.filter(decision__in=rules.MEETING_DECISIONS).order_by("-at", "-pk").first()
    )


def draft_stage(draft: DraftRecommendation, *, now: datetime.datetime) -> rules.Stage:
    """Where the draft stands, from its latest meeting decision (selectors.draft_stages)."""
    from consultation import selectors

    return selectors.draft_stages(drafts=[draft], now=now)[draft.pk]


def _announced_in_published_notice(draft: DraftRecommendation) -> bool:
    return NoticeDraft.objects.filter(
        draft=draft, notice__status=Circular.Status.PUBLISHED
    ).exists()


# --- the meeting's decision ----------------------------------------------------------------------


def outcome_record(
    *,
    draft_id: int,
    decision: str,
    statements: Sequence[StatementInput] = (),
    note: str = "",
    actor: User,
    ip_address: str | None = None,
    now: datetime.datetime | None = None,
) -> DraftOutcome:
    """Record what the meeting decided on a draft, with what the named Member States said.

    Refused (ApprovalRefused) before the consultation has closed, before the meeting has
    begun, once an approval notice announcing the draft is published, and whenever
    rules.decision_problems finds the decision inconsistent with the statements or with the
    consultation's result."""
    from consultation import selectors

    now = now or timezone.now()
    with transaction.atomic():
        draft = DraftRecommendation.objects.select_related("circular__meeting").get(pk=draft_id)
        # One writer per circular at a time (the publish and close services lock it too).
        circular = (
            Circular.objects.select_for_update().select_related("meeting").get(pk=draft.circular_id)
        )
        if circular.status != Circular.Status.CLOSED:
            raise ApprovalRefused(
                _("The consultation of %(circular)s has not closed yet.") % {"circular": circular}
            )
        meeting = circular.meeting
        if now.astimezone(datetime.UTC).date() < meeting.starts_on:
            raise ApprovalRefused(
                _("The meeting begins on %(day)s: its decision can be recorded from that day.")
                % {"day": meeting.starts_on.isoformat()}
            )
        if _announced_in_published_notice(draft):
            raise ApprovalRefused(
                _("A published approval notice announces this text: its decision is final.")
            )
        states = {
            s.pk: s
            for s in MemberState.objects.filter(pk__in=[s.member_state_id for s in statements])
        }
        if len(states) != len({s.member_state_id for s in statements}):
            raise ApprovalRefused(_("Choose each Member State from the list."))
        table = selectors.circular_results_table(circular=circular)
        result = next((d for d in table.drafts if d.draft_id == draft.pk), None)
        proceeds = result.proceeds if result is not None else True
        problems = rules.decision_problems(
            decision=decision,
            statements=[rules.Statement(s.member_state_id, s.kind, s.text) for s in statements],
            proceeds=proceeds,
        )
        if problems:
            raise ApprovalRefused(*problems)
        outcome = DraftOutcome.objects.create(
            draft=draft,
            decision=decision,
            meeting_last_day=meeting.ends_on,
            note=note.strip(),
            actor=actor,
            at=now,
            ip_address=ip_address,
        )
        from accounts.audit import audit_record

        audit_record(
            "decision",
            actor=actor,
            target=f"{draft.number}, {circular} ({circular.study_period})",
            detail={"decision": decision, "statements": len(statements)},
        )
        OutcomeStatement.objects.bulk_create(
            OutcomeStatement(
                outcome=outcome,
                member_state=states[s.member_state_id],
                kind=s.kind,
                text=s.text.strip(),
            )
            for s in statements
        )
    return outcome


# --- "more time": the formal opposition ----------------------------------------------------------


def more_time_outcome_for(
    draft: DraftRecommendation, member_state: MemberState
) -> DraftOutcome | None:
    """The latest meeting decision if it is "more time" asked by `member_state`, else None."""
    outcome = latest_meeting_decision(draft)
    if outcome is None or outcome.decision != rules.MORE_TIME:
        return None
    asked = outcome.statements.filter(
        member_state=member_state, kind=rules.ASKED_MORE_TIME
    ).exists()
    return outcome if asked else None


def opposition_content(
    *, draft: DraftRecommendation, official: Official, text: str, received_at: datetime.datetime
) -> dict[str, Any]:
    """What is hashed: the circular, the draft, the Member State, the text, the signatory."""
    circular = draft.circular
    return {
        "kind": "formal_opposition",
        "circular": {"study_period": circular.study_period, "number": circular.number},
        "draft": {"number": draft.number, "title": draft.title_en or draft.title},
        "member_state": {
            "alpha3": official.member_state.alpha3,
            "name": official.member_state.name_en,
        },
        "text": text,
        "signatory": {"name": official.user.get_full_name() or official.user.email},
        "received_at": received_at.astimezone(datetime.UTC).isoformat(),
    }


def opposition_submit(
    *,
    draft_id: int,
    official: Official,
    text: str,
    ip_address: str | None = None,
    now: datetime.datetime | None = None,
) -> Opposition:
    """A formal opposition of the official's Member State, within its "more time" window.

    Refused unless the official is an active signatory of a Member State whose delegation
    asked for more time on the draft (at the latest meeting decision), the window has not
    ended (its last second, UTC, by the server clock), the text is given, and no opposition
    was sent already. A receipt with the SHA-256 goes to the signatory, a copy to the other
    officials of the state."""
    from consultation.permissions import can_submit
    from consultation.services import notifications

    now = now or timezone.now()
    text = text.strip()
    if not can_submit(official):
        raise ApprovalRefused(
            _("Only an authorized signatory of your administration can send a formal opposition.")
        )
    with transaction.atomic():
        draft = DraftRecommendation.objects.select_related("circular").get(pk=draft_id)
        Circular.objects.select_for_update().get(pk=draft.circular_id)
        outcome = more_time_outcome_for(draft, official.member_state)
        if outcome is None:
            raise ApprovalRefused(_("Your administration did not ask for more time on this text."))
        end = rules.more_time_window_end(outcome.meeting_last_day)
        if not rules.is_on_time(now, end):
            raise ApprovalRefused(
                _(
                    "The 4 weeks after the meeting ended at %(end)s UTC: a formal opposition "
                    "can no longer be sent."
                )
                % {"end": end.strftime("%Y-%m-%d %H:%M:%S")}
            )
        if not text:
            raise ApprovalRefused(_("Give the reasons of the opposition."))
        if outcome.oppositions.filter(member_state=official.member_state).exists():
            raise ApprovalRefused(
                _("Your administration has already sent its formal opposition to this text.")
            )
        content = opposition_content(draft=draft, official=official, text=text, received_at=now)
        try:
            opposition = Opposition.objects.create(
                outcome=outcome,
                draft=draft,
                member_state=official.member_state,
                text=text,
                received_at=now,
                is_late=False,
                submitted_by=official.user,
                signatory_name=content["signatory"]["name"],
                content=content,
                sha256=reply_content_hash(content),
                ip_address=ip_address,
            )
        except IntegrityError:
            raise ApprovalRefused(
                _("Your administration has already sent its formal opposition to this text.")
            ) from None
        from accounts.audit import audit_record

        audit_record(
            "opposition",
            actor=official.user,
            member_state=official.member_state,
            target=f"{draft.number}, {draft.circular} ({draft.circular.study_period})",
            detail={"sha256": opposition.sha256},
        )
        rows = []
        for other in notifications._active_officials([official.member_state_id]):
            rows.append(
                notifications._row(
                    draft.circular,
                    kind=Notification.Kind.OPPOSITION_RECEIPT,
                    email=other.user.email,
                    member_state=official.member_state,
                    recipient=other.user,
                    key=f"opposition-{draft.pk}",
                    language=other.user.mail_language,
                    context={
                        "draft": draft.number,
                        "sha256": opposition.sha256,
                        "received_at": now.isoformat(),
                        "signatory": opposition.signatory_name,
                        "is_signer": other.user_id == official.user_id,
                    },
                    now=now,
                )
            )
        notifications._insert(rows)
    return opposition


# --- the beat: reminders and the end of the windows ----------------------------------------------


def _open_more_time(now: datetime.datetime) -> Iterable[tuple[DraftOutcome, rules.Stage]]:
    """Each draft whose latest record is a "more time" decision, with its stage."""
    outcomes = DraftOutcome.objects.filter(decision=rules.MORE_TIME).select_related(
        "draft__circular"
    )
    for outcome in outcomes:
        if latest_outcome(outcome.draft) != outcome:
            continue  # corrected, or its window's end already recorded
        yield outcome, draft_stage(outcome.draft, now=now)


def more_time_reminders_queue_due(*, now: datetime.datetime | None = None) -> int:
    """Remind the officials of each Member State that asked for more time and has not sent
    an opposition, at the offsets of settings.MORE_TIME_REMINDER_OFFSETS before the window's
    end (the latest moment reached, once each, as for the replies' reminders)."""
    from consultation.services import notifications

    now = now or timezone.now()
    offsets = rules.parse_offsets(settings.MORE_TIME_REMINDER_OFFSETS)
    queued = 0
    for outcome, stage in _open_more_time(now):
        if stage.status != rules.STAGE_MORE_TIME or stage.window_ends_at is None:
            continue
        offset = rules.reminder_due(offsets=offsets, deadline=stage.window_ends_at, now=now)
        if offset is None:
            continue
        asked = set(
            outcome.statements.filter(kind=rules.ASKED_MORE_TIME).values_list(
                "member_state_id", flat=True
            )
        )
        opposed = set(outcome.oppositions.values_list("member_state_id", flat=True))
        label = rules.offset_label(offset)
        draft = outcome.draft
        with transaction.atomic():
            rows = [
                notifications._row(
                    draft.circular,
                    kind=Notification.Kind.MORE_TIME_REMINDER,
                    email=o.user.email,
                    member_state=o.member_state,
                    recipient=o.user,
                    key=f"d{draft.pk}-o{outcome.pk}-{label}",
                    language=o.user.mail_language,
                    context={
                        "draft": draft.number,
                        "draft_id": draft.pk,
                        "offset": label,
                        "window_ends_at": stage.window_ends_at.isoformat(),
                    },
                    now=now,
                )
                for o in notifications._active_officials(asked - opposed)
            ]
            queued += len(notifications._insert(rows))
    return queued


def more_time_windows_close_due(*, now: datetime.datetime | None = None) -> list[int]:
    """Record the end of each "more time" window that has passed: approved when no formal
    opposition came in time, not approved otherwise; TSB is told. Returns the drafts' ids.
    Safe to run twice at once: the circular's lock and the latest-record check skip a
    window already recorded."""
    from consultation.services import notifications

    now = now or timezone.now()
    ended = []
    for outcome, _stage in list(_open_more_time(now)):
        end = rules.more_time_window_end(outcome.meeting_last_day)
        if rules.is_on_time(now, end):
            continue
        with transaction.atomic():
            Circular.objects.select_for_update().get(pk=outcome.draft.circular_id)
            if latest_outcome(outcome.draft) != outcome:
                continue
            stage = draft_stage(outcome.draft, now=now)
            decision = (
                rules.WINDOW_APPROVED
                if stage.status == rules.STAGE_APPROVED
                else rules.WINDOW_NOT_APPROVED
            )
            DraftOutcome.objects.create(
                draft=outcome.draft,
                decision=decision,
                meeting_last_day=outcome.meeting_last_day,
                note="Recorded automatically at the end of the 4 weeks after the meeting.",
                actor=None,
                at=now,
            )
            circular = outcome.draft.circular
            addresses = settings.TSB_SUMMARY_EMAILS or [
                circular.contact_email or settings.SERVER_EMAIL
            ]
            # In the language of the TSB colleague who has the address, as the summary.
            users = {u.email.lower(): u for u in User.objects.filter(email__in=addresses)}
            notifications._insert(
                [
                    notifications._row(
                        circular,
                        kind=Notification.Kind.WINDOW_ENDED,
                        email=address,
                        key=f"d{outcome.draft_id}-o{outcome.pk}",
                        language=users[address.lower()].mail_language
                        if address.lower() in users
                        else settings.LANGUAGE_CODE,
                        context={
                            "draft": outcome.draft.number,
                            "draft_id": outcome.draft_id,
                            "approved": decision == rules.WINDOW_APPROVED,
                            "window_ended_at": end.isoformat(),
                        },
                        now=now,
                    )
                    for address in addresses
                    if address
                ]
            )
            ended.append(outcome.draft_id)
    return ended


# --- the approval notice --------------------------------------------------------------------------

NOTICE_LEGAL_BASIS = "WTSA Resolution 1 (Rev. Hammamet, 2016), section 9.6"


def _status_line(draft: DraftRecommendation, stage: rules.Stage, names: dict[int, str]) -> str:
    """One line of the notice, in the active language."""
    title = getattr(draft, f"title_{translation.get_language().replace('-', '_')}", "") or (
        draft.title_en or draft.title
    )
    label = f"{draft.number} – {title}"
    if stage.status == rules.STAGE_APPROVED:
        assert stage.approved_on is not None
        line = _("%(draft)s: approved on %(day)s.") % {
            "draft": label,
            "day": stage.approved_on.isoformat(),
        }
        if stage.reservations_by:
            line += " " + _("Reservations: %(states)s.") % {
                "states": ", ".join(sorted(names[s] for s in stage.reservations_by))
            }
        return line
    if stage.status == rules.STAGE_NOT_APPROVED:
        return _("%(draft)s: not approved.") % {"draft": label}
    return _("%(draft)s: not considered for approval at the meeting.") % {"draft": label}


def approval_notice_create(
    *,
    meeting_id: int,
    number: int,
    study_period: str,
    actor: User,
    ip_address: str | None = None,
    now: datetime.datetime | None = None,
) -> Circular:
    """A draft circular of kind "approval notice" for the meeting: the texts whose decision
    is final (approved, with reservations, not approved, not considered), its subject and
    text written from these facts in the six languages, the copy list of the consultations.
    TSB reviews it in the admin and publishes it like any circular.

    Refused when no text of the meeting has a final decision, or when the number is taken."""
    from modeltranslation.settings import AVAILABLE_LANGUAGES

    from consultation.models import CircularEvent, standard_texts

    now = now or timezone.now()
    meeting = Meeting.objects.select_related("study_group").get(pk=meeting_id)
    consultations = list(
        Circular.objects.filter(
            meeting=meeting, kind=Circular.Kind.CONSULTATION, status=Circular.Status.CLOSED
        ).order_by("number")
    )
    drafts = [
        d
        for d in DraftRecommendation.objects.filter(circular__in=consultations)
        .select_related("circular")
        .order_by("circular__number", "order")
        if not _announced_in_published_notice(d)
    ]
    staged = [(d, draft_stage(d, now=now)) for d in drafts]
    final = [(d, s) for d, s in staged if s.is_final]
    if not final:
        raise ApprovalRefused(
            _("No text of this meeting has a final decision yet: nothing to announce.")
        )
    if Circular.objects.filter(study_period=study_period, number=number).exists():
        raise ApprovalRefused(
            _("TSB Circular %(number)s (%(period)s) exists already.")
            % {"number": number, "period": study_period}
        )
    first = consultations[0]
    names = dict(MemberState.objects.values_list("pk", "name_en"))
    texts: dict[str, str] = {}
    for language in AVAILABLE_LANGUAGES:
        column = language.replace("-", "_")
        with translation.override(language):
            texts[f"subject_{column}"] = _(
                "Approval of ITU-T Recommendations: %(group)s meeting, %(place)s"
            ) % {
                "group": meeting.study_group,
                "place": getattr(meeting, f"place_{column}", "") or meeting.place,
            }
            lines = [
                _(
                    "In accordance with WTSA Resolution 1, section 9.6, the Director announces "
                    "the decisions of the %(group)s meeting (%(start)s to %(end)s) on the texts "
                    "on which the Member States were consulted:"
                )
                % {
                    "group": meeting.study_group,
                    "start": meeting.starts_on.isoformat(),
                    "end": meeting.ends_on.isoformat(),
                },
                "",
                *(f"- {_status_line(d, s, names)}" for d, s in final),
            ]
            texts[f"body_{column}"] = "\n".join(lines)
    standard = standard_texts()
    with transaction.atomic():
        notice = Circular.objects.create(
            kind=Circular.Kind.APPROVAL_NOTICE,
            number=number,
            study_period=study_period,
            reference=first.reference,
            contact_name=first.contact_name,
            contact_phone=first.contact_phone,
            contact_fax=first.contact_fax,
            contact_email=first.contact_email,
            study_group=meeting.study_group,
            meeting=meeting,
            legal_basis=NOTICE_LEGAL_BASIS,
            director_name=first.director_name,
            reply_to_address=first.reply_to_address,
            is_demo=any(c.is_demo for c in consultations),
            reminder_offsets="",
            **{k: v for k, v in standard.items() if k.startswith("addressees")},
            **texts,
        )
        for order, (draft, stage) in enumerate(final, start=1):
            NoticeDraft.objects.create(
                notice=notice,
                draft=draft,
                order=order,
                status=stage.status,
                approved_on=stage.approved_on,
            )
        seen = set()
        for consultation in consultations:
            for copy in consultation.copies.all():
                if copy.category in seen:
                    continue
                seen.add(copy.category)
                CircularCopy.objects.create(
                    circular=notice, order=copy.order, category=copy.category, label=copy.label
                )
        CircularEvent.objects.create(
            circular=notice,
            actor=actor,
            from_status="",
            to_status=Circular.Status.DRAFT,
            at=now,
            ip_address=ip_address,
            note="Approval notice generated from the meeting's decisions.",
        )
    return notice


def notice_publish_check(notice: Circular, *, now: datetime.datetime) -> None:
    """Before a notice is published: it announces texts, each still as it was generated
    (a decision corrected since would be announced wrong). Raises TransitionError."""
    rows = list(notice.announced.select_related("draft"))
    if not rows:
        raise TransitionError(
            _("%(circular)s announces no text; generate it from the meeting's decisions.")
            % {"circular": notice}
        )
    for row in rows:
        stage = draft_stage(row.draft, now=now)
        if stage.status != row.status or stage.approved_on != row.approved_on:
            raise TransitionError(
                _(
                    "The decision on %(draft)s has changed since %(circular)s was generated: "
                    "generate the notice again."
                )
                % {"draft": row.draft.number, "circular": notice}
            )

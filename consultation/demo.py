"""Demonstration data for `make run`: Circular 205 as in the seed, one live circular, and
demo accounts. Idempotent: loading twice changes nothing the second time.

Circular 205 and its draft are real. The positions of real governments on it are not
public, so every reply created here is marked `is_demo` and shown as demonstration data.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.utils import timezone, translation

from accounts.models import MemberState, Observer, ObserverCategory, Official, User
from consultation import rules
from consultation.demo_zh import circular_205_zh
from consultation.models import (
    Circular,
    CircularCopy,
    CircularEvent,
    DraftRecommendation,
    Meeting,
    Reply,
    ReplyEvent,
    ReplyPosition,
    StudyGroup,
    standard_texts,
)

DEMO_PASSWORD = "demo-portal-2026"  # noqa: S105 - printed by `make run`; local demo only
TSB_GROUP = "TSB secretariat"
DEMO_STATES = ("CHE", "BRA", "KOR")

SG11_TITLE = (
    "Signalling requirements, protocols, test specifications and combating counterfeit products"
)

CIRCULAR_205_SUBJECT = (
    "Member State consultation on draft new Recommendation ITU-T Q.5051 determined by "
    "ITU-T Study Group 11 and proposed for approval at its next meeting "
    "(Geneva, 4-13 March 2020)"
)

CIRCULAR_205_BODY = """\
1 ITU-T Study Group 11 (Signalling requirements, protocols, test specifications and \
combating counterfeit products) proposes to apply the Traditional Approval Process described \
in section 9 of WTSA Resolution 1 (Rev. Hammamet, 2016) to approve the above draft \
Recommendation at its next meeting, in Geneva, 4-13 March 2020. The agenda and all relevant \
information about the meeting will be available in Collective letter 9/11.

2 The title, summary and location of the draft ITU-T Recommendation proposed for approval \
are given in Annex 1.

3 This circular opens the formal consultation with ITU Member States, under section 9.4 of \
WTSA Resolution 1 (Rev. Hammamet, 2016), on whether this text may be considered for approval \
at the forthcoming meeting. Member States are asked to complete and return the form in \
Annex 2 by 23:59 UTC on 21 February 2020.

4 If 70% or more of the replies from Member States support consideration of this text for \
approval, a plenary session will be devoted to applying the approval procedure. Member States \
that do not authorize this are asked to inform the Director of TSB of their reasons and of the \
possible changes that would allow the work to continue.
"""

Q5051_SUMMARY = """\
In recent years, as mobile devices have gained functions and capabilities, they have become \
ever more important and more widely used in people's daily lives. A side effect has been \
observed: in some countries, the theft of mobile devices for profit is growing, both from \
selling the devices themselves and from the illicit use of the information they contain.

Measures are therefore needed to deter the theft of mobile devices and the reuse of stolen \
devices, and to protect the consumer data stored on them from illicit use. Moreover, devices \
are often stolen in a country that has deployed solutions against the use of stolen devices \
and sold in countries or regions that have not taken similar measures. The key to the success \
of such measures is therefore coordination and information sharing among the governments and \
operators of different countries, to combat together, worldwide, the theft of mobile devices \
and the reuse of stolen devices; otherwise there is a risk of illicit cross-border trade in \
stolen devices.

It is important to note that most of the solutions deployed today to block stolen devices \
and their reuse rely on lists of unique identifiers, and that the most common way for \
traffickers to circumvent them is to tamper with a device's unique identifier, sometimes \
choosing one already used by a legitimate device so as to bring the device back to the market \
and connect it to mobile networks.

To face this, many countries take part not only in combating the use of stolen mobile devices \
but also in preventing devices carrying unauthorized, reprogrammed unique identifiers (often \
called counterfeit identifiers) from returning to the networks. Meanwhile, governments of \
other countries are challenged, mainly by a lack of the knowledge and technical expertise \
needed to understand the problem and its possible solutions and to take informed decisions \
on deploying effective solutions suited to their national circumstances. In this sense, as \
described in WTSA Resolution 97 (Hammamet, 2016), guidelines are needed to address this \
challenge.

In view of the above, this Recommendation provides a framework containing requirements and \
a broad set of comprehensive recommended measures that can be used to combat the theft of \
mobile devices and the reuse of stolen mobile devices.
"""

A5_NONE = "No ITU-T A.5 justification has been prepared for this determined draft text."
IPR_NONE = (
    "TSB note: as of the date of this circular, TSB has not received any statement on "
    "intellectual property rights relating to this draft text. For up-to-date information, "
    "Members are invited to consult the IPR database at www.itu.int/ipr/."
)

STANDARD_COPIES = [
    (ObserverCategory.SECTOR_MEMBER, "ITU-T Sector Members"),
    (ObserverCategory.ASSOCIATE, "ITU-T Associates of Study Group {sg}"),
    (ObserverCategory.ACADEMIA, "ITU Academia"),
    (ObserverCategory.SG_CHAIR, "The Chairman and Vice-Chairmen of ITU-T Study Group {sg}"),
    (ObserverCategory.BDT_DIRECTOR, "The Director of the Telecommunication Development Bureau"),
    (ObserverCategory.BR_DIRECTOR, "The Director of the Radiocommunication Bureau"),
]


@dataclass(frozen=True)
class DemoLogin:
    role: str
    email: str


def demo_totp_secret(email: str) -> str:
    """A fixed authenticator secret per demo account, so `manage.py demo_code` can show codes."""
    import base64
    import hashlib

    return base64.b32encode(hashlib.sha256(f"demo-totp:{email}".encode()).digest()[:20]).decode()


def _give_demo_totp(user: User) -> None:
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import TOTP

    if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
        TOTP.activate(user, demo_totp_secret(user.email))


def _user(
    email: str, *, first: str, last: str, staff: bool = False, superuser: bool = False
) -> User:
    user, created = User.objects.get_or_create(
        email=email,
        defaults={
            "first_name": first,
            "last_name": last,
            "is_staff": staff,
            "is_superuser": superuser,
        },
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    EmailAddress.objects.update_or_create(
        user=user, email=email, defaults={"verified": True, "primary": True}
    )
    if staff:
        _give_demo_totp(user)  # TSB staff must use two-factor authentication
    return user


def _copies(circular: Circular, *, chinese: list[str] | None = None) -> None:
    for order, (category, label) in enumerate(STANDARD_COPIES, start=1):
        labels = {"label_en": label.format(sg=circular.study_group.number)}
        if chinese:
            labels["label_zh_hans"] = chinese[order - 1]
        CircularCopy.objects.update_or_create(
            circular=circular, category=category, defaults={"order": order, **labels}
        )


def _tsb_group() -> Group:
    group, _ = Group.objects.get_or_create(name=TSB_GROUP)
    perms = Permission.objects.filter(content_type__app_label__in=["consultation", "accounts"])
    group.permissions.set(perms)
    return group


def _circular_205(admin: User) -> Circular:
    """Circular 205 as issued: its Chinese edition from the seed (the text as issued) beside
    the English rendering of it (marked as a translation by `original_language`)."""
    zh = circular_205_zh()
    sg11, _ = StudyGroup.objects.update_or_create(
        number=11, defaults={"title_en": SG11_TITLE, "title_zh_hans": zh["study_group_title"]}
    )
    meeting, _ = Meeting.objects.update_or_create(
        study_group=sg11,
        starts_on=datetime.date(2020, 3, 4),
        defaults={
            "place_en": "Geneva",
            "place_zh_hans": zh["place"],
            "ends_on": datetime.date(2020, 3, 13),
            "collective_letter": "9/11",
        },
    )
    deadline = datetime.datetime(2020, 2, 21, 23, 59, tzinfo=datetime.UTC)
    circular, created = Circular.objects.update_or_create(
        study_period="2017-2020",
        number=205,
        defaults={
            # The seed copy carries no date of issue; none is invented (see rules.electorate_date).
            "issued_on": None,
            "reference": "SG11/DA",
            "contact_name": "",
            "contact_phone": "",
            "contact_fax": "+41 22 730 5853",
            "contact_email": "tsbsg11@itu.int",
            "study_group": sg11,
            "meeting": meeting,
            "original_language": "zh-hans",
            "subject_en": CIRCULAR_205_SUBJECT,
            "subject_zh_hans": zh["subject"],
            "procedure": Circular.Procedure.TAP,
            "legal_basis_en": "WTSA Resolution 1 (Rev. Hammamet, 2016), section 9.4",
            "legal_basis_zh_hans": "WTSA第1号决议（2016年，哈马马特，修订版）第9.4节",
            "body_en": CIRCULAR_205_BODY,
            "body_zh_hans": zh["body"],
            "deadline": deadline,
            "addressees_en": "Administrations of ITU Member States",
            "addressees_zh_hans": zh["addressees"],
            "director_name": "Chaesub Lee",
            "reply_to_address": "Place des Nations\nCH-1211 Geneva 20\nSwitzerland",
            "reply_to_fax": "+41 22 730 5853",
            "reply_to_email": "tsbdir@itu.int",
            "is_demo": False,
        },
    )
    _copies(circular, chinese=zh["copies"])
    DraftRecommendation.objects.update_or_create(
        circular=circular,
        order=1,
        defaults={
            "number": "ITU-T Q.5051",
            "former_name": "Q.FW_CSM",
            "kind": DraftRecommendation.Kind.NEW,
            "document_ref": "SG11-R25",
            "title_en": "Framework for combating the use of stolen mobile devices",
            "title_zh_hans": zh["title"],
            "summary_en": Q5051_SUMMARY,
            "summary_zh_hans": zh["summary"],
            "a5_note_en": A5_NONE,
            "a5_note_zh_hans": zh["a5_note"],
            "ipr_note_en": IPR_NONE,
            "ipr_note_zh_hans": zh["ipr_note"],
        },
    )
    if circular.status == Circular.Status.DRAFT:
        # A historical circular, issued on paper: it enters the portal already closed, and
        # closed when it really did, at its deadline (not when the demo was loaded).
        circular.status = Circular.Status.CLOSED
        circular.closed_at = deadline
        circular.save(update_fields=["status", "closed_at"])
        CircularEvent.objects.create(
            circular=circular,
            actor=admin,
            from_status=Circular.Status.DRAFT,
            to_status=Circular.Status.CLOSED,
            at=deadline,
            note="Historical circular (issued on paper), loaded with the demo data; closed at "
            "its deadline.",
        )
    return circular


def _live_circular(admin: User, now: datetime.datetime) -> Circular:
    sg17, _ = StudyGroup.objects.update_or_create(number=17, defaults={"title": "Security"})
    today = now.astimezone(datetime.UTC).date()
    # A meeting about four months ahead (a Tuesday), so the demo complies with 9.3 and 9.4.1.
    start = today + datetime.timedelta(days=120)
    start += datetime.timedelta(days=(1 - start.weekday()) % 7)
    existing = Circular.objects.filter(study_period="2025-2028", number=901).first()
    if existing is not None and existing.deadline is not None and existing.deadline > now:
        return existing  # still live: leave it (and any replies) alone
    meeting, _ = Meeting.objects.update_or_create(
        study_group=sg17,
        place="Geneva (demonstration)",
        defaults={
            "starts_on": start,
            "ends_on": start + datetime.timedelta(days=9),
            "collective_letter": "DEMO/17",
        },
    )
    deadline_day = rules.latest_deadline_date(start)
    deadline = datetime.datetime.combine(deadline_day, datetime.time(23, 59), tzinfo=datetime.UTC)
    circular, _ = Circular.objects.update_or_create(
        study_period="2025-2028",
        number=901,
        defaults={
            "issued_on": today,
            "reference": "SG17/DEMO",
            "contact_name": "Demonstration contact",
            "contact_phone": "+41 22 730 0000",
            "contact_fax": "+41 22 730 5853",
            "contact_email": "tsbsg17@itu.int",
            "study_group": sg17,
            "meeting": meeting,
            **standard_texts(),
            "subject": (
                "[DEMONSTRATION] Member State consultation on three draft Recommendations "
                "determined by ITU-T Study Group 17 (fictitious circular for trying the portal)"
            ),
            "body": "A fictitious circular, for trying the portal. It is not a TSB circular.",
            "deadline": deadline,
            "director_name": "Seizo Onoe",
            "reply_to_fax": "+41 22 730 5853",
            "reply_to_email": "tsbdir@itu.int",
            "is_demo": True,
            "status": Circular.Status.DRAFT,
            "published_at": None,
            "closed_at": None,
        },
    )
    _copies(circular)
    drafts = [
        (
            "ITU-T X.DEMO1",
            "X.demo-a",
            DraftRecommendation.Kind.NEW,
            "Demonstration draft: security guidelines for a fictitious protocol",
        ),
        (
            "ITU-T X.DEMO2",
            "X.demo-b",
            DraftRecommendation.Kind.REVISED,
            "Demonstration draft: revised fictitious framework",
        ),
        (
            "ITU-T X.DEMO3",
            "",
            DraftRecommendation.Kind.AMENDMENT,
            "Demonstration draft: amendment 1 to a fictitious Recommendation",
        ),
    ]
    for order, (number, former, kind, title) in enumerate(drafts, start=1):
        DraftRecommendation.objects.update_or_create(
            circular=circular,
            order=order,
            defaults={
                "number": number,
                "former_name": former,
                "kind": kind,
                "document_ref": f"SG17-DEMO{order}",
                "title": title,
                "summary": "Fictitious text for demonstration; not an ITU-T draft.",
                "a5_note": A5_NONE,
                "ipr_note": IPR_NONE,
            },
        )
    from consultation.services import circular_publish

    return circular_publish(circular_id=circular.pk, actor=admin, now=now)


def _demo_replies(circular: Circular, officials: dict[str, Official]) -> None:
    """A few replies to Circular 205, marked as demonstration data (not real positions)."""
    draft = circular.drafts.get(order=1)
    decisions = {
        "CHE": ReplyPosition.Decision.AUTHORIZE_NO_COMMENTS,
        "BRA": ReplyPosition.Decision.AUTHORIZE_WITH_COMMENTS,
    }
    submitted_at = datetime.datetime(2020, 2, 14, 10, 0, tzinfo=datetime.UTC)
    for alpha3, decision in decisions.items():
        official = officials[alpha3]
        reply, created = Reply.objects.get_or_create(
            circular=circular,
            member_state=official.member_state,
            defaults={
                "status": Reply.Status.SUBMITTED,
                "from_name": official.user.get_full_name(),
                "from_title": official.official_title,
                "from_address": official.postal_address,
                "from_email": official.user.email,
                "place": "Demonstration",
                "signed_on": submitted_at.date(),
                "version": 1,
                "submitted_at": submitted_at,
                "submitted_by": official.user,
                "channel": Reply.Channel.PORTAL,
                "is_demo": True,
            },
        )
        if created:
            ReplyPosition.objects.create(
                reply=reply,
                draft=draft,
                decision=decision,
                comments="Demonstration comment (not a real administration's position)."
                if decision == ReplyPosition.Decision.AUTHORIZE_WITH_COMMENTS
                else "",
            )
            from consultation.services.replies import _freeze_version

            version = _freeze_version(
                reply,
                number=1,
                received_at=submitted_at,
                channel=Reply.Channel.PORTAL,
                is_late=False,
                submitted_by=official.user,
                entered_by=None,
                ip_address=None,
            )
            ReplyEvent.objects.create(
                reply=reply,
                kind=ReplyEvent.Kind.SUBMITTED,
                actor=official.user,
                at=submitted_at,
                version=1,
                detail={"demo": True, "sha256": version.sha256},
            )


def _q5051_approved(circular: Circular, admin: User, now: datetime.datetime) -> None:
    """A public fact: Q.5051 was approved under TAP at the meeting's end, on 2020-03-13 (ITU-T
    work programme). Recorded as TSB would record the meeting's decision, when the demo data
    is loaded (the time of the real recording is not known and is not invented)."""
    from consultation.models import DraftOutcome

    draft = circular.drafts.get(number="ITU-T Q.5051")
    if draft.outcomes.exists():
        return
    DraftOutcome.objects.create(
        draft=draft,
        decision=DraftOutcome.Decision.APPROVED,
        meeting_last_day=circular.meeting.ends_on,
        note="Historical fact loaded with the demo data: approved on 2020-03-13 under TAP "
        "(ITU-T work programme).",
        actor=admin,
        at=now,
    )


def demo_load(*, now: datetime.datetime | None = None) -> list[DemoLogin]:
    """Load (or refresh) the demo data; return the demo logins to print."""
    now = now or timezone.now()
    logins: list[DemoLogin] = []
    # Texts given without a language are the English ones (django-modeltranslation writes a
    # plain field in the active language).
    with transaction.atomic(), translation.override("en"):
        admin = _user(
            "tsb.admin@example.org", first="TSB", last="Administrator", staff=True, superuser=True
        )
        logins.append(DemoLogin("TSB administrator (superuser)", admin.email))
        secretary = _user("tsb.secretary@example.org", first="TSB", last="Secretary", staff=True)
        secretary.groups.add(_tsb_group())
        logins.append(DemoLogin("TSB secretary (staff)", secretary.email))
        officials: dict[str, Official] = {}
        for alpha3 in DEMO_STATES:
            state = MemberState.objects.get(alpha3=alpha3)
            for role in (Official.Role.SIGNATORY, Official.Role.DRAFTER):
                email = f"{role}.{alpha3.lower()}@example.org"
                user = _user(email, first=role.label.split(" ")[0], last=f"({state.name})")
                official, _ = Official.objects.get_or_create(
                    user=user,
                    defaults={
                        "member_state": state,
                        "role": role,
                        "official_title": "Head of ITU affairs (demo)"
                        if role == Official.Role.SIGNATORY
                        else "Policy officer (demo)",
                        "postal_address": f"Demonstration administration of {state.name}",
                        "granted_by": admin,
                    },
                )
                if role == Official.Role.SIGNATORY:
                    officials[alpha3] = official
                    _give_demo_totp(user)  # signatories must use two-factor authentication
                logins.append(DemoLogin(f"{role.label.split(' ')[0]} of {state.name}", email))
        observer_user = _user("observer@example.org", first="Sector", last="Member")
        Observer.objects.get_or_create(
            user=observer_user,
            defaults={
                "category": ObserverCategory.SECTOR_MEMBER,
                "organization": "Demonstration operator",
                "granted_by": admin,
            },
        )
        logins.append(DemoLogin("Observer (ITU-T Sector Member, reads only)", observer_user.email))
        circular_205 = _circular_205(admin)
        _demo_replies(circular_205, officials)
        # Closed at its deadline: its results are frozen then, like any closed circular's.
        from consultation import results

        results.freeze(circular_205, now=circular_205.closed_at or now)
        _q5051_approved(circular_205, admin, now)
        _live_circular(admin, now)
    return logins

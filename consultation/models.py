"""The consultation: circulars, their draft Recommendations, and Member States' replies.

Fields, constraints, status enums and cheap properties only; every write goes through
services.py, every non-trivial read through selectors.py, the Resolution 1 arithmetic
lives in rules.py.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import formats, timezone, translation
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from accounts.models import AppendOnlyModel, MemberState, ObserverCategory
from consultation import rules

# Held in six languages: the admin proposes each in every language from our catalogs
# (consultation.admin.CircularAdmin.get_changeform_initial_data), not as a model default,
# which django-modeltranslation would copy, in English, into every language's column.
DEFAULT_LEGAL_BASIS = gettext_noop("WTSA Resolution 1 (Rev. Hammamet, 2016), section 9.4")
DEFAULT_ADDRESSEES = gettext_noop("Administrations of ITU Member States")


def standard_texts() -> dict[str, str]:
    """The standard addressees and legal basis of a circular, in each of the six languages,
    as column values (`addressees_fr`, `legal_basis_zh_hans` ...)."""
    from modeltranslation.settings import AVAILABLE_LANGUAGES
    from modeltranslation.utils import build_localized_fieldname

    texts = {}
    for language in AVAILABLE_LANGUAGES:
        with translation.override(language):
            texts[build_localized_fieldname("addressees", language)] = gettext(DEFAULT_ADDRESSEES)
            texts[build_localized_fieldname("legal_basis", language)] = gettext(DEFAULT_LEGAL_BASIS)
    return texts


TSB_ADDRESS = "Place des Nations\nCH-1211 Geneva 20\nSwitzerland"
DEFAULT_REMINDER_OFFSETS = "14d, 7d, 2d, 24h"


def validate_reminder_offsets(value: str) -> None:
    from django.core.exceptions import ValidationError

    try:
        rules.parse_offsets(value)
    except ValueError as exc:
        raise ValidationError(str(exc), code="invalid") from None


class StudyGroup(models.Model):
    number = models.PositiveSmallIntegerField(_("number"), unique=True)
    title = models.CharField(_("title"), max_length=300)

    class Meta:
        verbose_name = _("study group")
        verbose_name_plural = _("study groups")
        ordering = ["number"]

    def __str__(self) -> str:
        return f"SG{self.number}"


class Meeting(models.Model):
    study_group = models.ForeignKey(
        StudyGroup, on_delete=models.PROTECT, related_name="meetings", verbose_name=_("study group")
    )
    place = models.CharField(_("place"), max_length=200)
    starts_on = models.DateField(_("first day"))
    ends_on = models.DateField(_("last day"))
    collective_letter = models.CharField(
        _("collective letter"),
        max_length=50,
        blank=True,
        help_text=_('The letter that carries the agenda, e.g. "9/11".'),
    )

    class Meta:
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        ordering = ["-starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")), name="meeting_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return gettext("%(group)s, %(place)s, %(start)s to %(end)s") % {
            "group": self.study_group,
            "place": self.place,
            "start": formats.date_format(self.starts_on, "DATE_FORMAT"),
            "end": formats.date_format(self.ends_on, "DATE_FORMAT"),
        }


class Circular(models.Model):
    """A TSB circular that opens a Member State consultation (Resolution 1, 9.4)."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")
        CLOSED = "closed", _("Closed")

    class Procedure(models.TextChoices):
        TAP = "tap", _("Traditional Approval Process (TAP)")

    class Kind(models.TextChoices):
        CONSULTATION = "consultation", _("Member State consultation (9.4)")
        APPROVAL_NOTICE = "approval_notice", _("Approval notice (9.6)")

    kind = models.CharField(
        _("kind"),
        max_length=20,
        choices=Kind.choices,
        default=Kind.CONSULTATION,
        help_text=_(
            "A consultation asks the Member States; an approval notice announces, after the "
            "meeting, which texts were approved (Resolution 1, 9.6) and takes no replies."
        ),
    )
    number = models.PositiveIntegerField(_("number"))
    study_period = models.CharField(
        _("study period"),
        max_length=9,
        help_text=_('TSB numbers circulars anew each study period, e.g. "2017-2020".'),
    )
    issued_on = models.DateField(
        _("date of issue"),
        null=True,
        blank=True,
        help_text=_(
            "The date on the letter. Set when the circular is published if left empty; "
            "empty only for a historical circular whose copy carries no date."
        ),
    )
    reference = models.CharField(_("TSB reference"), max_length=50, help_text=_('e.g. "SG11/DA"'))
    contact_name = models.CharField(_("contact"), max_length=200, blank=True)
    contact_phone = models.CharField(_("telephone"), max_length=50, blank=True)
    contact_fax = models.CharField(_("fax"), max_length=50, blank=True)
    contact_email = models.EmailField(_("e-mail"), blank=True)
    study_group = models.ForeignKey(
        StudyGroup,
        on_delete=models.PROTECT,
        related_name="circulars",
        verbose_name=_("study group"),
    )
    meeting = models.ForeignKey(
        Meeting, on_delete=models.PROTECT, related_name="circulars", verbose_name=_("meeting")
    )
    subject = models.TextField(_("subject"))
    procedure = models.CharField(
        _("procedure"), max_length=10, choices=Procedure.choices, default=Procedure.TAP
    )
    legal_basis = models.CharField(_("legal basis"), max_length=200)
    body = models.TextField(_("text of the letter"), blank=True)
    original_language = models.CharField(
        _("language of the text as issued"),
        max_length=10,
        choices=settings.LANGUAGES,
        default="en",
        help_text=_(
            "The language of the edition TSB issued and holds as the original; the texts in "
            "the other languages are shown as translations of it."
        ),
    )
    deadline = models.DateTimeField(
        _("deadline for replies (UTC)"),
        null=True,
        blank=True,
        help_text=_("Replies received after this second are late and do not count."),
    )
    reminder_offsets = models.CharField(  # parsed by rules.parse_offsets
        _("reminders before the deadline"),
        max_length=100,
        default=DEFAULT_REMINDER_OFFSETS,
        blank=True,
        validators=[validate_reminder_offsets],
        help_text=_(
            'Comma separated, in days (d) or hours (h), e.g. "14d, 7d, 2d, 24h". Sent to the '
            "officials of Member States that have not submitted. Empty: no reminders."
        ),
    )
    addressees = models.TextField(_("addressees (may reply)"))
    director_name = models.CharField(_("Director of TSB (signatory)"), max_length=200)
    reply_to_address = models.TextField(_("replies to: address"), default=TSB_ADDRESS)
    reply_to_fax = models.CharField(_("replies to: fax"), max_length=50, blank=True)
    reply_to_email = models.EmailField(_("replies to: e-mail"), blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    is_demo = models.BooleanField(
        _("demonstration data"),
        default=False,
        help_text=_("Shown as demonstration data wherever it appears."),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("circular")
        verbose_name_plural = _("circulars")
        ordering = ["-study_period", "-number"]
        permissions = [
            ("publish_circular", _("Can publish a circular")),
            ("close_circular", _("Can close a circular")),
            ("export_circular", _("Can export results")),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["study_period", "number"], name="circular_number_unique_in_period"
            ),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(deadline__isnull=False) | Q(kind="approval_notice"),
                name="circular_published_has_deadline",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["consultation", "approval_notice"]),
                name="circular_kind_valid",
            ),
            models.CheckConstraint(
                condition=~Q(status="closed") | Q(closed_at__isnull=False),
                name="circular_closed_has_closed_at",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["draft", "published", "closed"]),
                name="circular_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return gettext("TSB Circular %(number)s") % {"number": self.number}

    @property
    def is_notice(self) -> bool:
        return self.kind == self.Kind.APPROVAL_NOTICE

    @property
    def is_open_for_replies(self) -> bool:
        """Published and before the deadline (the server clock, UTC); never a notice."""
        return (
            self.kind == self.Kind.CONSULTATION
            and self.status == self.Status.PUBLISHED
            and self.deadline is not None
            and timezone.now() <= self.deadline.replace(microsecond=999999)
        )


class CircularCopy(models.Model):
    """One line of a circular's copy list: informed, may read, may not reply."""

    circular = models.ForeignKey(
        Circular, on_delete=models.CASCADE, related_name="copies", verbose_name=_("circular")
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    category = models.CharField(_("category"), max_length=20, choices=ObserverCategory.choices)
    label = models.CharField(
        _("as printed"), max_length=300, help_text=_('e.g. "Associates of ITU-T Study Group 11"')
    )

    class Meta:
        verbose_name = _("copy to")
        verbose_name_plural = _("copies to")
        ordering = ["circular", "order"]
        constraints = [
            models.UniqueConstraint(fields=["circular", "category"], name="copy_once_per_category"),
        ]

    def __str__(self) -> str:
        return self.label


class CircularEvent(AppendOnlyModel):
    """Append-only record of a circular's transitions: who, what, when, from where."""

    circular = models.ForeignKey(
        Circular, on_delete=models.PROTECT, related_name="events", verbose_name=_("circular")
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    from_status = models.CharField(_("from"), max_length=20, blank=True)
    to_status = models.CharField(_("to"), max_length=20)
    at = models.DateTimeField(_("at"), default=timezone.now)
    ip_address = models.GenericIPAddressField(_("from address"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("circular event")
        verbose_name_plural = _("circular events")
        ordering = ["circular", "at", "pk"]

    def __str__(self) -> str:
        return f"{self.circular}: {self.from_status or '-'} → {self.to_status}"


class DraftRecommendation(models.Model):
    """A draft text listed in a circular's Annex 1 and answered in its Annex 2."""

    class Kind(models.TextChoices):
        NEW = "new", _("new Recommendation")
        REVISED = "revised", _("revised Recommendation")
        AMENDMENT = "amendment", _("amendment")

    circular = models.ForeignKey(
        Circular, on_delete=models.PROTECT, related_name="drafts", verbose_name=_("circular")
    )
    order = models.PositiveSmallIntegerField(_("order in the circular"), default=1)
    number = models.CharField(_("number"), max_length=50, help_text=_('e.g. "ITU-T Q.5051"'))
    former_name = models.CharField(
        _("former provisional name"), max_length=50, blank=True, help_text=_('e.g. "Q.FW_CSM"')
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.NEW)
    document_ref = models.CharField(
        _("document reference"), max_length=50, blank=True, help_text=_('e.g. "SG11-R25"')
    )
    title = models.CharField(_("title"), max_length=500)
    summary = models.TextField(_("summary"), blank=True)
    a5_note = models.TextField(_("A.5 justification note"), blank=True)
    ipr_note = models.TextField(_("IPR note"), blank=True)

    class Meta:
        verbose_name = _("draft Recommendation")
        verbose_name_plural = _("draft Recommendations")
        ordering = ["circular", "order"]
        constraints = [
            models.UniqueConstraint(fields=["circular", "order"], name="draft_order_unique"),
            models.UniqueConstraint(fields=["circular", "number"], name="draft_number_unique"),
            models.CheckConstraint(
                condition=Q(kind__in=["new", "revised", "amendment"]), name="draft_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        if self.former_name:
            return gettext("%(number)s (ex %(former)s)") % {
                "number": self.number,
                "former": self.former_name,
            }
        return self.number


class Reply(models.Model):
    """A Member State's reply to a circular (Annex 2): at most one per circular.

    Revisions do not create new replies: `version` counts the submissions, and every
    submitted version is kept (reply history comes with the reply issue).
    """

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")

    class Channel(models.TextChoices):
        PORTAL = "portal", _("Portal")
        EMAIL = "email", _("E-mail")
        FAX = "fax", _("Fax")
        LETTER = "letter", _("Letter")

    circular = models.ForeignKey(
        Circular, on_delete=models.PROTECT, related_name="replies", verbose_name=_("circular")
    )
    member_state = models.ForeignKey(
        MemberState,
        on_delete=models.PROTECT,
        related_name="replies",
        verbose_name=_("Member State"),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    # The Annex 2 header ("From").
    from_address = models.TextField(_("address"), blank=True)
    from_name = models.CharField(_("name"), max_length=200, blank=True)
    from_title = models.CharField(_("official title"), max_length=200, blank=True)
    from_fax = models.CharField(_("fax"), max_length=50, blank=True)
    from_email = models.EmailField(_("e-mail"), blank=True)
    place = models.CharField(_("place"), max_length=200, blank=True)
    signed_on = models.DateField(_("date"), null=True, blank=True)
    # The latest submission.
    version = models.PositiveIntegerField(_("version"), default=0)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("submitted by"),
    )
    channel = models.CharField(
        _("channel"), max_length=20, choices=Channel.choices, default=Channel.PORTAL
    )
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("entered by (TSB)"),
        help_text=_("For a reply received by e-mail, fax or letter and recorded by TSB."),
    )
    is_late = models.BooleanField(
        _("late"), default=False, help_text=_("Received after the deadline: does not count.")
    )
    # Optimistic lock: every save of the working copy increments it.
    revision = models.PositiveIntegerField(_("revision"), default=0, editable=False)
    # The revision of the working copy that the latest version froze: when `revision` has
    # moved on, the working copy holds changes that have not been submitted.
    submitted_revision = models.PositiveIntegerField(
        _("submitted revision"), default=0, editable=False
    )
    is_demo = models.BooleanField(_("demonstration data"), default=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("reply")
        verbose_name_plural = _("replies")
        ordering = ["circular", "member_state__name"]
        permissions = [("export_reply", _("Can export replies"))]
        constraints = [
            models.UniqueConstraint(
                fields=["circular", "member_state"], name="reply_one_per_member_state"
            ),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(submitted_at__isnull=False, version__gte=1),
                name="reply_submitted_has_time_and_version",
            ),
            models.CheckConstraint(
                condition=Q(channel="portal") | Q(entered_by__isnull=False) | Q(status="draft"),
                name="reply_offline_has_entered_by",
            ),
        ]

    def __str__(self) -> str:
        return gettext("%(state)s to %(circular)s") % {
            "state": self.member_state,
            "circular": self.circular,
        }

    @property
    def has_unsubmitted_changes(self) -> bool:
        return self.status == self.Status.SUBMITTED and self.revision != self.submitted_revision


class ReplyPosition(models.Model):
    """The box ticked for one draft in a reply."""

    class Decision(models.TextChoices):
        AUTHORIZE_NO_COMMENTS = (
            "authorize",
            _("Authorizes consideration for approval: no comments or proposed changes"),
        )
        AUTHORIZE_WITH_COMMENTS = (
            "authorize_comments",
            _("Authorizes consideration for approval: comments and proposed changes attached"),
        )
        DO_NOT_AUTHORIZE = (
            "do_not_authorize",
            _(
                "Does not authorize consideration for approval "
                "(reasons and possible changes attached)"
            ),
        )

    SUPPORTING = (Decision.AUTHORIZE_NO_COMMENTS, Decision.AUTHORIZE_WITH_COMMENTS)

    reply = models.ForeignKey(
        Reply, on_delete=models.CASCADE, related_name="positions", verbose_name=_("reply")
    )
    draft = models.ForeignKey(
        DraftRecommendation,
        on_delete=models.PROTECT,
        related_name="positions",
        verbose_name=_("draft Recommendation"),
    )
    decision = models.CharField(_("decision"), max_length=30, choices=Decision.choices, blank=True)
    comments = models.TextField(_("comments and proposed changes"), blank=True)
    reasons = models.TextField(_("reasons for not authorizing"), blank=True)
    possible_changes = models.TextField(
        _("possible changes that would let the work progress"), blank=True
    )

    class Meta:
        verbose_name = _("position")
        verbose_name_plural = _("positions")
        ordering = ["reply", "draft__order"]
        constraints = [
            models.UniqueConstraint(fields=["reply", "draft"], name="position_one_per_draft"),
            models.CheckConstraint(
                condition=Q(
                    decision__in=["", "authorize", "authorize_comments", "do_not_authorize"]
                ),
                name="position_decision_valid",
            ),
        ]
        # The draft must belong to the reply's circular: enforced by a database trigger
        # (migration 0002_position_draft_same_circular), since Django cannot declare a
        # constraint across two tables.

    def __str__(self) -> str:
        return f"{self.reply}: {self.draft}: {self.get_decision_display() or '-'}"

    @property
    def is_supporting(self) -> bool:
        return self.decision in self.SUPPORTING


def attachment_upload_to(instance: Attachment, filename: str) -> str:
    """A name the server makes: nothing of the uploaded name reaches the file system."""
    import uuid

    return f"replies/{instance.reply.circular_id}/{instance.reply_id}/{uuid.uuid4().hex}.bin"


class Attachment(models.Model):
    """A file attached to a reply: comments, reasons, or TSB's scan of a paper reply."""

    class Kind(models.TextChoices):
        COMMENTS = "comments", _("Comments and proposed changes")
        REASONS = "reasons", _("Reasons and possible changes")
        SCANNED_ORIGINAL = "scan", _("Scanned original reply")
        OTHER = "other", _("Other")

    reply = models.ForeignKey(
        Reply, on_delete=models.PROTECT, related_name="attachments", verbose_name=_("reply")
    )
    position = models.ForeignKey(
        ReplyPosition,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="attachments",
        verbose_name=_("position"),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    file = models.FileField(_("file"), upload_to=attachment_upload_to, max_length=300)
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)
    removed_at = models.DateTimeField(_("removed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["reply", "uploaded_at"]

    def __str__(self) -> str:
        return self.original_name


class ReplyEvent(AppendOnlyModel):
    """Append-only record of every change of a reply: who, what, when, from where."""

    class Kind(models.TextChoices):
        CREATED = "created", _("Created")
        SAVED = "saved", _("Draft saved")
        SUBMITTED = "submitted", _("Submitted")
        RECORDED = "recorded", _("Recorded by TSB")

    reply = models.ForeignKey(
        Reply, on_delete=models.PROTECT, related_name="events", verbose_name=_("reply")
    )
    kind = models.CharField(_("what"), max_length=30, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    at = models.DateTimeField(_("at"), default=timezone.now)
    ip_address = models.GenericIPAddressField(_("from address"), null=True, blank=True)
    version = models.PositiveIntegerField(_("version"), default=0)
    detail = models.JSONField(_("detail"), default=dict, blank=True)

    class Meta:
        verbose_name = _("reply event")
        verbose_name_plural = _("reply events")
        ordering = ["reply", "at", "pk"]

    def __str__(self) -> str:
        return f"{self.reply}: {self.get_kind_display()}"


class ReplyVersion(models.Model):
    """One submission of a reply, frozen: what was sent, when, by whom, and its SHA-256.

    Every submission is kept. The tally counts, per Member State, the latest version received
    on time (rules.tally); a version received after the deadline is kept and marked late.
    """

    reply = models.ForeignKey(
        Reply, on_delete=models.PROTECT, related_name="versions", verbose_name=_("reply")
    )
    number = models.PositiveIntegerField(_("version"))
    received_at = models.DateTimeField(
        _("received at"), help_text=_("Submission time on the portal; arrival time otherwise.")
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("signatory"),
    )
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("entered by (TSB)"),
    )
    channel = models.CharField(_("channel"), max_length=20, choices=Reply.Channel.choices)
    is_late = models.BooleanField(_("late"), default=False)
    signatory_name = models.CharField(_("signed by"), max_length=200, blank=True)
    content = models.JSONField(_("content"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    ip_address = models.GenericIPAddressField(_("from address"), null=True, blank=True)

    class Meta:
        verbose_name = _("reply version")
        verbose_name_plural = _("reply versions")
        ordering = ["reply", "number"]
        constraints = [
            models.UniqueConstraint(fields=["reply", "number"], name="reply_version_unique"),
            models.CheckConstraint(condition=Q(number__gte=1), name="reply_version_positive"),
            models.CheckConstraint(
                condition=Q(channel="portal", submitted_by__isnull=False)
                | Q(~Q(channel="portal"), entered_by__isnull=False),
                name="reply_version_has_author",
            ),
        ]

    def __str__(self) -> str:
        return gettext("%(reply)s, version %(number)s") % {
            "reply": self.reply,
            "number": self.number,
        }


class ReplyVersionPosition(models.Model):
    """The decision of one version on one draft, kept as a row so results can be aggregated."""

    version = models.ForeignKey(
        ReplyVersion, on_delete=models.PROTECT, related_name="positions", verbose_name=_("version")
    )
    draft = models.ForeignKey(
        DraftRecommendation,
        on_delete=models.PROTECT,
        related_name="version_positions",
        verbose_name=_("draft Recommendation"),
    )
    decision = models.CharField(
        _("decision"), max_length=30, choices=ReplyPosition.Decision.choices
    )
    has_comments = models.BooleanField(_("comments, reasons or attachments"), default=False)

    class Meta:
        verbose_name = _("version position")
        verbose_name_plural = _("version positions")
        ordering = ["version", "draft__order"]
        constraints = [
            models.UniqueConstraint(fields=["version", "draft"], name="version_position_unique"),
            models.CheckConstraint(
                condition=Q(decision__in=["authorize", "authorize_comments", "do_not_authorize"]),
                name="version_position_decision_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.version}: {self.draft}: {self.decision}"


class Notification(models.Model):
    """One e-mail to one recipient, recorded before it is sent: the portal's "sent once" list.

    `dedupe_key` is unique: whoever inserts first owns the e-mail, so a retried task, a second
    beat or a worker restarted after a crash can never queue it twice. Delivery locks the row,
    sends and marks it sent in one transaction (services/notifications.py).
    """

    class Kind(models.TextChoices):
        NOTICE = "notice", _("Notice of a new consultation")
        REMINDER = "reminder", _("Reminder before the deadline")
        RECEIPT = "receipt", _("Receipt to the signatory")
        RECEIPT_COPY = "receipt_copy", _("Copy of a receipt")
        SUMMARY = "summary", _("Closing summary to TSB")
        APPROVAL_NOTICE = "approval_notice", _("Approval notice")
        MORE_TIME_REMINDER = "more_time_reminder", _("Reminder before the end of more time")
        OPPOSITION_RECEIPT = "opposition_receipt", _("Receipt of a formal opposition")
        WINDOW_ENDED = "window_ended", _("End of more time, to TSB")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting to be sent")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Not sent (no longer due)")

    circular = models.ForeignKey(
        Circular, on_delete=models.PROTECT, related_name="notifications", verbose_name=_("circular")
    )
    member_state = models.ForeignKey(
        MemberState,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="notifications",
        verbose_name=_("Member State"),
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="notifications",
        verbose_name=_("recipient"),
    )
    email = models.EmailField(_("e-mail address"))
    language = models.CharField(_("language"), max_length=10, default="en")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    key = models.CharField(
        _("occasion"), max_length=50, blank=True, help_text=_('e.g. "14d" or "version 2"')
    )
    dedupe_key = models.CharField(_("unique key"), max_length=400, unique=True)
    context = models.JSONField(_("context"), default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("queued at"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    message_id = models.CharField(_("message ID"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "created_at"], name="notification_due")]
        permissions = [("resend_notification", _("Can resend a notification"))]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} to {self.email} ({self.circular})"

    @staticmethod
    def make_key(
        *, circular_id: int, member_state_id: int | None, email: str, kind: str, key: str = ""
    ) -> str:
        return f"{circular_id}:{member_state_id or '-'}:{email.lower()}:{kind}:{key}"


class DeliveredMail(models.Model):
    """A mail delivered by the database mail backend (consultation.mail).

    For the local demo and the tests: mails land here, in the same transaction that marks
    their notification sent, instead of leaving through SMTP. Production uses SMTP.
    """

    message_id = models.CharField(_("message ID"), max_length=300)
    notification_key = models.CharField(_("notification"), max_length=400, blank=True)
    from_email = models.CharField(_("from"), max_length=300)
    to = models.TextField(_("to"))
    subject = models.CharField(_("subject"), max_length=500)
    body = models.TextField(_("text"))
    html = models.TextField(_("HTML"), blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), default=timezone.now)

    class Meta:
        verbose_name = _("delivered mail (demo and tests)")
        verbose_name_plural = _("delivered mails (demo and tests)")
        ordering = ["-delivered_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.subject} to {self.to}"


class CircularResult(models.Model):
    """The results of a circular frozen at closing, with their time and SHA-256, so that
    later edits cannot rewrite history (consultation.results)."""

    circular = models.OneToOneField(
        Circular, on_delete=models.PROTECT, related_name="result", verbose_name=_("circular")
    )
    taken_at = models.DateTimeField(_("frozen at"))
    data = models.JSONField(_("results"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)

    class Meta:
        verbose_name = _("frozen result")
        verbose_name_plural = _("frozen results")

    def __str__(self) -> str:
        return f"{self.circular} ({self.taken_at:%Y-%m-%d %H:%M} UTC)"


class ExportJob(models.Model):
    """A large replies export built by a Celery worker, kept for TSB for a set time.

    The worker writes the file in the default storage as the rows come (the same columns and
    escaping as the admin's export) and records its progress; TSB downloads it, behind the
    export permission, until it expires (settings.EXPORT_KEEP_SECONDS)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting for a worker")
        RUNNING = "running", _("being written")
        DONE = "done", _("ready")
        FAILED = "failed", _("failed")
        EXPIRED = "expired", _("expired (file deleted)")

    class Format(models.TextChoices):
        XLSX = "xlsx", "XLSX"
        CSV = "csv", "CSV"
        JSON = "json", "JSON"

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("requested by"),
    )
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    format = models.CharField(_("format"), max_length=10, choices=Format.choices)
    circular = models.ForeignKey(
        Circular,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("circular"),
        help_text=_("Empty: the replies of every circular."),
    )
    query = models.TextField(
        _("filters"),
        blank=True,
        help_text=_(
            "The replies list's filters and search, as its address gives them (status, "
            "channel, late, region, circular, demonstration data, search): the worker "
            "exports the replies that list shows."
        ),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PENDING
    )
    rows_done = models.PositiveIntegerField(_("rows written"), default=0)
    rows_total = models.PositiveIntegerField(_("rows in all"), null=True, blank=True)
    file = models.FileField(_("file"), upload_to="exports/", blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    expires_at = models.DateTimeField(_("kept until"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("large export")
        verbose_name_plural = _("large exports")
        ordering = ["-requested_at", "-pk"]

    def __str__(self) -> str:
        return gettext("Replies export %(number)s") % {"number": self.pk}

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        if not self.rows_total:
            return 0
        return min(99, 100 * self.rows_done // self.rows_total)


# --- Stage two: the meeting's decision, "more time", the approval notice (9.5, 9.6) -------------


class DraftOutcome(AppendOnlyModel):
    """What was decided on a draft after its consultation, append-only: the meeting's
    decision as TSB recorded it, and the end of a "more time" window as the portal recorded
    it. The latest counts; a correction is a new record, the earlier one stays."""

    class Decision(models.TextChoices):
        NOT_CONSIDERED = rules.NOT_CONSIDERED, _("Not considered (under 70 per cent)")
        APPROVED = rules.APPROVED, _("Considered and approved")
        APPROVED_WITH_RESERVATIONS = (
            rules.APPROVED_WITH_RESERVATIONS,
            _("Approved, with reservations"),
        )
        NOT_APPROVED = rules.NOT_APPROVED, _("Not approved (opposed)")
        MORE_TIME = rules.MORE_TIME, _("More time requested")
        WINDOW_APPROVED = rules.WINDOW_APPROVED, _("Approved: no formal opposition in time")
        WINDOW_NOT_APPROVED = (
            rules.WINDOW_NOT_APPROVED,
            _("Not approved: formal opposition in time"),
        )

    MEETING_DECISIONS = rules.MEETING_DECISIONS

    draft = models.ForeignKey(
        DraftRecommendation,
        on_delete=models.PROTECT,
        related_name="outcomes",
        verbose_name=_("draft Recommendation"),
    )
    decision = models.CharField(_("decision"), max_length=30, choices=Decision.choices)
    meeting_last_day = models.DateField(
        _("last day of the meeting"),
        help_text=_('Day 0 of the 4-week "more time" window and of the approval notice.'),
    )
    note = models.TextField(_("note"), blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    at = models.DateTimeField(_("at"), default=timezone.now)
    ip_address = models.GenericIPAddressField(_("from address"), null=True, blank=True)

    class Meta:
        verbose_name = _("meeting decision")
        verbose_name_plural = _("meeting decisions")
        ordering = ["draft", "at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    decision__in=[
                        rules.NOT_CONSIDERED,
                        rules.APPROVED,
                        rules.APPROVED_WITH_RESERVATIONS,
                        rules.NOT_APPROVED,
                        rules.MORE_TIME,
                        rules.WINDOW_APPROVED,
                        rules.WINDOW_NOT_APPROVED,
                    ]
                ),
                name="draft_outcome_decision_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.draft}: {self.get_decision_display()}"


class OutcomeStatement(AppendOnlyModel):
    """What one Member State's delegation said on a draft at the meeting (9.5): a
    reservation (noted in the report), an abstention, an opposition, or a request for more
    time; with its text."""

    class Kind(models.TextChoices):
        RESERVATION = rules.RESERVATION, _("Reservation")
        ABSTENTION = rules.ABSTENTION, _("Abstention")
        OPPOSITION = rules.OPPOSITION, _("Opposition")
        MORE_TIME = rules.ASKED_MORE_TIME, _("Asked for more time")

    outcome = models.ForeignKey(
        DraftOutcome,
        on_delete=models.PROTECT,
        related_name="statements",
        verbose_name=_("meeting decision"),
    )
    member_state = models.ForeignKey(
        MemberState, on_delete=models.PROTECT, related_name="+", verbose_name=_("Member State")
    )
    kind = models.CharField(_("what"), max_length=20, choices=Kind.choices)
    text = models.TextField(_("text"), blank=True)

    class Meta:
        verbose_name = _("statement at the meeting")
        verbose_name_plural = _("statements at the meeting")
        ordering = ["outcome", "member_state__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["outcome", "member_state"], name="statement_once_per_member_state"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=list(rules.STATEMENT_KINDS)), name="statement_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member_state}: {self.get_kind_display()}"


class Opposition(AppendOnlyModel):
    """A Member State's formal opposition to a draft, sent within the 4-week "more time"
    window after its delegation asked for more time (9.5): signed, hashed, receipted."""

    outcome = models.ForeignKey(
        DraftOutcome,
        on_delete=models.PROTECT,
        related_name="oppositions",
        verbose_name=_("meeting decision"),
    )
    draft = models.ForeignKey(
        DraftRecommendation,
        on_delete=models.PROTECT,
        related_name="oppositions",
        verbose_name=_("draft Recommendation"),
    )
    member_state = models.ForeignKey(
        MemberState, on_delete=models.PROTECT, related_name="+", verbose_name=_("Member State")
    )
    text = models.TextField(_("reasons"))
    received_at = models.DateTimeField(_("received at"))
    is_late = models.BooleanField(_("late"), default=False)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("signatory"),
    )
    signatory_name = models.CharField(_("signed by"), max_length=200, blank=True)
    content = models.JSONField(_("content"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    ip_address = models.GenericIPAddressField(_("from address"), null=True, blank=True)

    class Meta:
        verbose_name = _("formal opposition")
        verbose_name_plural = _("formal oppositions")
        ordering = ["draft", "received_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["outcome", "member_state"], name="opposition_once_per_member_state"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member_state}: {self.draft}"


class NoticeDraft(models.Model):
    """A draft announced by an approval notice (a circular of kind "approval notice")."""

    notice = models.ForeignKey(
        Circular,
        on_delete=models.CASCADE,
        related_name="announced",
        verbose_name=_("approval notice"),
    )
    draft = models.ForeignKey(
        DraftRecommendation,
        on_delete=models.PROTECT,
        related_name="notices",
        verbose_name=_("draft Recommendation"),
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    status = models.CharField(_("as announced"), max_length=30)
    approved_on = models.DateField(_("approved on"), null=True, blank=True)

    class Meta:
        verbose_name = _("text announced")
        verbose_name_plural = _("texts announced")
        ordering = ["notice", "order"]
        constraints = [
            models.UniqueConstraint(fields=["notice", "draft"], name="notice_draft_once"),
        ]

    def __str__(self) -> str:
        return str(self.draft)

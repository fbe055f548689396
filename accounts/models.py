"""Who may act in the portal: users, Member States, officials bound to one Member State, and
observers who are on a circular's copy list.

This app never imports `consultation`.
"""

from __future__ import annotations

import datetime
from typing import Any, ClassVar

from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AppendOnlyModel(models.Model):
    """An audit record: written once, never changed (used by both apps' event models)."""

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not self._state.adding:
            raise ValueError(f"{type(self).__name__} records are append-only.")
        super().save(*args, **kwargs)


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra: Any) -> User:
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra)


class User(AbstractUser):
    """A person who logs in with an e-mail address."""

    username = None  # type: ignore[assignment]
    email = models.EmailField(_("e-mail address"), unique=True)
    language = models.CharField(
        _("preferred language"),
        max_length=10,
        choices=settings.LANGUAGES,
        default="",
        blank=True,
        help_text=_(
            "Language of the portal and of the e-mails sent to this person. Empty: the "
            "browser's language for pages, English for e-mails, until the person chooses one."
        ),
    )

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    objects = UserManager()  # type: ignore[assignment,misc]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["email"]

    @property
    def mail_language(self) -> str:
        """The language of the e-mails sent to this person: theirs, else the portal's."""
        return self.language or settings.LANGUAGE_CODE

    def __str__(self) -> str:
        full = self.get_full_name()
        return f"{full} <{self.email}>" if full else self.email


class Region(models.TextChoices):
    """ITU administrative regions."""

    A = "A", _("A: Americas")
    B = "B", _("B: Western Europe")
    C = "C", _("C: Eastern Europe and Northern Asia")
    D = "D", _("D: Africa")
    E = "E", _("E: Asia and Australasia")


class MemberStateQuerySet(models.QuerySet["MemberState"]):
    def members_on(self, day: datetime.date) -> MemberStateQuerySet:
        """Member States whose membership covers `day`.

        An empty joined_on means "member before the earliest circular the portal holds"
        (accounts/data/README.md). left_on is the first day a state is no longer a member.
        """
        return self.filter(
            Q(joined_on__isnull=True) | Q(joined_on__lte=day),
            Q(left_on__isnull=True) | Q(left_on__gt=day),
        )


class MemberState(models.Model):
    """An ITU Member State, whose administration answers consultations."""

    alpha2 = models.CharField(_("ISO 3166 alpha-2"), max_length=2, unique=True)
    alpha3 = models.CharField(_("ISO 3166 alpha-3"), max_length=3, unique=True)
    name = models.CharField(
        _("short name"),
        max_length=100,
        unique=True,
        help_text=_(
            'The short name ITU uses, e.g. "Korea (Rep. of)" in English; CLDR\'s name in the '
            "other languages unless ITU's usage differs."
        ),
    )
    region = models.CharField(_("ITU region"), max_length=1, choices=Region.choices)
    joined_on = models.DateField(
        _("member since"),
        null=True,
        blank=True,
        help_text=_("Empty: a member before the earliest circular the portal holds."),
    )
    left_on = models.DateField(
        _("member until"),
        null=True,
        blank=True,
        help_text=_("First day on which the state is no longer a member. Empty: still a member."),
    )
    note = models.CharField(_("note"), max_length=300, blank=True)

    objects = MemberStateQuerySet.as_manager()

    class Meta:
        verbose_name = _("Member State")
        verbose_name_plural = _("Member States")
        ordering = ["name"]
        permissions = [
            ("export_memberstate", _("Can export Member States")),
            ("import_memberstate", _("Can import Member States")),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(left_on__isnull=True)
                | Q(joined_on__isnull=True)
                | Q(left_on__gt=models.F("joined_on")),
                name="member_state_left_after_joined",
            ),
            models.CheckConstraint(
                condition=Q(region__in=["A", "B", "C", "D", "E"]), name="member_state_region_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def is_member_on(self, day: datetime.date) -> bool:
        return (self.joined_on is None or self.joined_on <= day) and (
            self.left_on is None or self.left_on > day
        )


class OfficialQuerySet(models.QuerySet["Official"]):
    def active(self) -> OfficialQuerySet:
        return self.filter(is_active=True, user__is_active=True)


class Official(models.Model):
    """A user bound by TSB to exactly one Member State's administration, with a role."""

    class Role(models.TextChoices):
        SIGNATORY = "signatory", _("Signatory (may submit the official reply)")
        DRAFTER = "drafter", _("Drafter (may prepare the reply)")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="official",
        verbose_name=_("user"),
    )
    member_state = models.ForeignKey(
        MemberState,
        on_delete=models.PROTECT,
        related_name="officials",
        verbose_name=_("Member State"),
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    is_active = models.BooleanField(
        _("active"), default=True, help_text=_("Unticked: the official reaches nothing.")
    )
    official_title = models.CharField(_("official title"), max_length=200, blank=True)
    postal_address = models.TextField(_("postal address"), blank=True)
    phone = models.CharField(_("telephone"), max_length=50, blank=True)
    fax = models.CharField(_("fax"), max_length=50, blank=True)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="officials_granted",
        verbose_name=_("granted by"),
    )
    granted_at = models.DateTimeField(_("granted at"), default=timezone.now)

    objects = OfficialQuerySet.as_manager()

    class Meta:
        verbose_name = _("official")
        verbose_name_plural = _("officials")
        permissions = [
            ("export_official", _("Can export officials")),
            ("import_official", _("Can import officials")),
        ]
        ordering = ["member_state__name", "user__email"]
        constraints = [
            models.CheckConstraint(
                condition=Q(role__in=["signatory", "drafter"]), name="official_role_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.member_state}, {self.get_role_display()})"

    @property
    def is_signatory(self) -> bool:
        return self.role == self.Role.SIGNATORY


class ObserverCategory(models.TextChoices):
    """Those a circular is copied to: they may read it, never reply."""

    SECTOR_MEMBER = "sector_member", _("ITU-T Sector Member")
    ASSOCIATE = "associate", _("Associate of a study group")
    ACADEMIA = "academia", _("ITU Academia")
    SG_CHAIR = "sg_chair", _("Chairman or Vice-Chairman of a study group")
    BDT_DIRECTOR = "bdt_director", _("Director of BDT")
    BR_DIRECTOR = "br_director", _("Director of BR")


class Observer(models.Model):
    """A user on the copy list of circulars: reads, never replies."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="observer",
        verbose_name=_("user"),
    )
    category = models.CharField(_("category"), max_length=20, choices=ObserverCategory.choices)
    organization = models.CharField(_("organization"), max_length=200, blank=True)
    study_group_number = models.PositiveSmallIntegerField(
        _("study group"),
        null=True,
        blank=True,
        help_text=_("For associates and chairmen: the study group they belong to."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="observers_granted",
        verbose_name=_("granted by"),
    )
    granted_at = models.DateTimeField(_("granted at"), default=timezone.now)

    class Meta:
        verbose_name = _("observer")
        verbose_name_plural = _("observers")
        ordering = ["category", "user__email"]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_category_display()})"


class AccountEvent(AppendOnlyModel):
    """Append-only record of what happened to an account: who, what, when, from where.

    Written only by the services in accounts/services.py. `actor` is empty when the person
    acted on their own account without a separate actor being meaningful (e.g. accepting an
    invitation is recorded with the invitee as both actor and subject).
    """

    class Kind(models.TextChoices):
        CREATED = "created", _("Official created")
        INVITED = "invited", _("Invitation sent")
        INVITATION_ACCEPTED = "invitation_accepted", _("Invitation accepted")
        DEACTIVATED = "deactivated", _("Deactivated")
        REACTIVATED = "reactivated", _("Reactivated")
        MFA_ACTIVATED = "mfa_activated", _("Two-factor authentication activated")
        MFA_DEACTIVATED = "mfa_deactivated", _("Two-factor authentication removed")

    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="account_events",
        verbose_name=_("account"),
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
    at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)
    ip_address = models.GenericIPAddressField(_("from address"), null=True, blank=True)
    detail = models.JSONField(_("detail"), default=dict, blank=True)

    class Meta:
        verbose_name = _("account event")
        verbose_name_plural = _("account events")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["subject", "at"], name="account_event_subject_at")]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    kind__in=[
                        "created",
                        "invited",
                        "invitation_accepted",
                        "deactivated",
                        "reactivated",
                        "mfa_activated",
                        "mfa_deactivated",
                    ]
                ),
                name="account_event_kind_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subject}: {self.get_kind_display()}"


class MemberStateEvent(AppendOnlyModel):
    """Append-only record of a Member State created or changed: by whom, when, from where.

    Written only by services.member_state_import_row (TSB's spreadsheet import, with the
    importing user and their address) and services.member_states_sync (the shipped register:
    no actor, no address). `detail` says where the values came from ("import" or
    "register") and, for each field written, its old and new value.
    """

    class Kind(models.TextChoices):
        CREATED = "created", _("Created")
        UPDATED = "updated", _("Updated")

    member_state = models.ForeignKey(
        MemberState,
        on_delete=models.PROTECT,
        related_name="events",
        verbose_name=_("Member State"),
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
    at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)
    ip_address = models.GenericIPAddressField(_("from address"), null=True, blank=True)
    detail = models.JSONField(_("detail"), default=dict, blank=True)

    class Meta:
        verbose_name = _("Member State event")
        verbose_name_plural = _("Member State events")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["member_state", "at"], name="member_state_event_state_at")]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["created", "updated"]),
                name="member_state_event_kind_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member_state}: {self.get_kind_display()}"


class AuditEvent(AppendOnlyModel):
    """The portal's one audit trail, for TSB to read, filter and export: every login (success
    and failure), two-factor failure, refusal, reply submission and revision, stand-in entry
    by TSB, export, import and admin change, with who, which Member State, when (UTC) and
    from where. Written by accounts.audit only; never a password, code or session key."""

    class Kind(models.TextChoices):
        LOGIN = "login", _("Login")
        LOGIN_FAILED = "login_failed", _("Login failed")
        MFA_FAILED = "mfa_failed", _("Two-factor code refused")
        LOGOUT = "logout", _("Logout")
        REFUSED = "refused", _("Access refused")
        SUBMITTED = "submitted", _("Reply submitted")
        REVISED = "revised", _("Reply revised")
        RECORDED = "recorded", _("Reply recorded by TSB (stand-in entry)")
        OPPOSITION = "opposition", _("Formal opposition sent")
        DECISION = "decision", _("Meeting decision recorded")
        EXPORTED = "exported", _("Export")
        IMPORTED = "imported", _("Import")
        ADMIN_CHANGE = "admin_change", _("Change in the admin")

    at = models.DateTimeField(_("at (UTC)"), default=timezone.now, db_index=True)
    kind = models.CharField(_("what"), max_length=20, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    login = models.CharField(
        _("login given"),
        max_length=254,
        blank=True,
        help_text=_("For a failed login: the address typed (never the password)."),
    )
    member_state = models.ForeignKey(
        MemberState,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("Member State"),
    )
    ip_address = models.GenericIPAddressField(_("from address"), null=True, blank=True)
    path = models.CharField(_("page"), max_length=300, blank=True)
    target = models.CharField(_("what it concerned"), max_length=300, blank=True)
    detail = models.JSONField(_("detail"), default=dict, blank=True)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit trail")
        ordering = ["-at", "-pk"]
        permissions = [("export_auditevent", _("Can export the audit trail"))]
        indexes = [models.Index(fields=["kind", "at"], name="audit_kind_at")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.get_kind_display()}"

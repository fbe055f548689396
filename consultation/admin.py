"""TSB's admin: CRUD, plus publish and close as confirmed actions backed by services."""

from __future__ import annotations

import datetime
import tempfile
from collections.abc import Callable, Sequence
from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.utils import quote, unquote
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Field, QuerySet
from django.forms.formsets import DELETION_FIELD_NAME
from django.forms.models import BaseInlineFormSet
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseNotAllowed,
    HttpResponseRedirect,
    StreamingHttpResponse,
)
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from import_export.admin import ExportMixin
from modeltranslation.admin import (
    TranslationAdmin,
    TranslationStackedInline,
    TranslationTabularInline,
)

from accounts.admin import ExportPermissionBase, LanguageColumnsMixin
from accounts.admin_actions import confirm_then_run
from accounts.audit import audit_record
from consultation import exports, rules, selectors, services
from consultation.models import (
    Attachment,
    Circular,
    CircularCopy,
    CircularEvent,
    DeliveredMail,
    DraftRecommendation,
    ExportJob,
    Meeting,
    Notification,
    Reply,
    ReplyEvent,
    ReplyPosition,
    ReplyVersion,
    StudyGroup,
    standard_texts,
)
from consultation.resources import ReplyPositionResource, ResultsResource
from consultation.translation import localized_fieldnames

# The Resolution 1 warning for a published or closed circular without a date of issue
# (rules.py's own text says that publishing will set it).
NO_DATE_ON_COPY = _(
    "The date of issue is not recorded (the copy of this circular carries none), so the "
    "3-month notice cannot be checked (Resolution 1, 9.3)."
)

# What TSB may still correct once a circular is published (contact details, and the IPR
# note, since statements may reach TSB after the date of issue). Everything else is frozen.
CIRCULAR_CORRECTABLE = ("contact_name", "contact_phone", "contact_fax", "contact_email")
DRAFT_CORRECTABLE = ("ipr_note", *localized_fieldnames("ipr_note"))


def client_ip(request: HttpRequest) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ExportPermissionMixin(ExportPermissionBase, ExportMixin):
    """django-import-export's export behind its own permission; every cell is converted and
    escaped by the resources (accounts.resources.SafeExportMixin)."""


@admin.register(StudyGroup)
class StudyGroupAdmin(LanguageColumnsMixin, TranslationAdmin):
    list_display = ["__str__", "number", "title"]
    search_fields = [*localized_fieldnames("title"), "number"]


@admin.register(Meeting)
class MeetingAdmin(LanguageColumnsMixin, TranslationAdmin):
    list_display = ["study_group", "place", "starts_on", "ends_on", "collective_letter"]
    list_filter = ["study_group"]
    list_select_related = ["study_group"]
    # Every language's column: "place" alone searches only the reader's language, so TSB
    # working in Arabic found no meeting whose place is held in English (the one shown).
    search_fields = [*localized_fieldnames("place"), "collective_letter"]
    date_hierarchy = "starts_on"


class NumberedFormSet(BaseInlineFormSet):
    """A circular's drafts (or copy list), numbered in order without TSB typing the numbers.

    Each extra form proposes the next number (after the rows already saved), and a row
    whose order is left empty (as in every form added with "Add another", a copy of the
    empty form) gets the next number on save, in the order of the forms: two new drafts get
    1 and 2, not the same number twice (a draft's order is unique in its circular).
    """

    def _saved_orders(self) -> list[int]:
        return [row.order for row in self.get_queryset()]

    def get_form_kwargs(self, index: int | None) -> dict[str, Any]:
        kwargs: dict[str, Any] = super().get_form_kwargs(index)
        if index is not None and index >= self.initial_form_count():
            following = max(self._saved_orders(), default=0) + 1
            proposed = following + index - self.initial_form_count()
            kwargs["initial"] = {**kwargs.get("initial", {}), "order": proposed}
        return kwargs

    def clean(self) -> None:
        numbered = [
            form
            for form in self.forms
            if "order" in form.fields
            and hasattr(form, "cleaned_data")
            and (form.instance.pk is not None or form.has_changed())
        ]
        # Numbers taken: every row saved (a deleted one is still there while the others
        # are saved) and every order typed in the forms.
        taken = set(self._saved_orders())
        taken.update(
            f.cleaned_data["order"] for f in numbered if f.cleaned_data.get("order") is not None
        )
        following = max(taken, default=0)
        for form in numbered:
            if (
                form.cleaned_data.get("order") is None
                and not form.errors
                and not form.cleaned_data.get(DELETION_FIELD_NAME)
            ):
                following += 1
                form.cleaned_data["order"] = form.instance.order = following
        super().clean()  # then the uniqueness checks across the forms, on the numbers given


class NumberedInlineMixin:
    """The `order` field of an inline numbered by NumberedFormSet: optional, and without the
    model's fixed default (the same for every row)."""

    def formfield_for_dbfield(self, db_field: Field, request: HttpRequest, **kwargs: Any) -> Any:
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)  # type: ignore[misc]
        if db_field.name == "order" and formfield is not None:
            formfield.required = False
            formfield.initial = None
            formfield.help_text = _("Left empty: the next number, after the others.")
        return formfield


class DraftInline(NumberedInlineMixin, LanguageColumnsMixin, TranslationStackedInline):
    model = DraftRecommendation
    formset = NumberedFormSet
    extra = 0
    fields = [
        ("order", "number", "former_name"),
        ("kind", "document_ref"),
        "title",
        "summary",
        "a5_note",
        "ipr_note",
    ]

    def get_extra(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> int:
        # A new circular starts with one draft form: it cannot be published without one.
        return 1 if obj is None else 0

    def _frozen(self, obj: Circular | None) -> bool:
        return obj is not None and obj.status != Circular.Status.DRAFT

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Sequence[str]:
        if self._frozen(obj):
            names = [f.name for f in DraftRecommendation._meta.fields]
            kept = ("id", "circular")
            return [*(n for n in names if n not in DRAFT_CORRECTABLE and n not in kept), "life"]
        return []

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Sequence[Any]:
        # Once published: the link to the text's whole life (stage two is recorded there).
        fields = list(super().get_fields(request, obj))
        return [*fields, "life"] if self._frozen(obj) and "life" not in fields else fields

    @admin.display(description=_("the text's life: meeting decision, approval, notice"))
    def life(self, obj: DraftRecommendation) -> str:
        if obj.pk is None:
            return "-"
        url = reverse("consultation:draft-life", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, _("Open the page of this text"))

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return not self._frozen(obj) and super().has_add_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return not self._frozen(obj) and super().has_delete_permission(request, obj)


class CopyInline(NumberedInlineMixin, LanguageColumnsMixin, TranslationTabularInline):
    model = CircularCopy
    formset = NumberedFormSet
    extra = 0
    fields = ["order", "category", "label"]

    def _frozen(self, obj: Circular | None) -> bool:
        return obj is not None and obj.status != Circular.Status.DRAFT

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Sequence[str]:
        if self._frozen(obj):
            return ["order", "category", "label", *localized_fieldnames("label")]
        return []

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return not self._frozen(obj) and super().has_add_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return not self._frozen(obj) and super().has_delete_permission(request, obj)


class CircularEventInline(admin.TabularInline):
    model = CircularEvent
    extra = 0
    fields = ["at", "from_status", "to_status", "actor", "ip_address", "note"]
    readonly_fields = fields
    can_delete = False
    verbose_name_plural = _("history")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[CircularEvent]:
        return super().get_queryset(request).select_related("actor")


@admin.register(Circular)
class CircularAdmin(ExportPermissionMixin, LanguageColumnsMixin, TranslationAdmin):
    list_display = [
        "__str__",
        "study_period",
        "study_group",
        "issued_on",
        "deadline_utc",
        "status",
        "drafts_column",
        "replies_column",
        "kind",
        "is_demo",
    ]
    list_filter = ["kind", "status", "study_group", "study_period", "is_demo"]
    # Every language's column: a search finds a circular whatever language the admin speaks.
    search_fields = [
        "number",
        "reference",
        *localized_fieldnames("subject"),
        "drafts__number",
        *(f"drafts__{name}" for name in localized_fieldnames("title")),
    ]
    list_select_related = ["study_group", "meeting"]
    date_hierarchy = "deadline"
    inlines = [DraftInline, CopyInline, CircularEventInline]

    def get_inlines(self, request: HttpRequest, obj: Any = None) -> list[Any]:
        # An approval notice announces the texts of earlier consultations: it has no drafts
        # of its own, only the texts it announces, generated from the meeting's decisions.
        if obj is not None and obj.is_notice:
            from consultation.admin_approval import NoticeDraftInline

            return [NoticeDraftInline, CopyInline, CircularEventInline]
        return list(self.inlines)

    actions = ["publish", "close"]
    autocomplete_fields = ["meeting"]
    fieldsets = (
        (
            _("Header"),
            {
                "fields": (
                    ("number", "study_period"),
                    ("issued_on", "reference"),
                    ("contact_name", "contact_phone"),
                    ("contact_fax", "contact_email"),
                    "addressees",
                )
            },
        ),
        (
            _("Consultation"),
            {
                "fields": (
                    ("study_group", "meeting"),
                    "original_language",
                    "subject",
                    ("procedure", "legal_basis"),
                    "deadline",
                    "reminder_offsets",
                    "resolution_checks",
                    "body",
                    "director_name",
                )
            },
        ),
        (
            _("Replies go to"),
            {"fields": ("reply_to_address", ("reply_to_fax", "reply_to_email"))},
        ),
        (_("Status"), {"fields": (("status", "published_at", "closed_at"), "is_demo")}),
    )
    readonly_fields_always = ("status", "published_at", "closed_at", "resolution_checks")

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        """A new circular proposes the standard addressees and legal basis in all six
        languages, as our catalogs write them."""
        return {**standard_texts(), **super().get_changeform_initial_data(request)}

    # Export: the results, one row per draft of the circulars listed (filters apply).
    resource_classes = [ResultsResource]
    export_filename_prefix = "results"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Circular]:
        return selectors.circular_list_for_admin(super().get_queryset(request))

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Sequence[str]:
        if obj is not None and obj.status != Circular.Status.DRAFT:
            names = [f.name for f in Circular._meta.fields if f.editable]
            frozen = [n for n in names if n not in CIRCULAR_CORRECTABLE and n != "id"]
            return [*frozen, *self.readonly_fields_always]
        return list(self.readonly_fields_always)

    @admin.display(description=_("deadline (UTC)"), ordering="deadline")
    def deadline_utc(self, obj: Circular) -> str:
        return obj.deadline.strftime("%Y-%m-%d %H:%M") if obj.deadline else "-"

    @admin.display(description=_("drafts"), ordering="draft_count")
    def drafts_column(self, obj: Any) -> int:
        return int(obj.draft_count)

    @admin.display(description=_("replies submitted"), ordering="submitted_count")
    def replies_column(self, obj: Any) -> int:
        return int(obj.submitted_count)

    def _page_warnings(self, circular: Circular) -> list[str]:
        """The Resolution 1 warnings of the circular as it stands.

        A published or closed circular without a date of issue (a historical copy that
        carries none) will not get one from publishing any more: its warning says so,
        instead of "It is set when the circular is published".
        """
        return [
            str(NO_DATE_ON_COPY)
            if w.code == "no_issue_date" and circular.status != Circular.Status.DRAFT
            else w.message
            for w in selectors.circular_warnings(circular=circular)
        ]

    @admin.display(description=_("Resolution 1 checks"))
    def resolution_checks(self, obj: Circular | None) -> str:
        if obj is None or obj.pk is None:
            return str(_("Shown once the circular is saved."))
        warnings = self._page_warnings(obj)
        if not warnings:
            return format_html(
                '<span class="resolution-ok">{}</span>',
                _("Dates comply with Resolution 1 (9.3 notice, 9.4.1 deadline)."),
            )
        return format_html(
            '<ul class="messagelist">{}</ul>',
            format_html_join("", '<li class="warning">{}</li>', ((w,) for w in warnings)),
        )

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None
    ) -> Any:
        if request.method == "GET":
            circular = self.get_object(request, unquote(object_id))
            if circular is not None:
                for warning in self._page_warnings(circular):
                    messages.warning(request, warning)
        extra_context = {
            **(extra_context or {}),
            # The Publish and Close buttons (change_form.html), shown as the actions are.
            "has_publish_permission": self.has_publish_permission(request),
            "has_close_permission": self.has_close_permission(request),
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def _warnings(
        self, queryset: QuerySet[Circular], *, publishing: bool = False
    ) -> dict[int, list[str]]:
        """Each circular's Resolution 1 warnings, for the confirmation page.

        Publishing records today's date (UTC) as the date of issue when none is set
        (services.circular_publish), so on the publish confirmation a draft without one is
        checked against that date: no "date of issue is not recorded", and the 3-month
        notice (9.3) is checked for the date the circular will carry.
        """
        today = timezone.now().astimezone(datetime.UTC).date()
        warnings = {}
        for c in queryset.select_related("meeting"):
            if publishing and c.status == Circular.Status.DRAFT and c.issued_on is None:
                found = rules.circular_checks(
                    issued_on=today,
                    deadline=c.deadline,
                    meeting_starts_on=c.meeting.starts_on if c.meeting_id else None,
                )
                warnings[c.pk] = [w.message for w in found]
            else:
                warnings[c.pk] = self._page_warnings(c)
        return warnings

    def has_publish_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("consultation.publish_circular")

    def has_close_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("consultation.close_circular")

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Only a draft circular may be deleted; a published one is part of the record.
        if obj is not None and obj.status != Circular.Status.DRAFT:
            return False
        return super().has_delete_permission(request, obj)

    @admin.action(description=_("Publish the selected circulars"), permissions=["publish"])
    def publish(
        self,
        request: HttpRequest,
        queryset: QuerySet[Circular],
        extra_context: dict[str, Any] | None = None,
    ) -> Any:
        return confirm_then_run(
            self,
            request,
            queryset.select_related("meeting", "study_group"),
            notes=self._warnings(queryset, publishing=True),
            refusals=(services.TransitionError,),
            action="publish",
            title=_("Publish circulars"),
            question=_(
                "Publishing opens each circular for replies until its deadline and freezes "
                "its text; a circular without a date of issue gets today's date. "
                "Publish these circulars?"
            ),
            run=lambda c: services.circular_publish(
                circular_id=c.pk, actor=request.user, ip_address=client_ip(request)
            ),
            done=_("%(count)d circular(s) published."),
            extra_context=extra_context,
        )

    @admin.action(description=_("Close the selected circulars"), permissions=["close"])
    def close(
        self,
        request: HttpRequest,
        queryset: QuerySet[Circular],
        extra_context: dict[str, Any] | None = None,
    ) -> Any:
        return confirm_then_run(
            self,
            request,
            queryset.select_related("meeting", "study_group"),
            notes=self._warnings(queryset),
            refusals=(services.TransitionError,),
            action="close",
            title=_("Close circulars"),
            question=_(
                "Closing ends the consultation: no reply can be submitted afterwards. "
                "Close these circulars?"
            ),
            run=lambda c: services.circular_close(
                circular_id=c.pk, actor=request.user, ip_address=client_ip(request)
            ),
            done=_("%(count)d circular(s) closed."),
            extra_context=extra_context,
        )

    # The same two actions as buttons on the change page (change_form.html).

    def get_urls(self) -> list[URLPattern]:
        def button(action: str) -> Callable[..., HttpResponseBase]:
            def view(request: HttpRequest, object_id: str) -> HttpResponseBase:
                return self.transition_view(request, object_id, action=action)

            return self.admin_site.admin_view(view)

        return [
            path(
                "<path:object_id>/publish/", button("publish"), name="consultation_circular_publish"
            ),
            path("<path:object_id>/close/", button("close"), name="consultation_circular_close"),
            path(
                "<path:object_id>/comments-td/",
                self.admin_site.admin_view(self.comments_td_view),
                name="consultation_circular_comments_td",
            ),
            *super().get_urls(),
        ]

    def comments_td_view(self, request: HttpRequest, object_id: str) -> HttpResponseBase:
        """The TD of comments of a closed circular: TSB types the TD number (and the
        Question(s)), then downloads the DOCX or the PDF (?format=docx|pdf), which the
        download views build with them. Same access as the downloads."""
        from urllib.parse import urlencode

        from consultation.documents.views import TDNumberForm
        from consultation.permissions import is_tsb_staff

        if not (is_tsb_staff(request.user) and request.user.has_perm("consultation.view_reply")):
            raise PermissionDenied
        if request.method != "GET":
            return HttpResponseNotAllowed(["GET"])
        circular = self.get_object(request, unquote(object_id))
        if circular is None:
            raise Http404
        change_url = reverse("admin:consultation_circular_change", args=[quote(circular.pk)])
        if circular.status != Circular.Status.CLOSED:
            self.message_user(
                request,
                _("The TD of comments can be produced only once the consultation is closed."),
                messages.ERROR,
            )
            return HttpResponseRedirect(change_url)
        kind = request.GET.get("format", "")
        form = TDNumberForm(request.GET if kind else None)
        if kind in ("docx", "pdf") and form.is_valid():
            name = "consultation:comments-td" if kind == "docx" else "consultation:comments-td-pdf"
            cover = {"td": form.cleaned_data["td"], "question": form.cleaned_data["question"]}
            query = urlencode({k: v for k, v in cover.items() if v})
            return HttpResponseRedirect(f"{reverse(name, args=[circular.pk])}?{query}")
        context = {
            **self.admin_site.each_context(request),
            "title": _("TD of comments: %(circular)s") % {"circular": circular},
            "opts": self.model._meta,
            "original": circular,
            "form": form,
            "cancel_url": change_url,
        }
        return TemplateResponse(request, "admin/consultation/circular/comments_td.html", context)

    def transition_view(self, request: HttpRequest, object_id: str, *, action: str) -> Any:
        """One circular through the list action `action`: its confirmation page (GET, or a
        POST without the confirmation), then, on the confirming POST, its service.

        Allowed to exactly those to whom the changelist offers the action: the action's own
        permissions (`has_<perm>_permission`) and access to the list. CSRF-protected by
        admin_view.
        """
        func = getattr(self, action)
        allowed = self.has_view_or_change_permission(request) and all(
            getattr(self, f"has_{perm}_permission")(request) for perm in func.allowed_permissions
        )
        if not allowed:
            raise PermissionDenied
        if request.method not in ("GET", "POST"):
            return HttpResponseNotAllowed(["GET", "POST"])
        circular = self.get_object(request, unquote(object_id))
        if circular is None:
            raise Http404
        change_url = reverse(
            "admin:consultation_circular_change",
            args=[quote(circular.pk)],
            current_app=self.admin_site.name,
        )
        response = func(
            request,
            self.get_queryset(request).filter(pk=circular.pk),
            extra_context={"original": circular, "cancel_url": change_url},
        )
        if response is None:  # confirmed: the service ran, its outcome is in the messages
            return HttpResponseRedirect(change_url)
        return response


LATE = _("late (not counted)")
ON_TIME = _("on time")
DEMO = _("Demonstration data")


class LateDisplayMixin:
    """The late flag in words: Django's boolean icons showed the normal case ("not late")
    as a red cross."""

    @admin.display(description=_("late"), ordering="is_late")
    def late_status(self, obj: Reply | ReplyVersion) -> str:
        return str(LATE if obj.is_late else ON_TIME)


class LateListFilter(admin.SimpleListFilter):
    """Filter on the late flag, in the same words; same parameter as Django's own filter."""

    title = _("late")
    parameter_name = "is_late__exact"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("1", LATE), ("0", ON_TIME)]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() in ("1", "0"):
            return queryset.filter(is_late=self.value() == "1")
        return queryset


class PositionInline(admin.TabularInline):
    """Read-only: a reply changes only through its services (portal or recorded reply)."""

    model = ReplyPosition
    extra = 0
    fields = ["draft", "decision", "comments", "reasons", "possible_changes"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[ReplyPosition]:
        return super().get_queryset(request).select_related("draft")


class AttachmentInline(admin.TabularInline):
    model = Attachment
    extra = 0
    fields = ["kind", "download", "size", "sha256", "uploaded_by", "uploaded_at", "removed_at"]
    readonly_fields = fields
    can_delete = False

    @admin.display(description=_("file"))
    def download(self, obj: Attachment) -> str:
        url = reverse("consultation:attachment-download", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, obj.original_name)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Attachment]:
        return super().get_queryset(request).select_related("uploaded_by")


class ReplyEventInline(admin.TabularInline):
    model = ReplyEvent
    extra = 0
    fields = ["at", "kind", "version", "actor", "ip_address"]
    readonly_fields = fields
    can_delete = False
    verbose_name_plural = _("history")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[ReplyEvent]:
        return super().get_queryset(request).select_related("actor")


class ReplyVersionInline(LateDisplayMixin, admin.TabularInline):
    model = ReplyVersion
    extra = 0
    fields = [
        "number",
        "received_at",
        "channel",
        "late_status",
        "signatory_name",
        "submitted_by",
        "entered_by",
        "sha256",
        "ip_address",
    ]
    readonly_fields = fields
    can_delete = False
    verbose_name_plural = _("submitted versions (all kept; the latest on time counts)")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[ReplyVersion]:
        return super().get_queryset(request).select_related("submitted_by", "entered_by")


def _users_columns(relation: str) -> list[str]:
    return [f"{relation}__{name}" for name in ("first_name", "last_name", "email")]


class CircularNameFilter(admin.RelatedFieldListFilter):
    """Django's filter on the circular, reading each circular's number only (its name), not
    its 54 columns."""

    def field_choices(self, field: Any, request: HttpRequest, model_admin: Any) -> Any:
        ordering = self.field_admin_ordering(field, request, model_admin) or ("-pk",)
        return [(c.pk, str(c)) for c in Circular.objects.only("number").order_by(*ordering)]


class ReplyChangeList(ChangeList):
    """The replies' list reads only the columns its page shows: of 9,650 replies a page of
    100 with its circular (54 columns: every text in six languages), Member State and two
    users was most of the list's SQL and model-building time (issue 14). Exports and
    actions use the full rows (get_queryset is left alone)."""

    COLUMNS = [
        "circular__kind",
        "circular__number",
        "member_state__region",
        *localized_fieldnames("member_state__name"),
        "member_state__name",
        "status",
        "version",
        "submitted_at",
        "channel",
        "is_late",
        "is_demo",
        *_users_columns("submitted_by"),
        *_users_columns("entered_by"),
    ]

    def get_results(self, request: HttpRequest) -> None:
        self.queryset = self.queryset.only(*self.COLUMNS)
        super().get_results(request)


@admin.register(Reply)
class ReplyAdmin(LateDisplayMixin, ExportPermissionMixin, admin.ModelAdmin):
    list_display = [
        "member_state",
        "region",
        "circular",
        "status",
        "version",
        "submitted_at",
        "channel",
        "late_status",
        "submitted_by",
        "entered_by",
        "demo_status",
    ]
    list_filter = [
        "status",
        "channel",
        LateListFilter,
        "member_state__region",
        ("circular", CircularNameFilter),
        "is_demo",
    ]
    search_fields = ["member_state__name", "member_state__alpha3", "from_name"]
    list_select_related = ["circular", "member_state", "submitted_by", "entered_by"]
    # 50 a page (Django's default is 100): a circular's 193 replies in four pages, each
    # in half the time (issue 14: the rows were three quarters of the list's time).
    list_per_page = 50
    # The count of all replies beside the filtered one is a second count of 9,650 rows.
    show_full_result_count = False
    # Newest first: what just came in, read from the primary key's index. The model's own
    # order (circular, then the state's name) sorted every reply of the portal to show 50:
    # 14 ms of PostgreSQL's time on each page with 9,650 replies. A column's header sorts by it.
    ordering = ["-pk"]
    inlines = [PositionInline, AttachmentInline, ReplyVersionInline, ReplyEventInline]
    change_list_template = "admin/consultation/reply/change_list.html"
    # Export: one row per position of the replies listed (filters and search apply); the
    # large export streams every reply (get_urls). The template adds both buttons.
    resource_classes = [ReplyPositionResource]
    import_export_change_list_template = "admin/consultation/reply/change_list_export.html"
    export_filename_prefix = "replies"
    readonly_fields = [
        "circular",
        "member_state",
        "status",
        "from_name",
        "from_title",
        "from_address",
        "from_fax",
        "from_email",
        "place",
        "signed_on",
        "version",
        "submitted_at",
        "submitted_by",
        "channel",
        "entered_by",
        "late_status",
        "revision",
        "is_demo",
    ]
    fields = readonly_fields

    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> type[ChangeList]:
        return ReplyChangeList

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Replies enter through the portal or through "Record a reply" (get_urls), both of
        # which go through the services and leave their audit events.
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # A reply is part of the record (its versions and events are protected): it changes
        # only through the portal or a recorded reply, and is never deleted. Without this,
        # "Delete selected replies" was offered and then refused.
        return False

    def has_record_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("consultation.add_reply") and request.user.has_perm(
            "consultation.change_reply"
        )

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> Any:
        from django.http import QueryDict

        # The large-export buttons carry the list's filters and search (export_query).
        query = exports.clean_query(request.GET.urlencode())
        only_circular = set(QueryDict(query)) == {"circular__id__exact"}
        extra_context = {
            **(extra_context or {}),
            "has_record_permission": self.has_record_permission(request),
            "export_query": query,
            "export_scope": "circular" if only_circular else "listed" if query else "all",
            "large_export_formats": ExportJob.Format.choices,
        }
        return super().changelist_view(request, extra_context)

    # The admin's export: JSON besides CSV, XLSX and ODS; XLSX and ODS with the Tally and
    # Matrix sheets after the replies (consultation.exports says what each format holds).

    def get_export_formats(self) -> list[Any]:
        from import_export.formats import base_formats

        return [*super().get_export_formats(), base_formats.JSON]

    def get_export_data(
        self, file_format: Any, request: HttpRequest, queryset: Any, **kwargs: Any
    ) -> Any:
        """CSV as django-import-export writes it (the replies only: one sheet); XLSX and ODS
        as a book of three sheets, Replies (the columns chosen), Tally and Matrix; JSON as
        the large export writes it (exports.json_chunks), texts as written."""
        import tablib
        from import_export.formats import base_formats

        if not self.has_export_permission(request):
            raise PermissionDenied
        if not isinstance(file_format, base_formats.XLSX | base_formats.ODS | base_formats.JSON):
            return super().get_export_data(file_format, request, queryset, **kwargs)
        kwargs.pop("encoding", None)
        kwargs.pop("force_native_type", None)
        if isinstance(file_format, base_formats.JSON):
            dataset = self.get_data_for_export(
                request, queryset, force_native_type=True, json_cells=True, **kwargs
            )
            return b"".join(exports.json_chunks(dataset.headers, dataset))
        dataset = self.get_data_for_export(request, queryset, force_native_type=True, **kwargs)
        sheets = [
            (dataset.title, list(dataset.headers), dataset),
            *exports.summary_sheets(exports.positions_of_replies(queryset)),
        ]
        if isinstance(file_format, base_formats.ODS):
            return exports.ods_book(sheets)
        book = tablib.Databook()
        for title, headers, rows in sheets:
            book.add_sheet(tablib.Dataset(*[list(r) for r in rows], headers=headers, title=title))
        return book.export("xlsx")

    @admin.display(description=_("demonstration data"), ordering="is_demo")
    def demo_status(self, obj: Reply) -> str:
        """In words, as the late flag (and without an icon's static URL for every row)."""
        return str(DEMO) if obj.is_demo else ""

    @admin.display(description=_("region"), ordering="member_state__region")
    def region(self, obj: Reply) -> str:
        return obj.member_state.region

    def get_urls(self) -> list[URLPattern]:
        record = self.admin_site.admin_view(self.record_offline_view)
        large = self.admin_site.admin_view(self.export_large_view)
        start = self.admin_site.admin_view(self.export_job_start_view)
        return [
            path("record/", record, name="consultation_reply_record"),
            path("export/large/", large, name="consultation_reply_export_large"),
            path("export/job/", start, name="consultation_reply_export_job"),
            *super().get_urls(),
        ]

    def export_job_start_view(self, request: HttpRequest) -> HttpResponseBase:
        """POST format=xlsx|csv|json [&query=<the list's querystring>] [&circular=<id>]: a
        worker builds the file of the replies the list shows (its filters and search, kept
        on the job); TSB follows its progress on the export's page and downloads it there."""
        from django.contrib.admin.options import IncorrectLookupParameters

        from consultation.services.exports import export_job_request

        if not self.has_export_permission(request):
            raise PermissionDenied
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        kind = request.POST.get("format", "xlsx")
        circular_id = request.POST.get("circular", "")
        if kind not in ExportJob.Format.values or (circular_id and not circular_id.isdigit()):
            raise Http404
        if circular_id:
            get_object_or_404(Circular, pk=circular_id)
        try:
            job = export_job_request(
                user=request.user,
                format=kind,
                circular_id=int(circular_id) if circular_id else None,
                query=request.POST.get("query", ""),
            )
        except (IncorrectLookupParameters, Circular.DoesNotExist):
            self.message_user(
                request,
                _("These filters cannot be exported: choose them again in the list."),
                messages.ERROR,
            )
            return HttpResponseRedirect(reverse("admin:consultation_reply_changelist"))
        audit_record(
            "exported",
            request=request,
            target=f"consultation.reply (export job {job.pk})",
            detail={"format": kind, "query": job.query[:500]},
        )
        self.message_user(
            request,
            _("The export is being written by a worker: this page shows its progress."),
            messages.INFO,
        )
        return HttpResponseRedirect(reverse("admin:consultation_exportjob_change", args=[job.pk]))

    def export_large_view(self, request: HttpRequest) -> HttpResponseBase:
        """The rows of the replies the list shows, streamed: ?format=csv|json as they are
        read, ?format=xlsx written in openpyxl's write-only mode to a temporary file and then
        sent. The other parameters are the list's filters and search (?status__exact=...,
        ?q=...); ?circular=<id> is its circular filter. Same columns and escaping as the
        admin's export."""
        from django.contrib.admin.options import IncorrectLookupParameters

        if not self.has_export_permission(request):
            raise PermissionDenied
        if request.method != "GET":
            return HttpResponseNotAllowed(["GET"])
        params = request.GET.copy()
        kind = params.pop("format", ["xlsx"])[-1]
        if kind not in ExportJob.Format.values:
            kind = "xlsx"
        circular_id = params.pop("circular", [""])[-1]
        if circular_id:
            if not circular_id.isdigit():
                raise Http404
            params["circular__id__exact"] = str(get_object_or_404(Circular, pk=circular_id).pk)
        try:
            queryset = exports.positions_for_query(query=params.urlencode(), user=request.user)
        except IncorrectLookupParameters:
            raise Http404 from None
        scope = "listed" if exports.clean_query(params.urlencode()) else "all"
        filename = f"replies-{scope}-{timezone.now():%Y-%m-%d}.{kind}"
        audit_record(
            "exported",
            request=request,
            target="consultation.reply (large export)",
            detail={"format": kind, "query": params.urlencode()[:500]},
        )
        if kind in ("csv", "json"):
            stream, content_type = {
                "csv": (exports.iter_replies_csv, "text/csv; charset=utf-8"),
                "json": (exports.iter_replies_json, "application/json"),
            }[kind]
            response = StreamingHttpResponse(stream(queryset), content_type=content_type)
            response["Content-Disposition"] = f'attachment; filename="{filename}"'
            return response
        # Unnamed temporary file: removed by the system once FileResponse has sent and closed it.
        handle = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115
        try:
            exports.stream_replies_xlsx(queryset, handle)
        except BaseException:
            handle.close()
            raise
        handle.seek(0)
        return FileResponse(
            handle, as_attachment=True, filename=filename, content_type=XLSX_CONTENT_TYPE
        )

    def record_offline_view(self, request: HttpRequest) -> HttpResponse:
        """Record a reply that reached TSB by e-mail, fax or letter, with its scan."""
        from consultation.attachments import validate_upload
        from consultation.forms import OfflineReplyForm, PositionForm, ReplyHeaderForm

        HEADER_FIELDS = ReplyHeaderForm.Meta.fields  # noqa: N806

        if not self.has_record_permission(request):
            raise PermissionDenied
        circulars = Circular.objects.exclude(status=Circular.Status.DRAFT).order_by("-deadline")
        circular_id = request.GET.get("circular") or request.POST.get("circular")
        circular = (
            get_object_or_404(circulars, pk=circular_id)
            if circular_id and str(circular_id).isdigit()
            else None
        )
        context: dict[str, Any] = {
            **self.admin_site.each_context(request),
            "title": _("Record a reply received by e-mail, fax or letter"),
            "opts": self.model._meta,
            "circulars": circulars,
            "circular": circular,
        }
        if circular is None:
            return TemplateResponse(request, "admin/consultation/reply/record.html", context)
        data = request.POST if request.method == "POST" else None
        files = request.FILES if request.method == "POST" else None
        form = OfflineReplyForm(data, files)
        form.fields["member_state"].queryset = selectors.circular_electorate(circular=circular)
        header_form = ReplyHeaderForm(data)
        position_forms = [
            PositionForm(data, prefix=f"d{d.pk}", draft=d, attachments=[])
            for d in circular.drafts.all()
        ]
        for pf in position_forms:
            del pf.fields["upload"], pf.fields["remove"]
        if request.method == "POST":
            valid = form.is_valid() & header_form.is_valid()
            checks = [pf.is_valid() for pf in position_forms]  # every form, to show every error
            valid = all(checks) and valid
            checked = None
            if valid:
                try:
                    checked = validate_upload(form.cleaned_data["scan"])
                except ValidationError as exc:
                    form.add_error("scan", exc)
                    valid = False
            if valid and checked is not None:
                try:
                    version = services.reply_record_offline(
                        circular_id=circular.pk,
                        member_state_id=form.cleaned_data["member_state"].pk,
                        actor=request.user,  # type: ignore[arg-type]
                        channel=form.cleaned_data["channel"],
                        received_at=form.cleaned_data["received_at"],
                        header={n: header_form.cleaned_data[n] for n in HEADER_FIELDS},
                        positions={
                            pf.draft.pk: {
                                n: pf.cleaned_data[n]
                                for n in ("decision", "comments", "reasons", "possible_changes")
                            }
                            for pf in position_forms
                        },
                        scan=services.AttachmentUpload(
                            file=form.cleaned_data["scan"],
                            validated=checked,
                            kind=Attachment.Kind.SCANNED_ORIGINAL,
                        ),
                        ip_address=client_ip(request),
                    )
                except services.ReplyRefused as exc:
                    self.message_user(request, exc.message, messages.ERROR)
                    for errors in exc.errors.values():
                        for error in errors:
                            self.message_user(request, error, messages.ERROR)
                else:
                    message = _("Recorded version %(n)d of the reply of %(state)s.") % {
                        "n": version.number,
                        "state": version.reply.member_state,
                    }
                    if version.is_late:
                        message += " " + str(
                            _("It arrived after the deadline: marked late, it does not count.")
                        )
                    self.message_user(
                        request, message, messages.WARNING if version.is_late else messages.SUCCESS
                    )
                    return HttpResponseRedirect(
                        reverse("admin:consultation_reply_change", args=[version.reply_id])
                    )
        context.update(form=form, header_form=header_form, position_forms=position_forms)
        return TemplateResponse(request, "admin/consultation/reply/record.html", context)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Append-only records: visible to TSB, never edited or deleted."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(CircularEvent)
class CircularEventAdmin(ReadOnlyAdmin):
    list_display = ["at", "circular", "from_status", "to_status", "actor", "ip_address"]
    list_filter = ["to_status"]
    list_select_related = ["circular", "actor"]
    date_hierarchy = "at"


@admin.register(ReplyEvent)
class ReplyEventAdmin(ReadOnlyAdmin):
    list_display = ["at", "reply", "kind", "version", "actor", "ip_address"]
    list_filter = ["kind"]
    list_select_related = ["reply__circular", "reply__member_state", "actor"]
    date_hierarchy = "at"


@admin.register(Attachment)
class AttachmentAdmin(ReadOnlyAdmin):
    list_display = [
        "original_name",
        "reply",
        "kind",
        "size",
        "sha256",
        "uploaded_by",
        "uploaded_at",
    ]
    list_filter = ["kind"]
    list_select_related = ["reply__circular", "reply__member_state", "uploaded_by"]
    search_fields = ["original_name", "sha256"]


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    """What was sent to whom and when, what failed and why; failed or sent mails can be resent."""

    list_display = [
        "created_at",
        "kind",
        "email",
        "member_state",
        "circular",
        "key",
        "status",
        "attempts",
        "sent_at",
        "last_error_short",
    ]
    list_filter = ["status", "kind", "circular", "language"]
    search_fields = ["email", "member_state__name", "dedupe_key", "message_id"]
    list_select_related = ["circular", "member_state"]
    date_hierarchy = "created_at"
    actions = ["resend"]

    @admin.display(description=_("last error"))
    def last_error_short(self, obj: Notification) -> str:
        return obj.last_error[:80]

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> Any:
        """Above the list: how many notifications are pending, and for how long."""
        outbox = selectors.notifications_outbox(now=timezone.now())
        return super().changelist_view(request, {**(extra_context or {}), "outbox": outbox})

    def has_resend_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("consultation.resend_notification")

    @admin.action(description=_("Send the selected notifications again"), permissions=["resend"])
    def resend(self, request: HttpRequest, queryset: QuerySet[Notification]) -> Any:
        from consultation.services import notifications

        if request.POST.get("post") != "yes":
            context = {
                **self.admin_site.each_context(request),
                "title": _("Send notifications again"),
                "objects": list(queryset.select_related("circular")),
                "opts": self.model._meta,
                "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            }
            return TemplateResponse(
                request, "admin/consultation/notification/confirm_resend.html", context
            )
        count = notifications.notifications_resend(
            ids=list(queryset.values_list("pk", flat=True)), actor=request.user
        )
        self.message_user(
            request,
            _("%(count)d notification(s) queued to be sent again.") % {"count": count},
            messages.SUCCESS,
        )
        return None


@admin.register(DeliveredMail)
class DeliveredMailAdmin(ReadOnlyAdmin):
    list_display = ["delivered_at", "to", "subject"]
    search_fields = ["to", "subject", "notification_key"]
    date_hierarchy = "delivered_at"


@admin.register(ExportJob)
class ExportJobAdmin(ReadOnlyAdmin):
    """Large exports: their progress, and the file while it is kept (export permission)."""

    list_display = [
        "__str__",
        "requested_at",
        "requested_by",
        "circular",
        "format",
        "status",
        "progress",
        "expires_at",
    ]
    list_filter = ["status", "format"]
    list_select_related = ["requested_by", "circular"]
    readonly_fields = [
        "requested_by",
        "requested_at",
        "circular",
        "filters_applied",
        "format",
        "status",
        "progress",
        "finished_at",
        "expires_at",
        "download",
        "error",
    ]
    fields = readonly_fields
    change_form_template = "admin/consultation/exportjob/change_form.html"

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.has_perm("consultation.export_reply")

    @admin.display(description=_("filters"))
    def filters_applied(self, obj: ExportJob) -> str:
        """The replies list's filters and search the export follows, in words."""
        from django.http import QueryDict

        from accounts.models import Region

        params = QueryDict(obj.query)
        if not params:
            return str(_("None: every reply."))
        words = {
            "status__exact": (_("status"), dict(Reply.Status.choices)),
            "channel__exact": (_("channel"), dict(Reply.Channel.choices)),
            "is_late__exact": (_("late"), {"1": LATE, "0": ON_TIME}),
            "member_state__region__exact": (_("ITU region"), dict(Region.choices)),
            "is_demo__exact": (_("demonstration data"), {"1": _("yes"), "0": _("no")}),
            "q": (_("search"), {}),
        }
        lines = []
        for name, value in params.items():
            if name == "circular__id__exact":
                circular = Circular.objects.filter(pk=value).first() if value.isdigit() else None
                lines.append((_("circular"), circular or value))
            elif name in words:
                label, values = words[name]
                lines.append((label, values.get(value, value)))
            else:
                lines.append((name, value))
        return format_html(
            "<ul>{}</ul>",
            format_html_join("", "<li>{}: {}</li>", ((str(k), str(v)) for k, v in lines)),
        )

    @admin.display(description=_("progress"))
    def progress(self, obj: ExportJob) -> str:
        total = obj.rows_total if obj.rows_total is not None else "…"
        return f"{obj.percent} % ({obj.rows_done} / {total})"

    @admin.display(description=_("file"))
    def download(self, obj: ExportJob) -> str:
        if obj.status != ExportJob.Status.DONE or not obj.file:
            return "—"
        url = reverse("admin:consultation_exportjob_download", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, _("Download"))

    def get_urls(self) -> list[URLPattern]:
        download = self.admin_site.admin_view(self.download_view)
        return [
            path("<int:pk>/download/", download, name="consultation_exportjob_download"),
            *super().get_urls(),
        ]

    def download_view(self, request: HttpRequest, pk: int) -> HttpResponseBase:
        if not self.has_view_permission(request):
            raise PermissionDenied
        job = get_object_or_404(ExportJob, pk=pk, status=ExportJob.Status.DONE)
        if not job.file or (job.expires_at and job.expires_at <= timezone.now()):
            raise Http404
        name = job.file.name.rsplit("/", 1)[-1]
        audit_record(
            "exported",
            request=request,
            target=f"export job {job.pk}: {name}",
            detail={"downloaded": True, "rows": job.rows_done},
        )
        return FileResponse(job.file.open("rb"), as_attachment=True, filename=name)


from consultation import admin_approval  # noqa: E402, F401  (stage two: decisions, oppositions)

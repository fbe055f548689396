from __future__ import annotations

from typing import Any

import allauth.usersessions.admin  # noqa: F401  (registered first, so that we can replace it)
import tablib
from allauth.usersessions.models import UserSession
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth import get_permission_codename
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Model, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from import_export.admin import ExportMixin, ImportExportMixin
from import_export.formats import base_formats
from import_export.forms import SelectableFieldsExportForm
from modeltranslation.admin import TranslationAdmin

from accounts import selectors, services
from accounts.admin_actions import confirm_then_run
from accounts.forms import OfficialCreateForm
from accounts.http import client_ip
from accounts.models import (
    AccountEvent,
    AuditEvent,
    MemberState,
    MemberStateEvent,
    Observer,
    Official,
    User,
)
from accounts.resources import (
    AuditEventResource,
    MemberStateResource,
    OfficialExportResource,
    OfficialImportResource,
)

StrOrPromise = str | Promise


def _actor(request: HttpRequest) -> User:
    """The staff member acting (the admin only serves authenticated staff)."""
    assert isinstance(request.user, User)
    return request.user


def _confirm_or_run(
    modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Any], **kwargs: Any
) -> TemplateResponse | None:
    return confirm_then_run(
        modeladmin, request, queryset, refusals=(services.AccountStateError,), **kwargs
    )


class ColumnLabelExportForm(SelectableFieldsExportForm):
    """The export page's checkboxes labelled with the column headers, as in the file."""

    def _get_field_label(self, resource: Any, field_name: str) -> str:
        field = resource.fields.get(field_name)
        return str(field.column_name) if field is not None else field_name


class ExportPermissionBase:
    """Exports behind their own permission, in the admin of either app.

    The export views ask for `<app>.export_<model>` ("view" is not enough), whatever
    IMPORT_EXPORT_EXPORT_PERMISSION_CODE says. CSV gets a byte-order mark, without which
    Excel misreads UTF-8 names ("Türkiye", "Côte d'Ivoire").
    """

    opts: Any
    export_form_class = ColumnLabelExportForm
    to_encoding = "utf-8-sig"
    export_filename_prefix = "export"

    def has_export_permission(self, request: HttpRequest) -> bool:
        codename = get_permission_codename("export", self.opts)
        return request.user.has_perm(f"{self.opts.app_label}.{codename}")

    def get_export_data(
        self, file_format: Any, request: HttpRequest, queryset: Any, **kwargs: Any
    ) -> Any:
        # The byte-order mark is for CSV; ODS is "text" to django-import-export but comes
        # as bytes, which to_encoding would try to encode again.
        if not isinstance(file_format, base_formats.CSV):
            kwargs["encoding"] = None
        data = super().get_export_data(file_format, request, queryset, **kwargs)
        from accounts.audit import audit_record

        audit_record(
            "exported",
            request=request,
            target=f"{self.opts.app_label}.{self.opts.model_name}",
            detail={"format": file_format.get_title(), "query": request.GET.urlencode()[:500]},
        )
        return data

    def get_export_filename(self, request: HttpRequest, queryset: Any, file_format: Any) -> str:
        stamp = timezone.now().strftime("%Y-%m-%d")
        return f"{self.export_filename_prefix}-{stamp}.{file_format.get_extension()}"


class SpreadsheetMixin(ExportPermissionBase, ImportExportMixin):
    """Import with a preview, export behind its own permission (django-import-export).

    - Export needs `<app>.export_<model>` ("view" is not enough); import needs the add
      permission (`import_permissions`). Staff without them get 403 on every step.
    - The upload is first imported as a dry run, in a transaction rolled back: the page
      previews every row or lists every bad row, and writes nothing. Confirming imports the
      whole file in one transaction, or nothing if any row fails then.
    - A file that cannot be read (wrong format, not UTF-8) is refused with its reason.
    - An XLSX cell holding a live formula is a row error (accounts.resources.FormulaCell).
    """

    import_template_name = "admin/accounts/import.html"
    import_permissions: tuple[str, ...] = ("add",)

    def get_import_formats(self) -> list[Any]:
        """XLSX read so that a cell holding a formula is refused (FormulaCheckingXLSX)."""
        from accounts.resources import FormulaCheckingXLSX

        return [
            FormulaCheckingXLSX if f is base_formats.XLSX else f
            for f in super().get_import_formats()  # type: ignore[misc]
        ]

    def has_import_permission(self, request: HttpRequest) -> bool:
        return all(
            request.user.has_perm(f"{self.opts.app_label}.{get_permission_codename(p, self.opts)}")
            for p in self.import_permissions
        )

    def process_import(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        # Refuse before django-import-export's own checks (a GET would get 405, not 403).
        if not self.has_import_permission(request):
            raise PermissionDenied
        try:
            return super().process_import(request, **kwargs)  # type: ignore[no-any-return]
        except FileNotFoundError:
            # The previewed upload is gone: confirmed already (a second click), or cleaned up.
            messages.error(
                request,
                _("This import was already confirmed or has expired: upload the file again."),
            )
            return HttpResponseRedirect(
                reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_import")
            )

    def get_import_data_kwargs(self, **kwargs: Any) -> dict[str, Any]:
        kwargs = super().get_import_data_kwargs(**kwargs)
        # All or nothing: a row refused on confirmation (say, an address taken since the
        # preview) rolls the whole import back.
        kwargs["rollback_on_validation_errors"] = True
        return kwargs

    def add_data_read_fail_error_to_form(self, form: Any, e: Exception) -> None:
        message: StrOrPromise
        if isinstance(e, UnicodeError):
            message = _(
                'The file is not in UTF-8. Save it as "CSV UTF-8" (or as an Excel or '
                "OpenDocument spreadsheet) and upload it again. Nothing was imported."
            )
        elif isinstance(e, tablib.InvalidDimensions):
            message = _(
                "Some rows have more or fewer cells than the first row, which names the "
                "columns. Correct the file and upload it again. Nothing was imported."
            )
        else:
            message = _(
                "The file could not be read as the format chosen (%(error)s). Check the "
                "format and upload it again. Nothing was imported."
            ) % {"error": type(e).__name__}
        form.add_error("import_file", message)

    def process_result(self, result: Any, request: HttpRequest) -> HttpResponse:
        if not (result.has_errors() or result.has_validation_errors()):
            # One audit event for the confirmed import (the services leave one per row
            # written, in the account or Member State history).
            from accounts.audit import audit_record

            totals = {str(k): v for k, v in getattr(result, "totals", {}).items() if v}
            audit_record(
                "imported",
                request=request,
                target=f"{self.opts.app_label}.{self.opts.model_name}",
                detail={"rows": totals},
            )
            return super().process_result(result, request)  # type: ignore[no-any-return]
        # Rolled back (import_data with rollback_on_validation_errors): say so, show why.
        messages.error(request, _("Nothing was imported: the file has errors (below)."))
        form = self.get_import_form_class(request)(
            self.get_import_formats(), self.get_import_resource_classes(request)
        )
        context = {
            **self.admin_site.each_context(request),
            "title": _("Import"),
            "form": form,
            "opts": self.model._meta,
            "media": self.media + form.media,
            "result": result,
            "import_error_display": self.import_error_display,
            "fields_list": [],
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, [self.import_template_name], context)


def _history(user: Any) -> str:
    events = list(selectors.account_events_for_user(user=user)[:20])
    if not events:
        return str(_("No recorded event."))
    return format_html(
        "<ul>{}</ul>",
        format_html_join(
            "",
            "<li>{} UTC: {} ({}{})</li>",
            (
                (
                    event.at.strftime("%Y-%m-%d %H:%M"),
                    event.get_kind_display(),
                    event.actor or _("nobody"),
                    f", {event.ip_address}" if event.ip_address else "",
                )
                for event in events
            ),
        ),
    )


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ["email"]
    list_display = ["email", "first_name", "last_name", "language", "is_staff", "is_active"]
    list_filter = ["is_staff", "is_superuser", "is_active", "language"]
    search_fields = ["email", "first_name", "last_name"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Personal info"), {"fields": ("first_name", "last_name", "language")}),
        (
            _("Permissions"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)
    actions = ["deactivate_users", "reactivate_users"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        # Deactivation goes through the actions: they end the sessions and leave a record.
        readonly = list(super().get_readonly_fields(request, obj))
        return [*readonly, "is_active", "account_history"] if obj else readonly

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None:
            return fieldsets
        return (*fieldsets, (_("Account history"), {"fields": ("account_history",)}))

    @admin.display(description=_("account history"))
    def account_history(self, obj: User) -> str:
        return _history(obj)

    @admin.action(
        description=_("Deactivate the selected users (ends their sessions)"), permissions=["change"]
    )
    def deactivate_users(self, request: HttpRequest, queryset: QuerySet[User]) -> Any:
        return _confirm_or_run(
            self,
            request,
            queryset,
            action="deactivate_users",
            title=_("Deactivate users"),
            question=_(
                "These people will be logged out at once and will not be able to log in "
                "again until reactivated. Deactivate them?"
            ),
            run=lambda user: services.user_deactivate(
                user=user, actor=_actor(request), ip_address=client_ip(request)
            ),
            done=_("%(count)d user(s) deactivated."),
        )

    @admin.action(description=_("Reactivate the selected users"), permissions=["change"])
    def reactivate_users(self, request: HttpRequest, queryset: QuerySet[User]) -> Any:
        return _confirm_or_run(
            self,
            request,
            queryset,
            action="reactivate_users",
            title=_("Reactivate users"),
            question=_("These people will be able to log in again. Reactivate them?"),
            run=lambda user: services.user_reactivate(
                user=user, actor=_actor(request), ip_address=client_ip(request)
            ),
            done=_("%(count)d user(s) reactivated."),
        )


class OfficialInline(admin.TabularInline):
    """The officials of a Member State, read-only: they are added (and invited) and
    deactivated from the officials' page, where every change leaves a record."""

    model = Official
    fk_name = "member_state"
    extra = 0
    fields = ["user", "role", "official_title", "is_active", "granted_by", "granted_at"]
    readonly_fields = ["user", "role", "official_title", "is_active", "granted_by", "granted_at"]
    show_change_link = True
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Official]:
        return super().get_queryset(request).select_related("user", "granted_by")


class MemberStateEventInline(admin.TabularInline):
    """The record of a Member State's imports and register loads, read-only."""

    model = MemberStateEvent
    fk_name = "member_state"
    extra = 0
    fields = ["at", "kind", "actor", "ip_address", "detail"]
    readonly_fields = ["at", "kind", "actor", "ip_address", "detail"]
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[MemberStateEvent]:
        return super().get_queryset(request).select_related("actor")


class LanguageColumnsMixin:
    """The per-language boxes of django-modeltranslation marked with their language, so that
    an English text stays left to right in the Arabic admin, and the Arabic one right to left
    in every admin."""

    def formfield_for_dbfield(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        field = super().formfield_for_dbfield(db_field, request, **kwargs)  # type: ignore[misc]
        language = getattr(db_field, "language", None)
        if field is not None and language:
            bidi = translation.get_language_info(language)["bidi"]
            field.widget.attrs.update({"lang": language, "dir": "rtl" if bidi else "ltr"})
        return field


@admin.register(MemberState)
class MemberStateAdmin(SpreadsheetMixin, LanguageColumnsMixin, TranslationAdmin):
    """Member States; import (codes, names, region, dates) updates by ISO alpha-3 code."""

    resource_classes = [MemberStateResource]
    import_permissions = ("add", "change")
    export_filename_prefix = "member-states"
    list_display = ["name", "alpha2", "alpha3", "region", "joined_on", "left_on", "official_count"]
    list_filter = ["region"]
    search_fields = [
        *(f"name_{code.replace('-', '_')}" for code, _label in settings.LANGUAGES),
        "alpha2",
        "alpha3",
    ]
    ordering = ["name"]
    inlines = [OfficialInline, MemberStateEventInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[MemberState]:
        return super().get_queryset(request).annotate(_official_count=Count("officials"))

    @admin.display(description=_("officials"), ordering="_official_count")
    def official_count(self, obj: Any) -> int:
        return int(obj._official_count)


@admin.register(Official)
class OfficialAdmin(SpreadsheetMixin, admin.ModelAdmin):
    """TSB grants access here: adding an official creates the account and e-mails an
    invitation (services.official_create); actions resend it, deactivate, reactivate.

    Import creates new officials through the same service, only once TSB confirms the
    preview; each gets an invitation once the whole import has committed.
    """

    export_filename_prefix = "officials"

    def get_import_resource_classes(self, request: HttpRequest) -> list[Any]:
        return [OfficialImportResource]

    def get_export_resource_classes(self, request: HttpRequest) -> list[Any]:
        return [OfficialExportResource]

    list_display = ["user", "member_state", "role", "official_title", "is_active", "granted_at"]
    list_filter = ["role", "is_active", "member_state__region"]
    search_fields = ["user__email", "user__first_name", "user__last_name", "member_state__name"]
    list_select_related = ["user", "member_state"]
    autocomplete_fields = ["member_state"]
    readonly_fields = ["user", "is_active", "granted_by", "granted_at", "account_history"]
    add_form = OfficialCreateForm
    add_fieldsets = (
        (_("Person"), {"fields": ("email", "first_name", "last_name", "language")}),
        (_("Access"), {"fields": ("member_state", "role", "official_title")}),
    )
    actions = ["send_invitation", "deactivate_officials", "reactivate_officials"]

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return self.add_fieldsets
        return super().get_fieldsets(request, obj)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return self.readonly_fields if obj else []

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        if obj is None:
            kwargs["form"] = self.add_form
        return super().get_form(request, obj, change=change, **kwargs)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # An official's record says who was allowed to reply for a state, and when:
        # deactivate, never delete.
        return False

    def save_form(self, request: HttpRequest, form: Any, change: bool) -> Any:
        if change:
            return super().save_form(request, form, change)
        data = form.cleaned_data
        return services.official_create(
            email=data["email"],
            first_name=data["first_name"],
            last_name=data["last_name"],
            language=data["language"],
            member_state=data["member_state"],
            role=data["role"],
            official_title=data["official_title"],
            actor=_actor(request),
            ip_address=client_ip(request),
        )

    def save_model(self, request: HttpRequest, obj: Official, form: Any, change: bool) -> None:
        if change:  # on add, official_create has saved everything
            super().save_model(request, obj, form, change)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        if change:
            super().save_related(request, form, formsets, change)

    def response_add(
        self, request: HttpRequest, obj: Official, post_url_continue: Any = None
    ) -> Any:
        self.message_user(
            request,
            _("An invitation has been e-mailed to %(email)s.") % {"email": obj.user.email},
            messages.INFO,
        )
        return super().response_add(request, obj, post_url_continue)

    @admin.display(description=_("account history"))
    def account_history(self, obj: Official) -> str:
        return _history(obj.user)

    @admin.action(description=_("Send (or resend) the invitation"), permissions=["change"])
    def send_invitation(self, request: HttpRequest, queryset: QuerySet[Official]) -> Any:
        return _confirm_or_run(
            self,
            request,
            queryset.select_related("user", "member_state"),
            action="send_invitation",
            title=_("Send invitations"),
            question=_(
                "Each of these officials will receive an e-mail with a link to set their "
                "password. Links sent before to someone who has not set a password yet stop "
                "working. Send the invitations?"
            ),
            run=lambda official: services.official_invite(
                official=official, actor=_actor(request), ip_address=client_ip(request)
            ),
            done=_("%(count)d invitation(s) sent."),
        )

    @admin.action(description=_("Deactivate (ends their sessions at once)"), permissions=["change"])
    def deactivate_officials(self, request: HttpRequest, queryset: QuerySet[Official]) -> Any:
        return _confirm_or_run(
            self,
            request,
            queryset.select_related("user", "member_state"),
            action="deactivate_officials",
            title=_("Deactivate officials"),
            question=_(
                "These officials will be logged out at once and will reach nothing until "
                "reactivated. Deactivate them?"
            ),
            run=lambda official: services.official_deactivate(
                official=official, actor=_actor(request), ip_address=client_ip(request)
            ),
            done=_("%(count)d official(s) deactivated."),
        )

    @admin.action(description=_("Reactivate"), permissions=["change"])
    def reactivate_officials(self, request: HttpRequest, queryset: QuerySet[Official]) -> Any:
        return _confirm_or_run(
            self,
            request,
            queryset.select_related("user", "member_state"),
            action="reactivate_officials",
            title=_("Reactivate officials"),
            question=_("These officials will be able to log in again. Reactivate them?"),
            run=lambda official: services.official_reactivate(
                official=official, actor=_actor(request), ip_address=client_ip(request)
            ),
            done=_("%(count)d official(s) reactivated."),
        )


@admin.register(Observer)
class ObserverAdmin(admin.ModelAdmin):
    list_display = ["user", "category", "organization", "study_group_number", "is_active"]
    list_filter = ["category", "is_active"]
    search_fields = ["user__email", "organization"]
    list_select_related = ["user"]
    autocomplete_fields = ["user"]
    readonly_fields = ["granted_by", "granted_at"]

    def save_model(self, request: HttpRequest, obj: Observer, form: Any, change: bool) -> None:
        if not change:
            obj.granted_by = request.user  # type: ignore[assignment]
        super().save_model(request, obj, form, change)


class EventAdmin(admin.ModelAdmin):
    """An append-only record of events: read-only, written by the services only."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def history_view(self, request: HttpRequest, object_id: str, extra_context: Any = None) -> Any:
        # Django answers "does not exist" before checking permissions; refuse first.
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        return super().history_view(request, object_id, extra_context)


@admin.register(AccountEvent)
class AccountEventAdmin(EventAdmin):
    """The account history: read-only, written by the services."""

    list_display = ["at", "subject", "kind", "actor", "ip_address"]
    list_filter = ["kind"]
    search_fields = ["subject__email", "actor__email", "ip_address"]
    list_select_related = ["subject", "actor"]
    date_hierarchy = "at"
    fields = ["at", "subject", "kind", "actor", "ip_address", "detail"]
    readonly_fields = ["at", "subject", "kind", "actor", "ip_address", "detail"]


@admin.register(MemberStateEvent)
class MemberStateEventAdmin(EventAdmin):
    """The record of Member States created or changed: read-only, written by the services."""

    list_display = ["at", "member_state", "kind", "actor", "ip_address"]
    list_filter = ["kind"]
    search_fields = ["member_state__alpha3", "member_state__alpha2", "actor__email", "ip_address"]
    list_select_related = ["member_state", "actor"]
    date_hierarchy = "at"
    fields = ["at", "member_state", "kind", "actor", "ip_address", "detail"]
    readonly_fields = ["at", "member_state", "kind", "actor", "ip_address", "detail"]


@admin.register(AuditEvent)
class AuditEventAdmin(ExportPermissionBase, ExportMixin, EventAdmin):
    """The audit trail: read, filtered and exported by TSB (export permission); written by
    accounts.audit only."""

    list_display = ["at", "kind", "actor", "login", "member_state", "ip_address", "target"]
    list_filter = [
        "kind",
        "member_state__region",
        ("member_state", admin.RelatedOnlyFieldListFilter),
    ]
    search_fields = ["actor__email", "login", "ip_address", "target", "member_state__name"]
    list_select_related = ["actor", "member_state"]
    date_hierarchy = "at"
    fields = [
        "at",
        "kind",
        "actor",
        "login",
        "member_state",
        "ip_address",
        "path",
        "target",
        "detail",
    ]
    readonly_fields = fields
    resource_classes = [AuditEventResource]
    export_filename_prefix = "audit"


admin.site.unregister(UserSession)


@admin.register(UserSession)
class UserSessionAdmin(allauth.usersessions.admin.UserSessionAdmin):
    # allauth searches user__username, which our e-mail-only User has not.
    search_fields = ["user__email", "ip"]
    list_select_related = ["user"]

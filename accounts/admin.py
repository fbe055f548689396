from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from accounts.models import MemberState, Observer, Official, User


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


class OfficialInline(admin.TabularInline):
    model = Official
    fk_name = "member_state"
    extra = 0
    fields = ["user", "role", "official_title", "is_active", "granted_by", "granted_at"]
    readonly_fields = ["granted_by", "granted_at"]
    autocomplete_fields = ["user"]
    show_change_link = True

    def get_queryset(self, request: HttpRequest) -> QuerySet[Official]:
        return super().get_queryset(request).select_related("user", "granted_by")


@admin.register(MemberState)
class MemberStateAdmin(admin.ModelAdmin):
    list_display = ["name", "alpha2", "alpha3", "region", "joined_on", "left_on", "official_count"]
    list_filter = ["region"]
    search_fields = ["name", "alpha2", "alpha3"]
    ordering = ["name"]
    inlines = [OfficialInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[MemberState]:
        return super().get_queryset(request).annotate(_official_count=Count("officials"))

    @admin.display(description=_("officials"), ordering="_official_count")
    def official_count(self, obj: Any) -> int:
        return int(obj._official_count)


@admin.register(Official)
class OfficialAdmin(admin.ModelAdmin):
    list_display = ["user", "member_state", "role", "official_title", "is_active", "granted_at"]
    list_filter = ["role", "is_active", "member_state__region"]
    search_fields = ["user__email", "user__first_name", "user__last_name", "member_state__name"]
    list_select_related = ["user", "member_state"]
    autocomplete_fields = ["user", "member_state"]
    readonly_fields = ["granted_by", "granted_at"]

    def save_model(self, request: HttpRequest, obj: Official, form: Any, change: bool) -> None:
        # Record who granted the access (the audit trail of who may reply for a state).
        if not change:
            obj.granted_by = request.user  # type: ignore[assignment]
        super().save_model(request, obj, form, change)


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

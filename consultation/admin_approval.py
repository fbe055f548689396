"""The admin of stage two (Resolution 1, 9.5, 9.6): the meeting's decisions and the formal
oppositions, read-only (written by services/approval.py from TSB's page of each draft,
consultation:draft-life, and from the officials' opposition page)."""

from __future__ import annotations

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from accounts.admin import EventAdmin
from consultation.models import DraftOutcome, NoticeDraft, Opposition, OutcomeStatement


class OutcomeStatementInline(admin.TabularInline):
    model = OutcomeStatement
    extra = 0
    can_delete = False
    fields = ["member_state", "kind", "text"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(DraftOutcome)
class DraftOutcomeAdmin(EventAdmin):
    list_display = ["at", "draft", "decision", "meeting_last_day", "actor", "ip_address", "life"]
    list_filter = ["decision"]
    search_fields = ["draft__number", "actor__email"]
    list_select_related = ["draft", "actor"]
    date_hierarchy = "at"
    fields = ["draft", "decision", "meeting_last_day", "note", "actor", "at", "ip_address"]
    readonly_fields = fields
    inlines = [OutcomeStatementInline]

    @admin.display(description=_("the text's life"))
    def life(self, obj: DraftOutcome) -> str:
        return format_html(
            '<a href="{}">{}</a>',
            reverse("consultation:draft-life", args=[obj.draft_id]),
            _("open"),
        )


@admin.register(Opposition)
class OppositionAdmin(EventAdmin):
    list_display = ["received_at", "draft", "member_state", "signatory_name", "is_late", "sha256"]
    list_filter = ["is_late"]
    search_fields = ["draft__number", "member_state__name", "signatory_name"]
    list_select_related = ["draft", "member_state"]
    fields = [
        "draft",
        "member_state",
        "text",
        "received_at",
        "is_late",
        "submitted_by",
        "signatory_name",
        "sha256",
        "ip_address",
        "content",
    ]
    readonly_fields = fields


class NoticeDraftInline(admin.TabularInline):
    """The texts an approval notice announces, as generated from the decisions."""

    model = NoticeDraft
    extra = 0
    can_delete = False
    fields = ["order", "draft", "status", "approved_on"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

"""django-import-export resources of the admin's exports: replies and results.

Export-only. Rows come from consultation.exports (the replies from the same generator as the
streamed export), as dicts keyed by field name; accounts.resources.SafeExportMixin converts
every cell on the way out, escaping every text.

The replies' resource also gives JSON's cells (export(..., json_cells=True)): texts as
written, times ISO 8601 in UTC (see consultation.exports). The admin (ReplyAdmin) adds the
Tally and Matrix sheets to XLSX and ODS.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db.models import QuerySet
from import_export import fields, resources

from accounts.resources import SafeExportMixin
from consultation import exports, selectors
from consultation.models import Circular, Reply, ReplyVersionPosition

_REPLY_HEADERS = dict(exports.REPLY_COLUMNS)
_RESULT_HEADERS = dict(exports.RESULT_COLUMNS)


def _reply(name: str) -> fields.Field:
    return fields.Field(attribute=name, column_name=_REPLY_HEADERS[name])


def _result(name: str) -> fields.Field:
    return fields.Field(attribute=name, column_name=_RESULT_HEADERS[name])


class ExportOnlyResource(SafeExportMixin, resources.Resource):
    #: The sheet's name in XLSX and ODS (tablib's Dataset.title; else "Tablib Dataset").
    sheet_title = ""

    def export(self, queryset: Any = None, **kwargs: Any) -> Any:
        dataset = super().export(queryset, **kwargs)
        if self.sheet_title:
            dataset.title = self.sheet_title
        return dataset

    @classmethod
    def get_display_name(cls) -> str:
        return str(getattr(cls._meta, "name", cls.__name__))

    def import_data(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError("This resource only exports.")


class ReplyPositionResource(ExportOnlyResource):
    """One row per draft of each reply's counted version (latest on time) and late versions.

    The admin passes the Reply changelist's queryset (its filters and search apply); the rows
    are those replies' positions from selectors.positions_for_export.
    """

    sheet_title = exports.REPLY_SHEET_TITLE

    circular = _reply("circular")
    draft = _reply("draft")
    member_state = _reply("member_state")
    region = _reply("region")
    decision = _reply("decision")
    comments = _reply("comments")
    reasons = _reply("reasons")
    possible_changes = _reply("possible_changes")
    attachments = _reply("attachments")
    submitted_at = _reply("submitted_at")
    channel = _reply("channel")
    late = _reply("late")
    version = _reply("version")
    sha256 = _reply("sha256")
    signatory = _reply("signatory")
    official_title = _reply("official_title")
    demo = _reply("demo")

    class Meta:
        name = "Replies (one row per draft and version)"
        fields = tuple(name for name, _ in exports.REPLY_COLUMNS)
        export_order = fields

    def get_queryset(self) -> QuerySet[ReplyVersionPosition]:
        return selectors.positions_for_export()

    def export(self, queryset: Any = None, **kwargs: Any) -> Any:
        self.json_cells = bool(kwargs.get("json_cells"))
        return super().export(queryset, **kwargs)

    def export_field(self, field: fields.Field, instance: Any, **kwargs: Any) -> Any:
        if kwargs.get("json_cells"):
            return field.get_value(instance)  # exports.json_rows made it already
        return super().export_field(field, instance, **kwargs)

    def filter_export(self, queryset: Any, **kwargs: Any) -> QuerySet[ReplyVersionPosition]:
        if queryset.model is ReplyVersionPosition:
            return queryset
        if queryset.model is Reply:
            return exports.positions_of_replies(queryset)
        if queryset.model is Circular:
            return selectors.positions_for_export(circulars=queryset)
        raise TypeError(f"No reply rows for a queryset of {queryset.model.__name__}.")

    def iter_queryset(self, queryset: Any) -> Iterator[dict[str, Any]]:
        names = self._meta.fields
        rows = exports.json_rows if getattr(self, "json_cells", False) else exports.reply_rows
        for row in rows(queryset):
            yield dict(zip(names, row, strict=True))


class ResultsResource(ExportOnlyResource):
    """One row per draft of each published or closed circular: the Resolution 1 tally."""

    sheet_title = exports.RESULT_SHEET_TITLE

    circular = _result("circular")
    draft = _result("draft")
    title = _result("title")
    replies = _result("replies")
    supporting_no_comments = _result("supporting_no_comments")
    supporting_with_comments = _result("supporting_with_comments")
    not_supporting = _result("not_supporting")
    percent = _result("percent")
    proceeds = _result("proceeds")
    late = _result("late")
    frozen_at = _result("frozen_at")
    demo = _result("demo")

    class Meta:
        name = "Results (one row per draft)"
        fields = tuple(name for name, _ in exports.RESULT_COLUMNS)
        export_order = fields

    def get_queryset(self) -> QuerySet[Circular]:
        return Circular.objects.order_by("-study_period", "-number")

    def iter_queryset(self, queryset: Any) -> Iterator[dict[str, Any]]:
        return exports.result_rows(queryset)

"""The admin's list of replies with each row's cells cached (issue 14).

Django's admin builds every cell of every row (12 columns: the state, its region, the
circular, the signatory...) on every view of the list: three fifths of the page's time. A
row's cells depend only on what they show and on the page's link parameters, so they are
cached under a key made of exactly those: the reply's shown values (and its related
records' names), the language, the time zone and the list's preserved filters. A change to
any shown value is a new key; nothing is invalidated by hand.
"""

from __future__ import annotations

import hashlib
from typing import Any

from django import template
from django.contrib.admin.templatetags.admin_list import (
    ResultList,
    items_for_result,
    result_headers,
    result_hidden_fields,
)
from django.contrib.admin.templatetags.base import InclusionAdminNode
from django.core.cache import cache
from django.utils import timezone, translation
from django.utils.safestring import mark_safe

register = template.Library()

#: Bumped when the columns or their rendering change (a deploy then starts a fresh cache).
ROW_VERSION = 1
ROW_SECONDS = 3600


def _user(user: Any) -> tuple[Any, ...]:
    return (user.pk, user.first_name, user.last_name, user.email) if user else ()


def row_key(cl: Any, reply: Any) -> str:
    """Everything a row's cells show or link with, hashed."""
    state, circular = reply.member_state, reply.circular
    shown = (
        ROW_VERSION,
        translation.get_language(),
        timezone.get_current_timezone_name(),
        cl.preserved_filters,
        cl.to_field,
        cl.is_popup,
        tuple(cl.list_display),
        reply.pk,
        reply.status,
        reply.version,
        reply.submitted_at.isoformat() if reply.submitted_at else "",
        reply.channel,
        reply.is_late,
        reply.is_demo,
        circular.pk,
        circular.kind,
        circular.number,
        state.pk,
        state.name,
        state.region,
        _user(reply.submitted_by),
        _user(reply.entered_by),
    )
    return "admin-reply-row:" + hashlib.sha256(repr(shown).encode()).hexdigest()


def cached_results(cl: Any) -> list[ResultList]:
    rows = list(cl.result_list)
    keys = [row_key(cl, reply) for reply in rows]
    found = cache.get_many(keys)
    missing = {}
    results = []
    for key, reply in zip(keys, rows, strict=True):
        cells = found.get(key)
        if cells is None:
            cells = [str(cell) for cell in items_for_result(cl, reply, None)]
            missing[key] = cells
        results.append(ResultList(None, [mark_safe(cell) for cell in cells]))  # noqa: S308
    if missing:
        cache.set_many(missing, ROW_SECONDS)
    return results


def reply_result_list(cl: Any) -> dict[str, Any]:
    """django.contrib.admin's result_list, with cached rows (no list_editable here)."""
    headers = list(result_headers(cl))
    return {
        "cl": cl,
        "result_hidden_fields": list(result_hidden_fields(cl)),
        "result_headers": headers,
        "num_sorted_fields": sum(1 for h in headers if h["sortable"] and h["sorted"]),
        "results": cached_results(cl) if not cl.formset else [],
    }


@register.tag(name="reply_result_list")
def reply_result_list_tag(parser: Any, token: Any) -> InclusionAdminNode:
    return InclusionAdminNode(
        parser,
        token,
        func=reply_result_list,
        template_name="change_list_results.html",
        takes_context=False,
    )

"""One way for every bulk admin action that changes state: confirm first, then run a service
for each selected object (the pattern of Django's own delete_selected).

Used by the accounts and the consultation admins (consultation may import accounts).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils.functional import Promise

StrOrPromise = str | Promise


def confirm_then_run(
    modeladmin: admin.ModelAdmin,
    request: HttpRequest,
    queryset: QuerySet[Any],
    *,
    action: str,
    title: StrOrPromise,
    question: StrOrPromise,
    run: Callable[[Any], object],
    done: StrOrPromise,
    refusals: tuple[type[Exception], ...],
    notes: Mapping[Any, Sequence[str]] | None = None,
    extra_context: Mapping[str, Any] | None = None,
) -> TemplateResponse | None:
    """Show a confirmation page; on confirmation, call `run` for each selected object.

    Each object is its own transaction: one refusal (an exception in `refusals`) does not
    undo the others, and every refusal is reported with its reason. `notes` maps an object's
    pk to lines shown under it on the confirmation page (e.g. Resolution 1 warnings).
    `extra_context` goes to the page as is: a button on an object's change page passes
    `original` (the breadcrumbs lead back to it) and `cancel_url`.
    """
    if request.POST.get("post") != "yes":
        context = {
            **modeladmin.admin_site.each_context(request),
            "title": title,
            "question": question,
            "objects": list(queryset),
            "notes": notes or {},
            "action": action,
            "opts": modeladmin.model._meta,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            **(extra_context or {}),
        }
        return TemplateResponse(request, "admin/confirm_action.html", context)
    succeeded = 0
    for obj in queryset:
        try:
            run(obj)
        except refusals as exc:
            modeladmin.message_user(request, str(exc), messages.ERROR)
        else:
            succeeded += 1
    if succeeded:
        modeladmin.message_user(request, str(done) % {"count": succeeded}, messages.SUCCESS)
    return None

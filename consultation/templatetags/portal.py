"""Template tags of the portal: dates in the reader's language (consultation.formatting) and
content held in several languages, shown in the reader's with a visible fallback to English."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django import template
from django.conf import settings
from django.utils import translation
from modeltranslation.utils import build_localized_fieldname

from consultation import formatting

register = template.Library()


@register.filter
def day(value: datetime.date | None) -> str:
    return formatting.format_day(value)


@register.filter
def utc(value: datetime.datetime | None, arg: str = "") -> str:
    """`{{ at|utc }}`, or `{{ at|utc:"seconds" }}` for receipts."""
    return formatting.format_utc(value, seconds=arg == "seconds")


@register.filter
def time_left(deadline: datetime.datetime, now: datetime.datetime) -> str:
    return formatting.time_left(deadline, now)


@dataclass(frozen=True)
class Shown:
    """A text held in several languages, as shown to this reader: which language it is in,
    and whether it falls back (it is not yet available in the reader's language)."""

    text: str
    lang: str
    fallback: bool

    @property
    def dir(self) -> str:
        return "rtl" if translation.get_language_info(self.lang)["bidi"] else "ltr"

    def __str__(self) -> str:
        return self.text


@register.simple_tag
def translated(obj: Any, field: str) -> Shown:
    """`{% translated circular "subject" as subject %}`: the reader's text, else English."""
    reader = translation.get_language() or settings.LANGUAGE_CODE
    text = getattr(obj, build_localized_fieldname(field, reader), None)
    if text:
        return Shown(text=text, lang=reader, fallback=False)
    english = getattr(obj, build_localized_fieldname(field, "en"), None) or ""
    return Shown(text=english, lang="en", fallback=reader != "en" and bool(english))


@register.simple_tag
def position_block(form: Any) -> Any:
    """`{% position_block form %}`: one draft's block of the reply form
    (consultation.forms.position_block)."""
    from consultation.forms import position_block as build

    return build(form)


@register.simple_tag
def result_lines(results: Any) -> Any:
    """`{% result_lines results %}`: one <li> per draft of frozen (or live) results: its
    number, how many on-time replies support consideration, whether it may proceed. Written
    out here, with each sentence translated once, for the pages that list many circulars'
    results (the official's home: issue 14)."""
    from django.utils.html import conditional_escape
    from django.utils.safestring import mark_safe
    from django.utils.translation import gettext

    pattern = gettext("%(s)s of %(n)s on-time replies support consideration")
    verdicts = {
        True: conditional_escape(gettext("consideration may proceed")),
        False: conditional_escape(gettext("consideration may not proceed at this meeting")),
    }
    lines = (
        f'<li><bdi dir="ltr">{conditional_escape(d.number)}</bdi>: '
        f"{conditional_escape(pattern % {'s': d.supporting, 'n': d.replies})} — "
        f"{verdicts[bool(d.proceeds)]}</li>"
        for d in results.drafts
    )
    return mark_safe("\n".join(lines))  # noqa: S308 (every value is escaped)


@register.filter
def admin_sidebar_key(request: Any) -> str:
    """What the admin's sidebar shows depends on (templates/admin/nav_sidebar.html): the
    user and their permissions, the language, and the first two parts of the path after
    the admin's root (the app and model its "current" marks compare with request.path)."""
    import hashlib

    from django.urls import reverse

    user = request.user
    permissions = ",".join(sorted(user.get_all_permissions())) if user.is_active else ""
    root = reverse("admin:index")
    section = (
        "/".join(request.path[len(root) :].split("/")[:2]) if request.path.startswith(root) else ""
    )
    digest = hashlib.sha256(
        f"{user.pk}|{user.is_superuser}|{permissions}|{section}".encode()
    ).hexdigest()
    return f"{translation.get_language()}:{digest}"

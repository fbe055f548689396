"""Template filters of the portal: dates in the reader's language (consultation.formatting)."""

from __future__ import annotations

import datetime

from django import template

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

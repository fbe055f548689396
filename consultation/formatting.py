"""Dates, times and durations as the reader's language writes them: one format per kind.

- a date: the locale's DATE_FORMAT ("21 February 2020", "2020年2月21日");
- a moment: always in UTC and saying so ("21 February 2020, 23:59 UTC"), ITU states deadlines so;
- time left: the largest sensible unit, with the language's plural forms ("3 weeks left").

The formats themselves are in config/formats/<locale>/formats.py (FORMAT_MODULE_PATH).
"""

from __future__ import annotations

import datetime

from django.utils import formats
from django.utils.translation import gettext, ngettext


def format_day(value: datetime.date | None) -> str:
    """A calendar date in the reader's language, e.g. "21 February 2020"."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        value = value.astimezone(datetime.UTC).date()
    return formats.date_format(value, "DATE_FORMAT")


def format_utc(value: datetime.datetime | str | None, *, seconds: bool = False) -> str:
    """A moment in UTC, stating UTC, e.g. "21 February 2020, 23:59 UTC".

    Also takes the ISO 8601 text that notifications keep in their stored context.
    """
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        value = datetime.datetime.fromisoformat(value)
    value = value.astimezone(datetime.UTC)
    time = value.strftime("%H:%M:%S") if seconds else value.strftime("%H:%M")
    return gettext("%(date)s, %(time)s UTC") % {
        "date": formats.date_format(value.date(), "DATE_FORMAT"),
        "time": time,
    }


def time_left(deadline: datetime.datetime, now: datetime.datetime) -> str:
    """How long until `deadline`, in the largest unit that reads naturally; "" once it passed."""
    seconds = (deadline - now).total_seconds()
    if seconds <= 0:
        return ""
    minutes = int(seconds // 60)
    hours, days = minutes // 60, minutes // 1440
    if days >= 60:
        n = days // 30
        return ngettext("%(count)d month left", "%(count)d months left", n) % {"count": n}
    if days >= 14:
        n = days // 7
        return ngettext("%(count)d week left", "%(count)d weeks left", n) % {"count": n}
    if days >= 2:
        return ngettext("%(count)d day left", "%(count)d days left", days) % {"count": days}
    if hours >= 2:
        return ngettext("%(count)d hour left", "%(count)d hours left", hours) % {"count": hours}
    if minutes >= 1:
        return ngettext("%(count)d minute left", "%(count)d minutes left", minutes) % {
            "count": minutes
        }
    return gettext("less than a minute left")

"""The public pages, without login: the consultations, each circular as issued, its aggregate
results once closed, and a calendar (iCalendar) of the deadlines and meetings.

Only published and closed circulars show; a draft is a 404. Results are the frozen aggregate
figures of a closed circular: never a Member State's reply, nor who replied what.
"""

from __future__ import annotations

import datetime
from typing import Any

import icalendar
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from consultation import selectors
from consultation.models import Circular
from consultation.templatetags.portal import translated

PRODID = "-//ITU TSB//Consultation portal//EN"
UID_DOMAIN = "consultation-portal"


@require_GET
def circular_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "consultation/public/circular_list.html",
        {
            "circulars": selectors.public_circulars(),
            "notices": selectors.published_notices(limit=50),
            "now": timezone.now(),
        },
    )


@require_GET
def circular_detail(request: HttpRequest, pk: int) -> HttpResponse:
    circular = selectors.public_circular_get(pk=pk)
    if circular is None:
        raise Http404
    context: dict[str, Any] = {
        "circular": circular,
        "drafts": circular.drafts.all(),
        "copies": circular.copies.all(),
        "has_demo": circular.is_demo or circular.has_demo_replies,  # type: ignore[attr-defined]
        "now": timezone.now(),
    }
    if circular.is_notice:
        context["announced"] = circular.announced.select_related("draft__circular")
        return render(request, "consultation/notice_detail.html", context)
    if circular.status == Circular.Status.CLOSED:
        context["stages"] = selectors.draft_stages(drafts=context["drafts"], now=context["now"])
        results = selectors.circular_results_table(circular=circular)
        context.update(
            results=results,
            did_not_reply=results.electorate - results.replied,
            frozen_at=(
                datetime.datetime.fromisoformat(results.frozen_at) if results.frozen_at else None
            ),
        )
    return render(request, "consultation/public/circular_detail.html", context)


@require_GET
def draft_life(request: HttpRequest, pk: int) -> HttpResponse:
    """A draft's whole life in public: the consultations it went through and their aggregate
    results, the meeting's decision, approved or not and when, the approval notice. Who said
    what is public only as the meeting's report makes it (reservations, oppositions); who
    recorded it, and from where, is TSB's."""
    from consultation.models import DraftRecommendation

    draft = (
        DraftRecommendation.objects.select_related("circular")
        .filter(pk=pk, circular__status__in=selectors.PUBLIC_STATUSES)
        .first()
    )
    if draft is None:
        raise Http404
    now = timezone.now()
    return render(
        request,
        "consultation/public/draft_life.html",
        {
            "draft": draft,
            "chapters": selectors.draft_life(draft=draft, now=now, public=True),
            "now": now,
        },
    )


@require_GET
def deadlines_ics(request: HttpRequest) -> HttpResponse:
    """Per circular an event at its deadline (UTC), per meeting an all-day event; in the
    language of the request. UIDs are stable, so a subscribed calendar updates in place."""
    calendar = _calendar(request, selectors.public_calendar_circulars())
    response = HttpResponse(calendar.to_ical(), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="deadlines.ics"'
    return response


def _calendar(request: HttpRequest, circulars: list[Circular]) -> icalendar.Calendar:
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    name = _("ITU-T consultations: deadlines and meetings")
    calendar.add("name", name)
    calendar.add("x-wr-calname", name)
    meetings: dict[int, list[Circular]] = {}
    for circular in circulars:
        assert circular.deadline is not None  # published and closed circulars have one
        url = request.build_absolute_uri(reverse("public:circular-detail", args=[circular.pk]))
        stamp = circular.updated_at.astimezone(datetime.UTC)
        deadline = circular.deadline.astimezone(datetime.UTC)
        event = icalendar.Event()
        event.add("uid", f"circular-{circular.pk}-deadline@{UID_DOMAIN}")
        event.add("dtstamp", stamp)
        event.add("last-modified", stamp)
        event.add("dtstart", deadline)
        event.add("dtend", deadline + datetime.timedelta(minutes=1))
        event.add("transp", "TRANSPARENT")
        summary = _("Deadline for replies: %(circular)s") % {"circular": circular}
        event.add("summary", _demo(summary) if circular.is_demo else summary)
        event.add("description", f"{translated(circular, 'subject').text}\n\n{url}")
        event.add("url", url)
        calendar.add_component(event)
        meetings.setdefault(circular.meeting_id, []).append(circular)
    # One event per meeting, however many circulars propose texts for approval at it.
    for group in meetings.values():
        meeting, study_group = group[0].meeting, group[0].study_group
        place = translated(meeting, "place").text
        urls = [
            request.build_absolute_uri(reverse("public:circular-detail", args=[c.pk]))
            for c in group
        ]
        event = icalendar.Event()
        stamp = max(c.updated_at for c in group).astimezone(datetime.UTC)
        event.add("uid", f"meeting-{meeting.pk}@{UID_DOMAIN}")
        event.add("dtstamp", stamp)
        event.add("last-modified", stamp)
        event.add("dtstart", meeting.starts_on)
        event.add("dtend", meeting.ends_on + datetime.timedelta(days=1))  # exclusive
        event.add("transp", "TRANSPARENT")
        summary = _("ITU-T %(group)s meeting, %(place)s") % {"group": study_group, "place": place}
        event.add("summary", _demo(summary) if all(c.is_demo for c in group) else summary)
        event.add("location", place)
        lines = [f"{study_group}: {translated(study_group, 'title').text}"]
        lines += [
            _("%(circular)s: %(url)s") % {"circular": c, "url": u}
            for c, u in zip(group, urls, strict=True)
        ]
        event.add("description", "\n".join(lines))
        event.add("url", urls[0])
        calendar.add_component(event)
    return calendar


def _demo(summary: str) -> str:
    """Demonstration data is labelled as such wherever it shows, calendars included."""
    return _("%(summary)s (demonstration data)") % {"summary": summary}

"""The public pages (no login): the consultations, a circular with its aggregate results once
closed, and the deadlines calendar. Never a Member State's reply, nor who replied what."""

from __future__ import annotations

import datetime
import re

import icalendar
import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from consultation import selectors, services
from consultation.attachments import validate_upload
from consultation.models import Circular, Reply
from tests import factories

pytestmark = pytest.mark.django_db

# What the replies say and who sent them: none of it may appear on a public page.
SECRETS = (
    "Ruritania",
    "Freedonia",
    "Latveria",
    "Elbonia",
    "zebra clause",
    "Clause 7 of Freedonia",
    "late but heartfelt reasons",
    "a different annex",
    "Olga Xylophone",
    "Director of zebra affairs",
    "signatory.rur@example.org",
)


def visible(response) -> str:
    """The text of a page, tags removed and spaces collapsed."""
    text = re.sub(r"<[^>]+>", "", response.content.decode())
    return re.sub(r"\s+", " ", text)


def publish(**kwargs) -> Circular:
    now = timezone.now()
    return factories.CircularFactory(
        status=Circular.Status.PUBLISHED, published_at=now, issued_on=now.date(), **kwargs
    )


def header(official, title: str = "Director") -> dict[str, str]:
    """An Annex 2 From block that carries the signatory's identity."""
    return {
        "from_name": official.user.get_full_name(),
        "from_title": title,
        "from_email": official.user.email,
    }


def close(circular: Circular, tsb_staff) -> Circular:
    assert circular.deadline is not None
    return services.circular_close(
        circular_id=circular.pk,
        actor=tsb_staff,
        now=circular.deadline + datetime.timedelta(seconds=3),
    )


@pytest.fixture
def closed_circular(tsb_staff) -> Circular:
    """TSB Circular 205 with ITU-T Q.5051: two on-time replies that support it (one with
    comments), one late reply against it, and one Member State that did not reply."""
    circular = publish(number=205, reference="SG11/DA", contact_email="tsbsg11@itu.int")
    draft = factories.DraftFactory(
        circular=circular, order=1, number="ITU-T Q.5051", former_name="Q.FW_CSM"
    )
    rur = factories.OfficialFactory(
        member_state__name="Ruritania",
        user__email="signatory.rur@example.org",
        user__first_name="Olga",
        user__last_name="Xylophone",
    )
    fre = factories.OfficialFactory(member_state__name="Freedonia")
    latveria = factories.MemberStateFactory(name="Latveria")
    factories.MemberStateFactory(name="Elbonia")
    services.reply_save_draft(
        circular_id=circular.pk,
        official=rur,
        expected_revision=0,
        header=header(rur, "Director of zebra affairs"),
        positions={draft.pk: {"decision": "authorize_comments", "comments": "Add a zebra clause."}},
    )
    services.reply_submit(circular_id=circular.pk, official=rur, expected_revision=1)
    services.reply_save_draft(
        circular_id=circular.pk,
        official=fre,
        expected_revision=0,
        header=header(fre, "Clause 7 of Freedonia"),
        positions={draft.pk: {"decision": "authorize"}},
    )
    services.reply_submit(circular_id=circular.pk, official=fre, expected_revision=1)
    from django.core.files.uploadedfile import SimpleUploadedFile

    scan = SimpleUploadedFile("scan.pdf", b"%PDF-1.4\n%%EOF\n")
    late_at = circular.deadline + datetime.timedelta(seconds=1)
    services.reply_record_offline(
        circular_id=circular.pk,
        member_state_id=latveria.pk,
        actor=tsb_staff,
        channel=Reply.Channel.FAX,
        received_at=late_at,
        header={"from_name": "L", "from_title": "T"},
        positions={
            draft.pk: {
                "decision": "do_not_authorize",
                "reasons": "late but heartfelt reasons",
                "possible_changes": "a different annex",
            }
        },
        scan=services.AttachmentUpload(
            file=scan, validated=validate_upload(scan), kind="scan", draft_id=None
        ),
        now=late_at + datetime.timedelta(seconds=1),
    )
    return close(circular, tsb_staff)


def test_anonymous_reads_the_list_and_the_circular_without_login(
    client, open_circular, closed_circular
) -> None:
    for url in (
        reverse("public:circular-list"),
        reverse("public:circular-detail", args=[open_circular.pk]),
        reverse("public:circular-detail", args=[closed_circular.pk]),
        reverse("public:deadlines-ics"),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
    text = visible(client.get(reverse("public:circular-list")))
    assert str(open_circular) in text and str(closed_circular) in text


def test_draft_circular_is_not_found_and_not_listed(client, open_circular) -> None:
    hidden = factories.CircularFactory(number=999, subject="A secret draft circular")
    factories.DraftFactory(circular=hidden, order=1)
    assert client.get(reverse("public:circular-detail", args=[hidden.pk])).status_code == 404
    text = visible(client.get(reverse("public:circular-list")))
    assert "A secret draft circular" not in text and str(hidden) not in text
    calendar = client.get(reverse("public:deadlines-ics")).content.decode()
    assert f"circular-{hidden.pk}-" not in calendar


def test_post_is_refused(client, open_circular) -> None:
    assert client.post(reverse("public:circular-list")).status_code == 405
    assert client.post(reverse("public:deadlines-ics")).status_code == 405


def test_open_circular_shows_the_circular_but_no_figures(client, open_circular, official_a) -> None:
    open_circular.body = "Dear Sir/Madam, the text of the letter."
    open_circular.save()
    draft = open_circular.drafts.get()
    draft.summary = "A summary of the draft."
    draft.save()
    services.reply_save_draft(
        circular_id=open_circular.pk,
        official=official_a,
        expected_revision=0,
        header=header(official_a),
        positions={draft.pk: {"decision": "authorize_comments", "comments": "A zebra clause."}},
    )
    services.reply_submit(circular_id=open_circular.pk, official=official_a, expected_revision=1)
    text = visible(client.get(reverse("public:circular-detail", args=[open_circular.pk])))
    assert open_circular.subject in text and open_circular.reference in text
    assert "the text of the letter" in text and "A summary of the draft." in text
    assert draft.number in text and "Open" in text
    assert "The results are published after the consultation closes." in text
    for figure in ("replied on time", "On-time replies", "support consideration", "SHA-256"):
        assert figure not in text
    assert official_a.member_state.name not in text and "zebra" not in text
    cards = visible(client.get(reverse("public:circular-list")))
    assert "support consideration" not in cards and official_a.member_state.name not in cards


def test_closed_circular_shows_aggregate_figures_only(client, closed_circular) -> None:
    response = client.get(reverse("public:circular-detail", args=[closed_circular.pk]))
    text = visible(response)
    assert "Closed" in text
    assert "2 of 4 Member States replied on time." in text
    assert "2 Member States did not reply on time." in text
    html = response.content.decode()
    cells = re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", html.split("<tbody>")[1])
    cells = [re.sub(r"<[^>]+>", "", c) for c in cells]
    assert cells == ["ITU-T Q.5051", "2", "1", "1", "0", "100.0", "yes", "1"]
    frozen = selectors.circular_results_table(circular=closed_circular)
    assert frozen.sha256 in html
    for secret in SECRETS:
        assert secret not in html, secret
    cards = client.get(reverse("public:circular-list")).content.decode()
    for secret in SECRETS:
        assert secret not in cards, secret
    assert (
        "ITU-T Q.5051: 2 of 2 on-time replies support consideration — "
        "consideration may proceed" in visible(client.get(reverse("public:circular-list")))
    )


def test_demonstration_replies_are_flagged(client, closed_circular) -> None:
    url = reverse("public:circular-detail", args=[closed_circular.pk])
    notice = "These results include demonstration replies"
    assert notice not in visible(client.get(url))
    assert notice not in visible(client.get(reverse("public:circular-list")))
    Reply.objects.filter(circular=closed_circular).update(is_demo=True)
    assert notice in visible(client.get(url))
    assert notice in visible(client.get(reverse("public:circular-list")))


def test_demonstration_circular_is_badged(client, open_circular) -> None:
    url = reverse("public:circular-detail", args=[open_circular.pk])
    assert "badge-demo" not in client.get(url).content.decode()
    Circular.objects.filter(pk=open_circular.pk).update(is_demo=True)
    assert "badge-demo" in client.get(url).content.decode()
    assert "badge-demo" in client.get(reverse("public:circular-list")).content.decode()


def test_list_is_newest_first(client, open_circular, tsb_staff) -> None:
    later = publish(deadline=open_circular.deadline + datetime.timedelta(days=10))
    earlier = publish(deadline=open_circular.deadline - datetime.timedelta(days=10))
    names = [c.pk for c in selectors.public_circulars()]
    assert names == [later.pk, open_circular.pk, earlier.pk]
    assert [c.pk for c in selectors.public_circulars(limit=2)] == [later.pk, open_circular.pk]
    text = visible(client.get(reverse("public:circular-list")))
    assert text.index(str(later)) < text.index(str(open_circular)) < text.index(str(earlier))


def _circulars(count: int, tsb_staff) -> None:
    for i in range(count):
        circular = publish()
        factories.DraftFactory(circular=circular, order=1)
        factories.DraftFactory(circular=circular, order=2)
        if i % 2:
            close(circular, tsb_staff)
    factories.CircularFactory()  # a draft, never listed


def _queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("public:circular-list")).status_code == 200
    return len(queries)


def test_list_queries_do_not_grow_with_the_circulars(
    client, tsb_staff, django_assert_max_num_queries
) -> None:
    _circulars(3, tsb_staff)
    with django_assert_max_num_queries(5):
        assert client.get(reverse("public:circular-list")).status_code == 200
    few = _queries(client)
    _circulars(17, tsb_staff)
    assert len(selectors.public_circulars()) == 20
    with django_assert_max_num_queries(5):
        assert client.get(reverse("public:circular-list")).status_code == 200
    assert _queries(client) == few


def _events(response) -> dict[str, icalendar.Event]:
    calendar = icalendar.Calendar.from_ical(response.content)
    assert str(calendar["version"]) == "2.0"
    assert "PRODID" in calendar
    return {str(event["uid"]): event for event in calendar.walk("VEVENT")}


def test_calendar_has_each_deadline_and_meeting(client, open_circular, closed_circular) -> None:
    # A second circular for the same meeting: one meeting event, not two.
    same_meeting = publish(
        study_group=open_circular.study_group,
        meeting=open_circular.meeting,
        deadline=open_circular.deadline,
    )
    factories.CircularFactory()  # a draft: not in the calendar
    response = client.get(reverse("public:deadlines-ics"))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    events = _events(response)
    circulars = [open_circular, closed_circular, same_meeting]
    meetings = {open_circular.meeting, closed_circular.meeting}
    assert set(events) == {
        *(f"circular-{c.pk}-deadline@consultation-portal" for c in circulars),
        *(f"meeting-{m.pk}@consultation-portal" for m in meetings),
    }
    for circular in circulars:
        event = events[f"circular-{circular.pk}-deadline@consultation-portal"]
        start = event["dtstart"].dt
        assert start == circular.deadline
        assert start.utcoffset() == datetime.timedelta(0)
        assert event["dtend"].dt == circular.deadline + datetime.timedelta(minutes=1)
        assert str(event["summary"]) == f"Deadline for replies: TSB Circular {circular.number}"
        url = f"http://testserver{reverse('public:circular-detail', args=[circular.pk])}"
        assert str(event["url"]) == url
        assert circular.subject in str(event["description"])
        assert url in str(event["description"])
        assert event["dtstamp"].dt.utcoffset() == datetime.timedelta(0)
    meeting = open_circular.meeting
    event = events[f"meeting-{meeting.pk}@consultation-portal"]
    start, end = event["dtstart"].dt, event["dtend"].dt
    assert type(start) is datetime.date and type(end) is datetime.date
    assert start == meeting.starts_on
    assert end == meeting.ends_on + datetime.timedelta(days=1)  # DTEND is exclusive
    assert str(event["summary"]) == "ITU-T SG11 meeting, Geneva"
    assert str(open_circular) in str(event["description"])
    assert str(same_meeting) in str(event["description"])
    # Stable: the same UIDs and contents on the next request.
    assert _events(client.get(reverse("public:deadlines-ics"))).keys() == events.keys()
    assert client.get(reverse("public:deadlines-ics")).content == response.content


def test_calendar_labels_demonstration_circulars(client, open_circular) -> None:
    Circular.objects.filter(pk=open_circular.pk).update(is_demo=True)
    events = _events(client.get(reverse("public:deadlines-ics")))
    deadline = events[f"circular-{open_circular.pk}-deadline@consultation-portal"]
    meeting = events[f"meeting-{open_circular.meeting_id}@consultation-portal"]
    assert str(deadline["summary"]).endswith("(demonstration data)")
    assert str(meeting["summary"]).endswith("(demonstration data)")


def test_calendar_speaks_the_language_of_the_request(open_circular) -> None:
    response = Client(HTTP_ACCEPT_LANGUAGE="fr").get(reverse("public:deadlines-ics"))
    assert response["Content-Language"] == "fr"
    event = _events(response)[f"circular-{open_circular.pk}-deadline@consultation-portal"]
    with translation.override("fr"):
        from django.utils.translation import gettext

        expected = gettext("Deadline for replies: %(circular)s") % {"circular": open_circular}
        assert str(open_circular) != f"TSB Circular {open_circular.number}"
    assert str(event["summary"]) == expected

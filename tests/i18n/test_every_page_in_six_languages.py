"""Every page of the official's path, the login and two-factor pages, the results page and
every e-mail, in each of the six languages: no English string of ours in the five others.

One journey per language, through the real views: TSB publishes (notices), a drafter
prepares, the signatory reviews and submits (receipt, copy), a reminder goes to a state that
has not replied, the circular closes (summary), TSB reads the results; a new official is
invited, accepts and sets up two-factor authentication; someone resets a password.
"""

from __future__ import annotations

import datetime
import re

import pytest
from django.core import mail
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts import services as account_services
from accounts.models import MemberState, ObserverCategory, Official
from consultation import services, tasks
from consultation.models import CircularCopy
from consultation.services import approval, notifications
from tests import factories
from tests.accounts.helpers import first_link, password_login
from tests.conftest import sign_in
from tests.i18n.english import english_found, visible_text

pytestmark = pytest.mark.django_db

ALL_LANGUAGES = ("ar", "zh-hans", "en", "fr", "ru", "es")


class Journey:
    """Collects each page and mail of the journey, checked at the end."""

    def __init__(self, language: str) -> None:
        self.language = language
        self.pages: dict[str, str] = {}
        self.content: tuple[str, ...] = ()  # English texts TSB wrote (plain-text mails)

    def page(self, name: str, response, status: int = 200) -> str:
        assert response.status_code == status, (
            name,
            response.status_code,
            response.get("Location"),
        )
        html = response.content.decode()
        expected = {"zh-hans": "zh-hans"}.get(self.language, self.language)
        assert f'<html lang="{expected}"' in html, name
        self.pages[name] = html
        return html

    def problems(self) -> list[str]:
        found = []
        for name, html in self.pages.items():
            # What TSB wrote in English only (the drafts' titles, quoted by the approval
            # notice) may show in English; nothing of ours may.
            found += [
                f"page {name}: {f}"
                for f in english_found(visible_text(html), self.language, content=self.content)
            ]
        for message in mail.outbox:
            texts = [message.subject, message.body]
            texts += [visible_text(body) for body, kind in message.alternatives if "html" in kind]
            for text in texts:
                found += [
                    f"mail {message.subject!r}: {f}"
                    for f in english_found(text, self.language, content=self.content)
                ]
        return found


def scene(language: str, tsb_staff):
    """Officials of two real Member States and an observer, all reading `language`."""
    che, deu = MemberState.objects.get(alpha3="CHE"), MemberState.objects.get(alpha3="DEU")
    people = {
        "signatory": factories.OfficialFactory(
            member_state=che,
            official_title="Ministère",
            user__email="signatory.che@example.org",
            user__first_name="Anna",
            user__last_name="Keller",
            user__language=language,
        ),
        "drafter": factories.OfficialFactory(
            member_state=che,
            role=Official.Role.DRAFTER,
            official_title="Conseil",
            user__email="drafter.che@example.org",
            user__language=language,
        ),
        "other": factories.OfficialFactory(
            member_state=deu, user__email="signatory.deu@example.org", user__language=language
        ),
        "observer": factories.ObserverFactory(
            category=ObserverCategory.SECTOR_MEMBER,
            user__email="observer@example.org",
            user__language=language,
        ),
    }
    tsb_staff.language = language
    tsb_staff.save()
    circular = factories.CircularFactory(
        contact_email=tsb_staff.email,
        director_name="Seizo Onoe",
        body="Texte.",
        issued_on=timezone.now().date(),
    )
    for order in (1, 2):
        factories.DraftFactory(circular=circular, order=order, former_name=f"Q.X{order}")
    CircularCopy.objects.create(
        circular=circular, category=ObserverCategory.SECTOR_MEMBER, label="Sector Members"
    )
    return circular, people


@pytest.mark.parametrize("language", ALL_LANGUAGES)
def test_the_whole_path_speaks_the_readers_language(
    language, member_states, tsb_staff, time_machine, django_capture_on_commit_callbacks, settings
) -> None:
    settings.PORTAL_BASE_URL = "http://testserver"
    cache.clear()  # the rate limits of the password reset, which every language uses
    journey = Journey(language)
    circular, people = scene(language, tsb_staff)
    services.circular_publish(circular_id=circular.pk, actor=tsb_staff)
    drafts = list(circular.drafts.order_by("order"))
    journey.content = (circular.subject_en, *(d.title_en for d in drafts))
    edit = reverse("consultation:reply-edit", args=[circular.pk])
    review = reverse("consultation:reply-review", args=[circular.pk])

    # Anonymous: the browser's language.
    anonymous = Client(HTTP_ACCEPT_LANGUAGE=language)
    journey.page("public home", anonymous.get(reverse("home")))
    journey.page("login", anonymous.get(reverse("account_login")))
    journey.page("password reset", anonymous.get(reverse("account_reset_password")))
    response = anonymous.post(
        reverse("account_reset_password"), {"email": people["drafter"].user.email}
    )
    journey.page("password reset sent", anonymous.get(response["Location"]))
    bad = reverse("accounts:invitation-accept", args=["zz", "no-such-key"])
    journey.page("invitation invalid", anonymous.get(bad))

    # The drafter prepares the reply (language from the profile, whatever the browser says).
    drafter = Client(HTTP_ACCEPT_LANGUAGE="en")
    sign_in(drafter, people["drafter"].user)
    journey.page("drafter home", drafter.get(reverse("home")))
    journey.page("drafter form", drafter.get(edit))
    data = {
        "revision": "0",
        "from_name": "Anna Keller",
        "from_title": "Ministère",
        "from_address": "Berne",
        "from_email": "anna.keller@example.org",
        "place": "Berne",
        "signed_on": timezone.now().date().isoformat(),
        "action": "review",
        f"d{drafts[0].pk}-decision": "authorize",
        f"d{drafts[1].pk}-decision": "authorize_comments",
        f"d{drafts[1].pk}-comments": "Voir 7.2.",
    }
    assert drafter.post(edit, data).status_code == 302
    journey.page("drafter review", drafter.get(review))
    # A form with errors: the messages too are translated.
    bad_data = {**data, "revision": "1", f"d{drafts[1].pk}-comments": "", "action": "save"}
    bad_data[f"d{drafts[0].pk}-decision"] = "do_not_authorize"
    drafter.post(edit, bad_data)
    journey.page("drafter review with errors", drafter.get(review))

    # The signatory reviews and submits; the receipt.
    signatory = Client(HTTP_ACCEPT_LANGUAGE="en")
    sign_in(signatory, people["signatory"].user)
    journey.page("signatory home", signatory.get(reverse("home")))
    journey.page(
        "circular", signatory.get(reverse("consultation:circular-detail", args=[circular.pk]))
    )
    assert signatory.post(edit, {**data, "revision": "2"}).status_code == 302
    page = signatory.get(review)
    journey.page("signatory review", page)
    response = signatory.post(review, {"revision": "3", "sha256": page.context["sha256"]})
    assert response.status_code == 302, page.context.get("errors")
    journey.page("receipt", signatory.get(response["Location"]))
    journey.page("form after submitting", signatory.get(edit))
    journey.page("two-factor settings", signatory.get(reverse("mfa_index")))
    journey.page("sessions", signatory.get(reverse("usersessions_list")))
    journey.page("password change", signatory.get(reverse("account_change_password")))

    # The observer reads the circular copied to them.
    observer = Client()
    sign_in(observer, people["observer"].user)
    journey.page("observer home", observer.get(reverse("home")))
    journey.page(
        "observer circular",
        observer.get(reverse("consultation:circular-detail", args=[circular.pk])),
    )

    # The two-factor step of a login.
    people["signatory"].user.set_password("correct horse battery staple")
    people["signatory"].user.save()
    login = Client(HTTP_ACCEPT_LANGUAGE=language)
    response = password_login(login, people["signatory"].user.email)
    assert response["Location"] == reverse("mfa_authenticate")
    journey.page("two-factor login", login.get(reverse("mfa_authenticate")))

    # A new official: invitation mail, the set-password page, the authenticator set-up.
    with django_capture_on_commit_callbacks(execute=True):
        account_services.official_create(
            email="new.che@example.org",
            first_name="Lea",
            last_name="Meier",
            member_state=people["signatory"].member_state,
            role=Official.Role.SIGNATORY,
            official_title="Ministère",
            actor=tsb_staff,
            language=language,
        )
    invitation = next(m for m in mail.outbox if m.to == ["new.che@example.org"])
    invitee = Client(HTTP_ACCEPT_LANGUAGE=language)
    link = re.sub(r"^https?://[^/]+", "", first_link(invitation.body))
    journey.page("invitation", invitee.get(link))
    response = invitee.post(
        link,
        {
            "new_password1": "a long new pass phrase 42",
            "new_password2": "a long new pass phrase 42",
        },
    )
    assert response.status_code == 302
    response = invitee.get(reverse("home"))
    assert response.status_code == 302  # a signatory must set up two-factor authentication
    journey.page("two-factor set-up", invitee.get(response["Location"], follow=True))

    # A reminder to the state that has not replied; then the deadline passes and it closes.
    assert circular.deadline is not None
    notifications.reminders_queue_due(now=circular.deadline - datetime.timedelta(days=1))
    tasks.notifications_drain_task()
    time_machine.move_to(circular.deadline + datetime.timedelta(seconds=1))
    services.circular_close(circular_id=circular.pk, actor=None)
    tasks.notifications_drain_task()
    staff = Client()
    sign_in(staff, tsb_staff)
    journey.page("results", staff.get(reverse("consultation:circular-results", args=[circular.pk])))
    public = Client(HTTP_ACCEPT_LANGUAGE=language)
    journey.page("public circulars", public.get(reverse("public:circular-list")))
    journey.page(
        "public circular", public.get(reverse("public:circular-detail", args=[circular.pk]))
    )
    journey.page("public home with results", public.get(reverse("home")))
    journey.page("missing page", public.get("/no-such-page/"), status=404)
    sign_in(signatory, people["signatory"].user)  # weeks later: a new session
    journey.page("signatory home after closing", signatory.get(reverse("home")))

    # Stage two: at the meeting Germany asks for more time on the first text, the second is
    # approved; TSB records both on its page of each text.
    meeting = circular.meeting
    time_machine.move_to(
        datetime.datetime.combine(meeting.ends_on, datetime.time(16), tzinfo=datetime.UTC)
    )
    sign_in(staff, tsb_staff)
    life = [reverse("consultation:draft-life", args=[d.pk]) for d in drafts]
    journey.page("TSB page of a text", staff.get(life[0]))
    empty = {
        "statements-TOTAL_FORMS": "6",
        "statements-INITIAL_FORMS": "0",
        "statements-MIN_NUM_FORMS": "0",
        "statements-MAX_NUM_FORMS": "50",
    }
    refused = staff.post(life[0], {**empty, "outcome-decision": "more_time"})
    journey.page("TSB decision refused", refused, status=400)
    more_time = {
        **empty,
        "outcome-decision": "more_time",
        "statements-0-member_state": str(people["other"].member_state_id),
        "statements-0-kind": "more_time",
    }
    assert staff.post(life[0], more_time).status_code == 302
    assert staff.post(life[1], {**empty, "outcome-decision": "approved"}).status_code == 302
    other = Client()
    sign_in(other, people["other"].user)
    journey.page("home with more time", other.get(reverse("home")))
    oppose = reverse("consultation:opposition", args=[circular.pk, drafts[0].pk])
    journey.page("formal opposition", other.get(oppose))
    journey.page("formal opposition refused", other.post(oppose, {"text": ""}), status=400)
    window_end = datetime.datetime.combine(
        meeting.ends_on + datetime.timedelta(days=28),
        datetime.time(23, 59, 59),
        tzinfo=datetime.UTC,
    )
    approval.more_time_reminders_queue_due(now=window_end - datetime.timedelta(days=7))
    tasks.notifications_drain_task()
    response = other.post(oppose, {"text": "Contraire.", "confirm": "on"})
    assert response.status_code == 302
    journey.page("opposition receipt", other.get(response["Location"]))
    tasks.notifications_drain_task()
    time_machine.move_to(window_end + datetime.timedelta(seconds=1))
    assert approval.more_time_windows_close_due() == [drafts[0].pk]
    tasks.notifications_drain_task()
    sign_in(staff, tsb_staff)
    response = staff.post(
        reverse("consultation:notice-generate", args=[drafts[0].pk]),
        {"notice-number": "999", "notice-study_period": circular.study_period},
    )
    assert response.status_code == 302
    notice = circular.meeting.circulars.get(kind="approval_notice")
    services.circular_publish(circular_id=notice.pk, actor=tsb_staff)
    tasks.notifications_drain_task()
    journey.page("public notice", public.get(reverse("public:circular-detail", args=[notice.pk])))
    journey.page("public text", public.get(reverse("public:draft-life", args=[drafts[1].pk])))
    sign_in(other, people["other"].user)  # weeks later: a new session
    journey.page(
        "official notice", other.get(reverse("consultation:circular-detail", args=[notice.pk]))
    )

    kinds = {n.kind for n in notifications.Notification.objects.filter(status="sent")}
    assert kinds == {
        "notice",
        "reminder",
        "receipt",
        "receipt_copy",
        "summary",
        "more_time_reminder",
        "opposition_receipt",
        "window_ended",
        "approval_notice",
    }
    assert all(n.language == language for n in notifications.Notification.objects.all())
    sign_in(observer, people["observer"].user)
    journey.page("forbidden page", observer.get(edit), status=403)
    assert len(journey.pages) == 38
    if language != "en":
        problems = journey.problems()
        assert problems == [], "\n".join(problems)

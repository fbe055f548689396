"""The demo data: Circular 205 exactly as in the seed, a live circular, demo accounts."""

from __future__ import annotations

import datetime

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone

from accounts.models import Official, User
from consultation import selectors
from consultation.demo import demo_load
from consultation.models import Circular, CircularCopy, DraftRecommendation, Reply

pytestmark = pytest.mark.django_db


@pytest.fixture
def loaded(member_states: None) -> None:
    demo_load()


def test_circular_205_matches_the_seed(loaded: None) -> None:
    c = Circular.objects.select_related("study_group", "meeting").get(number=205)
    assert (c.study_period, c.reference, c.contact_fax, c.contact_email, c.contact_phone) == (
        "2017-2020",
        "SG11/DA",
        "+41 22 730 5853",
        "tsbsg11@itu.int",
        "",
    )
    assert c.deadline == datetime.datetime(2020, 2, 21, 23, 59, tzinfo=datetime.UTC)
    assert c.study_group.number == 11
    assert c.study_group.title == (
        "Signalling requirements, protocols, test specifications and combating counterfeit products"
    )
    assert (c.meeting.place, c.meeting.starts_on, c.meeting.ends_on) == (
        "Geneva",
        datetime.date(2020, 3, 4),
        datetime.date(2020, 3, 13),
    )
    assert c.meeting.collective_letter == "9/11"
    assert c.addressees == "Administrations of ITU Member States"
    assert (c.reply_to_fax, c.reply_to_email) == ("+41 22 730 5853", "tsbdir@itu.int")
    assert "CH-1211 Geneva 20" in c.reply_to_address
    assert c.status == Circular.Status.CLOSED
    assert c.issued_on is None  # the seed copy carries no date; none is invented
    categories = list(CircularCopy.objects.filter(circular=c).values_list("category", flat=True))
    assert categories == [
        "sector_member",
        "associate",
        "academia",
        "sg_chair",
        "bdt_director",
        "br_director",
    ]
    draft = DraftRecommendation.objects.get(circular=c)
    assert (draft.number, draft.former_name, draft.kind, draft.document_ref) == (
        "ITU-T Q.5051",
        "Q.FW_CSM",
        "new",
        "SG11-R25",
    )
    assert draft.title == "Framework for combating the use of stolen mobile devices"
    assert "A.5" in draft.a5_note
    assert "www.itu.int/ipr/" in draft.ipr_note
    assert "stolen" in draft.summary


def test_circular_205_passes_the_deadline_check_and_has_193_electors(loaded: None) -> None:
    c = Circular.objects.get(number=205)
    codes = [w.code for w in selectors.circular_warnings(circular=c)]
    assert "deadline_too_late" not in codes
    assert codes == ["no_issue_date"]
    assert selectors.circular_electorate(circular=c).count() == 193


def test_live_demo_circular_is_open_with_three_drafts(loaded: None) -> None:
    c = Circular.objects.get(study_period="2025-2028", number=901)
    assert c.status == Circular.Status.PUBLISHED
    assert c.is_demo
    assert c.deadline is not None and c.deadline > timezone.now()
    assert c.drafts.count() == 3
    assert selectors.circular_warnings(circular=c) == []


def test_demo_replies_are_marked_as_demonstration(loaded: None) -> None:
    replies = Reply.objects.all()
    assert replies.exists()
    assert all(r.is_demo for r in replies)


def test_demo_accounts_exist_for_each_role(loaded: None) -> None:
    assert User.objects.filter(is_superuser=True, email="tsb.admin@example.org").exists()
    assert Official.objects.filter(role="signatory").count() == 3
    assert Official.objects.filter(role="drafter").count() == 3
    assert User.objects.get(email="signatory.kor@example.org").check_password("demo-portal-2026")


def test_loading_twice_changes_nothing(loaded: None) -> None:
    counts = (Circular.objects.count(), Reply.objects.count(), User.objects.count())
    live = Circular.objects.get(number=901)
    demo_load()
    assert (Circular.objects.count(), Reply.objects.count(), User.objects.count()) == counts
    assert Circular.objects.get(number=901).deadline == live.deadline


def test_load_demo_command_refuses_without_debug() -> None:
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="DEBUG off"):
        call_command("load_demo")


def test_demo_signatory_logs_in_with_the_printed_code(
    loaded: None, client, settings, time_machine
) -> None:
    from django.core.management import call_command as run
    from django.urls import reverse
    from django.utils import timezone

    # The code printed and the code checked must fall in the same 30-second window.
    time_machine.move_to(timezone.now(), tick=False)

    settings.DEBUG = True
    from io import StringIO

    out = StringIO()
    run("demo_code", "signatory.che@example.org", stdout=out)
    code = out.getvalue().strip()
    assert len(code) == 6 and code.isdigit()
    response = client.post(
        reverse("account_login"),
        {"login": "signatory.che@example.org", "password": "demo-portal-2026"},
    )
    assert response["Location"] == reverse("mfa_authenticate")
    client.post(reverse("mfa_authenticate"), {"code": code})
    home = client.get(reverse("home"))
    assert "Consultations for the Administration of Switzerland" in home.content.decode()


def test_make_demo_code_works_in_a_new_shell() -> None:
    """README and `make run` print `make demo-code EMAIL=...`: it works without DEBUG set."""
    import os
    import re
    import subprocess

    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY"}}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    result = subprocess.run(
        ["make", "-s", "demo-code", "EMAIL=signatory.che@example.org"],  # noqa: S607
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert re.fullmatch(r"\d{6}", result.stdout.strip())


def test_make_run_points_mail_links_at_its_own_port() -> None:
    from config.runall import child_env

    assert child_env({}, "8080")["PORTAL_BASE_URL"] == "http://127.0.0.1:8080"
    chosen = {"PORTAL_BASE_URL": "https://consult.example.int"}
    assert child_env(chosen, "8080")["PORTAL_BASE_URL"] == "https://consult.example.int"


def test_circular_205_closed_at_its_historical_deadline(member_states) -> None:
    demo_load()
    circular = Circular.objects.get(study_period="2017-2020", number=205)
    deadline = datetime.datetime(2020, 2, 21, 23, 59, tzinfo=datetime.UTC)
    assert circular.closed_at == deadline
    assert circular.result.taken_at == deadline
    assert circular.events.get(to_status="closed").at == deadline

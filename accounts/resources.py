"""Spreadsheet import and export of Member States and officials (django-import-export).

Every exported cell goes through `export_cell`, and every text cell through
`escape_formula`: a value that a spreadsheet would read as a formula (a leading = + - @,
TAB or CR) is prefixed with a single quote, as OWASP recommends for CSV injection, in every
format (CSV, XLSX, ODS). The consultation app's exports use the same two functions
(consultation.exports re-exports them): they live here because accounts never imports
consultation, and both apps' exports must escape alike.

Imports are previewed (a dry run, which writes nothing) and report every bad row; nothing is
written until TSB confirms, and then the whole file is written or none of it. A row is refused
if any cell looks like a formula (the same characters escape_formula escapes): it is never
stored, so never exported live, whatever the export does. A Member State is named by its ISO
alpha-2 or alpha-3 code, in any case, and the preview says which it read. Officials are created,
and invited, only through services.official_create; Member States are written only through
services.member_state_import_row.

A cell of an XLSX file that holds a live formula is refused too, whatever the formula gives:
django-import-export reads XLSX with openpyxl's data_only=True, which hands over the value the
spreadsheet computed and cached when it last saved the file (a "=HYPERLINK(...)" cell arrives
as its plain display text) or, for a file written by a program that computed nothing, an
empty cell. FormulaCheckingXLSX (the admin's XLSX import format) reads the file a second time
with data_only=False and passes such a cell on as a FormulaCell (its formula's text), which
`formula_cell_error` refuses as holding a formula.
"""

from __future__ import annotations

import datetime
import io
import re
from collections.abc import Iterable
from decimal import Decimal
from functools import cache
from typing import Any

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from import_export import fields, resources, widgets
from import_export.formats import base_formats

from accounts.models import AuditEvent, MemberState, Official, Region, User

# --- cells: one conversion for every export, whatever the format -----------------------------

#: The characters that make a spreadsheet read a cell as a formula (OWASP, "CSV Injection").
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
#: Control characters that XLSX cannot hold (openpyxl refuses them); replaced in every format.
_ILLEGAL_CHARACTERS = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")
YES, NO = "yes", "no"
DATETIME_TEXT_FORMAT = "%Y-%m-%d %H:%M:%S"


def escape_formula(value: Any) -> Any:
    """Prefix a text that a spreadsheet would take for a formula with a single quote.

    Leaves anything that is not a `str` (numbers, dates) as it is: only text can carry a
    formula. The quote shows in the cell, which is the point: the value is read as text.
    """
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def export_text(value: str) -> str:
    """A text cell: control characters replaced (XLSX refuses them), formulas escaped."""
    return escape_formula(_ILLEGAL_CHARACTERS.sub("\N{REPLACEMENT CHARACTER}", value))


def export_datetime(value: datetime.datetime) -> datetime.datetime:
    """A time as a naive UTC datetime to the second, which XLSX and ODS can store."""
    if timezone.is_aware(value):
        value = value.astimezone(datetime.UTC).replace(tzinfo=None)
    return value.replace(microsecond=0)


def export_cell(value: Any, *, native: bool) -> Any:
    """The cell for `value`: booleans as yes/no, times in UTC, every text escaped.

    `native` is True for the formats that keep types (XLSX, ODS): dates and times stay dates
    and times, numbers stay numbers. For CSV they become text (ISO dates, times to the
    second in UTC). Idempotent: a cell already converted comes back unchanged.
    """
    if value is None:
        return None if native else ""
    if isinstance(value, bool):
        return YES if value else NO
    if isinstance(value, datetime.datetime):
        value = export_datetime(value)
        return value if native else value.strftime(DATETIME_TEXT_FORMAT)
    if isinstance(value, datetime.date):
        return value if native else value.isoformat()
    if isinstance(value, int | float | Decimal):
        return value
    if isinstance(value, Promise):
        value = str(value)
    if not isinstance(value, str):
        value = str(value)
    return export_text(value)


class SafeExportMixin:
    """For resources: every exported value goes through export_cell, on every path.

    The value is the field's raw value (or its dehydrate method's), not the widget's text, so
    that numbers, dates and booleans are converted once, the same way for every format.
    """

    def export_field(self, field: fields.Field, instance: Any, **kwargs: Any) -> Any:
        field_name = self.get_field_name(field)  # type: ignore[attr-defined]
        method = field.get_dehydrate_method(field_name)
        if not callable(method):
            method = getattr(self, method, None)
        value = method(instance) if method is not None else field.get_value(instance)
        return export_cell(value, native=bool(kwargs.get("force_native_type")))


# --- imports: shared checks -------------------------------------------------------------------


@cache
def iso_alpha2_codes() -> frozenset[str]:
    """The ISO 3166-1 alpha-2 codes of countries and territories (CLDR, through Babel).

    CLDR also lists a few codes that ISO 3166-1 only reserves (AC, CP, DG, EA, IC, TA...),
    groupings (EU, UN...) and private-use codes (QO, XA, XB, XK, ZZ): none is a country.
    """
    from babel import Locale

    not_countries = {"AC", "CP", "CQ", "DG", "EA", "EU", "EZ", "IC", "QO", "TA", "UN", "ZZ"}
    codes = (str(code) for code in Locale("en").territories)
    return frozenset(
        code
        for code in codes
        if len(code) == 2 and code.isalpha() and code not in not_countries and code[0] != "X"
    )


class ColumnsError(ValueError):
    """The file's header row does not have the columns the import expects."""


def check_columns(
    headers: Iterable[str | None], *, required: Iterable[str], optional: Iterable[str] = ()
) -> None:
    """Raise ColumnsError naming the missing and the unknown columns, if any."""
    names = [str(h).strip() for h in headers if h is not None and str(h).strip()]
    required, optional = list(required), list(optional)
    missing = [c for c in required if c not in names]
    unknown = [h for h in names if h not in required and h not in optional]
    duplicated = sorted({h for h in names if names.count(h) > 1})
    problems = []
    if missing:
        problems.append(_("missing columns: %s") % ", ".join(missing))
    if unknown:
        problems.append(_("unknown columns: %s") % ", ".join(unknown))
    if duplicated:
        problems.append(_("columns given twice: %s") % ", ".join(duplicated))
    if problems:
        expected = ", ".join([*required, *(f"{c} ({_('optional')})" for c in optional)])
        raise ColumnsError(
            _("The file's first row must name the columns. %(problems)s. Expected: %(expected)s.")
            % {"problems": "; ".join(problems), "expected": expected}
        )


#: How the preview names the invisible formula triggers.
_TRIGGER_NAMES = {"\t": "TAB", "\r": "CR"}


class FormulaCell(str):
    """An XLSX cell that holds a live formula: its text is the formula ("=SUM(A1:A2)")."""


class FormulaCheckingXLSX(base_formats.XLSX):
    """django-import-export's XLSX import (the first sheet, its values), except that a cell
    holding a formula comes as a FormulaCell instead of the value cached in the file."""

    def create_dataset(self, in_stream: bytes) -> Any:
        import openpyxl
        import tablib

        def first_sheet(data_only: bool) -> Any:
            book = openpyxl.load_workbook(
                io.BytesIO(in_stream), read_only=True, data_only=data_only
            )
            return book.active

        values, formulas = first_sheet(True).rows, first_sheet(False).rows
        dataset = tablib.Dataset()
        dataset.headers = [cell.value for cell in next(values)]
        next(formulas)
        ignore_blanks = getattr(settings, "IMPORT_EXPORT_IMPORT_IGNORE_BLANK_LINES", False)
        for row, formula_row in zip(values, formulas, strict=True):
            cells = [
                FormulaCell(f.value if isinstance(f.value, str) else getattr(f.value, "text", ""))
                if f.data_type == "f"
                else v.value
                for v, f in zip(row, formula_row, strict=True)
            ]
            if ignore_blanks and all(value is None for value in cells):
                continue
            dataset.append(cells)
        return dataset


def formula_cell_error(column: str, value: Any, *, phone: bool = False) -> str | None:
    """Why the cell would be refused as a formula, or None.

    A cell of an XLSX file that holds a formula (FormulaCell) is refused, whatever it would
    compute. A text cell starting with one of FORMULA_TRIGGERS is refused, except, in a
    telephone or fax column (`phone`), a "+" followed by a digit ("+41 22 730 51 11").
    """
    if isinstance(value, FormulaCell):
        formula = str(value) if len(value) <= 60 else value[:59] + "\N{HORIZONTAL ELLIPSIS}"
        return _(
            "The %(column)s cell holds a formula (%(formula)s), not a value: a spreadsheet "
            "would compute it when the file is opened. Type the value itself."
        ) % {"column": column, "formula": formula}
    if not isinstance(value, str) or not value.startswith(FORMULA_TRIGGERS):
        return None
    if phone and re.match(r"\+\d", value):
        return None
    start = _TRIGGER_NAMES.get(value[0], value[0])
    return _(
        "The %(column)s cell starts with %(start)s, which a spreadsheet reads as a formula: "
        "a cell may not begin with = + - @, TAB or CR."
    ) % {"column": column, "start": start}


class CheckedImportMixin:
    """Checks the header row first: with wrong columns no row is read, nothing is written.

    Then every row: a cell that looks like a formula is an error of that row and column.
    """

    REQUIRED_COLUMNS: tuple[str, ...] = ()
    OPTIONAL_COLUMNS: tuple[str, ...] = ()
    #: Telephone or fax columns, where "+41 ..." is a number, not a formula (none yet).
    PHONE_COLUMNS: tuple[str, ...] = ()

    def before_import(self, dataset: Any, **kwargs: Any) -> None:
        self._seen: dict[str, dict[str, int]] = {}
        try:
            check_columns(
                dataset.headers or (),
                required=self.REQUIRED_COLUMNS,
                optional=self.OPTIONAL_COLUMNS,
            )
        except ColumnsError:
            # Reported as the import's one error; no row is imported after it.
            del dataset[0 : len(dataset)]
            raise
        # Trim text cells: spreadsheets keep stray spaces, which would make "QAA " unknown.
        # Only spaces and new lines on the left: a leading TAB or CR is a formula trigger,
        # refused below (and a CSV's CR arrives as a new line).
        # A FormulaCell stays as it is: refused below, whatever its spaces.
        rows = [
            tuple(v.lstrip(" \n").rstrip() if type(v) is str else v for v in row) for row in dataset
        ]
        del dataset[0 : len(dataset)]
        dataset.headers = [str(h).strip() if h is not None else "" for h in dataset.headers]
        for row in rows:
            dataset.append(row)

    def formula_errors(self, row: Any) -> dict[str, list[str]]:
        """{column: [reason]} for every cell of the row that looks like a formula."""
        errors: dict[str, list[str]] = {}
        for column, value in row.items():
            reason = formula_cell_error(column, value, phone=column in self.PHONE_COLUMNS)
            if reason:
                errors[column] = [reason]
        return errors

    def seen_before(self, column: str, value: str, row_number: int) -> int | None:
        """The earlier row with the same `value` in `column`, if any (rows are numbered
        from 1 after the header, as the preview numbers them)."""
        seen = self._seen.setdefault(column, {})
        key = value.casefold()
        if key in seen:
            return seen[key]
        seen[key] = row_number
        return None


# --- Member States --------------------------------------------------------------------------


class IsoDateWidget(widgets.DateWidget):
    """Dates as YYYY-MM-DD (or date cells): no day/month guessing on import."""

    def __init__(self) -> None:
        super().__init__(format="%Y-%m-%d")

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> datetime.date | None:
        if isinstance(value, datetime.datetime):
            return value.date()
        if value in (None, ""):
            return None
        try:
            return datetime.date.fromisoformat(str(value).strip())
        except ValueError:
            raise ValueError(
                _("%(value)s is not a date (YYYY-MM-DD).") % {"value": value}
            ) from None


def member_state_by_code(code: str) -> tuple[MemberState | None, str]:
    """The Member State whose ISO alpha-2 (two letters) or alpha-3 (three) code is `code`,
    in any case, and the kind of code read ("alpha-2", "alpha-3", or "" if neither)."""
    code = code.strip().upper()
    if re.fullmatch(r"[A-Z]{2}", code):
        return MemberState.objects.filter(alpha2=code).first(), "alpha-2"
    if re.fullmatch(r"[A-Z]{3}", code):
        return MemberState.objects.filter(alpha3=code).first(), "alpha-3"
    return None, ""


def code_read_note(code: str, kind: str, state: MemberState) -> str:
    """What the preview says of a code: "CN read as alpha-2: China"."""
    values = {"code": code, "name": state.name_en}
    if kind == "alpha-2":
        return _("%(code)s read as alpha-2: %(name)s") % values
    return _("%(code)s read as alpha-3: %(name)s") % values


class MemberStateResource(SafeExportMixin, CheckedImportMixin, resources.ModelResource):
    """Member States by ISO code: a row with a known code updates that state.

    A row names the state by alpha3; a row updating a known state may leave alpha3 empty and
    name it by alpha2 only (the preview then says, as a message, which state it read).
    """

    REQUIRED_COLUMNS = ("alpha2", "alpha3", "name", "region", "joined_on", "left_on")
    OPTIONAL_COLUMNS = ("note",)

    # The "name" column is ITU's English short name, whatever the importer's language.
    name = fields.Field(attribute="name_en", column_name="name")
    joined_on = fields.Field(attribute="joined_on", column_name="joined_on", widget=IsoDateWidget())
    left_on = fields.Field(attribute="left_on", column_name="left_on", widget=IsoDateWidget())

    class Meta:
        model = MemberState
        name = "Member States"
        fields = ("alpha2", "alpha3", "name", "region", "joined_on", "left_on", "note")
        export_order = fields
        import_id_fields = ("alpha3",)
        clean_model_instances = True  # lengths, region choices, unique names, date order
        skip_unchanged = True
        report_skipped = True

    def before_import_row(self, row: Any, **kwargs: Any) -> None:
        alpha2, alpha3 = row.get("alpha2"), row.get("alpha3")
        for column in ("alpha2", "alpha3", "region"):
            if isinstance(row.get(column), str) and not isinstance(row[column], FormulaCell):
                row[column] = row[column].upper()
        if alpha2 and not alpha3 and isinstance(alpha2, str):
            state, kind = member_state_by_code(alpha2)
            if state is not None and kind == "alpha-2":
                row["alpha3"] = state.alpha3
                request = kwargs.get("request")
                if kwargs.get("dry_run") and request is not None:
                    messages.info(
                        request,
                        _("Row %(row)d: %(note)s")
                        % {
                            "row": kwargs.get("row_number") or 0,
                            "note": code_read_note(alpha2, kind, state),
                        },
                    )

    def import_instance(self, instance: MemberState, row: Any, **kwargs: Any) -> None:
        errors: dict[str, Any] = {}
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as exc:
            errors = exc.update_error_dict(errors)
        formulas = self.formula_errors(row)
        for column, reasons in formulas.items():
            errors.setdefault(column, []).extend(reasons)
        if formulas:
            raise ValidationError(errors)  # the other checks would only repeat the cell
        number = kwargs.get("row_number")
        alpha2, alpha3 = str(row.get("alpha2") or ""), str(row.get("alpha3") or "")
        if alpha2 not in iso_alpha2_codes():
            errors.setdefault("alpha2", []).append(
                _("Unknown country: %(code)s is not an ISO 3166-1 alpha-2 code.") % {"code": alpha2}
            )
        if not re.fullmatch(r"[A-Z]{3}", alpha3):
            errors.setdefault("alpha3", []).append(
                _("%(code)s is not an ISO 3166-1 alpha-3 code (three letters).") % {"code": alpha3}
            )
        if row.get("region") not in Region.values:
            errors.setdefault("region", []).append(
                _("The ITU region must be one of %(regions)s.")
                % {"regions": ", ".join(Region.values)}
            )
        if (
            "joined_on" not in errors
            and "left_on" not in errors
            and instance.joined_on
            and instance.left_on
            and instance.left_on <= instance.joined_on
        ):
            errors.setdefault("left_on", []).append(
                _("left_on (the first day no longer a member) must come after joined_on.")
            )
        for column in ("alpha2", "alpha3", "name"):
            value = str(row.get(column) or "")
            earlier = self.seen_before(column, value, number or 0) if value else None
            if earlier is not None:
                errors.setdefault(column, []).append(
                    _("%(value)s is also in row %(row)d of the file.")
                    % {"value": value, "row": earlier}
                )
        if errors:
            raise ValidationError(errors)

    def save_instance(
        self, instance: MemberState, is_create: bool, row: Any, **kwargs: Any
    ) -> None:
        """Through services.member_state_import_row, on the dry run too (rolled back, with
        the event it records), so that the preview meets what the database would refuse."""
        from accounts import services
        from accounts.http import client_ip

        request = kwargs.get("request")
        actor = kwargs.get("user")
        if not isinstance(actor, User):
            raise ValueError("Member States are imported by a TSB user.")
        services.member_state_import_row(
            state=instance,
            actor=actor,
            ip_address=client_ip(request) if request is not None else None,
        )


# --- Officials ------------------------------------------------------------------------------


class MemberStateCodeWidget(widgets.ForeignKeyWidget):
    """A Member State by its ISO alpha-2 or alpha-3 code, in any case; an unknown code is a
    row error, not a crash. The preview shows which code it read ("CN read as alpha-2:
    China") in the row's member_state cell: this widget only imports (the export resource
    has its own field)."""

    def __init__(self) -> None:
        super().__init__(MemberState, field="alpha3")

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> MemberState | None:
        given = str(value or "").strip()
        if not given:
            raise ValueError(_("The Member State (ISO alpha-2 or alpha-3 code) is required."))
        code = given.upper()
        state, kind = member_state_by_code(code)
        if state is None:
            raise ValueError(
                _("Unknown country: no Member State has the code %(code)s.") % {"code": code}
            )
        state._import_note = code_read_note(given, kind, state)  # type: ignore[attr-defined]
        return state

    def render(self, value: Any, obj: Any = None, **kwargs: Any) -> Any:
        note = getattr(value, "_import_note", None)
        return note if note else super().render(value, obj, **kwargs)


def _text() -> widgets.CharWidget:
    """Text cells as strings ("" for an empty cell), whatever type the spreadsheet gave."""
    return widgets.CharWidget(allow_blank=True)


class OfficialExportResource(SafeExportMixin, resources.ModelResource):
    """Officials as TSB granted them: who, for which state, with what role, since when."""

    email = fields.Field(attribute="user__email", column_name="email")
    first_name = fields.Field(attribute="user__first_name", column_name="first_name")
    last_name = fields.Field(attribute="user__last_name", column_name="last_name")
    member_state = fields.Field(attribute="member_state__alpha3", column_name="member_state")
    role = fields.Field(attribute="role", column_name="role")
    official_title = fields.Field(attribute="official_title", column_name="official_title")
    active = fields.Field(attribute="is_active", column_name="active")
    granted_by = fields.Field(attribute="granted_by__email", column_name="granted_by")
    granted_at = fields.Field(attribute="granted_at", column_name="granted_at (UTC)")

    class Meta:
        model = Official
        name = "Officials"
        fields = (
            "email",
            "first_name",
            "last_name",
            "member_state",
            "role",
            "official_title",
            "active",
            "granted_by",
            "granted_at",
        )
        export_order = fields

    def filter_export(self, queryset: Any, **kwargs: Any) -> Any:
        return queryset.select_related("user", "member_state", "granted_by")


class OfficialImportResource(CheckedImportMixin, resources.ModelResource):
    """New officials, one a row: validated on the dry run, created (and invited) on confirm.

    A row never updates an existing account: an e-mail address already in use, or given
    twice in the file, is an error of that row.
    """

    REQUIRED_COLUMNS = ("email", "first_name", "last_name", "member_state", "role")
    OPTIONAL_COLUMNS = ("official_title", "language")

    email = fields.Field(attribute="user__email", column_name="email", widget=_text())
    first_name = fields.Field(
        attribute="user__first_name", column_name="first_name", widget=_text()
    )
    last_name = fields.Field(attribute="user__last_name", column_name="last_name", widget=_text())
    member_state = fields.Field(
        attribute="member_state", column_name="member_state", widget=MemberStateCodeWidget()
    )
    role = fields.Field(attribute="role", column_name="role", widget=_text())
    official_title = fields.Field(
        attribute="official_title", column_name="official_title", widget=_text()
    )
    language = fields.Field(attribute="user__language", column_name="language", widget=_text())

    class Meta:
        model = Official
        name = "Officials (new, invited on confirmation)"
        fields = (
            "email",
            "first_name",
            "last_name",
            "member_state",
            "role",
            "official_title",
            "language",
        )
        import_id_fields = ("email",)
        force_init_instance = True  # always a new official; a known e-mail is an error
        skip_diff = False

    def init_instance(self, row: Any = None) -> Official:
        # An unsaved user carries the person's fields through the preview; it is never saved:
        # services.official_create creates the real one on confirmation.
        official = Official(granted_at=timezone.now())
        official.user = User(language="en")
        return official

    def import_instance(self, instance: Official, row: Any, **kwargs: Any) -> None:
        errors = self.formula_errors(row)
        if errors:
            # Nothing else is read from such a row: its other checks would only add noise.
            raise ValidationError(errors)
        for field in self.get_import_fields():
            if field.column_name not in row:
                continue
            try:
                self.import_field(field, instance, row, **kwargs)
            except ValueError as exc:
                errors.setdefault(field.column_name, []).append(str(exc))
        user = instance.user
        user.email = User.objects.normalize_email(user.email or "").strip().lower()
        user.language = user.language or "en"
        number = kwargs.get("row_number")
        if not user.email:
            errors.setdefault("email", []).append(_("The e-mail address is required."))
        else:
            try:
                validate_email(user.email)
            except ValidationError:
                errors.setdefault("email", []).append(
                    _("%(email)s is not an e-mail address.") % {"email": user.email}
                )
            else:
                earlier = self.seen_before("email", user.email, number or 0)
                if earlier is not None:
                    errors.setdefault("email", []).append(
                        _("%(email)s is also in row %(row)d of the file.")
                        % {"email": user.email, "row": earlier}
                    )
                elif (
                    User.objects.filter(email__iexact=user.email).exists()
                    or EmailAddress.objects.filter(email__iexact=user.email).exists()
                ):
                    errors.setdefault("email", []).append(
                        _("A user with the e-mail address %(email)s already exists.")
                        % {"email": user.email}
                    )
        instance.role = str(instance.role or "").strip().lower()
        if instance.role not in Official.Role.values:
            errors.setdefault("role", []).append(
                _("The role must be one of: %(roles)s.")
                % {"roles": ", ".join(Official.Role.values)}
            )
        if user.language not in dict(settings.LANGUAGES):
            errors.setdefault("language", []).append(
                _("The language must be one of: %(codes)s.")
                % {"codes": ", ".join(dict(settings.LANGUAGES))}
            )
        for column, limit in (("first_name", 150), ("last_name", 150), ("official_title", 200)):
            value = row.get(column) or ""
            if len(str(value)) > limit:
                errors.setdefault(column, []).append(
                    _("At most %(limit)d characters.") % {"limit": limit}
                )
        if errors:
            raise ValidationError(errors)

    def save_instance(self, instance: Official, is_create: bool, row: Any, **kwargs: Any) -> None:
        """Nothing on the dry run; on confirmation, services.official_create (which invites
        once the whole import has committed)."""
        if kwargs.get("dry_run"):
            return
        from accounts import services
        from accounts.http import client_ip

        request = kwargs.get("request")
        actor = kwargs.get("user")
        if not isinstance(actor, User):
            raise ValueError("Officials are imported by a TSB user.")
        official = services.official_create(
            email=instance.user.email,
            first_name=instance.user.first_name,
            last_name=instance.user.last_name,
            member_state=instance.member_state,
            role=instance.role,
            official_title=instance.official_title,
            actor=actor,
            ip_address=client_ip(request) if request is not None else None,
            language=instance.user.language,
        )
        instance.pk = official.pk
        instance.user = official.user
        instance.granted_by = official.granted_by
        instance.granted_at = official.granted_at
        instance._state.adding = False


class AuditEventResource(SafeExportMixin, resources.ModelResource):
    """The audit trail as TSB exports it (filters of the list apply)."""

    at = fields.Field(attribute="at", column_name="at (UTC)")
    kind = fields.Field(attribute="kind", column_name="what")
    actor = fields.Field(attribute="actor__email", column_name="by")
    login = fields.Field(attribute="login", column_name="login given")
    member_state = fields.Field(attribute="member_state__alpha3", column_name="Member State")
    ip_address = fields.Field(attribute="ip_address", column_name="from address")
    path = fields.Field(attribute="path", column_name="page")
    target = fields.Field(attribute="target", column_name="what it concerned")
    detail = fields.Field(attribute="detail", column_name="detail")

    class Meta:
        model = AuditEvent
        name = "Audit trail"
        fields = (
            "at",
            "kind",
            "actor",
            "login",
            "member_state",
            "ip_address",
            "path",
            "target",
            "detail",
        )
        export_order = fields

    def dehydrate_detail(self, event: AuditEvent) -> str:
        import json

        return json.dumps(event.detail, sort_keys=True, ensure_ascii=False)

    def filter_export(self, queryset: Any, **kwargs: Any) -> Any:
        return queryset.select_related("actor", "member_state")

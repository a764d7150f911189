"""Spreadsheets every app writes (CSV and XLSX), safe to open.

Every cell goes through ``cell_safe``: a text starting with ``=``, ``+``, ``-``,
``@``, a tab or a carriage return would be taken for a formula by Excel or WPS
(CSV/formula injection, OWASP), so it is written with a leading apostrophe. This
module imports no app.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any

from django.http import HttpResponse

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def cell_safe(value: Any) -> Any:
    """``value`` as it may be written to a spreadsheet cell: a text a spreadsheet
    would run as a formula gets a leading ``'``; numbers and the rest are kept."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def table_bytes(table: Iterable[Iterable[Any]], fmt: str, sheet: str = "表1") -> bytes:
    """``table`` (rows of cells) as CSV (UTF-8 with BOM, so Excel reads Chinese) or
    XLSX bytes; every cell made safe."""
    rows = [[cell_safe(cell) for cell in row] for row in table]
    if fmt == "xlsx":
        from openpyxl import Workbook

        workbook = Workbook(write_only=True)
        worksheet = workbook.create_sheet(sheet)
        for row in rows:
            worksheet.append(row)
        buffer = io.BytesIO()
        workbook.save(buffer)
        return buffer.getvalue()
    text = io.StringIO()
    csv.writer(text).writerows(rows)
    return ("\ufeff" + text.getvalue()).encode("utf-8")


def export_openapi_extra() -> dict[str, Any]:
    """``openapi_extra`` for an operation whose ``format=csv|xlsx`` answers its 200
    with a file instead of JSON, so the document names both media types."""
    return {
        "responses": {
            200: {
                "content": {
                    "text/csv": {"schema": {"type": "string"}},
                    XLSX_TYPE: {"schema": {"type": "string", "format": "binary"}},
                }
            }
        }
    }


def table_response(
    table: Iterable[Iterable[Any]], *, filename: str, fmt: str
) -> HttpResponse:
    """An attachment of ``table`` as ``fmt`` ("csv" or "xlsx")."""
    content_type = XLSX_TYPE if fmt == "xlsx" else "text/csv; charset=utf-8"
    response = HttpResponse(table_bytes(table, fmt), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    return response

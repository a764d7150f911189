"""Spreadsheets every app writes (CSV and XLSX), safe to open, and the one way a
report is asked for as a file: ``export_format_check`` answers an unknown
``format`` with a clear error, ``export_with_audit`` writes the file after
recording the export in the audit log.

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

from dangke.audit import audit_record
from dangke.errors import DomainError

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
FILE_FORMATS = ("csv", "xlsx")
REPORT_FORMATS = ("json", *FILE_FORMATS)  # a report's JSON, or one of its files


class UnknownExportFormat(DomainError):
    """A report asked for in a format it is not given in."""

    code = "invalid_format"


def export_format_check(fmt: str, *, allowed: tuple[str, ...] = REPORT_FORMATS) -> str:
    """``fmt`` when it is one of ``allowed``. Raises UnknownExportFormat naming
    them (``format 只能是 json、csv 或 xlsx``)."""
    if fmt not in allowed:
        choices = "、".join(allowed[:-1]) + f" 或 {allowed[-1]}"
        raise UnknownExportFormat(f"format 只能是 {choices}")
    return fmt


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


def export_with_audit(
    table: Iterable[Iterable[Any]],
    *,
    fmt: str,
    filename: str,
    actor: Any,
    channel: str,
    subject: str,
    scope: dict[str, Any],
    row_count: int,
) -> HttpResponse:
    """An attachment of ``table`` as ``fmt`` (``table_response``), the export
    recorded in the audit log first: who (``actor``), through which ``channel``,
    what (``subject``, e.g. ``"learning.report"``) over which ``scope``
    (organisation code and filters; the format is added), how many rows. Raises
    UnknownExportFormat for a ``fmt`` that is no file format."""
    export_format_check(fmt, allowed=FILE_FORMATS)
    audit_record(
        actor=actor,
        action="export",
        subject=subject,
        channel=channel,
        scope={**scope, "format": fmt},
        row_count=row_count,
    )
    return table_response(table, filename=filename, fmt=fmt)

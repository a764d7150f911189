"""Reading uploaded spreadsheets (XLSX or CSV) row by row, within bounds.

A small XLSX can unpack to gigabytes (a "zip bomb") or declare a sheet of a million
rows by sixteen thousand columns; openpyxl would then spend minutes and gigabytes
before the first row. So an XLSX is refused *before it is parsed* when its zip
entries declare more than ``IMPORT_MAX_UNCOMPRESSED_BYTES`` (all together or any one),
when one part unpacks more than ``IMPORT_MAX_COMPRESSION_RATIO`` times its packed
size, or when the first sheet's dimension exceeds ``IMPORT_MAX_ROWS`` rows or
``IMPORT_MAX_COLUMNS`` columns. Rows are then streamed (openpyxl's read-only mode)
and reading stops with a refusal at the row limit, whatever the sheet declared.
A CSV is bounded by ``IMPORT_MAX_BYTES`` and the same row limit.

Zip entries declare their unpacked size, and ``zipfile`` never unpacks more than an
entry declares, so a lying header cannot get past the check.

This module imports no app: every app's import reads its tables here.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterator
from typing import Any

from django.conf import settings

from dangke.errors import DomainError, TooLarge

# Packed parts smaller than this may unpack at any ratio (styles, empty sheets).
RATIO_CHECKED_FROM = 1024 * 1024
MAX_ZIP_ENTRIES = 1000
_CELL_REF = re.compile(r"^\$?([A-Z]{1,3})\$?(\d+)$")


class TableUnreadable(DomainError):
    """An uploaded table that cannot be read: not an XLSX or CSV, broken, or in an
    unknown encoding."""

    code = "table_unreadable"


class TableTooLarge(TableUnreadable, TooLarge):
    """An uploaded table beyond a limit (bytes packed or unpacked, compression
    ratio, rows, columns); the message names the limit's setting."""

    code = "table_too_large"


def table_rows(*, name: str, content: bytes) -> Iterator[list[Any]]:
    """The rows of an uploaded ``.xlsx`` (first sheet) or ``.csv`` (UTF-8, with or
    without BOM, or GBK), header row first, one at a time.

    Raises TableUnreadable naming the problem and TableTooLarge naming the limit;
    both may come before the first row or, for the row limit, while reading.
    """
    lowered = name.lower()
    if len(content) > settings.IMPORT_MAX_BYTES:
        raise TableTooLarge(
            f"文件过大（{_megabytes(len(content))}），"
            f"上限 {_megabytes(settings.IMPORT_MAX_BYTES)}（IMPORT_MAX_BYTES）"
        )
    if lowered.endswith(".xlsx"):
        return _limited(_xlsx_rows(content))
    if lowered.endswith(".csv"):
        return _limited(_csv_rows(content))
    raise TableUnreadable("只支持 .xlsx 或 .csv 文件")


def upload_problem(*, name: str, size: int, suffixes: tuple[str, ...]) -> str | None:
    """Why an import upload is refused before it is stored (its type, or its size
    beyond ``IMPORT_MAX_BYTES``), or None. For the admin's upload forms."""
    if not name.lower().endswith(suffixes):
        *first, last = suffixes
        return (
            f"只支持 {'、'.join(first)} 或 {last} 文件"
            if first
            else f"只支持 {last} 文件"
        )
    if size > settings.IMPORT_MAX_BYTES:
        return (
            f"文件过大（{_megabytes(size)}），"
            f"上限 {_megabytes(settings.IMPORT_MAX_BYTES)}（IMPORT_MAX_BYTES）"
        )
    return None


def table_read(*, name: str, content: bytes) -> list[list[Any]]:
    """Every row of ``table_rows`` in a list (at most ``IMPORT_MAX_ROWS`` + 1).
    Raises what ``table_rows`` raises."""
    return list(table_rows(name=name, content=content))


def _megabytes(size: int) -> str:
    return (
        f"{size / 1024 / 1024:.1f} MB" if size < 1024**3 else f"{size / 1024**3:.1f} GB"
    )


def _rows_limit_error() -> TableTooLarge:
    limit = settings.IMPORT_MAX_ROWS
    return TableTooLarge(
        f"表格超过 {limit} 行的上限（IMPORT_MAX_ROWS，不含表头），请拆分后分批导入"
    )


def _limited(rows: Iterator[list[Any]]) -> Iterator[list[Any]]:
    # Every row counts, empty ones too: a sheet with one cell in row 1,000,000 is
    # a million rows to read.
    allowed = settings.IMPORT_MAX_ROWS + 1  # and the header
    for count, row in enumerate(rows, start=1):
        if count > allowed:
            raise _rows_limit_error()
        yield row


# --- XLSX ---------------------------------------------------------------------------


def _xlsx_rows(content: bytes) -> Iterator[list[Any]]:
    _zip_check(content)
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - any parse failure is the file's fault
        raise TableUnreadable(f"无法读取 XLSX 文件：{exc}") from None
    try:
        if not workbook.worksheets:
            raise TableUnreadable("XLSX 文件中没有工作表")
        sheet = workbook.worksheets[0]
        _dimension_check(sheet)
        # The declared dimension may be wrong either way (some writers leave it
        # out): read what is there, only as wide as the column limit.
        sheet.reset_dimensions()
        try:
            for row in sheet.iter_rows(
                values_only=True, max_col=settings.IMPORT_MAX_COLUMNS
            ):
                yield list(row)
        except DomainError:
            raise
        except Exception as exc:  # noqa: BLE001 - broken XML inside the sheet
            raise TableUnreadable(f"无法读取 XLSX 文件：{exc}") from None
    finally:
        workbook.close()


def _zip_check(content: bytes) -> None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
    except (zipfile.BadZipFile, OSError):
        raise TableUnreadable("不是有效的 XLSX 文件（无法解压）") from None
    with archive:
        entries = archive.infolist()
    if len(entries) > MAX_ZIP_ENTRIES:
        raise TableTooLarge(f"XLSX 文件包含 {len(entries)} 个部件，不像是表格")
    limit = settings.IMPORT_MAX_UNCOMPRESSED_BYTES
    ratio_limit = settings.IMPORT_MAX_COMPRESSION_RATIO
    total = 0
    for entry in entries:
        total += entry.file_size
        if entry.file_size > limit or total > limit:
            raise TableTooLarge(
                f"XLSX 文件解压后超过 {_megabytes(limit)}"
                f"（IMPORT_MAX_UNCOMPRESSED_BYTES），疑似压缩炸弹，未读取"
            )
        if entry.file_size >= RATIO_CHECKED_FROM:
            ratio = entry.file_size / max(entry.compress_size, 1)
            if ratio > ratio_limit:
                raise TableTooLarge(
                    f"XLSX 文件中的 {entry.filename} 压缩比 {ratio:.0f}:1 超过 "
                    f"{ratio_limit}:1（IMPORT_MAX_COMPRESSION_RATIO），"
                    "疑似压缩炸弹，未读取"
                )


def _column_number(letters: str) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - ord("A") + 1
    return number


def _dimension_check(sheet: Any) -> None:
    """Refuse a first sheet whose declared dimension is beyond the limits."""
    try:
        bounds = sheet.calculate_dimension()
    except Exception:  # noqa: BLE001 - no dimension declared: rows are counted
        return
    last = bounds.split(":")[-1].upper()
    match = _CELL_REF.match(last)
    if not match:
        return
    columns, rows = _column_number(match.group(1)), int(match.group(2))
    if rows > settings.IMPORT_MAX_ROWS + 1:
        raise TableTooLarge(
            f"工作表声明了 {rows} 行（{bounds}），"
            f"超过 {settings.IMPORT_MAX_ROWS} 行的上限（IMPORT_MAX_ROWS，不含表头），"
            "请拆分后分批导入"
        )
    if columns > settings.IMPORT_MAX_COLUMNS:
        raise TableTooLarge(
            f"工作表声明了 {columns} 列（{bounds}），"
            f"超过 {settings.IMPORT_MAX_COLUMNS} 列的上限（IMPORT_MAX_COLUMNS）"
        )


# --- CSV ----------------------------------------------------------------------------


def _csv_rows(content: bytes) -> Iterator[list[Any]]:
    for encoding in ("utf-8-sig", "gbk"):
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise TableUnreadable("CSV 文件编码无法识别（请使用 UTF-8 或 GBK）")
    reader = csv.reader(io.StringIO(text, newline=""))
    width = settings.IMPORT_MAX_COLUMNS
    try:
        for row in reader:
            yield row[:width]
    except csv.Error as exc:
        raise TableUnreadable(f"CSV 第 {reader.line_num} 行无法读取：{exc}") from None

"""Imports of organisations and members from spreadsheets (XLSX or CSV), all rows or
none, and the member upsert they (and the demo) use."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction

from learning.choices import MemberType
from learning.errors import ImportFailed
from learning.models import Member, Organisation
from learning.services.rollups import rollup_batch

ORGANISATION_COLUMNS = ("code", "name", "kind", "parent_code")
MEMBER_COLUMNS = ("username", "name", "organisation_code", "member_type", "join_date")
_HEADER_ALIASES = {
    "组织代码": "code",
    "代码": "code",
    "组织名称": "name",
    "名称": "name",
    "类型": "kind",
    "上级组织代码": "parent_code",
    "上级代码": "parent_code",
    "用户名": "username",
    "账号": "username",
    "姓名": "name",
    "所在组织代码": "organisation_code",
    "组织": "organisation_code",
    "党员类别": "member_type",
    "入党日期": "join_date",
}

Progress = Callable[[int, int], None] | None  # called with (rows done, rows in all)
Row = dict[str, Any]


def rows_from_table(*, table: list[list[Any]]) -> list[Row]:
    """Turn a sheet (header row first) into dicts keyed by column names; headers may be
    the English names or their Chinese labels. Empty rows are skipped. Raises
    nothing."""
    if not table:
        return []
    header = [
        _HEADER_ALIASES.get(str(h or "").strip(), str(h or "").strip())
        for h in table[0]
    ]
    rows = []
    for values in table[1:]:
        if all(v in (None, "") for v in values):
            continue
        rows.append(
            {
                header[i]: ("" if v is None else v)
                for i, v in enumerate(values)
                if i < len(header)
            }
        )
    return rows


def _text(row: Row, key: str) -> str:
    value = row.get(key, "")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _choice(value: str, choices: list[tuple[str, str]]) -> str | None:
    for code, label in choices:
        if value in (code, label):
            return code
    return None


def organisations_import(
    *, rows: list[Row], progress: Progress = None
) -> list[Organisation]:
    """Create or update organisations from rows (code, name, kind, parent_code).

    Parents may come earlier in the file or exist already. All rows or none: raises
    ImportFailed listing every bad row (numbered as in the sheet, header = 1).
    """
    errors: list[tuple[int, str]] = []
    saved: list[Organisation] = []
    with transaction.atomic():
        for index, row in enumerate(rows, start=2):
            code, name = _text(row, "code"), _text(row, "name")
            kind = _choice(_text(row, "kind"), Organisation.Kind.choices)
            parent_code = _text(row, "parent_code")
            problems = []
            if not code:
                problems.append("缺少组织代码")
            if not name:
                problems.append("缺少组织名称")
            if kind is None:
                problems.append(f"未知的组织类型「{_text(row, 'kind')}」")
            parent = None
            if parent_code:
                parent = Organisation.objects.filter(code=parent_code).first()
                if parent is None:
                    problems.append(f"上级组织代码「{parent_code}」不存在")
                elif parent_code == code:
                    problems.append("上级组织不能是自己")
            if problems:
                errors.append((index, "；".join(problems)))
            else:
                org = Organisation.objects.filter(code=code).first() or Organisation(
                    code=code
                )
                org.name, org.kind, org.parent = name, kind, parent
                try:
                    with transaction.atomic():
                        org.save()
                    saved.append(org)
                except ValueError as exc:
                    errors.append((index, str(exc)))
            if progress:
                progress(index - 1, len(rows))
        if errors:
            transaction.set_rollback(True)
    if errors:
        raise ImportFailed(errors)
    return saved


def _parse_date(value: Any) -> date | None:
    if value in ("", None):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip().replace("/", "-").replace(".", "-")
    return date.fromisoformat(text)


def members_import(
    *, rows: list[Row], within: list[str] | None = None, progress: Progress = None
) -> list[Member]:
    """Create or update members from rows (username, name, organisation_code,
    member_type, join_date). New accounts join the group 党员 with an unusable
    password (they sign in through the organisation's login). ``within`` limits the
    organisations to those subtree paths (an organisation admin's import). All rows
    or none: raises ImportFailed listing every bad row.
    """
    errors: list[tuple[int, str]] = []
    saved: list[Member] = []
    group = Group.objects.filter(name="党员").first()
    organisations: dict[str, Organisation | None] = {}
    # One roll-up batch: the moved members' figures follow them at the end.
    with rollup_batch():
        for index, row in enumerate(rows, start=2):
            username, name = _text(row, "username"), _text(row, "name")
            org_code = _text(row, "organisation_code")
            member_type = _choice(
                _text(row, "member_type") or MemberType.REGULAR, MemberType.choices
            )
            problems = []
            if not username:
                problems.append("缺少用户名")
            if not name:
                problems.append("缺少姓名")
            if org_code not in organisations:
                organisations[org_code] = Organisation.objects.filter(
                    code=org_code
                ).first()
            organisation = organisations[org_code]
            if organisation is None:
                problems.append(f"组织代码「{org_code}」不存在")
            elif within is not None and not any(
                organisation.path.startswith(p) for p in within
            ):
                problems.append(f"组织「{org_code}」不在您管理的范围内")
            if member_type is None:
                problems.append(f"未知的党员类别「{_text(row, 'member_type')}」")
            try:
                join_date = _parse_date(row.get("join_date"))
            except ValueError:
                join_date = None
                problems.append(
                    f"入党日期「{_text(row, 'join_date')}」格式应为 YYYY-MM-DD"
                )
            if problems:
                errors.append((index, "；".join(problems)))
            else:
                saved.append(
                    member_upsert(
                        username=username,
                        name=name,
                        organisation=organisation,
                        member_type=member_type,
                        join_date=join_date,
                        group=group,
                    )
                )
            if progress:
                progress(index - 1, len(rows))
        if errors:
            transaction.set_rollback(True)
    if errors:
        raise ImportFailed(errors)
    return saved


def member_upsert(
    *,
    username: str,
    name: str,
    organisation: Organisation,
    member_type: str,
    join_date: date | None,
    group: Group | None,
    password_hash: str | None = None,
) -> Member:
    """Create or update the account ``username`` and its member profile; a new
    account gets ``password_hash`` or an unusable password. Raises nothing."""
    User = get_user_model()
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User(username=username)
        if password_hash:
            user.password = password_hash
        else:
            user.set_unusable_password()
        user.save()
    if group is not None:
        user.groups.add(group)
    member, _ = Member.objects.update_or_create(
        user=user,
        defaults={
            "name": name,
            "organisation": organisation,
            "member_type": member_type,
            "join_date": join_date,
        },
    )
    return member


def table_read(*, name: str, content: bytes) -> list[list[Any]]:
    """Read an uploaded ``.xlsx`` or ``.csv`` (UTF-8, with or without BOM, or GBK)
    into rows. Raises ValueError naming the problem."""
    lowered = name.lower()
    if lowered.endswith(".xlsx"):
        from io import BytesIO

        from openpyxl import load_workbook

        try:
            workbook = load_workbook(BytesIO(content), read_only=True, data_only=True)
        except Exception as exc:  # noqa: BLE001 - any parse failure is the file's fault
            raise ValueError(f"无法读取 XLSX 文件：{exc}") from None
        sheet = workbook.worksheets[0]
        return [list(row) for row in sheet.iter_rows(values_only=True)]
    if lowered.endswith(".csv"):
        import csv
        import io

        for encoding in ("utf-8-sig", "gbk"):
            try:
                text = content.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise ValueError("CSV 文件编码无法识别（请使用 UTF-8 或 GBK）")
        return [row for row in csv.reader(io.StringIO(text))]
    raise ValueError("只支持 .xlsx 或 .csv 文件")

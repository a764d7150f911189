"""Imports of organisations and members from spreadsheets (XLSX or CSV), all rows or
none, and the member upsert they (and the demo) use.

Tables are read by ``dangke.tables`` (bounded: file size, unpacked size, rows,
columns). Members are checked row by row before any is written, then written in
transactions of ``IMPORT_BATCH_SIZE`` rows, so an import of a district's 73,000
members never holds the write lock long; the admin runs imports in the worker
(``learning_import_job_run``) and shows their progress."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction

from dangke.audit import audit_record
from dangke.import_jobs import ImportCounts, import_job_run, progress_phase
from dangke.models import ImportJob
from dangke.tables import TableUnreadable, table_read, table_rows
from learning.choices import MemberType
from learning.errors import ImportFailed
from learning.models import Member, Organisation
from learning.services.rollups import rollup_batch

__all__ = ["table_read"]  # re-exported: learning.services.table_read

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
ORGANISATIONS_JOB = "learning.organisations"
MEMBERS_JOB = "learning.members"
Row = dict[str, Any]


def rows_from_table(*, table: Iterable[list[Any]]) -> list[Row]:
    """Turn a sheet (header row first), read row by row, into dicts keyed by column
    names; headers may be the English names or their Chinese labels. Empty rows are
    skipped. Raises what reading ``table`` raises (``dangke.tables``)."""
    rows_in = iter(table)
    first = next(rows_in, None)
    if first is None:
        return []
    header = [
        _HEADER_ALIASES.get(str(h or "").strip(), str(h or "").strip()) for h in first
    ]
    rows = []
    for values in rows_in:
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
    or none: every row is checked before any is written; raises ImportFailed
    listing every bad row. The members are written in transactions of
    ``IMPORT_BATCH_SIZE`` rows.
    """
    saved: list[Member] = []
    members_import_counts(rows=rows, within=within, progress=progress, into=saved)
    return saved


def members_import_counts(
    *,
    rows: list[Row],
    within: list[str] | None = None,
    progress: Progress = None,
    checked: Progress = None,
    into: list[Member] | None = None,
) -> ImportCounts:
    """``members_import`` counting the rows, the accounts created and the members
    updated instead of returning the members (unless ``into`` collects them).
    ``checked`` is called as rows are checked, ``progress`` as they are written.
    Raises ImportFailed."""
    errors: list[tuple[int, str]] = []
    valid: list[dict[str, Any]] = []
    organisations: dict[str, Organisation | None] = {}
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
            organisations[org_code] = Organisation.objects.filter(code=org_code).first()
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
            problems.append(f"入党日期「{_text(row, 'join_date')}」格式应为 YYYY-MM-DD")
        if problems:
            errors.append((index, "；".join(problems)))
        else:
            valid.append(
                {
                    "username": username,
                    "name": name,
                    "organisation": organisation,
                    "member_type": member_type,
                    "join_date": join_date,
                }
            )
        if checked and (index % 1000 == 0 or index - 1 == len(rows)):
            checked(index - 1, len(rows))
    if errors:
        raise ImportFailed(errors)
    group = Group.objects.filter(name="党员").first()
    User = get_user_model()
    counts = ImportCounts(rows=len(rows))
    batch_size = settings.IMPORT_BATCH_SIZE
    for start in range(0, len(valid), batch_size):
        batch = valid[start : start + batch_size]
        known = set(
            User.objects.filter(
                username__in=[fields["username"] for fields in batch]
            ).values_list("username", flat=True)
        )
        # One roll-up batch per transaction: the moved members' figures follow
        # them when it commits.
        with rollup_batch():
            members = [member_upsert(**fields, group=group) for fields in batch]
        for fields in batch:
            if fields["username"] in known:
                counts.updated += 1
            else:
                counts.created += 1
                known.add(fields["username"])
        if into is not None:
            into += members
        if progress:
            for done in range(start + 1, start + len(batch) + 1):
                progress(done, len(valid))
    return counts


def learning_import_job_run(*, job_id: int) -> ImportJob:
    """Run the import job ``job_id`` of organisations (kind
    ``learning.organisations``) or members (``learning.members``; option
    ``within``: the subtree paths the importing admin may reach, None for all),
    recording it in the audit log when done. The job ends done with its counts, or
    failed with the bad rows listed.

    Raises ImportJob.DoesNotExist and ImportJobBusy (see ``import_job_run``).
    """

    def work(job: ImportJob, content: bytes, report) -> ImportCounts:
        report("读取文件", 2)
        rows = rows_from_table(table=table_rows(name=job.file_name, content=content))
        if not rows:
            raise TableUnreadable("文件中没有数据行")
        within = job.options.get("within")
        if job.kind == ORGANISATIONS_JOB:
            report("导入", 10)
            codes = {_text(row, "code") for row in rows}
            known = set(
                Organisation.objects.filter(code__in=codes).values_list(
                    "code", flat=True
                )
            )
            organisations_import(
                rows=rows, progress=progress_phase(report, "导入", 10, 100)
            )
            counts = ImportCounts(
                rows=len(rows), created=len(codes - known), updated=len(codes & known)
            )
        else:
            counts = members_import_counts(
                rows=rows,
                within=within,
                checked=progress_phase(report, "检查", 2, 20),
                progress=progress_phase(report, "写入", 20, 100),
            )
        audit_record(
            actor=job.created_by,
            action="import",
            subject=job.kind,
            channel=job.options.get("channel", "admin"),
            scope={"file": job.file_name, "within": within or "all"},
            row_count=counts.rows,
        )
        return counts

    return import_job_run(job_id=job_id, work=work)


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

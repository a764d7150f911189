"""Imports of members (and organisations) as jobs in the worker: tables read within
bounds, every row checked before any is written, written in batches, and the same
file twice adds nobody twice."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from dangke.errors import DomainError
from dangke.models import AuditEntry, ImportJob
from dangke.tables import TableTooLarge, TableUnreadable
from learning import services
from learning.errors import ImportFailed
from learning.models import Member

HEADER = "用户名,姓名,所在组织代码,党员类别,入党日期\n"


def _import_members(client, text: str):
    """The admin's import page, sent ``text`` as a CSV file of members."""
    upload = SimpleUploadedFile("members.csv", text.encode("utf-8-sig"), "text/csv")
    return client.post(reverse("learning_import"), {"kind": "members", "file": upload})


def test_table_read_refuses_with_a_domain_error_and_a_code(settings):
    with pytest.raises(TableUnreadable) as caught:
        services.table_read(name="rows.txt", content=b"a,b")
    assert isinstance(caught.value, DomainError)
    assert caught.value.code == "table_unreadable"
    with pytest.raises(TableUnreadable, match="XLSX") as broken:
        services.table_read(name="rows.xlsx", content=b"PK\x03\x04 not a zip")
    assert broken.value.code == "table_unreadable"
    with pytest.raises(TableUnreadable, match="编码"):
        services.table_read(name="rows.csv", content=b"\xff\xfe\xfa\x00\x81")
    settings.IMPORT_MAX_ROWS = 3
    with pytest.raises(TableTooLarge) as large:
        services.table_read(name="rows.csv", content=b"h\n1\n2\n3\n4\n")
    assert large.value.code == "table_too_large"
    assert "IMPORT_MAX_ROWS" in large.value.detail
    assert len(services.table_read(name="rows.csv", content=b"h\n1\n2\n3\n")) == 4


def test_a_bad_row_writes_nothing_even_across_batches(tree, settings):
    settings.IMPORT_BATCH_SIZE = 2
    rows = [
        {"username": f"u{i}", "name": f"党员{i}", "organisation_code": "B1"}
        for i in range(5)
    ] + [{"username": "bad", "name": "错", "organisation_code": "NOPE"}]
    with pytest.raises(ImportFailed) as caught:
        services.members_import(rows=rows)
    assert caught.value.errors == [(7, "组织代码「NOPE」不存在")]
    assert not Member.objects.exists()
    done: list[int] = []
    counts = services.members_import_counts(
        rows=rows[:5], progress=lambda n, total: done.append(n)
    )
    assert (counts.rows, counts.created, counts.updated) == (5, 5, 0)
    assert done == [1, 2, 3, 4, 5]
    assert Member.objects.count() == 5


def test_admin_member_import_is_a_job_and_twice_adds_nobody(editor, client_for, tree):
    body = HEADER + "li,李四,B1,流动党员,2001-07-01\nzhao,赵五,B2,,\n"
    client = client_for(editor)
    first = _import_members(client, body)
    html = first.content.decode()
    assert "已导入 2 行（新增 2，更新 0，未变 0）" in html
    job = ImportJob.objects.get()
    assert (job.kind, job.status, job.progress) == ("learning.members", "done", 100)
    entry = AuditEntry.objects.get(subject="learning.members")
    assert (entry.actor_name, entry.row_count, entry.channel) == (
        editor.username, 2, "admin")  # fmt: skip
    moved = body.replace("li,李四,B1", "li,李四,B2")
    again = _import_members(client, moved)
    assert "已导入 2 行（新增 0，更新 2，未变 0）" in again.content.decode()
    assert Member.objects.count() == 2
    assert Member.objects.get(user__username="li").organisation.code == "B2"
    listing = client.get(reverse("learning_import")).content.decode()
    assert reverse("import_job", args=[job.pk]) in listing  # the way back to a job


def test_admin_lists_the_first_bad_rows_and_counts_the_rest(
    editor, client_for, tree, settings
):
    settings.IMPORT_MAX_LISTED_ERRORS = 20
    body = HEADER + "".join(f"u{i},甲,NOPE,,\n" for i in range(30))
    response = _import_members(client_for(editor), body)
    html = response.content.decode()
    assert html.count("组织代码「NOPE」不存在") == 20
    assert "30 行有错误" in html and "另有 10 行有错误" in html
    assert not Member.objects.exists()


def test_admin_refuses_a_file_beyond_the_size_limit_before_storing_it(
    editor, client_for, tree, settings
):
    settings.IMPORT_MAX_BYTES = 100
    body = HEADER + "".join(f"u{i},甲,B1,,\n" for i in range(30))
    response = _import_members(client_for(editor), body)
    assert "IMPORT_MAX_BYTES" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_command_names_an_unreadable_file(tmp_path, db):
    path = tmp_path / "members.xlsx"
    path.write_bytes(b"not a workbook")
    with pytest.raises(CommandError, match="不是有效的 XLSX 文件"):
        call_command("learning_import", "members", str(path))

"""The audit log: every export or import of member data records who, through which
channel, over which subtree and filters, how many rows; superusers read it in the
admin, nobody edits it."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from dangke.audit import audit_record
from dangke.models import AuditEntry
from tests import factories


def only_entry() -> AuditEntry:
    (entry,) = AuditEntry.objects.all()
    return entry


def test_an_admin_member_import_is_audited(tree, client_for):
    secretary = factories.org_admin(organisation=tree["sub1"], username="secretary")
    body = "username,name,organisation_code\nzhou,周一,B1\nwu,吴二,C1\n"
    upload = SimpleUploadedFile("rows.csv", body.encode("utf-8-sig"), "text/csv")
    response = client_for(secretary).post(
        reverse("learning_import"),
        {"kind": "members", "file": upload},
        HTTP_X_REQUEST_ID="import-77",
    )
    assert "已导入 2 行" in response.content.decode()
    entry = only_entry()
    assert (entry.actor, entry.actor_name) == (secretary, "secretary")
    assert (entry.action, entry.subject, entry.channel) == (
        "import",
        "learning.members",
        "admin",
    )
    assert entry.row_count == 2 and entry.request_id == "import-77"
    assert entry.scope == {"file": "rows.csv", "within": [tree["sub1"].path]}


def test_a_refused_import_is_not_audited(tree, client_for, editor):
    body = "username,name,organisation_code\nx,某,NOPE\n"
    upload = SimpleUploadedFile("rows.csv", body.encode("utf-8-sig"), "text/csv")
    client_for(editor).post(
        reverse("learning_import"), {"kind": "members", "file": upload}
    )
    assert not AuditEntry.objects.exists()


def test_a_command_import_is_audited(db, tmp_path):
    path = tmp_path / "orgs.csv"
    path.write_text("组织代码,组织名称,类型,上级组织代码\nQ,某区,district,\n")
    call_command("learning_import", "organisations", str(path), stdout=io.StringIO())
    entry = only_entry()
    assert (entry.actor, entry.actor_name, entry.channel) == (None, "命令行", "command")
    assert entry.subject == "learning.organisations" and entry.row_count == 1


def test_report_exports_are_audited_but_json_reads_are_not(
    tree, token_for, editor, client_for
):
    factories.member(organisation=tree["branch1"], username="a1")
    factories.member(organisation=tree["branch2"], username="a2")
    secretary = factories.org_admin(organisation=tree["sub1"], username="sec")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token_for(secretary)}"}
    url = "/api/v3/learning/reports"
    assert Client().get(url, {"organisation": "S1"}, **auth).status_code == 200
    assert not AuditEntry.objects.exists()
    csv = Client().get(
        url, {"organisation": "S1", "format": "csv", "year": 2026}, **auth
    )
    assert csv.status_code == 200
    entry = only_entry()
    assert (entry.actor, entry.action, entry.channel) == (secretary, "export", "api")
    assert entry.scope["organisation"] == "S1" and entry.scope["format"] == "csv"
    assert entry.scope["year"] == 2026
    # totals, one community, one laggard (a1)
    assert entry.row_count == 3

    client_for(editor).get(
        reverse("learning_report"), {"organisation": "D", "export": "xlsx"}
    )
    latest = AuditEntry.objects.first()
    assert (latest.actor, latest.channel, latest.scope["organisation"]) == (
        editor,
        "admin",
        "D",
    )


def test_an_unknown_action_is_refused(db):
    with pytest.raises(ValueError, match="unknown audit action"):
        audit_record(
            actor=None,
            action="delete",
            subject="x",
            channel="api",
            scope={},
            row_count=0,
        )


def test_superusers_read_the_log_and_nobody_edits_it(
    db, client_for, editor, django_user_model
):
    entry = audit_record(
        actor=editor,
        action="export",
        subject="learning.report",
        channel="admin",
        scope={"organisation": "D"},
        row_count=12,
    )
    boss = django_user_model.objects.create_superuser("boss", "b@example.com", "pw")
    admin = client_for(boss)
    listing = admin.get(reverse("audit:index"))
    assert listing.status_code == 200
    assert "learning.report" in listing.content.decode()
    inspect = admin.get(reverse("audit:inspect", args=[entry.pk]))
    assert inspect.status_code == 200 and "12" in inspect.content.decode()
    for name, args in (("audit:add", []), ("audit:edit", [entry.pk])):
        assert admin.get(reverse(name, args=args)).status_code in (302, 403)
    assert admin.post(reverse("audit:delete", args=[entry.pk])).status_code in (
        302,
        403,
    )
    assert AuditEntry.objects.filter(pk=entry.pk, row_count=12).exists()
    # An editor (staff, not a superuser) may not read it.
    assert client_for(editor).get(reverse("audit:index")).status_code in (302, 403)

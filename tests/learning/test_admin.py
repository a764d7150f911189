"""The Wagtail admin: scoped listings, imports, reports with bars, check-in screens."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from learning import services
from learning.models import Member, Organisation, TrainingClass, TrainingSession
from tests import factories


def test_editor_sees_every_member(editor, client_for, people):
    page = client_for(editor).get(reverse("members:index"))
    assert page.status_code == 200
    assert "zhang" in page.content.decode() and "wang" in page.content.decode()


def test_secretary_sees_only_the_subtree(secretary, client_for, people, tree):
    client = client_for(secretary)
    listing = client.get(reverse("members:index")).content.decode()
    assert reverse("members:edit", args=[people["one"].pk]) in listing
    assert reverse("members:edit", args=[people["two"].pk]) not in listing
    outside = client.get(reverse("members:edit", args=[people["two"].pk]))
    assert outside.status_code == 404
    inside = client.get(reverse("members:edit", args=[people["one"].pk]))
    assert inside.status_code == 200
    orgs = client.get(reverse("organisations:index")).context["object_list"]
    codes = {org.code for org in orgs}
    assert codes == {"S1", "C1", "B1"}


def test_members_cannot_open_the_admin_reports(member_user, client_for):
    response = client_for(member_user).get(reverse("learning_report"))
    assert response.status_code in (302, 403)


def _csv(text: str) -> SimpleUploadedFile:
    return SimpleUploadedFile("rows.csv", text.encode("utf-8-sig"), "text/csv")


def test_import_organisations_from_csv(editor, client_for, db):
    body = (
        "组织代码,组织名称,类型,上级组织代码\n"
        "X,某区,district,\nX1,某街道,街道（党工委）,X\nX11,某支部,branch,X1\n"
    )
    response = client_for(editor).post(
        reverse("learning_import"), {"kind": "organisations", "file": _csv(body)}
    )
    assert response.status_code == 200
    assert "已导入 3 行" in response.content.decode()
    leaf = Organisation.objects.get(code="X11")
    assert leaf.path.startswith(Organisation.objects.get(code="X").path)
    assert leaf.depth == 3


def test_import_members_from_xlsx(editor, client_for, tree):
    book = Workbook()
    sheet = book.active
    sheet.append(["用户名", "姓名", "所在组织代码", "党员类别", "入党日期"])
    sheet.append(["li", "李四", "B1", "流动党员", "2001-07-01"])
    sheet.append(["zhao", "赵五", "B2", "secretary", None])
    buffer = io.BytesIO()
    book.save(buffer)
    upload = SimpleUploadedFile("members.xlsx", buffer.getvalue())
    response = client_for(editor).post(
        reverse("learning_import"), {"kind": "members", "file": upload}
    )
    assert "已导入 2 行" in response.content.decode()
    li = Member.objects.get(user__username="li")
    assert (li.member_type, li.organisation.code) == ("mobile", "B1")
    assert li.user.groups.filter(name="党员").exists()


def test_import_with_bad_rows_imports_nothing(editor, client_for, tree):
    body = (
        "username,name,organisation_code,member_type,join_date\n"
        "ok,正常,B1,regular,2010-01-01\n"
        "bad1,错误组织,NOPE,regular,\n"
        ",缺用户名,B1,regular,\n"
        "bad3,错误日期,B1,大党员,2010-13-45\n"
    )
    response = client_for(editor).post(
        reverse("learning_import"), {"kind": "members", "file": _csv(body)}
    )
    html = response.content.decode()
    assert "组织代码「NOPE」不存在" in html
    assert "缺少用户名" in html
    assert "未知的党员类别「大党员」" in html and "入党日期" in html
    assert not Member.objects.exists()


def test_import_refuses_unknown_file_types(editor, client_for, db):
    upload = SimpleUploadedFile("rows.txt", b"a,b")
    response = client_for(editor).post(
        reverse("learning_import"), {"kind": "members", "file": upload}
    )
    assert "只支持 .xlsx 或 .csv 文件" in response.content.decode()


def test_secretary_imports_only_into_the_subtree(secretary, client_for, tree):
    body = "username,name,organisation_code\nin,甲,B1\nout,乙,B2\n"
    html = (
        client_for(secretary)
        .post(reverse("learning_import"), {"kind": "members", "file": _csv(body)})
        .content.decode()
    )
    assert "不在您管理的范围内" in html
    assert not Member.objects.exists()


def test_report_view_draws_a_bar_per_child_and_exports(editor, client_for, people):
    client = client_for(editor)
    page = client.get(reverse("learning_report"), {"organisation": "D"})
    html = page.content.decode()
    assert page.status_code == 200
    assert html.count('class="report-bar"') == 2
    assert "?organisation=S1" in html  # drill-down link
    drilled = client.get(reverse("learning_report"), {"organisation": "S1"})
    assert "zhang" in drilled.content.decode()
    csv = client.get(reverse("learning_report"), {"organisation": "D", "export": "csv"})
    assert "S1" in csv.content.decode("utf-8-sig")
    xlsx = client.get(
        reverse("learning_report"), {"organisation": "D", "export": "xlsx"}
    )
    rows = list(load_workbook(io.BytesIO(xlsx.content)).active.values)
    assert rows[2][0] == "D" and rows[2][2] == 2


def test_secretary_report_is_scoped(secretary, client_for, people):
    client = client_for(secretary)
    own = client.get(reverse("learning_report"))
    assert own.status_code == 200
    assert "zhang" in own.content.decode()
    refused = client.get(reverse("learning_report"), {"organisation": "D"})
    # Wagtail turns a refusal into a redirect to the dashboard with a message.
    assert refused.status_code == 302
    assert refused.url == reverse("wagtailadmin_home")


def test_checkin_screen_and_qr_image(editor, client_for, tree, clock):
    klass = TrainingClass.objects.create(
        title="党务培训", organisation=tree["district"]
    )
    now = timezone.now()
    session = TrainingSession.objects.create(
        training_class=klass,
        title="第一讲",
        starts_at=now,
        ends_at=now + timedelta(hours=1),
    )
    client = client_for(editor)
    listing = client.get(reverse("training_classes:index")).content.decode()
    assert reverse("learning_checkin", args=[session.pk]) in listing
    screen = client.get(reverse("learning_checkin", args=[session.pk])).content.decode()
    assert f"data-checkin-code>{services.checkin_code(session=session)}<" in screen
    image = client.get(reverse("learning_checkin_qr", args=[session.pk]))
    assert image["Content-Type"] == "image/png"
    assert image.content.startswith(b"\x89PNG")


@pytest.mark.parametrize(
    "name", ["organisations", "members", "assignments", "training_classes",
             "organisation_admins"],
)  # fmt: skip
def test_add_forms_render_for_editors(editor, client_for, name, db):
    response = client_for(editor).get(reverse(f"{name}:add"))
    assert response.status_code == 200


def test_editor_creates_a_class_with_a_session_in_the_admin(
    editor, client_for, tree, lesson
):
    data = {
        "title": "新培训班",
        "organisation": tree["district"].pk,
        "attendance": "open",
        "description": "",
        "enrolment": "both",
        "sessions-TOTAL_FORMS": "1",
        "sessions-INITIAL_FORMS": "0",
        "sessions-MIN_NUM_FORMS": "0",
        "sessions-MAX_NUM_FORMS": "1000",
        "sessions-0-title": "第一讲",
        "sessions-0-starts_at": "2026-07-01 09:00",
        "sessions-0-ends_at": "2026-07-01 11:00",
        "sessions-0-lessons": [lesson.pk],
        "sessions-0-credit_hours": "2",
        "sessions-0-ORDER": "1",
        "sessions-0-id": "",
        "sessions-0-DELETE": "",
    }
    response = client_for(editor).post(reverse("training_classes:add"), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    session = TrainingSession.objects.get(title="第一讲")
    assert list(session.lessons.all()) == [lesson.page_ptr]
    assert session.training_class.attendance == TrainingClass.Audience.OPEN


def test_editor_assigns_a_course(editor, client_for, tree, course):
    from learning.models import Assignment

    response = client_for(editor).post(
        reverse("assignments:add"),
        {
            "content": course.pk,
            "organisation": tree["sub1"].pk,
            "member_types": ["regular", "mobile"],
            "deadline": "2026-12-31",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assignment = Assignment.objects.get()
    assert assignment.created_by == editor
    assert assignment.member_types == ["regular", "mobile"]


def test_report_view_exports_neutralise_member_and_organisation_names(
    editor, client_for, tree
):
    from tests.helpers import assert_neutralised, export_cells

    tree["sub1"].name = "+cmd|' /C calc'!A0"
    tree["sub1"].save()
    factories.member(organisation=tree["branch1"], username="-2+3")
    client = client_for(editor)
    for fmt in ("csv", "xlsx"):
        answer = client.get(
            reverse("learning_report"), {"organisation": "D", "export": fmt}
        )
        assert answer.status_code == 200
        assert_neutralised(export_cells(answer, fmt), "+cmd|' /C calc'!A0", "-2+3")

"""The admin pages (plans, filing queue, plan against actual, class closing) and
the portal's 我的培训班, rendered for the people who use them."""

from __future__ import annotations

import pytest
from django.utils import timezone

from tests.training.conftest import line, make_class
from training import services
from training.models import TrainingPlan

pytestmark = pytest.mark.django_db


def test_the_parent_files_from_the_queue_page(client_for, tree, admins):
    year = timezone.localdate().year
    plan = services.plan_create(
        user=admins["sub1"], organisation=tree["sub1"], year=year, title="街道计划",
        lines=[line()],
    )  # fmt: skip
    services.plan_submit(user=admins["sub1"], plan=plan)
    district = client_for(admins["district"])
    queue = district.get("/admin/training/queue/").content.decode()
    assert "街道计划" in queue and "data-queued" in queue
    assert (
        "data-empty"
        in client_for(admins["sub1"]).get("/admin/training/queue/").content.decode()
    )
    refused = client_for(admins["sub1"]).post(
        f"/admin/training/plans/{plan.pk}/", {"action": "file"}
    )
    assert refused.status_code == 403 and "越秀区" in refused.content.decode()
    returned = district.post(
        f"/admin/training/plans/{plan.pk}/",
        {"action": "return", "comment": "请补充兜底培训"},
    )
    assert returned.status_code == 200
    plan.refresh_from_db()
    assert plan.status == TrainingPlan.Status.RETURNED


def test_lines_are_edited_on_the_plan_page(client_for, tree, admins):
    page = client_for(admins["sub1"])
    created = page.post(
        "/admin/training/plans/",
        {"organisation": "S1", "year": "2030", "title": "新计划"},
    )
    plan = TrainingPlan.objects.get()
    assert created.status_code == 302
    saved = page.post(
        f"/admin/training/plans/{plan.pk}/",
        {
            "action": "save", "title": "新计划", "line_count": "1",
            "title_0": "兜底培训", "kind_0": "safety_net", "groups_0": ["infirm", "mobile"],
            "classes_0": "3", "people_0": "90", "hours_0": "4.5", "months_0": "5，11",
            "lecturers_0": "送学上门",
        },
    )  # fmt: skip
    assert saved.status_code == 200, saved.content.decode()[:500]
    (saved_line,) = plan.lines.all()
    assert saved_line.months == [5, 11] and saved_line.target_groups == [
        "infirm",
        "mobile",
    ]
    bad = page.post(
        f"/admin/training/plans/{plan.pk}/",
        {"action": "save", "line_count": "1", "title_0": "x", "kind_0": "x"},
    )
    assert bad.status_code == 400 and "培训类型" in bad.content.decode()
    assert plan.lines.get().title == "兜底培训"


def test_the_closing_page_shows_what_is_missing(client_for, tree, admins, members):
    klass = make_class(tree["sub1"])
    page = client_for(admins["sub1"]).get(f"/admin/training/classes/{klass.pk}/")
    text = page.content.decode()
    assert "缺少结班材料：课程表" in text and "缺少结班材料：签到表" in text
    refused = client_for(admins["sub1"]).post(
        f"/admin/training/classes/{klass.pk}/", {"action": "close"}
    )
    assert refused.status_code == 409
    assert (
        client_for(admins["sub2"])
        .get(f"/admin/training/classes/{klass.pk}/")
        .status_code
        == 404
    )
    listing = client_for(admins["sub1"]).get("/admin/training/classes/").content
    assert klass.title in listing.decode()


def test_plan_against_actual_page_drills_down(client_for, tree, admins):
    page = client_for(admins["district"]).get("/admin/training/actual/?organisation=D")
    text = page.content.decode()
    assert (
        page.status_code == 200 and "?organisation=S1" in text and "data-months" in text
    )
    assert (
        client_for(admins["sub2"])
        .get("/admin/training/actual/?organisation=S1")
        .status_code
        in (302, 403)  # Wagtail answers PermissionDenied with the dashboard
    )


def test_my_classes_in_the_portal(client_for, tree, admins, members):
    klass = make_class(tree["sub1"], ended=False, title="党员轮训班")
    portal = client_for(members["member"].user)
    listing = portal.get("/me/training/").content.decode()
    assert "可报名" in listing and "党员轮训班" in listing
    applied = portal.post(f"/me/training/{klass.pk}/", {"action": "apply"})
    assert applied.status_code == 302
    page = portal.get(applied["Location"]).content.decode()
    assert "已提交报名" in page and "待审核" in page and "课程表" in page
    again = portal.post(f"/me/training/{klass.pk}/", {"action": "apply"})
    assert again.status_code == 409 and "您已报名" in again.content.decode()
    assert (
        client_for(members["outsider"].user)
        .get(f"/me/training/{klass.pk}/")
        .status_code
        == 404
    )

"""The training API over HTTP: problem documents naming the problem (403, 409),
plan against actual month by month with its drill-down, and a class closed
through the API once."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import timezone

from learning.models import ClassCompletion, CreditRecord
from learning.services import attendance_record
from tests.training.conftest import Api, make_class
from training import services
from training.models import TrainingPlan

pytestmark = pytest.mark.django_db

LINE = {
    "title": "书记示范培训",
    "kind": "demonstration",
    "target_groups": ["secretary", "committee"],
    "planned_classes": 2,
    "planned_people": 60,
    "planned_hours": "12",
    "months": [3, 9],
}


def test_plan_workflow_over_the_api(tree, admins):
    sub = Api(admins["sub1"])
    year = timezone.localdate().year
    created = sub.post(
        "/plans",
        {"organisation": "S1", "year": year, "title": "街道计划", "lines": [LINE]},
    )
    assert created.status_code == 201, created.content
    plan = created.json()
    assert plan["status"] == "draft" and plan["parent"] == "D"
    assert plan["lines"][0]["target_group_labels"] == ["书记", "两委成员"]
    # Not an administrator of S1: 403 naming the organisation.
    refused = Api(admins["sub2"]).post(f"/plans/{plan['id']}/submit")
    assert refused.status_code == 404  # S2's admin does not even see S1's plan
    refused = Api(admins["branch1"]).post(f"/plans/{plan['id']}/submit")
    assert refused.status_code == 404
    assert sub.post(f"/plans/{plan['id']}/submit").status_code == 200
    twice = sub.post(f"/plans/{plan['id']}/submit")
    assert twice.status_code == 409
    assert twice.json()["code"] == "already_submitted"
    assert "不能重复报备" in twice.json()["detail"]
    own_filing = sub.post(f"/plans/{plan['id']}/file", {})
    assert own_filing.status_code == 403
    assert own_filing.json()["code"] == "not_parent_administrator"
    queue = Api(admins["district"]).get("/plans/queue").json()["items"]
    assert [p["id"] for p in queue] == [plan["id"]]
    filed = Api(admins["district"]).post(f"/plans/{plan['id']}/file", {})
    assert filed.json()["status"] == "filed"
    frozen = sub.put(f"/plans/{plan['id']}", {"title": "改"})
    assert frozen.status_code == 409 and frozen.json()["code"] == "plan_frozen"
    assert TrainingPlan.objects.get(pk=plan["id"]).title == "街道计划"
    revision = sub.post(f"/plans/{plan['id']}/revisions")
    assert revision.status_code == 201 and revision.json()["revision"] == 2


def test_a_bad_line_names_the_problem(tree, admins):
    bad = Api(admins["sub1"]).post(
        "/plans",
        {
            "organisation": "S1",
            "year": 2026,
            "title": "计划",
            "lines": [{**LINE, "kind": "heroic"}],
        },
    )
    assert bad.status_code == 400
    assert bad.json()["code"] == "invalid_kind" and "heroic" in bad.json()["detail"]
    assert not TrainingPlan.objects.exists()


def test_plan_against_actual_month_by_month_along_the_tree(tree, admins, members):
    year = timezone.localdate().year
    plan = services.plan_create(
        user=admins["sub1"], organisation=tree["sub1"], year=year, title="计划",
        lines=[services.LineDraft(
            title="轮训", kind="general", target_groups=["ordinary"],
            planned_classes=2, planned_people=40, planned_hours=Decimal("8"),
            months=[1, 2],
        )],
    )  # fmt: skip
    services.plan_submit(user=admins["sub1"], plan=plan)
    services.plan_decide(user=admins["district"], plan=plan, file=True)
    line = plan.lines.get()
    klass = make_class(tree["sub1"], plan_line=line, title="轮训一期")
    session = klass.sessions.first()
    attendance_record(member=members["member"], session=session, now=session.starts_at)
    attendance_record(member=members["plain"], session=session, now=session.starts_at)
    answer = Api(admins["district"]).get(f"/plan-actual/D/{year}")
    assert answer.status_code == 200, answer.content
    data = answer.json()
    assert Decimal(data["total"]["planned_classes"]) == 2
    assert data["total"]["classes"] == 1 and data["total"]["people_times"] == 2
    assert Decimal(data["total"]["hours"]) == 4  # 2 members × 2 学时 at check-in
    january = data["months"][0]
    assert Decimal(january["planned_people"]) == 20  # 40 spread over two months
    month = timezone.localtime(session.starts_at).month
    assert data["months"][month - 1]["sessions"] >= 1
    assert sum(m["sessions"] for m in data["months"]) == 2
    rows = {row["organisation"]: row for row in data["rows"]}
    assert rows["S1"]["classes"] == 1 and rows["S2"]["classes"] == 0
    assert Decimal(rows["S1"]["planned_classes"]) == 2
    # Drill down into S1: its own line, against its classes.
    sub = Api(admins["sub1"]).get(f"/plan-actual/S1/{year}").json()
    assert sub["lines"][0]["title"] == "轮训" and sub["lines"][0]["classes"] == 1
    assert Api(admins["sub2"]).get(f"/plan-actual/S1/{year}").status_code == 403


def test_close_over_the_api_once_and_what_is_missing(tree, admins, members):
    klass = make_class(tree["sub1"], credit_at_completion=True)
    organiser = Api(admins["sub1"])
    enrolled = organiser.post(
        f"/classes/{klass.pk}/enrolments", {"members": [members["member"].pk]}
    )
    assert enrolled.json() == {"added": 1, "enrolled": 1}
    outside = organiser.post(
        f"/classes/{klass.pk}/enrolments", {"members": [members["outsider"].pk]}
    )
    assert outside.status_code == 400 and "outsider" in outside.json()["detail"]
    early = organiser.post(f"/classes/{klass.pk}/close")
    assert early.status_code == 409
    assert {m["code"] for m in early.json()["missing"]} == {"paper_missing"}
    for kind in ("timetable", "signin"):
        assert organiser.post(f"/classes/{klass.pk}/papers/{kind}").status_code == 200
    pdf = organiser.get(f"/classes/{klass.pk}/papers/signin")
    assert pdf["Content-Type"] == "application/pdf"
    assert b"".join(pdf.streaming_content).startswith(b"%PDF-")
    member_view = Api(members["member"].user).get(f"/classes/{klass.pk}/completion")
    assert [s["name"] for s in member_view.json()["standings"]] == ["member"]
    assert member_view.json()["papers"] == []
    closed = organiser.post(f"/classes/{klass.pk}/close")
    assert closed.status_code == 200, closed.content
    assert closed.json()["completions"] == 1
    again = organiser.post(f"/classes/{klass.pk}/close")
    assert again.status_code == 409 and again.json()["code"] == "already_closed"
    assert ClassCompletion.objects.filter(training_class=klass).count() == 1
    assert CreditRecord.objects.filter(source="class").count() == 1


def test_a_member_sees_only_their_own_enrolments(tree, admins, members):
    klass = make_class(tree["sub1"], ended=False)
    services.enrol_members(
        user=admins["sub1"], training_class=klass, member_ids=[members["plain"].pk]
    )
    mine = Api(members["member"].user).get("/classes/mine").json()["items"]
    # Open to apply, not enrolled: no enrolment and no one else's.
    assert [(c["id"], c["enrolment"]) for c in mine] == [(klass.pk, None)]
    applied = Api(members["member"].user).post(f"/classes/{klass.pk}/applications")
    assert applied.status_code == 201
    assert applied.json()["enrolment"]["status"] == "applied"
    completion = Api(members["member"].user).get(f"/classes/{klass.pk}/completion")
    assert [s["name"] for s in completion.json()["standings"]] == ["member"]
    assert Api(members["outsider"].user).get(f"/classes/{klass.pk}").status_code == 404

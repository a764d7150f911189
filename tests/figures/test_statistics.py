"""培训统计 from the records: 期数 and 人次 by kind and target group, 学时, plan
completion, lecturers, meetings' 场次/人次, the drill-down by child organisation,
scope (an admin of S2 reads nothing of S1), the admin page with its SVG bars and
the audited XLSX export."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from tests import factories
from tests.helpers import assert_problem

pytestmark = pytest.mark.django_db

YEAR = 2025


@pytest.fixture
def world(tree, member):
    """In S1: a planned 示范 class for secretaries (2 sessions by 张老师, 3 and 2
    check-ins, 1.5 学时 per check-in, 2 completions of 3 学时) and an unplanned
    class in B1 (1 session, 1 check-in); a class of the year before; two held
    meetings of B1 (one member present each) and a cancelled one."""
    from learning.models import (
        Attendance,
        ClassCompletion,
        CreditRecord,
        TrainingClass,
        TrainingSession,
    )
    from meetings.models import Attendee, Meeting
    from training.models import PlanLine, TrainingPlan

    tz = timezone.get_current_timezone()
    plan = TrainingPlan.objects.create(
        organisation=tree["sub1"], year=YEAR, title="S1 计划", status="filed"
    )
    line = PlanLine.objects.create(
        plan=plan, title="书记示范培训", kind="demonstration",
        target_groups=["secretary", "committee"], planned_classes=4,
        planned_people=40, planned_hours=Decimal("8"), months=[3],
    )  # fmt: skip
    lecturer = factories.lecturer(name="张老师")
    people = [member] + [
        factories.member(organisation=tree["branch1"], username=f"p{i}")
        for i in range(3)
    ]
    planned = TrainingClass.objects.create(
        title="书记示范班", organisation=tree["sub1"], plan_line=line
    )
    unplanned = TrainingClass.objects.create(
        title="支部自办班", organisation=tree["branch1"]
    )
    old = TrainingClass.objects.create(title="去年的班", organisation=tree["sub1"])

    def session(klass, day, attendees, year=YEAR):
        s = TrainingSession.objects.create(
            training_class=klass, title=f"{day}", lecturer=lecturer if klass == planned else None,
            starts_at=datetime(year, 3, day, 9, tzinfo=tz),
            ends_at=datetime(year, 3, day, 11, tzinfo=tz),
        )  # fmt: skip
        for who in attendees:
            Attendance.objects.create(member=who, session=s, checked_in_at=s.starts_at)
            CreditRecord.objects.create(
                member=who, source="session", source_id=s.pk, title=s.title,
                hours=Decimal("1.5"), year=year, earned_at=s.starts_at,
            )  # fmt: skip
        return s

    session(planned, 3, people[:3])
    session(planned, 4, people[:2])
    session(unplanned, 5, people[:1])
    session(old, 6, people, year=YEAR - 1)
    for who in people[:2]:
        ClassCompletion.objects.create(
            training_class=planned, member=who, hours=Decimal("3"),
            completed_at=datetime(YEAR, 3, 4, 12, tzinfo=tz),
        )  # fmt: skip
        CreditRecord.objects.create(
            member=who, source="class", source_id=planned.pk, title="结业",
            hours=Decimal("3"), year=YEAR, earned_at=datetime(YEAR, 3, 4, 12, tzinfo=tz),
        )  # fmt: skip
    for day, cancelled in ((1, False), (2, False), (3, True)):
        meeting = Meeting.objects.create(
            organisation=tree["branch1"], kind="lecture", theme=f"党课{day}",
            starts_at=datetime(YEAR, 5, day, 9, tzinfo=tz),
            ends_at=datetime(YEAR, 5, day, 10, tzinfo=tz), place="address",
            address="党群服务中心", host=member, recorder=member,
            cancelled_at=timezone.now() if cancelled else None,
        )  # fmt: skip
        Attendee.objects.create(meeting=meeting, member=member, attendance="code")
        Attendee.objects.create(meeting=meeting, member=people[1])
    return {"planned": planned, "unplanned": unplanned}


def test_the_figures_come_from_the_records(tree, world):
    from figures.selectors import training_statistics

    stats = training_statistics(organisation=tree["district"], year=YEAR)

    assert (stats.classes, stats.sessions, stats.people_times) == (2, 3, 6)
    # 6 check-ins × 1.5 + 2 completions × 3
    assert stats.hours == Decimal("15")
    assert (stats.completions, stats.certificates) == (2, 0)
    kinds = {t.key: (t.classes, t.people_times, t.hours) for t in stats.by_kind}
    assert kinds["demonstration"] == (1, 5, Decimal("13.5"))
    assert kinds["unplanned"] == (1, 1, Decimal("1.5"))
    assert kinds["general"] == (0, 0, 0)
    groups = {t.key: (t.classes, t.people_times) for t in stats.by_group}
    assert groups["secretary"] == groups["committee"] == (1, 5)
    assert groups["ordinary"] == (0, 0)
    # Plan completion is training's plan against actual: the planned class run
    # against the 4 planned (the unplanned class is not the plan's).
    assert stats.planned_classes == 4 and stats.plan_percent == Decimal("25.0")
    assert stats.lecturers == [("张老师", 2, 5)]
    meetings = {key: (n, people) for key, _label, n, people in stats.meetings}
    assert meetings["lecture"] == (2, 2)  # the cancelled one is not counted
    assert stats.meetings_total == (2, 2)
    rows = {row.code: row for row in stats.children}
    assert (rows["S1"].classes, rows["S1"].people_times, rows["S1"].meetings) == (
        2,
        6,
        2,
    )
    assert (rows["S2"].classes, rows["S2"].meetings) == (0, 0)


def test_drilling_down_to_a_branch(tree, world):
    from figures.selectors import training_statistics

    stats = training_statistics(organisation=tree["community1"], year=YEAR)
    assert (stats.classes, stats.people_times) == (1, 1)  # the branch's own class
    assert [(r.code, r.classes) for r in stats.children] == [
        ("C1", 0),
        ("B1", 1),
    ]


def test_the_api_answers_within_scope(
    client_for, tree, world, organiser_s2, organiser_s1
):
    url = f"/api/v3/figures/training/S1/{YEAR}"
    body = client_for(organiser_s1).get(url).json()
    assert (body["classes"], body["people_times"], body["hours"]) == (2, 6, "15")
    assert_problem(client_for(organiser_s2).get(url), 403, "statistics_not_permitted")
    assert_problem(
        client_for(organiser_s1).get(f"/api/v3/figures/training/NOPE/{YEAR}"), 404
    )
    assert_problem(
        client_for(organiser_s1).get("/api/v3/figures/training/S1/1999"), 400
    )


def test_the_admin_page_draws_bars_and_exports_xlsx(
    client_for, tree, world, organiser_s1, organiser_s2
):
    from dangke.models import AuditEntry

    client = client_for(organiser_s1)
    page = client.get(f"/admin/figures/training/?organisation=S1&year={YEAR}")
    assert page.status_code == 200
    html = page.content.decode()
    assert html.count('<svg role="img"') == 3 and "示范培训" in html
    assert "培训 2 期" in html and "6 人次" in html
    export = client.get(
        f"/admin/figures/training/?organisation=S1&year={YEAR}&export=xlsx"
    )
    assert export.status_code == 200
    assert export["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml"
    )
    assert (
        AuditEntry.objects.get(subject="figures.training").scope["organisation"] == "S1"
    )
    # Wagtail turns the refusal into a redirect to the dashboard with a message.
    refused = client_for(organiser_s2).get(
        f"/admin/figures/training/?organisation=S1&year={YEAR}"
    )
    assert (
        refused.status_code in (302, 403) and "书记示范" not in refused.content.decode()
    )


@pytest.fixture
def organiser_s1(tree):
    return factories.org_admin(organisation=tree["sub1"], username="s1admin")


@pytest.fixture
def organiser_s2(tree):
    return factories.org_admin(organisation=tree["sub2"], username="s2admin")


def test_the_sharing_block_counts_courses_shared_and_adopted(
    client_for, tree, home_page, organiser_s1
):
    """共建共享: the district shares a course, S1 adopts it; the district's figures
    show the share with its adopter, S1's the adoption with its own completions."""
    from learning.models import CourseCompletion
    from training import services

    district_admin = factories.org_admin(organisation=tree["district"], username="da")
    section = factories.section(home_page, title="课程", slug="figures-courses")
    course = factories.course(section, title="共享的党课")
    services.course_share(
        user=district_admin, course=course, organisation=tree["district"],
        scope="subtree",
    )  # fmt: skip
    services.course_adopt(user=organiser_s1, organisation=tree["sub1"], course=course)
    tz = timezone.get_current_timezone()
    for n, year in enumerate((YEAR, YEAR, YEAR - 1)):
        CourseCompletion.objects.create(
            member=factories.member(organisation=tree["branch1"], username=f"c{n}"),
            course=course, completed_at=datetime(year, 6, 1, tzinfo=tz),
        )  # fmt: skip

    top = client_for(district_admin).get(f"/api/v3/figures/training/D/{YEAR}").json()
    assert top["sharing"]["shared"] == [
        {"course": course.pk, "title": "共享的党课", "organisation": "D",
         "adopted_by": ["S1"], "completions": 2},
    ]  # fmt: skip
    sub = client_for(organiser_s1).get(f"/api/v3/figures/training/S1/{YEAR}").json()
    assert sub["sharing"] == {
        "shared": [],
        "adopted": [
            {"course": course.pk, "title": "共享的党课", "organisation": "S1",
             "completions": 2},
        ],
    }  # fmt: skip
    page = client_for(organiser_s1).get(
        f"/admin/figures/training/?organisation=S1&year={YEAR}"
    )
    assert "采用课程 1 门，本年完成 2 人" in page.content.decode()

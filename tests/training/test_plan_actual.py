"""Plan against actual as one set of grouped statements: months, the drill-down
and a plan's own lines (a revision's line collects the classes of the line it was
copied from), and the statements it runs do not grow with the records it sums."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from learning.models import Attendance, CreditRecord, TrainingClass, TrainingSession
from tests import factories
from training.models import PlanLine, TrainingPlan
from training.selectors import plan_against_actual

pytestmark = pytest.mark.django_db

YEAR = 2025


def at(month: int, day: int, year: int = YEAR) -> datetime:
    return datetime(year, month, day, 9, tzinfo=timezone.get_current_timezone())


def filed_plan(organisation, *, revision=1, revises=None, months=(3, 4), copied=None):
    plan = TrainingPlan.objects.create(
        organisation=organisation, year=YEAR, revision=revision, title="计划",
        status="filed", revises=revises,
    )  # fmt: skip
    line = PlanLine.objects.create(
        plan=plan, title="轮训", kind="general", target_groups=["ordinary"],
        planned_classes=2, planned_people=10, planned_hours=Decimal("6"),
        months=list(months), copied_from=copied,
    )  # fmt: skip
    return plan, line


def class_with(organisation, line, *, starts, people):
    """A class of ``line`` with one session at each of ``starts`` and each of
    ``people`` checked in (1 学时 each) and completing it (2 学时 at 结业)."""
    klass = TrainingClass.objects.create(
        title="班", organisation=organisation, plan_line=line
    )
    for moment in starts:
        session = TrainingSession.objects.create(
            training_class=klass, title="课", starts_at=moment,
            ends_at=moment.replace(hour=11),
        )  # fmt: skip
        for who in people:
            Attendance.objects.create(member=who, session=session, checked_in_at=moment)
            CreditRecord.objects.create(
                member=who, source="session", source_id=session.pk, title="课",
                hours=Decimal("1"), year=moment.year, earned_at=moment,
            )  # fmt: skip
    for who in people:
        CreditRecord.objects.create(
            member=who, source="class", source_id=klass.pk, title="结业",
            hours=Decimal("2"), year=YEAR, earned_at=at(5, 1),
        )  # fmt: skip
    return klass


@pytest.fixture
def people(tree):
    return [
        factories.member(organisation=tree["branch1"], username=f"pa{n}")
        for n in range(3)
    ]


def test_months_rows_and_a_revisions_lines(tree, people):
    old, old_line = filed_plan(tree["sub1"])
    _new, new_line = filed_plan(tree["sub1"], revision=2, revises=old, copied=old_line)
    class_with(tree["sub1"], old_line, starts=[at(3, 2), at(4, 2)], people=people)
    class_with(tree["branch1"], new_line, starts=[at(4, 9)], people=people[:1])
    # A session of another year counts neither its session nor its 学时.
    class_with(tree["sub1"], new_line, starts=[at(12, 30, YEAR - 1)], people=[])

    result = plan_against_actual(organisation=tree["district"], year=YEAR)

    total = result.total
    # Only the effective revision is planned; the class of the year before is not
    # this year's (its first session is in the year before).
    assert (total.planned_classes, total.classes, total.sessions) == (2, 2, 3)
    assert total.people_times == 3 * 2 + 1
    assert total.hours == Decimal(3 * 2 + 1) + Decimal(2 * 4)
    assert result.months[3].classes == 1 and result.months[4].classes == 1
    assert (result.months[3].sessions, result.months[4].sessions) == (1, 2)
    assert result.months[5].hours == 8  # 结业 学时 in the month they were granted
    assert result.months[3].planned_people == 5  # 10 spread over March and April
    rows = {code: figures for code, _name, _own, figures in result.rows}
    assert rows["S1"].classes == 2 and rows["S1"].planned_classes == 2
    assert rows["S2"].classes == 0 and rows["S2"].planned_classes == 0

    sub = plan_against_actual(organisation=tree["sub1"], year=YEAR)
    [(line, figures)] = sub.lines
    assert line == new_line  # the old revision's class counts for its copy
    assert (figures.classes, figures.sessions, figures.people_times) == (2, 3, 7)
    own = {code: (own, f.classes) for code, _n, own, f in sub.rows}
    assert own["S1"] == (True, 1) and own["C1"] == (False, 1)


def test_the_statements_do_not_grow_with_the_records(tree, people):
    _plan, line = filed_plan(tree["sub1"])
    class_with(tree["sub1"], line, starts=[at(3, 2)], people=people[:1])
    with CaptureQueriesContext(connection) as few:
        small = plan_against_actual(organisation=tree["district"], year=YEAR)
    for n in range(4):
        class_with(tree["sub2"], line, starts=[at(3, 3 + n), at(4, 3)], people=people)
    with CaptureQueriesContext(connection) as many:
        big = plan_against_actual(organisation=tree["district"], year=YEAR)
    assert big.total.people_times == small.total.people_times + 4 * 2 * 3
    assert len(many.captured_queries) == len(few.captured_queries)


def test_the_plan_and_its_classes_alone(tree, people):
    """What the statistics page asks for (plan completion): the same plan and
    classes, without sessions, people-times and 学时."""
    _plan, line = filed_plan(tree["sub1"])
    class_with(tree["sub1"], line, starts=[at(3, 2)], people=people)
    full = plan_against_actual(organisation=tree["district"], year=YEAR)
    plan = plan_against_actual(
        organisation=tree["district"], year=YEAR, sessions_and_hours=False
    )
    assert (plan.total.planned_classes, plan.total.classes) == (2, 1)
    assert (full.total.planned_classes, full.total.classes) == (2, 1)
    assert (plan.total.sessions, plan.total.people_times, plan.total.hours) == (0, 0, 0)
    assert full.total.people_times == 3

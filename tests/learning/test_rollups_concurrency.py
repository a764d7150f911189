"""Concurrent completions, check-ins, exam passes and moves keep the roll-ups exact
(PostgreSQL, threads)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import timezone

from learning import selectors, services
from learning.models import CourseCompletion, Member, TrainingClass, TrainingSession
from tests import factories
from tests.helpers import run_in_threads
from tests.services import postgres_only

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture(autouse=True)
def _needs_postgres():
    postgres_only(
        "row locks under real concurrency need PostgreSQL; "
        "SQLite serialises writers anyway (runs in the PostgreSQL pass)"
    )


def test_concurrent_learning_and_moves_keep_rollups_exact(home_page, capsys):
    now = timezone.now()
    section = factories.section(home_page, title="并发汇总", slug="rollup-race")
    first, second = (factories.lesson(section, duration=600) for _ in range(2))
    course = factories.course(section, lessons=[first, second], credit_hours=None)
    exam_course = factories.course(
        section, lessons=[second], credit_hours=Decimal("1"), exam_required=True
    )
    district = factories.organisation(kind="district", code="RD")
    branches = [
        factories.organisation(parent=district, kind="branch", code=f"RB{n}")
        for n in range(2)
    ]
    klass = TrainingClass.objects.create(title="现场", organisation=district)
    session = TrainingSession.objects.create(
        training_class=klass, title="课次", starts_at=now,
        ends_at=now + timedelta(hours=1), credit_hours=Decimal("30"),
    )  # fmt: skip
    session.lessons.add(first)
    session.save()
    User = get_user_model()
    members = [
        factories.member(
            organisation=branches[n % 4 == 3],
            user=User.objects.create(username=f"race{n}"),
        )
        for n in range(12)
    ]

    def learn(member: Member, check_in_first: bool):
        def run():
            if check_in_first:
                services.attendance_record(member=member, session=session, now=now)
            for lesson in (first, second):
                services.lesson_mark_completed(
                    member=member, lesson_id=lesson.pk, via="online", now=now
                )
            services.course_exam_pass_record(
                member=member, course_id=exam_course.pk, passed_at=now, score=80
            )
            if not check_in_first:
                services.attendance_record(member=member, session=session, now=now)

        return run

    def move(member: Member, to, member_type: str):
        def run():
            fresh = Member.objects.get(pk=member.pk)
            fresh.organisation, fresh.member_type = to, member_type
            fresh.save()

        return run

    _, errors = run_in_threads(
        [learn(m, n % 2 == 0) for n, m in enumerate(members)]
        + [
            move(members[0], branches[1], "secretary"),
            move(members[5], branches[1], "regular"),
        ]
        + [move(members[3], branches[0], "mobile")]
    )
    assert errors == []
    assert CourseCompletion.objects.count() == 24
    call_command("learning_reconcile")  # exits 1 on any difference
    assert "match" in capsys.readouterr().out
    report = selectors.report_build(organisation=district, course=course)
    assert (report.total.members, report.total.completed) == (12, 12)
    rows = {row.code: row.members for row in report.children}
    assert rows == {"RB0": 8, "RB1": 4}
    year = selectors.report_build(organisation=district)
    assert year.total.hours_total == 12 * (
        Decimal("30") + Decimal("0.5") + 1 + Decimal("0.5")
    )

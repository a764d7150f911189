"""Concurrent 结班 grants once, and two concurrent submissions of a plan leave one
submission (PostgreSQL, threads)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from learning.models import ClassCompletion, CreditRecord, MemberYearCredit
from learning.services import attendance_record
from tests import factories
from tests.helpers import run_in_threads
from tests.services import postgres_only
from tests.training.conftest import line, make_class
from training import services
from training.errors import ClassClosed, PlanStateConflict
from training.models import ClassPaper, TrainingPlan

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


def test_concurrent_closes_grant_once():
    district = factories.organisation(kind="district", code="CD")
    branch = factories.organisation(parent=district, code="CB")
    admin = factories.org_admin(organisation=district, username="closer")
    members = [factories.member(organisation=branch) for _ in range(6)]
    klass = make_class(district, credit_at_completion=True, credit_hours=Decimal("5"))
    services.enrol_members(
        user=admin, training_class=klass, member_ids=[m.pk for m in members]
    )
    for member in members:
        for session in klass.sessions.all():
            attendance_record(member=member, session=session, now=session.starts_at)
    for kind in (
        "timetable",
        "signin",
    ):  # attached, not rendered: PDFs are not the point
        paper = ClassPaper(training_class=klass, kind=kind)
        paper.file.save(f"{kind}.pdf", ContentFile(b"%PDF-1.4\n"), save=False)
        paper.save()

    def close():
        return services.class_close(user=admin, training_class=klass)

    results, errors = run_in_threads([close for _ in range(4)])
    assert len(results) == 1, errors
    assert len(errors) == 3 and all(isinstance(e, ClassClosed) for e in errors)
    assert ClassCompletion.objects.filter(training_class=klass).count() == 6
    assert CreditRecord.objects.filter(source="class").count() == 6
    year = timezone.localdate().year
    assert all(
        credit.hours == Decimal("5")
        for credit in MemberYearCredit.objects.filter(year=year)
    )
    assert MemberYearCredit.objects.filter(year=year).count() == 6


def test_concurrent_submissions_submit_once():
    district = factories.organisation(kind="district", code="PD")
    sub = factories.organisation(parent=district, kind="subdistrict", code="PS")
    admin = factories.org_admin(organisation=sub, username="planner")
    plan = services.plan_create(
        user=admin, organisation=sub, year=2027, title="计划", lines=[line()]
    )

    def submit():
        return services.plan_submit(user=admin, plan=plan)

    results, errors = run_in_threads([submit for _ in range(4)])
    assert len(results) == 1
    assert len(errors) == 3 and all(isinstance(e, PlanStateConflict) for e in errors)
    assert TrainingPlan.objects.get(pk=plan.pk).status == "submitted"

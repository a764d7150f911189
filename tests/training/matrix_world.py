"""The training part of the authorisation matrix's world
(``tests/dangke/test_authorisation_matrix.py``): plans of S2 and B2 in each state
and a class of S1 the member (of B1) is enrolled in, with a session begun, an open
leave request and an attached sign-in sheet."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.core.files.base import ContentFile
from django.utils import timezone

from learning.models import TrainingClass, TrainingSession
from training.models import (
    ClassEnrolment,
    ClassPaper,
    CourseAdoption,
    CourseSharing,
    PlanLine,
    SessionRequest,
    TrainingPlan,
)


def _plan(organisation, year, status, title):
    plan = TrainingPlan.objects.create(
        organisation=organisation, year=year, title=title, status=status
    )
    PlanLine.objects.create(
        plan=plan, title="书记示范培训", kind="demonstration",
        target_groups=["secretary"], planned_classes=1, planned_people=30,
        planned_hours=Decimal("8"), months=[3],
    )  # fmt: skip
    return plan


def training_world(*, member, sub1, sub2, branch2) -> dict:
    """Ids for the training rows: ``s2_plan`` (submitted to the district),
    ``b2_plan`` (submitted to S2, whose admin is ``other_admin``), ``s2_draft``,
    ``s2_filed``, the class ``tclass`` of S1 with its session ``tsession`` and the
    member's open leave request ``trequest``."""
    year = timezone.localdate().year
    submitted = TrainingPlan.Status.SUBMITTED
    ids = {
        "s2_plan": _plan(sub2, year, submitted, "S2 年度培训计划").pk,
        "b2_plan": _plan(branch2, year, submitted, "B2 年度培训计划").pk,
        "s2_draft": _plan(sub2, year + 1, TrainingPlan.Status.DRAFT, "S2 草稿").pk,
        "s2_filed": _plan(sub2, year + 2, TrainingPlan.Status.FILED, "S2 已备案").pk,
    }
    klass = TrainingClass.objects.create(title="党务骨干培训班", organisation=sub1)
    start = timezone.now() - timedelta(minutes=5)
    session = TrainingSession.objects.create(
        training_class=klass, title="开班式", starts_at=start,
        ends_at=start + timedelta(hours=1),
    )  # fmt: skip
    ClassEnrolment.objects.create(
        training_class=klass, member=member, status="enrolled", via="organisation"
    )
    later = TrainingSession.objects.create(
        training_class=klass, title="第二讲", starts_at=start + timedelta(days=1),
        ends_at=start + timedelta(days=1, hours=1),
    )  # fmt: skip
    request = SessionRequest.objects.create(
        session=later, member=member, kind="leave", reason="出差", asked_at=start
    )
    paper = ClassPaper(training_class=klass, kind="signin", generated=True)
    paper.file.save("signin.pdf", ContentFile(b"%PDF-1.4\n%%EOF\n"), save=False)
    paper.save()
    ids.update(tclass=klass.pk, tsession=session.pk, trequest=request.pk)
    ids["plan_year"] = year + 5  # a year without plans, for creating one
    ids.update(_sharing(district=sub1.parent, sub1=sub1))
    return ids


def _sharing(*, district, sub1) -> dict:
    """共建共享: the district shares two courses with its subtree; S1 adopted the
    first (``adoption``); ``s2_course`` is for S2 to adopt."""
    from cms.models import HomePage
    from tests import factories

    home = HomePage.objects.get(depth=2)
    section = factories.section(home, title="共享课程", slug="matrix-shared")
    first, second = (
        factories.course(section, title=title) for title in ("共享课程甲", "共享课程乙")
    )
    now = timezone.now()
    for course in (first, second):
        CourseSharing.objects.create(
            course=course, organisation=district, scope="subtree", shared_at=now
        )
    adoption = CourseAdoption.objects.create(
        organisation=sub1, course=first, adopted_at=now
    )
    return {"shared_course": first.pk, "s2_course": second.pk, "adoption": adoption.pk}

"""Demo data for the training year: the yearly plans of the demo district (越秀区委,
filed), of 北京街道 (filed), 东山街道 (returned with a comment) and 华乐街道
(waiting in the district's filing queue), and classes of 北京街道's plan in each
state: enrolling (open to apply), running (a session held, a leave asked), ready
to close (held, settled, papers generated) and closed (completions, 学时 and the
certificates asked for); 共建共享: the district shares two courses, 北京街道
adopts one into its plan line. Safe to run again: what exists is kept.

Called by ``manage.py load_demo`` after learning's demo (the tree, ``member`` and
``shuji``, who administers 北京街道).
"""

from __future__ import annotations

import sys
from datetime import datetime, time, timedelta
from decimal import Decimal
from typing import TextIO

from django.contrib.auth import get_user_model
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils import timezone

from cms.models import CoursePage
from cms.selectors import pages_visible_to_public
from dangke.progress import progress_line
from learning.models import Member, Organisation, TrainingClass, TrainingSession
from learning.services import attendance_record
from training import services
from training.models import (
    ClassEnrolment,
    CourseAdoption,
    CourseSharing,
    PlanLine,
    SessionRequest,
    TrainingPlan,
)

DISTRICT = "YX"
FILED_SUB, RETURNED_SUB, QUEUED_SUB = "YX-BJ", "YX-DS", "YX-HL"
LINES = [
    ("社区党组织书记示范培训", "demonstration", ["secretary", "committee"], 2, 80, "16", [3, 9], "区委党校讲师团"),
    ("党员普遍轮训", "general", ["ordinary"], 6, 1200, "8", [4, 5, 6, 10], "学习贯彻党的二十届三中全会精神"),
    ("流动党员和老党员兜底培训", "safety_net", ["mobile", "infirm"], 4, 200, "4", [5, 11], "送学上门、线上补学"),
    ("基层治理专题培训", "thematic", ["secretary", "committee"], 1, 60, "6", [7], "基层治理实务"),
]  # fmt: skip
CLASSES = [  # title, state, first session's day from today, line index
    ("北京街道书记示范培训班（第一期）", "closed", -40, 0),
    ("北京街道党员轮训班（第一期）", "ready", -20, 1),
    ("北京街道党员轮训班（第二期）", "running", -1, 1),
    ("北京街道基层治理专题班", "enrolling", 10, 3),
]


def training_demo_load(*, stdout: TextIO | None = None) -> None:
    """Build the training demo (plans and classes); idempotent."""
    out = stdout or sys.stdout
    User = get_user_model()
    shuji = User.objects.filter(username="shuji").first()
    editor = User.objects.filter(is_superuser=True).order_by("pk").first() or shuji
    district = Organisation.objects.filter(code=DISTRICT).first()
    if district is None or shuji is None or editor is None:
        out.write("training demo: skipped (load learning's demo first)\n")
        return
    year = timezone.localdate().year
    subs = {o.code: o for o in Organisation.objects.filter(parent=district)}
    with transaction.atomic():
        _plan(district, year, "filed", editor, editor)
        filed = _plan(subs[FILED_SUB], year, "filed", shuji, editor)
        _plan(subs[RETURNED_SUB], year, "returned", editor, editor)
        _plan(subs[QUEUED_SUB], year, "submitted", editor, editor)
    lines = list(filed.lines.order_by("position"))
    for done, (title, state, day, line) in enumerate(CLASSES, start=1):
        _class(subs[FILED_SUB], title, state, day, lines[line], shuji, out)
        progress_line(done, len(CLASSES), "培训班", out)
    adopted = _sharing(district, subs[FILED_SUB], lines[1], editor, shuji)
    out.write(
        f"training demo: {adopted} shared course adopted, "
        f"{TrainingPlan.objects.count()} plans, "
        f"{TrainingClass.objects.exclude(plan_line=None).count()} planned classes\n"
    )


def _sharing(district, sub, line, editor, shuji) -> int:
    """共建共享: the district shares its first two live courses with its subtree
    and the sub-district adopts the first into its 普遍轮训 line. Returns the
    sub-district's adoptions (0 without courses)."""
    courses = list(
        pages_visible_to_public(queryset=CoursePage.objects.all()).order_by("path")[:2]
    )
    if len(courses) < 2:
        return 0
    for course in courses:
        if not CourseSharing.objects.filter(course=course).exists():
            services.course_share(
                user=editor, course=course, organisation=district, scope="subtree"
            )
    if not CourseAdoption.objects.filter(
        organisation=sub, course=courses[0], withdrawn_at__isnull=True
    ).exists():
        services.course_adopt(
            user=shuji, organisation=sub, course=courses[0], plan_line=line
        )
    return CourseAdoption.objects.filter(organisation=sub).count()


def _plan(organisation, year, status, author, decider) -> TrainingPlan:
    plan = TrainingPlan.objects.filter(organisation=organisation, year=year).first()
    if plan is not None:
        return plan
    plan = TrainingPlan.objects.create(
        organisation=organisation,
        year=year,
        title=f"{organisation.name} {year} 年度党员教育培训计划",
        created_by=author,
    )
    for position, row in enumerate(LINES):
        title, kind, groups, classes, people, hours, months, who = row
        PlanLine.objects.create(
            plan=plan, position=position, title=title, kind=kind,
            target_groups=groups, planned_classes=classes, planned_people=people,
            planned_hours=Decimal(hours), months=months, lecturers_or_topics=who,
        )  # fmt: skip
    now = timezone.now()
    plan.status = status
    plan.submitted_at, plan.submitted_by = now, author
    if status in ("filed", "returned"):
        plan.decided_at, plan.decided_by = now, decider
    if status == "returned":
        plan.comment = (
            "兜底培训覆盖面不足：请补充老党员送学上门的期数和月份后重新报备。"
        )
    plan.save()
    return plan


def _class(organisation, title, state, day, line, shuji, out) -> TrainingClass:
    klass = TrainingClass.objects.filter(title=title).first()
    if klass is not None:
        return klass
    today = timezone.localdate()
    klass = TrainingClass.objects.create(
        title=title,
        organisation=organisation,
        plan_line=line,
        description=f"{line.title}：{line.lecturers_or_topics}",
        credit_hours=Decimal("6"),
        credit_at_completion=True,
        min_attendance_percent=50,
    )
    sessions = []
    for n in range(3):
        start = timezone.make_aware(
            datetime.combine(today + timedelta(days=day + n * 2), time(9))
        )
        sessions.append(
            TrainingSession.objects.create(
                training_class=klass,
                title=f"第{'一二三'[n]}讲",
                starts_at=start,
                ends_at=start + timedelta(hours=3),
                credit_hours=Decimal("2"),
            )
        )
    branch = Member.objects.filter(user__username="member").first()
    if state == "enrolling":
        # Open to apply: two members of 北京街道 have applied, waiting.
        for member in Member.objects.filter(
            organisation__path__startswith=organisation.path
        ).exclude(user__username="member")[:2]:
            services.class_apply(member=member, training_class=klass, reason="希望参加")
        return klass
    target = branch.organisation if branch else organisation
    services.enrol_organisation(user=shuji, training_class=klass, organisation=target)
    enrolled = list(
        Member.objects.filter(
            class_enrolments__training_class=klass,
            class_enrolments__status=ClassEnrolment.Status.ENROLLED,
        ).order_by("pk")
    )
    held = [s for s in sessions if s.ends_at < timezone.now()]
    for index, member in enumerate(enrolled):
        for session in held:
            if index % 4 != 3 or session is held[0]:  # a few miss sessions
                attendance_record(member=member, session=session, now=session.starts_at)
    if state == "running" and branch is not None:
        upcoming = next(s for s in sessions if s.starts_at > timezone.now())
        SessionRequest.objects.create(
            session=upcoming, member=branch, kind="leave", reason="外出务工",
            asked_at=timezone.now(),
        )  # fmt: skip
        return klass
    try:
        for kind in ("timetable", "signin"):
            services.paper_generate(user=shuji, training_class=klass, kind=kind)
    except ImproperlyConfigured as exc:
        out.write(f"training demo: papers not generated ({exc})\n")
        return klass
    if state == "closed":
        with transaction.atomic():
            services.class_close(user=shuji, training_class=klass)
    return klass

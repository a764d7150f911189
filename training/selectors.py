"""Reads of training plans and classes: who may do what with a plan or a class, the
parent's filing queue, a class's state and what 结班 still misses, who completes a
class by its rule, and plan against actual month by month along the tree."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.db.models import Count, Max, Min, Q, QuerySet, Sum
from django.utils import timezone

from learning.models import (
    Attendance,
    CourseCompletion,
    CreditRecord,
    ExamPass,
    LessonProgress,
    Member,
    Organisation,
    OrganisationAdministrator,
    TrainingClass,
    TrainingSession,
)
from learning.selectors import (
    member_for_user,
    member_may_attend,
    organisation_drill_rows,
    organisation_scope_q,
    user_can_report_on,
    user_sees_all_organisations,
)
from learning.selectors.scoping import UserLike
from training.models import (
    ClassEnrolment,
    ClassPaper,
    PaperKind,
    PlanLine,
    SessionRequest,
    TrainingPlan,
    TrainingRule,
)

ZERO = Decimal("0")


# Plans ------------------------------------------------------------------------


def plan_may_draft(*, user: UserLike, organisation: Organisation) -> bool:
    """True when ``user`` administers ``organisation`` itself (or sees every
    organisation): only the organisation drafts, changes and submits its plan.
    Raises nothing."""
    if not user.is_authenticated:
        return False
    if user_sees_all_organisations(user=user):
        return True
    return OrganisationAdministrator.objects.filter(
        user=user, organisation=organisation
    ).exists()


def plan_may_decide(*, user: UserLike, plan: TrainingPlan) -> bool:
    """True when ``user`` administers the plan's parent organisation or a level above
    it (a root organisation's plan: those who see every organisation): who files or
    returns it. Raises nothing."""
    if not user.is_authenticated:
        return False
    parent = plan.organisation.parent
    if parent is None:
        return user_sees_all_organisations(user=user)
    return user_can_report_on(user=user, organisation=parent)


def plans_visible_to(*, user: UserLike) -> QuerySet[TrainingPlan]:
    """Plans of the organisations in ``user``'s subtrees (their own and those filed
    with them). Raises nothing."""
    if not user.is_authenticated:
        return TrainingPlan.objects.none()
    return TrainingPlan.objects.filter(
        organisation_scope_q(user=user, prefix="organisation__")
    ).select_related("organisation", "organisation__parent")


def plan_for_user(*, user: UserLike, plan_id: int) -> TrainingPlan | None:
    """Plan ``plan_id`` when ``user`` may see it, else None. Raises nothing."""
    return plans_visible_to(user=user).filter(pk=plan_id).first()


def filing_queue(*, user: UserLike) -> QuerySet[TrainingPlan]:
    """Plans submitted for 备案 that ``user`` may file or return: those of the
    children (and lower levels) of the organisations it administers, never its
    own organisations' plans. Raises nothing."""
    if not user.is_authenticated:
        return TrainingPlan.objects.none()
    submitted = TrainingPlan.objects.filter(
        status=TrainingPlan.Status.SUBMITTED
    ).select_related("organisation", "organisation__parent")
    if user_sees_all_organisations(user=user):
        return submitted.order_by("submitted_at", "pk")
    query = Q(pk__in=[])
    for path in OrganisationAdministrator.objects.filter(user=user).values_list(
        "organisation__path", flat=True
    ):
        # Strictly below an administered node: its own plan goes to its parent.
        query |= Q(organisation__path__startswith=path) & ~Q(organisation__path=path)
    return submitted.filter(query).order_by("submitted_at", "pk")


def plan_current(*, organisation: Organisation, year: int) -> TrainingPlan | None:
    """The organisation's latest revision for ``year`` (whatever its status), or
    None. Raises nothing."""
    return (
        TrainingPlan.objects.filter(organisation=organisation, year=year)
        .order_by("-revision")
        .first()
    )


# Plan against actual ----------------------------------------------------------


@dataclass
class Figures:
    """Planned and actual figures of a month, an organisation or a plan line."""

    planned_classes: Decimal = ZERO
    planned_people: Decimal = ZERO
    planned_hours: Decimal = ZERO
    classes: int = 0
    sessions: int = 0
    people_times: int = 0
    hours: Decimal = ZERO

    def add(self, other: Figures) -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def as_dict(self) -> dict:
        return {
            "planned_classes": round(self.planned_classes, 2),
            "planned_people": round(self.planned_people, 2),
            "planned_hours": round(self.planned_hours, 2),
            "classes": self.classes,
            "sessions": self.sessions,
            "people_times": self.people_times,
            "hours": round(self.hours, 2),
            "classes_percent": (
                round(Decimal(self.classes) * 100 / self.planned_classes, 1)
                if self.planned_classes
                else None
            ),
        }


@dataclass
class PlanAgainstActual:
    organisation: Organisation
    year: int
    months: dict[int, Figures] = field(default_factory=dict)
    total: Figures = field(default_factory=Figures)
    rows: list[tuple[str, str, bool, Figures]] = field(default_factory=list)
    lines: list[tuple[PlanLine, Figures]] = field(default_factory=list)


def _effective_plans(*, path: str, year: int) -> list[TrainingPlan]:
    """The latest filed revision of each organisation's plan in the subtree."""
    latest: dict[int, TrainingPlan] = {}
    for plan in TrainingPlan.objects.filter(
        organisation__path__startswith=path,
        year=year,
        status=TrainingPlan.Status.FILED,
    ).select_related("organisation"):
        kept = latest.get(plan.organisation_id)
        if kept is None or plan.revision > kept.revision:
            latest[plan.organisation_id] = plan
    return list(latest.values())


def _month(moment: datetime) -> int:
    return timezone.localtime(moment).month


def plan_against_actual(*, organisation: Organisation, year: int) -> PlanAgainstActual:
    """Plan against actual for ``organisation``'s subtree in ``year``, month by
    month and per child organisation (the drill-down), from the records alone.

    Planned: the lines of each organisation's latest filed plan, each line's 期数,
    人次 and 学时 spread evenly over its months. Actual: the classes of that year's
    plan lines (any revision), counted in the month of their first session;
    their sessions and attendance (people-times) in the session's month; the 学时
    granted (at check-in or at 结业) in the month they were earned. Raises nothing."""
    result = PlanAgainstActual(
        organisation=organisation,
        year=year,
        months={month: Figures() for month in range(1, 13)},
    )
    by_path: dict[str, Figures] = {}
    drill = organisation_drill_rows(organisation=organisation, own_members=True)
    # The node's own row collects only what the node itself plans and runs.
    keys = sorted((row.path for row in drill), key=len, reverse=True)

    def row_key(path: str) -> str:
        for key in keys:
            if key == organisation.path:
                if path == key:
                    return key
            elif path.startswith(key):
                return key
        return organisation.path

    lines_figures: dict[int, Figures] = {}
    plans = _effective_plans(path=organisation.path, year=year)
    for plan in plans:
        key = row_key(plan.organisation.path)
        for line in plan.lines.all():
            months = [m for m in line.months if isinstance(m, int) and 1 <= m <= 12]
            months = months or list(range(1, 13))
            share = Decimal(len(months))
            line_figures = Figures(
                planned_classes=Decimal(line.planned_classes),
                planned_people=Decimal(line.planned_people),
                planned_hours=line.planned_hours,
            )
            lines_figures[line.pk] = line_figures
            if plan.organisation_id == organisation.pk:
                result.lines.append((line, line_figures))
            by_path.setdefault(key, Figures()).add(
                Figures(
                    planned_classes=line_figures.planned_classes,
                    planned_people=line_figures.planned_people,
                    planned_hours=line_figures.planned_hours,
                )
            )
            for month in months:
                result.months[month].add(
                    Figures(
                        planned_classes=line_figures.planned_classes / share,
                        planned_people=line_figures.planned_people / share,
                        planned_hours=line_figures.planned_hours / share,
                    )
                )

    classes = TrainingClass.objects.filter(
        organisation__path__startswith=organisation.path,
        plan_line__plan__year=year,
    ).select_related("organisation", "plan_line")
    class_rows = {c.pk: c for c in classes}
    # The line a class counts for in this organisation's own lines: its own, or
    # the newest copy of it in the effective revision.
    line_of_copy = {}
    for line, _figures in result.lines:
        origin = line.copied_from_id
        line_of_copy[line.pk] = line.pk
        while origin is not None:
            line_of_copy.setdefault(origin, line.pk)
            origin = (
                PlanLine.objects.filter(pk=origin)
                .values_list("copied_from_id", flat=True)
                .first()
            )

    def note(class_id: int, month: int, figures: Figures) -> None:
        training_class = class_rows[class_id]
        result.months[month].add(figures)
        by_path.setdefault(row_key(training_class.organisation.path), Figures()).add(
            figures
        )
        line_id = line_of_copy.get(training_class.plan_line_id)
        if line_id is not None:
            lines_figures[line_id].add(figures)

    sessions = (
        TrainingSession.objects.filter(training_class_id__in=class_rows)
        .annotate(people=Count("attendance"))
        .values_list("pk", "training_class_id", "starts_at", "people")
    )
    first_session: dict[int, datetime] = {}
    session_class: dict[int, int] = {}
    for session_id, class_id, starts_at, people in sessions:
        session_class[session_id] = class_id
        if class_id not in first_session or starts_at < first_session[class_id]:
            first_session[class_id] = starts_at
        if timezone.localtime(starts_at).year == year:
            note(class_id, _month(starts_at), Figures(sessions=1, people_times=people))
    for class_id, starts_at in first_session.items():
        if timezone.localtime(starts_at).year == year:
            note(class_id, _month(starts_at), Figures(classes=1))
    credits = CreditRecord.objects.filter(year=year).filter(
        Q(source=CreditRecord.Source.CLASS, source_id__in=list(class_rows))
        | Q(source=CreditRecord.Source.SESSION, source_id__in=list(session_class))
    )
    for source, source_id, earned_at, hours in credits.values_list(
        "source", "source_id", "earned_at", "hours"
    ):
        class_id = (
            source_id
            if source == CreditRecord.Source.CLASS
            else session_class[source_id]
        )
        note(class_id, _month(earned_at), Figures(hours=hours))

    for month in result.months.values():
        result.total.add(month)
    for row in drill:
        own = row.organisation_id is None
        result.rows.append((row.code, row.name, own, by_path.get(row.path, Figures())))
    return result


# Classes ----------------------------------------------------------------------


def class_is_organised_by(*, user: UserLike, training_class: TrainingClass) -> bool:
    """True when ``user`` administers the class's organisation or a level above
    (who enrols, decides and closes). Raises nothing."""
    return user.is_authenticated and user_can_report_on(
        user=user, organisation=training_class.organisation
    )


def classes_organised_by(*, user: UserLike) -> QuerySet[TrainingClass]:
    """Classes of the organisations in ``user``'s subtrees. Raises nothing."""
    if not user.is_authenticated:
        return TrainingClass.objects.none()
    return TrainingClass.objects.filter(
        organisation_scope_q(user=user, prefix="organisation__")
    ).select_related("organisation", "plan_line")


def class_for_user(*, user: UserLike, class_id: int) -> TrainingClass | None:
    """Class ``class_id`` when ``user`` organises it, is enrolled in it or may apply
    to it; None otherwise. Raises nothing."""
    training_class = (
        TrainingClass.objects.select_related("organisation", "plan_line__plan")
        .filter(pk=class_id)
        .first()
    )
    if training_class is None:
        return None
    if class_is_organised_by(user=user, training_class=training_class):
        return training_class
    member = member_for_user(user=user)
    if member is not None and (
        member_may_attend(member=member, training_class=training_class)
        or ClassEnrolment.objects.filter(
            training_class=training_class, member=member
        ).exists()
    ):
        return training_class
    return None


def enrolments_of_member(*, member: Member) -> QuerySet[ClassEnrolment]:
    """The member's own enrolments and applications, newest class first."""
    return (
        ClassEnrolment.objects.filter(member=member)
        .select_related("training_class__organisation")
        .order_by("-training_class_id")
    )


def classes_open_to_member(*, member: Member) -> list[TrainingClass]:
    """Classes taking applications that ``member`` may attend and has not applied
    to, not closed and not yet over. Raises nothing."""
    now = timezone.now()
    mine = ClassEnrolment.objects.filter(member=member).values("training_class_id")
    candidates = (
        TrainingClass.objects.filter(
            closed_at__isnull=True,
            enrolment__in=[
                TrainingClass.EnrolmentMode.APPLICATION,
                TrainingClass.EnrolmentMode.BOTH,
            ],
        )
        .exclude(pk__in=mine)
        .exclude(sessions__ends_at__lt=now)
        .filter(sessions__isnull=False)
        .select_related("organisation")
        .distinct()
        .order_by("pk")
    )
    return [
        c
        for c in candidates[:200]
        if member_may_attend(member=member, training_class=c)
    ]


def class_hours(*, training_class: TrainingClass) -> Decimal:
    """The class's 结业学时: its own figure, or the sum of its sessions' 学时."""
    if training_class.credit_hours is not None:
        return training_class.credit_hours
    return training_class.sessions.aggregate(total=Sum("credit_hours"))[
        "total"
    ] or Decimal("0")


def required_papers() -> list[str]:
    """The paper kinds the district asks for at 结班 (``TrainingRule``). Photos
    (培训影像资料) may be attached but are never required, whatever the setting
    says: 国办函〔2026〕12号 第六条 forbids forcing uploads of work photos."""
    wanted = TrainingRule.load().required_papers or []
    known = set(PaperKind.values) - {PaperKind.PHOTOS}
    return [kind for kind in wanted if kind in known]


@dataclass(frozen=True)
class Missing:
    """One thing that keeps a class from 结班."""

    code: str
    detail: str


def class_close_problems(
    *, training_class: TrainingClass, now: datetime | None = None
) -> list[Missing]:
    """Everything that keeps ``training_class`` from being closed at ``now``: no
    sessions, a session not yet ended, an open leave or 补签 request, a missing
    paper, a completion rule that cannot be checked. Empty when it may close.
    Raises nothing."""
    now = now or timezone.now()
    problems: list[Missing] = []
    sessions = list(training_class.sessions.order_by("starts_at"))
    if not sessions:
        problems.append(Missing("no_sessions", "培训班还没有课次"))
    for session in sessions:
        if session.ends_at > now:
            problems.append(
                Missing("session_not_held", f"课次“{session.title}”尚未结束")
            )
    open_requests = SessionRequest.objects.filter(
        session__training_class=training_class,
        status=SessionRequest.Status.REQUESTED,
    ).select_related("member", "session")
    for request in open_requests:
        problems.append(
            Missing(
                "attendance_unsettled",
                f"{request.member.name}在课次“{request.session.title}”的"
                f"{request.get_kind_display()}申请尚未审批",
            )
        )
    if ClassEnrolment.objects.filter(
        training_class=training_class, status=ClassEnrolment.Status.APPLIED
    ).exists():
        problems.append(Missing("applications_open", "还有报名申请尚未审核"))
    attached = set(
        ClassPaper.objects.filter(training_class=training_class).values_list(
            "kind", flat=True
        )
    )
    labels = dict(PaperKind.choices)
    for kind in required_papers():
        if kind not in attached:
            problems.append(Missing("paper_missing", f"缺少结班材料：{labels[kind]}"))
    if (
        training_class.require_exam
        and training_class.exam_id is None
        and training_class.course_id is None
    ):
        problems.append(
            Missing("exam_not_set", "结业规则要求通过结业考试，但培训班未设置考试")
        )
    if (
        training_class.require_lessons
        and training_class.course_id is None
        and not training_class.online_lessons.exists()
    ):
        problems.append(
            Missing("lessons_not_set", "结业规则要求学完线上课程，但培训班未设置课程")
        )
    return problems


def class_state(*, training_class: TrainingClass, now: datetime | None = None) -> str:
    """``closed``, ``enrolling`` (no session begun), ``running`` (a session not
    yet ended), ``pending`` (all held, something missing for 结班) or ``ready``.
    Raises nothing."""
    now = now or timezone.now()
    if training_class.closed_at is not None:
        return "closed"
    span = training_class.sessions.aggregate(
        first=Min("starts_at"), last=Max("ends_at")
    )
    if span["first"] is None or span["first"] > now:
        return "enrolling"
    if span["last"] > now:
        return "running"
    if class_close_problems(training_class=training_class, now=now):
        return "pending"
    return "ready"


CLASS_STATE_LABELS = {
    "enrolling": "报名中",
    "running": "进行中",
    "pending": "待结班（材料或考勤未齐）",
    "ready": "可结班",
    "closed": "已结班",
}


@dataclass(frozen=True)
class MemberStanding:
    """How a member stands against a class's completion rule."""

    member: Member
    attended: int
    sessions: int
    lessons_done: bool
    exam_passed: bool
    completes: bool
    reasons: tuple[str, ...]

    @property
    def attendance_percent(self) -> int:
        return round(self.attended * 100 / self.sessions) if self.sessions else 0


def class_participants(*, training_class: TrainingClass) -> list[Member]:
    """Who the completion rule is checked for: the enrolled members; for a class
    without enrolments (older classes), those who attended."""
    enrolled = Member.objects.filter(
        class_enrolments__training_class=training_class,
        class_enrolments__status=ClassEnrolment.Status.ENROLLED,
    )
    if ClassEnrolment.objects.filter(training_class=training_class).exists():
        return list(enrolled.order_by("name", "pk"))
    return list(
        Member.objects.filter(attendance__session__training_class=training_class)
        .distinct()
        .order_by("name", "pk")
    )


def class_standings(
    *, training_class: TrainingClass, members: list[Member] | None = None
) -> list[MemberStanding]:
    """Each participant (or each of ``members``) against the class's completion
    rule: attendance share of the sessions, lessons completed (the course and the
    online lessons), exam passed. Raises nothing."""
    members = (
        class_participants(training_class=training_class)
        if members is None
        else members
    )
    ids = [m.pk for m in members]
    session_count = training_class.sessions.count()
    attended = dict(
        Attendance.objects.filter(
            session__training_class=training_class, member_id__in=ids
        )
        .values("member_id")
        .annotate(n=Count("pk"))
        .values_list("member_id", "n")
    )
    lesson_ids = list(training_class.online_lessons.values_list("pk", flat=True))
    done_lessons: dict[int, int] = {}
    if lesson_ids:
        done_lessons = dict(
            LessonProgress.objects.filter(
                member_id__in=ids, lesson_id__in=lesson_ids, completed_at__isnull=False
            )
            .values("member_id")
            .annotate(n=Count("pk"))
            .values_list("member_id", "n")
        )
    course_done: set[int] = set()
    if training_class.course_id:
        course_done = set(
            CourseCompletion.objects.filter(
                member_id__in=ids, course_id=training_class.course_id
            ).values_list("member_id", flat=True)
        )
    passed: set[int] = set()
    if training_class.exam_id:
        from assessment.models import QuizAttempt

        passed = set(
            QuizAttempt.objects.filter(
                quiz_id=training_class.exam_id, member_id__in=ids, passed=True
            ).values_list("member_id", flat=True)
        )
    elif training_class.course_id:
        passed = set(
            ExamPass.objects.filter(
                member_id__in=ids, course_id=training_class.course_id
            ).values_list("member_id", flat=True)
        )
    standings = []
    for member in members:
        count = attended.get(member.pk, 0)
        lessons_done = done_lessons.get(member.pk, 0) >= len(lesson_ids) and (
            not training_class.course_id or member.pk in course_done
        )
        exam_passed = member.pk in passed
        reasons = []
        minimum = training_class.min_attendance_percent
        if minimum is not None and session_count:
            if count * 100 < minimum * session_count:
                reasons.append(f"出勤 {count}/{session_count} 次，未达到 {minimum}%")
        if training_class.require_lessons and not lessons_done:
            reasons.append("线上课程未学完")
        if training_class.require_exam and not exam_passed:
            reasons.append("结业考试未通过")
        standings.append(
            MemberStanding(
                member=member,
                attended=count,
                sessions=session_count,
                lessons_done=lessons_done,
                exam_passed=exam_passed,
                completes=not reasons,
                reasons=tuple(reasons),
            )
        )
    return standings


# Summaries (what the API, the admin and the portal show) --------------------


def plan_summary(*, user: UserLike, plan: TrainingPlan) -> dict:
    """A plan as ``PlanOut`` for the caller (also used by the admin views)."""
    parent = plan.organisation.parent
    lines = list(plan.lines.all())
    counts = {line.pk: line.classes.count() for line in lines}
    return {
        "id": plan.pk,
        "organisation": plan.organisation.code,
        "organisation_name": plan.organisation.name,
        "parent": parent.code if parent else None,
        "year": plan.year,
        "revision": plan.revision,
        "title": plan.title,
        "notes": plan.notes,
        "status": plan.status,
        "status_label": plan.get_status_display(),
        "submitted_at": plan.submitted_at,
        "decided_at": plan.decided_at,
        "comment": plan.comment,
        "revises": plan.revises_id,
        "may_change": not plan.is_frozen
        and plan_may_draft(user=user, organisation=plan.organisation),
        "may_decide": plan.status == TrainingPlan.Status.SUBMITTED
        and plan_may_decide(user=user, plan=plan),
        "lines": [
            {
                "id": line.pk,
                "title": line.title,
                "kind": line.kind,
                "kind_label": line.get_kind_display(),
                "target_groups": line.target_groups,
                "target_group_labels": line.target_group_labels(),
                "planned_classes": line.planned_classes,
                "planned_people": line.planned_people,
                "planned_hours": line.planned_hours,
                "months": line.months,
                "lecturers_or_topics": line.lecturers_or_topics,
                "classes": counts[line.pk],
            }
            for line in lines
        ],
    }


def class_summary(
    *,
    user: UserLike,
    training_class: TrainingClass,
    organiser: bool | None = None,
) -> dict:
    """A class as ``ClassOut`` for the caller (also used by the portal)."""
    if organiser is None:
        organiser = class_is_organised_by(user=user, training_class=training_class)
    member = member_for_user(user=user)
    enrolment = None
    attended: set[int] = set()
    asked: dict[int, str] = {}
    completed = False
    if member is not None:
        enrolment = ClassEnrolment.objects.filter(
            training_class=training_class, member=member
        ).first()
        attended = set(
            member.attendance.filter(
                session__training_class=training_class
            ).values_list("session_id", flat=True)
        )
        for req in SessionRequest.objects.filter(
            member=member, session__training_class=training_class
        ):
            asked[req.session_id] = (
                f"{req.get_kind_display()}：{req.get_status_display()}"
            )
        completed = training_class.completions.filter(member=member).exists()
    enrolled = (
        enrolment is not None and enrolment.status == ClassEnrolment.Status.ENROLLED
    )
    state = class_state(training_class=training_class)
    rule = []
    if training_class.min_attendance_percent is not None:
        rule.append(f"出勤率不低于 {training_class.min_attendance_percent}%")
    if training_class.require_lessons:
        rule.append("学完线上课程")
    if training_class.require_exam:
        rule.append("通过结业考试")
    line: PlanLine | None = training_class.plan_line
    sessions = training_class.sessions.select_related(
        "teaching_site", "lecturer"
    ).order_by("starts_at", "pk")
    return {
        "id": training_class.pk,
        "title": training_class.title,
        "organisation": training_class.organisation.code,
        "organisation_name": training_class.organisation.name,
        "description": training_class.description,
        "plan_line": line.pk if line else None,
        "plan_line_title": str(line) if line else "",
        "enrolment_mode": training_class.enrolment,
        "state": state,
        "state_label": CLASS_STATE_LABELS[state],
        "credit_hours": class_hours(training_class=training_class),
        "rule": rule or ["无附加条件"],
        "closed_at": training_class.closed_at,
        "organiser": organiser,
        "enrolment": (
            {
                "status": enrolment.status,
                "status_label": enrolment.get_status_display(),
                "via": enrolment.via,
                "reason": enrolment.reason,
            }
            if enrolment
            else None
        ),
        "completed": completed,
        "sessions": [
            {
                "id": s.pk,
                "title": s.title,
                "starts_at": s.starts_at,
                "ends_at": s.ends_at,
                "place": s.teaching_site.title if s.teaching_site else "",
                "lecturer": s.lecturer.name if s.lecturer else "",
                "credit_hours": s.credit_hours,
                "attended": (s.pk in attended) if enrolled else None,
                "request": asked.get(s.pk, ""),
            }
            for s in sessions
        ],
    }


def paper_url(*, training_class: TrainingClass, kind: str) -> str:
    return f"/api/v3/training/classes/{training_class.pk}/papers/{kind}"


def completion_summary(*, user: UserLike, training_class: TrainingClass) -> dict:
    organiser = class_is_organised_by(user=user, training_class=training_class)
    state = class_state(training_class=training_class)
    missing = (
        []
        if training_class.closed_at
        else class_close_problems(training_class=training_class)
    )
    member = member_for_user(user=user)
    if organiser:
        standings = class_standings(training_class=training_class)
    elif (
        member is not None and training_class.enrolments.filter(member=member).exists()
    ):
        standings = class_standings(training_class=training_class, members=[member])
    else:
        standings = []
    labels = dict(PaperKind.choices)
    papers = (
        ClassPaper.objects.filter(training_class=training_class) if organiser else []
    )
    return {
        "training_class": training_class.pk,
        "state": state,
        "state_label": CLASS_STATE_LABELS[state],
        "missing": [{"code": m.code, "detail": m.detail} for m in missing],
        "required_papers": required_papers(),
        "papers": [
            {
                "kind": p.kind,
                "label": labels.get(p.kind, p.kind),
                "generated": p.generated,
                "url": paper_url(training_class=training_class, kind=p.kind),
            }
            for p in papers
        ],
        "completions": training_class.completions.count(),
        "standings": [
            {
                "member": s.member.pk,
                "name": s.member.name,
                "organisation": s.member.organisation.name,
                "attended": s.attended,
                "sessions": s.sessions,
                "attendance_percent": s.attendance_percent,
                "lessons_done": s.lessons_done,
                "exam_passed": s.exam_passed,
                "completes": s.completes,
                "reasons": list(s.reasons),
            }
            for s in standings
        ],
    }

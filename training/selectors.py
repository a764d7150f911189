"""Reads of training plans and classes: who may do what with a plan or a class, the
parent's filing queue, a class's state and what 结班 still misses, who completes a
class by its rule, and plan against actual month by month along the tree."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.db.models import Count, F, Max, Min, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import ExtractMonth
from django.utils import timezone

from cms.models import CoursePage, TopicPage
from cms.selectors import pages_visible_to_public
from learning.models import (
    PATH_STEP,
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
from learning.selectors.scoping import UserLike, organisation_prefixes
from learning.selectors.tree import by_child_organisation
from training.models import (
    ClassEnrolment,
    ClassPaper,
    CourseAdoption,
    CourseSharing,
    PaperKind,
    PlanLine,
    SessionRequest,
    SharingScope,
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


def plans_effective(*, path: str, year: int) -> QuerySet[TrainingPlan]:
    """The latest filed revision of each organisation's plan for ``year`` in the
    subtree at ``path``: the plans that plan against actual counts. Raises
    nothing."""
    filed = TrainingPlan.objects.filter(
        organisation__path__startswith=path,
        year=year,
        status=TrainingPlan.Status.FILED,
    )
    return filed.filter(
        revision=Subquery(
            filed.filter(organisation=OuterRef("organisation"))
            .order_by("-revision")
            .values("revision")[:1]
        )
    )


def _year_bounds(year: int) -> tuple[datetime, datetime]:
    tz = timezone.get_current_timezone()
    return datetime(year, 1, 1, tzinfo=tz), datetime(year + 1, 1, 1, tzinfo=tz)


def plan_against_actual(
    *, organisation: Organisation, year: int, sessions_and_hours: bool = True
) -> PlanAgainstActual:
    """Plan against actual for ``organisation``'s subtree in ``year``, month by
    month and per child organisation (the drill-down), from the records alone.

    Planned: the lines of each organisation's latest filed plan, each line's 期数,
    人次 and 学时 spread evenly over its months. Actual: the classes of that year's
    plan lines (any revision), counted in the month of their first session;
    their sessions and attendance (people-times) in the session's month; the 学时
    granted (at check-in or at 结业) in the month they were earned.

    Set-based: each figure is one statement grouped in the database by child
    organisation (the path prefix), plan line and month; Python only adds up
    those groups (a few per class), never the member records. Without
    ``sessions_and_hours`` only the plan and the classes run on it are counted
    (what plan completion needs; the statistics page counts sessions, people and
    学时 of every class itself). Raises nothing."""
    result = PlanAgainstActual(
        organisation=organisation,
        year=year,
        months={month: Figures() for month in range(1, 13)},
    )
    path = organisation.path
    width = len(path) + PATH_STEP
    drill = organisation_drill_rows(organisation=organisation, own_members=True)
    by_path: dict[str, Figures] = {row.path: Figures() for row in drill}
    by_path.setdefault(path, Figures())

    # Planned: a few lines per organisation, each spread over its months.
    lines_figures: dict[int, Figures] = {}
    own_lines: dict[int, PlanLine] = {}
    for line in (
        PlanLine.objects.filter(plan__in=plans_effective(path=path, year=year))
        .annotate(org_path=F("plan__organisation__path"))
        .order_by("plan__organisation__path", "position", "pk")
    ):
        months = [m for m in line.months if isinstance(m, int) and 1 <= m <= 12]
        months = months or list(range(1, 13))
        share = Decimal(len(months))
        planned = Figures(
            planned_classes=Decimal(line.planned_classes),
            planned_people=Decimal(line.planned_people),
            planned_hours=line.planned_hours,
        )
        if line.org_path == path:
            own_lines[line.pk] = line
            lines_figures[line.pk] = Figures()
            result.lines.append((line, lines_figures[line.pk]))
            lines_figures[line.pk].add(planned)
        by_path[line.org_path[:width]].add(planned)
        for month in months:
            result.months[month].add(
                Figures(
                    planned_classes=planned.planned_classes / share,
                    planned_people=planned.planned_people / share,
                    planned_hours=planned.planned_hours / share,
                )
            )

    # The line a class counts for among the node's own lines: its own, or the
    # newest copy of it in the effective revision.
    line_of_copy = {pk: pk for pk in own_lines}
    if own_lines:
        copied_from = dict(
            PlanLine.objects.filter(
                plan__organisation=organisation, plan__year=year
            ).values_list("pk", "copied_from_id")
        )
        for pk in own_lines:
            origin = copied_from.get(pk)
            while origin is not None and origin not in line_of_copy:
                line_of_copy[origin] = pk
                origin = copied_from.get(origin)

    def note(prefix: str, line_id: int | None, month: int, figures: Figures) -> None:
        result.months[month].add(figures)
        by_path[prefix].add(figures)
        own = line_of_copy.get(line_id)
        if own is not None:
            lines_figures[own].add(figures)

    start, end = _year_bounds(year)
    classes = TrainingClass.objects.filter(
        organisation__path__startswith=path, plan_line__plan__year=year
    )
    first_session = (
        TrainingSession.objects.filter(training_class=OuterRef("pk"))
        .order_by("starts_at")
        .values("starts_at")[:1]
    )
    counted = by_child_organisation(
        classes.annotate(first=Subquery(first_session))
        .filter(first__gte=start, first__lt=end)
        .annotate(month=ExtractMonth("first")),
        organisation=organisation,
        also=("plan_line_id", "month"),
    ).annotate(n=Count("pk"))
    for row in counted:
        note(
            row["prefix"], row["plan_line_id"], row["month"], Figures(classes=row["n"])
        )

    if sessions_and_hours:

        def note_grouped(queryset: QuerySet, via: str, figure: str) -> None:
            # ``queryset`` counted by child, plan line and month; ``via`` leads to
            # the class.
            for row in by_child_organisation(
                queryset,
                organisation=organisation,
                path_field=f"{via}organisation__path",
                also=(f"{via}plan_line_id", "month"),
            ).annotate(n=Count("pk")):
                line_id = row[f"{via}plan_line_id"]
                note(
                    row["prefix"], line_id, row["month"], Figures(**{figure: row["n"]})
                )

        in_year = {"starts_at__gte": start, "starts_at__lt": end}
        note_grouped(
            TrainingSession.objects.filter(
                training_class__in=classes, **in_year
            ).annotate(month=ExtractMonth("starts_at")),
            "training_class__",
            "sessions",
        )
        # Check-ins apart: joined to the sessions above, counting both would need a
        # DISTINCT over every check-in.
        note_grouped(
            Attendance.objects.filter(
                session__training_class__in=classes,
                **{f"session__{key}": value for key, value in in_year.items()},
            ).annotate(month=ExtractMonth("session__starts_at")),
            "session__training_class__",
            "people_times",
        )

        # 学时: the credit records grouped by their class or session and month in the
        # database; each group is then put under its class's child and plan line.
        class_place = {
            pk: (org_path[:width], line_id)
            for pk, org_path, line_id in classes.values_list(
                "pk", "organisation__path", "plan_line_id"
            )
        }
        session_class = dict(
            TrainingSession.objects.filter(training_class__in=classes).values_list(
                "pk", "training_class_id"
            )
        )
        credits = (
            CreditRecord.objects.filter(year=year)
            .filter(
                Q(source=CreditRecord.Source.CLASS, source_id__in=classes.values("pk"))
                | Q(
                    source=CreditRecord.Source.SESSION,
                    source_id__in=TrainingSession.objects.filter(
                        training_class__in=classes
                    ).values("pk"),
                )
            )
            .annotate(month=ExtractMonth("earned_at"))
            .values("source", "source_id", "month")
            .annotate(hours=Sum("hours"))
            .order_by()
        )
        for row in credits:
            class_id = (
                row["source_id"]
                if row["source"] == CreditRecord.Source.CLASS
                else session_class[row["source_id"]]
            )
            prefix, line_id = class_place[class_id]
            note(prefix, line_id, row["month"], Figures(hours=row["hours"] or ZERO))

    for month in result.months.values():
        result.total.add(month)
    for row in drill:
        own = row.organisation_id is None
        result.rows.append((row.code, row.name, own, by_path[row.path]))
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


# Shared courses (共建共享) ------------------------------------------------------


def course_sharing_reaches(
    *, sharing: CourseSharing, organisation: Organisation
) -> bool:
    """True when ``organisation`` may adopt the shared course: it lies below the
    owner, or below (or is) a named organisation, or the course is shared with
    every organisation; never the owner itself. Raises nothing."""
    owner = sharing.organisation
    if organisation.pk == owner.pk:
        return False
    if organisation.path.startswith(owner.path):
        return True
    if sharing.scope == SharingScope.ALL:
        return True
    if sharing.scope == SharingScope.NAMED:
        prefixes = organisation_prefixes(path=organisation.path)
        return sharing.shared_with.filter(path__in=prefixes).exists()
    return False


def courses_shared_with(*, organisation: Organisation) -> QuerySet[CourseSharing]:
    """The live, public courses ``organisation`` may adopt (the rule of
    ``course_sharing_reaches`` in one statement), oldest share first. Raises
    nothing."""
    prefixes = organisation_prefixes(path=organisation.path)
    above = [p for p in prefixes if p != organisation.path]
    reach = (
        Q(organisation__path__in=above)
        | Q(scope=SharingScope.ALL)
        | Q(scope=SharingScope.NAMED, shared_with__path__in=prefixes)
    )
    ids = (
        CourseSharing.objects.filter(reach)
        .exclude(organisation=organisation)
        .values("pk")
    )
    public = pages_visible_to_public(queryset=CoursePage.objects.all()).values("pk")
    return (
        CourseSharing.objects.filter(pk__in=ids, course__in=public)
        .select_related("course", "organisation")
        .order_by("shared_at", "pk")
    )


def courses_shared_by(*, user: UserLike) -> QuerySet[CourseSharing]:
    """The shares of the organisations in ``user``'s subtrees. Raises nothing."""
    if not user.is_authenticated:
        return CourseSharing.objects.none()
    return (
        CourseSharing.objects.filter(
            organisation_scope_q(user=user, prefix="organisation__")
        )
        .select_related("course", "organisation")
        .order_by("organisation__path", "shared_at", "pk")
    )


def adoptions_active(*, organisation: Organisation) -> QuerySet[CourseAdoption]:
    """``organisation``'s adoptions not withdrawn. Raises nothing."""
    return CourseAdoption.objects.filter(
        organisation=organisation, withdrawn_at__isnull=True
    ).select_related("course", "topic", "plan_line")


def adoption_for_user(*, user: UserLike, adoption_id: int) -> CourseAdoption | None:
    """Adoption ``adoption_id`` when ``user`` administers its organisation (or a
    level above): who may withdraw it; else None. Raises nothing."""
    if not user.is_authenticated:
        return None
    return (
        CourseAdoption.objects.filter(
            organisation_scope_q(user=user, prefix="organisation__"), pk=adoption_id
        )
        .select_related("organisation", "course", "topic")
        .first()
    )


@dataclass(frozen=True)
class AdopterFigures:
    organisation: Organisation
    adopted_at: datetime
    completions: int


@dataclass(frozen=True)
class SharingFigures:
    """A shared course's reach: the organisations that adopted it (withdrawn ones
    not counted), each with its own members' completions, and the completions of
    the owner's members and of every adopter's together."""

    sharing: CourseSharing
    adopters: list[AdopterFigures]
    own_completions: int
    completions: int


def _completions(course_id: int, paths: list[str], year: int | None) -> QuerySet:
    query = Q(pk__in=[])
    for path in paths:
        query |= Q(member__organisation__path__startswith=path)
    rows = CourseCompletion.objects.filter(query, course_id=course_id)
    if year is not None:
        start, end = _year_bounds(year)
        rows = rows.filter(completed_at__gte=start, completed_at__lt=end)
    return rows


def course_sharing_figures(
    *, sharing: CourseSharing, year: int | None = None
) -> SharingFigures:
    """ "Adopted by N organisations, M completions": each adopter's members'
    completions of the course (in ``year`` when given) and all of them with the
    owner's own. Raises nothing."""
    adoptions = list(
        CourseAdoption.objects.filter(
            course_id=sharing.course_id, withdrawn_at__isnull=True
        )
        .select_related("organisation")
        .order_by("organisation__path")
    )
    adopters = [
        AdopterFigures(
            organisation=a.organisation,
            adopted_at=a.adopted_at,
            completions=_completions(
                sharing.course_id, [a.organisation.path], year
            ).count(),
        )
        for a in adoptions
    ]
    owner_path = sharing.organisation.path
    paths = [owner_path] + [a.organisation.path for a in adoptions]
    return SharingFigures(
        sharing=sharing,
        adopters=adopters,
        own_completions=_completions(sharing.course_id, [owner_path], year).count(),
        completions=_completions(sharing.course_id, paths, year).count(),
    )


@dataclass
class SharingStatistics:
    """共建共享 of a subtree in a year: the courses its organisations share, the
    courses they adopted from others and their members' completions by adopter."""

    shared: list[SharingFigures] = field(default_factory=list)
    adopted: list[tuple[CourseAdoption, int]] = field(default_factory=list)

    @property
    def adoptions_of_shared(self) -> int:
        return sum(len(f.adopters) for f in self.shared)

    @property
    def completions_of_adopted(self) -> int:
        return sum(n for _adoption, n in self.adopted)


def course_sharing_statistics(
    *, organisation: Organisation, year: int
) -> SharingStatistics:
    """The 共建共享 block of the statistics of ``organisation``'s subtree in
    ``year``: each course shared by an organisation of the subtree with its
    adopters, and each adoption by an organisation of the subtree with its own
    members' completions that year. Raises nothing."""
    result = SharingStatistics()
    for sharing in CourseSharing.objects.filter(
        organisation__path__startswith=organisation.path
    ).select_related("course", "organisation"):
        result.shared.append(course_sharing_figures(sharing=sharing, year=year))
    adoptions = CourseAdoption.objects.filter(
        organisation__path__startswith=organisation.path, withdrawn_at__isnull=True
    ).select_related("course", "organisation")
    for adoption in adoptions.order_by("organisation__path", "pk"):
        n = _completions(adoption.course_id, [adoption.organisation.path], year).count()
        result.adopted.append((adoption, n))
    return result


def topics_editable_by(*, user: UserLike) -> list[TopicPage]:
    """Live topics ``user`` may edit (Wagtail's page permissions): where an
    adopted course may be shown. Raises nothing."""
    if not user.is_authenticated:
        return []
    return [
        topic
        for topic in TopicPage.objects.live().order_by("title")
        if topic.permissions_for_user(user).can_edit()
    ]

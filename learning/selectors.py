"""Reads: lesson facts, reach, scoping, the learning archive and the reports.

Reports aggregate in SQL along the materialised organisation path: one GROUP BY per
figure over the first characters of the path, never a Python loop over members.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.core.cache import cache
from django.db.models import Count, DecimalField, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce, Substr
from django.utils import timezone
from wagtail.models import Page

from cms.models import CourseLesson, CoursePage, TopicCourse, TopicPage
from cms.selectors import page_is_public, pages_visible_to_public
from learning.choices import MemberType
from learning.models import (
    PATH_STEP,
    Assignment,
    Attendance,
    CourseCompletion,
    CreditHourRule,
    CreditRecord,
    Enrolment,
    LessonProgress,
    Member,
    Organisation,
    OrganisationAdministrator,
    TopicCompletion,
)

LESSON_INFO_TTL = 30  # seconds; publish/unpublish also clear it (signal_handlers)
DEFAULT_THRESHOLD = 90
HOURS_FIELD = DecimalField(max_digits=8, decimal_places=2)


@dataclass(frozen=True)
class LessonInfo:
    """What progress tracking needs to know about a learnable page."""

    id: int
    title: str
    kind: str  # "lesson" or "vr"
    duration: int
    threshold: int
    completion_rule: str  # "watched" or "attended"
    open_to: frozenset[str] | None  # member types; None means everyone
    course_ids: tuple[int, ...] = field(default=())


def lesson_info_cache_key(lesson_id: int) -> str:
    return f"learning:lesson:{lesson_id}"


# Heartbeats ask for the same few lessons all the time: a short per-process memo in
# front of the shared cache saves a round trip on most beats.
_LOCAL_TTL = 5.0
_local: dict[int, tuple[float, LessonInfo | None]] = {}


def lesson_info(*, lesson_id: int) -> LessonInfo | None:
    """Facts about a live, public micro-lesson or VR courseware; None otherwise."""
    now = time.monotonic()
    memo = _local.get(lesson_id)
    if memo is not None and memo[0] > now:
        return memo[1]
    key = lesson_info_cache_key(lesson_id)
    cached = cache.get(key)
    if cached is None:
        info = _lesson_info_uncached(lesson_id)
        cache.set(key, info or False, LESSON_INFO_TTL)
    else:
        info = cached or None
    if len(_local) > 10_000:
        _local.clear()
    _local[lesson_id] = (now + _LOCAL_TTL, info)
    return info


def lesson_info_forget(lesson_ids: list[int] | None = None) -> None:
    """Drop lesson facts from this process's memo and the shared cache (all memo
    entries when ``lesson_ids`` is None)."""
    if lesson_ids is None:
        _local.clear()
        return
    for lesson_id in lesson_ids:
        _local.pop(lesson_id, None)
    cache.delete_many([lesson_info_cache_key(i) for i in lesson_ids])


def _lesson_info_uncached(lesson_id: int) -> LessonInfo | None:
    page = Page.objects.filter(pk=lesson_id, live=True).first()
    if page is None:
        return None
    page = page.specific
    model = type(page).__name__
    if model not in ("MicroLessonPage", "VRCoursewarePage") or not page_is_public(page):
        return None
    if model == "VRCoursewarePage":
        return LessonInfo(
            id=page.pk,
            title=page.title,
            kind="vr",
            duration=page.duration,
            threshold=DEFAULT_THRESHOLD,
            completion_rule=page.completion_rule,
            open_to=None,
        )
    courses = list(
        pages_visible_to_public(
            CoursePage.objects.filter(course_lessons__lesson_id=page.pk)
        ).values("pk", "completion_threshold", "intended_member_types")
    )
    open_to: set[str] | None = set()
    for course in courses:
        types = course["intended_member_types"] or []
        if not types:
            open_to = None
            break
        open_to.update(types)
    if not courses:
        open_to = None
    # A lesson shared by several courses must meet the strictest of their thresholds.
    threshold = max(
        (c["completion_threshold"] for c in courses), default=DEFAULT_THRESHOLD
    )
    return LessonInfo(
        id=page.pk,
        title=page.title,
        kind="lesson",
        duration=page.duration,
        threshold=threshold,
        completion_rule="watched",
        open_to=frozenset(open_to) if open_to is not None else None,
        course_ids=tuple(c["pk"] for c in courses),
    )


MEMBER_TTL = 300  # seconds; saving or deleting a member forgets it (signal_handlers)


def member_cache_key(user_id: int) -> str:
    return f"learning:member:{user_id}"


def member_for_user(user) -> Member | None:
    """The member profile of ``user`` (None when the account is not a member).

    Every heartbeat asks, so the few fields needed are kept in the shared cache."""
    if not user or not user.is_authenticated:
        return None
    now = time.monotonic()
    memo = _local_members.get(user.pk)
    if memo is not None and memo[0] > now:
        cached = memo[1]
    else:
        cached = _member_fields(user.pk)
        if len(_local_members) > 10_000:
            _local_members.clear()
        _local_members[user.pk] = (now + _LOCAL_TTL, cached)
    if not cached:
        return None
    member = Member(user_id=user.pk, **cached)
    member._state.adding = False
    return member


_local_members: dict[int, tuple[float, dict | bool]] = {}


def member_forget(user_id: int | None = None) -> None:
    """Drop a cached member profile (all of this process's memo when None)."""
    if user_id is None:
        _local_members.clear()
        return
    _local_members.pop(user_id, None)
    cache.delete(member_cache_key(user_id))


def _member_fields(user_id: int) -> dict | bool:
    key = member_cache_key(user_id)
    cached = cache.get(key)
    if cached is None:
        row = (
            Member.objects.filter(user_id=user_id)
            .values("pk", "name", "member_type", "organisation_id", "join_date")
            .first()
        )
        cached = row or False
        cache.set(key, cached, MEMBER_TTL)
    return cached


def organisation_prefixes(path: str) -> list[str]:
    """The paths of the node at ``path`` and of all its ancestors."""
    return [path[:end] for end in range(PATH_STEP, len(path) + 1, PATH_STEP)]


def assignments_for_member(*, member: Member) -> list[Assignment]:
    """Assignments whose subtree holds the member's organisation and whose member
    types include the member's type."""
    candidates = Assignment.objects.filter(
        organisation__path__in=organisation_prefixes(member.organisation.path)
    ).select_related("content", "organisation")
    return [
        a
        for a in candidates
        if not a.member_types or member.member_type in a.member_types
    ]


def course_ids_required_by(content: Page) -> list[int]:
    """The courses an assignment of ``content`` (a course or a topic) requires."""
    specific_model = content.specific_class
    if specific_model is TopicPage:
        return topic_required_course_ids(topic_id=content.pk)
    return [content.pk]


def _flagged_or_all(links: list[tuple[int, bool]]) -> list[int]:
    """The ids flagged as required, or every id when none is flagged."""
    flagged = [item for item, is_flagged in links if is_flagged]
    return flagged or [item for item, _ in links]


def topic_required_course_ids(*, topic_id: int) -> list[int]:
    return _flagged_or_all(
        list(
            TopicCourse.objects.filter(topic_id=topic_id).values_list(
                "course_id", "required"
            )
        )
    )


def course_required_lesson_ids(*, course_id: int) -> list[int]:
    return _flagged_or_all(
        list(
            CourseLesson.objects.filter(course_id=course_id).values_list(
                "lesson_id", "compulsory"
            )
        )
    )


def member_can_learn(*, member: Member, info: LessonInfo) -> bool:
    """A lesson is in reach when one of its courses is open to the member's type,
    or a course holding it is assigned to the member."""
    if info.open_to is None or member.member_type in info.open_to:
        return True
    assigned: set[int] = set()
    for assignment in assignments_for_member(member=member):
        assigned.update(course_ids_required_by(assignment.content))
    return bool(assigned & set(info.course_ids))


def credit_rule() -> CreditHourRule:
    return CreditHourRule.load()


def member_year_hours(*, member: Member, year: int) -> Decimal:
    total = CreditRecord.objects.filter(member=member, year=year).aggregate(
        total=Sum("hours")
    )["total"]
    return total or Decimal("0")


def _course_status(
    course_id: int, completed_courses: set[int], progress: dict[int, LessonProgress]
) -> str:
    if course_id in completed_courses:
        return "completed"
    lesson_ids = course_required_lesson_ids(course_id=course_id)
    if any(lid in progress for lid in lesson_ids):
        return "in_progress"
    return "not_started"


def member_archive(*, member: Member, year: int | None = None) -> dict:
    """学习档案: required and elective courses with status and deadline, lesson
    progress, 学时 this year against the target, attendance."""
    year = year or timezone.localdate().year
    progress = {p.lesson_id: p for p in LessonProgress.objects.filter(member=member)}
    completed_courses = set(
        CourseCompletion.objects.filter(member=member).values_list(
            "course_id", flat=True
        )
    )
    deadlines: dict[int, date] = {}
    for assignment in assignments_for_member(member=member):
        for course_id in course_ids_required_by(assignment.content):
            current = deadlines.get(course_id)
            if current is None or assignment.deadline < current:
                deadlines[course_id] = assignment.deadline
    elective_ids = list(
        Enrolment.objects.filter(member=member).values_list("course_id", flat=True)
    )
    courses = {
        c.pk: c
        for c in pages_visible_to_public(
            CoursePage.objects.filter(pk__in=set(deadlines) | set(elective_ids))
        ).prefetch_related("course_lessons__lesson")
    }
    today = timezone.localdate()

    def course_entry(course: CoursePage, deadline: date | None) -> dict:
        status = _course_status(course.pk, completed_courses, progress)
        lessons = []
        for link in course.course_lessons.all():
            record = progress.get(link.lesson_id)
            duration = record.duration if record else link.lesson.duration
            lessons.append(
                {
                    "id": link.lesson_id,
                    "title": link.lesson.title,
                    "compulsory": link.compulsory,
                    "watched_ratio": _ratio(record.watched_seconds, duration)
                    if record
                    else 0.0,
                    "completed": bool(record and record.completed_at),
                    "resume_position": record.position if record else 0.0,
                }
            )
        return {
            "id": course.pk,
            "title": course.title,
            "category": course.category,
            "status": status,
            "deadline": deadline,
            "overdue": bool(deadline and deadline < today and status != "completed"),
            "lessons": lessons,
        }

    required = [
        course_entry(courses[cid], deadline)
        for cid, deadline in sorted(deadlines.items(), key=lambda item: item[1])
        if cid in courses
    ]
    electives = [
        course_entry(courses[cid], None)
        for cid in elective_ids
        if cid in courses and cid not in deadlines
    ]
    attendance = [
        {
            "session_id": a.session_id,
            "class_title": a.session.training_class.title,
            "session_title": a.session.title,
            "checked_in_at": a.checked_in_at,
            "credit_hours": a.session.credit_hours,
        }
        for a in Attendance.objects.filter(member=member)
        .select_related("session__training_class")
        .order_by("-checked_in_at")
    ]
    return {
        "member": {
            "name": member.name,
            "organisation": member.organisation.name,
            "member_type": member.member_type,
        },
        "year": year,
        "credit_hours": member_year_hours(member=member, year=year),
        "target_hours": credit_rule().target_for(member.member_type),
        "required": required,
        "electives": electives,
        "attendance": attendance,
    }


def lesson_progress_summary(*, member: Member, info: LessonInfo) -> dict:
    """Watched share, completion and resume position (zeros before any beat)."""
    record = LessonProgress.objects.filter(member=member, lesson_id=info.id).first()
    if record is None:
        return {"watched_ratio": 0.0, "completed": False, "resume_position": 0.0}
    return {
        "watched_ratio": _ratio(record.watched_seconds, info.duration),
        "completed": record.completed_at is not None,
        "resume_position": round(record.position, 3),
    }


def _ratio(watched: float, duration: int) -> float:
    if duration <= 0:
        return 0.0
    return round(min(1.0, watched / duration), 4)


# --- scoping --------------------------------------------------------------------


def user_sees_all_organisations(user) -> bool:
    return user.is_superuser or user.has_perm("learning.change_organisation")


def organisations_administered(user) -> QuerySet[Organisation]:
    """The top organisations of the subtrees ``user`` may see (all roots for editors)."""
    if not user.is_authenticated:
        return Organisation.objects.none()
    if user_sees_all_organisations(user):
        return Organisation.objects.filter(parent__isnull=True)
    return Organisation.objects.filter(
        pk__in=OrganisationAdministrator.objects.filter(user=user).values(
            "organisation_id"
        )
    )


def organisation_scope_q(user, prefix: str = "") -> Q:
    """A filter keeping rows whose organisation lies in ``user``'s subtrees;
    ``prefix`` is the lookup path to the organisation (e.g. ``"organisation__"``)."""
    if user.is_authenticated and user_sees_all_organisations(user):
        return Q()
    paths = list(organisations_administered(user).values_list("path", flat=True))
    if not paths:
        return Q(pk__in=[])
    query = Q()
    for path in paths:
        query |= Q(**{f"{prefix}path__startswith": path})
    return query


def user_can_report_on(user, organisation: Organisation) -> bool:
    if not user.is_authenticated:
        return False
    if user_sees_all_organisations(user):
        return True
    return any(
        organisation.path.startswith(path)
        for path in organisations_administered(user).values_list("path", flat=True)
    )


# --- reports --------------------------------------------------------------------


@dataclass
class ReportRow:
    organisation_id: int | None
    code: str
    name: str
    members: int = 0
    completed: int = 0
    hours_total: Decimal = Decimal("0")

    @property
    def coverage(self) -> float:
        return round(100 * self.completed / self.members, 1) if self.members else 0.0

    @property
    def average_hours(self) -> float:
        if not self.members:
            return 0.0
        return round(float(self.hours_total) / self.members, 2)

    def as_dict(self) -> dict:
        return {
            "organisation_id": self.organisation_id,
            "code": self.code,
            "name": self.name,
            "members": self.members,
            "completed": self.completed,
            "coverage": self.coverage,
            "average_hours": self.average_hours,
        }


@dataclass
class Report:
    organisation: Organisation
    subject: str
    year: int
    total: ReportRow
    children: list[ReportRow]
    laggards: list[dict]
    laggards_count: int

    def as_dict(self) -> dict:
        return {
            "organisation": {
                "id": self.organisation.pk,
                "code": self.organisation.code,
                "name": self.organisation.name,
            },
            "subject": self.subject,
            "year": self.year,
            "total": self.total.as_dict(),
            "children": [row.as_dict() for row in self.children],
            "laggards": self.laggards,
            "laggards_count": self.laggards_count,
        }


def _content_scope_q(content: Page, default_types: list[str]) -> Q:
    """Members a course or topic applies to: those its assignments target, or, when it
    is assigned nowhere, the member types it is intended for."""
    assignments = list(
        Assignment.objects.filter(content=content).select_related("organisation")
    )
    if not assignments:
        return Q(member_type__in=default_types) if default_types else Q()
    query = Q(pk__in=[])
    for a in assignments:
        part = Q(organisation__path__startswith=a.organisation.path)
        if a.member_types:
            part &= Q(member_type__in=a.member_types)
        query |= part
    return query


def _year_completed_q(year: int) -> Q:
    rule = credit_rule()
    query = Q(pk__in=[])
    for member_type in MemberType.values:
        reached = (
            CreditRecord.objects.filter(year=year, member__member_type=member_type)
            .values("member_id")
            .annotate(total=Sum("hours"))
            .filter(total__gte=rule.target_for(member_type))
            .values("member_id")
        )
        query |= Q(pk__in=reached)
    return query


def report_build(
    *,
    organisation: Organisation,
    course: CoursePage | None = None,
    topic: TopicPage | None = None,
    year: int | None = None,
    laggards_offset: int = 0,
    laggards_limit: int = 20,
) -> Report:
    """Coverage of a course, a topic or a year's 学时 target for ``organisation``'s
    subtree, with the same figures per child organisation and the laggards paged.

    Members in scope: for a course or topic, the members its assignments target (or
    its intended member types when unassigned); for a year, every member. Completed:
    finished the course/topic, or reached the year's target. 学时 are the year's.
    """
    year = year or timezone.localdate().year
    members = Member.objects.filter(organisation__path__startswith=organisation.path)
    if course is not None:
        members = members.filter(
            _content_scope_q(course, course.intended_member_types or [])
        )
        completed_q = Q(
            pk__in=CourseCompletion.objects.filter(course=course).values("member_id")
        )
        subject = f"课程：{course.title}"
    elif topic is not None:
        members = members.filter(_content_scope_q(topic, []))
        completed_q = Q(
            pk__in=TopicCompletion.objects.filter(topic=topic).values("member_id")
        )
        subject = f"专题：{topic.title}"
    else:
        completed_q = _year_completed_q(year)
        subject = f"{year} 年度学时"

    width = len(organisation.path) + PATH_STEP
    prefix = Substr("organisation__path", 1, width)
    counts = dict(
        members.annotate(prefix=prefix)
        .values("prefix")
        .annotate(n=Count("pk"))
        .values_list("prefix", "n")
    )
    done = dict(
        members.filter(completed_q)
        .annotate(prefix=prefix)
        .values("prefix")
        .annotate(n=Count("pk"))
        .values_list("prefix", "n")
    )
    hours = dict(
        CreditRecord.objects.filter(year=year, member__in=members.values("pk"))
        .annotate(prefix=Substr("member__organisation__path", 1, width))
        .values("prefix")
        .annotate(total=Sum("hours"))
        .values_list("prefix", "total")
    )

    children = []
    for child in Organisation.objects.filter(parent=organisation).order_by("path"):
        children.append(
            ReportRow(
                organisation_id=child.pk,
                code=child.code,
                name=child.name,
                members=counts.get(child.path, 0),
                completed=done.get(child.path, 0),
                hours_total=hours.get(child.path) or Decimal("0"),
            )
        )
    if counts.get(organisation.path):
        # Members attached to the node itself rather than to a child.
        children.insert(
            0,
            ReportRow(
                organisation_id=None,
                code=organisation.code,
                name=f"{organisation.name}（本级）",
                members=counts.get(organisation.path, 0),
                completed=done.get(organisation.path, 0),
                hours_total=hours.get(organisation.path) or Decimal("0"),
            ),
        )
    total = ReportRow(
        organisation_id=organisation.pk,
        code=organisation.code,
        name=organisation.name,
        members=sum(counts.values()),
        completed=sum(done.values()),
        hours_total=sum((h or Decimal("0") for h in hours.values()), Decimal("0")),
    )

    laggard_qs = members.exclude(completed_q)
    year_hours = (
        CreditRecord.objects.filter(year=year, member_id=OuterRef("pk"))
        .values("member_id")
        .annotate(total=Sum("hours"))
        .values("total")
    )
    laggards = [
        {
            "member_id": row["pk"],
            "name": row["name"],
            "organisation": row["organisation__name"],
            "member_type": row["member_type"],
            "credit_hours": row["hours"],
        }
        for row in laggard_qs.annotate(
            hours=Coalesce(Subquery(year_hours, output_field=HOURS_FIELD), Decimal("0"))
        )
        .order_by("hours", "organisation__path", "name", "pk")
        .values("pk", "name", "organisation__name", "member_type", "hours")[
            laggards_offset : laggards_offset + laggards_limit
        ]
    ]
    return Report(
        organisation=organisation,
        subject=subject,
        year=year,
        total=total,
        children=children,
        laggards=laggards,
        laggards_count=total.members - total.completed,
    )

"""Lesson facts for progress tracking, whether a lesson is in a member's reach, and
a member's progress on it."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.cache import cache
from wagtail.models import Page

from cms.models import CoursePage, MicroLessonPage, VRCoursewarePage
from cms.selectors import (
    courses_holding_lessons,
    page_is_public,
    pages_visible_to_public,
)
from dangke.cache import MISSING, ProcessCache
from learning.models import LessonProgress, Member
from learning.selectors.curriculum import (
    assignments_for_member,
    course_ids_required_by,
)

LESSON_INFO_TTL = 30  # seconds; publish/unpublish also clear it (signal_handlers)
DEFAULT_THRESHOLD = 90

# Heartbeats ask for the same few lessons all the time: a short per-process copy in
# front of the shared cache saves a round trip on most beats. Forgotten by
# ``learning.services.lesson_info_forget`` (another process's within the ttl).
lesson_info_memo = ProcessCache("learning.lesson_info", ttl=5.0)


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


def lesson_info_cache_key(*, lesson_id: int) -> str:
    """The shared-cache key of a lesson's facts."""
    return f"learning:lesson:{lesson_id}"


def lesson_info(*, lesson_id: int) -> LessonInfo | None:
    """Facts about a live, public micro-lesson or VR courseware; None otherwise
    (unknown, draft, restricted, or another kind of page). Raises nothing."""
    info = lesson_info_memo.get(lesson_id)
    if info is not MISSING:
        return info
    key = lesson_info_cache_key(lesson_id=lesson_id)
    cached = cache.get(key)
    if cached is None:
        info = _lesson_info_uncached(lesson_id)
        cache.set(key, info or False, LESSON_INFO_TTL)
    else:
        info = cached or None
    lesson_info_memo.set(lesson_id, info)
    return info


def _lesson_info_uncached(lesson_id: int) -> LessonInfo | None:
    page = Page.objects.filter(pk=lesson_id, live=True).first()
    if page is None:
        return None
    page = page.specific
    model = type(page).__name__
    if model not in ("MicroLessonPage", "VRCoursewarePage") or not page_is_public(
        page=page
    ):
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
            queryset=CoursePage.objects.filter(
                pk__in=courses_holding_lessons(lesson_ids=[page.pk]).values("pk")
            )
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


def member_can_learn(*, member: Member, info: LessonInfo) -> bool:
    """A lesson is in reach when one of its courses is open to the member's type,
    or a course holding it is assigned to the member. Raises nothing."""
    if info.open_to is None or member.member_type in info.open_to:
        return True
    return bool(_assigned_course_ids(member) & set(info.course_ids))


def _assigned_course_ids(member: Member) -> set[int]:
    """The courses the member's assignments require."""
    assigned: set[int] = set()
    for assignment in assignments_for_member(member=member):
        assigned.update(course_ids_required_by(content=assignment.content))
    return assigned


def member_can_take_course(*, member: Member, course_id: int) -> bool:
    """A course is in reach when it is open to the member's type (or to every type),
    or assigned to the member, as for its lessons (``member_can_learn``). Raises
    nothing (an unknown course is in no one's reach)."""
    found = (
        CoursePage.objects.filter(pk=course_id)
        .values_list("pk", "intended_member_types")
        .first()
    )
    if found is None:
        return False
    types = found[1] or []
    if not types or member.member_type in types:
        return True
    return course_id in _assigned_course_ids(member)


def progress_ratio(*, watched: float, duration: int) -> float:
    """The watched share of a lesson, 0 to 1, rounded to four places."""
    if duration <= 0:
        return 0.0
    return round(min(1.0, watched / duration), 4)


def lesson_progress_summary(
    *, member: Member, info: LessonInfo
) -> dict[str, float | bool]:
    """Watched share, completion and resume position (zeros before any beat)."""
    record = LessonProgress.objects.filter(member=member, lesson_id=info.id).first()
    if record is None:
        return {"watched_ratio": 0.0, "completed": False, "resume_position": 0.0}
    return {
        "watched_ratio": progress_ratio(
            watched=record.watched_seconds, duration=info.duration
        ),
        "completed": record.completed_at is not None,
        "resume_position": round(record.position, 3),
    }


def member_lessons_in_progress(*, member: Member, limit: int = 6) -> list[dict]:
    """继续观看: the member's started, unfinished lessons (live and public ones
    only), most recently watched first, with watched share and resume position."""
    rows = list(
        LessonProgress.objects.filter(member=member, completed_at__isnull=True)
        .order_by("-updated_at")
        .values("lesson_id", "watched_seconds", "duration", "position")[: limit * 3]
    )
    ids = [row["lesson_id"] for row in rows]
    pages = {}
    for model in (MicroLessonPage, VRCoursewarePage):
        for page in pages_visible_to_public(queryset=model.objects.filter(pk__in=ids)):
            pages[page.pk] = page
    return [
        {
            "page": pages[row["lesson_id"]],
            "watched_ratio": progress_ratio(
                watched=row["watched_seconds"], duration=row["duration"]
            ),
            "resume_position": round(row["position"], 3),
        }
        for row in rows
        if row["lesson_id"] in pages
    ][:limit]


def member_lessons_progress(
    *, member: Member, lesson_ids: list[int]
) -> dict[int, dict[str, float | bool]]:
    """The member's progress on each of ``lesson_ids`` that they started: watched
    share, completion and resume position."""
    return {
        row["lesson_id"]: {
            "watched_ratio": progress_ratio(
                watched=row["watched_seconds"], duration=row["duration"]
            ),
            "completed": row["completed_at"] is not None,
            "resume_position": round(row["position"], 3),
        }
        for row in LessonProgress.objects.filter(
            member=member, lesson_id__in=list(lesson_ids)
        ).values("lesson_id", "watched_seconds", "duration", "position", "completed_at")
    }

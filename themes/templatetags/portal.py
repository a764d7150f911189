"""Template tags of the portal: thin reads through the other apps' selectors."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template
from django.db.models import Q
from django.utils import timezone
from wagtail.models import Page, Site

from cms.models import CoursePage, TopicPage
from cms.selectors import (
    course_lessons,
    courses_holding_lessons,
    page_is_public,
    pages_visible_to_public,
    topic_courses,
)
from learning import selectors as learning_selectors
from learning import services as learning_services
from media_pipeline.selectors import video_asset_is_playable, video_asset_playback

register = template.Library()


@register.filter
def is_public(page) -> bool:
    """Live, and neither the page nor an ancestor is restricted: the portal shows
    exactly what the API and search show, never a draft's or restricted page's title."""
    return page is not None and page_is_public(page=page)


@register.simple_tag(takes_context=True)
def portal_menu(context) -> list[Page]:
    """The site root's public children marked "show in menus"."""
    request = context.get("request")
    site = Site.find_for_request(request) if request is not None else None
    if site is None:
        return []
    return list(
        pages_visible_to_public(queryset=site.root_page.get_children()).in_menu()
    )


def _percent(part: Decimal | float, whole: Decimal | float) -> int:
    if not whole:
        return 100 if part else 0
    return max(0, min(100, int(round(float(part) * 100 / float(whole)))))


@register.simple_tag
def hours_summary(archive: dict) -> dict[str, Any]:
    """学时 against the yearly target, with the bar's percentage."""
    hours, target = archive["credit_hours"], archive["target_hours"]
    return {"hours": hours, "target": target, "percent": _percent(hours, target)}


@register.simple_tag
def courses_with_urls(courses: list[dict]) -> list[dict]:
    """Archive courses with their page and its URL (their completion percentage
    comes with them, from ``learning.selectors.member_archive``)."""
    pages = {
        page.pk: page
        for page in CoursePage.objects.filter(
            pk__in=[c["id"] for c in courses]
        ).select_related("cover")
    }
    return [
        {**course, "url": pages[course["id"]].url, "page": pages[course["id"]]}
        for course in courses
        if course["id"] in pages
    ]


@register.simple_tag(takes_context=True)
def member_dashboard(context) -> dict[str, Any] | None:
    """The home page for a signed-in member: required courses with deadline and
    progress, continue watching, and this year's 学时 against the target."""
    member = context.get("portal_member")
    if member is None:
        return None
    archive = learning_selectors.member_archive(member=member)
    required = courses_with_urls(archive["required"])
    required.sort(
        key=lambda c: (
            c["status"] == "completed",
            c["deadline"] or timezone.localdate().replace(year=9999),
        )
    )
    return {
        "archive": archive,
        "required": required,
        "continue": learning_selectors.member_lessons_in_progress(member=member),
        "hours": hours_summary(archive),
    }


@register.simple_tag
def current_topics(limit: int = 6) -> list[TopicPage]:
    """Live, public topics that have not ended, newest first."""
    today = timezone.localdate()
    topics = pages_visible_to_public(queryset=TopicPage.objects.all()).filter(
        Q(end_date__isnull=True) | Q(end_date__gte=today)
    )
    return list(topics.order_by("-first_published_at")[:limit])


def _public_only(links: list[tuple[Page, bool]]) -> list[tuple[Page, bool]]:
    """The live, public pages among ``links`` (page, flag) in their order: one query
    for the lot instead of one per page."""
    if not links:
        return []
    model = type(links[0][0])
    visible = set(
        pages_visible_to_public(
            queryset=model.objects.filter(pk__in=[page.pk for page, _ in links])
        ).values_list("pk", flat=True)
    )
    return [(page, flag) for page, flag in links if page.pk in visible]


@register.simple_tag(takes_context=True)
def course_lesson_marks(context, course: CoursePage) -> list[dict[str, Any]]:
    """A course's visible lessons in order, each marked done / in progress / not
    started for the signed-in member (no marks for anonymous visitors)."""
    member = context.get("portal_member")
    lessons = _public_only(course_lessons(course=course))
    progress = (
        learning_selectors.member_lessons_progress(
            member=member, lesson_ids=[lesson.pk for lesson, _ in lessons]
        )
        if member is not None
        else {}
    )
    marks = []
    for lesson, compulsory in lessons:
        state = progress.get(lesson.pk)
        if state is None:
            status = "not_started"
        elif state["completed"]:
            status = "completed"
        else:
            status = "in_progress"
        marks.append(
            {
                "page": lesson,
                "compulsory": compulsory,
                "status": status,
                "percent": int(round((state or {}).get("watched_ratio", 0) * 100)),
            }
        )
    return marks


@register.simple_tag
def lesson_course(lesson: Page) -> CoursePage | None:
    """The public course a lesson is taught in (the first in tree order), for its
    breadcrumb; None when it is in none."""
    courses = courses_holding_lessons(lesson_ids=[lesson.pk])
    return pages_visible_to_public(queryset=courses).order_by("path").first()


@register.simple_tag
def topic_course_list(topic: TopicPage) -> list[dict[str, Any]]:
    return [
        {"page": course, "required": required}
        for course, required in _public_only(topic_courses(topic=topic))
    ]


@register.simple_tag(takes_context=True)
def lesson_playback(context, page: Page) -> dict[str, Any]:
    """What the player needs for ``page``'s video (signed URLs only once it plays),
    with the member's watched share and where to resume."""
    asset = getattr(page, "video", None)
    if asset is None or not video_asset_is_playable(asset=asset):
        return {}
    playback = dict(video_asset_playback(asset=asset))
    member = context.get("portal_member")
    if member is not None:
        state = learning_selectors.member_lessons_progress(
            member=member, lesson_ids=[page.pk]
        ).get(page.pk, {})
        playback.update(
            watched_ratio=state.get("watched_ratio", 0.0),
            completed=state.get("completed", False),
            resume_position=state.get("resume_position", 0.0),
        )
    return playback


@register.simple_tag(takes_context=True)
def course_enrolment(context, course: CoursePage) -> dict[str, bool]:
    """May the signed-in member enrol in this elective (选课), or have they?"""
    member = context.get("portal_member")
    if member is None or course.category != CoursePage.Category.ELECTIVE:
        return {"can_enrol": False, "enrolled": False}
    enrolled = learning_selectors.member_is_enrolled(member=member, course_id=course.pk)
    return {"can_enrol": not enrolled, "enrolled": enrolled}


@register.filter
def hours_text(value: Decimal | float | int | None) -> str:
    """学时 written one way everywhere: ``32.00`` → ``32``, ``1.50`` → ``1.5``,
    ``0`` → ``0``."""
    number = Decimal(str(value or 0)).quantize(Decimal("0.01"))
    text = format(number, "f").rstrip("0").rstrip(".")
    return text or "0"


@register.simple_tag
def course_hours(course: CoursePage) -> Decimal:
    """The course's 学时: its fixed figure, or by rule from its lessons' durations."""
    return learning_services.course_credit_hours(course=course)


@register.filter
def duration_text(seconds: int | float | None) -> str:
    """``754`` → ``12 分 34 秒``."""
    total = int(seconds or 0)
    minutes, rest = divmod(total, 60)
    if minutes and rest:
        return f"{minutes} 分 {rest} 秒"
    return f"{minutes} 分钟" if minutes else f"{rest} 秒"

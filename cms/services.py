"""Writes to content that other apps trigger (through signals, never by editing cms's
tables themselves)."""

from __future__ import annotations

from django.db import transaction

from cms.selectors import PAGE_MODELS_WITH_VIDEO
from media_pipeline.selectors import video_asset_is_playable


def lesson_duration_from_video(*, page) -> bool:
    """Give ``page`` (a lesson or VR courseware, unsaved changes included) the
    duration of its video when the video can play and the page has none, or still
    has the one it took from the video it used before. Changes the instance only
    (the caller saves it: every save of such a page runs this, see
    ``cms.signal_handlers``), so a lesson has its video's duration however the two
    came together: a ready video attached, a revision published, a submission
    approved, a page copied. An editor's own duration is never overwritten. Returns
    whether the duration changed; raises nothing."""
    asset = page.video if page.video_id else None
    if asset is None or not asset.duration or not video_asset_is_playable(asset=asset):
        return False
    seconds = int(round(asset.duration))
    if seconds <= 0 or page.duration == seconds:
        return False
    if page.duration and page.pk is None:
        return False
    if page.duration:
        before = (
            type(page)
            .objects.filter(pk=page.pk)
            .values_list("video_id", "video__duration")
            .first()
        )
        taken_from_previous = (
            before is not None
            and before[0] != page.video_id
            and before[1] is not None
            and int(round(before[1])) == page.duration
        )
        if not taken_from_previous:
            return False
    page.duration = seconds
    return True


def lesson_durations_fill(*, asset_id: int, duration: float | None) -> int:
    """Give the lessons and VR courseware using video ``asset_id`` whose duration is
    still 0 the video's ``duration`` (seconds), on the page and on its latest
    revision, so the next edit keeps it. Returns how many pages changed; an editor's
    own duration is never overwritten. Raises nothing for an unknown asset (no page
    uses it)."""
    seconds = int(round(duration or 0))
    if seconds <= 0:
        return 0
    changed = 0
    with transaction.atomic():
        for model in PAGE_MODELS_WITH_VIDEO:
            for page in model.objects.filter(video_id=asset_id, duration=0):
                model.objects.filter(pk=page.pk).update(duration=seconds)
                changed += 1
                revision = page.latest_revision
                if revision is not None and not revision.content.get("duration"):
                    revision.content["duration"] = seconds
                    revision.save(update_fields=["content"])
    return changed


SUBMISSIONS_SLUG = "submissions"


def lesson_destinations(*, user) -> list[tuple[str, str]]:
    """Where an approved submission may be placed by ``user``: every section but the
    submissions area (``section:<id>``) and every course in one (``course:<id>``),
    as (value, label) pairs in tree order, limited to where ``user`` may publish."""
    from cms.models import CoursePage, SectionPage

    choices: list[tuple[str, str]] = []
    sections = SectionPage.objects.exclude(slug=SUBMISSIONS_SLUG).order_by("path")
    for section in sections:
        if (
            user is not None
            and not section.permissions_for_user(user).can_publish_subpage()
        ):
            continue
        choices.append((f"section:{section.pk}", f"栏目：{section.title}"))
        courses = CoursePage.objects.child_of(section).order_by("path")
        for course in courses:
            choices.append(
                (f"course:{course.pk}", f"课程：{section.title} › {course.title}")
            )
    return choices


def lesson_place(*, lesson, destination: str, user) -> None:
    """Place an approved submission: move ``lesson`` into the section named by
    ``destination`` (``section:<id>``), or into the section of the course named
    (``course:<id>``) and at the end of that course (on the live course and in its
    latest revision, so the course's next publication keeps it). A slug already
    used there gets a number. Raises LessonPlacementRefused for an unknown
    destination or one ``user`` may not publish in."""
    from wagtail.actions.move_page import MovePageAction

    from cms.errors import LessonPlacementRefused
    from cms.models import CoursePage, SectionPage

    kind, _, raw_id = destination.partition(":")
    target = None
    if raw_id.isdigit():
        model = {"section": SectionPage, "course": CoursePage}.get(kind)
        target = model.objects.filter(pk=int(raw_id)).first() if model else None
    section = target if isinstance(target, SectionPage) else None
    if isinstance(target, CoursePage):
        section = target.get_parent().specific
    if (
        not isinstance(section, SectionPage)
        or section.slug == SUBMISSIONS_SLUG
        or not section.permissions_for_user(user).can_publish_subpage()
    ):
        raise LessonPlacementRefused(
            f"无法放入「{destination}」：没有这个栏目或课程，或您无权在其中发布"
        )
    with transaction.atomic():
        lesson = type(lesson).objects.get(pk=lesson.pk)
        if lesson.get_parent().pk != section.pk:
            taken = set(section.get_children().values_list("slug", flat=True))
            base, number = lesson.slug, 2
            while lesson.slug in taken:
                lesson.slug = f"{base}-{number}"
                number += 1
            if lesson.slug != base:
                lesson.save(update_fields=["slug"], clean=False)
                _revision_content_update(lesson, slug=lesson.slug)
            MovePageAction(lesson, section, pos="last-child", user=user).execute(
                skip_permission_checks=True
            )
        if isinstance(target, CoursePage):
            _course_lesson_append(course=target, lesson_id=lesson.pk)


def _revision_content_update(page, **fields) -> None:
    revision = page.latest_revision
    if revision is not None:
        revision.content.update(fields)
        revision.save(update_fields=["content"])


def _course_lesson_append(*, course, lesson_id: int) -> None:
    from cms.models import CourseLesson

    links = CourseLesson.objects.filter(course=course)
    if not links.filter(lesson_id=lesson_id).exists():
        order = max(links.values_list("sort_order", flat=True), default=-1)
        CourseLesson.objects.create(
            course=course, lesson_id=lesson_id, sort_order=order + 1
        )
    revision = course.latest_revision
    if revision is None:
        return
    rows = revision.content.setdefault("course_lessons", [])
    if any(row.get("lesson") == lesson_id for row in rows):
        return
    link = CourseLesson.objects.get(course=course, lesson_id=lesson_id)
    rows.append(
        {
            "pk": link.pk,
            "course": course.pk,
            "lesson": lesson_id,
            "compulsory": link.compulsory,
            "sort_order": len(rows),
        }
    )
    revision.save(update_fields=["content"])


def topic_course_link(*, topic, course, required: bool = False) -> bool:
    """Show ``course`` in ``topic`` (a ``TopicCourse`` link, in the live page and
    its latest revision so the next publish keeps it), its lessons not copied.
    Returns False when the topic already had it. Raises nothing."""
    from cms.models import TopicCourse

    links = TopicCourse.objects.filter(topic=topic)
    if links.filter(course=course).exists():
        return False
    orders = [n for n in links.values_list("sort_order", flat=True) if n is not None]
    link = TopicCourse.objects.create(
        topic=topic,
        course=course,
        required=required,
        sort_order=max(orders, default=-1) + 1,
    )
    revision = topic.latest_revision
    if revision is not None:
        rows = revision.content.setdefault("topic_courses", [])
        if not any(row.get("course") == course.pk for row in rows):
            rows.append(
                {
                    "pk": link.pk,
                    "topic": topic.pk,
                    "course": course.pk,
                    "required": required,
                    "sort_order": len(rows),
                }
            )
            revision.save(update_fields=["content"])
    return True


def topic_course_unlink(*, topic, course) -> None:
    """Take ``course`` out of ``topic`` (the live page and its latest revision).
    Raises nothing."""
    from cms.models import TopicCourse

    TopicCourse.objects.filter(topic=topic, course=course).delete()
    revision = topic.latest_revision
    if revision is not None:
        rows = revision.content.get("topic_courses", [])
        kept = [row for row in rows if row.get("course") != course.pk]
        if len(kept) != len(rows):
            revision.content["topic_courses"] = kept
            revision.save(update_fields=["content"])

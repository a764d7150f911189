"""Completion: a lesson completes (by watching or attendance), and completion rolls
up to the courses whose required lessons are all complete (and, for a course that
requires its exam, whose exam the member passed: whichever comes last completes it),
then to the topics whose required courses are; a completed course earns its 学时.
Completion never regresses.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.db import IntegrityError, transaction

from cms.models import CoursePage
from cms.selectors import pages_visible_to_public, topic_course_links
from learning import selectors
from learning.models import (
    CourseCompletion,
    CreditRecord,
    ExamPass,
    LessonProgress,
    Member,
    TopicCompletion,
)
from learning.selectors import LessonInfo
from learning.services.credit import course_credit_hours, credit_record_add
from learning.services.rollups import rollup_batch


def _locked_progress(
    *, member: Member, lesson_id: int, info: LessonInfo
) -> LessonProgress:
    """The member's progress row for the lesson, created if needed, locked until the
    transaction ends so concurrent beats apply one after another."""
    rows = LessonProgress.objects.select_for_update().filter(
        member=member, lesson_id=lesson_id
    )
    progress = rows.first()
    if progress is not None:
        return progress
    try:
        with transaction.atomic():
            LessonProgress.objects.create(
                member=member, lesson_id=lesson_id, duration=info.duration
            )
    except IntegrityError:
        pass  # created by a concurrent beat; lock it below
    return rows.get()


def lesson_mark_completed(
    *, member: Member, lesson_id: int, via: str, now: datetime
) -> bool:
    """Complete a lesson for the member (e.g. by attendance) and roll up.

    Returns True when it was not complete before. Raises nothing for pages that are
    not learnable; they are skipped (returns False).
    """
    info = selectors.lesson_info(lesson_id=lesson_id)
    if info is None:
        return False
    with rollup_batch():
        progress = _locked_progress(member=member, lesson_id=lesson_id, info=info)
        if progress.completed_at is not None:
            return False
        progress.completed_at = now
        progress.completed_via = via
        progress.duration = info.duration
        progress.version += 1
        progress.save()
        completion_roll_up(member=member, course_ids=info.course_ids, now=now)
    return True


def completion_roll_up(
    *, member: Member, course_ids: Iterable[int], now: datetime
) -> list[int]:
    """Complete the live, public courses among ``course_ids`` whose required lessons
    the member has all completed and, when the course requires its exam
    (``exam_required``), whose exam the member passed (earning their 学时); then the
    topics whose required courses are all complete. Call inside the transaction that
    completed a lesson or recorded an exam pass.

    The roll-ups of the reports change in the same transaction (one batch).
    Returns the ids of the courses completed now. Raises nothing.
    """
    course_ids = list(course_ids)
    if not course_ids:
        return []
    with rollup_batch():
        return _roll_up(member=member, course_ids=course_ids, now=now)


def _roll_up(*, member: Member, course_ids: list[int], now: datetime) -> list[int]:
    done_lessons = set(
        LessonProgress.objects.filter(
            member=member, completed_at__isnull=False
        ).values_list("lesson_id", flat=True)
    )
    already = set(
        CourseCompletion.objects.filter(member=member).values_list(
            "course_id", flat=True
        )
    )
    newly: list[int] = []
    courses = pages_visible_to_public(
        queryset=CoursePage.objects.filter(pk__in=course_ids)
    )
    passed_exams = set(
        ExamPass.objects.filter(member=member, course_id__in=course_ids).values_list(
            "course_id", flat=True
        )
    )
    for course in courses:
        if course.pk in already:
            continue
        required = selectors.course_required_lesson_ids(course_id=course.pk)
        if course.exam_required:
            # The exam is a requirement of its own: a course of only an exam
            # completes when it is passed.
            if course.pk not in passed_exams or not set(required) <= done_lessons:
                continue
        elif not required or not set(required) <= done_lessons:
            continue
        _, created = CourseCompletion.objects.get_or_create(
            member=member, course=course, defaults={"completed_at": now}
        )
        if created:
            newly.append(course.pk)
            credit_record_add(
                member=member,
                source=CreditRecord.Source.COURSE,
                source_id=course.pk,
                title=course.title,
                hours=course_credit_hours(course=course),
                now=now,
            )
    if not newly:
        return newly
    done_courses = already | set(newly)
    topic_ids = {link.topic_id for link in topic_course_links(course_ids=newly)}
    for topic_id in topic_ids:
        required = selectors.topic_required_course_ids(topic_id=topic_id)
        if required and set(required) <= done_courses:
            TopicCompletion.objects.get_or_create(
                member=member, topic_id=topic_id, defaults={"completed_at": now}
            )
    return newly

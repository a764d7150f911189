"""学习档案: a member's required and elective courses, lesson progress, 学时,
attendance and passed course exams."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.utils import timezone

from cms.models import CoursePage, MicroLessonPage
from cms.selectors import course_lesson_links, pages_visible_to_public
from learning.models import (
    Attendance,
    CourseCompletion,
    Enrolment,
    ExamPass,
    LessonProgress,
    Member,
)
from learning.selectors.credit import credit_rule, member_year_hours
from learning.selectors.curriculum import (
    assignments_for_member,
    course_ids_required_by,
    course_progress_percent,
    course_required_lesson_ids,
)
from learning.selectors.lessons import progress_ratio


def _course_status(
    course_id: int, completed_courses: set[int], progress: dict[int, LessonProgress]
) -> str:
    if course_id in completed_courses:
        return "completed"
    lesson_ids = course_required_lesson_ids(course_id=course_id)
    if any(lid in progress for lid in lesson_ids):
        return "in_progress"
    return "not_started"


def member_archive(*, member: Member, year: int | None = None) -> dict[str, Any]:
    """学习档案: required and elective courses with status, deadline and how far
    through (``percent``, ``course_progress_percent``), lesson progress, 学时 in ``year`` (this year by default) against the target,
    attendance and passed course exams (``exams``). Only live, public courses and
    lessons are listed. Raises nothing."""
    year = year or timezone.localdate().year
    progress = {p.lesson_id: p for p in LessonProgress.objects.filter(member=member)}
    completed_courses = set(
        CourseCompletion.objects.filter(member=member).values_list(
            "course_id", flat=True
        )
    )
    deadlines: dict[int, date] = {}
    for assignment in assignments_for_member(member=member):
        for course_id in course_ids_required_by(content=assignment.content):
            current = deadlines.get(course_id)
            if current is None or assignment.deadline < current:
                deadlines[course_id] = assignment.deadline
    elective_ids = list(
        Enrolment.objects.filter(member=member).values_list("course_id", flat=True)
    )
    courses = {
        c.pk: c
        for c in pages_visible_to_public(
            queryset=CoursePage.objects.filter(
                pk__in=set(deadlines) | set(elective_ids)
            )
        )
    }
    links_by_course: dict[int, list] = {}
    for link in course_lesson_links(course_ids=list(courses)):
        links_by_course.setdefault(link.course_id, []).append(link)
    # A visible course may still link a draft or restricted lesson: not listed.
    lessons = {
        row["pk"]: row
        for row in pages_visible_to_public(
            queryset=MicroLessonPage.objects.filter(
                pk__in={
                    link.lesson_id
                    for links in links_by_course.values()
                    for link in links
                }
            )
        ).values("pk", "title", "duration")
    }
    today = timezone.localdate()

    def course_entry(course: CoursePage, deadline: date | None) -> dict[str, Any]:
        status = _course_status(course.pk, completed_courses, progress)
        entries = []
        for link in links_by_course.get(course.pk, []):
            lesson = lessons.get(link.lesson_id)
            if lesson is None:
                continue
            record = progress.get(link.lesson_id)
            duration = record.duration if record else lesson["duration"]
            entries.append(
                {
                    "id": link.lesson_id,
                    "title": lesson["title"],
                    "compulsory": link.compulsory,
                    "watched_ratio": progress_ratio(
                        watched=record.watched_seconds, duration=duration
                    )
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
            "lessons": entries,
            "percent": course_progress_percent(
                completed=status == "completed",
                lessons=[(e["compulsory"], e["completed"]) for e in entries],
            ),
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
    exams = [
        {
            "course_id": exam_pass.course_id,
            "title": exam_pass.course.title,
            "passed_at": exam_pass.passed_at,
            "score": exam_pass.score,
        }
        for exam_pass in ExamPass.objects.filter(member=member)
        .select_related("course")
        .order_by("-passed_at")
    ]
    return {
        "member": {
            "name": member.name,
            "organisation": member.organisation.name,
            "member_type": member.member_type,
            "member_type_label": member.get_member_type_display(),
        },
        "year": year,
        "credit_hours": member_year_hours(member=member, year=year),
        "target_hours": credit_rule().target_for(member.member_type),
        "required": required,
        "electives": electives,
        "attendance": attendance,
        "exams": exams,
    }

"""学时: what a lesson and a course are worth by rule, and recording earned hours."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.utils import timezone

from cms.models import CoursePage
from cms.selectors import course_lessons
from learning import selectors
from learning.models import CreditHourRule, CreditRecord, Member


def lesson_credit_hours(
    *, duration_seconds: int, rule: CreditHourRule | None = None
) -> Decimal:
    """学时 for a lesson of ``duration_seconds`` by the duration rule (``rule`` or the
    configured one). Raises nothing."""
    rule = rule or selectors.credit_rule()
    minutes = duration_seconds / 60
    if minutes >= rule.long_minutes:
        return rule.long_hours
    if minutes >= rule.medium_minutes:
        return rule.medium_hours
    return rule.short_hours


def course_credit_hours(*, course: CoursePage) -> Decimal:
    """The course's fixed 学时, or the sum of its required lessons' 学时 by rule.
    Raises nothing."""
    if course.credit_hours is not None:
        return course.credit_hours
    rule = selectors.credit_rule()
    required = set(selectors.course_required_lesson_ids(course_id=course.pk))
    return sum(
        (
            lesson_credit_hours(duration_seconds=lesson.duration, rule=rule)
            for lesson, _compulsory in course_lessons(course=course)
            if lesson.pk in required
        ),
        Decimal("0"),
    )


def credit_record_add(
    *,
    member: Member,
    source: str,
    source_id: int,
    title: str,
    hours: Decimal,
    now: datetime,
) -> CreditRecord:
    """Record 学时 the member earned from ``source`` (a course or a session), once:
    a second call for the same source keeps the first record. Raises nothing."""
    record, _ = CreditRecord.objects.get_or_create(
        member=member,
        source=source,
        source_id=source_id,
        defaults={
            "title": title[:255],
            "hours": hours,
            "year": timezone.localtime(now).year,
            "earned_at": now,
        },
    )
    return record

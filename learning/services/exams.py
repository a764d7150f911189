"""Course exams in the learning record: a passed exam is stored here (the assessment
app holds the exam itself and calls in), earns 学时 by the rule, and may complete
the course when the course requires its exam (``CoursePage.exam_required``).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.db import IntegrityError, transaction

from cms.models import CoursePage
from learning import selectors
from learning.errors import CourseNotFound
from learning.models import CreditRecord, ExamPass, Member
from learning.services.completion import completion_roll_up
from learning.services.credit import credit_record_add
from learning.services.rollups import rollup_batch


def course_exam_pass_record(
    *, member: Member, course_id: int, passed_at: datetime, score: Decimal | float
) -> bool:
    """Record that the member passed the exam of course ``course_id`` at
    ``passed_at`` with ``score`` (0–100), once: a later pass keeps the first record.

    The first pass earns the rule's 学时 per passed course exam
    (``CreditHourRule.exam_pass_hours``; none when it is 0) and runs the completion
    roll-up, so a course requiring its exam completes now if its lessons already are
    (otherwise when they are). Returns True when the pass is new.

    Raises CourseNotFound when no course has that id.
    """
    course = CoursePage.objects.filter(pk=course_id).first()
    if course is None:
        raise CourseNotFound(f"课程 {course_id} 不存在")
    score = Decimal(str(score)).quantize(Decimal("0.01"))
    with rollup_batch():
        try:
            with transaction.atomic():
                _, created = ExamPass.objects.get_or_create(
                    member=member,
                    course=course,
                    defaults={"passed_at": passed_at, "score": score},
                )
        except IntegrityError:
            created = False  # recorded by a concurrent submission
        if not created:
            return False
        hours = selectors.credit_rule().exam_pass_hours
        if hours > 0:
            credit_record_add(
                member=member,
                source=CreditRecord.Source.EXAM,
                source_id=course.pk,
                title=f"{course.title}（结业考试）",
                hours=hours,
                now=passed_at,
            )
        completion_roll_up(member=member, course_ids=[course.pk], now=passed_at)
    return True

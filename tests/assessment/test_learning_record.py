"""A passed course exam in the learning record: stored once in learning, 学时 by
the rule, and a course requiring its exam completes when lessons and exam are both
done, whichever comes last."""

from __future__ import annotations

from decimal import Decimal

from django.utils import timezone

from learning import selectors as learning_selectors
from learning import services as learning_services
from learning.models import CourseCompletion, CreditHourRule, CreditRecord, ExamPass


def _require_exam(course):
    course.exam_required = True
    course.save_revision().publish()
    learning_services.lesson_info_forget()


def test_exam_first_then_lessons_completes_at_the_last_lesson(member, course, lesson):
    _require_exam(course)
    now = timezone.now()
    assert learning_services.course_exam_pass_record(
        member=member, course_id=course.pk, passed_at=now, score=Decimal("90")
    )
    assert not CourseCompletion.objects.exists()
    learning_services.lesson_mark_completed(
        member=member, lesson_id=lesson.pk, via="online", now=now
    )
    completion = CourseCompletion.objects.get(member=member, course=course)
    assert completion.completed_at == now
    sources = set(CreditRecord.objects.values_list("source", flat=True))
    assert sources == {"exam", "course"}


def test_lessons_alone_do_not_complete_a_course_requiring_its_exam(
    member, course, lesson
):
    _require_exam(course)
    learning_services.lesson_mark_completed(
        member=member, lesson_id=lesson.pk, via="online", now=timezone.now()
    )
    assert not CourseCompletion.objects.exists()
    archive = learning_selectors.member_archive(member=member)
    assert archive["exams"] == []


def test_a_pass_is_recorded_once_with_the_rules_hours(member, course):
    rule = CreditHourRule.load()
    rule.exam_pass_hours = Decimal("1.5")
    rule.save()
    now = timezone.now()
    first = learning_services.course_exam_pass_record(
        member=member, course_id=course.pk, passed_at=now, score=80
    )
    again = learning_services.course_exam_pass_record(
        member=member, course_id=course.pk, passed_at=now, score=100
    )
    assert (first, again) == (True, False)
    assert ExamPass.objects.get().score == Decimal("80.00")
    assert CreditRecord.objects.get(source="exam").hours == Decimal("1.50")
    archive = learning_selectors.member_archive(member=member)
    assert [e["course_id"] for e in archive["exams"]] == [course.pk]


def test_no_hours_when_the_rule_gives_none(member, course):
    rule = CreditHourRule.load()
    rule.exam_pass_hours = Decimal("0")
    rule.save()
    learning_services.course_exam_pass_record(
        member=member, course_id=course.pk, passed_at=timezone.now(), score=60
    )
    assert not CreditRecord.objects.exists()


def test_courses_without_the_requirement_complete_by_their_lessons(
    member, course, lesson
):
    learning_services.lesson_mark_completed(
        member=member, lesson_id=lesson.pk, via="online", now=timezone.now()
    )
    assert CourseCompletion.objects.filter(course=course).exists()


def test_a_failed_exam_records_nothing(member, exam, bank, client_for):
    from tests.assessment.conftest import call

    client = client_for(member.user)
    attempt = call(client, "POST", f"quizzes/{exam.pk}/attempts").json()
    result = call(client, "POST", f"attempts/{attempt['id']}/submit").json()
    assert result["result"]["passed"] is False
    assert not ExamPass.objects.exists()

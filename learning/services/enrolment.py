"""选课: a member's self-enrolment in an elective course."""

from __future__ import annotations

from cms.models import CoursePage
from cms.selectors import pages_visible_to_public
from learning.errors import CourseNotFound, NotElective, OutOfReach
from learning.models import Enrolment, Member


def enrolment_create(*, member: Member, course_id: int) -> Enrolment:
    """Self-enrol the member in an elective course (idempotent).

    Raises CourseNotFound (no such live, public course), NotElective (a compulsory
    course: those are assigned), OutOfReach (not meant for the member's type).
    """
    course = (
        pages_visible_to_public(queryset=CoursePage.objects.filter(pk=course_id))
        .specific()
        .first()
    )
    if course is None:
        raise CourseNotFound(f"课程 {course_id} 不存在或未发布")
    if course.category != CoursePage.Category.ELECTIVE:
        raise NotElective("必修课程由组织指派，不能自行选课")
    types = course.intended_member_types or []
    if types and member.member_type not in types:
        raise OutOfReach("该课程不面向您的党员类别", code="course_out_of_reach")
    enrolment, _ = Enrolment.objects.get_or_create(member=member, course=course)
    return enrolment

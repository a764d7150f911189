"""What is required of whom: the lessons a course requires (and so how far a member
is through it), the courses a topic requires, and the assignments that reach a
member.

The links between topics, courses and lessons are cms's; they are read through
``cms.selectors``.
"""

from __future__ import annotations

from collections.abc import Iterable

from wagtail.models import Page

from cms.models import TopicPage
from cms.selectors import course_lesson_links, topic_course_links
from learning.models import Assignment, Enrolment, Member
from learning.selectors.scoping import organisation_prefixes


def assignments_for_member(*, member: Member) -> list[Assignment]:
    """Assignments whose subtree holds the member's organisation and whose member
    types include the member's type."""
    candidates = Assignment.objects.filter(
        organisation__path__in=organisation_prefixes(path=member.organisation.path)
    ).select_related("content", "organisation")
    return [
        a
        for a in candidates
        if not a.member_types or member.member_type in a.member_types
    ]


def _flagged_or_all(links: list[tuple[int, bool]]) -> list[int]:
    """The ids flagged as required, or every id when none is flagged."""
    flagged = [item for item, is_flagged in links if is_flagged]
    return flagged or [item for item, _ in links]


def topic_required_course_ids(*, topic_id: int) -> list[int]:
    """The courses a topic requires: those flagged 必学, or all when none is."""
    return _flagged_or_all(
        [
            (link.course_id, link.required)
            for link in topic_course_links(topic_ids=[topic_id])
        ]
    )


def course_required_lesson_ids(*, course_id: int) -> list[int]:
    """The lessons a course requires: those flagged 必学, or all when none is."""
    return _flagged_or_all(
        [
            (link.lesson_id, link.compulsory)
            for link in course_lesson_links(course_ids=[course_id])
        ]
    )


def course_progress_percent(
    *, completed: bool, lessons: Iterable[tuple[bool, bool]]
) -> int:
    """How far a member is through a course, 0 to 100: 100 once the course is
    completed; otherwise the share of the lessons that count which the member
    completed. ``lessons`` are the course's listed lessons as (必修 flag, completed)
    pairs; those flagged 必修 count, or all when none is (the rule of
    ``course_required_lesson_ids``). Raises nothing."""
    if completed:
        return 100
    counted = _flagged_or_all([(done, compulsory) for compulsory, done in lessons])
    if not counted:
        return 0
    return round(100 * sum(counted) / len(counted))


def course_ids_required_by(*, content: Page) -> list[int]:
    """The courses an assignment of ``content`` (a course or a topic) requires."""
    if content.specific_class is TopicPage:
        return topic_required_course_ids(topic_id=content.pk)
    return [content.pk]


def member_is_enrolled(*, member: Member, course_id: int) -> bool:
    """Has the member enrolled in (选修) the course?"""
    return Enrolment.objects.filter(member=member, course_id=course_id).exists()

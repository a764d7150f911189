"""Template tags of the portal's assessment pages: thin reads through
``assessment.selectors`` (a lesson's quiz, a course's exam, the member's attempts)."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse

from assessment import selectors
from assessment.models import LiveContest, LiveItemKind, QuizAttempt

register = template.Library()

STATUS_LABELS = dict(QuizAttempt.Status.choices)
PHASE_LABELS = dict(LiveContest.Phase.choices)
ITEM_KIND_LABELS = dict(LiveItemKind.choices)


@register.filter
def attempt_status(value: str) -> str:
    """``submitted`` → ``已交卷``."""
    return STATUS_LABELS.get(value, value)


@register.filter
def live_phase(value: str) -> str:
    return PHASE_LABELS.get(value, value)


@register.filter
def live_item_kind(value: str) -> str:
    return ITEM_KIND_LABELS.get(value, value)


@register.simple_tag(takes_context=True)
def page_assessments(context, page) -> list[dict[str, Any]]:
    """The quizzes of a lesson (课后测验) or the exam of a course (结业考试), with
    the signed-in member's standing (none for anyone else)."""
    member = context.get("portal_member")
    return [
        {
            **selectors.quiz_summary(quiz=quiz, member=member),
            "url": reverse("portal:quiz", args=[quiz.pk]),
        }
        for quiz in selectors.quizzes_for_page(page_id=page.pk)
    ]


@register.simple_tag(takes_context=True)
def member_assessment_history(context, limit: int = 20) -> list[dict[str, Any]]:
    """The signed-in member's attempts (quizzes, exams, contests), newest first."""
    member = context.get("portal_member")
    if member is None:
        return []
    return selectors.member_attempts(member=member)[:limit]

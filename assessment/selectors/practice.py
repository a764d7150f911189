"""What a member sees of the day's practice and of the wrong-answer book."""

from __future__ import annotations

from typing import Any

from assessment.models import DailyPractice, DailyPracticeItem, WrongAnswer
from assessment.scoring import question_content, question_key
from learning.models import Member


def practice_item_view(item: DailyPracticeItem) -> dict[str, Any]:
    """One question of the day's practice; once answered, with the key, whether
    the answer was right and the explanation."""
    question = item.question
    view: dict[str, Any] = {
        "id": question.pk,
        "position": item.position,
        **question_content(question),
        "answer": item.answer,
        "answered": item.answered_at is not None,
    }
    if item.answered_at is not None:
        view.update(
            {
                "correct": item.correct,
                "key": question_key(question),
                "explanation": question.explanation,
            }
        )
    return view


def practice_view(*, practice: DailyPractice) -> dict[str, Any]:
    """The day's practice: its questions, answered or not. Raises nothing."""
    items = list(
        practice.items.select_related("question")
        .prefetch_related("question__options")
        .order_by("position")
    )
    return {
        "day": practice.day,
        "question_count": len(items),
        "answered_count": sum(1 for item in items if item.answered_at),
        "questions": [practice_item_view(item) for item in items],
    }


def wrong_answer_view(entry: WrongAnswer) -> dict[str, Any]:
    question = entry.question
    return {
        "id": question.pk,
        **question_content(question),
        "key": question_key(question),
        "explanation": question.explanation,
        "times_wrong": entry.times_wrong,
        "last_wrong_at": entry.last_wrong_at,
        "answered_right": entry.resolved_at is not None,
        "answered_right_at": entry.resolved_at,
    }


def wrong_answers_for_member(
    *, member: Member, offset: int = 0, limit: int = 50
) -> tuple[int, list[dict[str, Any]]]:
    """The member's wrong-answer book, most recent first: ``(count, page)``; each
    with the question, its key and explanation. Raises nothing."""
    entries = WrongAnswer.objects.filter(member_id=member.pk)
    page = (
        entries.select_related("question")
        .prefetch_related("question__options")
        .order_by("-last_wrong_at", "-pk")[offset : offset + limit]
    )
    return entries.count(), [wrong_answer_view(entry) for entry in page]

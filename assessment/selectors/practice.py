"""What a member sees of the day's practice and of the wrong-answer book: keys,
right/wrong and explanations only as ``assessment.selectors.keys`` allows (a
question held back shows ``held_back`` and no key)."""

from __future__ import annotations

from typing import Any

from assessment.models import DailyPractice, DailyPracticeItem, WrongAnswer
from assessment.scoring import question_content, question_key
from assessment.selectors.keys import answer_keys_shown
from learning.models import Member


def practice_item_view(
    item: DailyPracticeItem, *, key_shown: bool | None = None
) -> dict[str, Any]:
    """One question of the day's practice; once answered, with the key, whether
    the answer was right and the explanation, if the key rule allows
    (``key_shown``: what the caller already asked it). Raises nothing."""
    question = item.question
    if key_shown is None:
        key_shown = bool(answer_keys_shown(question_ids=[question.pk]))
    view: dict[str, Any] = {
        "id": question.pk,
        "position": item.position,
        **question_content(question),
        "answer": item.answer,
        "answered": item.answered_at is not None,
        "held_back": not key_shown,
    }
    if item.answered_at is not None and key_shown:
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
    shown = answer_keys_shown(question_ids=[item.question_id for item in items])
    return {
        "day": practice.day,
        "question_count": len(items),
        "answered_count": sum(1 for item in items if item.answered_at),
        "questions": [
            practice_item_view(item, key_shown=item.question_id in shown)
            for item in items
        ],
    }


def wrong_answer_view(entry: WrongAnswer, *, key_shown: bool) -> dict[str, Any]:
    """One entry of the book: the question and, if the key rule allows
    (``key_shown``), its key and explanation."""
    question = entry.question
    return {
        "id": question.pk,
        **question_content(question),
        "key": question_key(question) if key_shown else None,
        "explanation": question.explanation if key_shown else None,
        "held_back": not key_shown,
        "times_wrong": entry.times_wrong,
        "last_wrong_at": entry.last_wrong_at,
        "answered_right": entry.resolved_at is not None,
        "answered_right_at": entry.resolved_at,
    }


def wrong_answers_for_member(
    *, member: Member, offset: int = 0, limit: int = 50
) -> tuple[int, list[dict[str, Any]]]:
    """The member's wrong-answer book, most recent first: ``(count, page)``; each
    with the question and, as the key rule allows, its key and explanation (while
    held back, e.g. by a contest that is not over, neither). Raises nothing."""
    entries = WrongAnswer.objects.filter(member_id=member.pk)
    page = list(
        entries.select_related("question")
        .prefetch_related("question__options")
        .order_by("-last_wrong_at", "-pk")[offset : offset + limit]
    )
    shown = answer_keys_shown(question_ids=[entry.question_id for entry in page])
    return entries.count(), [
        wrong_answer_view(entry, key_shown=entry.question_id in shown) for entry in page
    ]

"""Quizzes a member may take, their attempts and what an attempt shows.

What an attempt shows never holds the key while it is open; once it is closed, the
key, right/wrong and the explanation are shown as the key rule
(``assessment.selectors.keys``) allows, and the score always.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Max
from django.utils import timezone
from wagtail.models import Page

from assessment.models import AttemptQuestion, Quiz, QuizAttempt
from assessment.selectors.keys import answer_keys_shown
from cms.selectors import pages_visible_to_public
from learning.models import Member

MEMBER_QUIZ_KINDS = (Quiz.Kind.LESSON, Quiz.Kind.COURSE)
CLOSED = (QuizAttempt.Status.SUBMITTED, QuizAttempt.Status.TIMED_OUT)


def quizzes_available() -> Any:
    """Active lesson quizzes and course exams on live, public pages."""
    return Quiz.objects.filter(
        active=True,
        kind__in=MEMBER_QUIZ_KINDS,
        page__in=pages_visible_to_public(queryset=Page.objects.all()),
    )


def quiz_for_member(*, quiz_id: int) -> Quiz | None:
    """An active lesson quiz or course exam on a live, public page (None for
    anything else: drafts, restricted pages, contest papers). Raises nothing."""
    return quizzes_available().filter(pk=quiz_id).select_related("page").first()


def quizzes_for_page(*, page_id: int) -> list[Quiz]:
    """The quizzes (or the exam) of a lesson or a course. Raises nothing."""
    return list(quizzes_available().filter(page_id=page_id).order_by("pk"))


def quiz_question_count(quiz: Quiz) -> int:
    if quiz.selection == Quiz.Selection.FIXED:
        return quiz.quiz_questions.filter(question__active=True).count()
    return quiz.draw_count


def quiz_summary(*, quiz: Quiz, member: Member | None) -> dict[str, Any]:
    """A quiz's rules and the member's standing: attempts used and left, best score,
    passed, the attempt still open. Raises nothing."""
    mine = QuizAttempt.objects.filter(quiz=quiz, member_id=member.pk if member else 0)
    used = mine.count()
    best = mine.filter(status__in=CLOSED).aggregate(best=Max("score"))["best"]
    open_attempt = mine.filter(status=QuizAttempt.Status.OPEN).first()
    return {
        "id": quiz.pk,
        "title": quiz.title,
        "kind": quiz.kind,
        "page_id": quiz.page_id,
        "question_count": quiz_question_count(quiz),
        "time_limit_minutes": quiz.time_limit_minutes,
        "max_attempts": quiz.max_attempts,
        "pass_mark": quiz.pass_mark,
        "show_explanations": quiz.show_explanations,
        "attempts_used": used,
        "attempts_left": max(0, quiz.max_attempts - used)
        if quiz.max_attempts
        else None,
        "best_score": best,
        "passed": mine.filter(passed=True).exists(),
        "open_attempt_id": open_attempt.pk if open_attempt else None,
    }


def attempt_for_member(*, member: Member, attempt_id: int) -> QuizAttempt | None:
    """The member's attempt with that id (None for anyone else's). Raises
    nothing."""
    return (
        QuizAttempt.objects.select_related("quiz")
        .filter(pk=attempt_id, member_id=member.pk)
        .first()
    )


def _question_view(item: AttemptQuestion, reveal: bool) -> dict[str, Any]:
    content = item.content
    view: dict[str, Any] = {
        "id": item.question_id,
        "position": item.position,
        "kind": content["kind"],
        "stem": content["stem"],
        "options": content.get("options", []),
        "answer": item.answer,
    }
    if reveal:
        view.update(
            {"correct": item.correct, "key": item.key, "explanation": item.explanation}
        )
    return view


def attempt_view(
    *, attempt: QuizAttempt, now: datetime | None = None
) -> dict[str, Any]:
    """What the member sees of an attempt: the questions as drawn (options in this
    attempt's order) with their saved answers, the deadline and the server's time;
    once closed the result and, if the quiz shows them, the key, right/wrong and
    explanations (for a contest only once the contest has closed), question by
    question as ``keys.answer_keys_shown`` allows. Raises nothing."""
    now = now or timezone.now()
    quiz = attempt.quiz
    closed = not attempt.is_open
    items = list(attempt.questions.order_by("position"))
    shown = (
        answer_keys_shown(
            question_ids=[item.question_id for item in items], quiz=quiz, now=now
        )
        if closed
        else set()
    )
    return {
        "id": attempt.pk,
        "quiz": {"id": quiz.pk, "title": quiz.title, "kind": quiz.kind},
        "number": attempt.number,
        "status": attempt.status,
        "started_at": attempt.started_at,
        "deadline": attempt.deadline,
        "server_time": now,
        "remaining_seconds": 0.0
        if closed
        else max(0.0, round((attempt.deadline - now).total_seconds(), 3)),
        "question_count": len(items),
        "answered_count": sum(1 for item in items if item.answer),
        "questions": [
            _question_view(item, item.question_id in shown) for item in items
        ],
        "result": {
            "closed_at": attempt.closed_at,
            "elapsed_seconds": attempt.elapsed_seconds,
            "correct_count": attempt.correct_count,
            "score": attempt.score,
            "pass_mark": quiz.pass_mark,
            "passed": bool(attempt.passed),
        }
        if closed
        else None,
    }


def member_attempts(*, member: Member, quiz_id: int | None = None) -> list[dict]:
    """The member's attempts (newest first) with their results: the assessment part
    of the learning archive. Raises nothing."""
    rows = QuizAttempt.objects.filter(member_id=member.pk).select_related(
        "quiz", "quiz__online_contest"
    )
    if quiz_id is not None:
        rows = rows.filter(quiz_id=quiz_id)
    result = []
    for attempt in rows.order_by("-started_at", "-pk"):
        quiz = attempt.quiz
        contest = getattr(quiz, "online_contest", None)
        result.append(
            {
                "id": attempt.pk,
                "quiz_id": quiz.pk,
                "quiz_title": quiz.title,
                "kind": quiz.kind,
                "page_id": quiz.page_id,
                "contest_id": contest.pk if contest else None,
                "number": attempt.number,
                "status": attempt.status,
                "started_at": attempt.started_at,
                "deadline": attempt.deadline,
                "closed_at": attempt.closed_at,
                "score": attempt.score,
                "passed": attempt.passed,
            }
        )
    return result

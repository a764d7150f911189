"""When an answer key may reach a member: the one rule every route asks (an
attempt's result, daily practice, the wrong-answer book, the API and the portal
alike) and the wrong-answer book is written by.

A key reaches a member together with whether their answer was right and the
explanation (which usually gives the key away as well), and only when

- the question is not **held back**: no contest that is not over may put it before
  members (an online contest until it closes, upcoming ones included: its fixed
  list, or every question its random draw may take; a live contest until it has
  finished: its items), and no active quiz or exam that keeps its answers hidden
  (``show_explanations`` off) may draw it, since that quiz's next attempt would
  otherwise score 100;
- and, seen through an attempt, the attempt is closed, its quiz shows its answers
  (``show_explanations``) and, for a contest paper, the contest has closed.

A contest that draws at random from the whole bank holds back the whole bank while
it runs: give a contest's questions a tag (``draw_tags``) to hold back only those.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.db.models import Q, QuerySet
from django.utils import timezone

from assessment.models import (
    LiveContest,
    LiveContestItem,
    OnlineContest,
    Question,
    Quiz,
)
from cms.selectors import course_lesson_links


def quiz_linked_page_ids(*, quiz: Quiz) -> list[int]:
    """The quiz's page and, for a course, its lessons' pages. Raises nothing."""
    if quiz.page_id is None:
        return []
    lessons = course_lesson_links(course_ids=[quiz.page_id])
    return [quiz.page_id, *(link.lesson_id for link in lessons)]


def quiz_question_pool(*, quiz: Quiz) -> QuerySet[Question]:
    """Every question a new attempt at ``quiz`` may draw: the active questions of
    its fixed list, or the active ones matching its random draw (tags, difficulty
    and, when ``draw_linked_only``, its lesson or course with the course's
    lessons). May hold a question more than once. Raises nothing."""
    if quiz.selection == Quiz.Selection.FIXED:
        return Question.objects.filter(active=True, quiz_links__quiz=quiz)
    pool = Question.objects.filter(
        active=True,
        difficulty__gte=quiz.draw_difficulty_min,
        difficulty__lte=quiz.draw_difficulty_max,
    )
    if quiz.draw_tag_list:
        pool = pool.filter(tags__name__in=quiz.draw_tag_list)
    if quiz.draw_linked_only and quiz.page_id:
        pool = pool.filter(page_id__in=quiz_linked_page_ids(quiz=quiz))
    return pool


def questions_held_back(*, now: datetime | None = None) -> QuerySet[Question]:
    """The questions whose keys no member may see now (see the module's rule): on
    the paper of an online contest not yet closed, among the items of a live
    contest not finished, or in the pool of an active quiz or exam that keeps its
    answers hidden. Raises nothing."""
    now = now or timezone.now()
    held = Q(
        pk__in=LiveContestItem.objects.exclude(
            contest__status=LiveContest.Status.FINISHED
        ).values("question_id")
    )
    papers = [
        contest.quiz
        for contest in OnlineContest.objects.filter(closes_at__gt=now).select_related(
            "quiz"
        )
    ]
    papers += Quiz.objects.filter(active=True, show_explanations=False).exclude(
        kind=Quiz.Kind.CONTEST
    )
    for paper in papers:
        held |= Q(pk__in=quiz_question_pool(quiz=paper).values("pk"))
    return Question.objects.filter(held)


def question_ids_held_back(
    *, question_ids: Iterable[int], now: datetime | None = None
) -> set[int]:
    """Those of ``question_ids`` that are held back now. Raises nothing."""
    ids = set(question_ids)
    if not ids:
        return set()
    return set(
        questions_held_back(now=now).filter(pk__in=ids).values_list("pk", flat=True)
    )


def quiz_keys_may_show(*, quiz: Quiz, now: datetime | None = None) -> bool:
    """Whether a closed attempt at ``quiz`` may show keys at all: the quiz shows its
    answers and, for a contest paper, the contest has closed. Raises nothing."""
    if not quiz.show_explanations:
        return False
    if quiz.kind != Quiz.Kind.CONTEST:
        return True
    now = now or timezone.now()
    contest = OnlineContest.objects.filter(quiz=quiz).first()
    return contest is None or now >= contest.closes_at


def answer_keys_shown(
    *,
    question_ids: Iterable[int],
    quiz: Quiz | None = None,
    now: datetime | None = None,
) -> set[int]:
    """Those of ``question_ids`` whose key, right/wrong and explanation may reach a
    member now; ``quiz`` when they are seen through a closed attempt at it (the
    caller shows nothing of an open attempt). Raises nothing."""
    now = now or timezone.now()
    ids = set(question_ids)
    if quiz is not None and not quiz_keys_may_show(quiz=quiz, now=now):
        return set()
    return ids - question_ids_held_back(question_ids=ids, now=now)

"""Demo data for assessment: a bank of party-history and 二十届三中全会 questions tied
to the demo lessons and courses, a quiz per demo lesson, an exam per compulsory
course, an online contest open now and a live contest ready to run. Safe to run
again: the same questions, quizzes and contests come out, and the live contest is
brought back to its start (no devices, answers or scores).

Called by ``manage.py load_demo`` after the content and the learning demo exist
(``assessment_demo_load(stdout=...)``); without content the questions are loaded
unattached and no lesson quizzes or exams are made.
"""

from __future__ import annotations

import sys
from datetime import datetime, time, timedelta
from typing import TextIO

from django.db import transaction
from django.utils import timezone
from wagtail.models import Page

from assessment import demo_data, services
from assessment.models import (
    LiveContest,
    LiveContestItem,
    LiveTeam,
    OnlineContest,
    Question,
    Quiz,
    QuizQuestion,
)
from assessment.services import QuestionData
from cms.models import CoursePage, MicroLessonPage
from cms.selectors import pages_visible_to_public
from dangke.progress import ProgressBar
from learning.models import Organisation

DISTRICT_CODE = "YX"  # learning.demo's district


def assessment_demo_load(*, stdout: TextIO | None = None) -> None:
    """Build (or bring back to) the assessment demo; idempotent."""
    out = stdout or sys.stdout
    with transaction.atomic():
        questions = _questions(out)
        quizzes = _quizzes(questions)
        district = Organisation.objects.filter(code=DISTRICT_CODE).first()
        district = district or Organisation.objects.filter(parent=None).first()
        contests = []
        if district is not None:
            contests = [_online_contest(district), _live_contest(district, questions)]
    out.write(
        f"assessment demo: {len(questions)} questions, {quizzes} quizzes and exams, "
        f"{len(contests)} contests\n"
    )


def _data(kind: str, stem: str, answer, explanation: str, difficulty: int, tags):
    data = QuestionData(
        kind=kind,
        stem=stem,
        explanation=explanation,
        difficulty=difficulty,
        tags=list(tags),
    )
    if kind in ("single", "multiple"):
        data.options = [(text.removesuffix("*"), text.endswith("*")) for text in answer]
    elif kind == "true_false":
        data.is_true = bool(answer)
    else:
        data.accepted = list(answer)
    return data


def _page(key: str) -> Page | None:
    if key.startswith("course:"):
        model, slug = CoursePage, key.removeprefix("course:")
    else:
        model, slug = MicroLessonPage, key
    return model.objects.filter(slug=slug).first()


def _questions(out: TextIO) -> dict[str, Question]:
    """The bank, by stem."""
    bar = ProgressBar(len(demo_data.QUESTIONS), "题库", stream=out)
    pages: dict[str, Page | None] = {}
    result: dict[str, Question] = {}
    for key, kind, stem, answer, explanation, difficulty, tags in demo_data.QUESTIONS:
        if key not in pages:
            pages[key] = _page(key)
        question, _ = services.question_upsert(
            data=_data(kind, stem, answer, explanation, difficulty, tags),
            page=pages[key],
        )
        result[stem] = question
        bar.advance()
    return result


def _quiz(kind: str, page: Page, title: str, **fields) -> Quiz:
    quiz = Quiz.objects.filter(kind=kind, page=page).order_by("pk").first()
    quiz = quiz or Quiz(kind=kind, page=page)
    quiz.title = title
    for name, value in fields.items():
        setattr(quiz, name, value)
    quiz.save()
    return quiz


def _quizzes(questions: dict[str, Question]) -> int:
    made = 0
    lessons = pages_visible_to_public(queryset=MicroLessonPage.objects.all())
    for lesson in lessons.filter(questions__isnull=False).distinct():
        quiz = _quiz(
            Quiz.Kind.LESSON,
            lesson,
            f"课后测验：{lesson.title}",
            selection=Quiz.Selection.FIXED,
            **demo_data.LESSON_QUIZ,
        )
        wanted = list(Question.objects.filter(page=lesson).order_by("pk")[:5])
        if list(quiz.quiz_questions.values_list("question_id", flat=True)) != [
            q.pk for q in wanted
        ]:
            quiz.quiz_questions.all().delete()
            QuizQuestion.objects.bulk_create(
                QuizQuestion(quiz=quiz, question=q, sort_order=i)
                for i, q in enumerate(wanted)
            )
        made += 1
    courses = pages_visible_to_public(
        queryset=CoursePage.objects.filter(category=CoursePage.Category.COMPULSORY)
    )
    for course in courses:
        _quiz(
            Quiz.Kind.COURSE,
            course,
            f"结业考试：{course.title}",
            selection=Quiz.Selection.RANDOM,
            draw_linked_only=True,
            **demo_data.COURSE_EXAM,
        )
        made += 1
    return made


def _online_contest(district: Organisation) -> OnlineContest:
    spec = demo_data.ONLINE_CONTEST
    contest = OnlineContest.objects.filter(title=spec["title"]).first()
    paper = contest.quiz if contest else Quiz(kind=Quiz.Kind.CONTEST)
    paper.title = f"{spec['title']}试卷"
    paper.selection = Quiz.Selection.RANDOM
    paper.draw_count = spec["draw_count"]
    paper.draw_tags = spec["draw_tags"]
    paper.draw_linked_only = False
    paper.time_limit_minutes = spec["time_limit_minutes"]
    paper.max_attempts = 1
    paper.save()
    today = timezone.localdate()
    contest = contest or OnlineContest(title=spec["title"], quiz=paper)
    contest.description = spec["description"]
    contest.organisation = district
    contest.opens_at = timezone.make_aware(
        datetime.combine(today - timedelta(days=1), time(8))
    )
    contest.closes_at = timezone.make_aware(
        datetime.combine(today + timedelta(days=spec["days_open"]), time(22))
    )
    contest.save()
    return contest


def _live_contest(
    district: Organisation, questions: dict[str, Question]
) -> LiveContest:
    spec = demo_data.LIVE_CONTEST
    contest = LiveContest.objects.filter(title=spec["title"]).first()
    contest = contest or LiveContest(title=spec["title"])
    contest.organisation = district
    contest.hall = spec["hall"]
    contest.starts_at = timezone.make_aware(
        datetime.combine(timezone.localdate() + timedelta(days=7), time(14, 30))
    )
    # Ready to run: back to the start, with no phones, answers or scores.
    contest.status = LiveContest.Status.WAITING
    contest.phase = LiveContest.Phase.IDLE
    contest.current_item = None
    contest.opened_at = contest.closes_at = None
    contest.version += 1
    contest.save()
    branches = list(
        Organisation.objects.filter(
            path__startswith=district.path, kind=Organisation.Kind.BRANCH
        ).order_by("path")[:4]
    )
    names = [b.name for b in branches] or ["第一代表队", "第二代表队", "第三代表队"]
    for index, name in enumerate(names):
        team = contest.teams.filter(name=name).first()
        team = team or LiveTeam(contest=contest, name=name)
        team.sort_order = index
        team.score = 0
        team.save()
        team.devices.all().delete()
    contest.teams.exclude(name__in=names).delete()
    contest.items.all().delete()  # answers and stakes go with them
    LiveContestItem.objects.bulk_create(
        LiveContestItem(
            contest=contest,
            question=questions[stem],
            kind=kind,
            points=points or 10,
            answer_seconds=20 if kind == "buzzer" else 30,
            sort_order=index,
        )
        for index, (kind, stem, points) in enumerate(spec["items"])
    )
    return contest

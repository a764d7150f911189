"""The assessment demo: a real bank tied to the demo lessons, quizzes, exams and
contests, the same every time it runs."""

from __future__ import annotations

import io

from assessment import demo_data
from assessment.demo import assessment_demo_load
from assessment.models import (
    LiveContest,
    LiveContestItem,
    LiveTeam,
    OnlineContest,
    Question,
    QuestionOption,
    Quiz,
    QuizQuestion,
)
from assessment.services import QuestionData
from cms.demo import demo_content_load
from cms.models import CoursePage, MicroLessonPage
from learning.demo import learning_demo_load


def _counts():
    return {
        model.__name__: model.objects.count()
        for model in (
            Question, QuestionOption, Quiz, QuizQuestion, OnlineContest,
            LiveContest, LiveTeam, LiveContestItem,
        )
    }  # fmt: skip


def test_every_demo_question_is_well_formed():
    from assessment.demo import _data

    assert len(demo_data.QUESTIONS) >= 60
    stems = [row[2] for row in demo_data.QUESTIONS]
    assert len(set(stems)) == len(stems)
    for _key, kind, stem, answer, explanation, difficulty, tags in demo_data.QUESTIONS:
        data: QuestionData = _data(kind, stem, answer, explanation, difficulty, tags)
        assert data.problems() == [], stem
        assert explanation and tags


def test_demo_builds_the_same_every_time(db):
    out = io.StringIO()
    demo_content_load(stdout=out, with_media=False)
    learning_demo_load(stdout=out)
    assessment_demo_load(stdout=out)
    first = _counts()
    assert first["Question"] == len(demo_data.QUESTIONS)
    lessons = MicroLessonPage.objects.live().filter(questions__isnull=False).distinct()
    for lesson in lessons:
        assert Quiz.objects.filter(kind="lesson", page=lesson).exists(), lesson.title
    for course in CoursePage.objects.live().filter(category="compulsory"):
        exam = Quiz.objects.get(kind="course", page=course)
        assert exam.selection == "random"
    contest = OnlineContest.objects.get()
    assert contest.organisation.code == "YX" and not contest.ranking_public
    live = LiveContest.objects.get()
    assert live.teams.count() == 4 and live.items.count() == 8
    assert live.status == "waiting"
    assert Question.objects.filter(page__isnull=True).count() == 0
    assessment_demo_load(stdout=out)
    assert _counts() == first
    assert "assessment demo: 67 questions" in out.getvalue()


def test_demo_without_content_still_loads_the_bank(db):
    assessment_demo_load(stdout=io.StringIO())
    assert Question.objects.count() == len(demo_data.QUESTIONS)
    assert not Quiz.objects.exists()

"""Fixtures of the assessment area: an organisation tree with members, a course with
its lessons, a small question bank, quizzes, an open contest, and a server clock
tests move."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest
from django.test import Client

from assessment import services
from assessment.models import OnlineContest, Quiz, QuizQuestion
from assessment.services import QuestionData
from tests import factories

API = "/api/v3/assessment"


@pytest.fixture(autouse=True)
def _fresh_attempt_sheets():
    """Cached attempt sheets never leak between tests (tests/conftest.py forgets the
    rest: rate limits, members, tokens, lessons)."""
    services.attempt_sheets_forget()
    yield
    services.attempt_sheets_forget()


@pytest.fixture
def other_member(tree):
    return factories.member(organisation=tree["branch2"], username="other")


@pytest.fixture
def lesson(section):
    return factories.lesson(section, title="中共三大", duration=600)


@pytest.fixture
def course(section, lesson):
    return factories.course(
        section, title="党史必修", lessons=[lesson], credit_hours=None
    )


def single(stem: str, right: str = "对", wrong=("错1", "错2"), **extra):
    options = [(right, True), *((text, False) for text in wrong)]
    return QuestionData(kind="single", stem=stem, options=options, **extra)


@pytest.fixture
def make_question(db):
    def make(data: QuestionData | None = None, *, page=None, **fields):
        data = data or single(fields.pop("stem", "题干"), **fields)
        return services.question_create(data=data, page=page)

    return make


@pytest.fixture
def bank(make_question, lesson):
    """One question of each kind, tied to the lesson."""
    return {
        "single": make_question(
            single("中共一大在哪一年召开？", "1921年", ("1923年", "1927年")),
            page=lesson,
        ),
        "multiple": make_question(
            QuestionData(
                kind="multiple",
                stem="中共一大的会址在哪些地方？",
                options=[("上海", True), ("嘉兴南湖", True), ("广州", False)],
                explanation="会议在上海开幕，最后一天转到嘉兴南湖的游船上。",
            ),
            page=lesson,
        ),
        "true_false": make_question(
            QuestionData(
                kind="true_false", stem="遵义会议于1935年1月召开。", is_true=True
            ),
            page=lesson,
        ),
        "fill_blank": make_question(
            QuestionData(
                kind="fill_blank",
                stem="中共三大于1923年6月在____召开。",
                accepted=["广州", "广州市"],
            ),
            page=lesson,
        ),
    }


def fixed_quiz(page, questions, **fields) -> Quiz:
    quiz = Quiz.objects.create(
        title=fields.pop("title", "课后测验"),
        kind=fields.pop("kind", Quiz.Kind.LESSON),
        page=page,
        **fields,
    )
    for index, question in enumerate(questions):
        QuizQuestion.objects.create(quiz=quiz, question=question, sort_order=index)
    return quiz


def online_contest(
    organisation,
    questions,
    *,
    opens_at: datetime,
    closes_at: datetime,
    title: str = "党史知识竞赛",
    **paper_fields,
) -> OnlineContest:
    """A contest of ``organisation`` open from ``opens_at`` to ``closes_at`` on a
    fixed contest paper of ``questions`` (``paper_fields`` set on the paper)."""
    paper = fixed_quiz(
        None, questions, title="竞赛试卷", kind=Quiz.Kind.CONTEST, **paper_fields
    )
    return OnlineContest.objects.create(
        title=title,
        organisation=organisation,
        quiz=paper,
        opens_at=opens_at,
        closes_at=closes_at,
    )


@pytest.fixture
def contest(tree, bank, clock):
    """The district's contest on the whole bank, open for an hour either side of
    now."""
    now = clock()
    return online_contest(
        tree["district"],
        list(bank.values()),
        opens_at=now - timedelta(hours=1),
        closes_at=now + timedelta(hours=1),
    )


@pytest.fixture
def quiz(lesson, bank):
    return fixed_quiz(lesson, list(bank.values()), time_limit_minutes=10)


@pytest.fixture
def exam(course, bank):
    return fixed_quiz(
        course,
        list(bank.values()),
        title="结业考试",
        kind=Quiz.Kind.COURSE,
        pass_mark=75,
        max_attempts=2,
    )


def right_answer(question) -> dict:
    """The body of a right answer to ``question`` (a bank Question)."""
    if question.kind in ("single", "multiple"):
        return {"options": [o.pk for o in question.options.all() if o.correct]}
    if question.kind == "true_false":
        return {"value": question.is_true}
    return {"text": question.accepted_answer_list[0]}


def wrong_answer(question) -> dict:
    if question.kind == "single":
        return {"options": [o.pk for o in question.options.all() if not o.correct][:1]}
    if question.kind == "multiple":
        return {"options": [o.pk for o in question.options.all()][:1]}
    if question.kind == "true_false":
        return {"value": not question.is_true}
    return {"text": "不知道"}


def call(client: Client, method: str, url: str, body=None, token=None, **headers):
    if token:
        headers["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    kwargs = {"content_type": "application/json", **headers}
    if body is not None:
        kwargs["data"] = json.dumps(body)
    return getattr(client, method.lower())(
        url if url.startswith("/") else f"{API}/{url}", **kwargs
    )

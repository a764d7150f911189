"""Under real concurrency (threads on PostgreSQL): exactly one buzzer winner, the
earliest right answer by the server's clock; the attempt limit holds."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from assessment import services
from assessment.models import (
    LiveAnswer,
    LiveContest,
    LiveContestItem,
    LiveTeam,
    QuizAttempt,
)
from tests.assessment.conftest import fixed_quiz, right_answer, single, wrong_answer
from tests.helpers import run_in_threads
from tests.services import postgres_only

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture(autouse=True)
def _needs_postgres():
    postgres_only(
        "row locks under real concurrency need PostgreSQL; SQLite serialises "
        "writers anyway (test_live covers the constraint there)"
    )


def test_concurrent_buzzer_answers_have_exactly_one_winner(tree, make_question):
    question = make_question(single("抢答题"))
    contest = LiveContest.objects.create(
        title="并发擂台", organisation=tree["district"]
    )
    item = LiveContestItem.objects.create(
        contest=contest, question=question, kind="buzzer", points=10
    )
    teams = [
        LiveTeam.objects.create(contest=contest, name=f"队{n}", sort_order=n)
        for n in range(12)
    ]
    now = timezone.now()
    LiveContest.objects.filter(pk=contest.pk).update(
        status="running", phase="open", current_item=item,
        opened_at=now, closes_at=now + timedelta(minutes=5),
    )  # fmt: skip
    devices = [
        services.live_device_join(code=team.join_code)[0]
        for team in teams
        for _ in range(2)  # two phones per team race too
    ]

    def press(index: int):
        device = devices[index]
        body = wrong_answer(question) if index % 5 == 0 else right_answer(question)
        return lambda: services.live_answer_submit(
            device=device, team_id=device.team_id, item_id=item.pk, **body
        )

    results, errors = run_in_threads([press(i) for i in range(len(devices))])
    assert all(type(e).__name__ == "AlreadyAnswered" for e in errors), errors
    answers = list(LiveAnswer.objects.filter(item=item))
    assert len(answers) == len(teams)  # one per team, whichever phone came first
    winners = [a for a in answers if a.won]
    assert len(winners) == 1
    earliest_right = min((a for a in answers if a.correct), key=lambda a: a.answered_at)
    assert winners[0].pk == earliest_right.pk
    contest.refresh_from_db()
    # Each answer bumped the version exactly once; joins change nothing shown.
    assert contest.version == len(answers)


def test_concurrent_starts_never_exceed_the_attempt_limit(
    tree, make_question, home_page
):
    from tests import factories

    section = factories.section(home_page, title="并发", slug="concurrent-quiz")
    lesson = factories.lesson(section, duration=60)
    quiz = fixed_quiz(lesson, [make_question(single("一题"))], max_attempts=1)
    member = factories.member(organisation=tree["branch1"], username="racer")

    def start():
        return services.quiz_attempt_start(member=member, quiz=quiz)

    results, errors = run_in_threads([start] * 8)
    assert errors == []
    assert QuizAttempt.objects.filter(quiz=quiz, member=member).count() == 1
    assert len({attempt.pk for attempt, _ in results}) == 1


def test_an_answer_racing_the_submission_counts_or_is_refused(
    tree, make_question, home_page
):
    from assessment.models import AttemptQuestion
    from tests import factories

    section = factories.section(home_page, title="并发交卷", slug="concurrent-submit")
    lesson = factories.lesson(section, duration=60)
    questions = [make_question(single(f"题 {n}")) for n in range(16)]
    quiz = fixed_quiz(lesson, questions)
    member = factories.member(organisation=tree["branch1"], username="racer2")
    attempt, _ = services.quiz_attempt_start(member=member, quiz=quiz)

    def save(question):
        return lambda: (
            question.pk,
            services.attempt_answer_save(
                member=member,
                attempt_id=attempt.pk,
                question_id=question.pk,
                **right_answer(question),
            ),
        )

    def submit():
        return ("submit", services.attempt_submit(member=member, attempt_id=attempt.pk))

    results, errors = run_in_threads([save(q) for q in questions] + [submit])
    assert all(type(e).__name__ == "AttemptClosed" for e in errors), errors
    acknowledged = {pk for pk, _ in results if pk != "submit"}
    stored = {
        item.question_id: item
        for item in AttemptQuestion.objects.filter(attempt=attempt)
    }
    assert all(
        stored[pk].answer is not None and stored[pk].correct for pk in acknowledged
    )
    attempt.refresh_from_db()
    assert attempt.correct_count == len(acknowledged)
    assert len(acknowledged) + len(errors) == len(questions)

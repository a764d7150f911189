"""每日一练 and the 错题本: drawn preferring unseen and wrong questions, answered
once with the explanation at once, wrong ones kept until answered right."""

from __future__ import annotations

import random

from django.test import Client

from assessment import services
from assessment.models import DailyPractice, PracticeRule, WrongAnswer
from tests.assessment.conftest import call, right_answer, single, wrong_answer


def _bank(make_question, n: int):
    return [make_question(single(f"第 {i} 题")) for i in range(n)]


def test_today_has_five_questions_by_default_and_stays_the_same(
    member, make_question, client_for
):
    _bank(make_question, 12)
    client = client_for(member.user)
    first = call(client, "GET", "practice/today")
    assert first.status_code == 200, first.content
    body = first.json()
    assert body["question_count"] == 5
    assert '"key"' not in first.content.decode()
    again = call(client, "GET", "practice/today").json()
    assert [q["id"] for q in again["questions"]] == [q["id"] for q in body["questions"]]
    assert DailyPractice.objects.count() == 1


def test_the_setting_decides_how_many(member, make_question, client_for):
    _bank(make_question, 12)
    rule = PracticeRule.load()
    rule.questions_per_day = 3
    rule.save()
    body = call(client_for(member.user), "GET", "practice/today").json()
    assert body["question_count"] == 3


def test_draw_prefers_wrong_then_unseen(member, make_question, clock):
    questions = _bank(make_question, 10)
    now = clock()
    seen = questions[:6]
    wrong = questions[:2]
    services.daily_practice_for(member=member, day=now.date().replace(year=2000))
    # Mark six as seen (yesterday's practice) and two of them wrong.
    practice = DailyPractice.objects.get()
    practice.items.all().delete()
    for index, question in enumerate(seen):
        practice.items.create(question=question, position=index + 1)
    for question in wrong:
        services.wrong_answer_note(
            member=member, question_id=question.pk, correct=False, now=now
        )
    ids = services.daily_practice_draw(member=member, count=5, rng=random.Random(1))
    assert set(ids[:2]) == {q.pk for q in wrong}
    assert set(ids[2:]) <= {q.pk for q in questions[6:]}


def test_answer_is_checked_at_once_and_kept(member, make_question, client_for):
    _bank(make_question, 5)
    client = client_for(member.user)
    today = call(client, "GET", "practice/today").json()
    question_id = today["questions"][0]["id"]
    from assessment.models import Question

    question = Question.objects.get(pk=question_id)
    url = f"practice/today/answers/{question_id}"
    answered = call(client, "PUT", url, {**wrong_answer(question), "correct": True})
    assert answered.status_code == 200, answered.content
    body = answered.json()
    assert body["correct"] is False and body["key"]["options"]
    assert call(client, "PUT", url, wrong_answer(question)).json() == body
    changed = call(client, "PUT", url, right_answer(question))
    assert changed.status_code == 409 and changed.json()["code"] == "already_answered"
    assert WrongAnswer.objects.filter(member=member, question=question).exists()


def test_a_question_not_in_todays_practice_is_refused(
    member, make_question, client_for
):
    _bank(make_question, 5)
    client = client_for(member.user)
    call(client, "GET", "practice/today")
    stranger = make_question(single("不在今天的题"))
    response = call(client, "PUT", f"practice/today/answers/{stranger.pk}",
                    right_answer(stranger))  # fmt: skip
    assert response.status_code == 404
    assert response.json()["code"] == "question_not_in_practice"


def test_wrong_answer_book_removal_needs_a_right_answer(
    member, make_question, client_for, clock
):
    question = make_question(single("错题", explanation="因为……"))
    services.wrong_answer_note(
        member=member, question_id=question.pk, correct=False, now=clock()
    )
    client = client_for(member.user)
    book = call(client, "GET", "wrong-answers").json()
    assert book["count"] == 1
    entry = book["items"][0]
    assert entry["explanation"] == "因为……" and entry["answered_right"] is False
    refused = call(client, "DELETE", f"wrong-answers/{question.pk}")
    assert refused.status_code == 409
    assert refused.json()["code"] == "not_answered_right_yet"
    retry = call(client, "POST", f"wrong-answers/{question.pk}/retry",
                 wrong_answer(question)).json()  # fmt: skip
    assert retry == {"correct": False, "answered_right": False, "times_wrong": 2}
    retry = call(client, "POST", f"wrong-answers/{question.pk}/retry",
                 right_answer(question)).json()  # fmt: skip
    assert retry["correct"] is True and retry["answered_right"] is True
    removed = call(client, "DELETE", f"wrong-answers/{question.pk}")
    assert removed.status_code == 204
    assert not WrongAnswer.objects.exists()
    gone = call(client, "DELETE", f"wrong-answers/{question.pk}")
    assert gone.status_code == 404 and gone.json()["code"] == "wrong_answer_not_found"


def test_wrong_quiz_answers_enter_the_book_and_right_ones_resolve(
    member, quiz, bank, client_for
):
    client = client_for(member.user)
    attempt = call(client, "POST", f"quizzes/{quiz.pk}/attempts").json()
    call(client, "PUT", f"attempts/{attempt['id']}/answers/{bank['single'].pk}",
         right_answer(bank["single"]))  # fmt: skip
    call(client, "POST", f"attempts/{attempt['id']}/submit")
    in_book = set(
        WrongAnswer.objects.filter(member=member).values_list("question_id", flat=True)
    )
    assert in_book == {bank["multiple"].pk, bank["true_false"].pk,
                       bank["fill_blank"].pk}  # fmt: skip


def test_no_points_streaks_or_ranking(member, make_question, client_for):
    _bank(make_question, 5)
    body = call(client_for(member.user), "GET", "practice/today").json()
    assert set(body) == {"day", "question_count", "answered_count", "questions"}


def test_anonymous_practice_is_refused(db):
    assert call(Client(), "GET", "practice/today").status_code == 401

"""One rule decides when an answer key reaches a member (``selectors.keys``): the
attempt's result, daily practice and the wrong-answer book all ask it, and the book
holds only what it allows. A contest's keys never spread while it can still be
played; a quiz that keeps its answers hidden never shows them anywhere."""

from __future__ import annotations

import io
import json
import random
from datetime import timedelta

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from assessment import selectors, services
from assessment.errors import QuestionHeldBack
from assessment.models import (
    DailyPractice,
    DailyPracticeItem,
    LiveContest,
    LiveContestItem,
    OnlineContest,
    Quiz,
    WrongAnswer,
)
from tests import factories
from tests.assessment.conftest import (
    call,
    fixed_quiz,
    online_contest,
    right_answer,
    wrong_answer,
)


def _hand_in(client, start_url: str, bank, right: int = 1) -> dict:
    attempt = call(client, "POST", start_url)
    assert attempt.status_code == 201, attempt.content
    attempt = attempt.json()
    for question in list(bank.values())[:right]:
        call(client, "PUT", f"attempts/{attempt['id']}/answers/{question.pk}",
             right_answer(question))  # fmt: skip
    return call(client, "POST", f"attempts/{attempt['id']}/submit").json()


def _keys_in(body) -> bool:
    text = json.dumps(body, ensure_ascii=False)
    return '"key": {' in text or "广州市" in text or "会议在上海开幕" in text


def test_a_contest_fills_no_wrong_answer_book(member, contest, bank, client_for):
    """The reported leak: after handing in a contest, the book listed its questions
    with their keys."""
    client = client_for(member.user)
    result = _hand_in(client, f"contests/{contest.pk}/attempt", bank, right=1)
    assert result["result"]["correct_count"] == 1
    book = call(client, "GET", "wrong-answers").json()
    assert book == {"count": 0, "items": []}
    assert not WrongAnswer.objects.exists()


def test_after_the_contest_its_keys_show_on_the_attempt_but_not_in_the_book(
    member, contest, bank, client_for, clock
):
    client = client_for(member.user)
    result = _hand_in(client, f"contests/{contest.pk}/attempt", bank, right=1)
    assert not _keys_in(result)
    clock(2 * 3600)
    later = call(client, "GET", f"attempts/{result['id']}").json()
    assert all(question.get("key") for question in later["questions"])
    assert call(client, "GET", "wrong-answers").json()["count"] == 0


def test_a_quiz_that_hides_its_answers_fills_no_book_and_shows_no_key(
    member, lesson, bank, client_for
):
    quiz = fixed_quiz(lesson, list(bank.values()), show_explanations=False)
    client = client_for(member.user)
    result = _hand_in(client, f"quizzes/{quiz.pk}/attempts", bank, right=1)
    assert result["result"]["correct_count"] == 1 and not _keys_in(result)
    book = call(client, "GET", "wrong-answers").json()
    assert book["count"] == 0 and not _keys_in(book)
    # The second attempt knows no more than the first did.
    again = call(client, "POST", f"quizzes/{quiz.pk}/attempts")
    assert again.status_code == 201 and not _keys_in(again.json())


def test_an_entry_from_practice_hides_its_key_while_a_contest_may_draw_it(
    member, bank, client_for, clock, tree
):
    question = bank["multiple"]
    services.wrong_answer_note(
        member=member, question_id=question.pk, correct=False, now=clock()
    )
    client = client_for(member.user)
    [entry] = call(client, "GET", "wrong-answers").json()["items"]
    assert entry["held_back"] is False and entry["key"] is not None
    # An upcoming contest draws the question: its key is held back from now on.
    online_contest(
        tree["district"],
        [question],
        title="竞赛",
        opens_at=clock() + timedelta(days=1),
        closes_at=clock() + timedelta(days=2),
    )
    book = call(client, "GET", "wrong-answers").json()
    [entry] = book["items"]
    assert entry["held_back"] is True
    assert entry["key"] is None and entry["explanation"] is None
    assert "会议在上海开幕" not in json.dumps(book, ensure_ascii=False)
    # Answering again would tell right from wrong: refused while held back.
    retry = call(client, "POST", f"wrong-answers/{question.pk}/retry",
                 right_answer(question))  # fmt: skip
    assert retry.status_code == 409 and retry.json()["code"] == "question_held_back"
    assert WrongAnswer.objects.get().resolved_at is None
    clock(3 * 86400)  # the contest is over
    [entry] = call(client, "GET", "wrong-answers").json()["items"]
    assert entry["held_back"] is False and entry["key"] is not None


def test_a_random_contest_holds_back_what_it_may_draw(make_question, tree, clock, bank):
    tagged = make_question(stem="竞赛题", tags=["竞赛"])
    paper = Quiz.objects.create(
        title="竞赛试卷",
        kind=Quiz.Kind.CONTEST,
        selection=Quiz.Selection.RANDOM,
        draw_tags="竞赛",
        draw_linked_only=False,
    )
    OnlineContest.objects.create(
        title="竞赛",
        organisation=tree["district"],
        quiz=paper,
        opens_at=clock() - timedelta(hours=1),
        closes_at=clock() + timedelta(hours=1),
    )
    every = [tagged.pk, *(q.pk for q in bank.values())]
    assert selectors.answer_keys_shown(question_ids=every) == set(every) - {tagged.pk}


def test_a_live_contest_holds_back_its_items_until_it_has_finished(bank, tree, clock):
    live = LiveContest.objects.create(title="擂台赛", organisation=tree["district"])
    LiveContestItem.objects.create(
        contest=live, question=bank["single"], kind="required"
    )
    ids = [q.pk for q in bank.values()]
    assert bank["single"].pk not in selectors.answer_keys_shown(question_ids=ids)
    live.status = LiveContest.Status.FINISHED
    live.save()
    assert bank["single"].pk in selectors.answer_keys_shown(question_ids=ids)


def test_a_lesson_quiz_hides_the_key_of_a_question_a_contest_may_draw(
    member, quiz, bank, client_for, tree, clock
):
    online_contest(
        tree["district"],
        [bank["true_false"]],
        title="竞赛",
        opens_at=clock() - timedelta(hours=1),
        closes_at=clock() + timedelta(hours=1),
    )
    client = client_for(member.user)
    result = _hand_in(client, f"quizzes/{quiz.pk}/attempts", bank, right=0)
    by_id = {question["id"]: question for question in result["questions"]}
    held = by_id[bank["true_false"].pk]
    assert "key" not in held and "correct" not in held
    assert by_id[bank["single"].pk]["key"] is not None
    in_book = set(WrongAnswer.objects.values_list("question_id", flat=True))
    assert in_book == {q.pk for q in bank.values()} - {bank["true_false"].pk}


def test_practice_draws_no_held_back_question(member, make_question, lesson, bank):
    hidden = fixed_quiz(lesson, [bank["single"], bank["multiple"]],
                        show_explanations=False)  # fmt: skip
    assert hidden.active
    drawn = services.daily_practice_draw(member=member, count=10, rng=random.Random(1))
    assert set(drawn) == {bank["true_false"].pk, bank["fill_blank"].pk}


def test_a_practice_question_held_back_after_it_was_drawn_waits(
    member, bank, client_for, tree, clock
):
    question = bank["single"]
    practice = DailyPractice.objects.create(member=member, day=clock().date())
    DailyPracticeItem.objects.create(practice=practice, question=question, position=1)
    online_contest(
        tree["district"],
        [question],
        title="竞赛",
        opens_at=clock() - timedelta(hours=1),
        closes_at=clock() + timedelta(hours=1),
    )
    practice = services.daily_practice_for(member=member, day=clock().date())
    [shown] = selectors.practice_view(practice=practice)["questions"]
    assert shown["held_back"] is True and "key" not in shown
    with pytest.raises(QuestionHeldBack):
        services.daily_practice_answer(
            member=member,
            question_id=question.pk,
            day=clock().date(),
            **wrong_answer(question),
        )
    assert not WrongAnswer.objects.exists()


def test_the_bank_export_gives_a_viewer_no_held_back_key(
    contest, bank, tree, editor, client_for
):
    """An organisation admin may view the bank (and may play the contest): the
    file gives them no key of a question the running contest draws."""

    def exported(user) -> dict[str, list]:
        response = client_for(user).get(reverse("assessment_export"))
        assert response.status_code == 200
        rows = list(load_workbook(io.BytesIO(response.content)).active.values)
        header = list(rows[0])
        at = header.index("答案")
        return {row[1]: [row[at], row[at + 1]] for row in rows[1:]}

    secretary = factories.org_admin(organisation=tree["sub1"], username="secretary")
    seen = exported(secretary)
    multiple = bank["multiple"]
    assert seen[multiple.stem] == ["不公布", "不公布"]
    assert exported(editor)[multiple.stem] == [
        "AB",
        "会议在上海开幕，最后一天转到嘉兴南湖的游船上。",
    ]

"""Quizzes and exams over HTTP: the server draws, holds the key and the deadline,
saves answers one at a time and scores; bad input is refused by name."""

from __future__ import annotations

import json
from datetime import date

from django.test import Client

from assessment.models import AttemptQuestion, Quiz, QuizAttempt
from learning.models import Assignment, CourseCompletion, CreditRecord, ExamPass
from tests import factories
from tests.assessment.conftest import call, fixed_quiz, right_answer, wrong_answer


def _start(client, quiz, token=None):
    return call(client, "POST", f"quizzes/{quiz.pk}/attempts", token=token)


def test_lists_quizzes_of_a_lesson_with_the_members_standing(
    member, quiz, lesson, token_for
):
    token = token_for(member.user)
    response = call(Client(), "GET", f"quizzes?page={lesson.pk}", token=token)
    assert response.status_code == 200, response.content
    [entry] = response.json()
    assert entry["id"] == quiz.pk
    assert entry["question_count"] == 4
    assert entry["attempts_used"] == 0 and entry["attempts_left"] == 3


def test_the_attempt_json_holds_no_answer_key(member, quiz, bank, client_for, clock):
    client = client_for(member.user)
    response = _start(client, quiz)
    assert response.status_code == 201, response.content
    body = response.json()
    text = json.dumps(body, ensure_ascii=False)
    for forbidden in ('"correct"', '"key"', '"explanation"', '"accepted"', "广州市"):
        assert forbidden not in text
    assert "会议在上海开幕" not in text  # the explanation
    assert body["status"] == "open" and body["result"] is None
    assert {q["id"] for q in body["questions"]} == {q.pk for q in bank.values()}
    single = next(q for q in body["questions"] if q["kind"] == "single")
    assert set(single["options"][0]) == {"id", "text"}
    assert body["remaining_seconds"] == 600


def test_a_reload_resumes_the_open_attempt(member, quiz, client_for):
    client = client_for(member.user)
    first = _start(client, quiz).json()
    again = _start(client, quiz)
    assert again.status_code == 200
    assert again.json()["id"] == first["id"]
    assert QuizAttempt.objects.count() == 1


def test_answers_are_saved_one_at_a_time_and_idempotently(
    member, quiz, bank, client_for
):
    client = client_for(member.user)
    attempt = _start(client, quiz).json()
    question = bank["fill_blank"]
    url = f"attempts/{attempt['id']}/answers/{question.pk}"
    first = call(client, "PUT", url, {"text": "广 州"})
    assert first.status_code == 200, first.content
    again = call(client, "PUT", url, {"text": "广 州"})
    assert again.json() == {**first.json(), "remaining_seconds": again.json()[
        "remaining_seconds"]}  # fmt: skip
    reloaded = call(client, "GET", f"attempts/{attempt['id']}").json()
    saved = next(q for q in reloaded["questions"] if q["id"] == question.pk)
    assert saved["answer"] == {"text": "广 州"}
    assert reloaded["answered_count"] == 1


def _assert_refused(response, code: str, naming: str) -> None:
    """A 403 problem document with ``code`` whose detail names ``naming``."""
    assert response.status_code == 403, response.content
    assert response.json()["code"] == code
    assert naming in response.json()["detail"]


def test_a_lesson_quiz_out_of_the_members_reach_is_refused(
    member, section, bank, client_for, tree
):
    """Learning's reach rule holds for a lesson's quiz as for its heartbeats: the
    lesson's only course is for retired members and the member is a regular one."""
    lesson = factories.lesson(section, title="离退休党员专题", duration=600)
    course = factories.course(
        section, lessons=[lesson], intended_member_types=["retired"]
    )
    quiz = fixed_quiz(lesson, [bank["true_false"]])
    client = client_for(member.user)
    _assert_refused(_start(client, quiz), "lesson_out_of_reach", "「离退休党员专题」")
    assert not QuizAttempt.objects.exists()
    # Assigned to the member's organisation, the course brings the lesson in reach.
    assignment = Assignment.objects.create(
        content=course, organisation=tree["district"], deadline=date(2099, 12, 31)
    )
    started = _start(client, quiz)
    assert started.status_code == 201, started.content
    # Withdrawn again, the open attempt takes no more answers.
    assignment.delete()
    question = bank["true_false"]
    answer = call(
        client,
        "PUT",
        f"attempts/{started.json()['id']}/answers/{question.pk}",
        right_answer(question),
    )
    _assert_refused(answer, "lesson_out_of_reach", "「离退休党员专题」")
    assert AttemptQuestion.objects.get(question=question).answer is None


def test_a_course_exam_out_of_the_members_reach_is_refused(
    member, section, bank, client_for, tree
):
    """Passing a course's exam records 学时 for it, so the exam follows the course's
    reach rule: a course for retired members is not a regular member's, unless it
    is assigned to them."""
    course = factories.course(
        section, title="离退休党员课程", intended_member_types=["retired"]
    )
    exam = fixed_quiz(course, [bank["true_false"]], kind=Quiz.Kind.COURSE)
    client = client_for(member.user)
    _assert_refused(_start(client, exam), "course_out_of_reach", "「离退休党员课程」")
    assert not QuizAttempt.objects.exists()
    Assignment.objects.create(
        content=course, organisation=tree["district"], deadline=date(2099, 12, 31)
    )
    assert _start(client, exam).status_code == 201


def test_scoring_on_the_server_ignores_forged_fields(member, quiz, bank, client_for):
    client = client_for(member.user)
    attempt = _start(client, quiz).json()
    for name, question in bank.items():
        answer = (
            right_answer(question) if name != "multiple" else wrong_answer(question)
        )
        body = {**answer, "correct": True, "score": 100}
        response = call(
            client, "PUT", f"attempts/{attempt['id']}/answers/{question.pk}", body
        )
        assert response.status_code == 200, response.content
    result = call(
        client,
        "POST",
        f"attempts/{attempt['id']}/submit",
        {"score": 100, "passed": True, "correct_count": 4},
    )
    assert result.status_code == 200, result.content
    body = result.json()
    assert body["status"] == "submitted"
    assert body["result"]["score"] == "75.00"
    assert body["result"]["correct_count"] == 3
    assert body["result"]["passed"] is True
    by_id = {q["id"]: q for q in body["questions"]}
    assert by_id[bank["multiple"].pk]["correct"] is False
    assert by_id[bank["multiple"].pk]["explanation"].startswith("会议在上海开幕")
    assert by_id[bank["fill_blank"].pk]["key"] == {"accepted": ["广州", "广州市"]}
    # Submitting again returns the same result.
    again = call(client, "POST", f"attempts/{attempt['id']}/submit").json()
    assert again["result"] == body["result"]


def test_fill_in_answers_compare_after_nfkc_spaces_and_case(
    member, make_question, lesson, client_for
):
    from assessment.services import QuestionData
    from tests.assessment.conftest import fixed_quiz

    question = make_question(
        QuestionData(
            kind="fill_blank", stem="党的根本宗旨英文缩写？", accepted=["CPC 2024"]
        )
    )
    quiz = fixed_quiz(lesson, [question])
    client = client_for(member.user)
    attempt = _start(client, quiz).json()
    call(client, "PUT", f"attempts/{attempt['id']}/answers/{question.pk}",
         {"text": "ｃｐｃ２０２４ "})  # fmt: skip
    result = call(client, "POST", f"attempts/{attempt['id']}/submit").json()
    assert result["result"]["score"] == "100.00"


def test_explanations_stay_hidden_when_the_quiz_says_so(member, quiz, bank, client_for):
    quiz.show_explanations = False
    quiz.save()
    client = client_for(member.user)
    attempt = _start(client, quiz).json()
    body = call(client, "POST", f"attempts/{attempt['id']}/submit").json()
    text = json.dumps(body, ensure_ascii=False)
    assert '"key"' not in text and '"explanation"' not in text
    assert body["result"]["score"] == "0.00"


def test_answer_after_the_deadline_is_refused_and_the_attempt_scored(
    member, quiz, bank, client_for, clock
):
    client = client_for(member.user)
    attempt = _start(client, quiz).json()
    question = bank["true_false"]
    url = f"attempts/{attempt['id']}/answers/{question.pk}"
    assert call(client, "PUT", url, right_answer(question)).status_code == 200
    clock(600)  # exactly at the deadline: too late
    late = call(client, "PUT", url, wrong_answer(question))
    assert late.status_code == 409
    assert late.json()["code"] == "deadline_passed"
    stored = QuizAttempt.objects.get(pk=attempt["id"])
    assert stored.status == QuizAttempt.Status.TIMED_OUT
    assert stored.closed_at == stored.deadline
    assert stored.correct_count == 1  # the answer saved in time counts
    again = call(client, "PUT", url, right_answer(question))
    assert again.status_code == 409 and again.json()["code"] == "attempt_closed"


def test_an_attempt_left_open_is_closed_at_its_deadline_when_read(
    member, quiz, client_for, clock
):
    client = client_for(member.user)
    attempt = _start(client, quiz).json()
    clock(3600)
    body = call(client, "GET", f"attempts/{attempt['id']}").json()
    assert body["status"] == "timed_out"
    assert body["result"]["elapsed_seconds"] == 600


def test_the_periodic_task_closes_expired_attempts(member, quiz, client_for, clock):
    from assessment.tasks import quiz_attempts_close_expired_task

    client = client_for(member.user)
    _start(client, quiz)
    assert quiz_attempts_close_expired_task.delay().get() == 0
    clock(601)
    assert quiz_attempts_close_expired_task.delay().get() == 1
    assert QuizAttempt.objects.get().status == QuizAttempt.Status.TIMED_OUT
    assert quiz_attempts_close_expired_task.delay().get() == 0


def test_a_second_attempt_beyond_the_limit_is_refused(member, exam, client_for):
    client = client_for(member.user)
    for _ in range(2):
        attempt = _start(client, exam).json()
        call(client, "POST", f"attempts/{attempt['id']}/submit")
    third = _start(client, exam)
    assert third.status_code == 409
    assert third.json()["code"] == "attempt_limit_reached"
    assert QuizAttempt.objects.count() == 2


def test_an_answer_to_a_question_not_in_the_attempt_is_refused(
    member, quiz, make_question, client_for
):
    stranger = make_question(stem="不在试卷里的题")
    client = client_for(member.user)
    attempt = _start(client, quiz).json()
    response = call(
        client,
        "PUT",
        f"attempts/{attempt['id']}/answers/{stranger.pk}",
        right_answer(stranger),
    )
    assert response.status_code == 404
    assert response.json()["code"] == "question_not_in_attempt"


def test_an_option_of_another_question_is_refused(member, quiz, bank, client_for):
    client = client_for(member.user)
    attempt = _start(client, quiz).json()
    foreign = bank["multiple"].options.first().pk
    response = call(
        client,
        "PUT",
        f"attempts/{attempt['id']}/answers/{bank['single'].pk}",
        {"options": [foreign]},
    )
    assert response.status_code == 400
    assert response.json()["code"] == "unknown_option"


def test_someone_elses_attempt_is_not_found(
    member, other_member, quiz, bank, client_for
):
    mine = _start(client_for(member.user), quiz).json()
    intruder = client_for(other_member.user)
    assert call(intruder, "GET", f"attempts/{mine['id']}").status_code == 404
    put = call(
        intruder,
        "PUT",
        f"attempts/{mine['id']}/answers/{bank['single'].pk}",
        right_answer(bank["single"]),
    )
    assert put.status_code == 404 and put.json()["code"] == "attempt_not_found"
    submit = call(intruder, "POST", f"attempts/{mine['id']}/submit")
    assert submit.status_code == 404
    assert QuizAttempt.objects.get(pk=mine["id"]).is_open


def test_quizzes_of_draft_pages_are_not_found(member, quiz, lesson, client_for):
    lesson.unpublish()
    response = _start(client_for(member.user), quiz)
    assert response.status_code == 404 and response.json()["code"] == "quiz_not_found"


def test_accounts_without_a_member_profile_are_refused(editor, quiz, client_for):
    response = _start(client_for(editor), quiz)
    assert response.status_code == 403 and response.json()["code"] == "not_a_member"


def test_anonymous_callers_are_refused(quiz):
    assert _start(Client(), quiz).status_code == 401


def test_passing_the_exam_completes_a_course_that_requires_it(
    member, exam, course, lesson, bank, client_for
):
    from learning import services as learning_services

    course.exam_required = True
    course.save_revision().publish()
    learning_services.lesson_info_forget()
    from django.utils import timezone

    learning_services.lesson_mark_completed(
        member=member, lesson_id=lesson.pk, via="online", now=timezone.now()
    )
    assert not CourseCompletion.objects.filter(member=member).exists()
    client = client_for(member.user)
    attempt = _start(client, exam).json()
    for question in bank.values():
        call(client, "PUT", f"attempts/{attempt['id']}/answers/{question.pk}",
             right_answer(question))  # fmt: skip
    result = call(client, "POST", f"attempts/{attempt['id']}/submit").json()
    assert result["result"]["passed"] is True
    assert ExamPass.objects.filter(member=member, course=course).exists()
    assert CourseCompletion.objects.filter(member=member, course=course).exists()
    exam_credit = CreditRecord.objects.get(member=member, source="exam")
    assert str(exam_credit.hours) == "0.50"


def test_archive_of_attempts(member, quiz, client_for):
    client = client_for(member.user)
    attempt = _start(client, quiz).json()
    call(client, "POST", f"attempts/{attempt['id']}/submit")
    rows = call(client, "GET", "attempts").json()
    assert [row["id"] for row in rows] == [attempt["id"]]
    assert rows[0]["status"] == "submitted" and rows[0]["score"] == "0.00"


def test_options_are_shuffled_per_attempt_but_kept_within_one(
    member, make_question, lesson, client_for
):
    from assessment.services import QuestionData
    from tests.assessment.conftest import fixed_quiz

    question = make_question(
        QuestionData(
            kind="single",
            stem="乱序",
            options=[(str(n), n == 0) for n in range(8)],
        )
    )
    quiz = fixed_quiz(lesson, [question], max_attempts=0)
    client = client_for(member.user)
    orders = set()
    for _ in range(6):
        attempt = _start(client, quiz).json()
        order = tuple(o["id"] for o in attempt["questions"][0]["options"])
        stored = AttemptQuestion.objects.get(attempt_id=attempt["id"])
        assert tuple(o["id"] for o in stored.content["options"]) == order
        orders.add(order)
        call(client, "POST", f"attempts/{attempt['id']}/submit")
    assert len(orders) > 1


def test_openapi_documents_every_assessment_operation(db):
    document = Client().get("/api/v3/openapi.json").json()
    operations = {
        operation["operationId"]: operation
        for path, methods in document["paths"].items()
        if path.startswith("/api/v3/assessment/")
        for operation in methods.values()
    }
    assert len(operations) == 24
    for operation_id, operation in operations.items():
        assert operation_id.startswith("assessment_")
        errors = [code for code in operation["responses"] if code.startswith("4")]
        assert errors, f"{operation_id} documents no error"

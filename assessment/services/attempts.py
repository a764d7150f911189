"""Attempts at quizzes and exams: drawing the questions, saving answers as they are
given, and scoring on the server.

The server holds everything. Starting an attempt draws its questions, shuffles
their options and snapshots what is shown and the key; the deadline is set then, by
the server's clock. Answers are saved one at a time (saving the same answer again
changes nothing), refused once the deadline has passed, and an attempt left open
is closed and scored at its deadline: lazily, when it is next touched, and by the
periodic task ``quiz_attempts_close_expired_task``. Submitting twice returns the
same result. A lesson's quiz follows learning's reach rule for the lesson
(``learning.selectors.member_can_learn``): out of the member's reach, it can be
neither started nor answered, as its heartbeats are refused. A course's exam
follows the course's (``member_can_take_course``), checked when it starts. A passed course exam
is recorded in learning (``learning.services.course_exam_pass_record``): 学时 and
course completion.
"""

from __future__ import annotations

import json
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from assessment.errors import (
    AttemptClosed,
    AttemptLimitReached,
    AttemptNotFound,
    CourseOutOfReach,
    DeadlinePassed,
    LessonOutOfReach,
    QuestionNotInAttempt,
    QuizMisconfigured,
    QuizNotFound,
)
from assessment.models import AttemptQuestion, Question, Quiz, QuizAttempt
from assessment.scoring import (
    Answer,
    answer_clean,
    answer_is_correct,
    question_content,
    question_key,
)
from assessment.selectors.keys import answer_keys_shown, quiz_question_pool
from assessment.services.practice import wrong_answers_note
from dangke.cache import MISSING, ProcessCache
from learning.models import Member
from learning.selectors import lesson_info, member_can_learn, member_can_take_course
from learning.services import course_exam_pass_record

MAX_START_TRIES = 3


def _system_rng() -> random.Random:
    return random.SystemRandom()


def quiz_questions_draw(*, quiz: Quiz, rng: random.Random) -> list[Question]:
    """The questions of a new attempt: the quiz's fixed list (active ones, shuffled
    when the quiz says so) or a random draw of ``draw_count`` active questions by
    tag, difficulty and, when ``draw_linked_only``, the quiz's lesson or course (a
    course includes its lessons' questions). Fewer are drawn when fewer match.

    Raises QuizMisconfigured when there is nothing to draw.
    """
    if quiz.selection == Quiz.Selection.FIXED:
        ids = list(
            quiz.quiz_questions.filter(question__active=True)
            .order_by("sort_order", "pk")
            .values_list("question_id", flat=True)
        )
        if quiz.shuffle_questions:
            rng.shuffle(ids)
    else:
        pool = quiz_question_pool(quiz=quiz)
        candidates = sorted(set(pool.values_list("pk", flat=True)))
        ids = rng.sample(candidates, min(quiz.draw_count, len(candidates)))
    if not ids:
        raise QuizMisconfigured(f"「{quiz.title}」没有可用的题目，请联系管理员")
    questions = Question.objects.prefetch_related("options").in_bulk(ids)
    return [questions[pk] for pk in ids]


def attempt_create(
    *,
    quiz: Quiz,
    member: Member,
    number: int,
    now: datetime,
    deadline: datetime,
    rng: random.Random | None = None,
) -> QuizAttempt:
    """Create attempt ``number`` with freshly drawn questions (for callers that
    decided the member may start: ``quiz_attempt_start``, the online contest).

    Raises QuizMisconfigured, and IntegrityError when that number is taken."""
    rng = rng or _system_rng()
    questions = quiz_questions_draw(quiz=quiz, rng=rng)
    with transaction.atomic():
        attempt = QuizAttempt.objects.create(
            quiz=quiz,
            member_id=member.pk,
            number=number,
            started_at=now,
            deadline=deadline,
            question_count=len(questions),
        )
        AttemptQuestion.objects.bulk_create(
            AttemptQuestion(
                attempt=attempt,
                question=question,
                position=position,
                content=question_content(
                    question, rng=rng, shuffle=quiz.shuffle_options
                ),
                key=question_key(question),
                explanation=question.explanation,
            )
            for position, question in enumerate(questions, start=1)
        )
    return attempt


def _lesson_quiz_reach_check(*, member: Member, lesson_id: int | None) -> None:
    """Refuse a lesson's quiz when the lesson is out of the member's reach.

    ``lesson_id`` is the page of a lesson quiz (None for course exams and contest
    papers, which this rule does not cover). A page that is not a live, public
    lesson has no reach rule here: whether the quiz is on offer at all is decided
    by ``selectors.quiz_for_member``.

    Raises LessonOutOfReach."""
    if lesson_id is None:
        return
    info = lesson_info(lesson_id=lesson_id)
    if info is not None and not member_can_learn(member=member, info=info):
        raise LessonOutOfReach(
            f"「{info.title}」不面向您的党员类别，也未指派给您，不能参加它的测验"
        )


def _lesson_id(quiz: Quiz) -> int | None:
    return quiz.page_id if quiz.kind == Quiz.Kind.LESSON else None


def _course_exam_reach_check(*, member: Member, quiz: Quiz) -> None:
    """Refuse a course's exam when the course is out of the member's reach (passing
    it would record an exam pass and 学时 for a course not meant for them). Checked
    when an attempt starts.

    Raises CourseOutOfReach."""
    if quiz.kind != Quiz.Kind.COURSE or quiz.page_id is None:
        return
    if not member_can_take_course(member=member, course_id=quiz.page_id):
        raise CourseOutOfReach(
            f"「{quiz.page.title}」不面向您的党员类别，也未指派给您，"
            "不能参加它的结业考试"
        )


def quiz_attempt_start(
    *,
    member: Member,
    quiz: Quiz,
    now: datetime | None = None,
    rng: random.Random | None = None,
) -> tuple[QuizAttempt, bool]:
    """Start an attempt at a lesson quiz or a course exam, or return the member's
    attempt still open (``(attempt, created)``): a reload resumes, it never starts
    over. Its deadline is now + the time limit.

    Raises QuizNotFound (a contest paper: those start through their contest),
    LessonOutOfReach (a lesson quiz whose lesson is out of the member's reach),
    CourseOutOfReach (likewise a course exam's course), AttemptLimitReached and
    QuizMisconfigured.
    """
    now = now or timezone.now()
    if quiz.kind == Quiz.Kind.CONTEST:
        raise QuizNotFound("竞赛试卷只能从竞赛入口作答")
    _lesson_quiz_reach_check(member=member, lesson_id=_lesson_id(quiz))
    _course_exam_reach_check(member=member, quiz=quiz)
    attempts_close_expired(now=now, quiz=quiz, member=member)
    mine = QuizAttempt.objects.filter(quiz=quiz, member_id=member.pk)
    for _ in range(MAX_START_TRIES):
        current = mine.filter(status=QuizAttempt.Status.OPEN).first()
        if current is not None:
            return current, False
        used = mine.count()
        if quiz.max_attempts and used >= quiz.max_attempts:
            # A concurrent start may have committed between the two reads above:
            # its attempt is the member's open one, not a used-up limit.
            current = mine.filter(status=QuizAttempt.Status.OPEN).first()
            if current is not None:
                return current, False
            raise AttemptLimitReached(
                f"「{quiz.title}」最多可作答 {quiz.max_attempts} 次，已全部用完"
            )
        try:
            with transaction.atomic():
                attempt = attempt_create(
                    quiz=quiz,
                    member=member,
                    number=used + 1,
                    now=now,
                    deadline=now + timedelta(minutes=quiz.time_limit_minutes),
                    rng=rng,
                )
            return attempt, True
        except IntegrityError:
            continue  # a concurrent start took this number; look again
    current = mine.filter(status=QuizAttempt.Status.OPEN).first()
    if current is None:
        raise AttemptLimitReached(f"「{quiz.title}」的作答次数已用完")
    return current, False


def _locked_attempt(*, member: Member, attempt_id: int) -> QuizAttempt:
    attempt = (
        QuizAttempt.objects.select_for_update(of=("self",))
        .select_related("quiz", "quiz__page")
        .filter(pk=attempt_id, member_id=member.pk)
        .first()
    )
    if attempt is None:
        raise AttemptNotFound(f"答卷 {attempt_id} 不存在")
    return attempt


@dataclass(frozen=True)
class SavedAnswer:
    """An answer as stored: what was saved, when, and the attempt's deadline."""

    question_id: int
    answer: Answer | None
    answered_at: datetime | None
    deadline: datetime


def attempt_answer_save(
    *,
    member: Member,
    attempt_id: int,
    question_id: int,
    options: Sequence[int] | None = None,
    value: bool | None = None,
    text: str | None = None,
    now: datetime | None = None,
) -> SavedAnswer:
    """Save the member's answer to one question of their open attempt (an empty
    answer clears it). Saving the same answer again changes nothing.

    Every answer of every member comes here, so it costs one statement: what an
    attempt shows never changes once drawn, so each process remembers it
    (``_sheet``), and the answer is checked against it and written by one
    conditional single-row UPDATE. A lesson quiz's answer is also checked against
    the lesson's reach rule, like a heartbeat (the lesson's facts are cached by
    learning; only a member outside the lesson's member types costs a read of
    their assignments). The write succeeds only while the attempt is
    open, before its deadline and while the question is unscored; closing an
    attempt scores every question under row locks, so an answer is either saved
    before the attempt closes (and counts) or refused. On PostgreSQL the write does
    not wait for the WAL flush (like learning's heartbeats): a database crash may
    lose the last fraction of a second of answers, never a submission, never
    consistency.

    Raises AttemptNotFound (not this member's), LessonOutOfReach (a lesson quiz
    whose lesson is no longer in the member's reach), AttemptClosed (submitted),
    DeadlinePassed (the server's clock is past the deadline: the attempt is closed
    and scored at its deadline), QuestionNotInAttempt and InvalidAnswer.
    """
    now = now or timezone.now()
    sheet = _sheet(attempt_id)
    if sheet is None or sheet.member_id != member.pk:
        raise AttemptNotFound(f"答卷 {attempt_id} 不存在")
    _lesson_quiz_reach_check(member=member, lesson_id=sheet.lesson_id)
    if question_id not in sheet.questions:
        raise QuestionNotInAttempt(f"题目 {question_id} 不在这份答卷中")
    pk, content = sheet.questions[question_id]
    if now < sheet.deadline:
        answer = answer_clean(content=content, options=options, value=value, text=text)
        if _answer_write(
            pk=pk,
            attempt_id=attempt_id,
            member_id=member.pk,
            answer=answer,
            at=now,
            deadline=sheet.deadline,
        ):
            return SavedAnswer(question_id, answer, now, sheet.deadline)
    # Nothing written: the same answer again, or the attempt is closed or late.
    row = _answer_row_read(pk=pk)
    _refuse_if_closed(row.status, sheet.deadline, member=member, now=now)
    answer = answer_clean(content=content, options=options, value=value, text=text)
    if answer == row.answer:
        return SavedAnswer(question_id, answer, row.answered_at, sheet.deadline)
    raise AttemptClosed("这份答卷已经交卷，不能再修改答案")  # closed meanwhile


@dataclass(frozen=True)
class _Sheet:
    """What never changes in an attempt once it is drawn."""

    member_id: int
    deadline: datetime
    lesson_id: int | None  # the lesson of a lesson quiz (its reach rule applies)
    questions: dict[int, tuple[int, dict]]  # question id → (row id, content)


# What an attempt shows never changes once drawn, so a copy needs no expiry and no
# forgetting (``dangke.cache``): the size bounds it.
_sheets = ProcessCache("assessment.sheets", ttl=None, max_entries=20_000)


def attempt_sheets_forget() -> None:
    """Forget the remembered attempts of this process (tests, whose rolled-back
    ids come again). Raises nothing."""
    _sheets.forget()


def _sheet(attempt_id: int) -> _Sheet | None:
    """The attempt's fixed facts, read once per process (None if there is no such
    attempt; that is not remembered, ids may come into being)."""
    sheet = _sheets.get(attempt_id)
    if sheet is not MISSING:
        return sheet
    head = (
        QuizAttempt.objects.filter(pk=attempt_id)
        .values_list("member_id", "deadline", "quiz__kind", "quiz__page_id")
        .first()
    )
    if head is None:
        return None
    rows = AttemptQuestion.objects.filter(attempt_id=attempt_id).values_list(
        "question_id", "pk", "content"
    )
    member_id, deadline, kind, page_id = head
    sheet = _Sheet(
        member_id=member_id,
        deadline=deadline,
        lesson_id=page_id if kind == Quiz.Kind.LESSON else None,
        questions={question: (pk, content) for question, pk, content in rows},
    )
    _sheets.set(attempt_id, sheet)
    return sheet


@dataclass(frozen=True)
class _AnswerRow:
    answer: Answer | None
    answered_at: datetime | None
    status: str


def _answer_row_read(*, pk: int) -> _AnswerRow:
    row = (
        AttemptQuestion.objects.filter(pk=pk)
        .values_list("answer", "answered_at", "attempt__status")
        .get()
    )
    return _AnswerRow(*row)


def _refuse_if_closed(
    status: str, deadline: datetime, *, member: Member, now: datetime
) -> None:
    if status != QuizAttempt.Status.OPEN:
        raise AttemptClosed("这份答卷已经交卷，不能再修改答案")
    if now >= deadline:
        attempts_close_expired(now=now, member=member)
        local = timezone.localtime(deadline)
        raise DeadlinePassed(
            f"作答时间已于 {local:%H:%M:%S} 截止，答卷已按截止时保存的答案评分"
        )


def _answer_write(
    *,
    pk: int,
    attempt_id: int,
    member_id: int,
    answer: Answer | None,
    at: datetime,
    deadline: datetime,
) -> bool:
    """Store a changed answer while its attempt is open and before its deadline
    and the question is unscored; True if stored (False also when the answer is
    the one stored already)."""
    adapt = connection.ops.adapt_datetimefield_value
    params = {
        "pk": pk,
        "answer": None if answer is None else json.dumps(answer),
        "at": adapt(at),
        "deadline": adapt(deadline),
        "attempt_id": attempt_id,
        "member_id": member_id,
        "open": QuizAttempt.Status.OPEN.value,
    }
    if connection.vendor == "postgresql":
        statement = _ANSWER_WRITE_POSTGRESQL
    else:
        statement = _ANSWER_WRITE_SQLITE
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.rowcount == 1


# One conditional single-row UPDATE per vendor, parameters by name; only the
# models' table names are formatted in. PostgreSQL's does not wait for the WAL flush
# (``synchronous_commit`` off for its own transaction only).
_ANSWER_WRITE_POSTGRESQL = f"""
    UPDATE {AttemptQuestion._meta.db_table}
    SET answer = %(answer)s::jsonb, answered_at = %(at)s
    FROM (SELECT set_config('synchronous_commit', 'off', true)) AS relaxed
    WHERE id = %(pk)s AND correct IS NULL AND %(at)s < %(deadline)s
      AND answer IS DISTINCT FROM %(answer)s::jsonb
      AND attempt_id IN (
          SELECT id FROM {QuizAttempt._meta.db_table}
          WHERE id = %(attempt_id)s AND member_id = %(member_id)s
            AND status = %(open)s
      )"""  # noqa: S608

_ANSWER_WRITE_SQLITE = f"""
    UPDATE {AttemptQuestion._meta.db_table}
    SET answer = :answer, answered_at = :at
    WHERE id = :pk AND correct IS NULL AND :at < :deadline
      AND answer IS NOT :answer
      AND attempt_id IN (
          SELECT id FROM {QuizAttempt._meta.db_table}
          WHERE id = :attempt_id AND member_id = :member_id AND status = :open
      )"""  # noqa: S608


def attempt_submit(
    *, member: Member, attempt_id: int, now: datetime | None = None
) -> QuizAttempt:
    """Hand in the member's attempt and score it on the server. Submitting after
    the deadline scores what was saved by then; submitting again returns the same
    result.

    Raises AttemptNotFound (not this member's).
    """
    now = now or timezone.now()
    with transaction.atomic():
        attempt = _locked_attempt(member=member, attempt_id=attempt_id)
        if attempt.is_open:
            timed_out = now >= attempt.deadline
            _attempt_close(
                attempt, at=attempt.deadline if timed_out else now, timed_out=timed_out
            )
    return attempt


def attempt_refresh(
    *, attempt: QuizAttempt, now: datetime | None = None
) -> QuizAttempt:
    """``attempt`` as it is now: closed and scored at its deadline when that has
    passed while it was open. Raises nothing."""
    now = now or timezone.now()
    if attempt.is_open and now >= attempt.deadline:
        attempts_close_expired(now=now, quiz=attempt.quiz, member=attempt.member)
        attempt.refresh_from_db()
    return attempt


def attempts_close_expired(
    *,
    now: datetime | None = None,
    quiz: Quiz | None = None,
    member: Member | None = None,
) -> int:
    """Close and score, at their deadlines, the open attempts whose deadline has
    passed (of ``quiz`` and ``member`` when given). Safe to run any number of times
    at once: each attempt is closed under its row lock, once. Returns how many it
    closed. Raises nothing."""
    now = now or timezone.now()
    expired = QuizAttempt.objects.filter(
        status=QuizAttempt.Status.OPEN, deadline__lte=now
    )
    if quiz is not None:
        expired = expired.filter(quiz=quiz)
    if member is not None:
        expired = expired.filter(member_id=member.pk)
    closed = 0
    for attempt_id in list(expired.values_list("pk", flat=True)):
        with transaction.atomic():
            attempt = (
                QuizAttempt.objects.select_for_update(of=("self",))
                .select_related("quiz", "quiz__page")
                .filter(pk=attempt_id, status=QuizAttempt.Status.OPEN)
                .first()
            )
            if attempt is not None:
                _attempt_close(attempt, at=attempt.deadline, timed_out=True)
                closed += 1
    return closed


def _attempt_close(attempt: QuizAttempt, *, at: datetime, timed_out: bool) -> None:
    """Score the locked, open ``attempt`` as of ``at`` and record what follows: the
    wrong-answer book, and a passed course exam in learning."""
    # Locking the questions waits for an answer being written to commit (and makes
    # any later write see them scored and refuse), so what is scored is final.
    items = list(attempt.questions.select_for_update(of=("self",)))
    for item in items:
        item.correct = answer_is_correct(key=item.key, answer=item.answer)
    AttemptQuestion.objects.bulk_update(items, ["correct"])
    right = sum(1 for item in items if item.correct)
    quiz = attempt.quiz
    attempt.status = (
        QuizAttempt.Status.TIMED_OUT if timed_out else QuizAttempt.Status.SUBMITTED
    )
    attempt.closed_at = at
    attempt.elapsed_seconds = max(0.0, (at - attempt.started_at).total_seconds())
    attempt.correct_count = right
    attempt.score = (
        (Decimal(100 * right) / len(items)).quantize(Decimal("0.01"))
        if items
        else Decimal("0")
    )
    attempt.passed = attempt.score >= quiz.pass_mark
    attempt.save()
    # The book holds only what the key rule lets the member see (nothing of a
    # contest still running or of a quiz that keeps its answers hidden): even
    # "answered right" on an entry would tell them a hidden answer was right.
    shown = answer_keys_shown(
        question_ids=[item.question_id for item in items], quiz=quiz, now=at
    )
    wrong_answers_note(
        member=Member(pk=attempt.member_id),
        right=[i.question_id for i in items if i.correct and i.question_id in shown],
        wrong=[
            i.question_id for i in items if not i.correct and i.question_id in shown
        ],
        now=at,
    )
    if (
        attempt.passed
        and quiz.kind == Quiz.Kind.COURSE
        and quiz.page is not None
        and quiz.page.content_type.model == "coursepage"
    ):
        course_exam_pass_record(
            member=Member.objects.get(pk=attempt.member_id),
            course_id=quiz.page_id,
            passed_at=at,
            score=attempt.score,
        )

"""每日一练 and the 错题本: a few questions a day, drawn preferring what the member
has not seen and what they got wrong; the questions they got wrong, to review and
answer again, removable once answered right. No points, no streaks, no ranking.

Both tell right from wrong at once, so both follow the key rule
(``assessment.selectors.keys``): a held-back question (a contest that is not over,
a quiz that keeps its answers hidden) is not drawn, and answering one here waits
until it is no longer held back.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import date, datetime

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from assessment.errors import (
    AlreadyAnswered,
    InvalidAnswer,
    NotAnsweredRight,
    QuestionHeldBack,
    QuestionNotInAttempt,
    WrongAnswerNotFound,
)
from assessment.models import (
    AttemptQuestion,
    DailyPractice,
    DailyPracticeItem,
    PracticeRule,
    Question,
    WrongAnswer,
)
from assessment.scoring import (
    answer_clean,
    answer_is_correct,
    question_content,
    question_key,
)
from assessment.selectors.keys import question_ids_held_back, questions_held_back
from learning.models import Member


def wrong_answers_note(
    *, member: Member, right: Sequence[int], wrong: Sequence[int], now: datetime
) -> None:
    """Keep the wrong-answer book in step with answers the member gave: questions
    answered wrong enter it (or count once more, and are open again); questions
    answered right are marked answered right. A few statements whatever the
    number of questions. Raises nothing."""
    if right:
        WrongAnswer.objects.filter(
            member_id=member.pk, question_id__in=right, resolved_at__isnull=True
        ).update(resolved_at=now)
    if not wrong:
        return
    WrongAnswer.objects.filter(member_id=member.pk, question_id__in=wrong).update(
        times_wrong=F("times_wrong") + 1, last_wrong_at=now, resolved_at=None
    )
    # New ones; those noted above (or by a concurrent answer) are left alone.
    WrongAnswer.objects.bulk_create(
        [
            WrongAnswer(member_id=member.pk, question_id=pk, last_wrong_at=now)
            for pk in wrong
        ],
        ignore_conflicts=True,
    )


def wrong_answer_note(
    *, member: Member, question_id: int, correct: bool, now: datetime
) -> None:
    """``wrong_answers_note`` for one answer. Raises nothing."""
    wrong_answers_note(
        member=member,
        right=[question_id] if correct else [],
        wrong=[] if correct else [question_id],
        now=now,
    )


def _held_back_refuse(*, question_id: int, now: datetime) -> None:
    """Raises QuestionHeldBack when the key rule holds the question back now."""
    if question_ids_held_back(question_ids=[question_id], now=now):
        raise QuestionHeldBack(
            "这道题正用于尚未结束的竞赛或不公布答案的考试，暂时不能在这里作答"
        )


def _seen_question_ids(member: Member) -> set[int]:
    practised = DailyPracticeItem.objects.filter(
        practice__member_id=member.pk
    ).values_list("question_id", flat=True)
    attempted = AttemptQuestion.objects.filter(
        attempt__member_id=member.pk
    ).values_list("question_id", flat=True)
    return set(practised) | set(attempted)


def daily_practice_draw(*, member: Member, count: int, rng: random.Random) -> list[int]:
    """Up to ``count`` question ids for a day's practice: up to half from the
    member's unresolved wrong answers, then questions never seen, then the rest of
    the bank (more wrong ones first); never a held-back question. Raises nothing."""
    active = set(
        Question.objects.filter(active=True)
        .exclude(pk__in=questions_held_back().values("pk"))
        .values_list("pk", flat=True)
    )
    wrong = sorted(
        set(
            WrongAnswer.objects.filter(
                member_id=member.pk, resolved_at__isnull=True
            ).values_list("question_id", flat=True)
        )
        & active
    )
    seen = _seen_question_ids(member)
    unseen = sorted(active - seen - set(wrong))
    rest = sorted(active & seen - set(wrong))
    rng.shuffle(wrong)
    rng.shuffle(unseen)
    rng.shuffle(rest)
    half = (count + 1) // 2
    chosen = wrong[:half]
    for pool in (unseen, wrong[half:], rest):
        chosen += pool[: count - len(chosen)]
    return chosen[:count]


def daily_practice_for(
    *, member: Member, day: date | None = None, rng: random.Random | None = None
) -> DailyPractice:
    """The member's practice of ``day`` (today by default), drawn the first time it
    is asked for (``PracticeRule.questions_per_day`` questions). Raises nothing."""
    day = day or timezone.localdate()
    practice = DailyPractice.objects.filter(member_id=member.pk, day=day).first()
    if practice is not None:
        return practice
    count = PracticeRule.load().questions_per_day
    ids = daily_practice_draw(
        member=member, count=count, rng=rng or random.SystemRandom()
    )
    try:
        with transaction.atomic():
            practice = DailyPractice.objects.create(member_id=member.pk, day=day)
            DailyPracticeItem.objects.bulk_create(
                DailyPracticeItem(practice=practice, question_id=pk, position=index)
                for index, pk in enumerate(ids, start=1)
            )
    except IntegrityError:  # drawn by a concurrent request
        practice = DailyPractice.objects.get(member_id=member.pk, day=day)
    return practice


def daily_practice_answer(
    *,
    member: Member,
    question_id: int,
    options: Sequence[int] | None = None,
    value: bool | None = None,
    text: str | None = None,
    day: date | None = None,
    now: datetime | None = None,
) -> DailyPracticeItem:
    """Answer a question of the day's practice; the answer is checked at once (the
    explanation may be shown) and kept: the same answer again returns the same
    result. A wrong answer enters the wrong-answer book, a right one resolves it.

    Raises QuestionNotInAttempt (not in the day's practice), QuestionHeldBack (held
    back since it was drawn), AlreadyAnswered (a different answer to a question
    already answered) and InvalidAnswer.
    """
    now = now or timezone.now()
    day = day or timezone.localdate(now)
    _held_back_refuse(question_id=question_id, now=now)
    with transaction.atomic():
        item = (
            DailyPracticeItem.objects.select_for_update(of=("self",))
            .select_related("question")
            .filter(
                practice__member_id=member.pk,
                practice__day=day,
                question_id=question_id,
            )
            .first()
        )
        if item is None:
            raise QuestionNotInAttempt(
                f"题目 {question_id} 不在今天的每日一练中",
                code="question_not_in_practice",
            )
        question = item.question
        answer = answer_clean(
            content=question_content(question),
            options=options,
            value=value,
            text=text,
        )
        if answer is None:
            raise InvalidAnswer("请先作答再提交", code="empty_answer")
        if item.answered_at is not None:
            if item.answer != answer:
                raise AlreadyAnswered("这道题今天已经作答，答案不能再改")
            return item
        item.answer = answer
        item.correct = answer_is_correct(key=question_key(question), answer=answer)
        item.answered_at = now
        item.save(update_fields=["answer", "correct", "answered_at"])
        wrong_answer_note(
            member=member, question_id=question_id, correct=item.correct, now=now
        )
    return item


def wrong_answer_retry(
    *,
    member: Member,
    question_id: int,
    options: Sequence[int] | None = None,
    value: bool | None = None,
    text: str | None = None,
    now: datetime | None = None,
) -> tuple[WrongAnswer, bool]:
    """Answer a question of the wrong-answer book again: ``(entry, correct)``. A
    right answer marks it answered right (removable); a wrong one counts again.

    Raises WrongAnswerNotFound, QuestionHeldBack and InvalidAnswer.
    """
    now = now or timezone.now()
    entry = (
        WrongAnswer.objects.select_related("question")
        .filter(member_id=member.pk, question_id=question_id)
        .first()
    )
    if entry is None:
        raise WrongAnswerNotFound(f"题目 {question_id} 不在错题本中")
    _held_back_refuse(question_id=question_id, now=now)
    question = entry.question
    answer = answer_clean(
        content=question_content(question), options=options, value=value, text=text
    )
    correct = answer_is_correct(key=question_key(question), answer=answer)
    wrong_answer_note(member=member, question_id=question_id, correct=correct, now=now)
    entry.refresh_from_db()
    return entry, correct


def wrong_answer_remove(*, member: Member, question_id: int) -> None:
    """Take a question out of the wrong-answer book, once answered right.

    Raises WrongAnswerNotFound and NotAnsweredRight.
    """
    entry = WrongAnswer.objects.filter(
        member_id=member.pk, question_id=question_id
    ).first()
    if entry is None:
        raise WrongAnswerNotFound(f"题目 {question_id} 不在错题本中")
    if entry.resolved_at is None:
        raise NotAnsweredRight("请先把这道题答对，再从错题本中移除")
    entry.delete()

"""知识竞赛·海选: the online round. One attempt per member of the organising
subtree, inside the contest's window; the attempt ends at its time limit or when
the window closes, whichever comes first. Answers and scoring are the quiz
attempts' (``assessment.services.attempts``)."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from django.db import IntegrityError
from django.utils import timezone

from assessment.errors import ContestAlreadyTaken, ContestNotOpen, NotInContest
from assessment.models import OnlineContest, QuizAttempt
from assessment.selectors import member_in_subtree
from assessment.services.attempts import attempt_create, attempts_close_expired
from learning.models import Member


def contest_attempt_start(
    *,
    member: Member,
    contest: OnlineContest,
    now: datetime | None = None,
    rng: random.Random | None = None,
) -> tuple[QuizAttempt, bool]:
    """Start the member's one attempt at an online contest, or return it while it
    is still open (``(attempt, created)``).

    Raises NotInContest (outside the organising subtree), ContestAlreadyTaken,
    ContestNotOpen (before the window opens or after it closes) and
    QuizMisconfigured.
    """
    now = now or timezone.now()
    if not member_in_subtree(member=member, organisation=contest.organisation):
        raise NotInContest(
            f"「{contest.title}」只面向{contest.organisation.name}的党员"
        )
    quiz = contest.quiz
    attempts_close_expired(now=now, quiz=quiz, member=member)
    existing = QuizAttempt.objects.filter(quiz=quiz, member_id=member.pk).first()
    if existing is not None:
        if existing.is_open:
            return existing, False
        raise ContestAlreadyTaken("每人只能参加一次，您已经交卷")
    if now < contest.opens_at:
        opens = timezone.localtime(contest.opens_at)
        raise ContestNotOpen(f"竞赛尚未开始（{opens:%Y-%m-%d %H:%M} 开始）")
    if now >= contest.closes_at:
        raise ContestNotOpen("竞赛已经结束", code="contest_closed")
    deadline = min(now + timedelta(minutes=quiz.time_limit_minutes), contest.closes_at)
    try:
        attempt = attempt_create(
            quiz=quiz, member=member, number=1, now=now, deadline=deadline, rng=rng
        )
    except IntegrityError:  # a concurrent start made it
        return QuizAttempt.objects.get(quiz=quiz, member_id=member.pk, number=1), False
    return attempt, True

"""Online contests a member may take and what they show: a member's own result
always; other members' results only in the ranking, and only when the organiser
made it public (``ranking_public``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils import timezone

from assessment.models import OnlineContest, QuizAttempt
from assessment.selectors.quizzes import CLOSED
from learning.models import Member, Organisation
from learning.selectors import organisation_prefixes


def _member_path(member: Member) -> str:
    return (
        Organisation.objects.filter(pk=member.organisation_id)
        .values_list("path", flat=True)
        .first()
        or ""
    )


def member_in_subtree(*, member: Member, organisation: Organisation) -> bool:
    """True when the member's organisation lies in ``organisation``'s subtree.
    Raises nothing."""
    path = _member_path(member)
    return bool(path and path.startswith(organisation.path))


def contests_for_member(*, member: Member) -> list[OnlineContest]:
    """The online contests whose organising subtree holds the member, newest
    first. Raises nothing."""
    path = _member_path(member)
    if not path:
        return []
    return list(
        OnlineContest.objects.filter(
            organisation__path__in=organisation_prefixes(path=path)
        )
        .select_related("organisation", "quiz")
        .order_by("-opens_at", "-pk")
    )


def contest_for_member(*, member: Member, contest_id: int) -> OnlineContest | None:
    """The online contest with that id if the member may take it. Raises
    nothing."""
    for contest in contests_for_member(member=member):
        if contest.pk == contest_id:
            return contest
    return None


def contest_state(contest: OnlineContest, now: datetime) -> str:
    if now < contest.opens_at:
        return "upcoming"
    if now >= contest.closes_at:
        return "closed"
    return "open"


def contest_view(
    *, contest: OnlineContest, member: Member | None, now: datetime | None = None
) -> dict[str, Any]:
    """A contest's rules and window, and the member's own attempt and result (no
    one else's). Raises nothing."""
    now = now or timezone.now()
    mine = (
        QuizAttempt.objects.filter(quiz=contest.quiz, member_id=member.pk).first()
        if member
        else None
    )
    return {
        "id": contest.pk,
        "title": contest.title,
        "description": contest.description,
        "organisation": contest.organisation.name,
        "opens_at": contest.opens_at,
        "closes_at": contest.closes_at,
        "state": contest_state(contest, now),
        "time_limit_minutes": contest.quiz.time_limit_minutes,
        "ranking_public": contest.ranking_public,
        "my_attempt": {
            "id": mine.pk,
            "status": mine.status,
            "score": mine.score,
            "elapsed_seconds": mine.elapsed_seconds,
        }
        if mine
        else None,
    }


def contest_ranking(*, contest: OnlineContest, limit: int = 100) -> list[dict]:
    """The ranking by score, then by time taken, then by who handed in first. Call
    only when the organiser made it public. Raises nothing."""
    attempts = (
        QuizAttempt.objects.filter(quiz=contest.quiz, status__in=CLOSED)
        .select_related("member__organisation")
        .order_by("-score", "elapsed_seconds", "closed_at", "pk")[:limit]
    )
    return [
        {
            "rank": rank,
            "name": attempt.member.name,
            "organisation": attempt.member.organisation.name,
            "score": attempt.score,
            "elapsed_seconds": attempt.elapsed_seconds,
        }
        for rank, attempt in enumerate(attempts, start=1)
    ]

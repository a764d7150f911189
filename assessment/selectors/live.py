"""The live stage round as the host screen and the phones see it.

The state carries ``version`` (``LiveContest.version``, bumped by every change of
state; a phone joining is none), so a poller sends ``If-None-Match`` and gets
``304 Not Modified`` until something changes; the question's key and every team's
result appear only once the host reveals it. Countdowns run on the clients from
``closes_at`` and ``server_time``.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from assessment.models import (
    RISK_STAKES,
    LiveAnswer,
    LiveContest,
    LiveContestItem,
    LiveDevice,
    LiveItemKind,
    LiveStake,
    LiveTeam,
)
from assessment.scoring import question_content, question_key
from dangke.links import portal_url
from learning.selectors import user_can_report_on

UserLike = AbstractBaseUser | AnonymousUser
Phase = LiveContest.Phase


def device_token_hash(token: str) -> str:
    """What is stored of a device token (its SHA-256)."""
    return hashlib.sha256(token.encode()).hexdigest()


def live_device_for_token(*, token: str) -> LiveDevice | None:
    """The joined phone a device token belongs to (None for an unknown token).
    Raises nothing."""
    if not token:
        return None
    return (
        LiveDevice.objects.select_related("team")
        .filter(token_hash=device_token_hash(token))
        .first()
    )


def user_can_host(*, user: UserLike, contest: LiveContest) -> bool:
    """A host is a user with the permission 主持擂台赛 whose subtrees hold the
    contest's organisation (editors: all). Raises nothing."""
    return bool(
        user.is_authenticated
        and user.has_perm("assessment.host_livecontest")
        and user_can_report_on(user=user, organisation=contest.organisation)
    )


def live_state_version(*, contest_id: int) -> int | None:
    """The contest's state version (None when there is no such contest): one
    indexed read, all a poll costs while nothing changes. Raises nothing."""
    return (
        LiveContest.objects.filter(pk=contest_id)
        .values_list("version", flat=True)
        .first()
    )


def item_points(
    *, item: LiveContestItem, answer: LiveAnswer | None, stake: int | None
) -> int:
    """What a team earns on a question: right earns the points (抢答: only the
    winner), 风险题 wins or loses the stake (a stake without an answer loses)."""
    if item.kind == LiveItemKind.RISK:
        if stake is None:
            return 0
        return stake if answer is not None and answer.correct else -stake
    if answer is None:
        return 0
    if item.kind == LiveItemKind.BUZZER:
        return item.points if answer.won else 0
    return item.points if answer.correct else 0


def live_state(
    *,
    contest: LiveContest,
    team_id: int | None = None,
    host: bool = False,
    now: datetime | None = None,
) -> dict[str, Any]:
    """The contest now, for the host screen (``host``: join codes, who answered
    what once revealed) or for a phone of team ``team_id`` (its own answer and
    stake). Raises nothing."""
    now = now or timezone.now()
    teams = list(contest.teams.order_by("sort_order", "pk"))
    items = list(contest.items.order_by("sort_order", "pk"))
    item = next((i for i in items if i.pk == contest.current_item_id), None)
    state: dict[str, Any] = {
        "contest": {
            "id": contest.pk,
            "title": contest.title,
            "hall": contest.hall,
            "status": contest.status,
        },
        "version": contest.version,
        "phase": contest.phase,
        "server_time": now,
        "teams": [
            {
                "id": team.pk,
                "name": team.name,
                "score": team.score,
                **({"join_code": team.join_code} if host else {}),
            }
            for team in teams
        ],
        "item": None,
        "you": None,
    }
    answers: dict[int, LiveAnswer] = {}
    stakes: dict[int, int] = {}
    if item is not None:
        question = item.question
        answers = {a.team_id: a for a in LiveAnswer.objects.filter(item=item)}
        stakes = dict(
            LiveStake.objects.filter(item=item).values_list("team_id", "stake")
        )
        revealed = contest.phase == Phase.REVEALED
        winner = next((a.team_id for a in answers.values() if a.won), None)
        view: dict[str, Any] = {
            "id": item.pk,
            "index": items.index(item) + 1,
            "total": len(items),
            "kind": item.kind,
            "points": item.points,
            "stakes": list(RISK_STAKES) if item.kind == LiveItemKind.RISK else [],
            "answer_seconds": item.answer_seconds,
            "opened_at": contest.opened_at,
            "closes_at": contest.closes_at,
            # The question stays hidden while teams choose their stakes.
            "question": None
            if contest.phase == Phase.STAKING
            else question_content(question),
            "answered_team_ids": sorted(answers),
            "staked_team_ids": sorted(stakes),
            "buzzer_winner_team_id": winner,
            "key": question_key(question) if revealed else None,
            "explanation": question.explanation if revealed else None,
            "results": [
                {
                    "team_id": team.pk,
                    "answered": team.pk in answers,
                    "correct": answers[team.pk].correct if team.pk in answers else None,
                    "stake": stakes.get(team.pk),
                    "points": item_points(
                        item=item,
                        answer=answers.get(team.pk),
                        stake=stakes.get(team.pk),
                    ),
                }
                for team in teams
            ]
            if revealed
            else None,
        }
        state["item"] = view
    if team_id is not None:
        mine = answers.get(team_id)
        team = next((t for t in teams if t.pk == team_id), None)
        state["you"] = {
            "team_id": team_id,
            "team_name": team.name if team else "",
            "answered": mine is not None,
            "answer": mine.answer if mine else None,
            "won": bool(mine and mine.won),
            "stake": stakes.get(team_id),
        }
    return state


def live_join_url(*, team: LiveTeam, request: HttpRequest | None = None) -> str:
    """What a team's QR code holds: the portal's join page with the team's join
    code (``/live/join/?code=``), as an absolute URL by ``dangke.links``; opened
    after sign-in it joins the team. Raises DisallowedHost (a request for a host
    not allowed)."""
    return portal_url(
        reverse("portal:live_join"), request=request, query={"code": team.join_code}
    )

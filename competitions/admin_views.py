"""The organiser's round pages in the admin: the rounds with their state, and a
round's standings (computed from the stored marks and votes) with the buttons
that close it and release its results. Each view checks its rule:
``competitions.selectors.user_organises`` (the permission to change
competitions)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from competitions import selectors, services
from competitions.models import Round
from dangke.errors import DomainError


def _require_organiser(request: HttpRequest) -> None:
    if not selectors.user_organises(user=request.user):
        raise PermissionDenied


def rounds_index_view(request: HttpRequest) -> HttpResponse:
    """宣讲比赛成绩: every round, newest competition first."""
    _require_organiser(request)
    rounds = Round.objects.select_related("competition").order_by(
        "-competition__created_at", "competition", "sequence"
    )[:200]
    return render(
        request,
        "competitions/admin/rounds.html",
        {"page_title": "宣讲比赛成绩", "rounds": rounds},
    )


def round_results_view(request: HttpRequest, round_id: int) -> HttpResponse:
    """A round's standings; POST ``action=close`` or ``action=release``."""
    _require_organiser(request)
    try:
        round = selectors.round_get(round_id=round_id)
    except DomainError as refusal:
        raise Http404(refusal.detail) from None
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "close":
                services.round_close(user=request.user, round=round)
                messages.success(request, f"“{round.title}”已结束")
            elif action == "release":
                services.round_release(user=request.user, round=round)
                messages.success(request, f"“{round.title}”成绩已公布")
            else:
                messages.error(request, "未知的操作")
        except DomainError as refusal:
            messages.error(request, refusal.detail)
        return redirect("competitions_round_results", round_id=round.pk)
    return render(
        request,
        "competitions/admin/results.html",
        {
            "page_title": f"{round.competition.title} · {round.title}",
            "round": round,
            "standings": selectors.round_ranking(round=round),
            "criteria": selectors.criteria_of(round=round),
            "judges": round.judges.select_related("judge"),
        },
    )

"""宣讲比赛 in the portal: the competitions and the account's entries (enter with a
video and a script, follow the video's processing, see results once released,
answer the invitation to the pool), a judge's phone page, the audience's vote
page, the hall screen of a final and the public check of a winner's certificate.

Thin: the rules are ``competitions.services`` and ``competitions.selectors``,
the same the API calls; a refusal is shown with the status its kind maps to and
the form keeps what was typed. The vote page and the hall screen poll the
stage endpoint (``/api/v3/competitions/rounds/<id>/stage``) and reload when
the stage changes.
"""

from __future__ import annotations

import base64

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from competitions import selectors, services
from competitions.errors import InvalidEntry
from competitions.models import SCRIPT_TEXT_MAX, Award, Round
from dangke.api_errors import status_for
from dangke.errors import DomainError
from dangke.links import portal_url, qr_png
from media_pipeline.errors import MediaError
from media_pipeline.services import video_asset_create
from themes.rendering import render_portal


def _refused(refusal: DomainError) -> tuple[str, int]:
    return refusal.detail, status_for(refusal)


@never_cache
@login_required
def competitions_view(request: HttpRequest) -> HttpResponse:
    """The competitions, the account's entries and the rounds it judges."""
    user = request.user
    return render_portal(
        request,
        "competitions/index.html",
        {
            "competitions": list(selectors.competitions_visible()[:50]),
            "entries": list(selectors.entries_of_user(user=user)[:50]),
            "judging": list(selectors.judge_rounds(user=user)),
            "organiser": selectors.user_organises(user=user),
        },
    )


def _video_upload(request: HttpRequest, title: str) -> int | None:
    """The uploaded video's asset id (the media pipeline stores and processes it)."""
    upload = request.FILES.get("video")
    if upload is None:
        return None
    try:
        return video_asset_create(
            file=upload, title=title or upload.name, uploaded_by=request.user
        ).pk
    except MediaError as refusal:
        raise InvalidEntry(refusal.detail, code="video_invalid") from None


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def competition_view(request: HttpRequest, competition_id: int) -> HttpResponse:
    """A competition, its rounds and rubric, and the entry form (a video file and
    a script PDF or text)."""
    competition = selectors.competitions_visible().filter(pk=competition_id).first()
    if competition is None:
        raise Http404("比赛不存在")
    error, status = "", 200
    typed = {"title": "", "script_text": ""}
    if request.method == "POST":
        typed = {key: request.POST.get(key, "")[: SCRIPT_TEXT_MAX * 2] for key in typed}
        try:
            entry = services.entry_submit(
                user=request.user,
                competition_id=competition.pk,
                title=typed["title"],
                video_id=_video_upload(request, typed["title"]),
                script_text=typed["script_text"],
                script_pdf=request.FILES.get("script_pdf"),
            )
        except DomainError as refusal:
            error, status = _refused(refusal)
        else:
            return HttpResponseRedirect(
                reverse("portal:competition_entry", args=[entry.pk])
            )
    rounds = list(competition.rounds.all())
    return render_portal(
        request,
        "competitions/competition.html",
        {
            "competition": competition,
            "rounds": [(r, selectors.criteria_of(round=r)) for r in rounds],
            "mine": selectors.entries_of_user(user=request.user)
            .filter(competition=competition)
            .first(),
            "entering": bool(rounds)
            and selectors.round_is_open(round=rounds[0], now=timezone.now()),
            "typed": typed,
            "script_max": SCRIPT_TEXT_MAX,
            "error": error,
        },
        status=status,
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def competition_entry_view(request: HttpRequest, entry_id: int) -> HttpResponse:
    """One of the account's entries: the video's state (a failure in words, and
    a new video), the results once released, the award and the invitation."""
    try:
        entry = selectors.entry_of_user_get(user=request.user, entry_id=entry_id)
    except DomainError:
        raise Http404("参赛作品不存在") from None
    error, status, done = "", 200, ""
    mine = entry.entrant_id == request.user.pk
    if request.method == "POST" and mine:
        action = request.POST.get("action", "")
        try:
            if action == "video":
                services.entry_video_replace(
                    user=request.user,
                    entry_id=entry.pk,
                    video_id=_video_upload(request, entry.title),
                )
                done = "已更换视频，正在处理"
            elif action in {"accept", "decline"}:
                award = selectors.award_get(user=request.user, award_id=entry.award.pk)
                services.invitation_respond(
                    user=request.user, award=award, accept=action == "accept"
                )
                done = "已加入师资库" if action == "accept" else "已谢绝邀请"
            else:
                error, status = "未知的操作", 400
        except (DomainError, Award.DoesNotExist) as refusal:
            if isinstance(refusal, DomainError):
                error, status = _refused(refusal)
            else:
                error, status = "没有获奖记录", 404
        entry = selectors.entry_of_user_get(user=request.user, entry_id=entry_id)
    award = getattr(entry, "award", None)
    return render_portal(
        request,
        "competitions/entry.html",
        {
            "entry": entry,
            "mine": mine,
            "rounds": selectors.entry_round_scores(entry=entry),
            "award": award,
            "error": error,
            "done": done,
        },
        status=status,
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def competition_judge_view(request: HttpRequest, round_id: int) -> HttpResponse:
    """A judge's phone page: the entries given to them, a score form by the
    rubric for each, and a conflict declaration."""
    try:
        round = selectors.round_get(round_id=round_id)
        selectors.judge_check(user=request.user, round=round)
    except DomainError as refusal:
        return render_portal(
            request,
            "competitions/refused.html",
            {"message": refusal.detail},
            status=status_for(refusal),
        )
    criteria = selectors.criteria_of(round=round)
    error, status, done, typed = "", 200, "", {}
    if request.method == "POST":
        entry_id = request.POST.get("entry", "")
        entry_id = int(entry_id) if entry_id.isdigit() else 0
        try:
            if request.POST.get("action") == "conflict":
                services.conflict_declare(
                    user=request.user,
                    round=round,
                    entry_id=entry_id,
                    reason=request.POST.get("reason", ""),
                )
                done = "已回避该作品"
            else:
                marks = {}
                for criterion in criteria:
                    raw = request.POST.get(f"mark-{criterion.pk}", "").strip()
                    typed[criterion.pk] = raw
                    if raw.lstrip("-").isdigit():
                        marks[str(criterion.pk)] = int(raw)
                services.score_submit(
                    user=request.user, round=round, entry_id=entry_id, marks=marks
                )
                done = "评分已保存"
        except DomainError as refusal:
            error, status = _refused(refusal)
    entries = list(selectors.judge_entries(user=request.user, round=round))
    given = selectors.judge_scores(user=request.user, round=round)
    rows = [
        {
            "entry": entry,
            "marks": [
                (c, (given.get(entry.pk) or {}).get(str(c.pk), "")) for c in criteria
            ],
            "scored": entry.pk in given,
            "total": (
                selectors.weighted_total(criteria=criteria, marks=given[entry.pk])
                if entry.pk in given
                else None
            ),
        }
        for entry in entries
    ]
    return render_portal(
        request,
        "competitions/judge.html",
        {
            "round": round,
            "criteria": criteria,
            "rows": rows,
            "open": selectors.round_is_open(round=round, now=timezone.now()),
            "error": error,
            "done": done,
        },
        status=status,
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def competition_vote_view(request: HttpRequest, round_id: int) -> HttpResponse:
    """The audience's phone page of a final: the running order, who is on stage,
    one vote, and the result once released."""
    try:
        round = selectors.final_round_for_vote(round_id=round_id)
    except DomainError:
        raise Http404("没有这场决赛") from None
    error, status, done = "", 200, ""
    if request.method == "POST":
        entry_id = request.POST.get("entry", "")
        try:
            services.vote_cast(
                user=request.user,
                round=round,
                entry_id=int(entry_id) if entry_id.isdigit() else 0,
            )
            done = "投票成功，谢谢参与"
        except DomainError as refusal:
            error, status = _refused(refusal)
    return render_portal(
        request,
        "competitions/vote.html",
        {**_stage_context(request, round), "error": error, "done": done},
        status=status,
    )


def _stage_context(request: HttpRequest, round: Round) -> dict:
    released = selectors.round_released(round=round)
    return {
        "round": round,
        "order": selectors.stage_order(round=round),
        "open": selectors.round_is_open(round=round, now=timezone.now()),
        "vote": selectors.vote_of(user=request.user, round=round),
        "released": released,
        "results": selectors.round_ranking(round=round) if released else None,
    }


SCREEN_ACTIONS = {"stage", "close", "release"}


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def competition_screen_view(request: HttpRequest, round_id: int) -> HttpResponse:
    """The hall screen of a final (organisers): the running order, the entrant
    on stage, the QR of the vote page, and the result once released; the
    organiser's controls below (next entrant, close, release)."""
    if not selectors.user_organises(user=request.user):
        return render_portal(
            request,
            "competitions/refused.html",
            {"message": "只有比赛的组织者可以打开大屏"},
            status=403,
        )
    try:
        round = selectors.final_round_for_vote(round_id=round_id)
    except DomainError:
        raise Http404("没有这场决赛") from None
    message = ""
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "stage":
                raw = request.POST.get("entry", "")
                services.stage_set(
                    user=request.user,
                    round=round,
                    entry_id=int(raw) if raw.isdigit() else None,
                )
            elif action == "close":
                services.round_close(user=request.user, round=round)
            elif action == "release":
                services.round_release(
                    user=request.user, round=selectors.round_get(round_id=round.pk)
                )
            return HttpResponseRedirect(request.path)
        except DomainError as refusal:
            message = refusal.detail
        round = selectors.round_get(round_id=round.pk)
    vote_url = portal_url(
        reverse("portal:competition_vote", args=[round.pk]), request=request
    )
    qr = base64.b64encode(qr_png(vote_url, box_size=8)).decode()
    return render_portal(
        request,
        "competitions/screen.html",
        {
            **_stage_context(request, round),
            "vote_url": vote_url,
            "vote_qr": f"data:image/png;base64,{qr}",
            "message": message,
        },
    )


def competition_award_view(request: HttpRequest, award_id: int) -> HttpResponse:
    """The public check of a winner's certificate (its QR code): who won what,
    when the code matches; 404 otherwise."""
    award = selectors.award_verify_get(
        award_id=award_id, code=request.GET.get("code", "")
    )
    if award is None:
        raise Http404("证书不存在")
    return render_portal(
        request,
        "competitions/award.html",
        {"award": award, "rank_name": services.rank_name(award.rank)},
    )

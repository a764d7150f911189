"""宣讲比赛 API. Thin: the rules are ``competitions.services`` and
``competitions.selectors``.

Entrants (members, lecturers) upload their video through the media pipeline's
tus endpoints and enter with its asset id and a script (text here, or a PDF
through ``competitions_entries_script``); judges read only the entries given to
them and score by the round's rubric; signed-in members vote once per final;
organisers (编辑) run the stage, close rounds and release results. Scores stay
hidden from entrants and the audience until released.
"""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Field, File, Router, Schema, Status
from ninja.decorators import decorate_view
from ninja.files import UploadedFile
from ninja.security import django_auth

from competitions import selectors, services
from competitions.errors import AwardNotFound, CompetitionNotFound
from competitions.models import SCRIPT_PDF_MAX, Competition, Entry, Round
from dangke.api_bodies import multipart_form
from dangke.api_errors import error_responses
from dangke.pdf import pdf_response
from dangke.tokens import TokenAuth

router = Router(tags=["competitions"], auth=[TokenAuth(), django_auth])


class CompetitionCriterionOut(Schema):
    id: int
    name: str
    weight: int
    max_score: int


class CompetitionRoundOut(Schema):
    id: int
    kind: str = Field(description="preliminary 线上初赛 或 final 现场决赛")
    title: str
    sequence: int
    closes_at: datetime
    advance_count: int
    status: str = Field(description="open 进行中 或 closed 已结束")
    released: bool
    criteria: list[CompetitionCriterionOut]


class CompetitionOut(Schema):
    id: int
    title: str
    description: str
    organisation: str
    audience_weight: float
    winners_count: int
    rounds: list[CompetitionRoundOut]


class CompetitionListOut(Schema):
    items: list[CompetitionOut]


class CompetitionEntryIn(Schema):
    title: str = Field(description="宣讲题目，最多 200 字")
    video_id: int | None = Field(
        default=None,
        description="经 /api/v3/media/uploads/ 上传的视频 id（须本人上传）",
    )
    script_text: str = Field(
        default="", description="讲稿文本（或稍后以 PDF 提交，见 entries_script）"
    )


class CompetitionVideoIn(Schema):
    video_id: int | None = None


class CompetitionStandingOut(Schema):
    entry_id: int
    title: str
    entrant_name: str
    rank: int
    judges: int
    judge_score: float
    votes: int
    audience_score: float
    total: float


class CompetitionEntryRoundOut(Schema):
    round_id: int
    round_title: str
    rank: int | None = None
    judge_score: float | None = None
    votes: int | None = None
    total: float | None = None


class CompetitionAwardOut(Schema):
    id: int
    rank: int
    score: float
    invitation: str = Field(description="pending、accepted 或 declined")
    certificate_url: str


class CompetitionEntryOut(Schema):
    id: int
    competition_id: int
    competition_title: str
    title: str
    entrant_name: str
    submitted_at: datetime
    video_id: int | None
    video_status: str = Field(description="媒体流水线的状态：ready、failed、…")
    video_problem: str = Field(description="视频处理失败时的原因（文字），否则为空")
    script_text: str
    has_script_pdf: bool
    rounds: list[CompetitionEntryRoundOut] = Field(
        description="各赛段；成绩公布前只有赛段名称，没有得分"
    )
    award: CompetitionAwardOut | None


class CompetitionEntryListOut(Schema):
    items: list[CompetitionEntryOut]


class CompetitionJudgeEntryOut(Schema):
    id: int
    title: str
    entrant_name: str
    video_id: int | None
    video_status: str
    video_problem: str
    script_text: str
    has_script_pdf: bool
    marks: dict[str, int] | None = Field(description="您已给出的分数（评分项 id → 分）")


class CompetitionJudgingOut(Schema):
    round: CompetitionRoundOut
    open: bool
    entries: list[CompetitionJudgeEntryOut]


class CompetitionScoreIn(Schema):
    marks: dict[str, int] = Field(description="评分项 id → 分数（0 至该项满分的整数）")


class CompetitionScoreOut(Schema):
    entry_id: int
    marks: dict[str, int]
    total: float = Field(description="您的加权总分（0–100）")


class CompetitionConflictIn(Schema):
    reason: str = Field(default="", description="回避原因（选填，最多 200 字）")


class CompetitionConflictOut(Schema):
    entry_id: int
    reason: str


class CompetitionVoteIn(Schema):
    entry_id: int


class CompetitionVoteOut(Schema):
    entry_id: int
    created_at: datetime


class CompetitionStageEntryOut(Schema):
    entry_id: int
    order: int
    title: str
    entrant_name: str


class CompetitionStageOut(Schema):
    round_id: int
    competition_title: str
    round_title: str
    status: str
    open: bool
    running_order: list[CompetitionStageEntryOut]
    current: CompetitionStageEntryOut | None
    my_vote: int | None = Field(description="您投票的作品 id（未投票为空）")
    released: bool
    results: list[CompetitionStandingOut] | None = Field(description="公布后才有")
    server_time: datetime


class CompetitionStageIn(Schema):
    entry_id: int | None = Field(description="上场选手的作品 id；空为暂无")


class CompetitionInvitationIn(Schema):
    accept: bool


def round_out(round: Round) -> dict:
    return {
        "id": round.pk,
        "kind": round.kind,
        "title": round.title,
        "sequence": round.sequence,
        "closes_at": round.closes_at,
        "advance_count": round.advance_count,
        "status": round.status,
        "released": selectors.round_released(round=round),
        "criteria": [
            {"id": c.pk, "name": c.name, "weight": c.weight, "max_score": c.max_score}
            for c in selectors.criteria_of(round=round)
        ],
    }


def competition_out(competition: Competition) -> dict:
    return {
        "id": competition.pk,
        "title": competition.title,
        "description": competition.description,
        "organisation": competition.organisation.name,
        "audience_weight": float(competition.audience_weight),
        "winners_count": competition.winners_count,
        "rounds": [round_out(r) for r in competition.rounds.all()],
    }


def _video_fields(entry: Entry) -> dict:
    video = entry.video
    failed = video is not None and video.status == "failed"
    return {
        "video_id": entry.video_id,
        "video_status": video.status if video else "missing",
        "video_problem": (
            f"视频处理失败：{video.error or '无法转码'}；请更换视频" if failed else ""
        ),
        "script_text": entry.script_text,
        "has_script_pdf": bool(entry.script_file),
    }


def entry_out(entry: Entry) -> dict:
    award = getattr(entry, "award", None)
    released = (
        award is not None
        and award.competition.rounds.filter(
            kind=Round.Kind.FINAL, released_at__isnull=False
        ).exists()
    )
    return {
        "id": entry.pk,
        "competition_id": entry.competition_id,
        "competition_title": entry.competition.title,
        "title": entry.title,
        "entrant_name": entry.entrant_name,
        "submitted_at": entry.submitted_at,
        **_video_fields(entry),
        "rounds": selectors.entry_round_scores(entry=entry),
        "award": (
            {
                "id": award.pk,
                "rank": award.rank,
                "score": float(award.score),
                "invitation": award.invitation,
                "certificate_url": (
                    f"/api/v3/competitions/awards/{award.pk}/certificate"
                ),
            }
            if released
            else None
        ),
    }


@router.get(
    "/",
    response={200: CompetitionListOut},
    operation_id="competitions_list",
    summary="The competitions (宣讲比赛) with their rounds and rubrics",
)
def competitions_list(request: HttpRequest):
    items = selectors.competitions_visible()[:100]
    return Status(200, {"items": [competition_out(c) for c in items]})


@router.get(
    "/{competition_id}",
    response={200: CompetitionOut, **error_responses(404)},
    operation_id="competitions_detail",
    summary="One competition with its rounds and rubrics",
)
def competitions_detail(request: HttpRequest, competition_id: int):
    competition = selectors.competitions_visible().filter(pk=competition_id).first()
    if competition is None:
        raise CompetitionNotFound(f"比赛 {competition_id} 不存在")
    return Status(200, competition_out(competition))


@router.post(
    "/{competition_id}/entries",
    response={201: CompetitionEntryOut, **error_responses(400, 403, 404, 409)},
    operation_id="competitions_entries_create",
    summary="Enter a competition with an uploaded video and a script",
    description=(
        "Members and lecturers, while the first round is open, once per "
        "competition. A video not uploaded by the caller or whose processing "
        "failed, a missing title or script: 400 naming it; entered already or "
        "entries closed: 409; neither member nor lecturer: 403."
    ),
)
def competitions_entries_create(
    request: HttpRequest, competition_id: int, payload: CompetitionEntryIn
):
    entry = services.entry_submit(
        user=request.user,
        competition_id=competition_id,
        title=payload.title,
        video_id=payload.video_id,
        script_text=payload.script_text,
    )
    return Status(201, entry_out(entry))


@router.get(
    "/entries/mine",
    response={200: CompetitionEntryListOut},
    operation_id="competitions_entries_mine",
    summary="The caller's entries, their video's state and released results",
)
def competitions_entries_mine(request: HttpRequest):
    entries = selectors.entries_of_user(user=request.user)[:50]
    return Status(200, {"items": [entry_out(e) for e in entries]})


@router.get(
    "/entries/{competition_entry_id}",
    response={200: CompetitionEntryOut, **error_responses(404)},
    operation_id="competitions_entries_detail",
    summary="One of the caller's entries (organisers: any)",
)
def competitions_entries_detail(request: HttpRequest, competition_entry_id: int):
    entry = selectors.entry_of_user_get(
        user=request.user, entry_id=competition_entry_id
    )
    return Status(200, entry_out(entry))


@router.put(
    "/entries/{competition_entry_id}/video",
    response={200: CompetitionEntryOut, **error_responses(400, 404, 409)},
    operation_id="competitions_entries_video",
    summary="Replace the entry's video (e.g. after it failed to process)",
)
def competitions_entries_video(
    request: HttpRequest, competition_entry_id: int, payload: CompetitionVideoIn
):
    entry = services.entry_video_replace(
        user=request.user, entry_id=competition_entry_id, video_id=payload.video_id
    )
    return Status(200, entry_out(entry))


@router.post(
    "/entries/{competition_entry_id}/script",
    response={200: CompetitionEntryOut, **error_responses(400, 404, 409, 413, 415)},
    operation_id="competitions_entries_script",
    summary="Give the entry its script as a PDF (multipart form, field `file`)",
)
@decorate_view(multipart_form(max_bytes=SCRIPT_PDF_MAX + 64 * 1024))
def competitions_entries_script(
    request: HttpRequest,
    competition_entry_id: int,
    file: UploadedFile = File(...),  # noqa: B008
):
    entry = services.entry_script_replace(
        user=request.user, entry_id=competition_entry_id, script_pdf=file
    )
    return Status(200, entry_out(entry))


@router.get(
    "/rounds/{competition_round_id}/judging",
    response={200: CompetitionJudgingOut, **error_responses(403, 404)},
    operation_id="competitions_judging",
    summary="A judge's entries in a round (only those given to them) and their marks",
)
def competitions_judging(request: HttpRequest, competition_round_id: int):
    round = selectors.round_get(round_id=competition_round_id)
    entries = selectors.judge_entries(user=request.user, round=round)
    marks = selectors.judge_scores(user=request.user, round=round)
    return Status(
        200,
        {
            "round": round_out(round),
            "open": selectors.round_is_open(round=round, now=timezone.now()),
            "entries": [
                {
                    "id": e.pk,
                    "title": e.title,
                    "entrant_name": e.entrant_name,
                    **_video_fields(e),
                    "marks": marks.get(e.pk),
                }
                for e in entries
            ],
        },
    )


@router.put(
    "/rounds/{competition_round_id}/entries/{competition_entry_id}/score",
    response={200: CompetitionScoreOut, **error_responses(400, 403, 404, 409)},
    operation_id="competitions_scores_put",
    summary="A judge scores an entry by the round's rubric",
    description=(
        "An entry not given to the judge: 404 entry_not_assigned; a mark outside "
        "0..max or an unknown/missing criterion: 400 naming it; the round "
        "closed: 409 round_closed. Scoring again while open replaces the marks."
    ),
)
def competitions_scores_put(
    request: HttpRequest,
    competition_round_id: int,
    competition_entry_id: int,
    payload: CompetitionScoreIn,
):
    round = selectors.round_get(round_id=competition_round_id)
    score = services.score_submit(
        user=request.user,
        round=round,
        entry_id=competition_entry_id,
        marks=payload.marks,
    )
    total = selectors.weighted_total(
        criteria=selectors.criteria_of(round=round), marks=score.marks
    )
    return Status(
        200,
        {
            "entry_id": competition_entry_id,
            "marks": score.marks,
            "total": round_cents(total),
        },
    )


def round_cents(value) -> float:
    return float(value.quantize(selectors.CENT))


@router.post(
    "/rounds/{competition_round_id}/entries/{competition_entry_id}/conflict",
    response={201: CompetitionConflictOut, **error_responses(403, 404, 409)},
    operation_id="competitions_conflicts_create",
    summary="A judge declares a conflict of interest and no longer scores the entry",
)
def competitions_conflicts_create(
    request: HttpRequest,
    competition_round_id: int,
    competition_entry_id: int,
    payload: CompetitionConflictIn,
):
    round = selectors.round_get(round_id=competition_round_id)
    conflict = services.conflict_declare(
        user=request.user,
        round=round,
        entry_id=competition_entry_id,
        reason=payload.reason,
    )
    return Status(201, {"entry_id": competition_entry_id, "reason": conflict.reason})


@router.post(
    "/rounds/{competition_round_id}/votes",
    response={201: CompetitionVoteOut, **error_responses(403, 404, 409)},
    operation_id="competitions_votes_create",
    summary="A signed-in member's one vote in a final",
    description="Voting twice: 409 already_voted (the first vote stands).",
)
def competitions_votes_create(
    request: HttpRequest, competition_round_id: int, payload: CompetitionVoteIn
):
    round = selectors.final_round_for_vote(round_id=competition_round_id)
    vote = services.vote_cast(user=request.user, round=round, entry_id=payload.entry_id)
    return Status(201, {"entry_id": vote.entry_id, "created_at": vote.created_at})


def stage_out(round: Round, user) -> dict:
    order = selectors.stage_order(round=round)
    items = [
        {
            "entry_id": re.entry_id,
            "order": re.stage_order,
            "title": re.entry.title,
            "entrant_name": re.entry.entrant_name,
        }
        for re in order
    ]
    current = next((i for i in items if i["entry_id"] == round.current_entry_id), None)
    vote = selectors.vote_of(user=user, round=round)
    released = selectors.round_released(round=round)
    return {
        "round_id": round.pk,
        "competition_title": round.competition.title,
        "round_title": round.title,
        "status": round.status,
        "open": selectors.round_is_open(round=round, now=timezone.now()),
        "running_order": items,
        "current": current,
        "my_vote": vote.entry_id if vote else None,
        "released": released,
        "results": (
            [s.as_dict() for s in selectors.round_ranking(round=round)]
            if released
            else None
        ),
        "server_time": timezone.now(),
    }


@router.get(
    "/rounds/{competition_round_id}/stage",
    response={200: CompetitionStageOut, **error_responses(404)},
    operation_id="competitions_stage",
    summary="The stage: running order, the entrant on stage, the result once released",
)
def competitions_stage(request: HttpRequest, competition_round_id: int):
    round = selectors.round_get(round_id=competition_round_id)
    return Status(200, stage_out(round, request.user))


@router.put(
    "/rounds/{competition_round_id}/stage",
    response={200: CompetitionStageOut, **error_responses(403, 404, 409)},
    operation_id="competitions_stage_set",
    summary="An organiser puts a finalist on stage",
)
def competitions_stage_set(
    request: HttpRequest, competition_round_id: int, payload: CompetitionStageIn
):
    round = selectors.round_get(round_id=competition_round_id)
    round = services.stage_set(
        user=request.user, round=round, entry_id=payload.entry_id
    )
    return Status(200, stage_out(round, request.user))


@router.post(
    "/rounds/{competition_round_id}/close",
    response={200: CompetitionRoundOut, **error_responses(403, 404, 409)},
    operation_id="competitions_rounds_close",
    summary="An organiser closes a round; a preliminary's top N go on to the next",
)
def competitions_rounds_close(request: HttpRequest, competition_round_id: int):
    round = selectors.round_get(round_id=competition_round_id)
    return Status(200, round_out(services.round_close(user=request.user, round=round)))


@router.post(
    "/rounds/{competition_round_id}/release",
    response={200: CompetitionRoundOut, **error_responses(403, 404, 409)},
    operation_id="competitions_rounds_release",
    summary="An organiser releases a closed round's results (a final: the winners)",
)
def competitions_rounds_release(request: HttpRequest, competition_round_id: int):
    round = selectors.round_get(round_id=competition_round_id)
    return Status(
        200, round_out(services.round_release(user=request.user, round=round))
    )


@router.get(
    "/rounds/{competition_round_id}/results",
    response={200: list[CompetitionStandingOut], **error_responses(403, 404)},
    operation_id="competitions_results",
    summary="A round's standings (organisers: any time; others once released)",
)
def competitions_results(request: HttpRequest, competition_round_id: int):
    round = selectors.round_get(round_id=competition_round_id)
    standings = selectors.round_results_get(user=request.user, round=round)
    return Status(200, [s.as_dict() for s in standings])


@router.post(
    "/awards/{competition_award_id}/invitation",
    response={200: CompetitionAwardOut, **error_responses(404, 409)},
    operation_id="competitions_invitation_respond",
    summary="A winner accepts (a lecturer profile linked to them) or declines the pool",
)
def competitions_invitation_respond(
    request: HttpRequest, competition_award_id: int, payload: CompetitionInvitationIn
):
    award = selectors.award_get(user=request.user, award_id=competition_award_id)
    if award.entry.entrant_id != request.user.pk:
        raise AwardNotFound(f"获奖记录 {competition_award_id} 不存在")
    award = services.invitation_respond(
        user=request.user, award=award, accept=payload.accept
    )
    return Status(
        200,
        {
            "id": award.pk,
            "rank": award.rank,
            "score": float(award.score),
            "invitation": award.invitation,
            "certificate_url": f"/api/v3/competitions/awards/{award.pk}/certificate",
        },
    )


@router.get(
    "/awards/{competition_award_id}/certificate",
    response={200: None, **error_responses(404)},
    operation_id="competitions_award_certificate",
    summary="A winner's certificate (PDF), for the winner and organisers",
)
def competitions_award_certificate(request: HttpRequest, competition_award_id: int):
    award = selectors.award_get(user=request.user, award_id=competition_award_id)
    if not award.certificate:
        raise AwardNotFound("证书尚未生成")
    with award.certificate.open("rb") as handle:
        content = handle.read()
    response: HttpResponse = pdf_response(content, filename=f"荣誉证书-{award.pk}.pdf")
    return response

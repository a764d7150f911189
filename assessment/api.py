"""Assessment API: quizzes and exams, daily practice and the wrong-answer book,
online contests, reports, and the live stage round.

Members authenticate like the learning API (a bearer token or the portal's
session); the member always comes from authentication. A live contest's phones use
the device token they got when joining a team (``X-Device-Token``); the host uses
their account. Refusals are raised (``assessment.errors``); the handler
``dangke.api_errors`` registers on the API answers them as problem documents.

**Live state: polling with ETags, not server-sent events.** Host screens and phones
poll ``GET /live/{id}/state`` about twice a second with ``If-None-Match``. Every
change of a live contest's state bumps its ``version`` (a phone joining changes
nothing the state shows and does not, so it never makes the host's next click
stale); the ETag is the contest, that
version and who asks, so while nothing changes a poll costs one indexed read and
answers ``304 Not Modified`` with no body. Polling works through every proxy and
load balancer in between (no buffering or idle-timeout surprises), with WSGI and
gunicorn's sync workers (an SSE stream would hold a worker per phone for the whole
contest: 50 phones, 50 workers), with no Channels/ASGI stack to run, and a phone
that drops off the hall's Wi-Fi simply catches up on its next poll. Half a second
of latency is below what a hall notices; the buzzer is decided by the server's
clock when an answer arrives, never by when a screen learned the question opened.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Router, Status
from ninja.security import django_auth

from assessment import selectors, services
from assessment.auth import LiveDeviceAuth
from assessment.errors import (
    AttemptNotFound,
    ContestNotFound,
    InvalidReportQuery,
    NotAParticipant,
    NotHost,
    OrganisationNotFound,
    OutOfScope,
    QuizNotFound,
    RankingDisabled,
)
from assessment.models import LiveContest, LiveDevice, OnlineContest, Quiz
from assessment.schemas import (
    AnswerIn,
    AnswerSavedOut,
    AttemptOut,
    AttemptSummaryOut,
    ContestOut,
    ContestResultReportOut,
    LiveAdvanceIn,
    LiveAnswerIn,
    LiveAnswerOut,
    LiveJoinIn,
    LiveJoinOut,
    LiveStakeIn,
    LiveStakeOut,
    LiveStateOut,
    PracticeOut,
    PracticeQuestionOut,
    QuizOut,
    RankingOut,
    ResultReportOut,
    WrongAnswerListOut,
    WrongAnswerRetryOut,
)
from dangke.api_errors import error_responses
from dangke.exports import (
    export_format_check,
    export_openapi_extra,
    export_with_audit,
)
from dangke.links import qr_png
from dangke.tokens import TokenAuth
from learning import selectors as learning_selectors
from learning.models import Member, Organisation
from learning.services import NotAMember

router = Router(tags=["assessment"], auth=[TokenAuth(), django_auth])


def _member(request: HttpRequest) -> Member:
    member = learning_selectors.member_for_user(user=request.user)
    if member is None:
        raise NotAMember("当前账号不是党员，没有答题记录")
    return member


# --- quizzes and exams ------------------------------------------------------------


def _quiz(quiz_id: int) -> Quiz:
    quiz = selectors.quiz_for_member(quiz_id=quiz_id)
    if quiz is None:
        raise QuizNotFound(f"测验 {quiz_id} 不存在或未开放")
    return quiz


@router.get(
    "/quizzes",
    response={200: list[QuizOut], **error_responses(403)},
    operation_id="assessment_quiz_list",
    summary="The quizzes of a lesson or the exam of a course",
    description="`page` is the lesson's or course's page id. Each quiz comes with "
    "the member's standing: attempts used and left, best score, passed.",
)
def quiz_list(request: HttpRequest, page: int):
    member = _member(request)
    return Status(
        200,
        [
            selectors.quiz_summary(quiz=quiz, member=member)
            for quiz in selectors.quizzes_for_page(page_id=page)
        ],
    )


@router.get(
    "/quizzes/{quiz_id}",
    response={200: QuizOut, **error_responses(403, 404)},
    operation_id="assessment_quiz_detail",
    summary="A quiz's rules and the member's standing",
)
def quiz_detail(request: HttpRequest, quiz_id: int):
    member = _member(request)
    return Status(200, selectors.quiz_summary(quiz=_quiz(quiz_id), member=member))


@router.post(
    "/quizzes/{quiz_id}/attempts",
    response={
        200: AttemptOut,
        201: AttemptOut,
        **error_responses(400, 403, 404, 409),
    },
    operation_id="assessment_attempt_start",
    summary="Start an attempt (or resume the one still open)",
    description="201 with a new attempt, 200 with the member's attempt still open "
    "(a reload resumes, it never starts over). The questions are drawn and their "
    "options shuffled on the server; the deadline is set now, by the server's clock. "
    "No answer key is sent before the attempt is closed. A lesson's quiz follows the "
    "lesson's reach rule (one of its courses open to the member's type, or assigned "
    "to the member): out of reach, starting and answering are refused "
    "(403 `lesson_out_of_reach`), as the lesson's heartbeats are. A course's exam "
    "follows the course's rule (403 `course_out_of_reach`).",
    exclude_unset=True,
)
def attempt_start(request: HttpRequest, quiz_id: int):
    member = _member(request)
    attempt, created = services.quiz_attempt_start(member=member, quiz=_quiz(quiz_id))
    return Status(201 if created else 200, selectors.attempt_view(attempt=attempt))


@router.get(
    "/attempts",
    response={200: list[AttemptSummaryOut], **error_responses(403)},
    operation_id="assessment_attempt_list",
    summary="The signed-in member's attempts and results (答题记录)",
    description="Quizzes, exams and online contests, newest first; `quiz` filters.",
)
def attempt_list(request: HttpRequest, quiz: int | None = None):
    member = _member(request)
    services.attempts_close_expired(member=member)
    return Status(200, selectors.member_attempts(member=member, quiz_id=quiz))


def _attempt(request: HttpRequest, attempt_id: int):
    attempt = selectors.attempt_for_member(
        member=_member(request), attempt_id=attempt_id
    )
    if attempt is None:
        raise AttemptNotFound(f"答卷 {attempt_id} 不存在")
    return services.attempt_refresh(attempt=attempt)


@router.get(
    "/attempts/{attempt_id}",
    response={200: AttemptOut, **error_responses(403, 404)},
    operation_id="assessment_attempt_detail",
    summary="An attempt: questions, saved answers, time left; the result once closed",
    description="An attempt left open past its deadline is closed and scored at its "
    "deadline when it is read. Key, right/wrong and explanations appear only once it "
    "is closed, and only if the quiz shows them.",
    exclude_unset=True,
)
def attempt_detail(request: HttpRequest, attempt_id: int):
    return Status(200, selectors.attempt_view(attempt=_attempt(request, attempt_id)))


@router.put(
    "/attempts/{attempt_id}/answers/{question_id}",
    response={200: AnswerSavedOut, **error_responses(400, 403, 404, 409)},
    operation_id="assessment_answer_save",
    summary="Save one answer as it is given",
    description="Idempotent: saving the same answer again changes nothing, so a "
    "client may resend after a network error. An empty answer clears it. After the "
    "deadline (server clock) the answer is refused with `deadline_passed` and the "
    "attempt is scored as saved by then.",
)
def answer_save(
    request: HttpRequest, attempt_id: int, question_id: int, payload: AnswerIn
):
    saved = services.attempt_answer_save(
        member=_member(request),
        attempt_id=attempt_id,
        question_id=question_id,
        options=payload.options,
        value=payload.value,
        text=payload.text,
    )
    remaining = (saved.deadline - timezone.now()).total_seconds()
    return Status(
        200,
        {
            "question": saved.question_id,
            "answer": saved.answer,
            "answered_at": saved.answered_at,
            "remaining_seconds": max(0.0, round(remaining, 3)),
        },
    )


@router.post(
    "/attempts/{attempt_id}/submit",
    response={200: AttemptOut, **error_responses(403, 404)},
    operation_id="assessment_attempt_submit",
    summary="Hand in the attempt; it is scored on the server",
    description="Submitting again returns the same result. Fields such as `score` "
    "or `correct` in the request are ignored.",
    exclude_unset=True,
)
def attempt_submit(request: HttpRequest, attempt_id: int):
    attempt = services.attempt_submit(member=_member(request), attempt_id=attempt_id)
    return Status(200, selectors.attempt_view(attempt=attempt))


# --- daily practice and the wrong-answer book -------------------------------------


@router.get(
    "/practice/today",
    response={200: PracticeOut, **error_responses(403)},
    operation_id="assessment_practice_today",
    summary="Today's practice (每日一练)",
    description="A few questions a day (setting 每日一练设置, default 5), drawn the "
    "first time it is asked for, preferring questions not seen yet and ones got "
    "wrong. No points, no streaks, no ranking.",
    exclude_unset=True,
)
def practice_today(request: HttpRequest):
    practice = services.daily_practice_for(member=_member(request))
    return Status(200, selectors.practice_view(practice=practice))


@router.put(
    "/practice/today/answers/{question_id}",
    response={200: PracticeQuestionOut, **error_responses(400, 403, 404, 409)},
    operation_id="assessment_practice_answer",
    summary="Answer a question of today's practice (checked at once)",
    description="The answer is kept: sending it again returns the same result, a "
    "different one is refused (`already_answered`). A wrong answer enters the "
    "wrong-answer book.",
    exclude_unset=True,
)
def practice_answer(request: HttpRequest, question_id: int, payload: AnswerIn):
    item = services.daily_practice_answer(
        member=_member(request),
        question_id=question_id,
        options=payload.options,
        value=payload.value,
        text=payload.text,
    )
    return Status(200, selectors.practice_item_view(item))


@router.get(
    "/wrong-answers",
    response={200: WrongAnswerListOut, **error_responses(400, 403)},
    operation_id="assessment_wrong_answer_list",
    summary="The wrong-answer book (错题本) with explanations",
    description="Keys and explanations follow the one key rule: none while a "
    "question is held back (`held_back`). Answers given in a contest that is not "
    "over, or in a quiz that does not show its answers, never enter the book.",
)
def wrong_answer_list(request: HttpRequest, offset: int = 0, limit: int = 50):
    if not (0 <= offset and 1 <= limit <= 200):
        raise InvalidReportQuery(
            "offset 不能为负，limit 须在 1 到 200 之间", code="invalid_page"
        )
    count, items = selectors.wrong_answers_for_member(
        member=_member(request), offset=offset, limit=limit
    )
    return Status(200, {"count": count, "items": items})


@router.post(
    "/wrong-answers/{question_id}/retry",
    response={200: WrongAnswerRetryOut, **error_responses(400, 403, 404, 409)},
    operation_id="assessment_wrong_answer_retry",
    summary="Answer a question of the wrong-answer book again",
    description="Answered right, it may be removed from the book. A question held "
    "back (`held_back`: a contest not over or a quiz keeping its answers hidden may "
    "still draw it) cannot be answered again until it is not (409 "
    "`question_held_back`).",
)
def wrong_answer_retry(request: HttpRequest, question_id: int, payload: AnswerIn):
    entry, correct = services.wrong_answer_retry(
        member=_member(request),
        question_id=question_id,
        options=payload.options,
        value=payload.value,
        text=payload.text,
    )
    return Status(
        200,
        {
            "correct": correct,
            "answered_right": entry.resolved_at is not None,
            "times_wrong": entry.times_wrong,
        },
    )


@router.delete(
    "/wrong-answers/{question_id}",
    response={204: None, **error_responses(403, 404, 409)},
    operation_id="assessment_wrong_answer_remove",
    summary="Remove a question from the wrong-answer book (once answered right)",
)
def wrong_answer_remove(request: HttpRequest, question_id: int):
    services.wrong_answer_remove(member=_member(request), question_id=question_id)
    return Status(204, None)


# --- online contests --------------------------------------------------------------


def _contest_for_member(request: HttpRequest, contest_id: int) -> OnlineContest:
    contest = selectors.contest_for_member(
        member=_member(request), contest_id=contest_id
    )
    if contest is None:
        raise ContestNotFound(f"竞赛 {contest_id} 不存在或不面向您所在的组织")
    return contest


@router.get(
    "/contests",
    response={200: list[ContestOut], **error_responses(403)},
    operation_id="assessment_contest_list",
    summary="Online contests (知识竞赛·海选) open to the member's organisation",
)
def contest_list(request: HttpRequest):
    member = _member(request)
    services.attempts_close_expired(member=member)
    return Status(
        200,
        [
            selectors.contest_view(contest=contest, member=member)
            for contest in selectors.contests_for_member(member=member)
        ],
    )


@router.get(
    "/contests/{contest_id}",
    response={200: ContestOut, **error_responses(403, 404)},
    operation_id="assessment_contest_detail",
    summary="An online contest and the member's own result",
)
def contest_detail(request: HttpRequest, contest_id: int):
    member = _member(request)
    contest = _contest_for_member(request, contest_id)
    services.attempts_close_expired(member=member, quiz=contest.quiz)
    return Status(200, selectors.contest_view(contest=contest, member=member))


@router.post(
    "/contests/{contest_id}/attempt",
    response={
        200: AttemptOut,
        201: AttemptOut,
        **error_responses(400, 403, 404, 409),
    },
    operation_id="assessment_contest_attempt_start",
    summary="Start the member's one attempt at an online contest",
    description="Inside the contest's window only, one attempt each (200 resumes it "
    "while open). Answer and submit through `/attempts/{id}`; the attempt ends at "
    "its time limit or when the window closes. Ties are broken by the time taken.",
    exclude_unset=True,
)
def contest_attempt_start(request: HttpRequest, contest_id: int):
    contest = _contest_for_member(request, contest_id)
    attempt, created = services.contest_attempt_start(
        member=_member(request), contest=contest
    )
    return Status(201 if created else 200, selectors.attempt_view(attempt=attempt))


@router.get(
    "/contests/{contest_id}/ranking",
    response={200: RankingOut, **error_responses(403, 404)},
    operation_id="assessment_contest_ranking",
    summary="The individual ranking, when the organiser made it public",
    description="Off by default (`ranking_disabled`): then no endpoint shows any "
    "member's score to anyone else.",
)
def contest_ranking(request: HttpRequest, contest_id: int, limit: int = 100):
    contest = _contest_for_member(request, contest_id)
    if not contest.ranking_public:
        raise RankingDisabled("本次竞赛不公开个人排名")
    limit = max(1, min(limit, 500))
    return Status(
        200,
        {
            "contest": contest.pk,
            "items": selectors.contest_ranking(contest=contest, limit=limit),
        },
    )


# --- reports ----------------------------------------------------------------------


def _report_node(request: HttpRequest, code: str, fmt: str) -> Organisation:
    export_format_check(fmt)
    node = Organisation.objects.filter(code=code).first()
    if node is None:
        raise OrganisationNotFound(f"组织代码「{code}」不存在")
    if not learning_selectors.user_can_report_on(user=request.user, organisation=node):
        raise OutOfScope("您只能查看自己管理的党组织及其下级")
    return node


def _report_response(
    request: HttpRequest,
    report: selectors.ResultReport,
    *,
    kind: str,
    name: str,
    fmt: str,
):
    if fmt == "json":
        return Status(200, report.as_dict())
    return export_with_audit(
        report.table(),
        fmt=fmt,
        filename=f"{name}-{report.organisation.code}",
        actor=request.user,
        channel="api",
        subject=f"assessment.{kind}",
        scope={"organisation": report.organisation.code, "subject": report.subject},
        row_count=1 + len(report.children),
    )


@router.get(
    "/reports/pass-rates",
    response={200: ResultReportOut, **error_responses(400, 403, 404)},
    operation_id="assessment_pass_rate_report",
    openapi_extra=export_openapi_extra(),
    summary="Pass rates of a quiz or exam for an organisation subtree",
    description="`organisation` (its code) and `quiz` (id). Per child organisation "
    "(drill down by asking with a child's code): members, members who handed in, "
    "passed, pass rate and average best score. `format=csv` or `xlsx` downloads "
    "it. Organisation admins see only their own subtree.",
)
def pass_rate_report(
    request: HttpRequest, organisation: str, quiz: int, format: str = "json"
):
    node = _report_node(request, organisation, format)
    subject = Quiz.objects.filter(pk=quiz).first()
    if subject is None:
        raise QuizNotFound(f"测验 {quiz} 不存在")
    report = selectors.pass_rate_report(organisation=node, quiz=subject)
    return _report_response(
        request,
        report,
        kind="pass_rates",
        name=f"pass-rates-{subject.pk}",
        fmt=format,
    )


@router.get(
    "/contests/{contest_id}/results",
    response={200: ContestResultReportOut, **error_responses(400, 403, 404)},
    operation_id="assessment_contest_results",
    openapi_extra=export_openapi_extra(),
    summary="An online contest's participation and average score per organisation",
    description="For organisation admins (their subtree) and editors; drill down by "
    "a child's code; `format=csv`/`xlsx`. Aggregates only: no member's score. A row "
    "with fewer participants than `min_group_size` (3) shows its participation only: "
    "`passed`, `pass_rate` and `average_score` are null and `suppressed` is true "
    "(`不公布` in the files), and so does, where subtracting the rows shown from a "
    "total or a parent would recover it, another row or the total (complementary "
    "suppression, decided once for the contest's whole tree). While the contest is "
    "open every row withholds them (`scores_after`: the close), so comparing totals "
    "before and after a submission gives nothing away. When the organiser made the "
    "individual ranking public, `min_group_size` is null and nothing is withheld.",
)
def contest_results(
    request: HttpRequest, contest_id: int, organisation: str, format: str = "json"
):
    node = _report_node(request, organisation, format)
    contest = (
        OnlineContest.objects.select_related("organisation", "quiz")
        .filter(pk=contest_id)
        .first()
    )
    if contest is None:
        raise ContestNotFound(f"竞赛 {contest_id} 不存在")
    # Attempts left open at the close count in the figures published after it.
    services.attempts_close_expired(quiz=contest.quiz)
    report = selectors.contest_results_report(organisation=node, contest=contest)
    return _report_response(
        request,
        report,
        kind="contest_results",
        name=f"contest-{contest.pk}",
        fmt=format,
    )


# --- live stage round -------------------------------------------------------------


@router.post(
    "/live/join",
    auth=None,
    response={201: LiveJoinOut, **error_responses(404, 429)},
    operation_id="assessment_live_join",
    summary="Join a phone to a team with its join code",
    description="Returns a device token bound to the team; send it as "
    "`X-Device-Token` with every request of this phone.",
)
def live_join(request: HttpRequest, payload: LiveJoinIn):
    device, token = services.live_device_join(
        code=payload.code,
        label=payload.label,
        limit_key=request.META.get("REMOTE_ADDR", "") or "unknown",
    )
    return Status(
        201,
        {
            "device_token": token,
            "contest": device.team.contest_id,
            "team": {"id": device.team_id, "name": device.team.name},
        },
    )


def _live_contest(contest_id: int) -> LiveContest:
    contest = (
        LiveContest.objects.select_related("organisation").filter(pk=contest_id).first()
    )
    if contest is None:
        raise ContestNotFound(f"擂台赛 {contest_id} 不存在")
    return contest


def _device(request: HttpRequest, contest_id: int) -> LiveDevice:
    device = request.auth
    if not isinstance(device, LiveDevice) or device.team.contest_id != contest_id:
        raise NotAParticipant("这台设备没有加入这场比赛")
    return device


@router.get(
    "/live/{contest_id}/state",
    auth=[LiveDeviceAuth(), TokenAuth(), django_auth],
    response={200: LiveStateOut, 304: None, **error_responses(403, 404)},
    operation_id="assessment_live_state",
    summary="The live contest now, for the host screen and the phones",
    description="Poll about every 0.5 s with `If-None-Match: <the last ETag>`: "
    "`304 Not Modified` until something changes. Phones (device token) see their "
    "own team's answer; the host (account with 主持擂台赛) also sees join codes. "
    "Countdowns: `closes_at` against `server_time`.",
    exclude_unset=True,
)
def live_state(request: HttpRequest, contest_id: int, response: HttpResponse):
    version = selectors.live_state_version(contest_id=contest_id)
    if version is None:
        raise ContestNotFound(f"擂台赛 {contest_id} 不存在")
    if isinstance(request.auth, LiveDevice):
        team_id = _device(request, contest_id).team_id
        viewer, contest = f"team{team_id}", None
    else:
        contest = _live_contest(contest_id)
        if not selectors.user_can_host(user=request.user, contest=contest):
            raise NotAParticipant("只有本场比赛的主持人和参赛设备可以查看")
        team_id, viewer = None, "host"
    etag = f'W/"live-{contest_id}-{version}-{viewer}"'
    response["ETag"] = etag
    response["Cache-Control"] = "no-cache"
    if etag in request.headers.get("If-None-Match", ""):
        return Status(304, None)
    contest = contest or _live_contest(contest_id)
    state = selectors.live_state(contest=contest, team_id=team_id, host=not team_id)
    # The state read may be newer than the version read first; tag what was sent.
    response["ETag"] = f'W/"live-{contest_id}-{state["version"]}-{viewer}"'
    return Status(200, state)


@router.post(
    "/live/{contest_id}/stakes",
    auth=[LiveDeviceAuth()],
    response={200: LiveStakeOut, **error_responses(400, 403, 404, 409)},
    operation_id="assessment_live_stake",
    summary="Choose the team's stake (20/30/40) for the current risk question",
)
def live_stake(request: HttpRequest, contest_id: int, payload: LiveStakeIn):
    stake = services.live_stake_choose(
        device=_device(request, contest_id),
        team_id=payload.team,
        item_id=payload.item,
        stake=payload.stake,
    )
    return Status(
        200, {"team": stake.team_id, "item": stake.item_id, "stake": stake.stake}
    )


@router.post(
    "/live/{contest_id}/answers",
    auth=[LiveDeviceAuth()],
    response={201: LiveAnswerOut, **error_responses(400, 403, 404, 409)},
    operation_id="assessment_live_answer",
    summary="The team's answer to the current question",
    description="Decided on the server's clock: refused before the host opens the "
    "question (`question_not_open`), after its time (`answer_window_closed`), for "
    "another team (`not_your_team`) or a second time (`already_answered`). For a "
    "抢答 question `won` tells whether this was the first right answer.",
    exclude_unset=True,
)
def live_answer(request: HttpRequest, contest_id: int, payload: LiveAnswerIn):
    answer = services.live_answer_submit(
        device=_device(request, contest_id),
        team_id=payload.team,
        item_id=payload.item,
        options=payload.options,
        value=payload.value,
        text=payload.text,
    )
    body = {
        "team": answer.team_id,
        "item": answer.item_id,
        "answered_at": answer.answered_at,
    }
    if answer.item.kind == "buzzer":
        body["won"] = answer.won
    return Status(201, body)


@router.post(
    "/live/{contest_id}/advance",
    response={200: LiveStateOut, **error_responses(403, 404, 409)},
    operation_id="assessment_live_advance",
    summary="The host moves the contest one step on",
    description="Start → (per question) read or choose stakes → open for answers → "
    "reveal (points applied) → next question … → finished. Send the `version` the "
    "host screen shows: a second click on a stale screen is refused "
    "(`stale_state`) instead of skipping a step.",
    exclude_unset=True,
)
def live_advance(request: HttpRequest, contest_id: int, payload: LiveAdvanceIn):
    contest = services.live_advance(
        user=request.user, contest_id=contest_id, expected_version=payload.version
    )
    return Status(200, selectors.live_state(contest=contest, host=True))


@router.get(
    "/live/{contest_id}/teams/{team_id}/qr.png",
    response={200: None, **error_responses(403, 404)},
    operation_id="assessment_live_team_qr",
    url_name="assessment_live_team_qr",
    summary="A team's join QR code (PNG) for the host screen",
    description="Holds the portal's https join URL `/live/join/?code=<join code>`: "
    "opened with a phone's camera or WeChat's scanner it joins the team after "
    "sign-in (scanning again rejoins the same team).",
)
def live_team_qr(request: HttpRequest, contest_id: int, team_id: int):
    contest = _live_contest(contest_id)
    if not selectors.user_can_host(user=request.user, contest=contest):
        raise NotHost("只有本场比赛的主持人可以显示加入码")
    team = contest.teams.filter(pk=team_id).first()
    if team is None:
        raise ContestNotFound(f"队伍 {team_id} 不在这场比赛中", code="team_not_found")
    png = HttpResponse(
        qr_png(selectors.live_join_url(team=team, request=request), box_size=8),
        content_type="image/png",
    )
    png["Cache-Control"] = "no-store"
    return png

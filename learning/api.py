"""Learning API: heartbeats, enrolment, check-in, the archive and reports.

The member always comes from authentication (a bearer token or the portal's session),
never from the request body.
"""

from __future__ import annotations

import functools

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.utils import timezone
from ninja import Router, Status
from ninja.security import django_auth

from cms.models import CoursePage, TopicPage
from cms.selectors import pages_visible_to_public
from learning import selectors, services
from learning.auth import RememberedBearerTokenAuth
from learning.exports import report_response
from learning.models import Member, Organisation, TrainingSession
from learning.schemas import (
    ArchiveOut,
    CheckinIn,
    CheckinOut,
    EnrolmentIn,
    EnrolmentOut,
    ErrorOut,
    HeartbeatIn,
    ProgressOut,
    ReportOut,
)

router = Router(tags=["learning"], auth=[RememberedBearerTokenAuth(), django_auth])

RATE_WINDOW_SECONDS = 60


def _error(status: int, detail: str, code: str):
    return Status(status, {"detail": detail, "code": code})


def _answering_errors(view):
    """Turn a refused request (services.LearningError) into its error response."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except services.LearningError as exc:
            return _error(exc.status, exc.detail, exc.code)

    return wrapper


def _member(request: HttpRequest) -> Member:
    member = selectors.member_for_user(request.user)
    if member is None:
        raise services.NotAMember("当前账号不是党员，没有学习记录")
    return member


def _rate_limited(request: HttpRequest, bucket: str, limit: int) -> bool:
    """A fixed-window counter in Django's cache, so every worker shares it."""
    window = int(timezone.now().timestamp()) // RATE_WINDOW_SECONDS
    key = f"learning:rate:{bucket}:{request.user.pk}:{window}"
    try:
        count = cache.incr(key)
    except ValueError:  # the window's first request
        if cache.add(key, 1, RATE_WINDOW_SECONDS * 2):
            return limit < 1
        count = cache.incr(key)
    return count > limit


@router.post(
    "/progress",
    response={
        200: ProgressOut,
        400: ErrorOut,
        403: ErrorOut,
        404: ErrorOut,
        409: ErrorOut,
        429: ErrorOut,
    },  # fmt: skip
    operation_id="learning_progress_record",
    summary="Record a playback heartbeat",
    description=(
        "Send every few seconds while playing (video or audio only): the ranges played "
        "since the previous beat. The server alone decides completion; fields such as "
        "`completed` sent by a client are ignored. Replaying a `(playback_id, seq)` "
        "returns the same answer."
    ),
)
@_answering_errors
def progress_record(request: HttpRequest, payload: HeartbeatIn):
    if _rate_limited(request, "progress", settings.LEARNING_HEARTBEATS_PER_MINUTE):
        return _error(429, "心跳过于频繁，请稍后再试", "rate_limited")
    answer = services.lesson_progress_record(
        member=_member(request),
        lesson_id=payload.lesson,
        playback_id=payload.playback_id,
        seq=payload.seq,
        ranges=payload.ranges,
        position=payload.position,
        rate=payload.rate,
    )
    return Status(200, answer.as_dict())


@router.get(
    "/progress/{lesson_id}",
    response={200: ProgressOut, 403: ErrorOut, 404: ErrorOut},
    operation_id="learning_progress_detail",
    summary="The member's progress on a lesson (where to resume)",
)
@_answering_errors
def progress_detail(request: HttpRequest, lesson_id: int):
    member = _member(request)
    info = selectors.lesson_info(lesson_id=lesson_id)
    if info is None:
        return _error(404, f"微党课 {lesson_id} 不存在或未发布", "lesson_not_found")
    return Status(200, selectors.lesson_progress_summary(member=member, info=info))


@router.post(
    "/enrolments",
    response={201: EnrolmentOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut},
    operation_id="learning_enrolment_create",
    summary="Enrol in an elective course (选课)",
)
@_answering_errors
def enrolment_create(request: HttpRequest, payload: EnrolmentIn):
    enrolment = services.enrolment_create(
        member=_member(request), course_id=payload.course
    )
    return Status(
        201, {"course": enrolment.course_id, "enrolled_at": enrolment.enrolled_at}
    )


@router.post(
    "/checkins",
    response={
        201: CheckinOut,
        400: ErrorOut,
        403: ErrorOut,
        404: ErrorOut,
        429: ErrorOut,
    },  # fmt: skip
    operation_id="learning_checkin_create",
    summary="Check in at a training session with its rotating code",
)
@_answering_errors
def checkin_create(request: HttpRequest, payload: CheckinIn):
    if _rate_limited(request, "checkin", settings.LEARNING_CHECKINS_PER_MINUTE):
        return _error(429, "签到尝试过于频繁，请稍后再试", "rate_limited")
    session = TrainingSession.objects.filter(pk=payload.session).first()
    if session is None:
        return _error(404, f"课次 {payload.session} 不存在", "session_not_found")
    attendance = services.session_check_in(
        member=_member(request), session=session, code=payload.code
    )
    return Status(
        201,
        {
            "session": session.pk,
            "checked_in_at": attendance.checked_in_at,
            "credit_hours": session.credit_hours,
        },
    )


@router.get(
    "/archive",
    response={200: ArchiveOut, 403: ErrorOut},
    operation_id="learning_archive",
    summary="The signed-in member's learning archive (学习档案)",
)
@_answering_errors
def archive(request: HttpRequest, year: int | None = None):
    member = _member(request)
    return Status(200, selectors.member_archive(member=member, year=year))


@router.get(
    "/reports",
    response={200: ReportOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    operation_id="learning_report",
    summary="Coverage report for an organisation subtree",
    description=(
        "Give `organisation` (its code) and at most one of `course` or `topic` (page "
        "ids); without them the report is the year's 学时 target. `format=csv` or "
        "`xlsx` downloads it. Organisation admins see only their own subtree."
    ),
)
def report(
    request: HttpRequest,
    organisation: str,
    course: int | None = None,
    topic: int | None = None,
    year: int | None = None,
    offset: int = 0,
    limit: int = 20,
    format: str = "json",
):
    node = Organisation.objects.filter(code=organisation).first()
    if node is None:
        return _error(
            404, f"组织代码「{organisation}」不存在", "organisation_not_found"
        )
    if not selectors.user_can_report_on(request.user, node):
        return _error(403, "您只能查看自己管理的党组织及其下级", "out_of_scope")
    if course is not None and topic is not None:
        return _error(400, "course 与 topic 只能给一个", "invalid_subject")
    if format not in ("json", "csv", "xlsx"):
        return _error(400, "format 只能是 json、csv 或 xlsx", "invalid_format")
    if not (0 <= offset and 1 <= limit <= 500):
        return _error(400, "offset 不能为负，limit 须在 1 到 500 之间", "invalid_page")
    kwargs = {"organisation": node, "year": year}
    if course is not None:
        kwargs["course"] = pages_visible_to_public(
            CoursePage.objects.filter(pk=course)
        ).first()
        if kwargs["course"] is None:
            return _error(404, f"课程 {course} 不存在或未发布", "course_not_found")
    if topic is not None:
        kwargs["topic"] = pages_visible_to_public(
            TopicPage.objects.filter(pk=topic)
        ).first()
        if kwargs["topic"] is None:
            return _error(404, f"专题 {topic} 不存在或未发布", "topic_not_found")
    if format != "json":
        built = selectors.report_build(**kwargs, laggards_limit=100_000)
        return report_response(built, built.laggards, format)
    built = selectors.report_build(
        **kwargs, laggards_offset=offset, laggards_limit=limit
    )
    return Status(200, built.as_dict())

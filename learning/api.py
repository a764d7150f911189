"""Learning API: heartbeats, enrolment, check-in, the archive and reports.

The member always comes from authentication (a bearer token or the portal's session),
never from the request body. Refusals are raised (``learning.errors``); the handler
``dangke.api_errors`` registers on the API answers them as problem documents.
"""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Status
from ninja.security import django_auth

from cms.models import CoursePage, TopicPage
from cms.selectors import pages_visible_to_public
from dangke.api_errors import error_responses
from dangke.exports import export_format_check, export_openapi_extra
from dangke.tokens import BearerIdentity, TokenAuth, token_identify_again
from learning import selectors, services
from learning.errors import (
    CourseNotFound,
    InvalidReportQuery,
    LessonNotFound,
    NotAMember,
    OrganisationNotFound,
    OutOfScope,
    TokenNoLongerValid,
    TopicNotFound,
)
from learning.exports import report_response
from learning.models import Member, Organisation
from learning.progress_store import Credentials, CredentialsChanged
from learning.schemas import (
    ArchiveOut,
    CheckinIn,
    CheckinOut,
    EnrolmentIn,
    EnrolmentOut,
    HeartbeatIn,
    ProgressOut,
    ReportOut,
)

router = Router(tags=["learning"], auth=[TokenAuth(), django_auth])


def _member(request: HttpRequest) -> Member:
    member = selectors.member_for_user(user=request.user)
    if member is None:
        raise NotAMember("当前账号不是党员，没有学习记录")
    return member


@router.post(
    "/progress",
    response={200: ProgressOut, **error_responses(400, 403, 404, 409, 429)},
    operation_id="learning_progress_record",
    auth=[TokenAuth(copy_checked_by_caller=True), django_auth],
    summary="Record a playback heartbeat",
    description=(
        "Send every few seconds while playing (video or audio only): the ranges played "
        "since the previous beat. The server alone decides completion; fields such as "
        "`completed` sent by a client are ignored. Replaying a `(playback_id, seq)` "
        "returns the same answer."
    ),
)
def progress_record(request: HttpRequest, payload: HeartbeatIn):
    identity = request.auth if isinstance(request.auth, BearerIdentity) else None
    if identity is None or identity.checked:
        return Status(200, _heartbeat(payload, _member(request), None).as_dict())
    # This process's copy of the token, taken unchecked: the beat's read checks it.
    try:
        answer = _heartbeat(payload, _member_of(identity), Credentials.of(identity))
    except CredentialsChanged:
        identity = token_identify_again(identity)
        if identity is None:
            raise TokenNoLongerValid("令牌已失效，请重新登录") from None
        answer = _heartbeat(payload, _member_of(identity), None)
    return Status(200, answer.as_dict())


def _member_of(identity: BearerIdentity) -> Member:
    """The member a token's identity carries (its profile)."""
    if identity.profile is None:
        raise NotAMember("当前账号不是党员，没有学习记录")
    return selectors.member_from_fields(
        user_id=identity.user_id, fields=identity.profile
    )


def _heartbeat(payload: HeartbeatIn, member: Member, credentials):
    return services.lesson_progress_record(
        member=member,
        lesson_id=payload.lesson,
        playback_id=payload.playback_id,
        seq=payload.seq,
        ranges=payload.ranges,
        position=payload.position,
        rate=payload.rate,
        credentials=credentials,
    )


@router.get(
    "/progress/{lesson_id}",
    response={200: ProgressOut, **error_responses(403, 404)},
    operation_id="learning_progress_detail",
    summary="The member's progress on a lesson (where to resume)",
)
def progress_detail(request: HttpRequest, lesson_id: int):
    member = _member(request)
    info = selectors.lesson_info(lesson_id=lesson_id)
    if info is None:
        raise LessonNotFound(f"微党课 {lesson_id} 不存在或未发布")
    return Status(200, selectors.lesson_progress_summary(member=member, info=info))


@router.post(
    "/enrolments",
    response={201: EnrolmentOut, **error_responses(403, 404, 409)},
    operation_id="learning_enrolment_create",
    summary="Enrol in an elective course (选课)",
)
def enrolment_create(request: HttpRequest, payload: EnrolmentIn):
    enrolment = services.enrolment_create(
        member=_member(request), course_id=payload.course
    )
    return Status(
        201, {"course": enrolment.course_id, "enrolled_at": enrolment.enrolled_at}
    )


@router.post(
    "/checkins",
    response={201: CheckinOut, **error_responses(400, 403, 404, 429)},
    operation_id="learning_checkin_create",
    summary="Check in at a training session with its rotating code",
)
def checkin_create(request: HttpRequest, payload: CheckinIn):
    attendance = services.checkin_attempt(
        member=_member(request), session_id=payload.session, code=payload.code
    )
    session = attendance.session
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
    response={200: ArchiveOut, **error_responses(403)},
    operation_id="learning_archive",
    summary="The signed-in member's learning archive (学习档案)",
)
def archive(request: HttpRequest, year: int | None = None):
    member = _member(request)
    return Status(200, selectors.member_archive(member=member, year=year))


@router.get(
    "/reports",
    response={200: ReportOut, **error_responses(400, 403, 404)},
    operation_id="learning_report",
    openapi_extra=export_openapi_extra(),
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
        raise OrganisationNotFound(f"组织代码「{organisation}」不存在")
    if not selectors.user_can_report_on(user=request.user, organisation=node):
        raise OutOfScope("您只能查看自己管理的党组织及其下级")
    if course is not None and topic is not None:
        raise InvalidReportQuery("course 与 topic 只能给一个", code="invalid_subject")
    export_format_check(format)
    if not (0 <= offset and 1 <= limit <= 500):
        raise InvalidReportQuery(
            "offset 不能为负，limit 须在 1 到 500 之间", code="invalid_page"
        )
    kwargs = {"organisation": node, "year": year}
    if course is not None:
        kwargs["course"] = pages_visible_to_public(
            queryset=CoursePage.objects.filter(pk=course)
        ).first()
        if kwargs["course"] is None:
            raise CourseNotFound(f"课程 {course} 不存在或未发布")
    if topic is not None:
        kwargs["topic"] = pages_visible_to_public(
            queryset=TopicPage.objects.filter(pk=topic)
        ).first()
        if kwargs["topic"] is None:
            raise TopicNotFound(f"专题 {topic} 不存在或未发布")
    if format != "json":
        built = selectors.report_build(**kwargs, laggards_limit=100_000)
        return report_response(
            built, built.laggards, format, actor=request.user, channel="api"
        )
    built = selectors.report_build(
        **kwargs, laggards_offset=offset, laggards_limit=limit
    )
    return Status(200, built.as_dict())

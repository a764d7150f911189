"""直播党课 API. Thin: the rules are ``broadcasts.services`` and ``broadcasts.selectors``;
refusals are raised there and answered as problem documents by
``dangke.api_errors``.

Besides the members' and organisers' operations, nginx-rtmp calls two operations
(``on_publish``, ``on_publish_done``): form-encoded, with the shared secret in the
URL's query and from an allowed network only.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from ninja import Form, Router, Schema, Status
from ninja.security import django_auth
from wagtail.api.v3.auth import AllowAnonymous

from broadcasts import recordings, selectors, services
from broadcasts.errors import NotAMember
from broadcasts.models import LiveLecture
from broadcasts.schemas import (
    HeartbeatIn,
    HeartbeatOut,
    LectureIn,
    LectureListOut,
    LectureOut,
    PresenceReportOut,
    StreamOut,
)
from dangke.api_errors import error_responses
from dangke.tokens import TokenAuth
from learning.models import Member
from learning.selectors import member_for_user

router = Router(tags=["broadcasts"])
AUTH = [TokenAuth(), django_auth]
PLAY_AUTH = [TokenAuth(), django_auth, AllowAnonymous()]


def _member(request: HttpRequest) -> Member:
    member = member_for_user(user=request.user)
    if member is None:
        raise NotAMember("当前账号不是党员，不能记录直播在线时长")
    return member


def lecture_out(lecture: LiveLecture, *, manager: bool) -> dict:
    """What the API says of a lecture; the stream key only to its managers."""
    replay = lecture.recording_lesson
    data = {
        "id": lecture.pk,
        "title": lecture.title,
        "description": lecture.description,
        "lecturer": lecture.lecturer.name if lecture.lecturer else None,
        "organisation": lecture.organisation.code,
        "member_types": lecture.member_types,
        "starts_at": lecture.starts_at,
        "expected_minutes": lecture.expected_minutes,
        "status": lecture.status,
        "went_live_at": lecture.went_live_at,
        "ended_at": lecture.ended_at,
        "attendance_percent": lecture.attendance_percent,
        "meeting": lecture.meeting_id,
        "playlist_url": selectors.live_playlist_url(lecture=lecture),
        "replay_url": replay.url if replay is not None and replay.live else None,
        "portal_url": reverse("portal:broadcast", args=[lecture.pk]),
        "stream": None,
    }
    if manager:
        opens, closes = selectors.publish_window(lecture=lecture)
        data["stream"] = {
            "rtmp_url": services.stream_url(lecture=lecture),
            "stream_key": lecture.stream_key,
            "issued_at": lecture.stream_key_issued_at,
            "revoked_at": lecture.stream_key_revoked_at,
            "window_opens": opens,
            "window_closes": closes,
        }
    return data


@router.post(
    "/lectures",
    response={201: LectureOut, **error_responses(400, 403, 404)},
    operation_id="broadcasts_lecture_create",
    auth=AUTH,
    summary="Schedule a live lecture (直播党课) and issue its stream key",
    description=(
        "For administrators of the organisation or a level above, and editors. The "
        "audience is the organisation's whole subtree of the given member types; it "
        "gets a notice with a reminder before the start. The answer carries the RTMP "
        "URL and stream key for OBS."
    ),
)
def lecture_create(request: HttpRequest, payload: LectureIn):
    lecture = services.lecture_schedule(
        user=request.user,
        title=payload.title,
        organisation_code=payload.organisation,
        starts_at=payload.starts_at,
        expected_minutes=payload.expected_minutes,
        member_types=payload.member_types,
        attendance_percent=payload.attendance_percent,
        lecturer_id=payload.lecturer,
        meeting_id=payload.meeting,
        description=payload.description,
    )
    return Status(201, lecture_out(lecture, manager=True))


@router.get(
    "/lectures",
    response={200: LectureListOut, **error_responses(401)},
    operation_id="broadcasts_lecture_list",
    auth=AUTH,
    summary="Live lectures: the member's audience's, and those one manages",
)
def lecture_list(request: HttpRequest):
    member = member_for_user(user=request.user)
    managed = selectors.lectures_managed_by(user=request.user)
    items = {lecture.pk: lecture_out(lecture, manager=True) for lecture in managed}
    if member is not None:
        for lecture in selectors.lectures_for_member(member=member):
            items.setdefault(lecture.pk, lecture_out(lecture, manager=False))
    ordered = sorted(items.values(), key=lambda item: item["starts_at"], reverse=True)
    return Status(200, {"items": ordered[:200]})


@router.get(
    "/lectures/{live_lecture_id}",
    response={200: LectureOut, **error_responses(401, 404)},
    operation_id="broadcasts_lecture_detail",
    auth=AUTH,
    summary="A live lecture: state, the signed playlist while live, the replay after",
)
def lecture_detail(request: HttpRequest, live_lecture_id: int):
    lecture = selectors.lecture_for_user(user=request.user, lecture_id=live_lecture_id)
    manager = selectors.lecture_is_managed_by(user=request.user, lecture=lecture)
    return Status(200, lecture_out(lecture, manager=manager))


@router.post(
    "/lectures/{live_lecture_id}/key",
    response={200: StreamOut, **error_responses(401, 403, 404, 409)},
    operation_id="broadcasts_lecture_key_rotate",
    auth=AUTH,
    summary="Issue a new stream key (the old one stops working at once)",
    description="Only before the lecture goes live (409 `key_locked` after).",
)
def key_rotate(request: HttpRequest, live_lecture_id: int):
    return _stream_after(request, live_lecture_id, services.stream_key_rotate)


def _stream_after(request: HttpRequest, live_lecture_id: int, change) -> Status:
    """The stream part of a lecture after ``change`` (a key service) on it."""
    lecture = selectors.lecture_for_user(user=request.user, lecture_id=live_lecture_id)
    lecture = change(user=request.user, lecture=lecture)
    return Status(200, lecture_out(lecture, manager=True)["stream"])


@router.post(
    "/lectures/{live_lecture_id}/key/revoke",
    response={200: StreamOut, **error_responses(401, 403, 404)},
    operation_id="broadcasts_lecture_key_revoke",
    auth=AUTH,
    summary="Revoke the stream key: every publish is refused until a new one",
)
def key_revoke(request: HttpRequest, live_lecture_id: int):
    return _stream_after(request, live_lecture_id, services.stream_key_revoke)


@router.post(
    "/lectures/{live_lecture_id}/heartbeat",
    response={200: HeartbeatOut, **error_responses(400, 401, 403, 404, 409)},
    operation_id="broadcasts_heartbeat",
    auth=AUTH,
    summary="A phone's heartbeat while the live stream plays (counts seconds present)",
    description=(
        "Every ~15 s while playing: `seconds` watched since the previous beat. The "
        "server credits at most the wall-clock time since the member's previous "
        "credit (one clock for all tabs). 409 `not_live` when the lecture is not "
        "live; 409 `present_elsewhere` while the member is checked in to a viewing "
        "room."
    ),
)
def heartbeat(request: HttpRequest, live_lecture_id: int, payload: HeartbeatIn):
    member = _member(request)
    lecture = selectors.lecture_for_user(user=request.user, lecture_id=live_lecture_id)
    presence, credited = services.presence_credit(
        member=member,
        lecture=lecture,
        seconds=payload.seconds,
        place="phone",
    )
    return Status(
        200,
        {
            "credited_seconds": credited,
            "seconds_present": presence.seconds_present,
            "needed_seconds": selectors.attendance_needed_seconds(
                lecture=lecture, live_seconds=lecture.expected_minutes * 60
            ),
            "status": lecture.status,
        },
    )


@router.get(
    "/lectures/{live_lecture_id}/presence",
    response={200: PresenceReportOut, **error_responses(401, 403, 404)},
    operation_id="broadcasts_presence_report",
    auth=AUTH,
    summary="Who was present, where and how long; late joiners, early leavers, absent",
)
def presence_report(request: HttpRequest, live_lecture_id: int):
    lecture = selectors.lecture_for_user(user=request.user, lecture_id=live_lecture_id)
    services.manager_check(user=request.user, lecture=lecture)
    report = selectors.lecture_presence_report(lecture=lecture)
    report["lines"] = [line.__dict__ for line in report["lines"]]
    report["absent"] = [
        {
            "member_id": a["pk"],
            "name": a["name"],
            "organisation": a["organisation__name"],
        }
        for a in report["absent"]
    ]
    return Status(200, report)


@router.get(
    "/lectures/{live_lecture_id}/hls/{live_file}",
    response={200: None, **error_responses(404, 410)},
    operation_id="broadcasts_live_file",
    auth=PLAY_AUTH,
    summary="The live HLS playlist (fragment URLs signed inside) and its fragments",
    description=(
        "Fragments need a signed URL (the media pipeline's rules); the playlist a "
        "signed URL or a viewer in the lecture's audience (or a manager)."
    ),
)
def live_file(
    request: HttpRequest, live_lecture_id: int, live_file: str
) -> HttpResponse:
    data, content_type = selectors.live_file_read(
        lecture_id=live_lecture_id,
        path=live_file,
        exp=request.GET.get("exp"),
        sig=request.GET.get("sig"),
        user=request.user,
    )
    response = HttpResponse(data, content_type=content_type)
    response["Cache-Control"] = (
        "private, no-cache" if live_file.endswith(".m3u8") else "private, max-age=3600"
    )
    return response


class PublishForm(Schema):
    name: str = ""
    clientid: str = ""


@router.post(
    "/rtmp/publish",
    response={200: None, **error_responses(403)},
    operation_id="broadcasts_rtmp_publish",
    auth=None,
    summary="nginx-rtmp's on_publish: accept or refuse a publisher by its stream key",
    description=(
        "Form-encoded as nginx-rtmp sends it (`name` is the stream key); `secret` in "
        "the query. 200 accepts; 403 refuses with a `code` (`unknown_key`, "
        "`key_revoked`, `key_reused`, `too_early`, `too_late`, `already_publishing`, "
        "`lecture_cancelled`, `callback_forbidden`)."
    ),
)
def rtmp_publish(request: HttpRequest, form: Form[PublishForm], secret: str = ""):
    services.callback_check(secret=secret, remote_addr=request.META.get("REMOTE_ADDR"))
    services.publish_authorise(stream_name=form.name, client_id=form.clientid)
    return HttpResponse("ok", content_type="text/plain")


@router.post(
    "/rtmp/publish-done",
    response={200: None, **error_responses(403)},
    operation_id="broadcasts_rtmp_publish_done",
    auth=None,
    summary="nginx-rtmp's on_publish_done: the publisher stopped, the lecture ends",
)
def rtmp_publish_done(request: HttpRequest, form: Form[PublishForm], secret: str = ""):
    services.callback_check(secret=secret, remote_addr=request.META.get("REMOTE_ADDR"))
    services.publish_done(stream_name=form.name, client_id=form.clientid)
    return HttpResponse("ok", content_type="text/plain")


class RecordForm(Schema):
    name: str = ""
    path: str = ""


@router.post(
    "/rtmp/record-done",
    response={200: None, **error_responses(400, 403, 404)},
    operation_id="broadcasts_rtmp_record_done",
    auth=None,
    summary="nginx-rtmp's on_record_done: the recording becomes a draft lesson",
    description=(
        "Form-encoded as nginx-rtmp sends it (`name` is the stream, `path` the "
        "recorded file, which must be under `BROADCASTS_RECORD_DIR`); `secret` in "
        "the query. The recording is queued for the media pipeline and becomes a "
        "draft micro-lesson linked to the lecture (docs/recordings.md)."
    ),
)
def rtmp_record_done(request: HttpRequest, form: Form[RecordForm], secret: str = ""):
    services.callback_check(secret=secret, remote_addr=request.META.get("REMOTE_ADDR"))
    recordings.recording_done(stream_name=form.name, path=form.path)
    return HttpResponse("ok", content_type="text/plain")

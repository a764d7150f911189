"""集中收看 API: rooms (register, list with head-counts, who was where), screens
(confirm a device code, revoke), members' room check-in and the screen's beats.

Thin: the rules are ``viewing.services`` and ``viewing.selectors``; refusals are
raised there and answered as problem documents by ``dangke.api_errors``.
"""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from ninja import Router, Schema, Status
from ninja.security import django_auth
from pydantic import Field

from dangke.api_errors import error_responses
from dangke.tokens import TokenAuth
from learning.models import Member, Organisation
from learning.selectors import member_for_user
from viewing import selectors, services
from viewing.errors import NotAMember, OrganisationNotFound, RoomNotFound
from viewing.models import RoomCheckin, RoomScreen, ViewingRoom

router = Router(tags=["viewing"], auth=[TokenAuth(), django_auth])


class RoomIn(Schema):
    name: str = Field(max_length=120, description="收看点名称")
    organisation: str = Field(max_length=40, description="所属党组织的组织代码")
    address: str = Field("", max_length=200)


class ScreenOut(Schema):
    id: int
    room: int | None
    confirmed_at: datetime | None
    confirmed_by: str
    last_seen_at: datetime | None
    revoked_at: datetime | None


class ShowingOut(Schema):
    lecture: int
    lecture_title: str
    lecture_status: str
    first_beat_at: datetime
    last_beat_at: datetime
    seconds: int
    headcount: int


class RoomOut(Schema):
    id: int
    name: str
    organisation: str
    organisation_name: str
    address: str
    screens: list[ScreenOut]
    showings: list[ShowingOut]


class RoomListOut(Schema):
    items: list[RoomOut]


class CheckinOut(Schema):
    room: int
    room_name: str
    lecture: int
    lecture_title: str
    member: int
    name: str
    organisation_name: str
    checked_in_at: datetime
    left_at: datetime | None
    credited_seconds: int


class RoomDetailOut(RoomOut):
    checkins: list[CheckinOut]


class ConfirmIn(Schema):
    device_code: str = Field(max_length=16, description="屏幕上显示的设备码")
    room: int = Field(description="要绑定的收看点")


class RoomCheckinIn(Schema):
    code: str = Field(max_length=32, description="收看点屏幕上的 6 位签到码")


class BeatOut(Schema):
    lecture: int
    seconds: int
    credited: int
    refused: int
    headcount: int


def _screen(screen: RoomScreen) -> dict:
    return {
        "id": screen.pk,
        "room": screen.room_id,
        "confirmed_at": screen.confirmed_at,
        "confirmed_by": (
            screen.confirmed_by.get_username() if screen.confirmed_by_id else ""
        ),
        "last_seen_at": screen.last_seen_at,
        "revoked_at": screen.revoked_at,
    }


def _room(room: ViewingRoom, screens: list[RoomScreen], showings: list[dict]) -> dict:
    return {
        "id": room.pk,
        "name": room.name,
        "organisation": room.organisation.code,
        "organisation_name": room.organisation.name,
        "address": room.address,
        "screens": [_screen(screen) for screen in screens],
        "showings": [
            {
                "lecture": showing["lecture"].pk,
                "lecture_title": showing["lecture"].title,
                "lecture_status": showing["lecture"].status,
                "first_beat_at": showing["first_beat_at"],
                "last_beat_at": showing["last_beat_at"],
                "seconds": showing["seconds"],
                "headcount": showing["headcount"],
            }
            for showing in showings
        ],
    }


def checkin_out(checkin: RoomCheckin) -> dict:
    """A check-in as ``CheckinOut`` (also used by the portal)."""
    return {
        "room": checkin.room_id,
        "room_name": checkin.room.name,
        "lecture": checkin.lecture_id,
        "lecture_title": checkin.lecture.title,
        "member": checkin.member_id,
        "name": checkin.member.name,
        "organisation_name": checkin.member.organisation.name,
        "checked_in_at": checkin.checked_in_at,
        "left_at": checkin.left_at,
        "credited_seconds": checkin.credited_seconds,
    }


def _summary(request: HttpRequest, room_id: int, lecture_id: int | None):
    for summary in selectors.room_summaries(user=request.user, lecture_id=lecture_id):
        if summary.room.pk == room_id:
            return summary
    raise RoomNotFound(f"收看点 {room_id} 不存在，或不在您管理的党组织范围内")


@router.get(
    "/rooms",
    response={200: RoomListOut, **error_responses(400)},
    operation_id="viewing_room_list",
    summary="The viewing rooms one manages, their screens and head-counts",
    description=(
        "Rooms of the organisations in the caller's subtrees (every room for "
        "editors), each with its confirmed screens and, per lecture it showed, the "
        "seconds shown and the head-count; `?lecture=` keeps one lecture's."
    ),
)
def room_list(request: HttpRequest, lecture: int | None = None):
    summaries = selectors.room_summaries(user=request.user, lecture_id=lecture)
    return Status(
        200,
        {"items": [_room(s.room, s.screens, s.showings) for s in summaries]},
    )


@router.post(
    "/rooms",
    response={201: RoomOut, **error_responses(400, 403, 404)},
    operation_id="viewing_room_register",
    summary="Register a viewing room (收看点) of an organisation one manages",
)
def room_register(request: HttpRequest, payload: RoomIn):
    organisation = Organisation.objects.filter(code=payload.organisation).first()
    if organisation is None:
        raise OrganisationNotFound(f"没有组织代码为 {payload.organisation} 的党组织")
    room = services.room_register(
        user=request.user,
        name=payload.name,
        organisation=organisation,
        address=payload.address,
    )
    return Status(201, _room(room, [], []))


@router.get(
    "/rooms/{room_id}",
    response={200: RoomDetailOut, **error_responses(400, 404)},
    operation_id="viewing_room_get",
    summary="One room one manages: screens, showings and who checked in there",
)
def room_get(request: HttpRequest, room_id: int, lecture: int | None = None):
    summary = _summary(request, room_id, lecture)
    checkins = selectors.room_checkins(room=summary.room, lecture_id=lecture)
    return Status(
        200,
        {
            **_room(summary.room, summary.screens, summary.showings),
            "checkins": [checkin_out(c) for c in checkins.select_related("room")],
        },
    )


@router.post(
    "/screens/confirm",
    response={200: ScreenOut, **error_responses(400, 403, 404, 429)},
    operation_id="viewing_screen_confirm",
    summary="The room's secretary confirms the device code a screen shows",
    description=(
        "Binds the screen showing `device_code` (ten minutes good) to `room`; the "
        "screen receives its device token (a cookie) on its next request."
    ),
)
def screen_confirm(request: HttpRequest, payload: ConfirmIn):
    room = selectors.room_managed_by(user=request.user, room_id=payload.room)
    screen = services.screen_confirm(
        user=request.user, device_code=payload.device_code, room=room
    )
    return Status(200, _screen(screen))


@router.post(
    "/rooms/{room_id}/screens/{screen_id}/revoke",
    response={200: ScreenOut, **error_responses(400, 403, 404)},
    operation_id="viewing_screen_revoke",
    summary="Stop a room's screen: its device token is refused from now on",
)
def screen_revoke(request: HttpRequest, room_id: int, screen_id: int):
    room = selectors.room_managed_by(user=request.user, room_id=room_id)
    screen = services.screen_revoke(user=request.user, room=room, screen_id=screen_id)
    return Status(200, _screen(screen))


@router.post(
    "/rooms/{room_id}/checkins",
    response={201: CheckinOut, **error_responses(400, 403, 404, 409, 429)},
    operation_id="viewing_room_checkin",
    summary="Check in at a viewing room with the code its screen shows",
    description=(
        "For the lecture live in the room now; the member's presence place becomes "
        "the room (one place at a time: a member present in another room or on the "
        "phone is refused with `present_elsewhere`). A code of another room is "
        "refused with `other_room_code`."
    ),
)
def room_checkin(request: HttpRequest, room_id: int, payload: RoomCheckinIn):
    member, room = _member_at(request, room_id)
    checkin = services.room_check_in(member=member, room=room, code=payload.code)
    return Status(201, _checkin_answer(checkin))


def _member_at(request: HttpRequest, room_id: int) -> tuple[Member, ViewingRoom]:
    member = member_for_user(user=request.user)
    if member is None:
        raise NotAMember("当前账号不是党员，不能在收看点签到或签退")
    room = selectors.room_find(room_id=room_id)
    if room is None:
        raise RoomNotFound(f"收看点 {room_id} 不存在")
    return member, room


def _checkin_answer(checkin: RoomCheckin) -> dict:
    return checkin_out(
        RoomCheckin.objects.select_related(
            "room", "lecture", "member__organisation"
        ).get(pk=checkin.pk)
    )


@router.post(
    "/rooms/{room_id}/checkout",
    response={200: CheckinOut, **error_responses(400, 403, 404)},
    operation_id="viewing_room_checkout",
    summary="Leave a viewing room (签退): its screen credits one no more",
    description=(
        "Frees the member's place at once, so they may watch on their phone or "
        "check in at another room. 404 `not_checked_in` when they were not there."
    ),
)
def room_checkout(request: HttpRequest, room_id: int):
    member, room = _member_at(request, room_id)
    checkin = services.room_check_out(member=member, room=room)
    if checkin is None:
        raise RoomNotFound(
            f"您现在没有在收看点“{room.name}”签到", code="not_checked_in"
        )
    return Status(200, _checkin_answer(checkin))


@router.post(
    "/screen/beats",
    auth=None,
    response={200: BeatOut, **error_responses(401, 409)},
    operation_id="viewing_screen_beat",
    summary="A confirmed screen's beat: credits the members checked in at its room",
    description=(
        "Sent every 15 s by the room's screen page with its device token cookie "
        f"(`{services.SCREEN_COOKIE}`). Each member checked in at the room for the "
        "live lecture is credited the seconds since the last beat. A screen not "
        "confirmed (or revoked) is refused with 401 `screen_not_confirmed`; "
        "nothing live is 409 `not_live`."
    ),
)
def screen_beat(request: HttpRequest):
    screen = services.screen_authenticate(
        value=request.COOKIES.get(services.SCREEN_COOKIE)
    )
    answer = services.room_beat(screen=screen)
    return Status(
        200,
        {
            "lecture": answer.lecture.pk,
            "seconds": answer.seconds,
            "credited": answer.credited,
            "refused": answer.refused,
            "headcount": answer.headcount,
        },
    )

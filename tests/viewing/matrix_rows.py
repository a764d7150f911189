"""The viewing rows of the authorisation matrix (see ``tests.matrix``).

The world: a live lecture for S1's subtree, a viewing room of branch B1 (managed
by editors and superusers; ``other_admin`` administers S2), a confirmed screen of the room and a screen waiting with a device
code. The screen's beat needs the device token's cookie, which no role holds."""

from __future__ import annotations

from tests.matrix import Row, api, but, every, portal

R = "/viewing/rooms"
MANAGED = but(404, anonymous=401, editor=200, superuser=200)
MEMBERS = but(403, anonymous=401, member=201, other_member=403)

ROWS: list[Row] = [
    api("viewing_room_list", "GET", R, but(200, anonymous=401)),
    api("viewing_room_register", "POST", R,
        but(403, anonymous=401, editor=201, superuser=201),
        {"name": "矩阵收看点", "organisation": "{viewing_org}"}),
    api("viewing_room_get", "GET", R + "/{viewing_room}", MANAGED),
    api("viewing_screen_confirm", "POST", "/viewing/screens/confirm", MANAGED,
        {"device_code": "{device_code}", "room": "{viewing_room}"}),
    api("viewing_screen_revoke", "POST",
        R + "/{viewing_room}/screens/{viewing_screen}/revoke", MANAGED),
    # The member (B1) is in the lecture's audience; the other member (B2) is not;
    # the other roles are no party members.
    api("viewing_room_checkin", "POST", R + "/{viewing_room}/checkins", MEMBERS,
        {"code": "{viewing_code}"}),
    # Nobody is checked in in the world (a member in a room would be refused the
    # phone's heartbeat of the broadcasts rows): 签退 is 404 for members.
    api("viewing_room_checkout", "POST", R + "/{viewing_room}/checkout",
        but(403, anonymous=401, member=404, other_member=404)),
    api("viewing_screen_beat", "POST", "/viewing/screen/beats", every(401)),
    portal("viewing_screen", "GET", "/viewing/screen/", every(200)),
    portal("viewing_pair", "GET", "/viewing/pair/", but(200, anonymous=302)),
    portal("viewing_checkin", "GET", "/viewing/rooms/{viewing_room}/checkin/",
           but(403, anonymous=302, member=200, other_member=200)),
]  # fmt: skip
ADMIN_CLASSES: list[tuple[str, str]] = [("own rule", "admin/viewing/")]


def world(context: dict) -> dict:
    """The viewing objects of the matrix's world; the ids the rows name."""
    from datetime import timedelta

    from django.utils import timezone

    from broadcasts.models import LiveLecture
    from viewing import selectors, services
    from viewing.models import RoomScreen, ViewingRoom

    now = timezone.now()
    room = ViewingRoom.objects.create(
        name="五羊社区党群服务中心", organisation=context["branch1"]
    )
    # The lecture the room shows (another app's world may have one live already).
    if selectors.room_lecture_live(room=room) is None:
        LiveLecture.objects.create(
            title="灯塔大课堂（集中收看）",
            organisation=context["sub1"],
            starts_at=now - timedelta(minutes=5),
            status=LiveLecture.Status.LIVE,
            went_live_at=now - timedelta(minutes=5),
            published_stream="matrix-viewing",
            publisher_client="2",
        )
    confirmed = RoomScreen.objects.create(
        room=room,
        device_code="MATRIX",
        secret_hash="0" * 64,
        expires_at=now,
        confirmed_at=now,
        token_issued_at=now,
    )
    RoomScreen.objects.create(
        device_code="WAIT42",
        secret_hash="1" * 64,
        expires_at=now + timedelta(days=1),
    )
    return {
        "viewing_room": room.pk,
        "viewing_screen": confirmed.pk,
        "viewing_org": context["branch1"].code,
        "device_code": "WAIT42",
        "viewing_code": lambda: services.room_checkin_code(room=room)[0],
    }


def demo_ids(member) -> dict:
    """The demo's ids for the viewing operations' path parameters."""
    from viewing.models import RoomScreen, ViewingRoom

    room = ViewingRoom.objects.order_by("pk").first()
    screen = RoomScreen.objects.filter(room=room).order_by("pk").first()
    return {
        "room_id": room.pk if room else 1,
        "screen_id": screen.pk if screen else 1,
    }

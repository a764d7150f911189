"""The organiser's admin pages (rooms, head-counts, who was where, scoped to the
subtree; registering a room and stopping a screen) and the demo's room."""

from __future__ import annotations

import io

from tests import factories
from tests.viewing.conftest import api, go_live, paired_screen, room_code, room_of
from viewing.demo import viewing_demo_load
from viewing.models import RoomScreen, ViewingRoom


def test_the_organiser_sees_rooms_head_counts_and_who_was_where(
    people, tree, lecture, client_for, clock
):
    room = room_of(tree)
    paired_screen(room, people["secretary"])
    go_live(lecture)
    api(people["member"]).post(
        f"/rooms/{room.pk}/checkins", {"code": room_code(room)}
    ).raise_for()
    organiser = client_for(people["s1_admin"])
    index = organiser.get("/admin/viewing/")
    assert index.status_code == 200
    page = index.content.decode()
    assert room.name in page and "最近在线" in page
    detail = organiser.get(f"/admin/viewing/rooms/{room.pk}/")
    assert detail.status_code == 200
    assert people["member"].name in detail.content.decode()
    assert lecture.title in detail.content.decode()
    # Another subtree's administrator sees neither the room nor who was there.
    other = client_for(people["other_admin"])
    assert room.name not in other.get("/admin/viewing/").content.decode()
    assert other.get(f"/admin/viewing/rooms/{room.pk}/").status_code == 404
    # A member without admin rights is turned away.
    assert client_for(people["member"].user).get("/admin/viewing/").status_code in (
        302,
        403,
    )


def test_registering_a_room_and_stopping_a_screen_in_the_admin(
    people, tree, client_for
):
    secretary = client_for(people["secretary"])
    refused = secretary.post(
        "/admin/viewing/",
        {"action": "register", "name": "别处", "organisation": tree["branch2"].code},
    )
    assert refused.status_code == 404
    assert "不在您的管理范围内" in refused.content.decode()
    made = secretary.post(
        "/admin/viewing/",
        {"action": "register", "name": "五羊社区党群服务中心", "organisation": "B1"},
    )
    assert made.status_code == 302
    room = ViewingRoom.objects.get()
    assert room.organisation == tree["branch1"]
    screen = paired_screen(room, people["secretary"])
    stored = RoomScreen.objects.get(room=room)
    stopped = secretary.post(
        "/admin/viewing/",
        {"action": "revoke", "room": room.pk, "screen": stored.pk},
    )
    assert stopped.status_code == 302
    assert screen.beat().status_code == 401


def test_the_demo_registers_one_room_once(tree, member_user):
    factories.member(organisation=tree["branch1"], user=member_user)
    viewing_demo_load(stdout=io.StringIO())
    viewing_demo_load(stdout=io.StringIO())
    room = ViewingRoom.objects.get()
    assert room.organisation == tree["community1"]
    assert room.name.endswith("党群服务中心")

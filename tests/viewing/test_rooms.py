"""Group viewing end to end: a room's screen paired by its secretary, members
checking in with their phones, the screen's beats crediting them, and the
refusals (another room's code, two places at once, an unconfirmed screen)."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from broadcasts import services as broadcasts_services
from broadcasts.errors import PresentElsewhere
from broadcasts.models import LivePresence
from tests.viewing.conftest import (
    Screen,
    api,
    go_live,
    paired_screen,
    room_code,
    room_of,
)
from viewing.models import RoomCheckin, RoomScreen, RoomShowing


def presence(member, lecture) -> LivePresence:
    return LivePresence.objects.get(member=member, lecture=lecture)


def test_a_group_room_credits_two_checked_in_members(people, tree, lecture, clock):
    registered = api(people["secretary"]).post(
        "/rooms", {"name": "五羊社区党群服务中心", "organisation": "B1"}
    )
    assert registered.status == 201, registered.json
    room_id = registered.json["id"]
    screen = Screen()
    page = screen.open()
    assert page.status_code == 200
    code = page.context["device_code"]
    assert code in page.content.decode()
    confirmed = api(people["secretary"]).post(
        "/screens/confirm", {"device_code": code.lower(), "room": room_id}
    )
    assert confirmed.status == 200, confirmed.json
    assert confirmed.json["room"] == room_id
    # The screen's next request exchanges its pairing cookie for the device token.
    state = screen.state()
    assert state["mode"] == "room" and state["room_name"] == "五羊社区党群服务中心"

    clock(600)
    go_live(lecture)
    state = screen.state()
    assert state["lecture"] == lecture.pk and state["live"] is True
    assert state["playlist_url"] is None or "sig=" in state["playlist_url"]
    for who in ("member", "colleague"):
        answer = api(people[who]).post(
            f"/rooms/{room_id}/checkins", {"code": state["code"]}
        )
        assert answer.status == 201, answer.json
    assert screen.beat().json()["credited"] == 0  # the first beat starts the clock
    clock(15)
    beat = screen.beat().json()
    assert beat == {
        "lecture": lecture.pk,
        "seconds": 15,
        "credited": 2,
        "refused": 0,
        "headcount": 2,
    }
    clock(15)
    screen.beat()
    for who in ("member", "colleague"):
        record = presence(people[who], lecture)
        assert record.place == f"room:{room_id}"
        assert record.seconds_present == 30
    assert sorted(
        RoomCheckin.objects.filter(room_id=room_id).values_list(
            "credited_seconds", flat=True
        )
    ) == [30, 30]
    assert screen.state()["present"] == 2
    # The organiser sees the room, its head-count and who was there.
    seen = api(people["s1_admin"]).get(f"/rooms/{room_id}", lecture=lecture.pk)
    assert seen.status == 200
    assert seen.json["showings"][0]["headcount"] == 2
    assert {c["name"] for c in seen.json["checkins"]} == {
        people["member"].name,
        people["colleague"].name,
    }


def test_a_code_from_another_room_is_refused(people, tree, lecture, clock):
    here = room_of(tree, "五羊社区党群服务中心")
    there = room_of(tree, "东山社区党群服务中心")
    paired_screen(here, people["secretary"])
    paired_screen(there, people["secretary"])
    go_live(lecture)
    answer = api(people["member"]).post(
        f"/rooms/{here.pk}/checkins", {"code": room_code(there)}
    )
    assert answer.status == 400
    assert answer.json["code"] == "other_room_code"
    assert "东山社区党群服务中心" in answer.json["detail"]
    wrong = api(people["member"]).post(f"/rooms/{here.pk}/checkins", {"code": "12"})
    assert wrong.status == 400 and wrong.json["code"] == "wrong_code"
    assert not RoomCheckin.objects.exists()
    assert not LivePresence.objects.exists()


def test_one_place_at_a_time(people, tree, lecture, clock):
    here = room_of(tree, "五羊社区党群服务中心")
    there = room_of(tree, "东山社区党群服务中心")
    screen = paired_screen(here, people["secretary"])
    paired_screen(there, people["secretary"])
    go_live(lecture)
    member = people["member"]
    assert (
        api(member).post(f"/rooms/{here.pk}/checkins", {"code": room_code(here)}).status
        == 201
    )
    screen.beat()
    clock(15)
    screen.beat()
    # Another room: refused while the first holds them.
    elsewhere = api(member).post(
        f"/rooms/{there.pk}/checkins", {"code": room_code(there)}
    )
    assert elsewhere.status == 409, elsewhere.json
    assert elsewhere.json["code"] == "present_elsewhere"
    assert not RoomCheckin.objects.filter(room=there).exists()
    # The phone too.
    with pytest.raises(PresentElsewhere):
        broadcasts_services.presence_place_claim(
            member=member, lecture=lecture, place="phone"
        )
    assert presence(member, lecture).seconds_present == 15
    # After 签退 the place is free at once, and the room credits them no more.
    left = api(member).post(f"/rooms/{here.pk}/checkout")
    assert left.status == 200 and left.json["left_at"]
    broadcasts_services.presence_place_claim(
        member=member, lecture=lecture, place="phone"
    )
    clock(15)
    assert screen.beat().json()["headcount"] == 0
    assert presence(member, lecture).place == "phone"
    assert presence(member, lecture).seconds_present == 15


def test_an_unconfirmed_or_revoked_screen_cannot_beat(people, tree, lecture, clock):
    room = room_of(tree)
    go_live(lecture)
    stranger = Screen()
    refused = stranger.beat()
    assert refused.status_code == 401
    assert refused.json()["code"] == "screen_not_confirmed"
    stranger.open()  # a device code shown, not confirmed
    assert stranger.beat().status_code == 401
    assert not RoomShowing.objects.exists()

    screen = paired_screen(room, people["secretary"])
    assert screen.beat().status_code == 200
    revoked = api(people["secretary"]).post(
        f"/rooms/{room.pk}/screens/{RoomScreen.objects.get(room=room).pk}/revoke"
    )
    assert revoked.status == 200 and revoked.json["revoked_at"]
    assert screen.beat().status_code == 401
    assert screen.state()["mode"] == "pairing"  # back to a fresh device code
    assert RoomShowing.objects.get(room=room).beats == 1  # nothing lost


def test_pairing_refusals(people, tree):
    room = room_of(tree)
    screen = Screen()
    code = screen.state()["device_code"]
    wrong = api(people["secretary"]).post(
        "/screens/confirm", {"device_code": "ZZZZZZ", "room": room.pk}
    )
    assert wrong.status == 400 and wrong.json["code"] == "unknown_device_code"
    outside = api(people["other_admin"]).post(
        "/screens/confirm", {"device_code": code, "room": room.pk}
    )
    assert outside.status == 404 and outside.json["code"] == "room_not_found"
    member = api(people["member"]).post(
        "/screens/confirm", {"device_code": code, "room": room.pk}
    )
    assert member.status == 404
    assert screen.state()["mode"] == "pairing"
    assert RoomScreen.objects.get().room is None


def test_a_device_code_expires(people, tree, clock):
    room = room_of(tree)
    screen = Screen()
    code = screen.state()["device_code"]
    clock(601)
    late = api(people["secretary"]).post(
        "/screens/confirm", {"device_code": code, "room": room.pk}
    )
    assert late.status == 400 and late.json["code"] == "unknown_device_code"
    assert screen.state()["device_code"] != code  # the screen shows a new one


def test_registering_rooms_is_scoped(people, tree):
    refused = api(people["other_admin"]).post(
        "/rooms", {"name": "别人的收看点", "organisation": "B1"}
    )
    assert refused.status == 403 and refused.json["code"] == "not_room_manager"
    blank = api(people["secretary"]).post("/rooms", {"name": " ", "organisation": "B1"})
    assert blank.status == 400 and blank.json["code"] == "name_required"
    api(people["secretary"]).post(
        "/rooms", {"name": "五羊社区党群服务中心", "organisation": "B1"}
    ).raise_for()
    assert [r["name"] for r in api(people["s1_admin"]).get("/rooms").json["items"]] == [
        "五羊社区党群服务中心"
    ]
    assert api(people["other_admin"]).get("/rooms").json["items"] == []


def test_check_in_by_the_screens_qr_code(people, tree, lecture, client_for, clock):
    room = room_of(tree)
    screen = paired_screen(room, people["secretary"])
    go_live(lecture)
    url = screen.state()["url"]
    assert f"/viewing/rooms/{room.pk}/checkin/?code=" in url
    phone = client_for(people["member"].user)
    parts = urlsplit(url)
    opened = phone.get(f"{parts.path}?{parts.query}")
    assert opened.status_code == 302
    done = phone.get(opened["Location"])
    assert "签到成功" in done.content.decode()
    assert RoomCheckin.objects.filter(room=room, member=people["member"]).exists()
    wrong = phone.post(f"/viewing/rooms/{room.pk}/checkin/", {"code": "x"})
    assert wrong.status_code == 400
    assert "签到码错误" in wrong.content.decode()
    assert RoomCheckin.objects.filter(room=room).count() == 1


def test_nothing_live_refuses_check_in_and_beats(people, tree, lecture):
    room = room_of(tree)
    screen = paired_screen(room, people["secretary"])
    # Ten minutes before the start: check-in is open, beats are not.
    early = api(people["member"]).post(
        f"/rooms/{room.pk}/checkins", {"code": room_code(room)}
    )
    assert early.status == 201, early.json
    beat = screen.beat()
    assert beat.status_code == 409 and beat.json()["code"] == "not_live"

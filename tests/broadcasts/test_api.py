"""The API and nginx's callbacks over HTTP (Django's test client)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from broadcasts import services
from broadcasts.models import LiveLecture
from tests.broadcasts.conftest import go_live

pytestmark = pytest.mark.django_db
L = "/api/v3/broadcasts/lectures"


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _post(client, url, body=None):
    return client.post(url, json.dumps(body or {}), content_type="application/json")


def test_schedule_list_and_detail_show_the_key_to_managers_only(people, tree):
    admin = _client(people["admin"])
    created = _post(
        admin,
        L,
        {
            "title": "学习党的二十届四中全会精神",
            "organisation": tree["sub1"].code,
            "starts_at": (timezone.now() + timedelta(hours=3)).isoformat(),
            "expected_minutes": 45,
            "member_types": ["regular"],
        },
    )
    assert created.status_code == 201, created.content
    lecture = created.json()
    assert lecture["stream"]["rtmp_url"].startswith("rtmp://127.0.0.1:")
    key = lecture["stream"]["stream_key"]
    member = _client(people["member"].user)
    listed = member.get(L).json()["items"]
    assert [item["id"] for item in listed] == [lecture["id"]]
    detail = member.get(f"{L}/{lecture['id']}")
    assert detail.json()["stream"] is None and key not in detail.content.decode()
    assert (
        _client(people["outsider"].user).get(f"{L}/{lecture['id']}").status_code == 404
    )
    refused = _post(
        _client(people["other_admin"]),
        L,
        {
            "title": "x",
            "organisation": tree["sub1"].code,
            "starts_at": lecture["starts_at"],
        },
    )
    assert refused.status_code == 403 and refused.json()["code"] == "out_of_scope"


def test_key_rotation_is_refused_once_live(lecture, people):
    admin = _client(people["admin"])
    rotated = _post(admin, f"{L}/{lecture.pk}/key")
    assert rotated.status_code == 200
    assert rotated.json()["stream_key"] != lecture.stream_key
    lecture.refresh_from_db()
    go_live(lecture)
    locked = _post(admin, f"{L}/{lecture.pk}/key")
    assert locked.status_code == 409 and locked.json()["code"] == "key_locked"
    assert (
        _post(_client(people["member"].user), f"{L}/{lecture.pk}/key").status_code
        == 403
    )


def test_heartbeats_not_live_or_from_two_places_are_refused(lecture, people, clock):
    member = _client(people["member"].user)
    early = _post(member, f"{L}/{lecture.pk}/heartbeat", {"seconds": 15})
    assert early.status_code == 409 and early.json()["code"] == "not_live"
    assert "未开始" in early.json()["detail"]
    lecture = go_live(lecture)
    assert (
        _post(member, f"{L}/{lecture.pk}/heartbeat", {"seconds": 0}).status_code == 200
    )
    clock(15)
    beat = _post(member, f"{L}/{lecture.pk}/heartbeat", {"seconds": 15}).json()
    assert beat["credited_seconds"] == 15 and beat["seconds_present"] == 15
    bad = _post(member, f"{L}/{lecture.pk}/heartbeat", {"seconds": -3})
    assert bad.status_code == 400 and bad.json()["code"] == "invalid_presence"
    # The colleague checked in to a viewing room: the phone is refused meanwhile.
    services.presence_place_claim(
        member=people["colleague"], lecture=lecture, place="room:12"
    )
    colleague = _client(people["colleague"].user)
    twice = _post(colleague, f"{L}/{lecture.pk}/heartbeat", {"seconds": 15})
    assert twice.status_code == 409 and twice.json()["code"] == "present_elsewhere"
    assert "集中收看点" in twice.json()["detail"]


def test_the_organiser_sees_late_joiners_and_early_leavers(lecture, people, clock):
    lecture = go_live(lecture)
    member, colleague = people["member"], people["colleague"]
    services.presence_credit(member=member, lecture=lecture, seconds=0, place="phone")
    clock(600)  # the colleague joins ten minutes late
    services.presence_credit(
        member=colleague, lecture=lecture, seconds=0, place="phone"
    )
    for _ in range(4):
        clock(15)
        services.presence_credit(
            member=colleague, lecture=lecture, seconds=15, place="phone"
        )
    clock(1200)
    services.presence_credit(member=member, lecture=lecture, seconds=15, place="phone")
    services.publish_done(stream_name=lecture.stream_key, client_id="7")
    report = _client(people["admin"]).get(f"{L}/{lecture.pk}/presence").json()
    lines = {line["name"]: line for line in report["lines"]}
    assert lines["colleague"]["late"] and lines["colleague"]["left_early"]
    assert not lines["member"]["late"] and not lines["member"]["left_early"]
    assert report["present"] == 2 and report["late"] == 1
    refused = _client(people["member"].user).get(f"{L}/{lecture.pk}/presence")
    assert refused.status_code == 403


def _callback(path, name, secret, addr="127.0.0.1"):
    return Client(REMOTE_ADDR=addr).post(
        f"/api/v3/broadcasts/rtmp/{path}?secret={secret}",
        {"call": "publish", "name": name, "clientid": "5", "app": "live"},
    )


def test_callbacks_need_the_secret_and_an_allowed_address(lecture):
    secret = services.callback_secret()
    assert _callback("publish", lecture.stream_key, "wrong").status_code == 403
    outside = _callback("publish", lecture.stream_key, secret, addr="203.0.113.9")
    assert outside.status_code == 403 and outside.json()["code"] == "callback_forbidden"
    foreign = _callback("publish", "f" * 32, secret)
    assert foreign.status_code == 403 and foreign.json()["code"] == "unknown_key"
    assert _callback("publish", lecture.stream_key, secret).status_code == 200
    lecture.refresh_from_db()
    assert lecture.status == "live"
    assert _callback("publish-done", lecture.stream_key, secret).status_code == 200
    lecture.refresh_from_db()
    assert lecture.status == "ended"


def test_the_live_playlist_is_signed_and_only_for_the_audience(
    lecture, people, settings
):
    lecture = go_live(lecture)
    folder = settings.BROADCASTS_HLS_DIR / lecture.published_stream
    folder.mkdir(parents=True)
    (folder / "index.m3u8").write_text("#EXTM3U\n#EXTINF:2.0,\n3.ts\n")
    (folder / "3.ts").write_bytes(b"G" * 188)
    member = _client(people["member"].user)
    url = member.get(f"{L}/{lecture.pk}").json()["playlist_url"]
    playlist = Client().get(url)  # signed: plays without a session, e.g. in hls.js
    assert playlist.status_code == 200
    fragment = playlist.content.decode().splitlines()[-1]
    assert fragment.startswith(f"{L}/{lecture.pk}/hls/3.ts?exp=")
    assert Client().get(fragment).content == b"G" * 188
    # Signed for this lecture only: another lecture's number opens nothing.
    other = LiveLecture.objects.create(
        title="另一场", organisation=lecture.organisation, starts_at=lecture.starts_at
    )
    moved = fragment.replace(f"/{lecture.pk}/", f"/{other.pk}/")
    assert Client().get(moved).status_code == 404
    bare = f"{L}/{lecture.pk}/hls/index.m3u8"
    assert _client(people["outsider"].user).get(bare).status_code == 404
    assert Client().get(bare).status_code == 404
    assert member.get(bare).status_code == 200

"""A live lecture for sub-district S1's subtree, a viewing room of branch B1 with
its secretary, members of B1 in the lecture's audience, and helpers that act as the
room's screen (cookie and all) and as a member's phone."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from broadcasts import services as broadcasts_services
from tests import factories
from viewing import services
from viewing.models import ViewingRoom

BEATS = "/api/v3/viewing/screen/beats"


@pytest.fixture
def people(tree, member):
    return {
        "member": member,
        "colleague": factories.member(
            organisation=tree["branch1"], username="colleague"
        ),
        "secretary": factories.org_admin(
            organisation=tree["branch1"], username="secretary"
        ),
        "s1_admin": factories.org_admin(organisation=tree["sub1"], username="s1_admin"),
        "other_admin": factories.org_admin(
            organisation=tree["sub2"], username="other_admin"
        ),
    }


@pytest.fixture
def lecture(people, tree):
    return broadcasts_services.lecture_schedule(
        user=people["s1_admin"],
        title="灯塔大课堂：学习贯彻党的二十届四中全会精神",
        organisation_code=tree["sub1"].code,
        starts_at=timezone.now() + timedelta(minutes=10),
        expected_minutes=30,
        attendance_percent=50,
    )


def go_live(lecture, now=None):
    """nginx accepted the lecture's publisher (as its callback would)."""
    return broadcasts_services.publish_authorise(
        stream_name=lecture.stream_key, client_id="7", now=now
    )


def room_of(tree, name: str = "五羊社区党群服务中心") -> ViewingRoom:
    return ViewingRoom.objects.create(name=name, organisation=tree["branch1"])


class Screen:
    """A browser on a room's big screen: it keeps its cookies."""

    def __init__(self):
        self.client = Client()

    def open(self):
        return self.client.get("/viewing/screen/")

    def state(self) -> dict:
        response = self.client.get("/viewing/screen/", HTTP_ACCEPT="application/json")
        assert response.status_code == 200, response.content
        return response.json()

    def beat(self):
        return self.client.post(BEATS, "", content_type="application/json")


def paired_screen(room: ViewingRoom, secretary) -> Screen:
    """A screen whose device code ``secretary`` confirmed for ``room``, holding its
    device token."""
    screen = Screen()
    code = screen.state()["device_code"]
    api(secretary).post(
        "/screens/confirm", {"device_code": code, "room": room.pk}
    ).raise_for()
    assert screen.state()["mode"] == "room"
    return screen


class Answer:
    def __init__(self, response):
        self.response = response
        self.status = response.status_code
        self.json = response.json() if response.content else None

    def raise_for(self):
        assert self.status < 300, (self.status, self.json)
        return self


class Api:
    """JSON calls to the viewing API as a user (session auth)."""

    def __init__(self, user):
        self.client = Client()
        if user is not None:
            self.client.force_login(user)

    def get(self, url, **params) -> Answer:
        return Answer(self.client.get("/api/v3/viewing" + url, params))

    def post(self, url, body=None) -> Answer:
        return Answer(
            self.client.post(
                "/api/v3/viewing" + url,
                json.dumps(body or {}),
                content_type="application/json",
            )
        )


def api(who) -> Api:
    return Api(getattr(who, "user", who))


def room_code(room: ViewingRoom) -> str:
    return services.room_checkin_code(room=room)[0]

"""A branch with its people: the secretary (organisation administrator of the
branch), a host, a recorder, two plain members, a 流动党员, a member of another
branch, and the district's administrator."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from tests import factories


@pytest.fixture
def people(tree, member):
    branch = tree["branch1"]
    people = {
        "secretary": factories.org_admin(organisation=branch, username="secretary"),
        "district_admin": factories.org_admin(
            organisation=tree["district"], username="district_admin"
        ),
        "other_admin": factories.org_admin(
            organisation=tree["sub2"], username="other_admin"
        ),
        "member": member,
        "host": factories.member(organisation=branch, username="host"),
        "recorder": factories.member(organisation=branch, username="recorder"),
        "plain": factories.member(organisation=branch, username="plain"),
        "mobile": factories.member(
            organisation=branch, username="mobile", member_type="mobile"
        ),
        "outsider": factories.member(organisation=tree["branch2"], username="outsider"),
    }
    return people


class Api:
    """JSON calls to the meetings API as a user (session auth)."""

    def __init__(self, user):
        self.client = Client()
        if user is not None:
            self.client.force_login(user)

    def get(self, url, **params):
        return self.client.get("/api/v3/meetings" + url, params)

    def post(self, url, body=None):
        return self.client.post(
            "/api/v3/meetings" + url,
            json.dumps(body or {}, default=str),
            content_type="application/json",
        )

    def put(self, url, body=None):
        return self.client.put(
            "/api/v3/meetings" + url,
            json.dumps(body or {}, default=str),
            content_type="application/json",
        )


@pytest.fixture
def api():
    def make(who) -> Api:
        user = getattr(who, "user", who)  # a member or an account
        return Api(user)

    return make


def plan(people, **overrides) -> dict:
    start = overrides.pop("starts_at", timezone.now() + timedelta(days=2))
    body = {
        "organisation": "B1",
        "kind": "general",
        "theme": "学习贯彻党的二十届四中全会精神",
        "agenda": "一、传达学习；二、交流发言",
        "starts_at": start if isinstance(start, str) else start.isoformat(),
        "ends_at": ""
        if isinstance(start, str)
        else (start + timedelta(hours=2)).isoformat(),
        "place": "address",
        "address": "越秀区某街道党群服务中心 201 室",
        "host": people["host"].pk,
        "recorder": people["recorder"].pk,
    }
    body.update(overrides)
    return body


@pytest.fixture
def meeting(people, api):
    """A 党员大会 of branch B1 in two days, scheduled by its secretary."""
    response = api(people["secretary"]).post("/", plan(people))
    assert response.status_code == 201, response.content
    return response.json()


def checkin_code_now(meeting_id: int) -> str:
    """The meeting's check-in code shown now (as its screen shows it)."""
    from learning import services as learning_services
    from meetings.models import Meeting

    meeting = Meeting.objects.get(pk=meeting_id)
    return learning_services.rotating_code(
        secret=meeting.checkin_secret,
        key=f"m{meeting.pk}",
        step=int(timezone.now().timestamp()) // learning_services.CHECKIN_STEP_SECONDS,
    )

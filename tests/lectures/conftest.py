"""The lecture menu's people: a lecturer with a profile (and a member profile in
branch 2), an editor, the branch-1 secretary, the district's organising
department, another sub-district's admin, and branch-1 members."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from lectures import services
from tests import factories


@pytest.fixture
def people(tree, member, editor):
    branch = tree["branch1"]
    lecturer_account = factories.user("lecturer", groups=["讲师"])
    return {
        "lecturer_user": lecturer_account,
        "lecturer": factories.lecturer(name="李讲师", user=lecturer_account),
        "other_lecturer_user": factories.user("lecturer2", groups=["讲师"]),
        "editor": editor,
        "secretary": factories.org_admin(organisation=branch, username="secretary"),
        "district_admin": factories.org_admin(
            organisation=tree["district"], username="district_admin"
        ),
        "other_admin": factories.org_admin(
            organisation=tree["sub2"], username="other_admin"
        ),
        "member": member,
        "plain": factories.member(organisation=branch, username="plain"),
        "outsider": factories.member(organisation=tree["branch2"], username="outsider"),
    }


def publish(people, *, direct=False, areas=("S1",), audiences=(), mode="onsite",
            title="新时代党的建设", minutes=90, summary="从党史学习教育讲起"):  # fmt: skip
    """A published menu lecture of the lecturer (proposed, submitted, published
    through the services)."""
    lecture = services.lecture_propose(
        user=people["lecturer_user"],
        draft=services.LectureDraft(
            title=title,
            minutes=minutes,
            mode=mode,
            summary=summary,
            audiences=list(audiences),
            tags="党建、基层治理",
            areas=list(areas),
            direct=direct,
        ),
    )
    services.lecture_submit(user=people["lecturer_user"], lecture_id=lecture.pk)
    return services.lecture_review(
        user=people["editor"], lecture_id=lecture.pk, publish=True
    )


def later(days: int, hour: int = 9):
    moment = timezone.localtime() + timedelta(days=days)
    return moment.replace(hour=hour, minute=0, second=0, microsecond=0)


class Api:
    """JSON calls to the lectures API as a user (session auth)."""

    def __init__(self, user):
        self.client = Client()
        if user is not None:
            self.client.force_login(user)

    def get(self, url, **params):
        return self.client.get("/api/v3/lectures" + url, params)

    def post(self, url, body=None):
        return self.client.post(
            "/api/v3/lectures" + url,
            json.dumps(body or {}, default=str),
            content_type="application/json",
        )

    def put(self, url, body=None):
        return self.client.put(
            "/api/v3/lectures" + url,
            json.dumps(body or {}, default=str),
            content_type="application/json",
        )


@pytest.fixture
def api():
    return Api

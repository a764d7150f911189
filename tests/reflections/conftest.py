"""A branch secretary, a district administrator, another sub-district's
administrator, and things the member took part in: a live lesson, a training class
they are enrolled in, a meeting they were asked to, a live lecture of their
sub-district (all begun)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from tests import factories


@pytest.fixture
def people(tree, member):
    return {
        "member": member,
        "secretary": factories.org_admin(organisation=tree["branch1"], username="sec"),
        "district_admin": factories.org_admin(
            organisation=tree["district"], username="district_admin"
        ),
        "other_admin": factories.org_admin(organisation=tree["sub2"], username="oadm"),
        "colleague": factories.member(organisation=tree["branch1"], username="coll"),
        "outsider": factories.member(organisation=tree["branch2"], username="outs"),
    }


@pytest.fixture
def targets(tree, people, section):
    from broadcasts.models import LiveLecture
    from learning.models import TrainingClass, TrainingSession
    from meetings.models import Attendee, Meeting
    from training.models import ClassEnrolment

    member = people["member"]
    now = timezone.now()
    lesson = factories.lesson(section, title="学习二十大精神")
    training_class = TrainingClass.objects.create(
        title="党务干部培训班", organisation=tree["sub1"]
    )
    TrainingSession.objects.create(
        training_class=training_class,
        title="第一讲",
        starts_at=now - timedelta(hours=2),
        ends_at=now - timedelta(hours=1),
    )
    ClassEnrolment.objects.create(
        training_class=training_class,
        member=member,
        status="enrolled",
        via="organisation",
    )
    meeting = Meeting.objects.create(
        organisation=tree["branch1"],
        kind="lecture",
        theme="学习党章",
        starts_at=now - timedelta(days=1),
        ends_at=now - timedelta(days=1) + timedelta(hours=2),
        place="address",
        address="党群服务中心",
        host=people["colleague"],
        recorder=people["colleague"],
    )
    Attendee.objects.create(meeting=meeting, member=member)
    lecture = LiveLecture.objects.create(
        title="灯塔大课堂",
        organisation=tree["sub1"],
        starts_at=now - timedelta(hours=3),
        status=LiveLecture.Status.ENDED,
    )
    return {
        "lesson": lesson,
        "class": training_class,
        "meeting": meeting,
        "lecture": lecture,
    }


@pytest.fixture
def stored_reflection(people, targets):
    """The member's reflection about the lesson, stored as written (no reply)."""
    from reflections.models import Reflection

    return Reflection.objects.create(
        author=people["member"],
        organisation=people["member"].organisation,
        kind="lesson",
        target_id=targets["lesson"].pk,
        target_title=targets["lesson"].title,
        text="adminsecret 心得",
    )


class Api:
    """JSON calls to the reflections API as a user (session auth)."""

    def __init__(self, user):
        self.client = Client()
        if user is not None:
            self.client.force_login(user)

    def url(self, path):
        return "/api/v3/reflections" + path

    def get(self, path, **params):
        return self.client.get(self.url(path), params)

    def post(self, path, body=None):
        return self.client.post(
            self.url(path), json.dumps(body or {}), content_type="application/json"
        )

    def put(self, path, body=None):
        return self.client.put(
            self.url(path), json.dumps(body or {}), content_type="application/json"
        )


@pytest.fixture
def api():
    def make(who) -> Api:
        return Api(getattr(who, "user", who))

    return make

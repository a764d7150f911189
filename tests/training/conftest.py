"""A district's training year in small: the district, two sub-districts with a
community and a branch each (the ``tree`` fixture), their administrators, members,
and a class with sessions that have ended."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from learning.models import TrainingClass, TrainingSession
from tests import factories
from training.services import LineDraft


@pytest.fixture
def admins(tree):
    return {
        "district": factories.org_admin(
            organisation=tree["district"], username="d_admin"
        ),
        "sub1": factories.org_admin(organisation=tree["sub1"], username="s1_admin"),
        "sub2": factories.org_admin(organisation=tree["sub2"], username="s2_admin"),
        "branch1": factories.org_admin(
            organisation=tree["branch1"], username="b1_admin"
        ),
    }


@pytest.fixture
def members(tree, member):
    return {
        "member": member,
        "plain": factories.member(organisation=tree["branch1"], username="plain"),
        "third": factories.member(organisation=tree["community1"], username="third"),
        "outsider": factories.member(organisation=tree["branch2"], username="outsider"),
    }


def line(**changes) -> LineDraft:
    values = {
        "title": "书记示范培训班",
        "kind": "demonstration",
        "target_groups": ["secretary", "committee"],
        "planned_classes": 2,
        "planned_people": 120,
        "planned_hours": Decimal("16"),
        "months": [3, 9],
        "lecturers_or_topics": "区委党校讲师团",
    }
    values.update(changes)
    return LineDraft(**values)


def make_class(organisation, *, sessions=2, ended=True, **fields):
    """A class of ``organisation`` with ``sessions`` sessions, ended two days ago
    (or starting tomorrow)."""
    klass = TrainingClass.objects.create(
        title=fields.pop("title", "基层党务骨干培训班"),
        organisation=organisation,
        **fields,
    )
    base = timezone.now() + (timedelta(days=-3) if ended else timedelta(days=1))
    for n in range(sessions):
        start = base + timedelta(hours=n * 3)
        TrainingSession.objects.create(
            training_class=klass,
            title=f"第{n + 1}讲",
            starts_at=start,
            ends_at=start + timedelta(hours=2),
            credit_hours=Decimal("2"),
        )
    return klass


class Api:
    """JSON calls to the training API as a user (session auth)."""

    def __init__(self, user=None):
        self.client = Client()
        if user is not None:
            self.client.force_login(user)

    def get(self, url, **params):
        return self.client.get("/api/v3/training" + url, params)

    def post(self, url, body=None):
        return self.client.post(
            "/api/v3/training" + url,
            json.dumps(body or {}, default=str),
            content_type="application/json",
        )

    def put(self, url, body=None):
        return self.client.put(
            "/api/v3/training" + url,
            json.dumps(body or {}, default=str),
            content_type="application/json",
        )

    def delete(self, url):
        return self.client.delete("/api/v3/training" + url)

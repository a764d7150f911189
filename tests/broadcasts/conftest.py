"""A lecture for sub-district S1's subtree (member in branch B1 is in its audience,
``outsider`` in B2 is not), the S1 administrator who schedules it, and a helper
that lets nginx's callbacks through."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from broadcasts import services
from tests import factories


@pytest.fixture
def people(tree, member):
    return {
        "member": member,
        "colleague": factories.member(
            organisation=tree["branch1"], username="colleague"
        ),
        "outsider": factories.member(organisation=tree["branch2"], username="outsider"),
        "admin": factories.org_admin(organisation=tree["sub1"], username="s1_admin"),
        "other_admin": factories.org_admin(
            organisation=tree["sub2"], username="s2_admin"
        ),
    }


@pytest.fixture
def lecture(people, tree):
    return services.lecture_schedule(
        user=people["admin"],
        title="灯塔大课堂：学习贯彻党的二十届四中全会精神",
        organisation_code=tree["sub1"].code,
        starts_at=timezone.now() + timedelta(minutes=10),
        expected_minutes=30,
        attendance_percent=50,
    )


def go_live(lecture, now=None):
    """nginx accepted the lecture's publisher (as its callback would)."""
    return services.publish_authorise(
        stream_name=lecture.stream_key, client_id="7", now=now
    )

"""Check-in tries per minute: one budget per account, kept by learning's check-in
service, whichever client the tries come through (the API or the portal), so a code
cannot be guessed faster by switching between them."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from learning import services
from learning.errors import SessionNotFound, TooFrequent
from learning.models import Attendance, TrainingClass, TrainingSession

pytestmark = pytest.mark.django_db
CHECKINS = "/api/v3/learning/checkins"
PORTAL = "/me/checkin/"


@pytest.fixture
def session(tree):
    klass = TrainingClass.objects.create(
        title="党务骨干培训班", organisation=tree["district"]
    )
    start = timezone.now() - timedelta(minutes=5)
    return TrainingSession.objects.create(
        training_class=klass,
        title="第一讲",
        starts_at=start,
        ends_at=start + timedelta(hours=1),
    )


def wrong_code(session: TrainingSession) -> str:
    return "000000" if services.checkin_code(session=session) != "000000" else "111111"


def api_try(session, code: str, token: str):
    return Client().post(
        CHECKINS,
        data=json.dumps({"session": session.pk, "code": code}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )


def test_tries_through_the_api_count_against_the_portal(
    member, session, token_for, client_for, settings
):
    settings.LEARNING_CHECKINS_PER_MINUTE = 3
    token = token_for(member.user)
    for _ in range(3):
        assert api_try(session, wrong_code(session), token).status_code == 400
    portal = client_for(member.user).post(
        PORTAL, {"session": session.pk, "code": services.checkin_code(session=session)}
    )
    assert portal.status_code == 429
    assert "签到尝试过于频繁" in portal.content.decode()
    assert not Attendance.objects.exists()


def test_tries_through_the_portal_count_against_the_api(
    member, session, token_for, client_for, settings
):
    settings.LEARNING_CHECKINS_PER_MINUTE = 2
    portal = client_for(member.user)
    for _ in range(2):
        tried = portal.post(
            PORTAL, {"session": session.pk, "code": wrong_code(session)}
        )
        assert tried.status_code == 400
    refused = api_try(
        session, services.checkin_code(session=session), token_for(member.user)
    )
    assert refused.status_code == 429
    assert refused.json()["code"] == "rate_limited"
    assert not Attendance.objects.exists()


def test_the_service_counts_every_try_and_finds_the_session(member, session, settings):
    settings.LEARNING_CHECKINS_PER_MINUTE = 2
    with pytest.raises(SessionNotFound):
        services.checkin_attempt(member=member, session_id=999_999, code="123456")
    attendance = services.checkin_attempt(
        member=member,
        session_id=session.pk,
        code=services.checkin_code(session=session),
    )
    assert attendance.session == session
    with pytest.raises(TooFrequent):
        services.checkin_attempt(
            member=member,
            session_id=session.pk,
            code=services.checkin_code(session=session),
        )

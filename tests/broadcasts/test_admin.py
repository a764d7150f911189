"""The admin: scheduling in the scoped viewset sends the audience's notice; the
lecture's page shows the key for OBS to its managers only, rotates it, and lists
who was there (late joiners and early leavers marked)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from broadcasts import services
from broadcasts.models import LiveLecture
from notices.models import Notice
from tests import factories
from tests.broadcasts.conftest import go_live

pytestmark = pytest.mark.django_db


def _admin(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_scheduling_in_the_admin_notifies_and_shows_the_key(people, tree):
    admin = _admin(people["admin"])
    starts = timezone.localtime(timezone.now() + timedelta(days=2))
    response = admin.post(
        "/admin/live_lectures/new/",
        {
            "title": "灯塔大课堂·十二月",
            "description": "",
            "organisation": tree["sub1"].pk,
            "member_types": ["regular"],
            "starts_at": starts.strftime("%Y-%m-%d %H:%M"),
            "expected_minutes": 60,
            "attendance_percent": 60,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    lecture = LiveLecture.objects.get(title="灯塔大课堂·十二月")
    assert lecture.created_by == people["admin"]
    assert Notice.objects.filter(
        topic=f"broadcasts.lecture:{lecture.pk}", recipient=people["member"].user
    ).exists()
    page = admin.get(f"/admin/broadcasts/{lecture.pk}/")
    assert page.status_code == 200 and lecture.stream_key in page.content.decode()
    admin.post(f"/admin/broadcasts/{lecture.pk}/", {"action": "rotate"})
    old_key = lecture.stream_key
    lecture.refresh_from_db()
    assert lecture.stream_key != old_key
    other = _admin(people["other_admin"])
    assert other.get(f"/admin/broadcasts/{lecture.pk}/").status_code == 404
    assert other.get(f"/admin/live_lectures/edit/{lecture.pk}/").status_code == 404
    listing = other.get("/admin/live_lectures/").content.decode()
    assert "灯塔大课堂·十二月" not in listing


def test_the_presence_report_marks_late_joiners(lecture, people, tree, clock):
    factories.member(organisation=tree["branch1"], username="absentee")
    lecture = go_live(lecture)
    services.presence_credit(
        member=people["member"], lecture=lecture, seconds=0, place="phone"
    )
    clock(900)
    services.presence_credit(
        member=people["colleague"], lecture=lecture, seconds=0, place="phone"
    )
    page = _admin(people["admin"]).get(f"/admin/broadcasts/{lecture.pk}/")
    text = page.content.decode()
    assert page.status_code == 200
    assert text.count("data-late") == 1
    # In the audience but never seen; the outsider is not in the audience.
    assert "absentee" in text and "outsider" not in text

"""The portal's 直播 pages without a browser: the home block, the countdown, the
player's page while live (signed playlist, no key), the replay after the end."""

from __future__ import annotations

import pytest
from django.test import Client

from broadcasts import services
from broadcasts.models import LiveLecture
from tests import factories
from tests.broadcasts.conftest import go_live

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_home_shows_the_coming_lecture_and_its_countdown(lecture, people, home_page):
    member = _client(people["member"].user)
    home = member.get("/").content.decode()
    assert "直播" in home and lecture.title in home
    page = member.get(f"/zhibo/{lecture.pk}/").content.decode()
    assert "距离开始" in page and 'data-status="scheduled"' in page
    outsider = _client(people["outsider"].user)
    assert lecture.title not in outsider.get("/").content.decode()
    assert outsider.get(f"/zhibo/{lecture.pk}/").status_code == 404


def test_the_live_page_carries_a_signed_playlist_never_the_key(lecture, people):
    lecture = go_live(lecture)
    page = _client(people["member"].user).get(f"/zhibo/{lecture.pk}/").content.decode()
    assert f"/api/v3/broadcasts/lectures/{lecture.pk}/hls/index.m3u8?exp=" in page
    assert lecture.stream_key not in page


def test_after_the_end_the_replay_is_the_recording_lesson(lecture, people, section):
    lecture = go_live(lecture)
    services.publish_done(stream_name=lecture.stream_key, client_id="7")
    member = _client(people["member"].user)
    assert "回放整理中" in member.get(f"/zhibo/{lecture.pk}/").content.decode()
    lesson = factories.lesson(section, title="灯塔大课堂回放")
    LiveLecture.objects.filter(pk=lecture.pk).update(recording_lesson=lesson)
    page = member.get(f"/zhibo/{lecture.pk}/").content.decode()
    assert "观看回放" in page and lesson.url in page

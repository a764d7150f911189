"""The real pieces: nginx with Debian's RTMP module on a free loopback port, fed by
ffmpeg's ``testsrc`` as OBS would, asking the platform (a live server) on publish.
Without nginx the tests skip saying so (with CI=true they fail)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from broadcasts.models import LiveLecture
from tests.broadcasts.conftest import wait_for

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def _status(lecture) -> str:
    lecture.refresh_from_db()
    return lecture.status


def _refused(process) -> bool:
    """ffmpeg gave up: nginx closed the connection on the platform's refusal."""
    return process.wait(timeout=30) != 0


def test_wrong_foreign_and_out_of_window_keys_are_refused(rtmp, lecture):
    assert _refused(rtmp("0123456789abcdef0123456789abcdef", seconds=3))
    later = LiveLecture.objects.create(
        title="明天的课",
        organisation=lecture.organisation,
        starts_at=timezone.now() + timedelta(days=1),
    )
    assert _refused(rtmp(later.stream_key, seconds=3))
    assert _status(later) == "scheduled" and _status(lecture) == "scheduled"


def test_the_current_key_goes_live_plays_signed_hls_and_ends(rtmp, lecture, people):
    pusher = rtmp(lecture.stream_key, seconds=8)
    wait_for(lambda: _status(lecture) == "live")
    member = Client()
    member.force_login(people["member"].user)
    detail = member.get(f"/api/v3/broadcasts/lectures/{lecture.pk}").json()
    assert detail["status"] == "live" and detail["stream"] is None

    def playlist():
        """the first fragments in the live playlist"""
        answer = member.get(detail["playlist_url"])
        return (
            answer if answer.status_code == 200 and b".ts?" in answer.content else None
        )

    answer = wait_for(playlist, timeout=30)
    fragment = next(
        line for line in answer.content.decode().splitlines() if ".ts?" in line
    )
    got = Client().get(fragment)  # the signed URL is the key: no session needed
    assert got.status_code == 200 and got["Content-Type"] == "video/mp2t"
    assert got.content[:1] == b"G"  # an MPEG-TS sync byte
    unsigned = fragment.split("?")[0]
    assert Client().get(unsigned).status_code == 404
    outsider = Client()
    outsider.force_login(people["outsider"].user)
    bare = detail["playlist_url"].split("?")[0]
    assert outsider.get(bare).status_code == 404
    assert member.get(bare).status_code == 200
    # A second publisher on the same key is refused while the first streams.
    assert _refused(rtmp(lecture.stream_key, seconds=3))
    assert pusher.wait(timeout=30) == 0
    wait_for(lambda: _status(lecture) == "ended")
    # The key cannot be used again after the end.
    assert _refused(rtmp(lecture.stream_key, seconds=3))
    assert _status(lecture) == "ended"

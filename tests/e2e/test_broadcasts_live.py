"""The whole path in a browser: ffmpeg pushes ``testsrc`` to nginx-rtmp as OBS
would, the platform lets it go live, the member opens the lecture's page in
Chromium, the live stream plays (HLS at the live edge) and the member's presence is
recorded from the page's heartbeats."""

from __future__ import annotations

import pytest
from django.conf import settings

from broadcasts.models import LivePresence

# The broadcasts fixtures; the browser's are tests/e2e/conftest.py's own (one
# Playwright per session: importing them into a module elsewhere started a second).
from tests.broadcasts.conftest import (  # noqa: F401 - fixtures
    lecture,
    people,
    rtmp,
    wait_for,
)
from tests.e2e.conftest import screenshot, sign_in

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
]


def test_the_member_watches_live_and_is_counted_present(page, rtmp, lecture, people):  # noqa: F811
    pusher = rtmp(lecture.stream_key, seconds=60)

    def live():
        """the lecture live"""
        lecture.refresh_from_db()
        return lecture.status == "live"

    wait_for(live)

    def playlist():
        """nginx's first playlist of the stream (a page opened earlier retries
        until it is there; here the console is to stay clean)"""
        lecture.refresh_from_db()
        folder = settings.BROADCASTS_HLS_DIR / lecture.published_stream
        return (folder / "index.m3u8").exists()

    wait_for(playlist, timeout=30)
    sign_in(page, "member")
    page.goto(f"{page.base}/zhibo/{lecture.pk}/")
    assert page.locator("video#live-video").count() == 1
    try:
        page.wait_for_function(
            "() => { const v = document.querySelector('#live-video');"
            " return v && v.currentTime > 1 && !v.paused; }",
            timeout=45_000,
        )
    except Exception:  # say what the player saw
        state = page.evaluate(
            "() => { const v = document.querySelector('#live-video');"
            " return {t: v.currentTime, paused: v.paused, ready: v.readyState,"
            " net: v.networkState, error: v.error && v.error.code, src: v.currentSrc}; }"
        )
        pytest.fail(f"the live stream did not play: {state}, {page.problems}")
    screenshot(page, "broadcast-live")

    def counted():
        """seconds present recorded for the member"""
        presence = LivePresence.objects.filter(
            lecture=lecture, member=people["member"]
        ).first()
        return presence if presence and presence.seconds_present > 0 else None

    presence = wait_for(counted, timeout=45)
    assert presence.place == "phone"
    shown = page.locator("[data-presence]").inner_text()
    assert "在线" in shown
    assert page.problems == []
    pusher.kill()  # the lecturer stops: nginx tells the platform, the lecture ends

    def ended():
        """the lecture ended"""
        lecture.refresh_from_db()
        return lecture.status == "ended"

    wait_for(ended)

"""The lesson player in a real Chromium against a live server, with real transcoded
video: a member watches a required lesson to the end and the server completes it;
a reload resumes where they paused; a beat sent while the network is down is kept
and delivered when it returns (or by the next page); the audio-only switch keeps
the position; a 360° courseware draws into a canvas."""

from __future__ import annotations

import datetime
import re
import time
import uuid

import pytest
from django.core.files.base import File

from learning.models import Assignment, LessonProgress
from media_pipeline.models import VideoAsset
from media_pipeline.services import subtitle_attach, video_asset_process
from tests import factories
from tests.e2e.conftest import axe_violations, screenshot, sign_in

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("small_ladder")]

SUBTITLES = "WEBVTT\n\n00:00:00.000 --> 00:00:03.000\n不忘初心，牢记使命\n".encode()
VIDEO = "document.querySelector('[data-player] video')"
STATUS = "document.querySelector('[data-player] [data-status]').textContent"
KEPT_BEATS = "Object.keys(localStorage).filter((key) => key.startsWith('dangke:beat:'))"


def processed(path, *, title: str = "党课视频") -> VideoAsset:
    asset = VideoAsset(title=title, size=path.stat().st_size)
    with open(path, "rb") as handle:
        asset.file.save("original", File(handle), save=False)
    asset.save()
    asset = video_asset_process(asset_id=asset.pk)
    assert asset.status == "ready", asset.error
    return asset


@pytest.fixture
def lesson_video(ffmpeg_binaries, clips) -> VideoAsset:
    asset = processed(clips.video(seconds=4.0, size="320x180"))
    subtitle_attach(asset=asset, raw=SUBTITLES)
    return asset


@pytest.fixture
def member(db):
    branch = factories.organisation(name="第一党支部")
    return factories.member(organisation=branch, username="dangyuan")


def wait_until(condition, *, timeout: float = 20.0, message: str = ""):
    """Poll the database (written by the live server's thread) until ``condition()``
    is truthy; returns its value."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    pytest.fail(message or "condition not met in time")


def progress_of(member, lesson) -> LessonProgress | None:
    return LessonProgress.objects.filter(member=member, lesson=lesson).first()


def open_player(page, url: str) -> None:
    page.goto(url)
    page.wait_for_selector("[data-player] [data-controls]:not([hidden])")


def test_member_watches_a_required_lesson_to_completion(
    page, home_page, member, lesson_video
):
    section = factories.section(home_page, title="微党课", slug="lessons")
    lesson = factories.lesson(
        section, title="党章第一课", video=lesson_video, duration=4
    )
    course = factories.course(section, title="学习党章必修课", lessons=[lesson])
    Assignment.objects.create(
        content=course,
        organisation=member.organisation,
        member_types=[],
        deadline=datetime.date.today() + datetime.timedelta(days=30),
    )

    sign_in(page, "dangyuan")
    page.get_by_role("link", name="学习党章必修课").first.click()
    page.get_by_role("link", name="党章第一课").first.click()
    page.wait_for_selector("[data-player] [data-controls]:not([hidden])")
    assert page.evaluate(f"{VIDEO}.canPlayType('video/mp4; codecs=\"avc1.4d401e\"')")
    assert "已观看 0%" in page.evaluate(STATUS)

    # thumbnails: hovering the seek bar shows the sprite tile for that time
    seek = page.locator("[data-seek]")
    box = seek.bounding_box()
    seek.hover(position={"x": box["width"] * 0.8, "y": box["height"] / 2})
    preview = page.locator("[data-preview]")
    preview.wait_for(state="visible")
    page.wait_for_function(
        "() => document.querySelector('[data-preview]').style.backgroundImage"
        ".includes('sprite.jpg')"
    )
    assert preview.inner_text() == "0:03"
    page.mouse.move(0, 0)

    assert axe_violations(page) == []
    screenshot(page, "lesson")

    # subtitles are showing; play to the end with the keyboard
    assert page.evaluate(f"{VIDEO}.textTracks[0].mode") == "showing"
    page.focus("[data-play]")
    page.keyboard.press("k")
    page.wait_for_function(f"() => {VIDEO}.ended", timeout=30_000)

    page.wait_for_function(f"() => {STATUS}.includes('已完成')")
    assert re.fullmatch(r"已观看 (9\d|100)% · 已完成", page.evaluate(STATUS))
    record = progress_of(member, lesson)
    assert record.completed_at is not None
    assert record.watched_seconds >= 3.6
    assert page.problems == []


def test_resume_and_a_beat_kept_while_offline(
    page, browser_context, home_page, member, lesson_video
):
    section = factories.section(home_page, title="微党课", slug="lessons")
    lesson = factories.lesson(section, title="党史一课", video=lesson_video, duration=4)
    sign_in(page, "dangyuan")
    beats = []
    page.on(
        "request",
        lambda request: (
            beats.append(request.post_data_json)
            if request.url.endswith("/learning/progress")
            else None
        ),
    )
    open_player(page, page.base + lesson.url)

    # listening only (the audio rendition); play to about the middle and pause:
    # the pause sends a beat
    page.click("[data-audio-toggle]")
    page.wait_for_function(f"() => {STATUS}.includes('已切换为仅听声音')")
    page.evaluate(f"{VIDEO}.play()")
    page.wait_for_function(f"() => {VIDEO}.currentTime >= 1.8")
    page.evaluate(f"{VIDEO}.pause()")
    paused_at = page.evaluate(f"{VIDEO}.currentTime")
    record = wait_until(
        lambda: (r := progress_of(member, lesson)) and r.position > 1.5 and r,
        message="the pause's beat did not arrive",
    )
    assert record.position == pytest.approx(paused_at, abs=0.3)
    assert record.completed_at is None
    assert [beat["seq"] for beat in beats] == list(range(len(beats)))
    assert {beat["mode"] for beat in beats} == {"audio"}
    assert len({beat["playback_id"] for beat in beats}) == 1

    # a reload resumes at the stored position
    open_player(page, page.base + lesson.url)
    page.wait_for_function(f"() => {VIDEO}.currentTime > 0")
    assert "继续播放" in page.evaluate(STATUS)
    assert page.evaluate(f"{VIDEO}.currentTime") == pytest.approx(
        record.position, abs=0.3
    )
    page.wait_for_function(f"() => {VIDEO}.readyState >= 4")  # the clip's one segment

    # the network goes away; what is played meanwhile is kept in localStorage
    before = (record.position, record.intervals)
    problems_before = len(page.problems)
    browser_context.set_offline(True)
    page.evaluate(f"{VIDEO}.play()")
    page.wait_for_function(f"() => {VIDEO}.currentTime >= {record.position + 0.8}")
    page.evaluate(f"{VIDEO}.pause()")
    page.wait_for_function(f"() => {STATUS}.includes('网络已断开')")
    assert page.evaluate(f"{KEPT_BEATS}.length") >= 1
    time.sleep(1)
    record.refresh_from_db()
    assert (record.position, record.intervals) == before

    # back online: the kept beats are delivered, in order, and the status clears
    browser_context.set_offline(False)
    offline_problems = page.problems[problems_before:]
    del page.problems[problems_before:]
    # only the browser's own note of requests the cut network failed (media segments)
    assert all("ERR_INTERNET_DISCONNECTED" in text for text in offline_problems)
    record = wait_until(
        lambda: (
            (r := progress_of(member, lesson)) and r.position > before[0] + 0.5 and r
        ),
        message="the kept beat was not delivered after going online",
    )
    assert record.intervals != before[1]
    assert record.intervals[-1][1] >= before[0] + 0.5
    page.wait_for_function(f"() => {KEPT_BEATS}.length === 0")
    page.wait_for_function(f"() => !{STATUS}.includes('网络已断开')")

    # a beat another page kept (closed while offline) is sent by the next page load
    playback = str(uuid.uuid4())
    kept = {
        "lesson": lesson.pk,
        "playback_id": playback,
        "seq": 0,
        "ranges": [[3.0, 3.5]],
        "position": 3.5,
        "rate": 1,
        "mode": "video",
    }
    keep = (
        "([member, beat]) => localStorage.setItem("
        "`dangke:beat:${member}:${beat.playback_id}:0`,"
        " JSON.stringify({t: Date.now(), member, body: beat}))"
    )
    page.evaluate(keep, [str(member.pk), kept])
    # another member's kept beat (a shared computer) is never sent in this session
    someone_else = {**kept, "playback_id": str(uuid.uuid4())}
    page.evaluate(keep, ["999999", someone_else])
    open_player(page, page.base + lesson.url)
    record = wait_until(
        lambda: (
            playback in (progress_of(member, lesson).playbacks or {})
            and progress_of(member, lesson)
        ),
        message="the beat kept by an earlier page was not sent",
    )
    assert record.intervals[-1][1] == pytest.approx(3.5)
    page.wait_for_function(f"() => {KEPT_BEATS}.length === 1")
    assert page.evaluate(KEPT_BEATS) == [
        f"dangke:beat:999999:{someone_else['playback_id']}:0"
    ]
    assert someone_else["playback_id"] not in progress_of(member, lesson).playbacks
    assert page.problems == []


# Chromium plays HLS itself; hiding that makes the player take hls.js (over MSE)
WITHOUT_NATIVE_HLS = """
const canPlayType = HTMLMediaElement.prototype.canPlayType;
HTMLMediaElement.prototype.canPlayType = function (type) {
  return /mpegurl/i.test(type) ? "" : canPlayType.call(this, type);
};
"""


@pytest.mark.parametrize("engine", ["native", "hls.js"])
def test_anonymous_visitor_listens_audio_only_without_beats(
    page, home_page, lesson_video, engine
):
    section = factories.section(home_page, title="微党课", slug="lessons")
    lesson = factories.lesson(section, title="公开课", video=lesson_video, duration=4)
    if engine == "hls.js":
        page.add_init_script(WITHOUT_NATIVE_HLS)
    beats = []
    page.on(
        "request",
        lambda request: (
            beats.append(request.url) if "/learning/progress" in request.url else None
        ),
    )
    open_player(page, page.base + lesson.url)
    assert page.evaluate(STATUS) == "登录后记录学习进度"

    page.focus("[data-play]")
    page.keyboard.press("m")
    assert page.evaluate(f"{VIDEO}.muted")
    page.wait_for_selector("[data-mute][aria-pressed=true]")
    page.keyboard.press("m")
    assert not page.evaluate(f"{VIDEO}.muted")
    page.wait_for_selector("[data-mute][aria-pressed=false]")
    page.select_option("[data-speed]", "1.5")
    page.evaluate(f"{VIDEO}.play()")
    page.wait_for_function(f"() => {VIDEO}.currentTime >= 1 && {VIDEO}.videoWidth > 0")
    page.click("[data-audio-toggle]")
    page.wait_for_function(f"() => {STATUS}.includes('已切换为仅听声音')")
    assert page.get_attribute("[data-audio-toggle]", "aria-pressed") == "true"
    # the audio-only rendition (no picture) goes on from where the video was
    page.wait_for_function(f"() => !{VIDEO}.paused && {VIDEO}.currentTime >= 1.2")
    assert page.evaluate(f"{VIDEO}.videoWidth") == 0
    assert page.evaluate(f"{VIDEO}.playbackRate") == 1.5
    page.wait_for_function(f"() => {VIDEO}.ended", timeout=30_000)
    assert "登录后记录学习进度" in page.evaluate(STATUS)
    assert beats == []
    assert page.problems == []


def test_360_courseware_plays_in_a_canvas(
    page, home_page, member, ffmpeg_binaries, clips
):
    from cms.models import VRCoursewarePage

    asset = processed(clips.spherical(), title="全景")
    assert asset.projection == "equirectangular"
    section = factories.section(home_page, title="VR 课件", slug="vr")
    courseware = VRCoursewarePage(
        title="红色遗址全景",
        slug="vr-site",
        kind="video360",
        video=asset,
        duration=1,
    )
    section.add_child(instance=courseware)
    courseware.save_revision().publish()

    sign_in(page, "dangyuan")
    open_player(page, page.base + courseware.url)
    canvas = page.wait_for_selector("[data-player] canvas")
    assert page.locator("[data-player]").get_attribute("class").count("is-360")
    size = canvas.bounding_box()
    assert size["width"] > 100 and size["height"] > 50

    # arrows on the focused view look around; the player's play button still plays
    canvas.focus()
    page.keyboard.press("ArrowRight")
    page.click("[data-play]")
    page.wait_for_function(f"() => {VIDEO}.ended", timeout=30_000)
    page.wait_for_function(f"() => {STATUS}.includes('已完成')")
    assert progress_of(member, courseware).completed_at is not None
    screenshot(page, "lesson-360")
    assert page.problems == []


# A stand-in <video> (an EventTarget with the fields the tracker reads) driven by a
# script, so the order and lateness of media events is exact; the tracker itself is
# the portal's module, in Chromium.
TRACKER_SCRIPT = """async (steps) => {
  const { WatchTracker } = await import("/static/themes/js/heartbeats.js");
  const video = new EventTarget();
  Object.assign(video, {
    currentTime: 0, paused: true, seeking: false, readyState: 4, playbackRate: 1,
  });
  const tracker = new WatchTracker(video, { limit: () => 600 });
  for (const [what, value] of steps) {
    if (what === "wait") await new Promise((done) => setTimeout(done, value));
    else if (what === "at") video.currentTime = value;
    else if (what === "paused") video.paused = value;
    else video.dispatchEvent(new Event(what));
  }
  return tracker.take();
}"""


def _played(page, steps) -> list[list[float]]:
    return page.evaluate(TRACKER_SCRIPT, steps)


def _playing_to(end: float, *, start: float) -> list:
    """timeupdates every 0.25 s of media time, in real time, from start to end."""
    steps, t = [], start
    while t < end - 1e-9:
        t = min(end, round(t + 0.25, 3))
        steps += [["wait", 250], ["at", t], ["timeupdate", None]]
    return steps


def test_watch_tracker_starts_where_the_video_stood(page, home_page):
    """On a busy page the `play` event runs after the clock has moved on (0.1 s here,
    as seen under load): what was played still starts where the video stood, so a
    one-second courseware played through is credited in full. Playing never starts
    before a jump the tracker could not have played, nor before a seek."""
    page.goto(page.base + "/")
    late_play = [["paused", False], ["at", 0.12], ["play", None], ["at", 0.2]]
    played = _played(
        page,
        [*late_play, ["playing", None], *_playing_to(1.0, start=0.2), ["ended", None]],
    )
    assert played == [[0, 1]]

    # seeked to 30 while paused, then played (late): from 30, not from 0
    seek = [["seeking", None], ["at", 30], ["seeked", None]]
    played = _played(
        page,
        [*seek, ["paused", False], ["at", 30.1], ["play", None], ["playing", None],
         *_playing_to(31, start=30.1), ["pause", None]],
    )  # fmt: skip
    assert played == [[30, 31]]

    # the clock jumped 20 s without a seek before the player heard of it: no credit
    played = _played(
        page,
        [["paused", False], ["at", 20], ["play", None], ["playing", None],
         *_playing_to(21, start=20), ["pause", None]],
    )  # fmt: skip
    assert played == [[20, 21]]

"""The 360° viewer's subtitles and gyroscope button in a real Chromium: the canvas
hides the <video> (and the browser's own subtitles with it), so vr360.js shows the
active cue over the bottom of the view, following the player's 字幕 control, larger
in 长辈模式; the gyroscope button shows only on a touch screen."""

from __future__ import annotations

import io

import pytest
from PIL import Image, ImageChops, ImageStat

from media_pipeline.clips import spherical_metadata_add
from media_pipeline.services import subtitle_attach
from tests.e2e.conftest import PHONE, axe_violations, screenshot
from tests.e2e.test_player import open_player, processed

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("small_ladder")]

CUE = "不忘初心，牢记使命"
# longer than the clip: the cue is still active wherever the clip stands when paused
SUBTITLES = f"WEBVTT\n\n00:00:00.000 --> 00:00:30.000\n{CUE}\n".encode()
VIDEO = "document.querySelector('[data-player] video')"
OVERLAY = "[data-player] .panorama-cues"


@pytest.fixture
def vr_page(home_page, ffmpeg_binaries, clips):
    """A published 360° courseware: a 2 s equirectangular clip (the generated clip of
    the player tests, marked spherical) with a 简体中文 WebVTT track."""
    from cms.models import VRCoursewarePage
    from tests import factories

    source = clips.video(seconds=2.0)
    path = source.with_name("spherical-2s.mp4")
    if not path.exists():
        path.write_bytes(spherical_metadata_add(source.read_bytes()))
    asset = processed(path, title="全景")
    assert asset.projection == "equirectangular"
    subtitle_attach(asset=asset, raw=SUBTITLES)
    section = factories.section(home_page, title="VR 课件", slug="vr")
    courseware = VRCoursewarePage(
        title="红色遗址全景", slug="vr-site", kind="video360", video=asset, duration=2
    )
    section.add_child(instance=courseware)
    courseware.save_revision().publish()
    return courseware


def _play_until_the_cue_shows(page) -> None:
    page.wait_for_selector("[data-player] canvas.panorama")
    page.click("[data-play]")
    page.wait_for_function(
        f"() => document.querySelector('{OVERLAY}')?.textContent === '{CUE}'",
        timeout=60_000,  # three.js and the first segments, on a busy machine
    )
    page.evaluate(f"{VIDEO}.pause()")


def test_vr_subtitle_shows_over_the_view_and_follows_the_captions_control(
    page, vr_page
):
    open_player(page, page.base + vr_page.url)
    _play_until_the_cue_shows(page)

    overlay = page.locator(OVERLAY)
    assert overlay.is_visible()
    assert overlay.get_attribute("aria-live") == "polite"
    assert page.evaluate(f"{VIDEO}.textTracks[0].mode") == "showing"
    # over the bottom of the canvas, white on a translucent black box
    box = overlay.bounding_box()
    canvas = page.locator("[data-player] canvas.panorama").bounding_box()
    assert (
        canvas["x"] <= box["x"]
        and box["x"] + box["width"] <= canvas["x"] + canvas["width"]
    )
    assert canvas["y"] + canvas["height"] / 2 < box["y"]
    assert box["y"] + box["height"] <= canvas["y"] + canvas["height"]
    style = page.evaluate(
        f"(() => {{ const s = getComputedStyle(document.querySelector('{OVERLAY}'));"
        " return [s.color, s.backgroundColor, parseFloat(s.fontSize)]; })()"
    )
    assert style[0] == "rgb(255, 255, 255)"
    assert style[1] == "rgba(0, 0, 0, 0.75)"
    assert 16 <= style[2] <= 28

    # 字幕 关闭 hides it; choosing the track again shows the cue again
    page.select_option("[data-captions]", "")
    overlay.wait_for(state="hidden")
    assert page.evaluate(f"{VIDEO}.textTracks[0].mode") == "disabled"
    page.select_option("[data-captions]", "0")
    page.wait_for_function(
        f"() => !document.querySelector('{OVERLAY}').hidden"
        f" && document.querySelector('{OVERLAY}').textContent === '{CUE}'"
    )
    # a track merely hidden (loaded, cues active, not shown) shows nothing either
    page.evaluate(f"{VIDEO}.textTracks[0].mode = 'hidden'")
    overlay.wait_for(state="hidden")

    # a desktop has no orientation sensor: no gyroscope button
    assert page.locator("[data-gyro]").is_hidden()
    assert axe_violations(page) == []
    assert page.problems == []


def _picture(canvas) -> Image.Image:
    return Image.open(io.BytesIO(canvas.screenshot())).convert("RGB")


def test_on_a_phone_in_elder_mode_the_subtitle_is_larger_and_the_gyroscope_turns_the_view(
    chromium, live_server, vr_page
):
    context = chromium.new_context(
        viewport=PHONE, has_touch=True, is_mobile=True, locale="zh-CN"
    )
    try:
        context.add_cookies(
            [{"name": "dk_elder", "value": "1", "url": live_server.url}]
        )
        context.grant_permissions(["accelerometer", "gyroscope", "magnetometer"])
        page = context.new_page()
        page.set_default_timeout(15_000)
        problems: list[str] = []
        page.on(
            "console", lambda m: problems.append(m.text) if m.type == "error" else None
        )
        page.on("pageerror", lambda error: problems.append(str(error)))

        open_player(page, live_server.url + vr_page.url)
        assert page.evaluate("document.documentElement.classList.contains('elder')")
        _play_until_the_cue_shows(page)
        size = "parseFloat(getComputedStyle(document.querySelector('.panorama-cues')).fontSize)"
        elder = page.evaluate(size)
        page.evaluate("document.documentElement.classList.remove('elder')")
        normal = page.evaluate(size)
        page.evaluate("document.documentElement.classList.add('elder')")
        assert normal >= 16 and elder >= 20 and elder > normal, (normal, elder)

        # a touch screen: the gyroscope button shows, and once pressed the phone's
        # attitude turns the view
        gyro = page.locator("[data-gyro]")
        assert gyro.is_visible()
        canvas = page.locator("[data-player] canvas.panorama")
        ahead = _picture(canvas)
        gyro.tap()
        page.wait_for_function(
            "() => document.querySelector('[data-gyro]').getAttribute('aria-pressed') === 'true'"
        )
        page.evaluate(
            "window.dispatchEvent(new DeviceOrientationEvent('deviceorientation',"
            " {alpha: 90, beta: 90, gamma: 0}))"
        )
        page.wait_for_timeout(300)
        turned = _picture(canvas)
        difference = ImageStat.Stat(ImageChops.difference(ahead, turned)).mean
        assert max(difference) > 5, "the gyroscope did not turn the view"
        # pressed again: off (and the subtitle stays)
        gyro.tap()
        assert gyro.get_attribute("aria-pressed") == "false"
        assert page.locator(OVERLAY).is_visible()
        assert page.locator(OVERLAY).text_content() == CUE

        screenshot(page, "lesson-360-elder-phone")
        assert problems == []
    finally:
        context.close()

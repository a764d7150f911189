"""The demo's VR courseware 「VR 重走中共三大会址」 opens in the 360° viewer: its
generated room is equirectangular, the page draws it with WebGL into a canvas that is
not blank, and a drag turns the view."""

from __future__ import annotations

import io

import pytest
from PIL import Image, ImageChops, ImageStat

from cms import demo_media
from cms.demo import demo_content_load, demo_vr_video_attach
from tests.e2e.conftest import screenshot

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("small_ladder")]

# small, and brief (one sentence read aloud), but big enough to see the signs
SIZES = demo_media.ClipSizes(lesson=(160, 90), panorama=(640, 320), brief=True)


def _picture(canvas) -> Image.Image:
    return Image.open(io.BytesIO(canvas.screenshot())).convert("RGB")


def _reddish_share(picture: Image.Image) -> float:
    """The share of pixels of the signs' red."""
    pixels = [
        picture.getpixel((x, y))
        for x in range(0, picture.width, 8)
        for y in range(0, picture.height, 8)
    ]
    red = [p for p in pixels if p[0] > 100 and p[1] < 80 and p[2] < 80]
    return len(red) / len(pixels)


def test_the_demo_vr_page_draws_the_room_and_turns_with_a_drag(
    page, settings, tmp_path, ffmpeg_binaries
):
    settings.VAR_DIR = tmp_path  # the generated room is kept here
    demo_content_load(with_media=False)
    vr = demo_vr_video_attach(clip_sizes=SIZES)
    assert vr.video.status == "ready" and vr.video.projection == "equirectangular"
    assert vr.video.subtitles.count() == 1

    page.goto(page.base + vr.url)
    page.wait_for_selector("[data-player] [data-controls]:not([hidden])")
    canvas = page.wait_for_selector("[data-player] canvas.panorama")
    page.click("[data-play]")
    page.wait_for_function(
        "() => document.querySelector('[data-player] video').currentTime > 0.3",
        timeout=60_000,  # three.js and the first segments, on a busy machine
    )
    page.click("[data-play]")  # pause: the view now changes only when turned

    # Looking ahead at the front wall's 「中国共产党第三次全国代表大会会址」: a red sign.
    ahead = _picture(canvas)
    assert max(ImageStat.Stat(ahead).stddev) > 10, "the canvas is blank"
    assert _reddish_share(ahead) > 0.05

    box = canvas.bounding_box()
    middle_x, middle_y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(middle_x, middle_y)
    page.mouse.down()
    page.mouse.move(middle_x - box["width"] / 2, middle_y, steps=8)
    page.mouse.up()
    page.wait_for_timeout(300)
    turned = _picture(canvas)
    difference = ImageStat.Stat(ImageChops.difference(ahead, turned)).mean
    assert max(difference) > 5, "the drag did not turn the view"

    screenshot(page, "demo-vr")
    assert page.problems == []

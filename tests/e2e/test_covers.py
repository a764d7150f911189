"""Covers in a real Chromium: a section's cards on a phone fetch only the covers near
the screen (loading="lazy"), each as WebP from the <picture>'s srcset, and nothing
on the page moves when they arrive (no layout shift: the boxes have their size from
the first paint)."""

from __future__ import annotations

import io
import mimetypes
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.images import ImageFile
from PIL import Image as Picture
from wagtail.images.models import Image

from tests import factories
from tests.e2e.conftest import PHONE, axe_violations, screenshot

CARDS = 14  # ~4,500 px of cards at 375 px: beyond Chromium's lazy-load distance

# the layout shifts the page had, summed (CLS without the session windows)
SHIFT = """() => new Promise(resolve => {
  let total = 0;
  new PerformanceObserver(list => {
    for (const entry of list.getEntries()) if (!entry.hadRecentInput) total += entry.value;
  }).observe({type: 'layout-shift', buffered: true});
  requestAnimationFrame(() => requestAnimationFrame(() => resolve(total)));
})"""


def cover(number: int) -> Image:
    buffer = io.BytesIO()
    colour = (120 + number * 9 % 120, 20 + number * 13 % 80, 30)
    Picture.new("RGB", (960, 540), colour).save(buffer, "JPEG")
    return Image.objects.create(
        title=f"封面 {number}", file=ImageFile(buffer, name=f"cover-{number}.jpg")
    )


@pytest.fixture
def course_cards(home_page):
    section = factories.section(home_page, title="课程", slug="courses")
    for number in range(1, CARDS + 1):
        factories.course(section, title=f"第{number}课 党史学习", cover=cover(number))
    return section


def serve_images(page) -> list[str]:
    """Serve /media/images/ from MEDIA_ROOT as the front web server (or S3) does in
    production (Django serves it only with DEBUG); the URLs asked for, in order."""
    asked: list[str] = []
    root = Path(settings.MEDIA_ROOT)

    def fulfil(route):
        path = route.request.url.split("/media/", 1)[1].split("?")[0]
        asked.append(path)
        file = root / path
        if not file.is_file():
            route.fulfill(status=404)
            return
        route.fulfill(
            status=200,
            body=file.read_bytes(),
            content_type=mimetypes.guess_type(file.name)[0] or "image/jpeg",
        )

    page.route("**/media/images/**", fulfil)
    return asked


def test_covers_load_lazily_as_webp_without_moving_the_page(page, course_cards):
    page.set_viewport_size(PHONE)
    asked = serve_images(page)
    page.goto(page.base + course_cards.url)
    page.wait_for_load_state("load")
    pictures = page.locator(".cards picture img.cover")
    assert pictures.count() == CARDS

    # only the covers near the screen were fetched, and as WebP
    near = len(asked)
    assert 1 <= near < CARDS, asked
    assert all(path.endswith(".webp") for path in asked), asked
    first = pictures.first
    page.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=first.element_handle()
    )
    assert first.evaluate("img => img.currentSrc").endswith(".webp")
    # the 375 px wide card asks for the 640 px rendition, not the 960 px one
    assert "fill-640x360" in first.evaluate("img => img.currentSrc")

    # every cover's box was 16:9 before its picture came
    boxes = [pictures.nth(i).bounding_box() for i in range(CARDS)]
    for box in boxes:
        assert box["height"] == pytest.approx(box["width"] * 9 / 16, abs=1.5)
    assert page.evaluate(SHIFT) == 0

    # scrolling down fetches the rest, still WebP, and still nothing moves
    for i in range(CARDS):
        pictures.nth(i).scroll_into_view_if_needed()
        page.wait_for_function(
            "img => img.complete && img.naturalWidth > 0",
            arg=pictures.nth(i).element_handle(),
            timeout=30_000,
        )
    assert len(asked) == CARDS and all(p.endswith(".webp") for p in asked)
    assert page.evaluate(SHIFT) < 0.001
    page.evaluate("window.scrollTo(0, 0)")
    assert [pictures.nth(i).bounding_box()["height"] for i in range(CARDS)] == [
        box["height"] for box in boxes
    ]

    assert axe_violations(page) == []
    assert page.problems == []
    screenshot(page, "covers-course-cards")

"""Covers (封面): the chosen image as responsive WebP/JPEG renditions, a lesson's
poster when it has none (never to a viewer who may not see the lesson), in the
portal's cards and headers and in the pages API."""

from __future__ import annotations

import io

import pytest
from bs4 import BeautifulSoup
from django.core.files.images import ImageFile
from PIL import Image as PILImage
from wagtail.images.models import Image
from wagtail.models import PageViewRestriction

from cms.covers import cover_api_data, page_cover
from tests import factories

VIDEO_INFO = {"video": {"codec": "h264", "width": 1280, "height": 720}}


def make_image(title: str = "党史专题封面", size=(1280, 720), **extra) -> Image:
    buffer = io.BytesIO()
    PILImage.new("RGB", size, (180, 30, 30)).save(buffer, "JPEG")
    return Image.objects.create(
        title=title, file=ImageFile(buffer, name="cover.jpg"), **extra
    )


@pytest.fixture
def poster_video(lecturer_user):
    """A playable video with a picture (not audio-only), its top rung 1280×720."""
    from media_pipeline.models import Rendition

    asset = factories.video_asset(
        title="讲课视频",
        status="ready",
        published_version=1,
        duration=60,
        media_info=VIDEO_INFO,
        width=1920,
        height=1080,
        uploaded_by=lecturer_user,
    )
    for name, width, height, bandwidth in (
        ("360p", 640, 360, 800_000),
        ("720p", 1280, 720, 2_800_000),
    ):
        Rendition.objects.create(
            asset=asset,
            version=1,
            name=name,
            kind="video",
            width=width,
            height=height,
            bandwidth=bandwidth,
            codecs="avc1",
            playlist=f"{name}/index.m3u8",
        )
    return asset


def test_a_chosen_image_is_the_cover_with_its_alt_text(section):
    image = make_image(description="井冈山会师纪念碑")
    course = factories.course(section, title="井冈山精神", cover=image)
    cover = page_cover(page=course)
    assert cover.kind == "image" and cover.image == image
    assert cover.alt == "井冈山会师纪念碑"
    assert page_cover(page=factories.course(section, cover=make_image("红船"))).alt == (
        "红船"
    )


def test_a_lesson_without_a_cover_shows_its_poster_at_the_top_rung_size(
    section, poster_video
):
    lesson = factories.lesson(section, title="初心使命", video=poster_video)
    cover = page_cover(page=lesson)
    assert cover.kind == "poster"
    assert "poster.jpg" in cover.poster_url and "sig=" in cover.poster_url
    assert (cover.width, cover.height) == (1280, 720)
    assert cover.alt == "初心使命（视频画面）"


def test_no_poster_for_an_audio_only_or_unready_video_or_a_course(
    section, lecturer_user
):
    audio = factories.video_asset(status="ready", published_version=1, duration=5)
    waiting = factories.video_asset(status="transcoding", media_info=VIDEO_INFO)
    assert page_cover(page=factories.lesson(section, video=audio)) is None
    assert page_cover(page=factories.lesson(section, video=waiting)) is None
    assert page_cover(page=factories.course(section)) is None


def test_a_restricted_lessons_poster_goes_only_to_its_audience(
    section, poster_video, rf, member_user
):
    from django.contrib.auth.models import AnonymousUser

    lesson = factories.lesson(section, title="支部内部学习", video=poster_video)
    PageViewRestriction.objects.create(
        page=lesson, restriction_type=PageViewRestriction.LOGIN
    )
    anonymous = rf.get("/")
    anonymous.user = AnonymousUser()
    anonymous.session = {}
    signed_in = rf.get("/")
    signed_in.user = member_user
    signed_in.session = {}
    # without a request (the API): only public pages have a poster cover
    assert page_cover(page=lesson) is None
    assert page_cover(page=lesson, request=anonymous) is None
    assert page_cover(page=lesson, request=signed_in).kind == "poster"
    # the chosen image is no secret of the video's: the page's rules guard it
    lesson.cover = make_image()
    lesson.save()
    assert page_cover(page=lesson, request=anonymous).kind == "image"


def test_the_api_offers_a_jpeg_and_a_webp_rendition(section):
    course = factories.course(section, cover=make_image(description="封面说明"))
    data = cover_api_data(page=course)
    assert data["kind"] == "image"
    assert (data["width"], data["height"]) == (640, 360)
    assert data["url"].endswith(".jpg") and data["webp_url"].endswith(".webp")
    assert data["alt"] == "封面说明"
    webp = course.cover.renditions.get(filter_spec="fill-640x360|format-webp")
    with webp.file.open() as handle:
        assert PILImage.open(handle).format == "WEBP"


def test_pages_api_carries_cover_image(client, section, poster_video):
    course = factories.course(section, cover=make_image())
    lesson = factories.lesson(section, video=poster_video)
    plain = factories.lesson(section)
    body = client.get(f"/api/v3/pages/{course.pk}/").json()
    assert body["cover_image"]["kind"] == "image"
    assert body["cover_image"]["webp_url"].endswith(".webp")
    body = client.get(f"/api/v3/pages/{lesson.pk}/").json()
    assert body["cover_image"]["kind"] == "poster"
    # the player's own signed poster URL (same path; the expiry may differ)
    path = body["video"]["poster_url"].split("?")[0]
    assert body["cover_image"]["url"].split("?")[0] == path
    assert client.get(f"/api/v3/pages/{plain.pk}/").json()["cover_image"] is None


def test_section_cards_show_lazy_webp_pictures_with_their_size(
    client, section, poster_video
):
    factories.course(section, title="有封面的课程", cover=make_image())
    factories.lesson(section, title="只有视频的微党课", video=poster_video)
    factories.lesson(section, title="图文微党课")
    page = BeautifulSoup(client.get(section.url).content, "html.parser")
    cards = {card.a.get_text(strip=True): card for card in page.select(".cards > li")}

    picture = cards["有封面的课程"].picture
    source = picture.find("source")
    assert source["type"] == "image/webp"
    assert [w.split()[-1] for w in source["srcset"].split(", ")] == [
        "320w",
        "640w",
        "960w",
    ]
    img = picture.img
    assert img["loading"] == "lazy" and img["decoding"] == "async"
    assert (img["width"], img["height"]) == ("320", "180")
    assert img["src"].endswith(".jpg") and "sizes" in img.attrs
    assert img["alt"] == ""  # the card's title says it

    poster = cards["只有视频的微党课"].img
    assert "poster.jpg" in poster["src"]
    assert (poster["width"], poster["height"]) == ("1280", "720")
    assert poster["loading"] == "lazy"

    placeholder = cards["图文微党课"].select_one(".cover-none")
    assert placeholder is not None and placeholder["aria-hidden"] == "true"


def test_a_course_page_header_shows_its_cover_eagerly_with_alt(client, section):
    course = factories.course(section, cover=make_image(description="课程封面图"))
    page = BeautifulSoup(client.get(course.url).content, "html.parser")
    img = page.select_one("img.cover-header")
    assert img["alt"] == "课程封面图" and "loading" not in img.attrs
    srcset = page.select_one("picture source[type='image/webp']")["srcset"]
    assert [w.split()[-1] for w in srcset.split(", ")] == ["640w", "960w", "1280w"]


def test_a_restricted_lessons_poster_is_not_in_a_search_hit_or_list_for_others(
    client, section, poster_video
):
    """A section listing only shows public children; the restricted lesson's card and
    its signed poster URL appear nowhere on it."""
    lesson = factories.lesson(section, title="内部学习", video=poster_video)
    PageViewRestriction.objects.create(
        page=lesson, restriction_type=PageViewRestriction.LOGIN
    )
    html = client.get(section.url).content.decode()
    assert "poster.jpg" not in html and "内部学习" not in html

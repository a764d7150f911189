"""The lesson page's player as the server renders it: the signed master, subtitles,
poster and resume position in the markup; no player for a video that cannot play;
no inline script, and the Content-Security-Policy that forbids one."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.core.files.base import File

from learning.models import LessonProgress
from media_pipeline.models import VideoAsset
from media_pipeline.services import subtitle_attach, video_asset_process
from tests import factories

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.slow,
    pytest.mark.usefixtures("small_ladder"),
]

SUBTITLES = b"WEBVTT\n\n00:00:00.000 --> 00:00:02.000\n\xe5\x85\x9a\xe7\xab\xa0\n"


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    return factories.make_clip(
        tmp_path_factory.mktemp("clips") / "lesson.mp4", seconds=2.0, size="320x180"
    )


@pytest.fixture
def playable_asset(ffmpeg_binaries, clip):
    asset = VideoAsset(title="党章学习", size=clip.stat().st_size)
    with open(clip, "rb") as handle:
        asset.file.save("original", File(handle), save=False)
    asset.save()
    asset = video_asset_process(asset_id=asset.pk)
    assert asset.status == "ready", asset.error
    subtitle_attach(asset=asset, raw=SUBTITLES)
    return asset


class Elements(HTMLParser):
    """Every start tag of a page, with its attributes, and the text of scripts."""

    def __init__(self, html: str):
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.script_text: list[str] = []
        self._in_script = False
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._in_script = tag == "script"

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script and data.strip():
            self.script_text.append(data)

    def find(self, tag: str, **attrs) -> list[dict[str, str | None]]:
        return [
            found
            for name, found in self.tags
            if name == tag and all(found.get(k) == v for k, v in attrs.items())
        ]

    def with_attribute(self, attribute: str) -> list[dict[str, str | None]]:
        return [found for _, found in self.tags if attribute in found]


def test_lesson_page_renders_the_player_with_signed_urls(
    client, section, playable_asset
):
    lesson = factories.lesson(section, title="党章学习", video=playable_asset)
    response = client.get(lesson.url)
    assert response.status_code == 200
    page = Elements(response.content.decode())

    [player] = page.with_attribute("data-player")
    master = player["data-master"]
    assert master.startswith(
        f"/api/v3/media/assets/{playable_asset.pk}/hls/master.m3u8?"
    )
    assert "exp=" in master and "sig=" in master
    assert player["data-lesson-id"] == str(lesson.pk)
    assert player["data-thumbnails"].startswith(
        f"/api/v3/media/assets/{playable_asset.pk}/hls/thumbnails.vtt?"
    )
    assert player["data-projection"] == ""
    assert player["data-member"] == ""  # anonymous: no heartbeats
    assert player["data-beat-interval"] == "15"
    assert player["data-hls-src"].endswith("themes/vendor/hls.min.mjs")
    assert float(player["data-duration"]) == pytest.approx(2.0, abs=0.5)

    [video] = page.find("video")
    assert "poster.jpg" in video["poster"]
    assert video["aria-label"] == "党章学习"
    [source] = page.find("source")
    assert source == {"src": master, "type": "application/vnd.apple.mpegurl"}
    [track] = page.find("track")
    subtitle = playable_asset.subtitles.get()
    assert track["kind"] == "subtitles" and track["srclang"] == "zh-hans"
    assert track["label"] == "简体中文" and "default" in track
    assert track["src"].startswith(
        f"/api/v3/media/assets/{playable_asset.pk}/hls/subtitles/{subtitle.pk}.vtt?"
    )
    # the signed URLs really play: the master and the track answer
    assert client.get(master).status_code == 200
    assert client.get(track["src"]).content.decode().startswith("WEBVTT")

    # controls have names; the status is a live region for anonymous visitors too
    assert page.find("input", type="range", **{"aria-label": "播放进度"})
    assert [found for found in page.with_attribute("data-speed")]
    assert len(page.find("output", **{"aria-live": "polite"})) == 1
    assert "登录后记录学习进度" in response.content.decode()

    # CSP: scripts from our own files only, and not one inline script on the page
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    scripts = page.find("script")
    assert scripts and all(script.get("src") for script in scripts)
    assert page.script_text == []
    assert not [a for _, attrs in page.tags for a in attrs if a.startswith("on")]


def test_member_sees_progress_and_resume_position(
    client_for, member_user, section, playable_asset
):
    member = factories.member(organisation=factories.organisation(), user=member_user)
    lesson = factories.lesson(section, video=playable_asset, duration=2)
    LessonProgress.objects.create(
        member=member,
        lesson=lesson,
        duration=2,
        intervals=[[0, 1.0]],
        watched_seconds=1.0,
        position=1.25,
    )
    response = client_for(member_user).get(lesson.url)
    page = Elements(response.content.decode())
    [player] = page.with_attribute("data-player")
    assert player["data-member"] == str(member.pk)
    assert player["data-resume"] == "1.25"
    assert "已观看 50%" in response.content.decode()


def test_360_courseware_marks_its_projection(section, client, playable_asset):
    from cms.models import VRCoursewarePage

    playable_asset.projection = "equirectangular"
    playable_asset.save(update_fields=["projection"])
    page = VRCoursewarePage(
        title="红色遗址全景", slug="vr-site", kind="video360", video=playable_asset
    )
    section.add_child(instance=page)
    page.save_revision().publish()
    response = client.get(page.url)
    parsed = Elements(response.content.decode())
    [player] = parsed.with_attribute("data-player")
    assert player["data-projection"] == "equirectangular"
    assert "player-360" in player["class"]
    assert player["data-three-src"].endswith("themes/vendor/three.module.js")


def test_no_player_for_a_video_that_cannot_play(client, section):
    asset = factories.video_asset(title="还在处理", status="transcoding")
    lesson = factories.lesson(section, video=asset)
    response = client.get(lesson.url)
    assert response.status_code == 200
    page = Elements(response.content.decode())
    assert page.with_attribute("data-player") == []
    assert page.find("video") == []
    assert "视频正在处理中" in response.content.decode()

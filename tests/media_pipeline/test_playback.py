"""Playback: the lesson's API output, signed playlists and files, local and S3."""

from __future__ import annotations

import re
import time
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.test import Client

from media_pipeline.models import VideoAsset
from media_pipeline.services import video_asset_process
from tests import factories

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def _lesson_video(client: Client, lesson) -> dict:
    response = client.get(f"/api/v3/pages/{lesson.pk}/")
    assert response.status_code == 200, response.content
    return response.json()["video"]


def _uris(playlist: str) -> list[str]:
    return [line for line in playlist.splitlines() if line and not line.startswith("#")]


def _get(client: Client, url: str):
    if url.startswith("http"):
        return requests.get(url, timeout=10)
    return client.get(url)


def _body(response) -> bytes:
    return response.content if hasattr(response, "content") else b""


def _play_everything(client: Client, video: dict) -> int:
    """Fetch master, every variant playlist and every segment; return the byte count."""
    master = client.get(video["master_url"])
    assert master.status_code == 200, master.content
    assert master["Content-Type"] == "application/vnd.apple.mpegurl"
    total = 0
    for variant_url in _uris(master.content.decode()):
        variant = client.get(variant_url)
        assert variant.status_code == 200, variant.content
        for segment_url in _uris(variant.content.decode()):
            segment = _get(client, segment_url)
            assert segment.status_code == 200
            data = (
                b"".join(segment.streaming_content)
                if hasattr(segment, "streaming_content")
                else segment.content
            )
            assert data[:1] == b"\x47"  # MPEG-TS sync byte
            total += len(data)
    return total


def test_lesson_api_carries_playback_and_it_plays(client, section, ready_asset):
    from media_pipeline.services import subtitle_attach

    subtitle_attach(
        asset=ready_asset,
        raw=b"1\n00:00:00,000 --> 00:00:01,000\n\xe4\xbd\xa0\xe5\xa5\xbd\n",
    )
    lesson = factories.lesson(section, video=ready_asset)
    video = _lesson_video(client, lesson)
    assert video["status"] == "ready" and video["progress"] == 100
    assert video["duration"] == pytest.approx(1.0, abs=0.1)
    assert video["projection"] is None and video["audio_only"] is False
    assert _play_everything(client, video) > 0

    poster = client.get(video["poster_url"])
    assert poster.status_code == 200 and poster["Content-Type"] == "image/jpeg"
    thumbnails = client.get(video["thumbnails_url"]).content.decode()
    sprite_url = re.search(r"^(\S+)#xywh=0,0,160,90$", thumbnails, re.M).group(1)
    assert client.get(sprite_url).status_code == 200

    (track,) = video["subtitles"]
    vtt = client.get(track["url"])
    assert vtt["Content-Type"].startswith("text/vtt")
    assert (
        vtt.content.decode().startswith("WEBVTT")
        and "00:00:00.000 --> 00:00:01.000" in vtt.content.decode()
    )


def test_unready_asset_has_state_but_no_urls(client, section, asset_from, clips):
    asset = asset_from(clips.video())
    VideoAsset.objects.filter(pk=asset.pk).update(status="transcoding", progress=42)
    lesson = factories.lesson(section, video=VideoAsset.objects.get(pk=asset.pk))
    video = _lesson_video(client, lesson)
    assert video["status"] == "transcoding" and video["progress"] == 42
    assert video["master_url"] is None and video["poster_url"] is None
    response = client.get(f"/api/v3/media/assets/{asset.pk}/hls/master.m3u8")
    assert response.status_code == 404


def test_unsigned_master_only_for_lessons_the_requester_may_see(
    client, client_for, member_user, section, ready_asset
):
    url = f"/api/v3/media/assets/{ready_asset.pk}/hls/master.m3u8"
    assert client.get(url).status_code == 404  # used by no lesson yet
    draft = factories.lesson(section, video=ready_asset, live=False)
    assert client.get(url).status_code == 404  # a draft lesson shows nothing
    draft.save_revision().publish()
    assert client.get(url).status_code == 200
    from wagtail.models import PageViewRestriction

    PageViewRestriction.objects.create(page=draft, restriction_type="login")
    assert client.get(url).status_code == 404
    assert client_for(member_user).get(url).status_code == 200


def test_signatures_are_bound_to_asset_path_and_time(
    client, section, asset_from, clips, settings
):
    first = video_asset_process(asset_id=asset_from(clips.video()).pk)
    second = video_asset_process(asset_id=asset_from(clips.video(size="160x120")).pk)
    video = _lesson_video(client, factories.lesson(section, video=first))
    query = urlsplit(video["master_url"]).query
    # The same signature on another asset, or another file, opens nothing.
    assert (
        client.get(
            f"/api/v3/media/assets/{second.pk}/hls/master.m3u8?{query}"
        ).status_code
        == 404
    )
    assert (
        client.get(
            f"/api/v3/media/assets/{first.pk}/hls/120p/index.m3u8?{query}"
        ).status_code
        == 404
    )
    variant = _uris(client.get(video["master_url"]).content.decode())[0]
    segment = _uris(client.get(variant).content.decode())[0]
    other = segment.replace(f"/assets/{first.pk}/", f"/assets/{second.pk}/")
    assert client.get(other).status_code == 404
    tampered = re.sub(r"sig=\w+", "sig=" + "0" * 40, segment)
    assert client.get(tampered).status_code == 404
    assert client.get(segment.split("?")[0]).status_code == 404
    settings.MEDIA_SIGNED_URL_SECONDS = -5
    from media_pipeline.selectors import video_asset_playback

    expired = video_asset_playback(asset=first)["master_url"]
    assert int(parse_qs(urlsplit(expired).query)["exp"][0]) < time.time()
    response = client.get(expired)
    assert response.status_code == 403 and response.json()["code"] == "url_expired"


def test_360_source_keeps_its_projection(client, section, asset_from, clips):
    asset = video_asset_process(asset_id=asset_from(clips.spherical()).pk)
    assert asset.status == VideoAsset.Status.READY, asset.error
    assert asset.projection == "equirectangular"
    lesson = factories.lesson(section, video=asset)
    assert _lesson_video(client, lesson)["projection"] == "equirectangular"


def test_audio_only_lesson(client, section, asset_from, clips):
    asset = video_asset_process(asset_id=asset_from(clips.audio()).pk)
    video = _lesson_video(client, factories.lesson(section, video=asset))
    assert video["audio_only"] is True and video["poster_url"] is None
    assert _play_everything(client, video) > 0


def test_s3_storage_end_to_end(client, section, s3_storage, asset_from, clips):
    s3, bucket = s3_storage
    asset = video_asset_process(asset_id=asset_from(clips.video()).pk)
    assert asset.status == VideoAsset.Status.READY, asset.error
    keys = [item["Key"] for item in s3.list_objects_v2(Bucket=bucket)["Contents"]]
    prefix = f"assets/{asset.pk}/{asset.published_version}/"
    assert f"{prefix}master.m3u8" in keys and f"{prefix}180p/seg_00000.ts" in keys
    assert any(key.startswith("originals/") for key in keys)
    video = _lesson_video(client, factories.lesson(section, video=asset))
    assert video["poster_url"].startswith("http://127.0.0.1:")
    assert (
        "Signature" in video["poster_url"] or "X-Amz-Signature" in video["poster_url"]
    )
    assert requests.get(video["poster_url"], timeout=10).status_code == 200
    assert _play_everything(client, video) > 0
    # Re-processing on S3 replaces the version prefix and deletes the old one.
    from media_pipeline.services import video_asset_reprocess

    VideoAsset.objects.filter(pk=asset.pk).update(status="uploaded")
    video_asset_reprocess(asset=asset)
    again = video_asset_process(asset_id=asset.pk)
    keys = [item["Key"] for item in s3.list_objects_v2(Bucket=bucket)["Contents"]]
    assert again.published_version == asset.published_version + 1
    assert not [k for k in keys if k.startswith(prefix)]


def test_subtitle_upload_api(client_for, lecturer_user, editor, asset_from, clips):
    from django.core.files.uploadedfile import SimpleUploadedFile

    asset = asset_from(clips.video(), uploaded_by=lecturer_user)
    url = f"/api/v3/media/assets/{asset.pk}/subtitles/"
    srt = SimpleUploadedFile(
        "zh.srt", "1\r\n00:00:00,500 --> 00:00:01,000\r\n同志们好\r\n".encode()
    )
    response = client_for(lecturer_user).post(url, {"file": srt, "label": "中文"})
    assert response.status_code == 201, response.content
    assert asset.subtitles.get().content.startswith(
        "WEBVTT\n\n1\n00:00:00.500 --> 00:00:01.000"
    )
    bad = SimpleUploadedFile("x.srt", b"just words")
    response = client_for(lecturer_user).post(url, {"file": bad})
    assert response.status_code == 400 and response.json()["code"] == "bad_subtitle"
    other = factories.user("other", groups=["讲师"])
    response = client_for(other).post(
        url, {"file": SimpleUploadedFile("z.vtt", b"WEBVTT\n")}
    )
    assert response.status_code == 404
    assert asset.subtitles.count() == 1


def test_asset_state_endpoint_for_uploader(
    client_for, lecturer_user, member_user, asset_from, clips
):
    asset = asset_from(clips.video(), uploaded_by=lecturer_user)
    response = client_for(lecturer_user).get(f"/api/v3/media/assets/{asset.pk}/")
    assert response.status_code == 200
    assert (
        response.json()["status"] == "uploaded"
        and response.json()["master_url"] is None
    )
    assert (
        client_for(member_user).get(f"/api/v3/media/assets/{asset.pk}/").status_code
        == 404
    )


def test_subtitle_text_for_search_has_no_timings_ids_or_markup(db):
    from media_pipeline.selectors import video_asset_subtitle_text
    from media_pipeline.services import subtitle_attach
    from tests import factories

    asset = factories.video_asset(title="字幕")
    subtitle_attach(
        asset=asset,
        raw=(
            "WEBVTT\n\nNOTE 讲稿备注\n不应出现\n\n1\n00:00:01.000 --> 00:00:02.000\n"
            "<v 讲师>同志们好</v>\n\n2\n00:00:02.000 --> 00:00:04.500\n学习党史\n"
        ).encode(),
    )
    assert video_asset_subtitle_text(asset=asset) == "同志们好\n学习党史"

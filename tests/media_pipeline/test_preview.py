"""The preview of a transcode in progress: an EVENT playlist of the preview rung's
finished segments, for the uploader and editors only, on local storage and on S3;
gone once the run publishes or fails, the published version playing throughout.

Each run is watched at the moment it has finished encoding and starts storing its
renditions (``directory_upload`` is wrapped to look first; the real one then runs):
the asset is still transcoding there and its preview complete. That segments appear
*while* ffmpeg encodes is tested on the publisher with ffmpeg reading its input at a
bounded rate.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
import requests
from django.core.files.storage import default_storage
from django.test import Client

from media_pipeline import storage as media_storage
from media_pipeline.models import VideoAsset
from media_pipeline.probe import probe_file
from media_pipeline.services import video_asset_process, video_asset_reprocess
from media_pipeline.services.preview import PreviewPublisher, event_playlist_parse
from media_pipeline.transcode import (
    build_command,
    out_dir_prepare,
    plan_ladder,
    preview_rung,
    run_ffmpeg,
)
from tests import factories

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def _uris(playlist: str) -> list[str]:
    return [line for line in playlist.splitlines() if line and not line.startswith("#")]


def _fetch(client: Client, url: str) -> tuple[int, bytes]:
    if url.startswith("http"):
        response = requests.get(url, timeout=10)
        return response.status_code, response.content
    response = client.get(url)
    body = (
        b"".join(response.streaming_content)
        if hasattr(response, "streaming_content")
        else response.content
    )
    return response.status_code, body


def _preview_keys(asset_id: int) -> list[str]:
    root = media_storage.preview_root(asset_id)
    local = media_storage.local_path(root)
    if local is not None:
        return [str(p) for p in local.rglob("*")] if local.exists() else []
    return list(media_storage._walk(default_storage, root))


def _watch_upload(monkeypatch, check) -> list[bool]:
    """Call ``check()`` when the run starts storing its renditions; returns a list
    that gets True once it ran."""
    ran: list[bool] = []
    real = media_storage.directory_upload

    def observed(*args, **kwargs):
        check()
        ran.append(True)
        return real(*args, **kwargs)

    monkeypatch.setattr(media_storage, "directory_upload", observed)
    return ran


@pytest.fixture(params=["local", "s3"])
def storage_kind(request) -> str:
    if request.param == "s3":
        request.getfixturevalue("s3_storage")
    return request.param


@pytest.fixture
def published_once(asset_from, clips, lecturer_user):
    """A lecturer's ready asset (version 1), then queued for processing again."""
    asset = asset_from(clips.video(seconds=8.0), uploaded_by=lecturer_user)
    asset = video_asset_process(asset_id=asset.pk)
    assert asset.status == VideoAsset.Status.READY, asset.error
    return video_asset_reprocess(asset=asset)


def _assert_previous_plays(client: Client, master_url: str) -> None:
    status, body = _fetch(client, master_url)
    assert status == 200
    variant = _uris(body.decode())[0]
    status, body = _fetch(client, variant)
    assert status == 200
    status, segment = _fetch(client, _uris(body.decode())[0])
    assert status == 200 and segment[:1] == b"\x47"


def test_preview_plays_for_uploader_refused_to_member_gone_after_publish(
    storage_kind,
    published_once,
    client_for,
    lecturer_user,
    member_user,
    editor,
    section,
    monkeypatch,
):
    asset = published_once
    other = VideoAsset.objects.create(title="另一个", uploaded_by=lecturer_user)
    lesson = factories.lesson(section, live=False, video=asset)
    uploader, member, anonymous = (
        client_for(lecturer_user),
        client_for(member_user),
        Client(),
    )
    detail = f"/api/v3/media/assets/{asset.pk}/"
    unsigned = f"/api/v3/media/assets/{asset.pk}/hls/preview/index.m3u8"
    seen: dict = {}

    def check() -> None:
        state = uploader.get(detail).json()
        assert state["status"] == "transcoding"
        assert state["preview_url"], state
        seen["preview_url"] = state["preview_url"]
        response = uploader.get(state["preview_url"])
        assert response.status_code == 200
        assert response["Content-Type"] == "application/vnd.apple.mpegurl"
        playlist = response.content.decode()
        assert "#EXT-X-PLAYLIST-TYPE:EVENT" in playlist
        segments = _uris(playlist)
        assert len(segments) == 2  # 8 s in 6 s segments, all encoded by now
        for url in segments:
            status, data = _fetch(uploader, url)
            assert status == 200 and data[:1] == b"\x47"  # MPEG-TS
        seen["segment"] = segments[0]
        if storage_kind == "local":  # app URLs, signed for this asset and path
            parts = urlsplit(segments[0])
            moved = parts.path.replace(f"/{asset.pk}/", f"/{other.pk}/")
            assert uploader.get(f"{moved}?{parts.query}").status_code == 404
            assert uploader.get(parts.path).status_code == 404
        explicit = uploader.get(f"{detail}preview/").json()
        assert explicit["status"] == "transcoding" and explicit["preview_url"]
        assert member.get(f"{detail}preview/").status_code == 404
        # The uploader may also open it unsigned (a session or a bearer token).
        assert uploader.get(unsigned).status_code == 200
        # A member gets neither the URL nor the playlist.
        assert member.get(detail).status_code == 404
        assert member.get(unsigned).status_code == 404
        assert anonymous.get(unsigned).status_code == 404
        # The admin's video page and the lesson under review show the preview player.
        for client, url in (
            (uploader, f"/admin/snippets/media_pipeline/videoasset/edit/{asset.pk}/"),
            (client_for(editor), f"/admin/pages/{lesson.pk}/edit/"),
        ):
            html = client.get(url).content.decode()
            assert "data-review-player" in html and 'data-kind="preview"' in html
            assert f"/api/v3/media/assets/{asset.pk}/hls/preview/index.m3u8?" in html
        # Meanwhile members keep playing the published version 1.
        assert VideoAsset.objects.get(pk=asset.pk).published_version == 1
        _assert_previous_plays(uploader, state["master_url"])

    ran = _watch_upload(monkeypatch, check)
    asset = video_asset_process(asset_id=asset.pk)
    assert ran and asset.status == VideoAsset.Status.READY, asset.error
    assert asset.published_version == 2

    state = uploader.get(detail).json()
    assert state["preview_url"] is None and state["master_url"]
    gone = uploader.get(f"{detail}preview/")
    assert gone.status_code == 404 and gone.json()["code"] == "no_preview"
    assert uploader.get(seen["preview_url"]).status_code == 404
    assert uploader.get(unsigned).status_code == 404
    assert _fetch(uploader, seen["segment"])[0] in (403, 404)
    assert _preview_keys(asset.pk) == []
    assert media_storage.stored_versions(asset.pk) == [2]
    html = uploader.get(
        f"/admin/snippets/media_pipeline/videoasset/edit/{asset.pk}/"
    ).content.decode()
    assert 'data-kind="published"' in html and "preview/index.m3u8" not in html


def test_failed_run_keeps_the_previous_version_and_removes_its_preview(
    published_once, client_for, lecturer_user, settings, monkeypatch
):
    settings.MEDIA_MAX_ATTEMPTS = 1
    asset = published_once
    uploader = client_for(lecturer_user)
    master_url = uploader.get(f"/api/v3/media/assets/{asset.pk}/").json()["master_url"]

    def check() -> None:
        assert uploader.get(f"/api/v3/media/assets/{asset.pk}/").json()["preview_url"]
        # The disk refuses the version folder: a file already sits at its path.
        blocker = media_storage.local_path(media_storage.version_prefix(asset.pk, 2))
        blocker.write_bytes(b"not a folder")

    ran = _watch_upload(monkeypatch, check)
    asset = video_asset_process(asset_id=asset.pk)
    assert ran and asset.status == VideoAsset.Status.FAILED
    assert "已尝试 1 次仍失败" in asset.error
    assert asset.published_version == 1
    _assert_previous_plays(uploader, master_url)
    assert (
        uploader.get(f"/api/v3/media/assets/{asset.pk}/").json()["preview_url"] is None
    )
    assert _preview_keys(asset.pk) == []
    assert media_storage.stored_versions(asset.pk) == [1]
    assert not media_storage.local_path(
        media_storage.version_prefix(asset.pk, 2)
    ).exists()


def test_segments_are_published_while_ffmpeg_still_encodes(clips, tmp_path, settings):
    source = clips.video(seconds=14.0, size="160x120")
    probe = probe_file(source)
    plan = plan_ladder(probe)
    rung = preview_rung(plan)
    assert rung.name == "120p"  # the best rung up to 720p
    out = tmp_path / "out"
    out_dir_prepare(plan, out)
    args = build_command(
        source=source,
        demuxer=probe.demuxer,
        plan=plan,
        out_dir=out,
        preview=rung.name,
    )
    # At most 4× real time: the 14 s clip takes at least 3.5 s to encode.
    args[args.index("-protocol_whitelist") : args.index("-protocol_whitelist")] = [
        "-readrate",
        "4",
    ]
    publisher = PreviewPublisher(asset_id=99, version=3, rung_dir=out / rung.name)
    during: list[tuple[int, str]] = []

    def tick() -> None:  # what the transcode does at each progress report
        count = publisher.sync()
        if count:
            with default_storage.open(publisher.playlist_key) as handle:
                during.append((count, handle.read().decode()))

    run_ffmpeg(args, duration=probe.duration, on_tick=tick)
    assert during, "no segment was published while ffmpeg ran"
    count, playlist = during[0]
    assert count < 3 and "#EXT-X-ENDLIST" not in playlist
    assert "#EXT-X-PLAYLIST-TYPE:EVENT" in playlist
    # Every segment named in a published playlist was stored before it.
    for _count, text in during:
        for name in _uris(text):
            assert default_storage.exists(f"{publisher.prefix}/{name}")
    assert publisher.sync(final=True) == 3  # 6 + 6 + 2 s
    with default_storage.open(publisher.playlist_key) as handle:
        final = handle.read().decode()
    assert final.rstrip().endswith("#EXT-X-ENDLIST")
    assert _uris(final) == ["seg_00000.ts", "seg_00001.ts", "seg_00002.ts"]


def test_openapi_documents_the_preview(client, db):
    document = client.get("/api/v3/openapi.json").json()
    operation = document["paths"]["/api/v3/media/assets/{asset_id}/preview/"]["get"]
    assert operation["operationId"] == "media_assets_preview"
    assert {"200", "404"} <= set(operation["responses"])
    schemas = document["components"]["schemas"]
    assert "preview_url" in schemas["PreviewOut"]["properties"]
    assert "preview_url" in schemas["AssetStateOut"]["properties"]


def test_event_playlist_parse_skips_a_half_written_line(db):
    text = (
        "#EXTM3U\n#EXT-X-VERSION:6\n#EXT-X-TARGETDURATION:6\n"
        "#EXT-X-MEDIA-SEQUENCE:0\n#EXT-X-PLAYLIST-TYPE:EVENT\n"
        "#EXTINF:6.000000,\nseg_00000.ts\n#EXTINF:6.000000,\nseg_000"
    )
    header, segments, ended = event_playlist_parse(text)
    assert segments == [("#EXTINF:6.000000,", "seg_00000.ts")]
    assert "#EXT-X-PLAYLIST-TYPE:EVENT" in header and not ended
    # Only segment names ffmpeg writes; nothing that could point elsewhere.
    _, segments, _ = event_playlist_parse(
        "#EXTINF:6.0,\n../../secret.ts\n#EXTINF:6.0,\nhttp://x/seg_00001.ts\n"
    )
    assert segments == []

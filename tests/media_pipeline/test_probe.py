"""Probing: the allowlist, the limits, and every kind of bad input failing cleanly."""

from __future__ import annotations

import os
import struct
import subprocess

import pytest

from media_pipeline.models import VideoAsset
from media_pipeline.services import video_asset_process

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def _process_bytes(asset_from, tmp_path, content: bytes, name: str = "x.mp4"):
    path = tmp_path / name
    path.write_bytes(content)
    asset = asset_from(path)
    original = asset.file.name
    asset = video_asset_process(asset_id=asset.pk)
    # Nothing is lost: the original stays where it was stored.
    assert asset.file.name == original
    assert asset.file.storage.exists(original)
    return asset


def _assert_failed(asset: VideoAsset, *words: str) -> None:
    assert asset.status == VideoAsset.Status.FAILED
    for word in words:
        assert word in asset.error, asset.error
    assert asset.published_version is None
    assert not asset.renditions.exists()
    assert asset.attempts == 0  # bad input is never retried


def test_probe_records_duration_streams_and_size(asset_from, clips):
    asset = video_asset_process(asset_id=asset_from(clips.video(seconds=1.0)).pk)
    assert asset.status == VideoAsset.Status.READY
    assert asset.duration == pytest.approx(1.0, abs=0.1)
    assert (asset.width, asset.height) == (320, 180)
    assert asset.media_info["video"]["codec"] == "h264"
    assert asset.media_info["audio"]["codec"] == "aac"
    assert asset.rotation == 0 and asset.projection == ""


def test_rotation_is_read_and_applied(asset_from, clips):
    asset = video_asset_process(asset_id=asset_from(clips.rotated()).pk)
    assert asset.status == VideoAsset.Status.READY
    assert asset.rotation in (90, 270)
    assert (asset.width, asset.height) == (180, 320)  # displayed upright
    top = asset.renditions.filter(kind="video").order_by("-height").first()
    assert top.height > top.width


def test_random_bytes_named_mp4(asset_from, tmp_path):
    asset = _process_bytes(asset_from, tmp_path, os.urandom(4096))
    _assert_failed(asset, "格式不被允许")


def test_zero_byte_file(asset_from, tmp_path):
    asset = _process_bytes(asset_from, tmp_path, b"")
    _assert_failed(asset, "文件为空")


def test_truncated_mp4(asset_from, clips, tmp_path):
    data = clips.video(seconds=1.0).read_bytes()
    asset = _process_bytes(asset_from, tmp_path, data[: len(data) // 3])
    _assert_failed(asset, "损坏")


def test_hls_playlist_listing_a_local_file_is_refused_unread(asset_from, tmp_path):
    # The listed "segment" is a FIFO: any attempt to read it would block until the
    # probe timeout, so a quick "format not allowed" proves it was never opened.
    secret = tmp_path / "secret.ts"
    os.mkfifo(secret)
    playlist = (
        "#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:10,\n"
        f"file:{secret}\n#EXT-X-ENDLIST\n"
    ).encode()
    asset = _process_bytes(asset_from, tmp_path, playlist)
    _assert_failed(asset, "格式不被允许", "HLS")


def test_ffconcat_list_is_refused(asset_from, clips, tmp_path):
    listing = f"ffconcat version 1.0\nfile '{clips.video(seconds=1.0)}'\n".encode()
    asset = _process_bytes(asset_from, tmp_path, listing)
    _assert_failed(asset, "格式不被允许", "ffconcat")


def test_huge_resolution_is_refused_before_decoding(asset_from, tmp_path):
    # A QuickTime file whose only stream claims 16384x16384 (codec tag unknown to
    # ffmpeg, so nothing could be decoded anyway): the limit is read from metadata.
    raw = tmp_path / "raw.mov"
    subprocess.run(
        [
            "ffmpeg",
            "-v",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            "color=s=16x16:d=0.08",
            "-c:v",
            "rawvideo",
            "-pix_fmt",
            "gray",
            str(raw),
        ],
        check=True,
        timeout=60,
    )
    data = bytearray(raw.read_bytes())
    entry = data.find(b"raw ")
    struct.pack_into(">HH", data, entry - 4 + 32, 16384, 16384)
    data[entry : entry + 4] = b"dkx1"
    asset = _process_bytes(asset_from, tmp_path, bytes(data), "huge.mp4")
    _assert_failed(asset, "16384×16384", "超过上限")


def test_probe_timeout(asset_from, clips, settings):
    # A wall-clock limit the real ffprobe cannot meet: it is killed, not waited for.
    settings.MEDIA_PROBE_TIMEOUT = 0.001
    asset = video_asset_process(asset_id=asset_from(clips.video(seconds=1.0)).pk)
    _assert_failed(asset, "检测超时")


def test_fifo_original_never_blocks(asset_from, clips, settings):
    asset = asset_from(clips.video(seconds=1.0))
    path = asset.file.path
    os.remove(path)
    os.mkfifo(path)
    asset = video_asset_process(asset_id=asset.pk)
    _assert_failed(asset, "不是普通文件")


@pytest.mark.parametrize(
    ("setting", "value", "words"),
    [
        ("MEDIA_MAX_HEIGHT", 100, ("分辨率", "超过上限")),
        ("MEDIA_MAX_FPS", 20, ("帧率",)),
        ("MEDIA_MAX_DURATION", 1, ("时长",)),
        ("MEDIA_MAX_STREAMS", 1, ("流数量",)),
    ],
)
def test_limits_from_settings(asset_from, clips, settings, setting, value, words):
    setattr(settings, setting, value)
    asset = video_asset_process(asset_id=asset_from(clips.video(seconds=2.0)).pk)
    _assert_failed(asset, *words)

"""A failed asset's reason names the problem in words, never a server path, storage
key or stderr dump; the detail goes to the log (issue 12, A5)."""

from __future__ import annotations

import logging
import os
import re
import subprocess

import pytest
from django.conf import settings

from media_pipeline.models import VideoAsset
from media_pipeline.reasons import failure_reason, ffmpeg_problem, scrub
from media_pipeline.services import (
    video_asset_probe,
    video_asset_process,
)
from media_pipeline.transcode import TranscodeError, run_ffmpeg

LEAKS = ("file:", "originals", "0x", "@", "Traceback", "/tmp", "/srv")
# A path or a URL: a slash after a space or quote (never "MP4/MOV" or "30000/1001").
PATH_LIKE = re.compile(r"(?:^|[\s'\"(:])/\w|://")


def _leaks(reason: str) -> list[str]:
    found = [leak for leak in LEAKS if leak in reason]
    return found + PATH_LIKE.findall(reason)


def _assert_words_only(asset: VideoAsset, *words: str) -> None:
    assert asset.status == VideoAsset.Status.FAILED
    reason = asset.error
    assert not _leaks(reason), reason
    assert str(settings.MEDIA_ROOT) not in reason and asset.file.name not in reason
    assert "\n" not in reason and len(reason) <= 260, reason
    for word in words:
        assert word in reason, reason


def _ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-v", "error", "-y", *args], check=True, timeout=60)


@pytest.mark.slow
@pytest.mark.django_db
def test_odd_originals_fail_with_a_reason_in_words(asset_from, clips, tmp_path, caplog):
    mp4 = clips.video(seconds=1.0).read_bytes()
    wav, mkv, png = tmp_path / "a.wav", tmp_path / "v.mkv", tmp_path / "i.png"
    _ffmpeg("-f", "lavfi", "-i", "sine=d=0.5", str(wav))
    _ffmpeg("-i", str(clips.video(seconds=1.0)), "-c", "copy", str(mkv))
    _ffmpeg("-f", "lavfi", "-i", "testsrc=s=64x64:d=1", "-frames:v", "1", str(png))
    odd = {
        "truncated mp4": (mp4[: len(mp4) // 3], ["损坏", "moov"]),
        "mp4 header, garbage after": (mp4[:40] + os.urandom(4000), ["ffprobe"]),
        "text renamed .mp4": ("第一课 讲稿\n同志们好\n".encode() * 20, ["文本文件"]),
        "zero bytes": (b"", ["文件为空"]),
        "an image": (png.read_bytes(), ["图片"]),
        "wav without data": (wav.read_bytes()[:44], ["没有音频数据"]),
        "truncated mkv": (mkv.read_bytes()[:300], ["ffprobe"]),
    }
    caplog.set_level(logging.WARNING, logger="media_pipeline")
    for name, (content, words) in odd.items():
        path = tmp_path / "upload.mp4"
        path.write_bytes(content)
        asset = video_asset_process(asset_id=asset_from(path, title=name).pk)
        _assert_words_only(asset, *words)
        assert asset.file.storage.exists(asset.file.name), name  # nothing lost
    # The detail (the server path ffprobe was given) is in the log, not the reason.
    assert "originals/" in caplog.text and "moov atom not found" in caplog.text


@pytest.mark.slow
@pytest.mark.django_db
def test_a_transcode_failure_does_not_leak_the_original_path(
    asset_from, clips, caplog, settings
):
    settings.MEDIA_MAX_ATTEMPTS = 2
    asset = video_asset_probe(asset_id=asset_from(clips.video(seconds=1.0)).pk)
    assert asset.status == VideoAsset.Status.PROBED
    # The original vanishes between probe and transcode: ffmpeg names its path.
    asset.file.storage.delete(asset.file.name)
    caplog.set_level(logging.WARNING, logger="media_pipeline")
    asset = video_asset_process(asset_id=asset.pk)
    _assert_words_only(asset, "已尝试 2 次仍失败")
    assert asset.file.name in caplog.text


def test_real_ffmpeg_and_os_errors_become_words(tmp_path, ffmpeg_binaries):
    missing = tmp_path / "media" / "originals" / ("ab" * 16)
    with pytest.raises(TranscodeError) as raised:
        run_ffmpeg(
            ["ffmpeg", "-v", "error", "-i", f"file:{missing}", "-f", "null", "-"],
            duration=1.0,
        )
    assert str(missing) in str(raised.value)  # the raw message has it ...
    reason = failure_reason(raised.value)
    assert "No such file or directory" in reason  # ... the reason keeps only words
    assert not _leaks(reason), reason

    with pytest.raises(OSError) as raised:
        missing.open("rb")
    reason = failure_reason(raised.value)
    assert reason.startswith("服务器读写文件失败") and "ab" * 16 not in reason
    assert not _leaks(reason), reason


def test_scrub_keeps_words_and_ratios():
    assert scrub("帧率 30000/1001 超过上限") == "帧率 30000/1001 超过上限"
    assert (
        scrub("s3://bucket/originals/x.mp4 https://s3.example/k?sig=1 0x55d0 done")
        == "done"
    )
    stderr = (
        "[mov,mp4,m4a @ 0x5606] moov atom not found\n"
        "file:/srv/dangke/media/originals/abc: Invalid data found when processing input"
    )
    assert "moov" in ffmpeg_problem(stderr) and not _leaks(ffmpeg_problem(stderr))
    assert ffmpeg_problem("[aac @ 0x1] Weird thing at /tmp/x/y.ts\n") == (
        "Weird thing at"
    )

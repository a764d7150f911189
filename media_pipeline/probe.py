"""Safe probing of an uploaded original with ffprobe.

ffprobe never chooses what to open: the container is recognised here from its first
bytes against an allowlist, then ffprobe is told that demuxer (``-f``), may only use
the ``file`` protocol, gets a server-generated ``file:`` path as an argument list and a
wall-clock timeout. An HLS playlist or an ffconcat list renamed ``.mp4`` is therefore
refused before ffprobe runs, and a local file it lists is never read. Limits
(resolution, frame rate, duration, stream count) are checked on the probe's metadata,
before anything is decoded.
"""

from __future__ import annotations

import codecs
import json
import logging
import os
import stat
import subprocess
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

from django.conf import settings

from media_pipeline.reasons import ffmpeg_problem

logger = logging.getLogger(__name__)


class BadMediaError(Exception):
    """The original cannot be used; ``str(exc)`` is a reason a person can read."""


# ffprobe demuxer name -> the container names it may report back.
ALLOWED_FORMATS = {
    "mov": {"mov", "mp4", "m4a", "3gp", "3g2", "mj2"},
    "matroska": {"matroska", "webm"},
    "mp3": {"mp3"},
    "aac": {"aac"},
    "wav": {"wav"},
    "flac": {"flac"},
    "ogg": {"ogg"},
}
AUDIO_ONLY_FORMATS = {"mp3", "aac", "wav", "flac", "ogg"}
MOV_BOXES = {b"ftyp", b"moov", b"mdat", b"free", b"wide", b"skip", b"pnot"}
SPHERICAL_TYPES = {"equirectangular", "cubemap", "mesh"}


@dataclass
class ProbeResult:
    demuxer: str
    format_name: str
    duration: float
    video: dict[str, Any] | None
    audio: dict[str, Any] | None
    stream_count: int
    rotation: int = 0
    projection: str = ""
    streams: list[dict[str, Any]] = field(default_factory=list)

    def as_info(self) -> dict[str, Any]:
        """What is stored on the asset (``VideoAsset.media_info``)."""
        return {
            "demuxer": self.demuxer,
            "format": self.format_name,
            "duration": self.duration,
            "video": self.video,
            "audio": self.audio,
            "streams": self.streams,
        }

    @classmethod
    def from_info(
        cls, info: dict[str, Any], *, rotation: int = 0, projection: str = ""
    ) -> ProbeResult | None:
        """The result ``as_info`` stored (with the asset's rotation and projection),
        so a later step need not run ffprobe again; None when ``info`` is not a
        complete stored probe."""
        try:
            demuxer = str(info["demuxer"])
            duration = float(info["duration"])
            streams = list(info.get("streams") or [])
        except (KeyError, TypeError, ValueError):
            return None
        if demuxer not in ALLOWED_FORMATS or duration <= 0:
            return None
        if not info.get("video") and not info.get("audio"):
            return None
        return cls(
            demuxer=demuxer,
            format_name=str(info.get("format", "")),
            duration=duration,
            video=info.get("video"),
            audio=info.get("audio"),
            stream_count=len(streams),
            rotation=rotation,
            projection=projection,
            streams=streams,
        )


def sniff_demuxer(path: Path) -> str:
    """Name the allowed demuxer for ``path`` from its first bytes.

    Raises ``BadMediaError`` for a non-regular, empty or unrecognised file.
    """
    info = os.lstat(path)
    if not stat.S_ISREG(info.st_mode):
        raise BadMediaError("原始文件不是普通文件，已拒绝 (not a regular file)")
    if info.st_size == 0:
        raise BadMediaError("文件为空 (the file is empty)")
    with open(path, "rb") as handle:
        head = handle.read(64)
    if len(head) >= 8 and head[4:8] in MOV_BOXES:
        return "mov"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "matroska"
    if head.startswith(b"ID3") or (
        len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0 and head[1] & 0x06
    ):
        return "mp3"
    if len(head) > 1 and head[0] == 0xFF and head[1] & 0xF6 == 0xF0:
        return "aac"
    if head.startswith(b"RIFF") and head[8:12] == b"WAVE":
        return "wav"
    if head.startswith(b"fLaC"):
        return "flac"
    if head.startswith(b"OggS"):
        return "ogg"
    kind = _what_it_is(head)
    raise BadMediaError(
        f"文件格式不被允许：{kind}。请上传 MP4/MOV、MKV/WebM 视频或 MP3/M4A/WAV/FLAC/OGG "
        "音频 (format not allowed)"
    )


NOT_MEDIA_SIGNATURES: list[tuple[bytes, str]] = [
    (b"#EXTM3U", "HLS 播放列表 (an HLS playlist)"),
    (b"ffconcat", "ffconcat 列表 (an ffconcat list)"),
    (b"\x89PNG", "PNG 图片 (an image)"),
    (b"\xff\xd8\xff", "JPEG 图片 (an image)"),
    (b"GIF8", "GIF 图片 (an image)"),
    (b"%PDF", "PDF 文档 (a PDF document)"),
    (b"PK\x03\x04", "ZIP 压缩包或 Office 文档 (a zip archive)"),
]


def _what_it_is(head: bytes) -> str:
    """What a file that is no allowed media seems to be, from its first bytes."""
    for signature, kind in NOT_MEDIA_SIGNATURES:
        if head.lstrip().startswith(signature):
            return kind
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return "WebP 图片 (an image)"
    try:
        # Not final: the 64 bytes may end inside a character.
        text = codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        return "无法识别的内容 (unrecognised content)"
    if text and all(c.isprintable() or c in "\r\n\t" for c in text):
        return "文本文件 (a text file)"
    return "无法识别的内容 (unrecognised content)"


def run_ffprobe(path: Path, demuxer: str) -> dict[str, Any]:
    """Run ffprobe on ``path`` with the pinned demuxer; return its JSON.

    Raises ``BadMediaError`` when ffprobe fails or exceeds ``MEDIA_PROBE_TIMEOUT``.
    """
    args = [
        settings.FFPROBE_BINARY,
        "-v",
        "error",
        "-protocol_whitelist",
        "file",
        "-f",
        demuxer,
        "-show_format",
        "-show_streams",
        "-of",
        "json",
        f"file:{path}",
    ]
    try:
        completed = subprocess.run(
            args,
            capture_output=True,
            timeout=settings.MEDIA_PROBE_TIMEOUT,
            stdin=subprocess.DEVNULL,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise BadMediaError(
            f"检测超时（超过 {settings.MEDIA_PROBE_TIMEOUT} 秒），文件可能已损坏 "
            "(ffprobe timed out)"
        ) from None
    if completed.returncode != 0:
        stderr = completed.stderr.decode("utf-8", "replace")
        logger.warning(
            "ffprobe -f %s failed (exit %s) on %s: %s",
            demuxer,
            completed.returncode,
            path,
            stderr[-4000:],
        )
        raise BadMediaError(
            "文件不是 ffprobe 能读取的音视频，可能已损坏或不完整："
            f"{ffmpeg_problem(stderr)}"
        )
    try:
        return json.loads(completed.stdout or b"{}")
    except ValueError:
        raise BadMediaError("检测结果无法解析 (ffprobe output unreadable)") from None


def probe_file(path: Path) -> ProbeResult:
    """Sniff, ffprobe and check limits; return what the transcoder needs.

    Raises ``BadMediaError`` with a readable reason for anything not acceptable.
    """
    demuxer = sniff_demuxer(path)
    data = run_ffprobe(path, demuxer)
    fmt = data.get("format") or {}
    reported = set(str(fmt.get("format_name", "")).split(","))
    if not reported & ALLOWED_FORMATS[demuxer]:
        raise BadMediaError(
            f"文件格式不被允许：{fmt.get('format_name')!r} (format not allowed)"
        )
    streams = data.get("streams") or []
    if len(streams) > settings.MEDIA_MAX_STREAMS:
        raise BadMediaError(
            f"流数量 {len(streams)} 超过上限 {settings.MEDIA_MAX_STREAMS} "
            "(too many streams)"
        )
    video_streams = [
        s
        for s in streams
        if s.get("codec_type") == "video"
        and not (s.get("disposition") or {}).get("attached_pic")
    ]
    audio_streams = [s for s in streams if s.get("codec_type") == "audio"]
    if not video_streams and not audio_streams:
        raise BadMediaError("文件中没有音频或视频流 (no audio or video stream)")
    if demuxer in AUDIO_ONLY_FORMATS and video_streams:
        video_streams = []  # cover art in an audio file is not a video

    duration = _duration(fmt, streams)
    if duration <= 0:
        raise BadMediaError("无法确定时长，文件可能不完整 (unknown duration)")
    if duration > settings.MEDIA_MAX_DURATION:
        raise BadMediaError(
            f"时长 {duration:.0f} 秒超过上限 {settings.MEDIA_MAX_DURATION} 秒 "
            "(too long)"
        )

    video = None
    rotation = 0
    projection = ""
    if video_streams:
        stream = video_streams[0]
        width, height = int(stream.get("width") or 0), int(stream.get("height") or 0)
        if width <= 0 or height <= 0:
            raise BadMediaError("视频流没有有效的分辨率 (no video size)")
        if width > settings.MEDIA_MAX_WIDTH or height > settings.MEDIA_MAX_HEIGHT:
            raise BadMediaError(
                f"分辨率 {width}×{height} 超过上限 "
                f"{settings.MEDIA_MAX_WIDTH}×{settings.MEDIA_MAX_HEIGHT} "
                "(resolution too large)"
            )
        fps = _rate(stream.get("avg_frame_rate")) or _rate(stream.get("r_frame_rate"))
        if fps > settings.MEDIA_MAX_FPS:
            raise BadMediaError(
                f"帧率 {fps:.0f} 超过上限 {settings.MEDIA_MAX_FPS} (frame rate too high)"
            )
        rotation, projection = _side_data(stream)
        video = {
            "index": stream.get("index"),
            "codec": stream.get("codec_name"),
            "width": width,
            "height": height,
            "fps": round(fps, 3),
        }
    audio = None
    if audio_streams:
        stream = audio_streams[0]
        audio = {
            "index": stream.get("index"),
            "codec": stream.get("codec_name"),
            "channels": stream.get("channels"),
            "sample_rate": stream.get("sample_rate"),
        }
    return ProbeResult(
        demuxer=demuxer,
        format_name=str(fmt.get("format_name", "")),
        duration=duration,
        video=video,
        audio=audio,
        stream_count=len(streams),
        rotation=rotation,
        projection=projection,
        streams=[
            {
                "index": s.get("index"),
                "type": s.get("codec_type"),
                "codec": s.get("codec_name"),
            }
            for s in streams
        ],
    )


def _duration(fmt: dict[str, Any], streams: list[dict[str, Any]]) -> float:
    candidates = [fmt.get("duration")] + [s.get("duration") for s in streams]
    for value in candidates:
        try:
            seconds = float(value)
        except (TypeError, ValueError):
            continue
        if seconds > 0:
            return seconds
    return 0.0


def _rate(value: Any) -> float:
    try:
        rate = Fraction(str(value))
    except (ValueError, ZeroDivisionError):
        return 0.0
    return float(rate) if rate > 0 else 0.0


def _side_data(stream: dict[str, Any]) -> tuple[int, str]:
    rotation = 0
    projection = ""
    tags = stream.get("tags") or {}
    if str(tags.get("rotate", "")).lstrip("-").isdigit():
        rotation = int(tags["rotate"])
    for item in stream.get("side_data_list") or []:
        if "rotation" in item:
            try:
                rotation = int(float(item["rotation"]))
            except (TypeError, ValueError):
                pass
        kind = str(item.get("projection", "")).lower()
        if item.get("side_data_type") == "Spherical Mapping" and kind:
            projection = kind if kind in SPHERICAL_TYPES else "equirectangular"
    return rotation % 360, projection

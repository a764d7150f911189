"""Subtitle tracks: WebVTT, or SRT converted to WebVTT, attached to an asset."""

from __future__ import annotations

import re

from media_pipeline.errors import BadSubtitle
from media_pipeline.models import Subtitle, VideoAsset

_SRT_TIME = re.compile(r"(\d{1,2}:\d{2}:\d{2}),(\d{3})")
_CUE_TIME = re.compile(
    r"\d{2}:\d{2}(:\d{2})?\.\d{3}\s+-->\s+\d{2}:\d{2}(:\d{2})?\.\d{3}"
)
SUBTITLE_MAX_BYTES = 2 * 1024 * 1024


def subtitle_to_webvtt(raw: bytes) -> str:
    """Return WebVTT text for a WebVTT or SRT file.

    Raises ``BadSubtitle`` naming the problem (too large, not UTF-8, no cues).
    """
    if len(raw) > SUBTITLE_MAX_BYTES:
        raise BadSubtitle("字幕文件超过 2 MB (subtitle file too large)")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise BadSubtitle("字幕文件须为 UTF-8 编码 (subtitle must be UTF-8)") from None
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    if not text.startswith("WEBVTT"):
        text = "WEBVTT\n\n" + _SRT_TIME.sub(r"\1.\2", text)
    if not _CUE_TIME.search(text):
        raise BadSubtitle(
            "不是有效的 WebVTT 或 SRT 字幕：没有找到时间轴 (no subtitle cues found)"
        )
    return text + "\n"


def subtitle_attach(
    *, asset: VideoAsset, raw: bytes, language: str = "zh-hans", label: str = "简体中文"
) -> Subtitle:
    """Attach a subtitle track (WebVTT, or SRT converted to WebVTT) to ``asset``.

    Raises ``BadSubtitle`` when the file is not a usable subtitle.
    """
    return Subtitle.objects.create(
        asset=asset,
        language=language[:16] or "zh-hans",
        label=label[:64] or language,
        content=subtitle_to_webvtt(raw),
    )

"""Generated sample clips: ffmpeg's test pattern with a sine tone, encoded as H.264 +
AAC in MP4. Used by the demo, the tests and the transcode benchmark."""

from __future__ import annotations

import subprocess
from pathlib import Path

from django.conf import settings


def clip_generate(
    path: Path,
    *,
    seconds: float,
    size: str,
    pattern: str = "testsrc2",
    tone: int = 440,
    audio: bool = True,
    preset: str = "veryfast",
    faststart: bool = False,
    timeout: float | None = 600,
) -> Path:
    """Write a ``seconds``-long clip of ``size`` (e.g. ``"480x270"``) at 25 fps to
    ``path``; with ``audio`` a ``tone`` Hz sine track. Raises
    ``subprocess.CalledProcessError`` if ffmpeg fails."""
    args = [
        settings.FFMPEG_BINARY,
        "-v",
        "error",
        "-y",
        "-f",
        "lavfi",
        "-i",
        f"{pattern}=size={size}:rate=25:duration={seconds}",
    ]
    if audio:
        args += ["-f", "lavfi", "-i", f"sine=frequency={tone}:duration={seconds}"]
    args += ["-c:v", "libx264", "-preset", preset, "-pix_fmt", "yuv420p"]
    if audio:
        args += ["-c:a", "aac", "-shortest"]
    if faststart:
        args += ["-movflags", "+faststart"]
    args.append(str(path))
    subprocess.run(args, check=True, timeout=timeout)
    return path

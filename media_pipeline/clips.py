"""Generated sample clips: ffmpeg's test pattern with a sine tone, encoded as H.264 +
AAC in MP4, used by the tests and the transcode benchmark; and the Spherical Video V2
boxes that mark an MP4 as a 360° equirectangular clip (the demo's VR room). The demo's
narrated lessons are drawn in ``cms.demo_media``."""

from __future__ import annotations

import struct
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


def _box(kind: bytes, payload: bytes, *, full: bool = False) -> bytes:
    payload = (b"\0\0\0\0" + payload) if full else payload
    return struct.pack(">I4s", 8 + len(payload), kind) + payload


def spherical_metadata_add(data: bytes) -> bytes:
    """``data`` (an MP4 whose first video track is H.264) with an equirectangular
    ``sv3d`` box in its sample entry, as cameras and Google's spatial-media tool
    write it; ffprobe then reports "Spherical Mapping" and the probe keeps the
    projection. The ``moov`` box must come after ``mdat`` (no faststart): growing
    it then moves no sample. Raises ``ValueError`` when a box is not found."""
    data = bytearray(data)
    if data.find(b"moov") < data.find(b"mdat"):
        raise ValueError("moov before mdat: write the clip without faststart")
    starts, position = [], 0
    for kind in (b"moov", b"trak", b"mdia", b"minf", b"stbl", b"stsd", b"avc1"):
        position = data.index(kind, position) - 4
        starts.append(position)
        position += 8
    sv3d = _box(
        b"sv3d",
        _box(b"svhd", b"dangke\0", full=True)
        + _box(
            b"proj",
            _box(b"prhd", bytes(12), full=True) + _box(b"equi", bytes(16), full=True),
        ),
    )
    end = starts[-1] + struct.unpack_from(">I", data, starts[-1])[0]
    data[end:end] = sv3d
    for start in starts:
        size = struct.unpack_from(">I", data, start)[0]
        struct.pack_into(">I", data, start, size + len(sv3d))
    return bytes(data)

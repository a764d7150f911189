"""The HLS ladder in one ffmpeg process.

One decode of the original feeds every video rung (H.264, keyframes every 2 s, 6 s
segments), an AAC audio-only rendition, a poster and the thumbnails, which a second,
tiny ffmpeg run tiles into the sprite (``sprite_make``): a sprite made in the main run
would hold back ffmpeg's first progress report, and with it the progress, the lease's
renewal and the preview, until the very end. The master
playlist (BANDWIDTH, AVERAGE-BANDWIDTH, RESOLUTION, CODECS) and the sprite's WebVTT
track are written by Python afterwards, so the master is the last file of a run.

Rate control is content-aware by default (``MEDIA_RATE_CONTROL=crf``): every video rung
is encoded for one quality target (x264's CRF, ``MEDIA_X264_CRF``) with its VBV capped
at the rung's ladder bitrate (``MEDIA_CRF_CAP_PERCENT`` of it, the buffer twice that),
so slides and a talking head spend a fraction of the bits of a march past, which still
gets no more than the fixed ladder gave it. ``abr`` keeps the fixed-bitrate ladder.
Since the bitrate then depends on the picture, the master's ``BANDWIDTH`` (the peak
segment bitrate) and ``AVERAGE-BANDWIDTH`` are measured from the segments written
(``rendition_bandwidth``), never taken from the ladder.

One rendition, the preview rung (``preview_rung``), is written as an EVENT playlist that
ffmpeg rewrites after every finished segment, so its segments can be published while
the rest is still encoding; ``event_to_vod`` turns it into the VOD playlist the others
have once the run is over. Segments are written under a temporary name and renamed when
complete (``temp_file``), so a segment file that exists is a whole one.
"""

from __future__ import annotations

import math
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from django.conf import settings

from media_pipeline.probe import ProbeResult

SEGMENT_SECONDS = 6
KEYFRAME_SECONDS = 2
SPRITE_COLUMNS = 10
SPRITE_MAX_THUMBS = 100
THUMB_WIDTH = 160
AAC_CODEC = "mp4a.40.2"
TEE_SAFE_PATH = re.compile(r"^[A-Za-z0-9_./-]+$")
THUMBS_DIR = "thumbs"
# The preview plays the best rung up to this height: a reviewer judges the picture,
# and bigger rungs would double the bytes written while encoding.
PREVIEW_MAX_HEIGHT = 720
# A rung at least this share of the source's height already shows it well enough:
# no extra rung at the source's own height.
NEAR_ENOUGH = 0.9


class TranscodeError(Exception):
    """ffmpeg failed or ran over its time; ``str(exc)`` says why."""


class TranscodeInterrupted(TranscodeError):
    """The run was stopped because it lost its lease."""


@dataclass(frozen=True)
class Rung:
    name: str
    kind: str  # "video" | "audio"
    width: int | None
    height: int | None
    video_kbps: int
    audio_kbps: int
    level: str = ""
    channels: int = 2

    @property
    def bandwidth(self) -> int:
        # The planned peak, before anything is encoded (the preview's choice of an
        # audio rung); the master carries the measured one (``rendition_bandwidth``).
        return int((self.video_kbps * 1.2 + self.audio_kbps) * 1000)

    @property
    def codecs(self) -> str:
        if self.kind == "audio":
            return AAC_CODEC
        video = (
            "avc1.4d40"
            + {"3.0": "1e", "3.1": "1f", "4.0": "28", "5.1": "33"}[self.level]
        )
        return f"{video},{AAC_CODEC}" if self.audio_kbps else video

    @property
    def playlist(self) -> str:
        return f"{self.name}/index.m3u8"


@dataclass(frozen=True)
class Plan:
    rungs: list[Rung]
    has_video: bool
    has_audio: bool
    duration: float
    fps: float = 25.0
    poster_size: tuple[int, int] = (0, 0)
    thumb_interval: int = 0
    thumb_count: int = 0
    thumb_size: tuple[int, int] = (0, 0)
    # "crf": constrained quality (x264 CRF, VBV capped at the rung's ladder bitrate);
    # "abr": the rung's ladder bitrate as the average.
    rate_control: str = "crf"
    crf: int = 23
    cap_percent: int = 95


@dataclass(frozen=True)
class Bandwidth:
    """A rendition's bitrate in bit/s measured from its segments: ``peak`` is the
    highest of any segment (bytes × 8 / its EXTINF duration), ``average`` the whole
    rendition's bytes over its duration (HLS's BANDWIDTH and AVERAGE-BANDWIDTH)."""

    peak: int
    average: int


def _even(value: float) -> int:
    return max(2, int(round(value / 2)) * 2)


def _level(height: int) -> str:
    if height <= 480:
        return "3.0"
    if height <= 720:
        return "3.1"
    if height <= 1080:
        return "4.0"
    return "5.1"


def ladder_heights(
    ladder: list[tuple[int, int]], source_height: int
) -> list[tuple[int, int]]:
    """The (height, video kbps) rungs for a source ``source_height`` pixels high.

    Never above the source: rungs taller than it are dropped. Never needlessly
    below it either: when the source falls between two rungs (640×360 on a
    240/480/720 ladder), a rung at the source's own height (made even) joins the
    lower ones, its bitrate interpolated linearly in height between its neighbours
    (360 between 240:400 and 480:1000 → 700 kbps), unless the rung below is
    already within ``NEAR_ENOUGH`` of the source (a 492-line source keeps 480). A
    source above the top rung gets the whole ladder (the top rung is the configured
    ceiling); one below the lowest rung gets a single rung at its own height with
    the lowest rung's rate.
    """
    ladder = sorted(ladder)
    own = max(2, source_height - source_height % 2)  # even, never above the source
    kept = [(h, kbps) for h, kbps in ladder if h <= source_height]
    if not kept:
        return [(own, ladder[0][1])]
    above = [(h, kbps) for h, kbps in ladder if h > source_height]
    low_height, low_kbps = kept[-1]
    if above and low_height < own * NEAR_ENOUGH:
        high_height, high_kbps = above[0]
        share = (own - low_height) / (high_height - low_height)
        kept.append((own, int(round(low_kbps + share * (high_kbps - low_kbps)))))
    return kept


def plan_ladder(probe: ProbeResult) -> Plan:
    """The renditions for ``probe``'s media (video rungs from ``ladder_heights``)."""
    audio_kbps = settings.MEDIA_AUDIO_KBPS if probe.audio else 0
    rungs: list[Rung] = []
    if probe.video:
        width, height = probe.video["width"], probe.video["height"]
        if probe.rotation in (90, 270):
            width, height = height, width
        for rung_height, kbps in ladder_heights(settings.MEDIA_LADDER, height):
            rungs.append(
                Rung(
                    name=f"{rung_height}p",
                    kind="video",
                    width=_even(width * rung_height / height),
                    height=rung_height,
                    video_kbps=kbps,
                    audio_kbps=audio_kbps,
                    level=_level(rung_height),
                )
            )
    if probe.audio:
        # Slow networks and elderly members: a small mono AAC rendition.
        rungs.append(
            Rung(
                "audio",
                "audio",
                None,
                None,
                0,
                settings.MEDIA_AUDIO_ONLY_KBPS,
                channels=1,
            )
        )
        if not probe.video:
            rungs.append(
                Rung("audio-hq", "audio", None, None, 0, settings.MEDIA_AUDIO_KBPS)
            )
    plan = Plan(
        rungs=rungs,
        has_video=bool(probe.video),
        has_audio=bool(probe.audio),
        duration=probe.duration,
        rate_control=settings.MEDIA_RATE_CONTROL,
        crf=settings.MEDIA_X264_CRF,
        cap_percent=settings.MEDIA_CRF_CAP_PERCENT,
    )
    if probe.video:
        interval = max(1, math.ceil(probe.duration / SPRITE_MAX_THUMBS))
        top = [r for r in rungs if r.kind == "video"][-1]
        plan = replace(
            plan,
            fps=probe.video.get("fps") or 25.0,
            poster_size=(top.width, top.height),
            thumb_interval=interval,
            thumb_count=max(1, math.ceil(probe.duration / interval)),
            thumb_size=(THUMB_WIDTH, _even(THUMB_WIDTH * top.height / top.width)),
        )
    return plan


def preview_rung(plan: Plan) -> Rung | None:
    """The rendition published as the preview while the ladder encodes: the highest
    video rung up to ``PREVIEW_MAX_HEIGHT`` (else the lowest), for sound only the
    best audio rung."""
    videos = sorted(
        (r for r in plan.rungs if r.kind == "video"), key=lambda r: r.height or 0
    )
    if videos:
        fitting = [r for r in videos if (r.height or 0) <= PREVIEW_MAX_HEIGHT]
        return fitting[-1] if fitting else videos[0]
    audios = sorted(plan.rungs, key=lambda r: r.bandwidth)
    return audios[-1] if audios else None


def event_to_vod(playlist: str) -> str:
    """The finished EVENT playlist of the preview rung as a VOD playlist."""
    return playlist.replace("#EXT-X-PLAYLIST-TYPE:EVENT", "#EXT-X-PLAYLIST-TYPE:VOD")


def build_command(
    *,
    source: Path,
    demuxer: str,
    plan: Plan,
    out_dir: Path,
    progress: bool = True,
    images: bool = True,
    preview: str | None = None,
) -> list[str]:
    """The single ffmpeg invocation for ``plan`` (an argument list, no shell).

    ``images`` adds the poster and the thumbnail sprite to the same decode;
    ``preview`` names the rung whose playlist is an EVENT playlist kept up to date
    while encoding.
    """
    video_rungs = [r for r in plan.rungs if r.kind == "video"]
    images = images and plan.has_video
    args = [settings.FFMPEG_BINARY, "-nostdin", "-hide_banner", "-v", "error"]
    if progress:
        args += ["-progress", "pipe:1", "-nostats"]
    args += ["-protocol_whitelist", "file", "-f", demuxer, "-i", f"file:{source}"]
    if video_rungs or images:
        branches = len(video_rungs) + (2 if images else 0)
        labels = "".join(f"[s{i}]" for i in range(branches))
        graph = [f"[0:v:0]split={branches}{labels}"]
        for i, rung in enumerate(video_rungs):
            graph.append(f"[s{i}]scale={rung.width}:{rung.height},setsar=1[v{i}]")
    if images:
        poster_w, poster_h = plan.poster_size
        poster_at = min(5.0, plan.duration / 10)
        graph.append(
            f"[s{branches - 2}]select='gte(t\\,{poster_at:.2f})',"
            f"scale={poster_w}:{poster_h},setsar=1[poster]"
        )
        thumb_w, thumb_h = plan.thumb_size
        graph.append(
            f"[s{branches - 1}]fps=1/{plan.thumb_interval},"
            f"scale={thumb_w}:{thumb_h},setsar=1[thumbs]"
        )
    if video_rungs or images:
        args += ["-filter_complex", ";".join(graph)]
    for i in range(len(video_rungs)):
        args += ["-map", f"[v{i}]"]
    # Each distinct audio encoding runs once and is muxed into every variant using
    # it (the tee muxer), instead of once per variant.
    audio_tracks: dict[tuple[int, int], int] = {}
    for rung in plan.rungs:
        if rung.audio_kbps and (rung.audio_kbps, rung.channels) not in audio_tracks:
            index = len(audio_tracks)
            audio_tracks[(rung.audio_kbps, rung.channels)] = index
            args += ["-map", "0:a:0", f"-b:a:{index}", f"{rung.audio_kbps}k"]
            args += [f"-ac:a:{index}", str(rung.channels)]
    for i, rung in enumerate(video_rungs):
        args += rate_control_args(plan, rung, i) + [f"-level:v:{i}", rung.level]
    if video_rungs:
        fps = min(max(plan.fps, 1.0), 120.0)
        args += [
            "-c:v",
            "libx264",
            "-preset",
            settings.MEDIA_X264_PRESET,
            "-profile:v",
            "main",
            "-pix_fmt",
            "yuv420p",
            "-g",
            str(int(round(fps * KEYFRAME_SECONDS))),
            "-sc_threshold",
            "0",
            "-force_key_frames",
            f"expr:gte(t,n_forced*{KEYFRAME_SECONDS})",
        ]
    if audio_tracks:
        args += ["-c:a", "aac"]
    if not TEE_SAFE_PATH.match(str(out_dir)):
        raise TranscodeError(f"unsafe work folder for ffmpeg's tee muxer: {out_dir}")
    slaves = []
    video_index = 0
    for rung in plan.rungs:
        streams = []
        if rung.kind == "video":
            streams.append(f"v:{video_index}")
            video_index += 1
        if rung.audio_kbps:
            streams.append(f"a:{audio_tracks[(rung.audio_kbps, rung.channels)]}")
        folder = out_dir / rung.name
        options = ":".join(
            [
                "select=\\'" + ",".join(streams) + "\\'",
                "f=hls",
                f"hls_time={SEGMENT_SECONDS}",
                "hls_playlist_type=" + ("event" if rung.name == preview else "vod"),
                "hls_flags=independent_segments+temp_file",
                f"hls_segment_filename={folder / 'seg_%05d.ts'}",
            ]
        )
        slaves.append(f"[{options}]{folder / 'index.m3u8'}")
    if slaves:
        args += ["-f", "tee", "|".join(slaves)]
    if images:
        args += ["-map", "[poster]", "-frames:v", "1", "-q:v", "3"]
        args += [str(out_dir / "poster.jpg")]
        # One JPEG a thumbnail as they come: the output starts at once.
        args += ["-map", "[thumbs]", "-q:v", "2", "-f", "image2"]
        args += [str(out_dir / THUMBS_DIR / "%05d.jpg")]
    return args


def rate_control_args(plan: Plan, rung: Rung, index: int) -> list[str]:
    """The x264 rate-control options of video stream ``index`` (``rung``).

    ``crf``: the quality target with the VBV capped at ``cap_percent`` of the rung's
    ladder bitrate (buffer: two seconds at the cap), so no segment of any source
    needs more than the fixed ladder's rate. ``abr``: the ladder bitrate as the
    average, peaks up to 1.2 times it (the ladder before quality targets).
    """
    if plan.rate_control == "abr":
        return [
            f"-b:v:{index}",
            f"{rung.video_kbps}k",
            f"-maxrate:v:{index}",
            f"{int(rung.video_kbps * 1.2)}k",
            f"-bufsize:v:{index}",
            f"{rung.video_kbps * 2}k",
        ]
    cap = max(1, rung.video_kbps * plan.cap_percent // 100)
    return [
        f"-crf:v:{index}",
        str(plan.crf),
        f"-maxrate:v:{index}",
        f"{cap}k",
        f"-bufsize:v:{index}",
        f"{cap * 2}k",
    ]


def out_dir_prepare(plan: Plan, out_dir: Path) -> None:
    """The folders ffmpeg writes into: one a rung, and the thumbnails'."""
    for rung in plan.rungs:
        (out_dir / rung.name).mkdir(parents=True)
    if plan.has_video:
        (out_dir / THUMBS_DIR).mkdir(parents=True)


def sprite_command(*, plan: Plan, out_dir: Path) -> list[str]:
    """Tile the thumbnails of the main run into ``sprite.jpg``, ``SPRITE_COLUMNS``
    a row (the WebVTT track's layout)."""
    rows = math.ceil(plan.thumb_count / SPRITE_COLUMNS)
    columns = min(SPRITE_COLUMNS, plan.thumb_count)
    return [
        settings.FFMPEG_BINARY,
        "-nostdin",
        "-hide_banner",
        "-v",
        "error",
        "-protocol_whitelist",
        "file",
        "-f",
        "image2",
        "-framerate",
        "1",
        "-i",
        f"file:{out_dir / THUMBS_DIR}/%05d.jpg",
        "-vf",
        f"tile={columns}x{rows}",
        "-frames:v",
        "1",
        "-q:v",
        "5",
        str(out_dir / "sprite.jpg"),
    ]


def sprite_make(plan: Plan, out_dir: Path) -> None:
    """Make the sprite from the main run's thumbnails, then drop them (they are not
    published). Raises ``TranscodeError``."""
    if not plan.has_video:
        return
    run_ffmpeg(sprite_command(plan=plan, out_dir=out_dir), duration=plan.thumb_count)
    shutil.rmtree(out_dir / THUMBS_DIR, ignore_errors=True)


_EXTINF = re.compile(r"^#EXTINF:([0-9.]+)")


def rendition_bandwidth(rung_dir: Path) -> Bandwidth:
    """Measure the rendition in ``rung_dir`` from its playlist (``index.m3u8``) and
    the segment files it names. Raises ``TranscodeError`` when the playlist names
    no segment or a segment is missing."""
    try:
        lines = (rung_dir / "index.m3u8").read_text().splitlines()
    except OSError as exc:
        raise TranscodeError(f"播放列表缺失：{rung_dir.name} (no playlist)") from exc
    peak, total_bytes, total_seconds, duration = 0.0, 0, 0.0, None
    for line in lines:
        found = _EXTINF.match(line)
        if found:
            duration = float(found.group(1))
            continue
        if duration is None or not line or line.startswith("#"):
            continue
        try:
            size = (rung_dir / line).stat().st_size
        except OSError as exc:
            raise TranscodeError(
                f"分片缺失：{rung_dir.name}/{line} (segment missing)"
            ) from exc
        if duration > 0:
            peak = max(peak, size * 8 / duration)
        total_bytes += size
        total_seconds += duration
        duration = None
    if not total_seconds:
        raise TranscodeError(f"播放列表没有分片：{rung_dir.name} (no segments)")
    return Bandwidth(
        peak=int(math.ceil(peak)),
        average=int(math.ceil(total_bytes * 8 / total_seconds)),
    )


def master_playlist(plan: Plan, measured: dict[str, Bandwidth]) -> str:
    """The master playlist; ``measured`` holds each rung's ``rendition_bandwidth``."""
    lines = ["#EXTM3U", "#EXT-X-VERSION:3", "#EXT-X-INDEPENDENT-SEGMENTS"]
    ordered = [r for r in plan.rungs if r.kind == "video"] + [
        r for r in plan.rungs if r.kind == "audio"
    ]
    for rung in ordered:
        bandwidth = measured[rung.name]
        attributes = [
            f"BANDWIDTH={bandwidth.peak}",
            f"AVERAGE-BANDWIDTH={bandwidth.average}",
            f'CODECS="{rung.codecs}"',
        ]
        if rung.kind == "video":
            attributes.insert(2, f"RESOLUTION={rung.width}x{rung.height}")
        lines.append("#EXT-X-STREAM-INF:" + ",".join(attributes))
        lines.append(rung.playlist)
    return "\n".join(lines) + "\n"


def thumbnails_vtt(plan: Plan, sprite_name: str = "sprite.jpg") -> str:
    width, height = plan.thumb_size
    cues = ["WEBVTT", ""]
    for index in range(plan.thumb_count):
        start = index * plan.thumb_interval
        end = min(plan.duration, start + plan.thumb_interval)
        x = (index % SPRITE_COLUMNS) * width
        y = (index // SPRITE_COLUMNS) * height
        cues.append(f"{_timestamp(start)} --> {_timestamp(end)}")
        cues.append(f"{sprite_name}#xywh={x},{y},{width},{height}")
        cues.append("")
    return "\n".join(cues)


def _timestamp(seconds: float) -> str:
    millis = int(round(seconds * 1000))
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    secs, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}.{millis:03d}"


def run_ffmpeg(
    args: list[str],
    *,
    duration: float,
    on_progress: Callable[[int], bool] | None = None,
    on_tick: Callable[[], None] | None = None,
) -> None:
    """Run ffmpeg, reporting whole percentages read from ``-progress``.

    ``on_progress`` returns False to stop the run (``TranscodeInterrupted``).
    ``on_tick`` is called at each progress report (about twice a second), whether
    the percentage moved or not. Raises ``TranscodeError`` when ffmpeg fails or
    exceeds its wall-clock limit.
    """
    timeout = duration * settings.MEDIA_TRANSCODE_TIMEOUT_FACTOR + 600
    with tempfile.TemporaryFile() as stderr:
        process = subprocess.Popen(
            args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=stderr
        )
        killer = _Deadline(process, timeout)
        stopped = False
        try:
            last = -1
            for raw in process.stdout:
                key, _, value = raw.decode("ascii", "replace").strip().partition("=")
                if key == "progress" and on_tick is not None:
                    on_tick()
                if key != "out_time_us" or not value.isdigit() or duration <= 0:
                    continue
                percent = min(99, int(int(value) / 1e6 / duration * 100))
                if percent != last and on_progress is not None:
                    last = percent
                    if not on_progress(percent):
                        stopped = True
                        process.kill()
                        break
            process.wait()
        finally:
            killer.cancel()
            if process.poll() is None:
                process.kill()
                process.wait()
        if stopped:
            raise TranscodeInterrupted("处理被另一个任务接管 (lease lost)")
        if killer.fired:
            raise TranscodeError(f"转码超时（超过 {timeout:.0f} 秒）(ffmpeg timed out)")
        if process.returncode != 0:
            stderr.seek(0)
            tail = stderr.read()[-2000:].decode("utf-8", "replace").strip()
            last_line = tail.splitlines()[-1] if tail else f"exit {process.returncode}"
            raise TranscodeError(f"转码失败：{last_line} (ffmpeg failed)")


class _Deadline:
    """Kill a process when its wall-clock time is up."""

    def __init__(self, process: subprocess.Popen, seconds: float):
        import threading

        self.fired = False
        self._process = process
        self._timer = threading.Timer(seconds, self._fire)
        self._timer.daemon = True
        self._timer.start()

    def _fire(self) -> None:
        self.fired = True
        if self._process.poll() is None:
            self._process.kill()

    def cancel(self) -> None:
        self._timer.cancel()

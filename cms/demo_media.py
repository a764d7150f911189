"""The demo's generated media: narrated lessons and a 360° room.

A lesson clip is a title card and one slide a paragraph, drawn with Pillow in Noto Sans
CJK (Debian's ``fonts-noto-cjk``), with a Mandarin voice reading the same text
(``espeak-ng``, voice ``cmn``) and a WebVTT track with one cue a sentence, timed from
each sentence's synthesised length. The VR courseware gets a room drawn as six cube
faces, turned into an equirectangular picture by ffmpeg's ``v360`` filter, with the
Spherical Video V2 boxes the probe reads as ``equirectangular``.

Clips are generated once and kept under ``var/demo-media/``, named by a hash of their
text, size and voice: a second ``make run`` finds them. Without the font the demo
stops with a message naming ``fonts-noto-cjk``; without ``espeak-ng`` the clips are
silent (a warning says which package to install) and the cues are timed by a
reading pace instead.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
import tempfile
import wave
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from PIL import Image, ImageDraw, ImageFont

from media_pipeline.clips import spherical_metadata_add

FONT_FILES = (
    # Debian's fonts-noto-cjk; index 2 of the collection is Simplified Chinese.
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc", 2),
)
VOICE = "cmn"
WORDS_PER_MINUTE = 150  # espeak-ng's -s: a little slower than its default, clearer
SAMPLE_RATE = 22050  # what espeak-ng writes
SILENT_CHARS_PER_SECOND = 4.0  # the cues' pace when there is no voice
SENTENCE_GAP = 0.45
SLIDE_GAP = 1.2
CLIP_VERSION = 3  # bump when the drawing changes, so cached clips are redrawn

RED = (166, 27, 27)
GOLD = (255, 213, 79)
PAPER = (253, 246, 227)
INK = (34, 34, 34)
MUTED = (110, 90, 80)


class DemoMediaUnavailable(RuntimeError):
    """A tool or font the demo's clips need is missing; the message names the
    Debian package that provides it."""


@dataclass(frozen=True)
class ClipSizes:
    """Pixel sizes of the generated clips: the demo's, or tiny ones for tests, which
    are also ``brief`` (only the title, or the first sentence, is read aloud)."""

    lesson: tuple[int, int] = (960, 540)
    panorama: tuple[int, int] = (1440, 720)
    brief: bool = False


FULL_SIZE = ClipSizes()
TINY_SIZE = ClipSizes(lesson=(160, 90), panorama=(160, 80), brief=True)


@dataclass
class Cue:
    start: float
    end: float
    text: str


@dataclass
class DemoClip:
    """A generated clip and its subtitles (WebVTT text)."""

    path: Path
    webvtt: str
    seconds: float
    voiced: bool
    cues: list[Cue] = field(default_factory=list)


def font_path() -> tuple[str, int]:
    """The CJK font file and face index. Raises ``DemoMediaUnavailable``."""
    for path, index in FONT_FILES:
        if Path(path).exists():
            return path, index
    raise DemoMediaUnavailable(
        "the demo's lesson slides need a Chinese font: install Debian's "
        "fonts-noto-cjk (make setup does), or load the demo with --no-media"
    )


def _font(size: int, *, bold: bool = False) -> ImageFont.FreeTypeFont:
    path, index = font_path()
    bold_path = FONT_FILES[1][0]
    if bold and Path(bold_path).exists():
        path = bold_path
    return ImageFont.truetype(path, max(size, 6), index=index)


def espeak_binary() -> str | None:
    return shutil.which("espeak-ng")


def sentences(text: str) -> list[str]:
    """Split Chinese text after 。！？； (keeping the mark)."""
    parts = re.findall(r"[^。！？；]+[。！？；]?", text)
    return [part.strip() for part in parts if part.strip()]


def webvtt_from(cues: Sequence[Cue]) -> str:
    def stamp(seconds: float) -> str:
        millis = round(seconds * 1000)
        hours, millis = divmod(millis, 3_600_000)
        minutes, millis = divmod(millis, 60_000)
        secs, millis = divmod(millis, 1000)
        return f"{hours:02d}:{minutes:02d}:{secs:02d}.{millis:03d}"

    blocks = [
        f"{index}\n{stamp(cue.start)} --> {stamp(cue.end)}\n{cue.text}"
        for index, cue in enumerate(cues, start=1)
    ]
    return "WEBVTT\n\n" + "\n\n".join(blocks) + "\n"


def _speak(text: str, path: Path) -> float:
    """Synthesise ``text`` to a WAV at ``path``; returns its length in seconds."""
    subprocess.run(
        [
            espeak_binary() or "espeak-ng",
            "-v",
            VOICE,
            "-s",
            str(WORDS_PER_MINUTE),
            "-w",
            str(path),
            "--stdin",
        ],
        input=text.encode(),
        check=True,
        capture_output=True,
        timeout=120,
    )
    with wave.open(str(path), "rb") as handle:
        return handle.getnframes() / handle.getframerate()


@dataclass
class _Narration:
    wav: Path
    cues: list[Cue]
    slide_ends: list[float]
    voiced: bool


def _narrate(slides: Sequence[Sequence[str]], folder: Path) -> _Narration:
    """One WAV for all the slides' sentences, with gaps; a cue per sentence and the
    time each slide ends. Silent (cues timed by a reading pace) without espeak-ng."""
    voiced = espeak_binary() is not None
    frames = bytearray()
    cues: list[Cue] = []
    slide_ends: list[float] = []
    now = 0.0

    def silence(seconds: float) -> None:
        nonlocal now
        frames.extend(b"\0\0" * round(seconds * SAMPLE_RATE))
        now = len(frames) / 2 / SAMPLE_RATE

    silence(0.6)
    for number, slide in enumerate(slides):
        for sentence_number, sentence in enumerate(slide):
            start = now
            if voiced:
                part = folder / f"s{number}-{sentence_number}.wav"
                _speak(sentence, part)
                with wave.open(str(part), "rb") as handle:
                    if (
                        handle.getframerate() != SAMPLE_RATE
                        or handle.getsampwidth() != 2
                    ):
                        raise DemoMediaUnavailable(
                            f"espeak-ng wrote {handle.getframerate()} Hz audio, "
                            f"not {SAMPLE_RATE} Hz 16-bit"
                        )
                    frames.extend(handle.readframes(handle.getnframes()))
                now = len(frames) / 2 / SAMPLE_RATE
            else:
                silence(max(1.0, len(sentence) / SILENT_CHARS_PER_SECOND))
            cues.append(Cue(start=start, end=now, text=sentence))
            silence(SENTENCE_GAP)
        silence(SLIDE_GAP)
        slide_ends.append(now)
    wav = folder / "narration.wav"
    with wave.open(str(wav), "wb") as handle:
        handle.setnchannels(1)
        handle.setsampwidth(2)
        handle.setframerate(SAMPLE_RATE)
        handle.writeframes(bytes(frames))
    return _Narration(wav=wav, cues=cues, slide_ends=slide_ends, voiced=voiced)


def _wrap(draw: ImageDraw.ImageDraw, text: str, font, width: int) -> list[str]:
    """Lines of ``text`` no wider than ``width`` (Chinese breaks between any two
    characters; a closing mark never starts a line)."""
    lines, line = [], ""
    for char in text:
        if draw.textlength(line + char, font=font) <= width or not line:
            line += char
        elif char in "，。、；：！？）》”":
            line += char
        else:
            lines.append(line)
            line = char
    if line:
        lines.append(line)
    return lines


# The slides keep their lowest fifth empty: the player shows the subtitles there.


def _title_card(size: tuple[int, int], title: str, byline: str, summary: str):
    width, height = size
    unit = height / 540
    image = Image.new("RGB", size, RED)
    draw = ImageDraw.Draw(image)
    margin = round(60 * unit)
    draw.text(
        (margin, round(36 * unit)),
        "党课 dangke · 演示课程",
        font=_font(round(22 * unit)),
        fill=GOLD,
    )
    big = _font(round(50 * unit), bold=True)
    y = round(96 * unit)
    for line in _wrap(draw, title, big, width - 2 * margin)[:2]:
        draw.text((margin, y), line, font=big, fill=GOLD)
        y += round(66 * unit)
    draw.text(
        (margin, y + round(10 * unit)),
        byline,
        font=_font(round(26 * unit)),
        fill=(255, 240, 220),
    )
    y += round(70 * unit)
    small = _font(round(28 * unit))
    for line in _wrap(draw, summary, small, width - 2 * margin)[:3]:
        draw.text((margin, y), line, font=small, fill=(255, 255, 255))
        y += round(42 * unit)
    return image


def _slide(size: tuple[int, int], title: str, text: str, footer: str):
    width, height = size
    unit = height / 540
    image = Image.new("RGB", size, PAPER)
    draw = ImageDraw.Draw(image)
    band = round(72 * unit)
    draw.rectangle([0, 0, width, band], fill=RED)
    draw.rectangle([0, band, width, band + max(1, round(4 * unit))], fill=GOLD)
    margin = round(50 * unit)
    small = _font(round(20 * unit))
    footer_width = draw.textlength(footer, font=small)
    draw.text(
        (width - margin - footer_width, round(26 * unit)),
        footer,
        font=small,
        fill=(255, 235, 200),
    )
    head = _font(round(30 * unit), bold=True)
    room = width - 3 * margin - footer_width
    draw.text(
        (margin, round(18 * unit)),
        _wrap(draw, title, head, room)[0],
        font=head,
        fill=GOLD,
    )
    body = _font(round(36 * unit))
    y = band + round(40 * unit)
    for line in _wrap(draw, text, body, width - 2 * margin)[:5]:
        draw.text((margin, y), line, font=body, fill=INK)
        y += round(56 * unit)
    return image


def _ffmpeg(args: list[str], *, timeout: float) -> None:
    subprocess.run(
        [settings.FFMPEG_BINARY, "-v", "error", "-y", "-nostdin", *args],
        check=True,
        capture_output=True,
        timeout=timeout,
    )


def _encode_slides(
    pictures: Sequence[Path], ends: Sequence[float], wav: Path, out: Path, *, faststart
) -> None:
    """Each picture shown until its end time, over the narration: H.264 + AAC."""
    args: list[str] = ["-protocol_whitelist", "file"]
    start = 0.0
    for picture, end in zip(pictures, ends, strict=True):
        args += ["-loop", "1", "-framerate", "25", "-t", f"{end - start:.3f}"]
        args += ["-f", "image2", "-i", str(picture)]
        start = end
    args += ["-f", "wav", "-i", str(wav)]
    count = len(pictures)
    inputs = "".join(f"[{index}:v]" for index in range(count))
    args += [
        "-filter_complex",
        f"{inputs}concat=n={count}:v=1:a=0,format=yuv420p[v]",
        "-map",
        "[v]",
        "-map",
        f"{count}:a",
        "-c:v",
        "libx264",
        "-preset",
        "veryfast",
        "-tune",
        "stillimage",
        "-r",
        "25",
        "-c:a",
        "aac",
        "-b:a",
        "96k",
        "-ac",
        "1",
    ]
    if faststart:
        args += ["-movflags", "+faststart"]
    args.append(str(out))
    _ffmpeg(args, timeout=60 + 4 * ends[-1])


def _cache_dir(cache_dir: Path | None) -> Path:
    folder = cache_dir or settings.VAR_DIR / "demo-media"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _cached(
    kind: str, key_parts: dict, cache_dir: Path | None, make: Callable[[Path], DemoClip]
) -> DemoClip:
    """The clip kept under the cache folder for these parts, made once."""
    voice = f"espeak-ng:{VOICE}:{WORDS_PER_MINUTE}" if espeak_binary() else "silent"
    key = hashlib.sha256(
        json.dumps(
            {"kind": kind, "version": CLIP_VERSION, "voice": voice, **key_parts},
            ensure_ascii=False,
            sort_keys=True,
        ).encode()
    ).hexdigest()[:24]
    folder = _cache_dir(cache_dir)
    video, subtitles, meta = (
        folder / f"{kind}-{key}{ext}" for ext in (".mp4", ".vtt", ".json")
    )
    if video.exists() and subtitles.exists() and meta.exists():
        facts = json.loads(meta.read_text())
        return DemoClip(
            path=video,
            webvtt=subtitles.read_text(encoding="utf-8"),
            seconds=facts["seconds"],
            voiced=facts["voiced"],
        )
    font_path()  # fail before any work when the font is missing
    with tempfile.TemporaryDirectory(dir=folder) as tmp:
        clip = make(Path(tmp))
        # written beside, then renamed: a half-written clip is never found
        subtitles.write_text(clip.webvtt, encoding="utf-8")
        clip.path.replace(video)
        meta.write_text(json.dumps({"seconds": clip.seconds, "voiced": clip.voiced}))
    clip.path = video
    return clip


def lesson_clip_ensure(
    *,
    title: str,
    byline: str,
    summary: str,
    paragraphs: Sequence[str],
    sizes: ClipSizes = FULL_SIZE,
    cache_dir: Path | None = None,
) -> DemoClip:
    """A narrated lesson: a title card (title, byline, summary, read aloud) and one
    slide a paragraph, with subtitles. Raises ``DemoMediaUnavailable`` without the
    CJK font, ``subprocess.CalledProcessError`` when ffmpeg or espeak-ng fails."""

    def make(folder: Path) -> DemoClip:
        spoken = [[f"{title}。", *sentences(summary)]]
        spoken += [sentences(paragraph) for paragraph in paragraphs]
        if sizes.brief:
            spoken = [[f"{title}。"]]
        narration = _narrate(spoken, folder)
        pictures = [folder / "slide-0.png"]
        _title_card(sizes.lesson, title, byline, summary).save(pictures[0])
        for number, paragraph in enumerate(paragraphs[: len(spoken) - 1], start=1):
            picture = folder / f"slide-{number}.png"
            footer = f"{byline} · {number}/{len(paragraphs)}"
            _slide(sizes.lesson, title, paragraph, footer).save(picture)
            pictures.append(picture)
        out = folder / "lesson.mp4"
        _encode_slides(
            pictures, narration.slide_ends, narration.wav, out, faststart=True
        )
        return DemoClip(
            path=out,
            webvtt=webvtt_from(narration.cues),
            seconds=narration.slide_ends[-1],
            voiced=narration.voiced,
            cues=narration.cues,
        )

    return _cached(
        "lesson",
        {
            "title": title,
            "byline": byline,
            "summary": summary,
            "paragraphs": list(paragraphs),
            "size": sizes.lesson,
            "brief": sizes.brief,
        },
        cache_dir,
        make,
    )


# The six faces of the room, as ffmpeg's v360 filter reads a 6×1 cube strip
# (c6x1, faces in the order right, left, up, down, front, back).
FACE_ORDER = ("right", "left", "up", "down", "front", "back")


def _wall(face: int, lines: Sequence[str], colour: tuple[int, int, int]):
    image = Image.new("RGB", (face, face), (236, 224, 200))
    draw = ImageDraw.Draw(image)
    unit = face / 480
    # a wainscot, a picture rail and a red banner with the wall's sign
    draw.rectangle([0, round(330 * unit), face, face], fill=(120, 72, 40))
    draw.line(
        [0, round(330 * unit), face, round(330 * unit)],
        fill=(80, 45, 20),
        width=max(1, round(6 * unit)),
    )
    draw.rectangle(
        [
            round(40 * unit),
            round(110 * unit),
            face - round(40 * unit),
            round(290 * unit),
        ],
        fill=colour,
        outline=GOLD,
        width=max(1, round(6 * unit)),
    )
    size = round(46 * unit)
    font = _font(size, bold=True)
    room = face - round(100 * unit)
    while (
        size > 6
        and max((draw.textlength(t, font=font) for t in lines), default=0) > room
    ):
        size -= 2
        font = _font(size, bold=True)
    y = round(200 * unit) - len(lines) * round(30 * unit)
    for line in lines:
        length = draw.textlength(line, font=font)
        draw.text(((face - length) / 2, y), line, font=font, fill=GOLD)
        y += round(62 * unit)
    return image


def _ceiling(face: int):
    image = Image.new("RGB", (face, face), (245, 240, 230))
    draw = ImageDraw.Draw(image)
    middle, radius = face / 2, face / 10
    draw.ellipse(
        [middle - radius, middle - radius, middle + radius, middle + radius],
        fill=(255, 250, 210),
        outline=(200, 170, 90),
        width=max(1, face // 80),
    )
    return image


def _floor(face: int):
    image = Image.new("RGB", (face, face), (150, 60, 40))
    draw = ImageDraw.Draw(image)
    tile = max(face // 8, 1)
    for x in range(0, face, tile):
        for y in range(0, face, tile):
            if (x // tile + y // tile) % 2:
                draw.rectangle([x, y, x + tile - 1, y + tile - 1], fill=(175, 80, 55))
    return image


def panorama_clip_ensure(
    *,
    walls: dict[str, Sequence[str]],
    narration: Sequence[str],
    sizes: ClipSizes = FULL_SIZE,
    cache_dir: Path | None = None,
) -> DemoClip:
    """A 360° room (equirectangular, with spherical metadata) whose four walls carry
    ``walls``' signs, and a voice reading ``narration`` with subtitles. Raises as
    ``lesson_clip_ensure``."""

    def make(folder: Path) -> DemoClip:
        width, height = sizes.panorama
        face = max(height // 2, 16)
        colours = {
            "front": RED,
            "back": (150, 20, 20),
            "left": (120, 30, 30),
            "right": (150, 30, 25),
        }
        strip = Image.new("RGB", (face * 6, face))
        for index, name in enumerate(FACE_ORDER):
            if name == "up":
                picture = _ceiling(face)
            elif name == "down":
                picture = _floor(face)
            else:
                picture = _wall(face, walls.get(name, ()), colours[name])
            strip.paste(picture, (index * face, 0))
        cube = folder / "cube.png"
        strip.save(cube)
        sphere = folder / "sphere.png"
        _ffmpeg(
            [
                "-protocol_whitelist",
                "file",
                "-f",
                "image2",
                "-i",
                str(cube),
                "-vf",
                # turned so the front wall is where the portal's viewer looks
                # first (three.js starts at three quarters of the picture's width)
                f"v360=input=c6x1:output=e:w={width}:h={height}:yaw=-90",
                "-frames:v",
                "1",
                str(sphere),
            ],
            timeout=120,
        )
        spoken = _narrate([list(narration)[: 1 if sizes.brief else None]], folder)
        flat = folder / "flat.mp4"
        # no faststart: the boxes are added to moov after mdat, moving no sample
        _encode_slides([sphere], spoken.slide_ends, spoken.wav, flat, faststart=False)
        out = folder / "panorama.mp4"
        out.write_bytes(spherical_metadata_add(flat.read_bytes()))
        return DemoClip(
            path=out,
            webvtt=webvtt_from(spoken.cues),
            seconds=spoken.slide_ends[-1],
            voiced=spoken.voiced,
            cues=spoken.cues,
        )

    return _cached(
        "panorama",
        {
            "walls": {k: list(v) for k, v in sorted(walls.items())},
            "narration": list(narration),
            "size": sizes.panorama,
            "brief": sizes.brief,
        },
        cache_dir,
        make,
    )


# --- covers --------------------------------------------------------------------------

COVER_SIZE = (1280, 720)  # 16:9, the largest rendition the portal asks for
# (top-left, bottom-right) of each cover's diagonal gradient, picked by the title
COVER_PALETTES = (
    ((150, 20, 24), (214, 64, 38)),
    ((120, 16, 40), (196, 42, 60)),
    ((168, 50, 20), (228, 120, 40)),
    ((96, 24, 24), (176, 36, 36)),
    ((140, 36, 12), (206, 92, 24)),
)


def cover_draw(*, title: str, label: str, size: tuple[int, int] = COVER_SIZE) -> bytes:
    """A demo cover as JPEG bytes: a diagonal red-to-orange gradient (one of
    ``COVER_PALETTES``, chosen by a hash of ``title``), a gold band, ``label``
    (专题 / 课程) and the title in Noto Sans CJK Bold. The same arguments give the
    same bytes. Raises ``DemoMediaUnavailable`` without the font."""
    from io import BytesIO

    width, height = size
    digest = hashlib.sha256(title.encode()).digest()
    start, end = COVER_PALETTES[digest[0] % len(COVER_PALETTES)]
    # the gradient: a 2×2 image stretched by a bilinear resize
    corners = Image.new("RGB", (2, 2))
    corners.putdata([start, _mix(start, end), _mix(start, end), end])
    image = corners.resize(size, Image.Resampling.BILINEAR)
    draw = ImageDraw.Draw(image)
    unit = height / 720
    margin = round(80 * unit)
    # a ring of light in the corner, its place also from the title
    radius = round((260 + digest[1] % 120) * unit)
    cx = width - margin - round(digest[2] % 200 * unit)
    cy = round(140 * unit) + round(digest[3] % 120 * unit)
    draw.ellipse(
        (cx - radius, cy - radius, cx + radius, cy + radius),
        outline=(255, 213, 79),
        width=max(2, round(6 * unit)),
    )
    draw.rectangle((0, height - round(36 * unit), width, height), fill=GOLD)
    tag = _font(round(40 * unit), bold=True)
    draw.text((margin, round(80 * unit)), label, font=tag, fill=GOLD)
    big = _font(round(96 * unit), bold=True)
    lines = _wrap(draw, title, big, width - 2 * margin)[:3]
    y = height - round(100 * unit) - len(lines) * round(124 * unit)
    for line in lines:
        draw.text((margin, y), line, font=big, fill=(255, 255, 255))
        y += round(124 * unit)
    buffer = BytesIO()
    image.save(buffer, "JPEG", quality=86, optimize=True)
    return buffer.getvalue()


def _mix(a: tuple[int, int, int], b: tuple[int, int, int]) -> tuple[int, int, int]:
    return tuple((x + y) // 2 for x, y in zip(a, b, strict=True))

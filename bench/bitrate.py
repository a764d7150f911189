"""Benchmark: bytes and picture quality of the content-aware ladder against the fixed
one, on four generated sources that look like what lecturers upload.

Sources (1280x720, 25 fps, no sound so the rungs' bytes are the picture's alone):
  slides        Pillow-drawn slides of small Chinese text (Noto Sans CJK), the next
                one every 20 s (40 s);
  talking_head  a figure drawn in Pillow swaying in front of a still, drawn backdrop
                (40 s);
  screen        a long document of Chinese text, read and scrolled as one does on a
                screen recording: 150 px in one second every five seconds (40 s);
  high_motion   ffmpeg's mandelbrot zooming in, everything moving (20 s).
Each source is written once at near-lossless quality and counts as the original.

Each is encoded twice with the pipeline's own one-pass command
(``media_pipeline.transcode.build_command``, ``MEDIA_LADDER`` and preset as
configured): ``rate_control="abr"`` (the fixed ladder: each rung at its bitrate) and
``rate_control="crf"`` (``MEDIA_X264_CRF``, peak capped at ``MEDIA_CRF_CAP_PERCENT`` of
the rung's bitrate). Per rung: bytes per minute of its segments, and SSIM (ffmpeg's
``ssim`` filter, "All") against the original scaled to the rung. Per source:
``byte_ratio`` = mean over rungs of new / fixed bytes, ``ssim_delta`` = mean over rungs
of new − fixed SSIM.

Prints one JSON line last: {"bench": "bitrate", "crf": …, "sources": {name: {...}}}.
Targets: byte_ratio ≤ 0.5 on slides, talking_head and screen with ssim_delta ≥ −0.005;
byte_ratio ≤ 1 on high_motion.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WIDTH, HEIGHT = 1280, 720
FPS = 25
FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
FONT_INDEX = 2  # Noto Sans CJK SC in the collection
PHRASES = [
    "坚持和发展中国特色社会主义",
    "学习贯彻党的二十大精神",
    "不忘初心、牢记使命",
    "全面从严治党永远在路上",
    "加强基层党组织建设",
    "三会一课制度落实情况",
    "党员教育管理工作要求",
    "推进党史学习教育常态化",
]


def progress(step: int, total: int, label: str) -> None:
    filled = int(30 * step / total)
    sys.stderr.write(
        f"\r[{'#' * filled}{'.' * (30 - filled)}] {step}/{total} {label:<40}"
    )
    if step == total:
        sys.stderr.write("\n")
    sys.stderr.flush()


def setup_django(work: Path) -> None:
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "dangke.settings",
            "DANGKE_VAR_DIR": str(work / "var"),
            "DATABASE_URL": f"sqlite:///{work / 'bench.sqlite3'}",
            "LOG_LEVEL": "WARNING",
        }
    )
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def _font(size: int):
    from PIL import ImageFont

    return ImageFont.truetype(FONT, size, index=FONT_INDEX)


def _ffmpeg() -> list[str]:
    from django.conf import settings

    return [settings.FFMPEG_BINARY, "-nostdin", "-v", "error", "-y"]


def _original(args: list[str], path: Path) -> Path:
    """Encode a generated picture as the near-lossless original."""
    subprocess.run(
        args
        + ["-c:v", "libx264", "-preset", "ultrafast", "-crf", "8"]
        + ["-pix_fmt", "yuv420p", "-r", str(FPS), str(path)],
        check=True,
    )
    return path


def slides(work: Path) -> Path:
    from PIL import Image, ImageDraw

    args = _ffmpeg()
    for number in range(2):
        image = Image.new("RGB", (WIDTH, HEIGHT), (250, 248, 240))
        draw = ImageDraw.Draw(image)
        draw.rectangle([0, 0, WIDTH, 90], fill=(180, 20, 20))
        title = f"第{number + 1}讲  {PHRASES[number]}"
        draw.text((40, 18), title, font=_font(40), fill=(255, 240, 200))
        for line in range(14):
            text = (
                f"{line + 1}. {PHRASES[(number + line) % len(PHRASES)]}，"
                f"{PHRASES[(number + 2 * line + 1) % len(PHRASES)]}。"
            )
            draw.text((60, 130 + 38 * line), text, font=_font(22), fill=(30, 30, 30))
        png = work / f"slide{number}.png"
        image.save(png)
        args += ["-loop", "1", "-framerate", str(FPS), "-t", "20", "-i", str(png)]
    args += ["-filter_complex", "[0:v][1:v]concat=n=2:v=1:a=0"]
    return _original(args, work / "slides.mp4")


def talking_head(work: Path) -> Path:
    from PIL import Image, ImageDraw

    backdrop = Image.new("RGB", (WIDTH, HEIGHT))
    draw = ImageDraw.Draw(backdrop)
    for y in range(HEIGHT):
        draw.line([(0, y), (WIDTH, y)], fill=(60 + y // 8, 70 + y // 10, 90 + y // 12))
    draw.rectangle([100, 120, 700, 460], fill=(160, 20, 20))
    draw.text((130, 200), PHRASES[1], font=_font(44), fill=(255, 230, 160))
    for x in range(0, WIDTH, 64):
        draw.rectangle([x, 560, x + 40, HEIGHT], fill=(90, 70, 50))
    backdrop.save(work / "backdrop.png")
    figure = Image.new("RGBA", (360, 520), (0, 0, 0, 0))
    draw = ImageDraw.Draw(figure)
    draw.ellipse([110, 20, 250, 180], fill=(230, 190, 160))
    draw.rectangle([60, 190, 300, 520], fill=(30, 40, 60))
    draw.polygon([(180, 190), (160, 260), (200, 260)], fill=(200, 20, 20))
    figure.save(work / "figure.png")
    still = ["-loop", "1", "-framerate", str(FPS), "-t", "40", "-i"]
    args = _ffmpeg() + still + [str(work / "backdrop.png")]
    args += still + [str(work / "figure.png")]
    args += [
        "-filter_complex",
        "[0:v][1:v]overlay=x='820+30*sin(t*0.9)':y='200+8*sin(t*2.3)'",
    ]
    return _original(args, work / "talking_head.mp4")


def screen(work: Path) -> Path:
    from PIL import Image, ImageDraw

    document = Image.new("RGB", (WIDTH, HEIGHT * 4), (255, 255, 255))
    draw = ImageDraw.Draw(document)
    for y in range(20, HEIGHT * 4 - 40, 34):
        text = (
            f"{PHRASES[(y // 34) % len(PHRASES)]}，"
            f"{PHRASES[(y // 17) % len(PHRASES)]}，要求各级党组织认真落实。"
        )
        draw.text((80, y), text, font=_font(20), fill=(20, 20, 20))
    document.save(work / "document.png")
    scroll = "150*floor(t/5)+150*min(1\\,mod(t\\,5))"
    args = _ffmpeg() + ["-i", str(work / "document.png")]
    args += [
        "-filter_complex",
        f"loop=loop={40 * FPS}:size=1:start=0,setpts=N/{FPS}/TB,"
        f"crop={WIDTH}:{HEIGHT}:0:'{scroll}',trim=duration=40",
    ]
    return _original(args, work / "screen.mp4")


def high_motion(work: Path) -> Path:
    args = _ffmpeg() + [
        "-f",
        "lavfi",
        "-i",
        f"mandelbrot=size=640x360:rate={FPS}:start_scale=3:end_scale=0.3,"
        f"scale={WIDTH}:{HEIGHT}",
        "-t",
        "20",
    ]
    return _original(args, work / "high_motion.mp4")


def encode(source: Path, out: Path, rate_control: str):
    """The pipeline's one-pass ladder of ``source`` with ``rate_control``; the plan."""
    from media_pipeline.probe import probe_file
    from media_pipeline.transcode import (
        build_command,
        out_dir_prepare,
        plan_ladder,
        run_ffmpeg,
    )

    probe = probe_file(source)
    plan = replace(plan_ladder(probe), rate_control=rate_control)
    out_dir_prepare(plan, out)
    args = build_command(
        source=source,
        demuxer=probe.demuxer,
        plan=plan,
        out_dir=out,
        progress=False,
        images=False,
    )
    run_ffmpeg(args, duration=probe.duration)
    return plan


def rung_ssim(source: Path, out: Path, rungs) -> dict[str, float]:
    """SSIM ("All", averaged over frames) of every rung in ``out`` against
    ``source`` scaled to the rung, in one ffmpeg run."""
    args = _ffmpeg() + ["-i", str(source)]
    for rung in rungs:
        args += ["-i", str(out / rung.playlist)]
    graph = [
        f"[0:v]setpts=PTS-STARTPTS,split={len(rungs)}"
        + "".join(f"[r{i}]" for i in range(len(rungs)))
    ]
    for i, rung in enumerate(rungs):
        stats = out / f"ssim-{rung.name}.log"
        graph.append(f"[r{i}]scale={rung.width}:{rung.height},setsar=1[s{i}]")
        graph.append(f"[{i + 1}:v]setpts=PTS-STARTPTS,setsar=1[m{i}]")
        graph.append(f"[m{i}][s{i}]ssim=stats_file={stats}[o{i}]")
    args += ["-filter_complex", ";".join(graph)]
    for i in range(len(rungs)):
        args += ["-map", f"[o{i}]", "-f", "null", "-"]
    subprocess.run(args, check=True)
    result = {}
    for rung in rungs:
        values = [
            float(field.split(":")[1])
            for line in (out / f"ssim-{rung.name}.log").read_text().splitlines()
            for field in line.split()
            if field.startswith("All:")
        ]
        result[rung.name] = sum(values) / len(values)
    return result


def bytes_per_minute(folder: Path, seconds: float) -> int:
    return int(sum(p.stat().st_size for p in folder.glob("*.ts")) * 60 / seconds)


def measure(source: Path, work: Path) -> dict:
    from media_pipeline.probe import probe_file

    seconds = probe_file(source).duration
    ladders = {}
    for label, rate_control in (("fixed", "abr"), ("new", "crf")):
        out = work / f"{source.stem}-{label}"
        plan = encode(source, out, rate_control)
        rungs = [r for r in plan.rungs if r.kind == "video"]
        ssim = rung_ssim(source, out, rungs)
        ladders[label] = {
            rung.name: {
                "bytes_per_min": bytes_per_minute(out / rung.name, seconds),
                "ssim": ssim[rung.name],
            }
            for rung in rungs
        }
    rows = {}
    for name, fixed in ladders["fixed"].items():
        new = ladders["new"][name]
        rows[name] = {
            "fixed_bytes_per_min": fixed["bytes_per_min"],
            "new_bytes_per_min": new["bytes_per_min"],
            "byte_ratio": round(new["bytes_per_min"] / fixed["bytes_per_min"], 3),
            "fixed_ssim": round(fixed["ssim"], 5),
            "new_ssim": round(new["ssim"], 5),
        }
    count = len(rows)
    return {
        "byte_ratio": round(sum(r["byte_ratio"] for r in rows.values()) / count, 3),
        "ssim_delta": round(
            sum(r["new_ssim"] - r["fixed_ssim"] for r in rows.values()) / count, 5
        ),
        "seconds": round(seconds, 1),
        "rungs": rows,
    }


SOURCES = {
    "slides": slides,
    "talking_head": talking_head,
    "screen": screen,
    "high_motion": high_motion,
}


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="bench-bitrate-") as tmp:
        work = Path(tmp)
        setup_django(work)
        from django.conf import settings

        steps = 2 * len(SOURCES)
        step = 0
        results = {}
        for name, make in SOURCES.items():
            progress(step, steps, f"{name}: drawing the original")
            source = make(work)
            step += 1
            progress(step, steps, f"{name}: fixed and new ladders, SSIM")
            results[name] = measure(source, work)
            step += 1
        progress(steps, steps, "done")
    line = {
        "bench": "bitrate",
        "crf": settings.MEDIA_X264_CRF,
        "cap_percent": settings.MEDIA_CRF_CAP_PERCENT,
        "preset": settings.MEDIA_X264_PRESET,
        "ladder": ",".join(f"{h}:{k}" for h, k in settings.MEDIA_LADDER),
        "sources": results,
    }
    print(json.dumps(line, ensure_ascii=False))


if __name__ == "__main__":
    main()

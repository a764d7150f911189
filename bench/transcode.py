"""Benchmark: our transcode pipeline against the bare ffmpeg command and a naive
one-run-per-rung encoder (as Open edX's video pipeline does).

Generates a 60 s 1280x720 25 fps clip with audio, then times
  (a) ours: probe + one-pass transcode + store locally + publish (``video_asset_process``),
  (b) bare: the identical single ffmpeg command, run directly (the same rate control
      as ours, ``MEDIA_RATE_CONTROL``: a CRF target capped at each rung's bitrate by
      default, so the ratio compares the pipeline around ffmpeg, not two encodings),
  (c) naive: one ffmpeg run per rung with the same settings (each decodes the source
      and encodes its own audio again), plus one run for the poster and sprite.
(a) and (b) run alternately three times; the best of each counts (shared, noisy machines).
Runs on a temporary SQLite database and MEDIA_ROOT; never touches var/.
Prints one JSON line last: ours_s, bare_s, naive_s (wall clock), ratio = ours/bare,
naive_ratio = naive/ours, and the same in CPU seconds (less sensitive to neighbours on
a shared machine).
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SECONDS = 60
SIZE = "1280x720"
ROUNDS = 3


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
            "MEDIA_ROOT": str(work / "media"),
            "MEDIA_WORK_DIR": str(work / "transcode"),
            "CELERY_TASK_ALWAYS_EAGER": "0",
            "LOG_LEVEL": "WARNING",
        }
    )
    os.environ.pop("AWS_STORAGE_BUCKET_NAME", None)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def make_clip(path: Path) -> None:
    from media_pipeline.clips import clip_generate

    clip_generate(path, seconds=SECONDS, size=SIZE, timeout=None)


def _cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def timed(run) -> tuple[float, float]:
    """Wall-clock and CPU seconds (this process and its finished children)."""
    started, cpu = time.perf_counter(), _cpu()
    run()
    return time.perf_counter() - started, _cpu() - cpu


def ours(clip: Path) -> tuple[float, float]:
    from django.core.files import File

    from media_pipeline.models import VideoAsset
    from media_pipeline.services import video_asset_process

    asset = VideoAsset(title="bench", size=clip.stat().st_size)
    with open(clip, "rb") as handle:
        asset.file.save("original", File(handle), save=False)
    asset.save()
    seconds = timed(lambda: video_asset_process(asset_id=asset.pk))
    asset.refresh_from_db()
    if asset.status != VideoAsset.Status.READY:
        raise SystemExit(f"pipeline failed: {asset.error}")
    return seconds


def bare(clip: Path, out: Path) -> tuple[float, float]:
    from media_pipeline.probe import probe_file
    from media_pipeline.transcode import (
        build_command,
        out_dir_prepare,
        plan_ladder,
        sprite_command,
    )

    result = probe_file(clip)
    plan = plan_ladder(result)
    out_dir_prepare(plan, out)
    args = build_command(
        source=clip, demuxer=result.demuxer, plan=plan, out_dir=out, progress=False
    )
    sprite = sprite_command(plan=plan, out_dir=out)
    return timed(lambda: [subprocess.run(cmd, check=True) for cmd in (args, sprite)])


def naive(clip: Path, out: Path) -> tuple[float, float]:
    """One ffmpeg process per rung with the same encoder settings, each decoding the
    whole source again, then one for the poster and sprite."""
    from dataclasses import replace

    from media_pipeline.probe import probe_file
    from media_pipeline.transcode import (
        build_command,
        out_dir_prepare,
        plan_ladder,
        sprite_command,
    )

    result = probe_file(clip)
    plan = plan_ladder(result)
    out_dir_prepare(plan, out)
    runs = []
    for rung in plan.rungs:
        runs.append(
            build_command(
                source=clip,
                demuxer=result.demuxer,
                plan=replace(plan, rungs=[rung]),
                out_dir=out,
                progress=False,
                images=False,
            )
        )
    runs.append(
        build_command(
            source=clip,
            demuxer=result.demuxer,
            plan=replace(plan, rungs=[]),
            out_dir=out,
            progress=False,
        )
    )
    runs.append(sprite_command(plan=plan, out_dir=out))
    return timed(lambda: [subprocess.run(args, check=True) for args in runs])


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="bench-transcode-") as tmp:
        work = Path(tmp)
        steps = 3 + 2 * ROUNDS
        progress(0, steps, "setting up a temporary database")
        setup_django(work)
        progress(1, steps, f"generating a {SECONDS} s {SIZE} clip")
        clip = work / "clip.mp4"
        make_clip(clip)
        # The machines are shared: alternate bare and ours, keep each one's best.
        bare_runs, ours_runs = [], []
        for round_ in range(ROUNDS):
            progress(2 + 2 * round_, steps, f"bare: one ffmpeg command ({round_ + 1})")
            bare_runs.append(bare(clip, work / f"bare-{round_}"))
            progress(3 + 2 * round_, steps, f"ours: probe..publish ({round_ + 1})")
            ours_runs.append(ours(clip))
        bare_s, ours_s = min(r[0] for r in bare_runs), min(r[0] for r in ours_runs)
        bare_cpu, ours_cpu = min(r[1] for r in bare_runs), min(r[1] for r in ours_runs)
        progress(steps - 1, steps, "naive: one ffmpeg run per rung")
        naive_s, naive_cpu = naive(clip, work / "naive")
        progress(steps, steps, "done")
    from django.conf import settings

    print(
        json.dumps(
            {
                "bench": "transcode",
                "rate_control": settings.MEDIA_RATE_CONTROL,
                "ours_s": round(ours_s, 2),
                "bare_s": round(bare_s, 2),
                "naive_s": round(naive_s, 2),
                "ratio": round(ours_s / bare_s, 3),
                "naive_ratio": round(naive_s / ours_s, 3),
                "ours_cpu_s": round(ours_cpu, 2),
                "bare_cpu_s": round(bare_cpu, 2),
                "naive_cpu_s": round(naive_cpu, 2),
                "cpu_ratio": round(ours_cpu / bare_cpu, 3),
                "cpu_naive_ratio": round(naive_cpu / ours_cpu, 3),
            }
        )
    )


if __name__ == "__main__":
    main()

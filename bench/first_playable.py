"""Benchmark: how soon a reviewer can play a fresh upload, against the full publish.

Generates a 10-minute 1280x720 25 fps clip with audio, stores it as a lecturer's
upload (the end of the upload starts the clock), then runs the pipeline (probe, one
ffmpeg for the whole ladder, store, publish) in a thread while the uploader polls the
API the way the admin's player does: ``GET /api/v3/media/assets/<id>/`` for the
``preview_url``, the preview playlist, and its first segment. Measured in the same run:
  first_playable_s: end of upload → the first preview segment fetched whole,
  published_s:      end of upload → the ladder published for members,
  ratio = first_playable_s / published_s (target ≤ 0.1).
Runs on a temporary SQLite database and MEDIA_ROOT (local storage); never touches var/.
The generated clip is kept in the system's temporary folder (``dangke-bench/``) and
reused by the next run: making it costs more than half a run on a busy machine.
Prints one JSON line last.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import progress  # noqa: E402

SECONDS = 600
SIZE = "1280x720"
POLL_SECONDS = 0.2


def setup_django(work: Path) -> None:
    from bench.transcode import setup_django as sqlite_django

    sqlite_django(work)  # a temporary SQLite database and MEDIA_ROOT, migrated
    from django.test.utils import setup_test_environment

    setup_test_environment()  # the test client's host is allowed


def _uris(text: str) -> list[str]:
    return [line for line in text.splitlines() if line and not line.startswith("#")]


def first_segment_playable(client, asset_id: int) -> bool:
    """What the admin's player does: the state, the preview playlist, a segment."""
    state = client.get(f"/api/v3/media/assets/{asset_id}/")
    url = state.status_code == 200 and state.json().get("preview_url")
    if not url:
        return False
    playlist = client.get(url)
    segments = _uris(playlist.content.decode()) if playlist.status_code == 200 else []
    if not segments:
        return False
    segment = client.get(segments[0])
    if segment.status_code != 200:
        return False
    data = b"".join(segment.streaming_content)
    return data[:1] == b"\x47" and len(data) > 0


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="bench-first-playable-") as tmp:
        work = Path(tmp)
        steps = 4
        progress("setting up a temporary database", 0, steps)
        setup_django(work)
        from django.contrib.auth import get_user_model
        from django.core.files import File
        from django.db import connection
        from django.test import Client

        from media_pipeline.clips import clip_generate
        from media_pipeline.models import VideoAsset
        from media_pipeline.services import video_asset_process

        progress(f"generating a {SECONDS} s {SIZE} clip", 1, steps)
        cache = Path(tempfile.gettempdir()) / "dangke-bench"
        cached = cache / f"first-playable-{SECONDS}s-{SIZE}.mp4"
        if not cached.exists():
            cache.mkdir(exist_ok=True)
            partial = cache / f".{cached.name}.{os.getpid()}.mp4"
            clip_generate(
                partial, seconds=SECONDS, size=SIZE, preset="ultrafast", timeout=None
            )
            partial.replace(cached)
        clip = work / "upload.mp4"
        shutil.copyfile(cached, clip)
        lecturer = get_user_model().objects.create_user("bench-lecturer", "x")
        client = Client()
        client.force_login(lecturer)

        progress("uploading", 2, steps)
        asset = VideoAsset(
            title="bench", uploaded_by=lecturer, size=clip.stat().st_size
        )
        with open(clip, "rb") as handle:
            asset.file.save("original", File(handle), save=False)
        asset.save()
        uploaded = time.perf_counter()  # the end of the upload

        done: dict[str, float] = {}

        def process() -> None:
            try:
                video_asset_process(asset_id=asset.pk)
                done["published"] = time.perf_counter() - uploaded
            finally:
                connection.close()

        worker = threading.Thread(target=process, name="pipeline")
        worker.start()
        progress("waiting for the first playable segment", 3, steps)
        first_playable = None
        while worker.is_alive():
            if first_segment_playable(client, asset.pk):
                first_playable = time.perf_counter() - uploaded
                break
            time.sleep(POLL_SECONDS)
        progress("waiting for the publish", 3, steps)
        worker.join()
        asset.refresh_from_db()
        if asset.status != VideoAsset.Status.READY:
            raise SystemExit(f"pipeline failed: {asset.error}")
        if first_playable is None:
            raise SystemExit("no preview segment was playable before the publish")
        published = done["published"]
        progress("done", steps, steps)
    print(
        json.dumps(
            {
                "bench": "first_playable",
                "clip": f"{SECONDS} s {SIZE}",
                "first_playable_s": round(first_playable, 2),
                "published_s": round(published, 2),
                "ratio": round(first_playable / published, 4),
            }
        )
    )


if __name__ == "__main__":
    main()

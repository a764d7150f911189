"""Crash safety with a real Celery worker on a Redis broker.

The worker is killed with SIGKILL in the middle of a transcode; a second worker gets
the unacknowledged task again (acks_late + the broker's visibility timeout), waits
out the dead run's lease, and publishes exactly one rendition set.

The worker process must reach the test's database. On PostgreSQL it uses the test
database itself (this test commits, ``transaction=True``). pytest-django's SQLite test
database lives in memory, so on SQLite the test copies it to a file with SQLite's
backup API, lets the workers use that file, and copies it back before asserting.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from media_pipeline import storage as media_storage
from media_pipeline.models import Rendition, VideoAsset

pytestmark = [pytest.mark.slow, pytest.mark.redis]

ROOT = Path(__file__).resolve().parents[2]
WAIT_SECONDS = 180


class WorkerDatabase:
    """Where the worker finds the test's data, and how the test reads it back."""

    def __init__(self, folder: Path):
        self.file: Path | None = None
        if connection.vendor == "sqlite":
            self.file = folder / "worker.sqlite3"
            connection.ensure_connection()
            target = sqlite3.connect(self.file)
            connection.connection.backup(target)
            target.close()
            self.url = f"sqlite:///{self.file}"
        else:
            db = connection.settings_dict
            auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
            self.url = f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"

    def state(self, asset_id: int) -> tuple[str, int]:
        sql = "SELECT status, progress FROM media_pipeline_videoasset WHERE id = "
        if self.file is None:
            with connection.cursor() as cursor:
                cursor.execute(sql + "%s", [asset_id])
                return cursor.fetchone()
        with sqlite3.connect(self.file, timeout=20) as reader:
            return reader.execute(sql + "?", [asset_id]).fetchone()

    def bring_back(self) -> None:
        if self.file is not None:
            source = sqlite3.connect(self.file)
            source.backup(connection.connection)
            source.close()


def _start_worker(env: dict, log: Path) -> subprocess.Popen:
    handle = open(log, "ab")  # noqa: SIM115 - closed with the process
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "dangke",
            "worker",
            "-Q",
            "media",
            "--pool",
            "solo",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "--loglevel",
            "INFO",
        ],
        cwd=ROOT,
        env=env,
        stdout=handle,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: SIGKILL reaches ffmpeg too
    )


def _kill(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=30)


def _wait(predicate, what: str, logs: list[Path]):
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    tail = "\n".join(p.read_text(errors="replace")[-3000:] for p in logs if p.exists())
    pytest.fail(f"timed out after {WAIT_SECONDS}s waiting for {what}\n{tail}")


@pytest.mark.django_db(transaction=True)
def test_worker_killed_mid_transcode_another_finishes(
    redis_url, clips, asset_from, tmp_path
):
    import redis
    from celery import Celery

    # Start from an empty "media" queue (only this broker's keys for it, not the db).
    redis.Redis.from_url(redis_url).delete("media", "unacked", "unacked_index")
    # Long enough at a slow preset that the kill lands while ffmpeg runs.
    asset = asset_from(clips.video(seconds=30.0, size="640x360"))
    database = WorkerDatabase(tmp_path)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "dangke.settings",
        "DATABASE_URL": database.url,
        "CELERY_BROKER_URL": redis_url,
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "CELERY_VISIBILITY_TIMEOUT": "3",
        "DANGKE_VAR_DIR": str(tmp_path / "var"),
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "MEDIA_WORK_DIR": str(tmp_path / "work"),
        "MEDIA_UPLOAD_DIR": str(tmp_path / "uploads"),
        "MEDIA_LADDER": "360:800",
        "MEDIA_X264_PRESET": "medium",
        "MEDIA_LEASE_SECONDS": "3",
        "MEDIA_RETRY_BACKOFF": "1",
        "SECRET_KEY": "crash-test",
    }
    logs = [tmp_path / "worker-a.log", tmp_path / "worker-b.log"]
    sender = Celery("crash-test", broker=redis_url)
    first = _start_worker(env, logs[0])
    second = None
    try:
        sender.send_task(
            "media_pipeline.tasks.video_asset_probe_task",
            args=[asset.pk],
            queue="media",
        )
        status, progress = _wait(
            lambda: (
                (s := database.state(asset.pk))
                and s[0] == "transcoding"
                and s[1] >= 3
                and s
            ),
            "the first worker to be transcoding",
            logs,
        )
        _kill(first)
        assert database.state(asset.pk)[0] == "transcoding"  # killed mid-run

        second = _start_worker(env, logs[1])
        _wait(
            lambda: database.state(asset.pk)[0] in ("ready", "failed"),
            "the second worker to finish",
            logs,
        )
    finally:
        for process in (first, second):
            if process is not None:
                _kill(process)
        sender.close()

    database.bring_back()
    asset = VideoAsset.objects.get(pk=asset.pk)
    assert asset.status == VideoAsset.Status.READY, asset.error
    assert asset.published_version >= 2  # the killed run's version was abandoned
    renditions = Rendition.objects.filter(asset=asset)
    assert sorted(renditions.values_list("name", flat=True)) == ["360p", "audio"]
    assert set(renditions.values_list("version", flat=True)) == {
        asset.published_version
    }
    assert media_storage.stored_versions(asset.pk) == [asset.published_version]
    assert not list((tmp_path / "work").glob(f"asset-{asset.pk}-*"))

"""Crash and duplicate safety with real Celery workers on a Redis broker.

Each run reprocesses an asset whose version 1 is published, and must end with one
published rendition set, version 1 playing meanwhile, and no partial version or
preview prefix left behind:

- a worker is killed with SIGKILL in the middle of a transcode; a second worker gets
  the unacknowledged task again (acks_late + the broker's visibility timeout), waits
  out the dead run's lease, and publishes;
- every task is delivered twice to two workers at once (heavy): the lease lets one
  run transcode, the duplicates find the asset ready;
- the S3 server stops halfway through the renditions' upload (heavy): the run fails
  as transient, the retry after the server is back removes the partial output and
  publishes.

The worker process must reach the test's database. On PostgreSQL it uses the test
database itself (this test commits, ``transaction=True``). pytest-django's SQLite test
database lives in memory, so on SQLite the test copies it to a file with SQLite's
backup API, lets the workers use that file, and copies it back before asserting.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from bench.common import free_port
from media_pipeline import storage as media_storage
from media_pipeline.models import Rendition, VideoAsset
from media_pipeline.services import video_asset_process

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

    def state(self, asset_id: int) -> tuple[str, int, int | None, str]:
        """The asset's (status, progress, published_version, error) as the workers
        left it."""
        sql = (
            "SELECT status, progress, published_version, error "
            "FROM media_pipeline_videoasset WHERE id = "
        )
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


def _published_once(asset_from, path: Path) -> VideoAsset:
    """An asset whose version 1 is published (in this process), then back to
    ``uploaded`` as "process again" leaves it (without queueing: the test sends the
    tasks to the workers itself)."""
    asset = video_asset_process(asset_id=asset_from(path).pk)
    assert asset.status == VideoAsset.Status.READY, asset.error
    assert asset.published_version == 1
    VideoAsset.objects.filter(pk=asset.pk).update(
        status=VideoAsset.Status.UPLOADED, error="", progress=0, attempts=0
    )
    return asset


def _worker_env(database: WorkerDatabase, redis_url: str, tmp_path: Path, **extra):
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "dangke.settings",
        "DATABASE_URL": database.url,
        "CELERY_BROKER_URL": redis_url,
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "CELERY_VISIBILITY_TIMEOUT": "5",  # above the lease's countdown (3 + 1 s)
        "DANGKE_VAR_DIR": str(tmp_path / "var"),
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "MEDIA_WORK_DIR": str(tmp_path / "work"),
        "MEDIA_UPLOAD_DIR": str(tmp_path / "uploads"),
        "MEDIA_LADDER": "360:800",
        "MEDIA_X264_PRESET": "medium",
        "MEDIA_LEASE_SECONDS": "3",
        "MEDIA_RETRY_BACKOFF": "1",
        "SECRET_KEY": "crash-test",
        **extra,
    }


def _empty_media_queue(redis_url: str) -> None:
    import redis

    # Only this broker's keys for the "media" queue, not the whole db.
    redis.Redis.from_url(redis_url).delete("media", "unacked", "unacked_index")


def _media_queue_idle(redis_url: str) -> bool:
    import redis

    client = redis.Redis.from_url(redis_url)
    return client.llen("media") == 0 and client.hlen("unacked") == 0


def _assert_one_published_set(
    asset_id: int, tmp_path: Path, names: list[str]
) -> VideoAsset:
    asset = VideoAsset.objects.get(pk=asset_id)
    assert asset.status == VideoAsset.Status.READY, asset.error
    renditions = Rendition.objects.filter(asset=asset)
    assert sorted(renditions.values_list("name", flat=True)) == names
    assert set(renditions.values_list("version", flat=True)) == {
        asset.published_version
    }
    assert media_storage.stored_versions(asset.pk) == [asset.published_version]
    assert not default_storage_has(media_storage.preview_root(asset.pk))
    assert not list((tmp_path / "work").glob(f"asset-{asset.pk}-*"))
    return asset


def default_storage_has(prefix: str) -> bool:
    from django.core.files.storage import default_storage

    local = media_storage.local_path(prefix)
    if local is not None:
        return local.exists()
    return bool(list(media_storage._walk(default_storage, prefix)))


def _version_one_intact(asset_id: int) -> bool:
    from django.core.files.storage import default_storage

    prefix = media_storage.version_prefix(asset_id, 1)
    return default_storage.exists(f"{prefix}/{media_storage.MASTER}") and (
        default_storage.exists(f"{prefix}/180p/seg_00000.ts")
    )


@pytest.mark.django_db(transaction=True)
def test_worker_killed_mid_transcode_another_finishes(
    redis_url, clips, asset_from, tmp_path
):
    from celery import Celery

    _empty_media_queue(redis_url)
    # Long enough at a slow preset that the kill lands while ffmpeg runs.
    asset = _published_once(asset_from, clips.video(seconds=30.0, size="640x360"))
    database = WorkerDatabase(tmp_path)
    env = _worker_env(database, redis_url, tmp_path)
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
        _wait(
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
        status, _, published, _ = database.state(asset.pk)
        assert status == "transcoding"  # killed mid-run
        assert published == 1 and _version_one_intact(asset.pk)  # still playing

        second = _start_worker(env, logs[1])
        # Finished: the state says so and the task is acknowledged (after the
        # previous version's files are removed, which follows the publish).
        _wait(
            lambda: (
                database.state(asset.pk)[0] in ("ready", "failed")
                and _media_queue_idle(redis_url)
            ),
            "the second worker to finish",
            logs,
        )
    finally:
        for process in (first, second):
            if process is not None:
                _kill(process)
        sender.close()

    database.bring_back()
    asset = _assert_one_published_set(asset.pk, tmp_path, ["360p", "audio"])
    assert asset.published_version >= 3  # the killed run's version 2 was abandoned


@pytest.mark.heavy
@pytest.mark.django_db(transaction=True)
def test_every_task_delivered_twice_transcodes_once(
    redis_url, clips, asset_from, tmp_path
):
    from celery import Celery

    _empty_media_queue(redis_url)
    asset = _published_once(asset_from, clips.video(seconds=20.0, size="640x360"))
    database = WorkerDatabase(tmp_path)
    # A lease long enough that a loaded machine never lets it lapse mid-run, and a
    # visibility timeout above the lease's retry countdown: a message waiting for
    # its countdown longer than that is delivered again by Redis (a third copy).
    env = _worker_env(
        database,
        redis_url,
        tmp_path,
        MEDIA_LEASE_SECONDS="10",
        MEDIA_X264_PRESET="fast",
        CELERY_VISIBILITY_TIMEOUT="60",
    )
    logs = [tmp_path / "worker-a.log", tmp_path / "worker-b.log"]
    sender = Celery("duplicate-test", broker=redis_url)
    workers = [_start_worker(env, log) for log in logs]
    seen_published: set[int | None] = set()
    try:
        for name in ("video_asset_probe_task", "video_asset_transcode_task"):
            for _ in range(2):
                sender.send_task(
                    f"media_pipeline.tasks.{name}", args=[asset.pk], queue="media"
                )

        def finished() -> bool:
            status, _, published, _ = database.state(asset.pk)
            seen_published.add(published)
            return status in ("ready", "failed") and _media_queue_idle(redis_url)

        _wait(finished, "both workers to run every delivery", logs)
    finally:
        for process in workers:
            _kill(process)
        sender.close()

    database.bring_back()
    assert seen_published <= {1, 2}  # version 1 played until 2 was published
    asset = _assert_one_published_set(asset.pk, tmp_path, ["360p", "audio"])
    assert asset.published_version == 2
    assert asset.last_version == 2  # one transcode for four deliveries


class StoppableS3:
    """A loopback TCP proxy in front of the S3 server, to stop "the S3 server" for
    the worker at an exact point: it goes down (every connection cut, new ones
    refused) just before forwarding the ``stop_at``-th request whose request line
    starts with ``trigger``, and comes back on the same port with ``start()``."""

    def __init__(self, target: str, *, trigger: bytes, stop_at: int):
        host, port = target.rsplit("//", 1)[1].split(":")
        self.target = (host, int(port))
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.trigger, self.stop_at, self.seen = trigger, stop_at, 0
        self.stopped = threading.Event()
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        self._listener: socket.socket | None = None

    def start(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self._listener = listener
        self.stopped.clear()
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def stop(self) -> None:
        with self._lock:
            self.stopped.set()
            if self._listener is not None:
                self._listener.close()
                self._listener = None
            for sock in self._sockets:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()
            self._sockets.clear()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.target)
            with self._lock:
                if self.stopped.is_set():
                    client.close()
                    upstream.close()
                    return
                self._sockets += [client, upstream]
            threading.Thread(
                target=self._pump, args=(client, upstream, True), daemon=True
            ).start()
            threading.Thread(
                target=self._pump, args=(upstream, client, False), daemon=True
            ).start()

    def _pump(self, source: socket.socket, sink: socket.socket, watch: bool) -> None:
        tail = b""
        try:
            while data := source.recv(65536):
                if watch:
                    window = tail + data
                    with self._lock:
                        before = self.seen
                        self.seen += window.count(self.trigger)
                        reached = before < self.stop_at <= self.seen
                    tail = window[-len(self.trigger) :]
                    if reached:
                        self.stop()
                        return
                sink.sendall(data)
        except OSError:
            return


@pytest.mark.heavy
@pytest.mark.django_db(transaction=True)
def test_s3_stopped_halfway_through_the_renditions(
    redis_url, clips, asset_from, tmp_path, s3_server, s3_storage
):
    from celery import Celery

    s3, bucket = s3_storage
    _empty_media_queue(redis_url)
    asset = _published_once(asset_from, clips.video(seconds=20.0, size="640x360"))
    database = WorkerDatabase(tmp_path)
    # The 5th object of version 2's renditions never arrives: the server is gone.
    proxy = StoppableS3(
        s3_server,
        trigger=f"PUT /{bucket}/assets/{asset.pk}/2/".encode(),
        stop_at=5,
    )
    proxy.start()
    env = _worker_env(
        database,
        redis_url,
        tmp_path,
        MEDIA_X264_PRESET="fast",
        MEDIA_RETRY_BACKOFF="2",
        MEDIA_MAX_ATTEMPTS="5",
        CELERY_VISIBILITY_TIMEOUT="20",  # above the longest backoff, 2 × 2³ s
        AWS_STORAGE_BUCKET_NAME=bucket,
        AWS_S3_ENDPOINT_URL=proxy.url,
        AWS_S3_REGION_NAME="us-east-1",
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_RETRY_MODE="standard",
        AWS_MAX_ATTEMPTS="2",
    )

    def keys(prefix: str) -> list[str]:
        listing = s3.list_objects_v2(Bucket=bucket, Prefix=prefix)
        return [item["Key"] for item in listing.get("Contents", [])]

    logs = [tmp_path / "worker.log"]
    sender = Celery("s3-stop-test", broker=redis_url)
    worker = _start_worker(env, logs[0])
    try:
        sender.send_task(
            "media_pipeline.tasks.video_asset_probe_task",
            args=[asset.pk],
            queue="media",
        )
        _wait(proxy.stopped.is_set, "the upload to reach the 5th rendition", logs)
        status, _, published, error = _wait(
            lambda: (
                (s := database.state(asset.pk))
                and s[0] == "probed"
                and "第 1 次处理失败" in s[3]
                and s
            ),
            "the run to fail as transient",
            logs,
        )
        # Halfway: part of version 2 is stored, version 1 still published and whole.
        assert published == 1
        assert len(keys(f"assets/{asset.pk}/2/")) == 4
        assert f"assets/{asset.pk}/1/{media_storage.MASTER}" in keys(
            f"assets/{asset.pk}/1/"
        )
        proxy.start()  # the server is back; the retry follows
        _wait(
            lambda: (
                database.state(asset.pk)[0] in ("ready", "failed")
                and _media_queue_idle(redis_url)
            ),
            "the retry to publish",
            logs,
        )
    finally:
        _kill(worker)
        sender.close()
        proxy.stop()

    database.bring_back()
    asset = _assert_one_published_set(asset.pk, tmp_path, ["360p", "audio"])
    assert asset.published_version == 3
    stored = keys(f"assets/{asset.pk}/")
    assert stored and all(k.startswith(f"assets/{asset.pk}/3/") for k in stored)

"""A 2 GiB tus upload over loopback, interrupted twice, completes with a matching
checksum while the server's memory stays flat (issue 12, B4).

gunicorn serves the project (one sync worker) against this test's PostgreSQL
database. The client generates the 2 GiB on the fly, one 1 MiB block at a time
(never the whole file in memory, never a file on disk), and sends it as tus PATCHes
of 512 MiB over raw HTTP so it can break them off: once by closing its side cleanly
(the server reads a short body) and once by resetting the connection (the server's
read fails). After each break it asks the server where to resume (HEAD). The worker's
peak resident memory (``VmHWM`` in ``/proc/<pid>/status``) is read after a small
warm-up upload, after the first break and at the end; it must stay under a fixed
ceiling and not grow with the bytes received.
"""

from __future__ import annotations

import hashlib
import http.client
import os
import random
import shutil
import socket
import struct
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.db import connection

from bench.common import gunicorn_start, gunicorn_wait
from media_pipeline.models import VideoAsset
from tests.services import postgres_only

pytestmark = [pytest.mark.heavy, pytest.mark.django_db(transaction=True)]

MIB = 1024 * 1024
SIZE = 2 * 1024 * MIB
BLOCK = MIB
PATCH_BYTES = 512 * MIB
# The worker's peak may rise by this much above its warmed-up peak, at most; the
# upload is 2048 MiB, so a server that buffered bodies would be far above it.
GROWTH_CEILING_MIB = 64
_BASE = random.Random(20261121).randbytes(BLOCK)  # noqa: S311 - test data


def _block(index: int) -> bytes:
    """Block ``index`` of the generated file: distinct, reproducible bytes."""
    return struct.pack(">Q", index) + _BASE[8:]


def _content(start: int, end: int):
    """The generated file's bytes ``start`` to ``end``, in pieces of at most 1 MiB."""
    position = start
    while position < end:
        index, skip = divmod(position, BLOCK)
        piece = _block(index)[skip : skip + end - position]
        position += len(piece)
        yield piece


def _database_url() -> str:
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    host = f"{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
    return f"postgres://{auth}@{host}/{db['NAME']}"


def _worker_pid(master: int) -> int:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
        if children:
            return int(children[0])
        time.sleep(0.1)
    raise AssertionError("gunicorn started no worker")


def _peak_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmHWM in /proc status")


class TusClient:
    """Raw tus requests against the server on ``port``."""

    def __init__(self, port: int, token: str):
        self.port = port
        self.headers = {"Authorization": f"Bearer {token}", "Tus-Resumable": "1.0.0"}

    def _connection(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=300)

    def create(self, length: int) -> str:
        conn = self._connection()
        conn.request(
            "POST",
            "/api/v3/media/uploads/",
            headers={**self.headers, "Upload-Length": str(length)},
        )
        answer = conn.getresponse()
        body = answer.read()
        assert answer.status == 201, (answer.status, body)
        conn.close()
        return urlsplit(answer.getheader("Location")).path

    def offset(self, path: str) -> int:
        conn = self._connection()
        conn.request("HEAD", path, headers=self.headers)
        answer = conn.getresponse()
        answer.read()
        conn.close()
        assert answer.status == 200, answer.status
        return int(answer.getheader("Upload-Offset"))

    def patch(
        self, path: str, offset: int, length: int, *, cut: str = "", digest=None
    ) -> dict:
        """Send ``length`` bytes from ``offset`` (hashed into ``digest`` as they go);
        with ``cut`` ("close" or "reset"), break off after a quarter of them and return
        {} instead of the answer."""
        conn = self._connection()
        conn.putrequest("PATCH", path, skip_accept_encoding=True)
        headers = {
            **self.headers,
            "Content-Type": "application/offset+octet-stream",
            "Content-Length": str(length),
            "Upload-Offset": str(offset),
        }
        for name, value in headers.items():
            conn.putheader(name, value)
        conn.endheaders()
        stop = offset + (length // 4 if cut else length)
        for piece in _content(offset, stop):
            conn.sock.sendall(piece)
            if digest is not None:
                digest.update(piece)
        if cut == "close":
            conn.sock.shutdown(socket.SHUT_WR)  # a clean end of a short body
            conn.sock.recv(65536)  # wait for the server's answer, whatever it is
        elif cut == "reset":
            time.sleep(0.5)  # let the server read what was sent
            conn.sock.setsockopt(
                socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
            )
        if cut:
            conn.sock.close()
            return {}
        answer = conn.getresponse()
        answer.read()
        conn.close()
        assert answer.status == 204, answer.status
        return dict(answer.getheaders())


@pytest.fixture
def upload_server(tmp_path, lecturer_user, token_for):
    postgres_only(
        "the 2 GiB tus test serves the project from PostgreSQL", ci_fails=True
    )
    free = shutil.disk_usage(tmp_path).free
    if free < 6 * 1024 * MIB:
        pytest.fail(f"needs 6 GiB free under {tmp_path}, has {free // MIB} MiB")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "dangke.settings",
        "DATABASE_URL": _database_url(),
        "DEBUG": "0",
        "SECRET_KEY": settings.SECRET_KEY,  # API token digests depend on it
        "SECURE_SSL_REDIRECT": "0",
        "CELERY_BROKER_URL": "memory://",
        "DANGKE_VAR_DIR": str(tmp_path / "var"),
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "MEDIA_UPLOAD_DIR": str(settings.MEDIA_UPLOAD_DIR),
        "MEDIA_WORK_DIR": str(tmp_path / "work"),
        "LOG_LEVEL": "ERROR",
    }
    server, port = gunicorn_start(env=env, timeout=300, log_level="error")
    try:
        gunicorn_wait(server, port)
        yield TusClient(port, token_for(lecturer_user)), _worker_pid(server.pid)
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(settings.MEDIA_ROOT, ignore_errors=True)
        shutil.rmtree(settings.MEDIA_UPLOAD_DIR, ignore_errors=True)


def test_two_gib_upload_interrupted_twice_completes_with_flat_memory(upload_server):
    client, worker = upload_server
    started = time.monotonic()
    # Warm-up: a small upload through every step (receive, finish, store).
    small = client.create(MIB)
    assert "Upload-Asset-Id" in {
        key.title() for key in client.patch(small, 0, MIB).keys()
    }
    warm = _peak_mib(worker)

    path = client.create(SIZE)
    # The SHA-256 of the bytes the server has confirmed; each PATCH hashes what it
    # sends into a copy, taken when the server confirms all of it.
    digest, confirmed = hashlib.sha256(), 0

    def send(length: int, cut: str = "") -> dict:
        nonlocal digest, confirmed
        sending = digest.copy()
        answer = client.patch(path, confirmed, length, cut=cut, digest=sending)
        sent = confirmed + (length // 4 if cut else length)
        offset = client.offset(path) if cut else int(answer["Upload-Offset"])
        assert confirmed <= offset <= sent  # nothing received before is ever lost
        if offset == sent:
            digest = sending
        else:
            for piece in _content(confirmed, offset):
                digest.update(piece)
        confirmed = offset
        return answer

    send(PATCH_BYTES, cut="close")  # break 1: a clean end of a short body
    assert confirmed == PATCH_BYTES // 4, "a clean short body is kept whole"
    after_first = _peak_mib(worker)
    send(PATCH_BYTES, cut="reset")  # break 2: a reset connection
    assert confirmed > PATCH_BYTES // 4
    while confirmed + PATCH_BYTES < SIZE:
        send(PATCH_BYTES)
    last_patch = time.monotonic()
    answer = send(SIZE - confirmed)
    asset = VideoAsset.objects.get(pk=int(answer["Upload-Asset-Id"]))
    final = _peak_mib(worker)
    seconds = time.monotonic() - started

    # The server's SHA-256 of what it stored is the client's of what it meant.
    assert asset.size == SIZE and asset.checksum == digest.hexdigest()
    assert asset.file.storage.size(asset.file.name) == SIZE
    with asset.file.open("rb") as handle:
        handle.seek(SIZE - MIB)
        assert handle.read() == b"".join(_content(SIZE - MIB, SIZE))
    assert not list(Path(settings.MEDIA_UPLOAD_DIR).glob("*.part"))
    print(
        f"\n2 GiB tus upload, 2 breaks: {seconds:.1f} s (last PATCH with the "
        f"finish {time.monotonic() - last_patch:.1f} s); worker peak RSS "
        f"{warm:.0f} MiB warmed up, {after_first:.0f} MiB after 128 MiB, "
        f"{final:.0f} MiB after 2048 MiB"
    )
    assert final - warm < GROWTH_CEILING_MIB, (warm, final)
    assert final - after_first < GROWTH_CEILING_MIB / 2, (after_first, final)

"""A lecture for sub-district S1's subtree (member in branch B1 is in its audience,
``outsider`` in B2 is not), the S1 administrator who schedules it, and a helper
that lets nginx's callbacks through."""

from __future__ import annotations

import socket
import subprocess
import time
from datetime import timedelta

import pytest
from django.utils import timezone

from broadcasts import services
from broadcasts.nginx import nginx_binary, nginx_conf_write, nginx_rtmp_problem
from tests import factories
from tests.services import in_ci


@pytest.fixture
def people(tree, member):
    return {
        "member": member,
        "colleague": factories.member(
            organisation=tree["branch1"], username="colleague"
        ),
        "outsider": factories.member(organisation=tree["branch2"], username="outsider"),
        "admin": factories.org_admin(organisation=tree["sub1"], username="s1_admin"),
        "other_admin": factories.org_admin(
            organisation=tree["sub2"], username="s2_admin"
        ),
    }


@pytest.fixture
def lecture(people, tree):
    return services.lecture_schedule(
        user=people["admin"],
        title="灯塔大课堂：学习贯彻党的二十届四中全会精神",
        organisation_code=tree["sub1"].code,
        starts_at=timezone.now() + timedelta(minutes=10),
        expected_minutes=30,
        attendance_percent=50,
    )


def go_live(lecture, now=None):
    """nginx accepted the lecture's publisher (as its callback would)."""
    return services.publish_authorise(
        stream_name=lecture.stream_key, client_id="7", now=now
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def require_nginx_rtmp() -> None:
    """Skip (fail with CI=true) unless nginx and its RTMP module are installed."""
    problem = nginx_rtmp_problem()
    if problem:
        if in_ci():
            pytest.fail(f"CI=true but {problem}")
        pytest.skip(problem)


@pytest.fixture
def rtmp(live_server, tmp_path, settings, ffmpeg_binaries):
    """nginx-rtmp on a free loopback port, calling back the live server; HLS and
    recordings under ``tmp_path``. Yields ``publish(key, seconds)`` which starts
    ffmpeg pushing ``testsrc`` (as OBS would) and returns the process."""
    require_nginx_rtmp()
    settings.BROADCASTS_HLS_DIR = tmp_path / "hls"
    settings.BROADCASTS_RECORD_DIR = tmp_path / "rec"
    port = free_port()
    conf = nginx_conf_write(
        rtmp_port=port,
        platform_url=live_server.url,
        work_dir=tmp_path,
        hls_dir=settings.BROADCASTS_HLS_DIR,
        record_dir=settings.BROADCASTS_RECORD_DIR,
    )
    server = subprocess.Popen(
        [nginx_binary(), "-c", str(conf), "-p", str(tmp_path)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 10
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                pytest.fail(f"nginx-rtmp did not start: {server.stderr.read()!r}")
            time.sleep(0.1)
    pushers: list[subprocess.Popen] = []

    def publish(key: str, seconds: float = 6) -> subprocess.Popen:
        process = subprocess.Popen(
            [
                "ffmpeg",
                "-hide_banner",
                "-loglevel",
                "error",
                "-re",
                "-f",
                "lavfi",
                "-i",
                "testsrc=size=320x180:rate=15",
                "-f",
                "lavfi",
                "-i",
                "sine=frequency=440:sample_rate=44100",
                "-t",
                str(seconds),
                "-c:v",
                "libx264",
                "-preset",
                "ultrafast",
                "-tune",
                "zerolatency",
                "-g",
                "15",
                "-pix_fmt",
                "yuv420p",
                "-c:a",
                "aac",
                "-b:a",
                "48k",
                "-f",
                "flv",
                f"rtmp://127.0.0.1:{port}/live/{key}",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        pushers.append(process)
        return process

    publish.port = port
    yield publish
    for process in pushers:
        if process.poll() is None:
            process.kill()
        process.wait()
    # nginx's publish-done callback for a killed pusher must finish before the
    # test database is flushed.
    time.sleep(1)
    server.terminate()
    try:
        server.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.kill()


def wait_for(condition, timeout: float = 20, step: float = 0.2):
    """Poll ``condition()`` until it returns something truthy; fail on timeout."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(step)
    pytest.fail(
        f"timed out after {timeout} s waiting for {condition.__doc__ or condition}"
    )

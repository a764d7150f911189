"""What the benchmarks share (and the tests that serve the project over HTTP): a
progress line, a free loopback port, the one gunicorn launcher, a PostgreSQL admin
connection for their throwaway databases, and the bare authenticated view their
baselines call."""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from dangke.progress import progress_line


def progress(label: str, done: int, total: int) -> None:
    """The benchmark's progress bar, on standard error (the JSON line goes to
    standard output)."""
    progress_line(done, total, label, sys.stderr)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


ROOT = Path(__file__).resolve().parent.parent


def gunicorn_start(
    app: str = "dangke.wsgi:application",
    *,
    env: dict[str, str],
    workers: int = 1,
    threads: int = 1,
    timeout: int = 30,
    log_level: str = "warning",
    extra: tuple[str, ...] = (),
) -> tuple[subprocess.Popen, int]:
    """The one way the benchmarks and the tests start gunicorn: serving ``app``
    (``module:name``) from the project's folder on a free loopback port with
    ``env`` (``ALLOWED_HOSTS`` defaults to the loopback address). Returns the
    process and the port without waiting: ``gunicorn_wait``, then ``terminate``;
    ``gunicorn_served`` does all three."""
    port = free_port()
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            f"--bind=127.0.0.1:{port}",
            f"--workers={workers}",
            f"--threads={threads}",
            f"--timeout={timeout}",
            f"--log-level={log_level}",
            *extra,
            app,
        ],
        cwd=ROOT,
        env={"ALLOWED_HOSTS": "127.0.0.1", **env},
    )
    return server, port


def gunicorn_wait(
    server: subprocess.Popen,
    port: int,
    *,
    path: str | None = None,
    seconds: float = 180,
) -> None:
    """Return once the server on ``port`` accepts connections (or, with ``path``,
    answers ``GET path`` at all); raise if it exited or ``seconds`` passed (and
    then kill it)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if path is None:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
            else:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                conn.request("GET", path)
                conn.getresponse().read()
            return
        except OSError:
            if server.poll() is not None:
                raise RuntimeError(
                    f"gunicorn exited with {server.returncode}"
                ) from None
            time.sleep(0.2)
    server.kill()
    raise RuntimeError(f"gunicorn did not answer on port {port} within {seconds} s")


@contextmanager
def gunicorn_served(
    app: str,
    *,
    env: dict[str, str],
    ready_path: str | None = None,
    seconds: float = 300,
    **options,
) -> Iterator[int]:
    """gunicorn serving ``app`` (``gunicorn_start``'s ``options``) until the block
    ends; the block starts once ``gunicorn_wait`` saw it ready."""
    server, port = gunicorn_start(app, env=env, **options)
    try:
        gunicorn_wait(server, port, path=ready_path, seconds=seconds)
        yield port
    finally:
        server.terminate()
        server.wait(timeout=30)


def admin_execute(admin_url: str, sql: str) -> None:
    """Run ``sql`` (CREATE/DROP DATABASE) outside a transaction."""
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(sql)


BARE_PATH = "/bench/bare"


def application_with_bare_view():
    """The project's WSGI application (for gunicorn, in the served process) plus the
    baseline at ``BARE_PATH``: authenticate the bearer token, parse the JSON body,
    answer JSON; nothing else."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dangke.settings")
    django.setup()
    from django.conf import settings
    from django.core.wsgi import get_wsgi_application
    from django.http import JsonResponse
    from django.urls import path
    from django.views.decorators.csrf import csrf_exempt
    from wagtail.api.v3.auth import BearerTokenAuth

    import dangke.urls

    auth = BearerTokenAuth()

    @csrf_exempt
    def bare_view(request):
        if request.method == "GET":  # the readiness probe (``gunicorn_wait``)
            return JsonResponse({"ok": True})
        header = request.headers.get("Authorization", "")
        token = header.removeprefix("Bearer ").strip()
        if not token or auth.authenticate(request, token) is None:
            return JsonResponse({"detail": "unauthorised"}, status=401)
        body = json.loads(request.body or b"{}")
        return JsonResponse({"ok": True, "fields": len(body)})

    global urlpatterns
    urlpatterns = [path(BARE_PATH.lstrip("/"), bare_view), *dangke.urls.urlpatterns]
    settings.ROOT_URLCONF = __name__
    return get_wsgi_application()

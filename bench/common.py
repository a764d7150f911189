"""What the benchmarks share: a progress line, a free loopback port, waiting for the
server they start, a PostgreSQL admin connection for their throwaway databases, and
the bare authenticated view their baselines call."""

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


def wait_until_up(
    port: int, *, path: str = "/api/v3/openapi.json", timeout: float = 120
) -> None:
    """Return once ``GET path`` on the loopback ``port`` answers at all."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", path)
            conn.getresponse().read()
            return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"the server did not answer on port {port} within {timeout} s")


@contextmanager
def gunicorn_served(
    app: str, *, env: dict[str, str], workers: int = 2, extra: tuple[str, ...] = ()
) -> Iterator[int]:
    """gunicorn serving ``app`` (``module:name``, built with
    ``application_with_bare_view``) on a free loopback port until the block ends."""
    port = free_port()
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            *("--bind", f"127.0.0.1:{port}", "--workers", str(workers)),
            *("--log-level", "warning", *extra, app),
        ],
        cwd=Path(__file__).resolve().parent.parent,
        env=env,
    )
    try:
        # The bare view answers a GET at once (the OpenAPI document may take
        # longer to build than a probe waits on a busy machine).
        wait_until_up(port, path=BARE_PATH, timeout=300)
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
        if request.method == "GET":  # the probe of ``gunicorn_served``
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

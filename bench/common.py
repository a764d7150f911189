"""What the benchmarks share: a progress line, a free loopback port, waiting for the
server they start, and a PostgreSQL admin connection for their throwaway databases."""

from __future__ import annotations

import http.client
import socket
import sys
import time

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


def admin_execute(admin_url: str, sql: str) -> None:
    """Run ``sql`` (CREATE/DROP DATABASE) outside a transaction."""
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(sql)

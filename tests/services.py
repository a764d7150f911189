"""Which external servers can the tests reach?

``python -m tests.services postgres`` exits 0 when PostgreSQL at ``TEST_DATABASE_URL``
answers, 1 otherwise (printing why). Used by ``make test`` to decide whether to run the
PostgreSQL pass; with ``CI=true`` a missing server is a failure there.
"""

from __future__ import annotations

import os
import socket
import sys
from urllib.parse import urlsplit

DEFAULT_TEST_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/test"
DEFAULT_TEST_REDIS_URL = "redis://127.0.0.1:6379/15"


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def database_url_for_tests() -> str:
    return os.environ.get("TEST_DATABASE_URL") or DEFAULT_TEST_DATABASE_URL


def redis_url_for_tests() -> str:
    return os.environ.get("TEST_REDIS_URL") or DEFAULT_TEST_REDIS_URL


def postgres_problem(url: str | None = None) -> str | None:
    """None when PostgreSQL answers at ``url``, else a sentence saying why not."""
    url = url or database_url_for_tests()
    try:
        import psycopg

        parts = urlsplit(url)
        with psycopg.connect(
            host=parts.hostname or "127.0.0.1",
            port=parts.port or 5432,
            user=parts.username or "postgres",
            password=parts.password or None,
            dbname=(parts.path or "/postgres").lstrip("/") or "postgres",
            connect_timeout=3,
        ) as conn:
            conn.execute("select 1")
    except Exception as exc:  # noqa: BLE001 - any failure means "not reachable"
        return f"PostgreSQL at {url} is not reachable: {exc}".strip()
    return None


def postgres_only(reason: str, *, ci_fails: bool = False) -> None:
    """Skip the calling test, saying ``reason``, unless the test database is
    PostgreSQL. With ``ci_fails`` (heavy tests, which run only in PostgreSQL passes)
    a CI run fails instead of skipping."""
    import pytest
    from django.db import connection

    if connection.vendor == "postgresql":
        return
    if ci_fails and in_ci():
        pytest.fail(f"CI=true but {reason}")
    pytest.skip(reason)


def redis_problem(url: str | None = None) -> str | None:
    """None when Redis answers PING at ``url``, else a sentence saying why not."""
    url = url or redis_url_for_tests()
    parts = urlsplit(url)
    try:
        with socket.create_connection(
            (parts.hostname or "127.0.0.1", parts.port or 6379), timeout=3
        ) as sock:
            sock.sendall(b"PING\r\n")
            if not sock.recv(64).startswith(b"+PONG"):
                return f"Redis at {url} did not answer PING"
    except OSError as exc:
        return f"Redis at {url} is not reachable: {exc}"
    return None


if __name__ == "__main__":
    checks = {"postgres": postgres_problem, "redis": redis_problem}
    problems = [checks[name]() for name in sys.argv[1:]]
    problems = [p for p in problems if p]
    for problem in problems:
        print(problem, file=sys.stderr)
    sys.exit(1 if problems else 0)

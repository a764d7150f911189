"""Readiness: can this process serve? Each dependency is checked and named with its
state: the database, the Celery broker, the file storage and (registered by the
search app) the search backend.

Every check runs in its own thread and the whole probe waits at most
``READYZ_TIMEOUT`` seconds; a check still running then is reported ``timeout``. The
network checks carry their own shorter timeouts as well, so an abandoned thread ends
soon. A check never reports an exception's text (it may name hosts or credentials),
only its class. This module imports no app: apps add checks with
``readiness_check_register`` in their ``AppConfig.ready()``.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.db import connections

UP, DOWN, TIMEOUT = "up", "down", "timeout"


@dataclass(frozen=True)
class CheckResult:
    state: str  # up | down | timeout
    detail: str = ""


Check = Callable[[], CheckResult]
_checks: dict[str, Check] = {}


def readiness_check_register(name: str, check: Check) -> None:
    """Add (or replace) the readiness check called ``name``."""
    _checks[name] = check


def _network_timeout() -> float:
    # Leave the probe's overall bound room to report the result.
    return max(0.5, settings.READYZ_TIMEOUT * 0.8)


def database_check() -> CheckResult:
    connection = connections["default"]
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    finally:
        # The check runs in its own thread: its connection must not outlive it.
        connection.close()
    return CheckResult(UP, connection.vendor)


def broker_check() -> CheckResult:
    url = settings.CELERY_BROKER_URL
    scheme = urlsplit(url).scheme
    if scheme == "filesystem":
        folder = Path(settings.CELERY_BROKER_TRANSPORT_OPTIONS["data_folder_in"])
        if not (folder.is_dir() and os.access(folder, os.W_OK)):
            return CheckResult(DOWN, "queue folder missing or not writable")
        return CheckResult(UP, "filesystem")
    if scheme == "memory":
        return CheckResult(UP, "memory")
    from kombu import Connection

    timeout = _network_timeout()
    with Connection(
        url,
        connect_timeout=timeout,
        transport_options={"socket_timeout": timeout, "max_retries": 0},
    ) as connection:
        connection.ensure_connection(max_retries=1, interval_start=0, timeout=timeout)
        if scheme in ("redis", "rediss"):
            connection.default_channel.client.ping()
    return CheckResult(UP, scheme)


def storage_check() -> CheckResult:
    if not settings.AWS_STORAGE_BUCKET_NAME:
        root = Path(settings.MEDIA_ROOT)
        root.mkdir(parents=True, exist_ok=True)
        if not os.access(root, os.W_OK):
            return CheckResult(DOWN, "MEDIA_ROOT not writable")
        return CheckResult(UP, "filesystem")
    import boto3
    from botocore.config import Config

    timeout = _network_timeout()
    client = boto3.client(
        "s3",
        endpoint_url=settings.AWS_S3_ENDPOINT_URL,
        region_name=settings.AWS_S3_REGION_NAME,
        aws_access_key_id=settings.AWS_ACCESS_KEY_ID,
        aws_secret_access_key=settings.AWS_SECRET_ACCESS_KEY,
        config=Config(
            connect_timeout=timeout,
            read_timeout=timeout,
            retries={"max_attempts": 1, "mode": "standard"},
        ),
    )
    client.head_bucket(Bucket=settings.AWS_STORAGE_BUCKET_NAME)
    return CheckResult(UP, "s3")


readiness_check_register("database", database_check)
readiness_check_register("broker", broker_check)
readiness_check_register("storage", storage_check)


def _run(check: Check) -> CheckResult:
    try:
        return check()
    except Exception as exc:  # noqa: BLE001 - any failure means "down"
        return CheckResult(DOWN, type(exc).__name__)


def readiness() -> dict:
    """Run every registered check at once: ``{"ready": bool, "checks": {name:
    {"state", "detail"}}, "elapsed_ms": int}``."""
    started = time.monotonic()
    pool = ThreadPoolExecutor(max_workers=len(_checks), thread_name_prefix="readyz")
    futures = {name: pool.submit(_run, check) for name, check in _checks.items()}
    wait(futures.values(), timeout=settings.READYZ_TIMEOUT)
    pool.shutdown(wait=False, cancel_futures=True)
    checks = {}
    for name, future in futures.items():
        if future.done():
            result = future.result()
        else:
            result = CheckResult(TIMEOUT, f"no answer in {settings.READYZ_TIMEOUT} s")
        checks[name] = {"state": result.state, "detail": result.detail}
    return {
        "ready": all(item["state"] == UP for item in checks.values()),
        "checks": checks,
        "elapsed_ms": round((time.monotonic() - started) * 1000),
    }

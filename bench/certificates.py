"""Certificates: issuing a class's certificates, and the verify page under load.

Creates a PostgreSQL database of its own, migrates it, makes a class of N members
who all completed it (``learning.ClassCompletion``), then issues the class's
certificates the way the worker does (``certificates.services.certificate_batch_run``:
number, PDF with the Chinese font subset and the QR, stored through Django's storage
on disk under a temporary MEDIA_ROOT; on S3 when ``BENCH_S3=1`` and moto's server is
installed) and reports certificates per second. Then it serves the project with
gunicorn and sends rounds of 200 concurrent GETs to ``/verify/<code>`` (random issued
codes) and to a bare Django view on the same server, alternating, and reports both
p95s; ``ratio`` is bare p95 / ours p95 (1.0: as fast as a bare view). Prints one
JSON line last:

    {"bench":"certificates","issued":1000,"certificates_per_second":..,
     "verify_p95_ms":..,"bare_p95_ms":..,"ratio":..,...}

Environment: BENCH_DATABASE_ADMIN_URL (default postgres://postgres@127.0.0.1:5432/
postgres), BENCH_COMPLETERS (1000), BENCH_CONCURRENCY (200 requests at once),
BENCH_ROUNDS (5 rounds each side), BENCH_WORKERS (2 gunicorn workers), BENCH_S3 (0).
``BENCH_COMPLETERS=50`` makes a quick run (a certificate's PDF takes about 0.05 s
of CPU once the process has parsed the working font, ``dangke.pdf``; the database
writes around it count as much on a loaded machine).
"""

from __future__ import annotations

import http.client
import json
import os
import random
import resource
import secrets
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import ExitStack
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import (  # noqa: E402 (after the path is set)
    BARE_PATH,
    admin_execute,
    application_with_bare_view,
    free_port,
    gunicorn_served,
    progress,
)

if os.environ.get("BENCH_CERTIFICATES_SERVE") == "1":
    application = application_with_bare_view()


def make_class(count: int) -> int:
    """A class of a new organisation with two sessions and ``count`` completers."""
    from datetime import timedelta
    from decimal import Decimal

    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from learning.models import (
        ClassCompletion,
        Member,
        Organisation,
        TrainingClass,
        TrainingSession,
    )

    organisation = Organisation.objects.create(
        code="BENCH", name="基准街道党工委", kind="subdistrict"
    )
    training_class = TrainingClass.objects.create(
        title="基层党组织书记示范培训班（基准）", organisation=organisation
    )
    start = timezone.now() - timedelta(days=3)
    for day in range(2):
        TrainingSession.objects.create(
            training_class=training_class,
            title=f"第{day + 1}天",
            starts_at=start + timedelta(days=day),
            ends_at=start + timedelta(days=day, hours=3),
        )
    User = get_user_model()
    password = make_password(None)
    users = User.objects.bulk_create(
        User(username=f"bench{i}", password=password) for i in range(count)
    )
    surnames, given = "王李张刘陈杨黄赵吴周欧阳", "明华国建伟芳秀英红军"
    members = Member.objects.bulk_create(
        Member(
            user=user,
            name=surnames[i % len(surnames)] + given[i % 7] + given[(i // 7) % 10],
            organisation=organisation,
        )
        for i, user in enumerate(users)
    )
    ClassCompletion.objects.bulk_create(
        ClassCompletion(
            training_class=training_class,
            member=member,
            hours=Decimal("16"),
            completed_at=timezone.now(),
        )
        for member in members
    )
    return training_class.pk


def issue(class_id: int) -> tuple[int, float, int]:
    """Issue the class's certificates as the worker does; (issued, seconds, bytes)."""
    from certificates.models import Certificate, CertificateBatch
    from certificates.services import certificate_batch_run

    batch = CertificateBatch.objects.create(training_class_id=class_id)
    started = time.perf_counter()
    batch = certificate_batch_run(
        batch_id=batch.pk,
        progress=lambda done, total: progress("issuing certificates", done, total),
    )
    seconds = time.perf_counter() - started
    sizes = [c.file.size for c in Certificate.objects.all()[:20]]
    return batch.issued_count, seconds, int(sum(sizes) / max(len(sizes), 1))


def _children_cpu(pid: int) -> float:
    """CPU seconds (user + system) of ``pid`` and its children (gunicorn's
    workers), read from /proc."""
    total = 0.0
    tick = os.sysconf("SC_CLK_TCK")
    pids = [pid]
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        pids += [int(c) for c in children]
    except OSError:
        pass
    for p in pids:
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / tick
    return total


def _get(port: int, path: str) -> tuple[int, float]:
    started = time.perf_counter()
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        conn.request("GET", path)
        response = conn.getresponse()
        response.read()
        status = response.status
        conn.close()
    except OSError:
        status = 0
    return status, time.perf_counter() - started


def burst(port: int, paths: list[str]) -> list[tuple[int, float]]:
    """Send every path at once (one thread each, released together)."""
    results: list[tuple[int, float]] = [(0, 0.0)] * len(paths)
    gate = threading.Barrier(len(paths))

    def one(index: int, path: str) -> None:
        gate.wait()
        results[index] = _get(port, path)

    threads = [threading.Thread(target=one, args=(i, p)) for i, p in enumerate(paths)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def p95(latencies: list[float]) -> float:
    ordered = sorted(latencies)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))] * 1000


def _moto(stack: ExitStack) -> dict[str, str]:
    """A moto S3 server on a free port and the settings that point at it."""
    import boto3

    port = free_port()
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "moto_server"), "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    stack.callback(server.terminate)
    endpoint = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            http.client.HTTPConnection("127.0.0.1", port, timeout=1).request("GET", "/")
            break
        except OSError:
            time.sleep(0.1)
    key = "bench"  # moto's server takes any credentials
    boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id=key,
        aws_secret_access_key=key,
        region_name="us-east-1",
    ).create_bucket(Bucket="bench-certificates")
    return {
        "AWS_STORAGE_BUCKET_NAME": "bench-certificates",
        "AWS_S3_ENDPOINT_URL": endpoint,
        "AWS_ACCESS_KEY_ID": key,
        "AWS_SECRET_ACCESS_KEY": key,
        "AWS_S3_REGION_NAME": "us-east-1",
    }


def main() -> None:
    count = int(os.environ.get("BENCH_COMPLETERS", "1000"))
    concurrency = int(os.environ.get("BENCH_CONCURRENCY", "200"))
    rounds = int(os.environ.get("BENCH_ROUNDS", "5"))
    workers = int(os.environ.get("BENCH_WORKERS", "2"))
    on_s3 = os.environ.get("BENCH_S3") == "1"
    admin_url = os.environ.get(
        "BENCH_DATABASE_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres"
    )
    db_name = f"bench_certificates_{os.getpid()}"
    database_url = urlunsplit(urlsplit(admin_url)._replace(path=f"/{db_name}"))
    steps = 4 + 2 * rounds
    with ExitStack() as stack:
        media = stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-certs-"))
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "DEBUG": "0",
            "SECRET_KEY": secrets.token_urlsafe(40),
            "ALLOWED_HOSTS": "127.0.0.1",
            "SECURE_SSL_REDIRECT": "0",
            "MEDIA_ROOT": media,
            "CERTIFICATE_VERIFY_PER_MINUTE": "100000000",
            "DB_CONN_MAX_AGE": "60",
            "LOG_LEVEL": "WARNING",
            "DJANGO_SETTINGS_MODULE": "dangke.settings",
        }
        env.pop("CACHE_URL", None)
        if on_s3:
            env.update(_moto(stack))
        os.environ.update(env)
        admin_execute(admin_url, f'CREATE DATABASE "{db_name}"')
        try:
            progress("migrating", 0, steps)
            subprocess.run(
                [sys.executable, "manage.py", "migrate", "--noinput", "-v0"],
                cwd=ROOT,
                env=env,
                check=True,
                timeout=900,
            )
            import django

            django.setup()
            from certificates.models import Certificate

            progress("making the class", 1, steps)
            class_id = make_class(count)
            issued, seconds, size = issue(class_id)
            codes = list(Certificate.objects.values_list("code", flat=True))
            rng = random.Random(7)
            ours: list[float] = []
            bare: list[float] = []
            statuses: dict[str, dict[int, int]] = {"ours": {}, "bare": {}}
            cpu = {"ours": 0.0, "bare": 0.0}
            client_cpu = {"ours": 0.0, "bare": 0.0}
            walls = {"ours": 0.0, "bare": 0.0}
            with gunicorn_served(
                "bench.certificates:application",
                env={**env, "BENCH_CERTIFICATES_SERVE": "1"},
                workers=workers,
                ready_path=BARE_PATH,
            ) as port:
                server_pid = _gunicorn_pid(port)
                burst(port, [f"/verify/{c}" for c in codes[:concurrency]])  # warm
                burst(port, [BARE_PATH] * concurrency)
                for turn in range(rounds):
                    for side, latencies in (("ours", ours), ("bare", bare)):
                        progress(
                            f"round {turn + 1}/{rounds} {side}", 2 + 2 * turn, steps
                        )
                        paths = (
                            [f"/verify/{rng.choice(codes)}" for _ in range(concurrency)]
                            if side == "ours"
                            else [BARE_PATH] * concurrency
                        )
                        cpu_before = _children_cpu(server_pid) if server_pid else 0.0
                        mine_before = _own_cpu()
                        started = time.perf_counter()
                        for status, latency in burst(port, paths):
                            latencies.append(latency)
                            statuses[side][status] = statuses[side].get(status, 0) + 1
                        walls[side] += time.perf_counter() - started
                        client_cpu[side] += _own_cpu() - mine_before
                        if server_pid:
                            cpu[side] += _children_cpu(server_pid) - cpu_before
            progress("done", steps, steps)
        finally:
            from django.db import connections

            connections.close_all()
            admin_execute(
                admin_url, f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)'
            )
    requests = {side: rounds * concurrency for side in ("ours", "bare")}
    ours_p95, bare_p95 = p95(ours), p95(bare)
    print(
        json.dumps(
            {
                "bench": "certificates",
                "issued": issued,
                "issue_seconds": round(seconds, 1),
                "certificates_per_second": round(issued / seconds, 2) if seconds else 0,
                "pdf_bytes": size,
                "storage": "s3 (moto)" if on_s3 else "disk",
                "verify_p95_ms": round(ours_p95, 1),
                "bare_p95_ms": round(bare_p95, 1),
                "ratio": round(bare_p95 / ours_p95, 3) if ours_p95 else 0,
                "verify_statuses": statuses["ours"],
                "bare_statuses": statuses["bare"],
                "server_cpu_ms_per_request": {
                    side: round(1000 * cpu[side] / requests[side], 2) for side in cpu
                },
                "client_cpu_share": {
                    side: round(client_cpu[side] / walls[side], 2) if walls[side] else 0
                    for side in walls
                },
                "concurrency": concurrency,
                "rounds": rounds,
                "workers": workers,
            }
        )
    )


def _own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _gunicorn_pid(port: int) -> int | None:
    """The gunicorn master serving ``port`` (the child of this process running
    gunicorn), for its workers' CPU time."""
    me = os.getpid()
    try:
        children = Path(f"/proc/{me}/task/{me}/children").read_text().split()
    except OSError:
        return None
    for child in children:
        try:
            cmdline = Path(f"/proc/{child}/cmdline").read_bytes().decode()
        except OSError:
            continue
        if "gunicorn" in cmdline and f"127.0.0.1:{port}" in cmdline:
            return int(child)
    return None


if __name__ == "__main__":
    main()

"""Heartbeat throughput: our endpoint against a bare authenticated JSON view.

Creates a PostgreSQL database of its own, migrates it, makes K members with bearer
tokens and one lesson, serves the project with gunicorn on a free loopback port, then
drives the simulated members for a bounded time against (a) POST
/api/v3/learning/progress and (b) a bare authenticated Django JSON view on the same
server. Afterwards every acknowledged beat's range must be inside the stored watched
intervals ("lost" counts those that are not). Prints one JSON line last:

    {"bench":"heartbeat","ours_rps":..,"bare_rps":..,"ours_p99_ms":..,"ratio":..,"lost":n}

Environment: BENCH_DATABASE_ADMIN_URL (default postgres://postgres@127.0.0.1:5432/
postgres), BENCH_REDIS_URL (redis://127.0.0.1:6379/13), BENCH_SECONDS (10),
BENCH_MEMBERS (40), BENCH_CLIENTS (8), BENCH_WORKERS (2).
"""

from __future__ import annotations

import http.client
import itertools
import json
import os
import secrets
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import (  # noqa: E402 (after the path is set)
    BARE_PATH,
    admin_execute,
    application_with_bare_view,
    free_port,
    progress,
    wait_until_up,
)

PROGRESS_PATH = "/api/v3/learning/progress"
STEP = 0.25  # seconds of content per beat, well inside the wall-clock budget
ROUNDS = 5


# --- served by gunicorn ---------------------------------------------------------

if os.environ.get("BENCH_HEARTBEAT_SERVE") == "1":
    application = application_with_bare_view()


# --- the benchmark --------------------------------------------------------------


def setup_data(members: int) -> tuple[int, list[str]]:
    """Runs inside this process with Django configured for the bench database."""
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from wagtail.models import APIToken

    from cms.models import HomePage, MicroLessonPage, SectionPage
    from learning.models import Member, Organisation

    home = HomePage.objects.get(depth=2)
    section = SectionPage(title="基准", slug="bench")
    home.add_child(instance=section)
    lesson = MicroLessonPage(title="基准微党课", slug="bench-lesson", duration=3600)
    section.add_child(instance=lesson)
    lesson.save_revision().publish()
    org = Organisation.objects.create(code="BENCH", name="基准支部", kind="branch")
    User = get_user_model()
    tokens = []
    for index in range(members):
        user = User(username=f"bench{index}")
        user.set_unusable_password()
        user.save()
        Member.objects.create(user=user, name=user.username, organisation=org)
        tokens.append(APIToken.create_token(user=user, name="bench")[1])
    return lesson.pk, tokens


class Driver:
    """Simulated members beating concurrently, one playback each."""

    def __init__(self, port: int, lesson: int, tokens: list[str]):
        self.port = port
        self.lesson = lesson
        self.tokens = tokens
        self.playbacks = [str(uuid.uuid4()) for _ in tokens]
        self.seqs = [itertools.count() for _ in tokens]
        self.turn = itertools.count()
        self.acknowledged: list[list[tuple[float, float]]] = [[] for _ in tokens]
        self.lock = threading.Lock()

    def post(self, path: str, token: str, body: dict) -> tuple[int, bytes, float]:
        payload = json.dumps(body)
        started = time.perf_counter()
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        conn.request(
            "POST",
            path,
            body=payload,
            headers={
                "Content-Type": "application/json",
                "Authorization": f"Bearer {token}",
            },
        )
        response = conn.getresponse()
        data = response.read()
        conn.close()
        return response.status, data, time.perf_counter() - started

    def run(self, path: str, seconds: float, clients: int) -> dict:
        latencies: list[float] = []
        failures = [0]
        deadline = time.monotonic() + seconds

        def client():
            while time.monotonic() < deadline:
                index = next(self.turn) % len(self.tokens)
                seq = next(self.seqs[index])
                start = round(seq * STEP, 3)
                body = {
                    "lesson": self.lesson,
                    "playback_id": self.playbacks[index],
                    "seq": seq,
                    "ranges": [[start, round(start + STEP, 3)]] if start < 3590 else [],
                    "position": min(start + STEP, 3600),
                    "rate": 1.0,
                }
                try:
                    status, _, elapsed = self.post(path, self.tokens[index], body)
                except OSError:
                    status, elapsed = 0, 0.0
                with self.lock:
                    if status == 200:
                        latencies.append(elapsed)
                        if path == PROGRESS_PATH and body["ranges"]:
                            self.acknowledged[index].append(tuple(body["ranges"][0]))
                    else:
                        failures[0] += 1

        threads = [threading.Thread(target=client) for _ in range(clients)]
        began = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        wall = time.monotonic() - began
        return {"latencies": latencies, "wall": wall, "failures": failures[0]}


class Totals:
    def __init__(self):
        self.latencies: list[float] = []
        self.wall = 0.0
        self.failures = 0

    def add(self, run: dict) -> None:
        self.latencies += run["latencies"]
        self.wall += run["wall"]
        self.failures += run["failures"]

    def result(self) -> dict:
        latencies = sorted(self.latencies)
        p99 = latencies[int(0.99 * (len(latencies) - 1))] if latencies else 0.0
        return {
            "rps": len(latencies) / self.wall if self.wall else 0.0,
            "p99_ms": p99 * 1000,
            "failures": self.failures,
        }


def lost_beats(driver: Driver) -> int:
    from learning.models import LessonProgress, Member

    lost = 0
    for index, ranges in enumerate(driver.acknowledged):
        member = Member.objects.get(user__username=f"bench{index}")
        record = LessonProgress.objects.filter(
            member=member, lesson_id=driver.lesson
        ).first()
        stored = record.intervals if record else []
        for start, end in ranges:
            if not any(a <= start + 1e-6 and end <= b + 1e-6 for a, b in stored):
                lost += 1
    return lost


def main() -> None:
    seconds = float(os.environ.get("BENCH_SECONDS", "10"))
    members = int(os.environ.get("BENCH_MEMBERS", "40"))
    clients = int(os.environ.get("BENCH_CLIENTS", "8"))
    workers = int(os.environ.get("BENCH_WORKERS", "2"))
    admin_url = os.environ.get(
        "BENCH_DATABASE_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres"
    )
    redis_url = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")
    db_name = f"bench_heartbeat_{os.getpid()}"
    parts = urlsplit(admin_url)
    database_url = urlunsplit(parts._replace(path=f"/{db_name}"))
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "CACHE_URL": redis_url,
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(40),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "LEARNING_HEARTBEATS_PER_MINUTE": "1000000",
        "DB_CONN_MAX_AGE": "60",
        "LOG_LEVEL": "WARNING",
        "DJANGO_SETTINGS_MODULE": "dangke.settings",
    }
    os.environ.update(env)
    admin_execute(admin_url, f'CREATE DATABASE "{db_name}"')
    server = None
    try:
        progress("migrating", 0, ROUNDS + 3)
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput", "-v0"],
            cwd=ROOT,
            env=env,
            check=True,
            timeout=600,
        )
        progress("members and tokens", 1, ROUNDS + 3)
        sys.path.insert(0, str(ROOT))
        lesson, tokens = setup_data(members)
        from django.core.cache import cache

        cache.clear()
        port = free_port()
        server = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "gunicorn"),
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(workers),
                "--log-level",
                "warning",
                "bench.heartbeat:application",
            ],
            cwd=ROOT,
            env={**env, "BENCH_HEARTBEAT_SERVE": "1"},
        )
        wait_until_up(port)
        driver = Driver(port, lesson, tokens)
        driver.run(PROGRESS_PATH, 1.0, clients)  # warm both paths up
        driver.run(BARE_PATH, 1.0, clients)
        # Alternate short slices so a noisy neighbour affects both sides alike.
        ours, bare = Totals(), Totals()
        for turn in range(ROUNDS):
            progress(f"round {turn + 1}/{ROUNDS}", 2 + turn, ROUNDS + 3)
            ours.add(driver.run(PROGRESS_PATH, seconds / ROUNDS, clients))
            bare.add(driver.run(BARE_PATH, seconds / ROUNDS, clients))
        ours, bare = ours.result(), bare.result()
        progress("checking stored intervals", ROUNDS + 3, ROUNDS + 3)
        lost = lost_beats(driver)
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        from django.db import connections

        connections.close_all()
        admin_execute(admin_url, f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')
    print(
        json.dumps(
            {
                "bench": "heartbeat",
                "ours_rps": round(ours["rps"], 1),
                "bare_rps": round(bare["rps"], 1),
                "ours_p99_ms": round(ours["p99_ms"], 1),
                "ratio": round(ours["rps"] / bare["rps"], 3) if bare["rps"] else 0,
                "lost": lost,
                "ours_failures": ours["failures"],
                "members": members,
                "clients": clients,
                "workers": workers,
                "seconds": seconds,
            }
        )
    )


if __name__ == "__main__":
    main()

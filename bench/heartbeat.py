"""Heartbeat throughput: our endpoint against a bare authenticated JSON view.

Creates a PostgreSQL database of its own, migrates it, makes K members with bearer
tokens and one lesson, serves the project with gunicorn on a free loopback port, then
drives the simulated members from C client processes for a bounded time against (a)
POST /api/v3/learning/progress and (b) a bare authenticated Django JSON view on the
same server, in alternating slices. Afterwards every acknowledged beat's range must be
inside the stored watched intervals ("lost" counts those that are not), and the
database's own statistics say how many rows the heartbeats wrote. Prints one JSON line
last:

    {"bench":"heartbeat","ours_rps":..,"bare_rps":..,"ours_p99_ms":..,"ratio":..,
     "lost":n,"writes_per_beat":..,...}

Environment: BENCH_DATABASE_ADMIN_URL (default postgres://postgres@127.0.0.1:5432/
postgres), BENCH_REDIS_URL (redis://127.0.0.1:6379/13), BENCH_SECONDS (60: seconds
of heartbeats, and as many of the baseline), BENCH_MEMBERS (2000), BENCH_CLIENTS (8
client processes), BENCH_WORKERS (2 gunicorn workers). ``BENCH_SECONDS=10
BENCH_MEMBERS=200`` makes a quick run.

The pieces (members and tokens, the served project, the client processes, the stored
intervals) are also what the heavy load test uses (tests/learning/test_load.py).
"""

from __future__ import annotations

import http.client
import json
import multiprocessing
import os
import secrets
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import (  # noqa: E402 (after the path is set)
    BARE_PATH,
    admin_execute,
    application_with_bare_view,
    gunicorn_served,
    progress,
)

PROGRESS_PATH = "/api/v3/learning/progress"
STEP = 0.25  # seconds of content per beat, well inside the wall-clock budget
LESSON_SECONDS = 3600
ROUNDS = 5

# --- served by gunicorn ---------------------------------------------------------

if os.environ.get("BENCH_HEARTBEAT_SERVE") == "1":
    application = application_with_bare_view()


# --- members, server, clients (shared with tests/learning/test_load.py) -----------


def make_members(count: int) -> tuple[int, list[str]]:
    """One published lesson and ``count`` members (``bench0``…) with bearer tokens,
    in the database this process's Django uses; returns the lesson id and tokens."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from wagtail.models import APIToken

    from cms.models import HomePage, MicroLessonPage, SectionPage
    from learning.models import Member, Organisation

    home = HomePage.objects.get(depth=2)
    section = SectionPage(title="基准", slug=f"bench-{uuid.uuid4().hex[:8]}")
    home.add_child(instance=section)
    lesson = MicroLessonPage(
        title="基准微党课", slug="bench-lesson", duration=LESSON_SECONDS
    )
    section.add_child(instance=lesson)
    lesson.save_revision().publish()
    org = Organisation.objects.create(code="BENCH", name="基准支部", kind="branch")
    User = get_user_model()
    unusable = make_password(None)
    users = User.objects.bulk_create(
        User(username=f"bench{index}", password=unusable) for index in range(count)
    )
    Member.objects.bulk_create(
        Member(user=user, name=user.username, organisation=org) for user in users
    )
    tokens = []
    for index, user in enumerate(users):
        tokens.append(APIToken.create_token(user=user, name="bench")[1])
        if index % 200 == 0:
            progress("members and tokens", index, count)
    return lesson.pk, tokens


def server_env(
    *, database_url: str, cache_url: str | None, secret_key: str
) -> dict[str, str]:
    """The environment of the served project: production-like, no rate limit.
    ``secret_key`` must be the one the tokens were made with (it keys their
    digests)."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DEBUG": "0",
        "SECRET_KEY": secret_key,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "LEARNING_HEARTBEATS_PER_MINUTE": "1000000",
        "DB_CONN_MAX_AGE": "60",
        "LOG_LEVEL": "WARNING",
        "DJANGO_SETTINGS_MODULE": "dangke.settings",
    }
    env.pop("CACHE_URL", None)
    if cache_url:
        env["CACHE_URL"] = cache_url
    return env


@contextmanager
def served(env: dict[str, str], *, workers: int) -> Iterator[int]:
    """gunicorn serving the project (plus the bare view) on a free loopback port."""
    # The bare view answers a GET at once (the OpenAPI document may take longer to
    # build than a probe waits on a busy machine).
    with gunicorn_served(
        "bench.heartbeat:application",
        env={**env, "BENCH_HEARTBEAT_SERVE": "1"},
        workers=workers,
        ready_path=BARE_PATH,
    ) as port:
        yield port


@dataclass
class Run:
    """What one slice of driving saw, summed over the client processes."""

    latencies: list[float] = field(default_factory=list)
    wall: float = 0.0
    failures: int = 0
    statuses: dict[int, int] = field(default_factory=dict)

    def add(self, other: Run) -> None:
        self.latencies += other.latencies
        self.wall += other.wall
        self.failures += other.failures
        for status, count in other.statuses.items():
            self.statuses[status] = self.statuses.get(status, 0) + count

    @property
    def answered(self) -> int:
        return len(self.latencies)

    def rps(self) -> float:
        return self.answered / self.wall if self.wall else 0.0

    def p99_ms(self) -> float:
        latencies = sorted(self.latencies)
        return latencies[int(0.99 * (len(latencies) - 1))] * 1000 if latencies else 0


def _post(port: int, path: str, token: str, body: dict) -> tuple[int, float]:
    started = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request(
            "POST",
            path,
            body=json.dumps(body),
            headers={
                "Content-Type": "application/json",
                "Authorization": f"Bearer {token}",
            },
        )
        response = conn.getresponse()
        response.read()
        return response.status, time.perf_counter() - started
    finally:
        conn.close()


def _client_process(
    pipe: Connection, port: int, lesson: int, members: list[tuple[int, str]]
) -> None:
    """One client process: its members beat in turn, one playback each, for as long
    as each ``("run", path, seconds)`` asks; ``("sent",)`` answers every member's
    ranges that were acknowledged (status 200), ``("stop",)`` ends it."""
    playbacks = {index: str(uuid.uuid4()) for index, _ in members}
    seqs = dict.fromkeys(playbacks, 0)
    sent: dict[int, list[tuple[float, float]]] = {index: [] for index in playbacks}
    turn = 0
    while True:
        command = pipe.recv()
        if command[0] == "stop":
            return
        if command[0] == "sent":
            pipe.send(sent)
            continue
        _, path, seconds = command
        run = Run()
        began = time.monotonic()
        deadline = began + seconds
        while time.monotonic() < deadline:
            index, token = members[turn % len(members)]
            turn += 1
            seq = seqs[index]
            start = round(seq * STEP, 3)
            end = round(start + STEP, 3)
            beat = end <= LESSON_SECONDS
            body = {
                "lesson": lesson,
                "playback_id": playbacks[index],
                "seq": seq,
                "ranges": [[start, end]] if beat else [],
                "position": min(end, LESSON_SECONDS),
                "rate": 1.0,
            }
            try:
                status, elapsed = _post(port, path, token, body)
            except OSError:
                status, elapsed = 0, 0.0
            run.statuses[status] = run.statuses.get(status, 0) + 1
            if status == 200:
                run.latencies.append(elapsed)
                if path == PROGRESS_PATH:
                    seqs[index] = seq + 1
                    if beat:
                        sent[index].append((start, end))
            else:
                run.failures += 1
        run.wall = time.monotonic() - began
        pipe.send(run)


class Clients:
    """``processes`` client processes sharing the members out between them."""

    def __init__(self, *, port: int, lesson: int, tokens: list[str], processes: int):
        context = multiprocessing.get_context("spawn")
        self.pipes: list[Connection] = []
        self.processes = []
        for number in range(processes):
            ours, theirs = context.Pipe()
            members = [
                (index, tokens[index])
                for index in range(number, len(tokens), processes)
            ]
            process = context.Process(
                target=_client_process,
                args=(theirs, port, lesson, members),
                daemon=True,
            )
            process.start()
            self.pipes.append(ours)
            self.processes.append(process)

    def run(self, path: str, seconds: float) -> Run:
        """Drive ``path`` from every process for ``seconds``; the wall time is the
        slowest process's."""
        for pipe in self.pipes:
            pipe.send(("run", path, seconds))
        total = Run()
        walls = []
        for pipe in self.pipes:
            part = pipe.recv()
            walls.append(part.wall)
            part.wall = 0.0
            total.add(part)
        total.wall = max(walls)
        return total

    def sent(self) -> dict[int, list[tuple[float, float]]]:
        """Every member's acknowledged ranges, by member number."""
        merged: dict[int, list[tuple[float, float]]] = {}
        for pipe in self.pipes:
            pipe.send(("sent",))
            merged.update(pipe.recv())
        return merged

    def close(self) -> None:
        for pipe in self.pipes:
            pipe.send(("stop",))
        for process in self.processes:
            process.join(timeout=30)


def stored_intervals(lesson: int) -> dict[int, list[list[float]]]:
    """The stored watched intervals of the lesson, by member number (``benchN``)."""
    from learning.models import LessonProgress

    rows = LessonProgress.objects.filter(lesson_id=lesson).values_list(
        "member__user__username", "intervals"
    )
    return {int(name.removeprefix("bench")): intervals for name, intervals in rows}


def lost_beats(sent: dict[int, list[tuple[float, float]]], lesson: int) -> int:
    """Acknowledged ranges that the stored intervals do not cover."""
    stored = stored_intervals(lesson)
    lost = 0
    for index, ranges in sent.items():
        intervals = stored.get(index, [])
        for start, end in ranges:
            if not any(a <= start + 1e-6 and end <= b + 1e-6 for a, b in intervals):
                lost += 1
    return lost


# --- what the database carried --------------------------------------------------

# Rows inserted, updated or deleted in the learning tables and their TOAST tables
# (large JSON values live there), and how many updates were heap-only (HOT: no index
# touched). Counted by PostgreSQL per database, so other databases do not count.
WRITES_SQL = """
SELECT coalesce(sum(n_tup_ins + n_tup_upd + n_tup_del), 0),
       coalesce(sum(n_tup_upd), 0), coalesce(sum(n_tup_hot_upd), 0)
FROM pg_stat_all_tables WHERE relid IN (
    SELECT oid FROM pg_class WHERE relname LIKE 'learning\\_%%' AND relkind = 'r'
    UNION SELECT reltoastrelid FROM pg_class
    WHERE relname LIKE 'learning\\_%%' AND relkind = 'r' AND reltoastrelid <> 0)
"""


def learning_writes(database_url: str) -> tuple[int, int, int]:
    """(rows written, rows updated, HOT updates) in the learning tables so far."""
    import psycopg

    with psycopg.connect(database_url, autocommit=True) as conn:
        return tuple(int(v) for v in conn.execute(WRITES_SQL).fetchone())


def settled_writes(database_url: str) -> tuple[int, int, int]:
    """``learning_writes`` once the server's backends have flushed their counts
    (they do on exit; wait until two readings agree)."""
    previous = learning_writes(database_url)
    for _ in range(20):
        time.sleep(0.5)
        current = learning_writes(database_url)
        if current == previous:
            return current
        previous = current
    return previous


# --- the benchmark --------------------------------------------------------------


def main() -> None:
    seconds = float(os.environ.get("BENCH_SECONDS", "60"))
    members = int(os.environ.get("BENCH_MEMBERS", "2000"))
    clients = int(os.environ.get("BENCH_CLIENTS", "8"))
    workers = int(os.environ.get("BENCH_WORKERS", "2"))
    admin_url = os.environ.get(
        "BENCH_DATABASE_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres"
    )
    redis_url = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")
    db_name = f"bench_heartbeat_{os.getpid()}"
    parts = urlsplit(admin_url)
    database_url = urlunsplit(parts._replace(path=f"/{db_name}"))
    env = server_env(
        database_url=database_url,
        cache_url=redis_url,
        secret_key=secrets.token_urlsafe(40),
    )
    os.environ.update(env)
    steps = ROUNDS + 4
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
        lesson, tokens = make_members(members)
        from django.core.cache import cache

        cache.clear()
        before = learning_writes(database_url)
        ours, bare = Run(), Run()
        with served(env, workers=workers) as port:
            driver = Clients(port=port, lesson=lesson, tokens=tokens, processes=clients)
            try:
                progress("warming up", 1, steps)
                warm = driver.run(PROGRESS_PATH, 2.0)
                driver.run(BARE_PATH, 2.0)
                # Alternate slices so a noisy neighbour affects both sides alike.
                for turn in range(ROUNDS):
                    progress(f"round {turn + 1}/{ROUNDS}", 2 + turn, steps)
                    ours.add(driver.run(PROGRESS_PATH, seconds / ROUNDS))
                    bare.add(driver.run(BARE_PATH, seconds / ROUNDS))
                sent = driver.sent()
            finally:
                driver.close()
        progress("checking stored intervals", ROUNDS + 2, steps)
        written, updated, hot = (
            after - earlier
            for after, earlier in zip(settled_writes(database_url), before, strict=True)
        )
        beats = warm.answered + ours.answered
        lost = lost_beats(sent, lesson)
        progress("done", steps, steps)
    finally:
        from django.db import connections

        connections.close_all()
        admin_execute(admin_url, f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')
    print(
        json.dumps(
            {
                "bench": "heartbeat",
                "ours_rps": round(ours.rps(), 1),
                "bare_rps": round(bare.rps(), 1),
                "ours_p99_ms": round(ours.p99_ms(), 1),
                "bare_p99_ms": round(bare.p99_ms(), 1),
                "ratio": round(ours.rps() / bare.rps(), 3) if bare.rps() else 0,
                "lost": lost,
                "ours_failures": ours.failures + warm.failures,
                "bare_failures": bare.failures,
                "beats": beats,
                "writes_per_beat": round(written / beats, 3) if beats else 0,
                "hot_update_share": round(hot / updated, 3) if updated else 0,
                "members": members,
                "clients": clients,
                "workers": workers,
                "seconds": seconds,
            }
        )
    )


if __name__ == "__main__":
    main()

"""The start of a 灯塔大课堂 for one district: members join a live lecture within a
minute and their phones beat every 15 s, against our heartbeat
(``POST /api/v3/broadcasts/lectures/<id>/heartbeat``) and, on the same schedule in
the same run, against the bare authenticated JSON view (``bench.common``).

Creates a PostgreSQL database of its own, migrates it, makes the district's members
with bearer tokens and one live lecture for the district, serves the project with
gunicorn on a free loopback port (Redis as the cache), then plays the schedule from
C client processes: every member joins at a random moment of the join window (the
first beat) and beats every ``BENCH_BEAT_SECONDS`` until the end. Each process has T
threads taking the next due beat; a beat is sent when it is due or, when every
thread is busy, as soon as one frees (so a slow server makes beats late, never
dropped). The schedule runs twice, ours and bare, in turn.

Figures: ``ratio`` is ours answered per second over bare answered per second during
the join storm (the join window); ``p99_ms`` ours (and bare) over the whole run;
``lost`` the members whose stored presence is short of the seconds the answers
acknowledged (``lost_seconds`` how much); ``server_cpu_ms_per_beat`` the CPU of the
gunicorn workers and of the database's backends for this database per answered
beat; ``client_cpu_share`` the load generator's CPU against the server's, and
``client_cpu_per_core`` against the machine's cores over the run (how we know the
generator is not the bottleneck); ``late_p99_ms`` how late beats left the client.

Environment: BENCH_DATABASE_ADMIN_URL (postgres://postgres@127.0.0.1:5432/postgres),
BENCH_REDIS_URL (redis://127.0.0.1:6379/13), BENCH_MEMBERS (5000),
BENCH_JOIN_SECONDS (60), BENCH_SECONDS (180: each side's schedule),
BENCH_BEAT_SECONDS (15), BENCH_CLIENTS (4 processes), BENCH_THREADS (16 a
process), BENCH_WORKERS (2 gunicorn workers). ``BENCH_MEMBERS=300
BENCH_JOIN_SECONDS=10 BENCH_SECONDS=30`` makes a short run.
"""

from __future__ import annotations

import heapq
import http.client
import json
import multiprocessing
import os
import random
import resource
import secrets
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.certificates import _children_cpu, _gunicorn_pid  # noqa: E402
from bench.common import (  # noqa: E402 (after the path is set)
    BARE_PATH,
    admin_execute,
    application_with_bare_view,
    gunicorn_served,
    progress,
)
from bench.heartbeat import server_env  # noqa: E402

if os.environ.get("BENCH_LIVE_SERVE") == "1":
    application = application_with_bare_view()


WARM_MEMBERS = 40  # outside the schedule: they warm the workers before each side


def heartbeat_path(lecture: int) -> str:
    return f"/api/v3/broadcasts/lectures/{lecture}/heartbeat"


# --- the district, its members and the lecture ------------------------------------


def make_district(count: int) -> tuple[int, list[str]]:
    """A district of branches of 50 members each, ``count`` members (``live0``…)
    with bearer tokens, and a lecture for the district that is live now; returns
    the lecture's id and the tokens."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone
    from wagtail.models import APIToken

    from broadcasts.models import LiveLecture
    from learning.models import Member, Organisation

    district = Organisation.objects.create(code="LIVE", name="基准区", kind="district")
    branches = [
        Organisation.objects.create(
            code=f"LIVE-B{n}", name=f"基准第{n}支部", kind="branch", parent=district
        )
        for n in range(max(1, count // 50))
    ]
    User = get_user_model()
    unusable = make_password(None)
    users = User.objects.bulk_create(
        User(username=f"live{index}", password=unusable) for index in range(count)
    )
    Member.objects.bulk_create(
        Member(user=user, name=user.username, organisation=branches[n % len(branches)])
        for n, user in enumerate(users)
    )
    tokens = []
    for index, user in enumerate(users):
        tokens.append(APIToken.create_token(user=user, name="bench")[1])
        if index % 250 == 0:
            progress("members and tokens", index, count)
    now = timezone.now()
    lecture = LiveLecture.objects.create(
        title="灯塔大课堂（基准）",
        organisation=district,
        starts_at=now,
        expected_minutes=600,
        status=LiveLecture.Status.LIVE,
        went_live_at=now,
        published_stream="bench-live",
        publisher_client="1",
    )
    return lecture.pk, tokens


def stored_seconds(lecture: int) -> dict[int, int]:
    """Each scheduled member's stored seconds present, by member number
    (``liveN``)."""
    from broadcasts.models import LivePresence

    rows = LivePresence.objects.filter(
        lecture_id=lecture, member__user__username__regex=r"^live[0-9]+$"
    ).values_list("member__user__username", "seconds_present")
    return {int(name.removeprefix("live")): seconds for name, seconds in rows}


# --- the load generator --------------------------------------------------------------


@dataclass
class Side:
    """What one side's schedule saw, summed over the client processes."""

    latencies: list[float] = field(default_factory=list)
    late: list[float] = field(default_factory=list)
    storm_answered: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    credited: dict[int, int] = field(default_factory=dict)
    client_cpu: float = 0.0

    def add(self, other: Side) -> None:
        self.latencies += other.latencies
        self.late += other.late
        self.storm_answered += other.storm_answered
        for status, count in other.statuses.items():
            self.statuses[status] = self.statuses.get(status, 0) + count
        for member, seconds in other.credited.items():
            self.credited[member] = self.credited.get(member, 0) + seconds
        self.client_cpu += other.client_cpu

    @property
    def answered(self) -> int:
        return len(self.latencies)

    @property
    def failures(self) -> int:
        return sum(count for status, count in self.statuses.items() if status != 200)


def _percentile_ms(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[int(share * (len(ordered) - 1))] * 1000 if ordered else 0.0


def _post(port: int, path: str, token: str, body: bytes) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        conn.request(
            "POST",
            path,
            body=body,
            headers={
                "Content-Type": "application/json",
                "Authorization": f"Bearer {token}",
            },
        )
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def _play(
    port: int,
    path: str,
    members: list[tuple[int, str, float]],
    *,
    start: float,
    seconds: float,
    join_seconds: float,
    beat_seconds: float,
    threads: int,
) -> Side:
    """Play the schedule from this process: ``members`` are (number, token, join
    offset); every thread takes the earliest due beat, waits for it and sends it."""
    side = Side()
    lock = threading.Lock()
    due = [(start + offset, number, token) for number, token, offset in members]
    heapq.heapify(due)
    end = start + seconds
    body = json.dumps({"seconds": beat_seconds}).encode()
    cpu_before = _own_cpu()

    def work() -> None:
        while True:
            with lock:
                if not due or due[0][0] >= end:
                    return
                at, number, token = heapq.heappop(due)
                heapq.heappush(due, (at + beat_seconds, number, token))
            wait = at - time.time()
            if wait > 0:
                time.sleep(wait)
            sent = time.time()
            try:
                status, answer = _post(port, path, token, body)
            except OSError:
                status, answer = 0, b""
            took = time.time() - sent
            with lock:
                side.late.append(max(0.0, sent - at))
                side.statuses[status] = side.statuses.get(status, 0) + 1
                if status != 200:
                    continue
                side.latencies.append(took)
                if sent + took <= start + join_seconds:
                    side.storm_answered += 1
                if path != BARE_PATH:
                    credited = json.loads(answer)["credited_seconds"]
                    side.credited[number] = side.credited.get(number, 0) + credited

    workers = [threading.Thread(target=work) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    side.client_cpu = _own_cpu() - cpu_before
    return side


def _client_process(pipe: Connection, port: int, members, options: dict) -> None:
    """One client process: plays each ``("play", path, start)`` it is sent and
    answers with its ``Side``; ``("stop",)`` ends it."""
    while True:
        command = pipe.recv()
        if command[0] == "stop":
            return
        _, path, start = command
        pipe.send(_play(port, path, members, start=start, **options))


def _own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


class Clients:
    """``processes`` client processes sharing the members out between them."""

    def __init__(self, *, port: int, tokens: list[str], processes: int, options):
        self.port = port
        rng = random.Random(25)
        joins = [rng.uniform(0, options["join_seconds"]) for _ in tokens]
        context = multiprocessing.get_context("spawn")
        self.pipes: list[Connection] = []
        self.processes = []
        for number in range(processes):
            ours, theirs = context.Pipe()
            members = [
                (index, tokens[index], joins[index])
                for index in range(number, len(tokens), processes)
            ]
            process = context.Process(
                target=_client_process,
                args=(theirs, port, members, options),
                daemon=True,
            )
            process.start()
            self.pipes.append(ours)
            self.processes.append(process)

    def play(self, path: str) -> tuple[Side, float]:
        """The whole schedule against ``path``; the side and its wall time."""
        start = time.time() + 1.0  # every process starts on the same second
        for pipe in self.pipes:
            pipe.send(("play", path, start))
        side = Side()
        for pipe in self.pipes:
            side.add(pipe.recv())
        return side, time.time() - start

    def warm(self, path: str, tokens: list[str]) -> None:
        """Warm the server's workers on ``path`` with members outside the
        schedule (first requests load code and fill caches)."""
        port = self.port
        body = json.dumps({"seconds": 0}).encode()
        for _ in range(3):
            for token in tokens:
                _post(port, path, token, body)

    def close(self) -> None:
        for pipe in self.pipes:
            pipe.send(("stop",))
        for process in self.processes:
            process.join(timeout=30)


# --- the server's CPU ------------------------------------------------------------------


def database_cpu(database_url: str, db_name: str) -> float:
    """CPU seconds of the PostgreSQL backends serving ``db_name`` (read from
    /proc; backends of other databases are not counted)."""
    import psycopg

    with psycopg.connect(database_url, autocommit=True) as conn:
        pids = [
            row[0]
            for row in conn.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = %s "
                "AND pid <> pg_backend_pid()",
                [db_name],
            )
        ]
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / tick
    return total


# --- the benchmark -------------------------------------------------------------------


def main() -> None:
    members = int(os.environ.get("BENCH_MEMBERS", "5000"))
    options = {
        "seconds": float(os.environ.get("BENCH_SECONDS", "180")),
        "join_seconds": float(os.environ.get("BENCH_JOIN_SECONDS", "60")),
        "beat_seconds": float(os.environ.get("BENCH_BEAT_SECONDS", "15")),
        "threads": int(os.environ.get("BENCH_THREADS", "16")),
    }
    clients = int(os.environ.get("BENCH_CLIENTS", "4"))
    workers = int(os.environ.get("BENCH_WORKERS", "2"))
    admin_url = os.environ.get(
        "BENCH_DATABASE_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres"
    )
    redis_url = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")
    db_name = f"bench_live_{os.getpid()}"
    database_url = urlunsplit(urlsplit(admin_url)._replace(path=f"/{db_name}"))
    env = server_env(
        database_url=database_url,
        cache_url=redis_url,
        secret_key=secrets.token_urlsafe(40),
    )
    # The workers keep their database connections for the run, so the backends
    # whose CPU is read before a side are those after it.
    env["DB_CONN_MAX_AGE"] = "3600"
    os.environ.update(env)
    steps = 5
    admin_execute(admin_url, f'CREATE DATABASE "{db_name}"')
    cpu = {"ours": 0.0, "bare": 0.0}
    sides: dict[str, Side] = {}
    walls: dict[str, float] = {}
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
        lecture, tokens = make_district(members + WARM_MEMBERS)
        tokens, warm = tokens[:members], tokens[members:]
        from django.core.cache import cache

        cache.clear()
        with gunicorn_served(
            "bench.live:application",
            env={**env, "BENCH_LIVE_SERVE": "1"},
            workers=workers,
            ready_path=BARE_PATH,
        ) as port:
            server = _gunicorn_pid(port)
            driver = Clients(
                port=port, tokens=tokens, processes=clients, options=options
            )
            try:
                for step, (name, path) in enumerate(
                    (("ours", heartbeat_path(lecture)), ("bare", BARE_PATH)), start=1
                ):
                    progress(f"{name}: the join storm and the beats", step, steps)
                    driver.warm(path, warm)
                    before = (_children_cpu(server) if server else 0.0) + database_cpu(
                        database_url, db_name
                    )
                    sides[name], walls[name] = driver.play(path)
                    after = (_children_cpu(server) if server else 0.0) + database_cpu(
                        database_url, db_name
                    )
                    cpu[name] = after - before
            finally:
                driver.close()
        progress("checking stored presence", 4, steps)
        stored = stored_seconds(lecture)
        short = {
            number: acknowledged - stored.get(number, 0)
            for number, acknowledged in sides["ours"].credited.items()
            if acknowledged > stored.get(number, 0)
        }
        progress("done", steps, steps)
    finally:
        from django.db import connections

        connections.close_all()
        admin_execute(admin_url, f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')
    ours, bare = sides["ours"], sides["bare"]
    storm = options["join_seconds"]
    ours_storm, bare_storm = ours.storm_answered / storm, bare.storm_answered / storm
    client_cpu = ours.client_cpu + bare.client_cpu
    server_cpu = cpu["ours"] + cpu["bare"]
    print(
        json.dumps(
            {
                "bench": "live",
                "members": members,
                "ratio": round(ours_storm / bare_storm, 3) if bare_storm else 0,
                "lost": len(short),
                "lost_seconds": sum(short.values()),
                "p99_ms": round(_percentile_ms(ours.latencies, 0.99), 1),
                "bare_p99_ms": round(_percentile_ms(bare.latencies, 0.99), 1),
                "storm_rps": {
                    "ours": round(ours_storm, 1),
                    "bare": round(bare_storm, 1),
                },
                "rps": {
                    side: round(sides[side].answered / walls[side], 1)
                    for side in ("ours", "bare")
                },
                "late_p99_ms": {
                    side: round(_percentile_ms(sides[side].late, 0.99), 1)
                    for side in ("ours", "bare")
                },
                "server_cpu_ms_per_beat": {
                    side: round(1000 * cpu[side] / sides[side].answered, 2)
                    if sides[side].answered
                    else 0
                    for side in ("ours", "bare")
                },
                "client_cpu_share": round(client_cpu / (client_cpu + server_cpu), 3)
                if client_cpu + server_cpu
                else 0,
                "client_cpu_per_core": round(
                    client_cpu / (sum(walls.values()) * (os.cpu_count() or 1)), 3
                ),
                "answered": {"ours": ours.answered, "bare": bare.answered},
                "statuses": {"ours": ours.statuses, "bare": bare.statuses},
                "seconds": options["seconds"],
                "join_seconds": storm,
                "beat_seconds": options["beat_seconds"],
                "clients": clients,
                "threads": options["threads"],
                "workers": workers,
            }
        )
    )


if __name__ == "__main__":
    main()

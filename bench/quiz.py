"""Quiz throughput and the buzzer under load, against a bare authenticated view.

Creates a PostgreSQL database of its own, migrates it, makes K members with bearer
tokens, a lesson with a 20-question quiz and a live contest with one 抢答 question,
serves the project with gunicorn on a free loopback port, then:

1. Exam: the members each start an attempt, save 20 answers one request at a time
   (PUT) and submit, concurrently; in alternating slices, the same client threads
   drive a bare authenticated Django JSON view on the same server for as long
   (the baseline). Afterwards every acknowledged answer must be stored and every
   score must be the one the answers given deserve ("lost" counts those that are
   not).
2. Buzzer: the host opens the 抢答 question and P phones answer it at once (four in
   five right). Exactly one answer may win, and it must be the right answer with
   the earliest server stamp.

Prints one JSON line last:

    {"bench":"quiz","submit_rps":..,"bare_rps":..,"ratio":..,"p99_ms":..,"lost":0,
     "buzzer_winners":1, ...}

Environment: BENCH_DATABASE_ADMIN_URL (default postgres://postgres@127.0.0.1:5432/
postgres), BENCH_MEMBERS (500), BENCH_PHONES (200), BENCH_CLIENTS (8),
BENCH_WORKERS (2), BENCH_CACHE_URL (locmem://).
"""

from __future__ import annotations

import http.client
import json
import os
import queue
import secrets
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import (  # noqa: E402 (after the path is set)
    BARE_PATH,
    admin_execute,
    application_with_bare_view,
    gunicorn_start,
    gunicorn_wait,
    progress,
)

API = "/api/v3/assessment"
QUESTIONS = 20
ROUNDS = 5
TEAMS = 100  # the phones are shared out, two to a team


# --- served by gunicorn ---------------------------------------------------------

if os.environ.get("BENCH_QUIZ_SERVE") == "1":
    application = application_with_bare_view()


# --- the benchmark --------------------------------------------------------------


def setup_data(members: int, phones: int) -> dict:
    """Runs inside this process with Django configured for the bench database."""
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from wagtail.models import APIToken

    from assessment import services
    from assessment.models import (
        LiveContest,
        LiveContestItem,
        LiveTeam,
        Quiz,
        QuizQuestion,
    )
    from assessment.services import QuestionData
    from cms.models import HomePage, MicroLessonPage, SectionPage
    from learning.models import Member, Organisation

    home = HomePage.objects.get(depth=2)
    section = SectionPage(title="基准", slug="bench")
    home.add_child(instance=section)
    lesson = MicroLessonPage(title="基准微党课", slug="bench-lesson", duration=600)
    section.add_child(instance=lesson)
    lesson.save_revision().publish()
    questions = [
        services.question_create(
            data=QuestionData(
                kind="single",
                stem=f"基准题 {n}",
                options=[(f"选项 {k}", k == n % 4) for k in range(4)],
            ),
            page=lesson,
        )
        for n in range(QUESTIONS)
    ]
    quiz = Quiz.objects.create(
        title="基准测验", kind="lesson", page=lesson, time_limit_minutes=600
    )
    for index, question in enumerate(questions):
        QuizQuestion.objects.create(quiz=quiz, question=question, sort_order=index)
    keys = {q.pk: [o.pk for o in q.options.all() if o.correct][0] for q in questions}
    wrong = {
        q.pk: [o.pk for o in q.options.all() if not o.correct][0] for q in questions
    }
    org = Organisation.objects.create(code="BENCH", name="基准支部", kind="branch")
    User = get_user_model()
    tokens = []
    for index in range(members):
        user = User(username=f"bench{index}")
        user.set_unusable_password()
        user.save()
        Member.objects.create(user=user, name=user.username, organisation=org)
        tokens.append(APIToken.create_token(user=user, name="bench")[1])
        if index % 50 == 49:
            progress("members and tokens", index + 1, members)
    host = User(username="bench-host")
    host.set_unusable_password()
    host.save()
    host.groups.add(Group.objects.get(name="编辑"))
    host_token = APIToken.create_token(user=host, name="bench")[1]
    buzzer_question = questions[0]
    contest = LiveContest.objects.create(title="基准擂台赛", organisation=org)
    item = LiveContestItem.objects.create(
        contest=contest, question=buzzer_question, kind="buzzer", answer_seconds=600
    )
    teams = [
        LiveTeam.objects.create(contest=contest, name=f"队 {n}", sort_order=n)
        for n in range(min(TEAMS, phones))
    ]
    devices = []
    for n in range(phones):
        team = teams[n % len(teams)]
        device, token = services.live_device_join(code=team.join_code)
        devices.append((team.pk, token))
    return {
        "quiz": quiz.pk,
        "keys": keys,
        "wrong": wrong,
        "tokens": tokens,
        "host_token": host_token,
        "contest": contest.pk,
        "item": item.pk,
        "buzzer_right": keys[buzzer_question.pk],
        "buzzer_wrong": wrong[buzzer_question.pk],
        "devices": devices,
    }


class Client:
    def __init__(self, port: int):
        self.port = port

    def request(
        self, method: str, path: str, body=None, headers=None
    ) -> tuple[int, bytes, float]:
        payload = json.dumps(body) if body is not None else None
        started = time.perf_counter()
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        conn.request(
            method,
            path,
            body=payload,
            headers={"Content-Type": "application/json", **(headers or {})},
        )
        response = conn.getresponse()
        data = response.read()
        conn.close()
        return response.status, data, time.perf_counter() - started


class Totals:
    def __init__(self):
        self.latencies: list[float] = []
        self.wall = 0.0
        self.failures = 0
        self.lock = threading.Lock()

    def record(self, status: int, elapsed: float, ok: tuple[int, ...]) -> None:
        with self.lock:
            if status in ok:
                self.latencies.append(elapsed)
            else:
                self.failures += 1

    def rps(self) -> float:
        return len(self.latencies) / self.wall if self.wall else 0.0

    def p99_ms(self) -> float:
        latencies = sorted(self.latencies)
        return latencies[int(0.99 * (len(latencies) - 1))] * 1000 if latencies else 0.0


def expected_right(member: int, position: int) -> bool:
    return (member + position) % 5 != 0  # four in five right


def run_exam(client: Client, data: dict, members: list[int], clients: int, totals):
    """Each member: start, 20 answers one at a time, submit. Returns what was
    acknowledged: {member: [(question, option)]} and {member: attempt id}."""
    work: queue.Queue[int] = queue.Queue()
    for member in members:
        work.put(member)
    acknowledged: dict[int, list[tuple[int, int]]] = {}
    attempts: dict[int, int] = {}
    lock = threading.Lock()

    def worker():
        while True:
            try:
                member = work.get_nowait()
            except queue.Empty:
                return
            auth = {"Authorization": f"Bearer {data['tokens'][member]}"}
            status, body, elapsed = client.request(
                "POST", f"{API}/quizzes/{data['quiz']}/attempts", headers=auth
            )
            totals.record(status, elapsed, (200, 201))
            if status not in (200, 201):
                continue
            attempt = json.loads(body)
            saved = []
            for position, question in enumerate(attempt["questions"]):
                qid = question["id"]
                right = expected_right(member, position)
                option = data["keys"][qid] if right else data["wrong"][qid]
                status, _, elapsed = client.request(
                    "PUT",
                    f"{API}/attempts/{attempt['id']}/answers/{qid}",
                    {"options": [option], "correct": True, "score": 100},
                    auth,
                )
                totals.record(status, elapsed, (200,))
                if status == 200:
                    saved.append((qid, option))
            status, _, elapsed = client.request(
                "POST", f"{API}/attempts/{attempt['id']}/submit", {}, auth
            )
            totals.record(status, elapsed, (200,))
            with lock:
                acknowledged[member] = saved
                attempts[member] = attempt["id"]

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    began = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    totals.wall += time.monotonic() - began
    return acknowledged, attempts


def run_bare(client: Client, data: dict, seconds: float, clients: int, totals):
    deadline = time.monotonic() + seconds
    turn = [0]
    lock = threading.Lock()

    def worker():
        while time.monotonic() < deadline:
            with lock:
                turn[0] += 1
                member = turn[0] % len(data["tokens"])
            auth = {"Authorization": f"Bearer {data['tokens'][member]}"}
            status, _, elapsed = client.request(
                "PUT", BARE_PATH, {"options": [1], "correct": True}, auth
            )
            totals.record(status, elapsed, (200,))

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    began = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    totals.wall += time.monotonic() - began


def lost_answers(data: dict, acknowledged: dict, attempts: dict) -> int:
    """Acknowledged answers not stored as given, plus attempts whose score is not
    what the answers given deserve."""
    from decimal import Decimal

    from assessment.models import AttemptQuestion, QuizAttempt

    lost = 0
    for member, saved in acknowledged.items():
        stored = dict(
            AttemptQuestion.objects.filter(attempt_id=attempts[member]).values_list(
                "question_id", "answer"
            )
        )
        for question, option in saved:
            if (stored.get(question) or {}).get("options") != [option]:
                lost += 1
        right = sum(1 for q, o in saved if data["keys"][q] == o)
        attempt = QuizAttempt.objects.get(pk=attempts[member])
        expected = (Decimal(100 * right) / QUESTIONS).quantize(Decimal("0.01"))
        if attempt.status != "submitted" or attempt.score != expected:
            lost += 1
    return lost


def run_buzzer(client: Client, data: dict) -> dict:
    host = {"Authorization": f"Bearer {data['host_token']}"}
    for _ in range(2):  # idle → ready → open
        status, body, _ = client.request(
            "POST", f"{API}/live/{data['contest']}/advance", {}, host
        )
        if status != 200:
            raise RuntimeError(f"advance answered {status}: {body[:200]!r}")
    barrier = threading.Barrier(len(data["devices"]))
    statuses: list[int] = []
    lock = threading.Lock()

    def phone(index: int, team: int, token: str):
        option = data["buzzer_wrong"] if index % 5 == 0 else data["buzzer_right"]
        barrier.wait()
        status, _, _ = client.request(
            "POST",
            f"{API}/live/{data['contest']}/answers",
            {"team": team, "item": data["item"], "options": [option]},
            {"X-Device-Token": token},
        )
        with lock:
            statuses.append(status)

    threads = [
        threading.Thread(target=phone, args=(index, team, token))
        for index, (team, token) in enumerate(data["devices"])
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    from assessment.models import LiveAnswer

    answers = list(LiveAnswer.objects.filter(item_id=data["item"]))
    winners = [a for a in answers if a.won]
    right = [a for a in answers if a.correct]
    earliest = min(right, key=lambda a: (a.answered_at, a.pk)) if right else None
    return {
        "winners": len(winners),
        "earliest": bool(winners and earliest and winners[0].pk == earliest.pk),
        "recorded": len(answers),
        "refused": sum(1 for s in statuses if s == 409),
        "errors": sum(1 for s in statuses if s not in (201, 409)),
    }


def main() -> None:
    members = int(os.environ.get("BENCH_MEMBERS", "500"))
    phones = int(os.environ.get("BENCH_PHONES", "200"))
    clients = int(os.environ.get("BENCH_CLIENTS", "8"))
    workers = int(os.environ.get("BENCH_WORKERS", "2"))
    admin_url = os.environ.get(
        "BENCH_DATABASE_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres"
    )
    db_name = f"bench_quiz_{os.getpid()}"
    database_url = urlunsplit(urlsplit(admin_url)._replace(path=f"/{db_name}"))
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "CACHE_URL": os.environ.get("BENCH_CACHE_URL", "locmem://"),
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(40),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "DB_CONN_MAX_AGE": "60",
        "LOG_LEVEL": "ERROR",
        "DJANGO_SETTINGS_MODULE": "dangke.settings",
    }
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    admin_execute(admin_url, f'CREATE DATABASE "{db_name}"')
    server = None
    try:
        progress("migrating", 0, 1)
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput", "-v0"],
            cwd=ROOT,
            env=env,
            check=True,
            timeout=900,
        )
        progress("migrating", 1, 1)
        data = setup_data(members, phones)
        server, port = gunicorn_start(
            "bench.quiz:application",
            env={**env, "BENCH_QUIZ_SERVE": "1"},
            workers=workers,
            extra=("--backlog=2048",),
        )
        gunicorn_wait(server, port, path="/api/v3/openapi.json", seconds=240)
        client = Client(port)
        # Warm both paths up (a few members who are not measured).
        warm = list(range(members - min(8, members // 10 or 1), members))
        run_exam(client, data, warm, clients, Totals())
        run_bare(client, data, 1.0, clients, Totals())
        ours, bare = Totals(), Totals()
        measured = [m for m in range(members) if m not in warm]
        chunk = -(-len(measured) // ROUNDS)
        acknowledged: dict = {}
        attempts: dict = {}
        for turn in range(ROUNDS):
            progress(f"exam round {turn + 1}/{ROUNDS}", turn, ROUNDS)
            before = ours.wall
            part = measured[turn * chunk : (turn + 1) * chunk]
            saved, made = run_exam(client, data, part, clients, ours)
            acknowledged.update(saved)
            attempts.update(made)
            run_bare(client, data, ours.wall - before, clients, bare)
        progress("exam rounds", ROUNDS, ROUNDS)
        lost = lost_answers(data, acknowledged, attempts)
        lost += len(measured) - len(acknowledged)
        progress("buzzer", 0, 1)
        buzzer = run_buzzer(client, data)
        progress("buzzer", 1, 1)
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
                "bench": "quiz",
                "submit_rps": round(ours.rps(), 1),
                "bare_rps": round(bare.rps(), 1),
                "ratio": round(ours.rps() / bare.rps(), 3) if bare.rps() else 0,
                "p99_ms": round(ours.p99_ms(), 1),
                "lost": lost,
                "buzzer_winners": buzzer["winners"],
                "buzzer_earliest": buzzer["earliest"],
                "buzzer_answers": buzzer["recorded"],
                "buzzer_refused": buzzer["refused"],
                "buzzer_errors": buzzer["errors"],
                "failures": ours.failures,
                "members": len(measured),
                "phones": phones,
                "clients": clients,
                "workers": workers,
            }
        )
    )


if __name__ == "__main__":
    main()

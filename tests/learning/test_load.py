"""Heartbeat load (issue 12, B4): 500 simulated members send heartbeats for 60 s over
loopback against gunicorn and PostgreSQL, with no errors and no lost intervals.

Reuses the heartbeat benchmark's pieces (``bench/heartbeat.py``): its members and
tokens, its gunicorn server and its client processes, pointed at the test database.
"""

from __future__ import annotations

from urllib.parse import quote

import pytest
from django.db import connection

from bench import heartbeat
from learning.intervals import intervals_merge
from tests.services import postgres_only

pytestmark = [
    pytest.mark.heavy,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]

MEMBERS = 500
SECONDS = 60
CLIENT_PROCESSES = 8


@pytest.fixture
def database_url() -> str:
    """The test database as a URL the served project can use."""
    postgres_only(
        "the heartbeat load test needs PostgreSQL (make test-heavy)", ci_fails=True
    )
    conf = connection.settings_dict
    user = quote(conf["USER"] or "postgres", safe="")
    password = f":{quote(conf['PASSWORD'], safe='')}" if conf["PASSWORD"] else ""
    host = conf["HOST"] or "127.0.0.1"
    port = conf["PORT"] or 5432
    return f"postgres://{user}{password}@{host}:{port}/{conf['NAME']}"


def test_500_members_beat_for_a_minute_and_lose_nothing(
    home_page, database_url, settings
):
    lesson, tokens = heartbeat.make_members(MEMBERS)
    env = heartbeat.server_env(
        database_url=database_url, cache_url=None, secret_key=settings.SECRET_KEY
    )
    with heartbeat.served(env, workers=2) as port:
        clients = heartbeat.Clients(
            port=port, lesson=lesson, tokens=tokens, processes=CLIENT_PROCESSES
        )
        try:
            run = clients.run(heartbeat.PROGRESS_PATH, SECONDS)
            sent = clients.sent()
        finally:
            clients.close()
    assert run.statuses == {200: run.answered}, "every beat is answered 200"
    assert all(sent[index] for index in range(MEMBERS)), "every member beat"
    stored = heartbeat.stored_intervals(lesson)
    for index in range(MEMBERS):
        expected = [[start, end] for start, end in intervals_merge(sent[index])]
        assert stored.get(index) == expected, f"member bench{index}"

"""/healthz answers while the process runs; /readyz names each dependency with its
state and answers 503 when one is down. Dependencies are brought down for real: the
broker, storage and search are pointed at a closed loopback port, the database is
one in a separate process."""

from __future__ import annotations

import threading

import pytest

from bench.common import free_port
from dangke import health


def closed_port_url(scheme: str) -> str:
    # A port just freed: nothing listens, so a connection is refused at once.
    return f"{scheme}://127.0.0.1:{free_port()}"


def test_healthz_answers_without_touching_a_dependency(client, settings):
    settings.CELERY_BROKER_URL = closed_port_url("redis") + "/0"
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert response["Cache-Control"].startswith("max-age=0")


def test_readyz_names_every_dependency_up(client, db):
    response = client.get("/readyz")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "ready"
    assert set(body["checks"]) == {"database", "broker", "storage", "search"}
    assert {check["state"] for check in body["checks"].values()} == {"up"}


def test_readyz_sees_redis_up(client, db, settings, redis_url):
    settings.CELERY_BROKER_URL = redis_url
    body = client.get("/readyz").json()
    assert body["checks"]["broker"] == {"state": "up", "detail": "redis"}


@pytest.mark.parametrize(
    ("name", "overrides"),
    [
        ("broker", {"CELERY_BROKER_URL": closed_port_url("redis") + "/0"}),
        (
            "storage",
            {
                "AWS_STORAGE_BUCKET_NAME": "media",
                "AWS_S3_ENDPOINT_URL": closed_port_url("http"),
                "AWS_S3_REGION_NAME": "us-east-1",
                "AWS_ACCESS_KEY_ID": "test",
                "AWS_SECRET_ACCESS_KEY": "test",
            },
        ),
        (
            "search",
            {
                "SEARCH_BACKEND": "elasticsearch",
                "ELASTICSEARCH_URL": closed_port_url("http"),
            },
        ),
    ],
)
def test_readyz_answers_503_naming_the_dependency_that_is_down(
    client, db, settings, name, overrides
):
    for key, value in overrides.items():
        setattr(settings, key, value)
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"][name]["state"] == "down"
    assert [n for n, c in body["checks"].items() if c["state"] != "up"] == [name]
    # The exception's class, never its text (hosts, credentials).
    assert "127.0.0.1" not in response.content.decode()


def test_readyz_bounds_a_hanging_check(client, db, settings, monkeypatch):
    settings.READYZ_TIMEOUT = 1
    release = threading.Event()

    def hang():
        release.wait(10)
        return health.CheckResult(health.UP)

    monkeypatch.setitem(health._checks, "hanging", hang)
    try:
        response = client.get("/readyz")
    finally:
        release.set()
    assert response.status_code == 503
    body = response.json()
    assert body["checks"]["hanging"]["state"] == "timeout"
    assert body["checks"]["database"]["state"] == "up"
    assert body["elapsed_ms"] < 5000


def test_readyz_with_the_database_down(client, db, monkeypatch):
    """The database check connects, for real, to a closed port."""
    from django.db.utils import ConnectionHandler

    from dangke.settings import _database

    down = ConnectionHandler({"default": _database(closed_port_url("postgres") + "/x")})
    monkeypatch.setattr(health, "connections", down)
    response = client.get("/readyz")
    assert response.status_code == 503
    check = response.json()["checks"]["database"]
    assert check == {"state": "down", "detail": "OperationalError"}

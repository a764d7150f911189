"""Request ids: a sane incoming X-Request-ID is kept, anything else replaced by a new
one; every response names it and every log line of the request carries it, as one
JSON object."""

from __future__ import annotations

import json
import logging

import pytest

from dangke.logs import JsonFormatter, RequestIdFilter, request_id_from


@pytest.mark.parametrize(
    "incoming",
    ["abc", "7f3c9a10-2b4e-4c1e-9d0a-5e6f7a8b9c0d", "lb:edge-1.a_b", "x" * 64],
)
def test_a_sane_incoming_request_id_is_kept(client, incoming):
    response = client.get("/healthz", HTTP_X_REQUEST_ID=incoming)
    assert response["X-Request-ID"] == incoming


@pytest.mark.parametrize(
    "incoming",
    ["", "x" * 65, "id with space", "id\r\nSet-Cookie: a=b", "-leading", "<script>"],
)
def test_an_odd_incoming_request_id_is_replaced(client, incoming):
    response = client.get("/healthz", HTTP_X_REQUEST_ID=incoming)
    generated = response["X-Request-ID"]
    assert generated != incoming and len(generated) == 32 and generated.isalnum()


def test_each_request_gets_its_own_id(client):
    ids = {client.get("/healthz")["X-Request-ID"] for _ in range(3)}
    assert len(ids) == 3
    assert request_id_from(None) != request_id_from(None)


def test_log_lines_are_json_with_the_request_id(client, db, caplog, monkeypatch):
    """A record logged while serving a request carries its id."""
    caplog.set_level(logging.INFO, logger="dangke.probe")
    caplog.handler.addFilter(RequestIdFilter())

    def readiness():
        logging.getLogger("dangke.probe").info("checking %s", "云", extra={"n": 3})
        return {"ready": True, "checks": {}, "elapsed_ms": 0}

    monkeypatch.setattr("dangke.views.readiness", readiness)
    response = client.get("/readyz", HTTP_X_REQUEST_ID="req-42")
    assert response.status_code == 200
    (record,) = [r for r in caplog.records if r.name == "dangke.probe"]
    line = JsonFormatter().format(record)
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["request_id"] == "req-42"
    assert entry["message"] == "checking 云" and entry["n"] == 3
    assert entry["level"] == "INFO" and entry["time"].endswith("+00:00")


def test_outside_a_request_the_id_is_a_dash():
    record = logging.makeLogRecord({"msg": "worker started", "levelname": "INFO"})
    RequestIdFilter().filter(record)
    assert json.loads(JsonFormatter().format(record))["request_id"] == "-"


def test_the_settings_log_json_through_the_filter():
    from django.conf import settings

    handler = settings.LOGGING["handlers"]["console"]
    assert handler["formatter"] == "json" and handler["filters"] == ["request_id"]


_LOG_SOME = """
import logging
import django

django.setup()
logging.getLogger("media_pipeline.tasks").info("task ran", extra={"asset": 7})
logging.getLogger("celery.app.trace").info("Task succeeded")
logging.getLogger("django.server").info('"GET /healthz HTTP/1.1" 200 2')
logging.getLogger("cms.services").warning("something to see")
"""


def _log_in_a_fresh_process(tmp_path, **env) -> tuple[str, list[dict]]:
    """Run the settings' logging configuration in its own process (the console is
    its stderr) and return the console's text and the log file's entries."""
    import os
    import subprocess
    import sys

    from django.conf import settings

    environ = {
        key: value
        for key, value in os.environ.items()
        if key not in {"LOG_LEVEL", "LOG_FORMAT"}
    }
    environ.update(
        DANGKE_VAR_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="dangke.settings"
    )
    environ.update(env)
    done = subprocess.run(
        [sys.executable, "-c", _LOG_SOME],
        cwd=settings.BASE_DIR,
        env=environ,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    log_file = tmp_path / "log" / "dangke.log"
    lines = log_file.read_text(encoding="utf-8").splitlines()
    return done.stderr, [json.loads(line) for line in lines]


def test_at_the_default_level_task_records_go_to_the_file_not_the_console(tmp_path):
    console, entries = _log_in_a_fresh_process(tmp_path)
    # The file holds every record as JSON, the task's INFO lines included.
    assert [e["message"] for e in entries] == [
        "task ran",
        "Task succeeded",
        '"GET /healthz HTTP/1.1" 200 2',
        "something to see",
    ]
    assert entries[0]["asset"] == 7 and entries[0]["request_id"] == "-"
    # The terminal shows the request line and the warning only.
    shown = [json.loads(line)["message"] for line in console.splitlines()]
    assert shown == ['"GET /healthz HTTP/1.1" 200 2', "something to see"]


def test_log_level_brings_the_task_records_to_the_console(tmp_path):
    console, entries = _log_in_a_fresh_process(
        tmp_path, LOG_LEVEL="info", LOG_FORMAT="text"
    )
    assert "task ran" in console and "Task succeeded" in console
    assert len(entries) == 4  # the file stays JSON


def test_the_console_handler_lets_requests_and_warnings_through():
    from dangke.logs import ConsoleHandler

    quiet = ConsoleHandler(shown_from="WARNING", always=["django.server"])

    def record(name, level):
        return logging.makeLogRecord({"name": name, "levelno": level, "msg": "x"})

    assert quiet.filter(record("django.server", logging.INFO))
    assert quiet.filter(record("celery.app.trace", logging.WARNING))
    assert not quiet.filter(record("celery.app.trace", logging.INFO))
    assert not quiet.filter(record("django.serverless", logging.INFO))
    assert ConsoleHandler(shown_from="INFO").filter(record("celery", logging.INFO))

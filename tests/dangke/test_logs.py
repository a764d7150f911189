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

"""A server error shows no exception text: the API answers a problem document and the
portal and admin a small page, each saying it was logged and naming the request id,
which the X-Request-ID header repeats and the log record (with the traceback)
carries. In DEBUG (the demo's mode) too."""

from __future__ import annotations

import json
import logging

import pytest

from dangke.logs import JsonFormatter, RequestIdFilter

SECRET = "relation dangke_secret_table at db-internal.example:5432 for 张三"


def boom(*args, **kwargs):
    raise RuntimeError(SECRET)


@pytest.fixture
def error_log(caplog):
    """The records of ``dangke.errors``, passed through the project's filter."""
    caplog.set_level(logging.ERROR, logger="dangke.errors")
    caplog.handler.addFilter(RequestIdFilter())
    yield caplog
    caplog.handler.removeFilter(caplog.handler.filters[-1])


def assert_logged(error_log, request_id: str) -> None:
    records = [r for r in error_log.records if r.name == "dangke.errors"]
    assert len(records) == 1
    line = json.loads(JsonFormatter().format(records[0]))
    assert line["request_id"] == request_id
    assert line["level"] == "ERROR"
    assert SECRET in line["exc"] and "Traceback" in line["exc"]


@pytest.mark.parametrize("debug", [False, True])
def test_an_api_server_error_names_the_request_id_not_the_exception(
    client, settings, monkeypatch, error_log, debug
):
    settings.DEBUG = debug
    monkeypatch.setattr("search.selectors.search_suggest", boom)
    response = client.get(
        "/api/v3/search/suggest?q=党史", HTTP_X_REQUEST_ID="probe-1234"
    )
    assert response.status_code == 500
    assert response["Content-Type"] == "application/problem+json"
    assert response["X-Request-ID"] == "probe-1234"
    body = response.json()
    assert body["code"] == "server_error" and body["status"] == 500
    assert body["request_id"] == "probe-1234"
    assert "probe-1234" in body["detail"] and "已记录" in body["detail"]
    assert "secret" not in response.content.decode() and "张三" not in body["detail"]
    assert_logged(error_log, "probe-1234")


@pytest.mark.parametrize("debug", [False, True])
def test_a_portal_server_error_page_names_the_request_id(
    client, settings, monkeypatch, error_log, debug
):
    settings.DEBUG = debug
    monkeypatch.setattr("themes.views_search.search_run", boom)
    response = client.get("/search/?q=党史")
    assert response.status_code == 500
    assert response["Content-Type"].startswith("text/html")
    request_id = response["X-Request-ID"]
    assert len(request_id) == 32  # generated: no id came in
    text = response.content.decode()
    assert request_id in text and "已记录" in text
    assert "secret" not in text and "Traceback" not in text
    assert_logged(error_log, request_id)


def test_an_admin_server_error_page_names_the_request_id(
    client_for, settings, monkeypatch, error_log, django_user_model
):
    settings.DEBUG = True
    admin = django_user_model.objects.create_superuser("boss", "b@example.com", "pw")
    monkeypatch.setattr("learning.selectors.organisations_administered", boom)
    response = client_for(admin).get("/admin/learning/reports/")
    assert response.status_code == 500
    text = response.content.decode()
    assert response["X-Request-ID"] in text
    assert "secret" not in text and "SECRET_KEY" not in text
    assert_logged(error_log, response["X-Request-ID"])


def test_client_errors_stay_client_errors(client, db):
    assert client.get("/no-such-page/").status_code == 404
    assert client.get("/api/v3/learning/no-such/").status_code == 404

"""Search tasks retry only what may pass by itself; anything else is logged once and
given up, never retried six times."""

from __future__ import annotations

import elastic_transport
import pytest
from django.db import OperationalError

from search import tasks


@pytest.mark.parametrize(
    "error",
    [
        OperationalError("server closed the connection unexpectedly"),
        ConnectionRefusedError(),
        TimeoutError(),
        elastic_transport.ConnectionError("refused"),
        elastic_transport.ConnectionTimeout("timed out"),
    ],
)
def test_transient_failures_retry(error):
    assert tasks.is_transient(error)


@pytest.mark.parametrize(
    "error", [ValueError("bad document"), KeyError("title"), TypeError()]
)
def test_defects_do_not_retry(error):
    assert not tasks.is_transient(error)


def test_a_defect_is_logged_and_given_up(monkeypatch, caplog):
    calls = []

    def broken(**kwargs):
        calls.append(kwargs)
        raise ValueError("a document that cannot be built")

    monkeypatch.setattr(tasks.services, "search_pages_sync", broken)
    result = tasks.search_pages_sync_task.apply(args=([1, 2],))
    assert result.successful() and result.result is None
    assert len(calls) == 1  # not retried
    assert (
        "not retried" in caplog.text
        and "a document that cannot be built" in caplog.text
    )


def test_a_transient_failure_asks_celery_to_retry(monkeypatch):
    from celery.exceptions import Retry

    def down(**kwargs):
        raise OperationalError("the database restarted")

    monkeypatch.setattr(tasks.services, "search_pages_sync", down)
    with pytest.raises(Retry) as retry:
        tasks.search_pages_sync_task.apply(args=([1, 2],), throw=True)
    assert isinstance(retry.value.exc, OperationalError)
    assert retry.value.when == 2  # backoff: 2 s, then 4, 8, … up to 300

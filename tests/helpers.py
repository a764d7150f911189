"""Helpers several test modules share (fixtures live in conftest.py, rows are made by
tests/factories.py): the one problem-document assertion, export cells read back,
threads released together, a lecturer's lesson form, heartbeats as services."""

from __future__ import annotations

import csv
import io
import threading
import uuid
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from django.db import connection
from django.urls import reverse
from django.utils import timezone

ROOT = Path(__file__).resolve().parents[1]

# --- the API's answers ------------------------------------------------------------------

PROBLEM_KEYS = {"type", "title", "status", "detail", "code"}


def assert_problem(response, status: int, code: str | None = None) -> dict:
    """``response`` is the one error shape: a problem document with a code."""
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/problem+json")
    body = response.json()
    assert PROBLEM_KEYS <= set(body), body
    assert body["status"] == status
    assert body["detail"] and isinstance(body["detail"], str)
    if code is not None:
        assert body["code"] == code, body
    return body


def bearer(token: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


# --- exports ----------------------------------------------------------------------------


def export_cells(response, fmt: str) -> list:
    """Every cell of an export response, read back with the csv module or openpyxl;
    an XLSX cell stored as a formula fails the test at once."""
    from openpyxl import load_workbook

    content = (
        b"".join(response.streaming_content) if response.streaming else response.content
    )
    if fmt == "csv":
        text = content.decode("utf-8-sig")
        return [
            cell for row in csv.reader(io.StringIO(text, newline="")) for cell in row
        ]
    sheet = load_workbook(io.BytesIO(content)).active
    cells = [cell for row in sheet.iter_rows() for cell in row]
    assert not [c.value for c in cells if c.data_type == "f"]
    return [c.value for c in cells if c.value is not None]


def assert_neutralised(cells: list, *hostile: str) -> None:
    texts = [cell for cell in cells if isinstance(cell, str)]
    live = [t for t in texts if t.startswith(("=", "+", "-", "@", "\t", "\r"))]
    assert not live, live
    for value in hostile:
        assert any(t.startswith("'" + value) for t in texts), (value, texts)


# --- concurrency ------------------------------------------------------------------------


def run_in_threads(targets: list[Callable]) -> tuple[list, list[BaseException]]:
    """Call each of ``targets`` in its own thread, all released together by a
    barrier; return what they returned (in the order they finished) and what
    they raised. Each thread closes its database connection."""
    results: list = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(targets))
    lock = threading.Lock()

    def run(target):
        try:
            barrier.wait()
            outcome = target()
            with lock:
                results.append(outcome)
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            with lock:
                errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(t,)) for t in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results, errors


# --- the admin's lesson form (a lecturer's submission) --------------------------------


def lesson_form(title: str, slug: str, **extra) -> dict:
    data = {
        "title": title,
        "slug": slug,
        "summary": "讲师投稿的微党课",
        "duration": "180",
        "tags": "",
        "courseware-TOTAL_FORMS": "0",
        "courseware-INITIAL_FORMS": "0",
        "courseware-MIN_NUM_FORMS": "0",
        "courseware-MAX_NUM_FORMS": "1000",
        "comments-TOTAL_FORMS": "0",
        "comments-INITIAL_FORMS": "0",
        "comments-MIN_NUM_FORMS": "0",
        "comments-MAX_NUM_FORMS": "1000",
    }
    data.update(extra)
    return data


def add_url(parent) -> str:
    return reverse("wagtailadmin_pages:add", args=["cms", "microlessonpage", parent.pk])


# --- heartbeats, called as learning's service ---------------------------------------------

T0 = timezone.now().replace(microsecond=0)


def beat(member, lesson, playback, seq, ranges, position=None, at=0.0, rate=1.0):
    """One heartbeat ``at`` seconds after ``T0``."""
    from learning import services

    return services.lesson_progress_record(
        member=member,
        lesson_id=lesson.pk,
        playback_id=playback,
        seq=seq,
        ranges=ranges,
        position=ranges[-1][1] if position is None and ranges else (position or 0),
        rate=rate,
        now=T0 + timedelta(seconds=at),
    )


def watch(member, lesson, start, end, *, step=10, at=0.0, playback=None):
    """Play ``start``..``end`` at normal speed with a beat every ``step`` seconds."""
    playback = playback or uuid.uuid4()
    answer = beat(member, lesson, playback, 0, [], position=start, at=at)
    seq, cursor = 1, start
    while cursor < end:
        upto = min(end, cursor + step)
        at += upto - cursor
        answer = beat(member, lesson, playback, seq, [[cursor, upto]], at=at)
        seq, cursor = seq + 1, upto
    return answer

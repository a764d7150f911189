"""Concurrent heartbeats for one member and lesson lose nothing (PostgreSQL)."""

from __future__ import annotations

import threading
import uuid
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from learning import services
from learning.models import LessonProgress
from tests import factories

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture(autouse=True)
def _needs_postgres():
    if connection.vendor != "postgresql":
        pytest.skip(
            "row locks under real concurrency need PostgreSQL; "
            "SQLite serialises writers anyway (runs in the PostgreSQL pass)"
        )


def _run_in_threads(targets) -> list[BaseException]:
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(targets))

    def run(target):
        try:
            barrier.wait()
            target()
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(t,)) for t in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return errors


def test_concurrent_beats_lose_nothing(home_page):
    section = factories.section(home_page, title="并发", slug="concurrency")
    lesson = factories.lesson(section, duration=600)
    branch = factories.organisation(kind="branch", code="BR")
    member = factories.member(organisation=branch, username="racer")
    t0 = timezone.now()
    shared = uuid.uuid4()
    playbacks = [uuid.uuid4() for _ in range(6)]
    for playback in [shared, *playbacks]:
        services.lesson_progress_record(
            member=member, lesson_id=lesson.pk, playback_id=playback, seq=0,
            ranges=[], position=0, rate=1, now=t0,
        )  # fmt: skip

    # Beats arriving together carry the same server time. 90 s after the first
    # beat the member may have earned 90 × 2 + 10 = 190 s, so the 180 s sent below
    # are all due, whichever beat writes first: anything missing was lost.
    at = t0 + timedelta(seconds=90)

    def separate(index: int):
        # Six playbacks (e.g. a phone and a PC) each adding their own 20 s.
        return lambda: services.lesson_progress_record(
            member=member, lesson_id=lesson.pk, playback_id=playbacks[index],
            seq=1, ranges=[[index * 20, index * 20 + 20]], position=index * 20 + 20,
            rate=1, now=at,
        )  # fmt: skip

    def same_playback(index: int):
        # Six beats of one playback arriving at once, each with 10 s further on.
        start = 200 + index * 10
        return lambda: services.lesson_progress_record(
            member=member, lesson_id=lesson.pk, playback_id=shared, seq=index + 1,
            ranges=[[start, start + 10]], position=start + 10, rate=1, now=at,
        )  # fmt: skip

    errors = _run_in_threads(
        [separate(i) for i in range(6)] + [same_playback(i) for i in range(6)]
    )
    assert errors == []
    progress = LessonProgress.objects.get(member=member, lesson=lesson)
    assert progress.intervals == [[0, 120], [200, 260]]
    assert progress.watched_seconds == pytest.approx(180)

"""Concurrent heartbeats for one member and lesson lose nothing (PostgreSQL)."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from learning import services
from learning.models import LessonProgress
from tests import factories
from tests.helpers import run_in_threads
from tests.services import postgres_only

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture(autouse=True)
def _needs_postgres():
    postgres_only(
        "row locks under real concurrency need PostgreSQL; "
        "SQLite serialises writers anyway (runs in the PostgreSQL pass)"
    )


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

    _, errors = run_in_threads(
        [separate(i) for i in range(6)] + [same_playback(i) for i in range(6)]
    )
    assert errors == []
    progress = LessonProgress.objects.get(member=member, lesson=lesson)
    assert progress.intervals == [[0, 120], [200, 260]]
    assert progress.watched_seconds == pytest.approx(180)


def test_concurrent_beats_on_many_lessons_share_one_wall_clock(home_page):
    # Issue 12: one member plays twelve lessons at once; each round of beats
    # arrives together. In 60 s of wall clock at most 60 × 2 + 10 s are credited.
    section = factories.section(home_page, title="多课并发", slug="many-lessons")
    lessons = [factories.lesson(section, duration=600) for _ in range(12)]
    branch = factories.organisation(kind="branch", code="BR")
    member = factories.member(organisation=branch, username="multi")
    t0 = timezone.now()
    playbacks = [uuid.uuid4() for _ in lessons]

    def beat(index: int, round_: int):
        start = round_ * 200
        return lambda: services.lesson_progress_record(
            member=member, lesson_id=lessons[index].pk, playback_id=playbacks[index],
            seq=round_, ranges=[[start, start + 200]], position=start + 200, rate=1,
            now=t0 + timedelta(seconds=30 * round_),
        )  # fmt: skip

    for round_ in range(3):
        _, errors = run_in_threads([beat(index, round_) for index in range(12)])
        assert errors == []
    watched = LessonProgress.objects.filter(member=member).values_list(
        "watched_seconds", flat=True
    )
    assert len(watched) == 12
    assert sum(watched) == pytest.approx(
        60 * services.MAX_PLAYBACK_RATE + services.CREDIT_SLACK_SECONDS
    )

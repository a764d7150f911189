"""The per-playback state stored in a progress row reads into ``PlaybackState`` and
is written back in the same JSON shape (answers compact), so rows written before it
still work."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from wagtail.models import APIToken

from learning import services
from learning.models import LessonProgress, MemberCreditClock
from learning.progress_store import (
    PlaybackState,
    ProgressAnswer,
    progress_row_create,
    progress_row_read,
    progress_row_write,
)
from learning.services.progress import KEPT_ANSWERS

STORED = {
    "first": 1751331600.0,
    "last": 1751331620.5,
    "credited": 20.5,
    "max_seq": 3,
    "seqs": [[0, 1], [3, 3]],
    "answers": {
        "1": {"watched_ratio": 0.0167, "completed": False,
              "resume_position": 10.0, "credited_seconds": 10.0},
        "3": {"watched_ratio": 0.0342, "completed": False,
              "resume_position": 20.5, "credited_seconds": 10.5},
    },
}  # fmt: skip


# The same state as now written: answers as [ratio, completed, position, credited].
COMPACT = {
    **STORED,
    "answers": {"1": [0.0167, False, 10.0, 10.0], "3": [0.0342, False, 20.5, 10.5]},
}


def test_stored_state_round_trips_unchanged():
    state = PlaybackState.from_json(COMPACT)
    assert state.answers[3] == ProgressAnswer(0.0342, False, 20.5, 10.5)
    assert state.has_seen(1) and not state.has_seen(2)
    assert state.as_json() == COMPACT
    assert list(state.as_json()) == list(COMPACT)


def test_state_written_before_answers_were_compact_reads_the_same():
    assert PlaybackState.from_json(STORED) == PlaybackState.from_json(COMPACT)
    assert PlaybackState.from_json(STORED).as_json() == COMPACT


def test_a_busy_playback_stays_small_enough_to_stay_in_the_row():
    """A playback with all its kept answers is well under PostgreSQL's ~2 KB
    threshold, past which every beat's row would be compressed and moved out of
    line (TOAST)."""
    state = PlaybackState(first=1751331600.123456, last=1751335200.654321)
    for seq in range(1000, 1000 + KEPT_ANSWERS):
        state.mark_seen(seq)
        state.answers[seq] = ProgressAnswer(0.9876, False, 3456.789, 14.987)
    stored = json.dumps({str(uuid.uuid4()): state.as_json()}, separators=(",", ":"))
    assert len(stored.encode()) < 1000


def test_seen_seqs_stay_merged_spans():
    state = PlaybackState(first=0.0, last=0.0)
    for seq in (0, 2, 1, 5):
        state.mark_seen(seq)
    assert state.seqs == [[0, 2], [5, 5]]


def test_an_existing_row_reads_writes_back_and_answers_replays(member, lesson):
    key = str(uuid.uuid4())
    progress = LessonProgress.objects.create(
        member=member, lesson=lesson, duration=600, intervals=[[0.0, 20.5]],
        watched_seconds=20.5, position=20.5, playbacks={key: STORED},
    )  # fmt: skip
    MemberCreditClock.objects.create(member=member)  # a beat makes both rows
    row = progress_row_read(member_id=member.pk, lesson_id=lesson.pk)
    assert row.playbacks[key].max_seq == 3
    assert progress_row_write(row, duration=600, now=timezone.now())
    progress.refresh_from_db()
    assert progress.playbacks == {key: COMPACT}
    replay = services.lesson_progress_record(
        member=member, lesson_id=lesson.pk, playback_id=uuid.UUID(key), seq=3,
        ranges=[[10, 20.5]], position=20.5, rate=1,
        now=timezone.now() + timedelta(seconds=1),
    )  # fmt: skip
    assert replay == ProgressAnswer(**STORED["answers"]["3"])
    progress.refresh_from_db()
    assert progress.watched_seconds == 20.5


def test_a_beat_reads_once_and_writes_once(member, lesson):
    """The hot path's cost: the progress row and the member's credit clock (which
    counts the beat for the rate limit) are read in one query and written in one
    statement (SQLite: two, in one transaction)."""
    playback = uuid.uuid4()
    start = timezone.now()

    def beat(seq: int, ranges: list[list[float]]):
        return services.lesson_progress_record(
            member=member, lesson_id=lesson.pk, playback_id=playback, seq=seq,
            ranges=ranges, position=ranges[-1][1] if ranges else 0, rate=1,
            now=start + timedelta(seconds=10 * seq),
        )  # fmt: skip

    beat(0, [])  # makes the rows and remembers the lesson
    with CaptureQueriesContext(connection) as credited:
        assert beat(1, [[0, 10]]).credited_seconds == 10
    with CaptureQueriesContext(connection) as nothing_new:
        assert beat(2, [[0, 10]]).credited_seconds == 0
    writes = ["UPDATE"] if connection.vendor == "postgresql" else ["UPDATE", "UPDATE"]
    assert _statements(credited) == ["SELECT", *writes]
    assert _statements(nothing_new) == ["SELECT", *writes]  # the beat is counted


def _statements(context: CaptureQueriesContext) -> list[str]:
    """The statements' verbs, leaving out transaction control; a write to both rows
    is one ``WITH … UPDATE`` on PostgreSQL."""
    verbs = [query["sql"].split()[0].upper() for query in context.captured_queries]
    verbs = ["UPDATE" if verb == "WITH" else verb for verb in verbs]
    return [v for v in verbs if v not in {"BEGIN", "SAVEPOINT", "RELEASE", "COMMIT"}]


def test_a_write_from_a_stale_clock_or_version_changes_nothing(member, lesson):
    """Two beats read the same rows: the first moves the member's credit clock and
    writes; the second, from the clock and version it read, writes nothing (it
    reads again and retries), and its failed write counts no beat."""
    progress_row_create(
        member_id=member.pk, lesson_id=lesson.pk, duration=600, now=timezone.now()
    )
    first = progress_row_read(member_id=member.pk, lesson_id=lesson.pk)
    second = progress_row_read(member_id=member.pk, lesson_id=lesson.pk)
    now = timezone.now()
    assert progress_row_write(first, duration=600, now=now, credit_clock=10.0)
    assert not progress_row_write(second, duration=600, now=now, credit_clock=5.0)
    assert not progress_row_write(second, duration=600, now=now)  # version moved
    clock = MemberCreditClock.objects.get(member=member)
    assert (clock.clock, clock.beats) == (10.0, 1)
    assert LessonProgress.objects.get(member=member).version == 1


def test_a_beats_write_stamps_its_token_once_an_interval(member, lesson, token_for):
    """Given the token's digest, the write stamps ``last_used_at`` where it is older
    than Wagtail's interval, whether or not the row was written."""
    token = token_for(member.user)
    stored = APIToken.objects.filter(user=member.user)
    progress_row_create(
        member_id=member.pk, lesson_id=lesson.pk, duration=600, now=timezone.now()
    )
    row = progress_row_read(member_id=member.pk, lesson_id=lesson.pk)
    now = timezone.now()
    digest = APIToken.hash_token(token)
    assert progress_row_write(row, duration=600, now=now, stamp_token=digest)
    assert stored.get().last_used_at == now
    later = now + timedelta(seconds=30)
    assert not progress_row_write(row, duration=600, now=later, stamp_token=digest)
    assert stored.get().last_used_at == now  # within the interval
    much_later = now + timedelta(minutes=5)
    assert not progress_row_write(row, duration=600, now=much_later, stamp_token=digest)
    assert stored.get().last_used_at == much_later

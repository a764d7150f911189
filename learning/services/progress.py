"""Heartbeats: merging what a member played into the lesson's watched intervals,
honestly bounded by wall-clock time, and completing the lesson when its threshold is
reached (completion then rolls up, ``learning.services.completion``)."""

from __future__ import annotations

import math
import uuid
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from learning import selectors
from learning.errors import (
    InvalidHeartbeat,
    LessonNotFound,
    OutOfReach,
    ProgressConflict,
    TooFrequent,
)
from learning.intervals import (
    Interval,
    intervals_merge,
    intervals_subtract,
    intervals_take,
    intervals_total,
)
from learning.models import LessonProgress, Member
from learning.progress_store import (
    Credentials,
    PlaybackState,
    ProgressAnswer,
    ProgressRow,
    beat_minute,
    progress_row_create,
    progress_row_read,
    progress_row_write,
)
from learning.selectors import LessonInfo
from learning.services.completion import completion_roll_up

MAX_PLAYBACK_RATE = 2.0  # the fastest speed a player offers; bounds new credit
CREDIT_SLACK_SECONDS = 10.0  # network jitter and a beat sent slightly late
DURATION_TOLERANCE_SECONDS = 2.0  # players report a little past the end
MAX_RANGES_PER_BEAT = 200
MAX_CLIENT_RATE = 16.0
MAX_WRITE_ATTEMPTS = 50
KEPT_ANSWERS = 16  # older replays still earn nothing; they get the current state
KEPT_PLAYBACKS = 20
PLAYBACK_KEPT_SECONDS = 24 * 3600
MAX_BEAT_GAP_SECONDS = 300  # clients beat every 10–30 s; a gap beyond this loses


def _finite(value: float, name: str) -> float:
    if isinstance(value, bool):
        raise InvalidHeartbeat(f"{name} 必须是数字，不接受布尔值 {str(value).lower()}")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise InvalidHeartbeat(f"{name} 必须是数字") from None
    if not math.isfinite(number):
        raise InvalidHeartbeat(f"{name} 必须是有限的数字（不接受 NaN 或无穷大）")
    return number


def _validated_ranges(ranges: list[list[float]], duration: int) -> list[Interval]:
    if len(ranges) > MAX_RANGES_PER_BEAT:
        raise InvalidHeartbeat(f"ranges 最多 {MAX_RANGES_PER_BEAT} 段")
    limit = duration + DURATION_TOLERANCE_SECONDS
    clean = []
    for index, pair in enumerate(ranges):
        if len(pair) != 2:
            raise InvalidHeartbeat(f"ranges[{index}] 必须是 [start, end]")
        start = _finite(pair[0], f"ranges[{index}].start")
        end = _finite(pair[1], f"ranges[{index}].end")
        if not (0 <= start < end <= limit):
            raise InvalidHeartbeat(
                f"ranges[{index}] = [{start}, {end}] 不满足 0 ≤ start < end ≤ 时长"
                f"（{duration} 秒）"
            )
        clean.append((start, min(end, float(duration))))
    return clean


def lesson_progress_record(
    *,
    member: Member,
    lesson_id: int,
    playback_id: uuid.UUID,
    seq: int,
    ranges: list[list[float]],
    position: float,
    rate: float,
    now: datetime | None = None,
    credentials: Credentials | None = None,
) -> ProgressAnswer:
    """Merge one heartbeat into the member's watched intervals of a lesson.

    New unique watching is bounded twice: by this playback's wall-clock time since its
    first beat × ``MAX_PLAYBACK_RATE`` + slack (minus what it already earned), and by
    the member's credit clock, shared by every playback of the member on every
    lesson and VR courseware (a person watches one thing at a time; see
    ``_member_budget``), so neither fresh playback ids nor many lessons at once
    multiply wall-clock time. Only new unique seconds count. A replayed
    ``(playback_id, seq)`` gets the same answer and no credit. Completion is decided
    here only and never regresses.

    A member may send ``LEARNING_HEARTBEATS_PER_MINUTE`` beats a minute (counted on
    the member's clock row by the beat's own write, so every client of the account
    shares it); replays are not counted. ``credentials`` (from this process's copy
    of the token: see ``dangke.tokens``) are checked by the read; when they say the
    token's last use is due to be stamped, the beat's write stamps it.

    Raises LessonNotFound (unknown, unpublished or restricted page), OutOfReach,
    InvalidHeartbeat (bad numbers, ranges beyond the duration), ProgressConflict (a
    lesson without a duration: ``no_duration``; the row too contended: ``busy``),
    TooFrequent, CredentialsChanged (``credentials`` no longer hold).
    """
    now = now or timezone.now()
    info = selectors.lesson_info(lesson_id=lesson_id)
    if info is None:
        raise LessonNotFound(f"微党课 {lesson_id} 不存在或未发布")
    if not selectors.member_can_learn(member=member, info=info):
        raise OutOfReach(f"「{info.title}」不面向您的党员类别，也未指派给您")
    if info.duration <= 0:
        raise ProgressConflict(
            f"「{info.title}」还没有时长，暂不能记录进度", code="no_duration"
        )
    if isinstance(seq, bool) or not isinstance(seq, int):
        raise InvalidHeartbeat("seq 必须是整数")
    if seq < 0:
        raise InvalidHeartbeat("seq 不能为负数")
    position = _finite(position, "position")
    if not (0 <= position <= info.duration + DURATION_TOLERANCE_SECONDS):
        raise InvalidHeartbeat(
            f"position = {position} 超出 0 到时长（{info.duration} 秒）的范围"
        )
    rate = _finite(rate, "rate")
    if not (0 < rate <= MAX_CLIENT_RATE):
        raise InvalidHeartbeat(f"rate = {rate} 必须大于 0 且不超过 {MAX_CLIENT_RATE}")
    claimed = intervals_merge(_validated_ranges(ranges, info.duration))
    minute = beat_minute(now)
    for _attempt in range(MAX_WRITE_ATTEMPTS):
        row = progress_row_read(
            member_id=member.pk, lesson_id=info.id, credentials=credentials
        )
        if row is None or not row.has_clock:
            progress_row_create(
                member_id=member.pk,
                lesson_id=info.id,
                duration=info.duration,
                now=now,
            )
            continue
        if (
            row.beat_minute == minute
            and row.beats >= settings.LEARNING_HEARTBEATS_PER_MINUTE
        ):
            raise TooFrequent("心跳过于频繁，请稍后再试")
        answer, written = _apply_beat(
            row,
            info,
            member,
            str(playback_id),
            seq,
            claimed,
            position,
            now,
            stamp_token=(
                credentials.token_hash
                if credentials and credentials.stamp_last_used
                else None
            ),
        )
        if written:
            return answer
    raise ProgressConflict("进度记录繁忙，请稍后重试", code="busy")


def _apply_beat(
    row: ProgressRow,
    info: LessonInfo,
    member: Member,
    key: str,
    seq: int,
    claimed: list[Interval],
    position: float,
    now: datetime,
    *,
    stamp_token: str | None = None,
) -> tuple[ProgressAnswer, bool]:
    """Apply a beat to the row as read; False when another write came first.
    ``stamp_token``: see ``progress_row_write``."""
    stamp = now.timestamp()
    state = row.playbacks.get(key)
    if state is not None and state.has_seen(seq):
        earlier = state.answers.get(seq)
        if earlier is not None:
            return earlier, True
        return _answer(row, info, credited=0.0), True
    if state is None:
        state = PlaybackState(first=stamp, last=stamp)
    member_budget, clock_base = _member_budget(row, state, stamp)
    budget = max(
        0.0,
        min(
            member_budget,
            max(0.0, stamp - state.first) * MAX_PLAYBACK_RATE
            + CREDIT_SLACK_SECONDS
            - state.credited,
        ),
    )
    watched = intervals_merge(row.intervals)
    granted = intervals_take(intervals_subtract(claimed, watched), budget)
    credited = intervals_total(granted)
    if granted:
        watched = intervals_merge(watched + granted)
        row.intervals = [[round(a, 3), round(b, 3)] for a, b in watched]
        row.watched_seconds = intervals_total(watched)
    if seq >= state.max_seq:
        row.position = min(position, float(info.duration))
    newly_completed = (
        not row.completed
        and info.completion_rule == "watched"
        and row.watched_seconds >= info.duration * info.threshold / 100 - 1e-6
    )
    row.completed = row.completed or newly_completed
    answer = _answer(row, info, credited=credited)
    state.credited += credited
    state.last = max(state.last, stamp)
    state.max_seq = max(state.max_seq, seq)
    state.mark_seen(seq)
    state.answers[seq] = answer
    for old in sorted(state.answers)[:-KEPT_ANSWERS]:
        del state.answers[old]
    row.playbacks[key] = state
    _prune_playbacks(row.playbacks, stamp)
    # The clock moves only forward, whatever order concurrent beats write in.
    clock = clock_base + credited / MAX_PLAYBACK_RATE if credited > 0 else None
    if not newly_completed:
        return answer, progress_row_write(
            row,
            duration=info.duration,
            now=now,
            credit_clock=clock,
            stamp_token=stamp_token,
        )
    with transaction.atomic():
        if not progress_row_write(
            row,
            duration=info.duration,
            now=now,
            durable=True,
            credit_clock=clock,
            stamp_token=stamp_token,
        ):
            return answer, False
        LessonProgress.objects.filter(pk=row.id).update(
            completed_at=now, completed_via=LessonProgress.Via.ONLINE
        )
        completion_roll_up(member=member, course_ids=info.course_ids, now=now)
    return answer, True


def _member_budget(
    row: ProgressRow, state: PlaybackState, stamp: float
) -> tuple[float, float]:
    """What the member may still be credited now, and the clock it counts from.

    The member's credit clock stands where their credit so far has used up
    wall-clock time at ``MAX_PLAYBACK_RATE`` (each credited second moves it on by
    1 / the rate); what lies between it and now, × the rate, + the slack, is still
    to be had. It counts from no earlier than this playback's first beat, so time
    when nothing was playing (a member idle for a day who then opens twelve lessons)
    earns nothing, and from no earlier than ``MAX_BEAT_GAP_SECONDS`` ago, so unused
    time does not pile up. Hence over any span of wall clock in which playbacks
    started, a member earns at most span × rate + slack, across all lessons and VR
    courseware; a late beat of a running playback still gets up to the gap's worth.
    """
    base = max(state.first, stamp - MAX_BEAT_GAP_SECONDS)
    if row.credit_clock is not None:
        base = max(base, row.credit_clock)
    return (stamp - base) * MAX_PLAYBACK_RATE + CREDIT_SLACK_SECONDS, base


def _answer(row: ProgressRow, info: LessonInfo, *, credited: float) -> ProgressAnswer:
    return ProgressAnswer(
        watched_ratio=round(min(1.0, row.watched_seconds / info.duration), 4),
        completed=row.completed,
        resume_position=round(row.position, 3),
        credited_seconds=round(credited, 3),
    )


def _prune_playbacks(playbacks: dict[str, PlaybackState], stamp: float) -> None:
    """Drop playbacks idle for a day, and all but the latest ``KEPT_PLAYBACKS``."""
    for key in [
        k for k, v in playbacks.items() if v.last < stamp - PLAYBACK_KEPT_SECONDS
    ]:
        del playbacks[key]
    for key in sorted(playbacks, key=lambda k: playbacks[k].last)[:-KEPT_PLAYBACKS]:
        del playbacks[key]

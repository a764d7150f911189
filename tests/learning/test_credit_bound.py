"""A person watches one thing at a time: new credit is bounded per member across
every lesson and VR courseware by wall clock × the maximum rate + slack."""

from __future__ import annotations

import re
import uuid

import pytest

from learning import services
from learning.models import LessonProgress
from tests import factories
from tests.helpers import beat, watch

BOUND_60S = 60 * services.MAX_PLAYBACK_RATE + services.CREDIT_SLACK_SECONDS


def vr_courseware(section, *, duration: int):
    from cms.models import VRCoursewarePage

    number = uuid.uuid4().hex[:8]
    page = VRCoursewarePage(
        title=f"VR 全景 {number}", slug=f"vr-{number}", kind="video360",
        duration=duration,
    )  # fmt: skip
    section.add_child(instance=page)
    page.save_revision().publish()
    return page


def twelve_lessons(section) -> list:
    """Eleven micro-lessons and one VR courseware, ten minutes each."""
    pages = [factories.lesson(section, duration=600) for _ in range(11)]
    return [*pages, vr_courseware(section, duration=600)]


def total_watched(member) -> float:
    return sum(
        LessonProgress.objects.filter(member=member).values_list(
            "watched_seconds", flat=True
        )
    )


def test_twelve_lessons_at_once_earn_one_wall_clock(member, section):
    # Issue 12: 3 beats of 200 s, 30 s apart, on each of 12 lessons at once.
    lessons = twelve_lessons(section)
    playbacks = [uuid.uuid4() for _ in lessons]
    for round_, at in enumerate((0, 30, 60)):
        for lesson, playback in zip(lessons, playbacks, strict=True):
            start = round_ * 200
            beat(member, lesson, playback, round_, [[start, start + 200]], at=at)
    # 60 s of wall clock: 60 × 2 + 10 s in all, not 130 s per lesson.
    assert total_watched(member) == pytest.approx(BOUND_60S)


def test_a_member_idle_for_long_starts_again_from_the_slack(member, section):
    earlier = factories.lesson(section, duration=600)
    watch(member, earlier, 0, 60)
    lessons = twelve_lessons(section)
    playbacks = [uuid.uuid4() for _ in lessons]
    for round_, at in enumerate((3600, 3630, 3660)):
        for lesson, playback in zip(lessons, playbacks, strict=True):
            start = round_ * 200
            beat(member, lesson, playback, round_, [[start, start + 200]], at=at)
    assert total_watched(member) - 60 == pytest.approx(BOUND_60S)


def test_other_members_have_their_own_wall_clock(member, section, tree):
    lesson = factories.lesson(section, duration=600)
    other = factories.member(organisation=tree["branch1"])
    for who in (member, other):
        playback = uuid.uuid4()
        beat(who, lesson, playback, 0, [], at=0)
        beat(who, lesson, playback, 1, [[0, 60]], at=60)
    assert total_watched(member) == pytest.approx(60)
    assert total_watched(other) == pytest.approx(60)


def test_switching_lessons_keeps_full_credit(member, section):
    first = factories.lesson(section, duration=3600)
    second = vr_courseware(section, duration=3600)
    # Five minutes of each, back and forth, beats every 30 s; the first lesson's
    # last beat arrives a second after the second lesson's player has started.
    watch(member, first, 0, 300, step=30, at=0)
    watch(member, second, 0, 300, step=30, at=299)
    watch(member, first, 300, 600, step=30, at=600)
    watch(member, second, 300, 600, step=30, at=900)
    assert LessonProgress.objects.get(lesson=first).watched_seconds == 600
    assert LessonProgress.objects.get(lesson=second).watched_seconds == 600


def test_two_players_at_normal_speed_are_both_credited(member, section):
    # Within the maximum rate: e.g. a phone and a PC both playing at 1×.
    first = factories.lesson(section, duration=600)
    second = factories.lesson(section, duration=600)
    one, two = uuid.uuid4(), uuid.uuid4()
    beat(member, first, one, 0, [], at=0)
    beat(member, second, two, 0, [], at=0)
    for seq in range(1, 7):
        span = [[(seq - 1) * 20, seq * 20]]
        beat(member, first, one, seq, span, at=seq * 20)
        beat(member, second, two, seq, span, at=seq * 20)
    assert total_watched(member) == pytest.approx(240)


@pytest.mark.parametrize(
    ("ranges", "message"),
    [([[False, True]], "ranges[0].start"), ([[0, True]], "ranges[0].end")],
)
def test_booleans_are_not_seconds(member, lesson, ranges, message):
    playback = uuid.uuid4()
    beat(member, lesson, playback, 0, [[0, 5]], at=5)
    with pytest.raises(services.InvalidHeartbeat, match=re.escape(message)):
        beat(member, lesson, playback, 1, ranges, position=5, at=10)
    assert LessonProgress.objects.get().intervals == [[0, 5]]


def test_booleans_are_not_a_position_or_rate(member, lesson):
    playback = uuid.uuid4()
    with pytest.raises(services.InvalidHeartbeat, match="position"):
        beat(member, lesson, playback, 0, [], position=True, at=0)
    with pytest.raises(services.InvalidHeartbeat, match="rate"):
        beat(member, lesson, playback, 0, [], position=0, at=0, rate=True)
    assert not LessonProgress.objects.exists()

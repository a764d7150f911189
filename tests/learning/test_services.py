"""Progress heartbeats, completion, roll-up and 学时, called as services."""

from __future__ import annotations

import math
import re
import uuid
from datetime import timedelta
from decimal import Decimal

import pytest

from cms.models import TopicCourse, TopicPage
from learning import services
from learning.models import (
    CourseCompletion,
    CreditRecord,
    LessonProgress,
    TopicCompletion,
)
from tests import factories
from tests.helpers import T0, beat, watch


def test_watching_honestly_completes_and_earns_credit(member, course, lesson):
    answer = watch(member, lesson, 0, 540)
    assert answer.completed is True
    assert answer.watched_ratio == pytest.approx(0.9)
    assert CourseCompletion.objects.filter(member=member, course=course).exists()
    record = CreditRecord.objects.get(member=member)
    assert record.hours == Decimal("0.25")  # a 10-minute lesson by the default rule


def test_below_threshold_is_not_complete(member, course, lesson):
    answer = watch(member, lesson, 0, 530)
    assert answer.completed is False
    assert not CourseCompletion.objects.exists()


def test_seeking_to_the_end_is_bounded_by_wall_clock(member, section):
    long_lesson = factories.lesson(section, duration=3600)
    playback = uuid.uuid4()
    beat(member, long_lesson, playback, 0, [], position=0, at=0)
    answer = beat(member, long_lesson, playback, 1, [[0, 3600]], at=5)
    assert answer.completed is False
    limit = 5 * services.MAX_PLAYBACK_RATE + services.CREDIT_SLACK_SECONDS
    assert answer.credited_seconds == pytest.approx(limit)
    progress = LessonProgress.objects.get(member=member, lesson=long_lesson)
    assert progress.watched_seconds == pytest.approx(limit)
    # Only the playhead moves; the rest of the lesson is still unwatched.
    assert answer.resume_position == 3600


def test_replayed_seq_gets_the_same_answer_without_double_credit(member, lesson):
    playback = uuid.uuid4()
    beat(member, lesson, playback, 0, [], at=0)
    first = beat(member, lesson, playback, 1, [[0, 10]], at=10)
    again = beat(member, lesson, playback, 1, [[0, 10]], at=11)
    assert again == first
    assert first.credited_seconds == pytest.approx(10)
    assert LessonProgress.objects.get().watched_seconds == pytest.approx(10)


def test_fresh_playback_ids_cannot_multiply_the_slack(member, section):
    long_lesson = factories.lesson(section, duration=3600)
    for index in range(30):
        beat(member, long_lesson, uuid.uuid4(), 0, [[index * 100, index * 100 + 100]],
             at=0.1 * index)  # fmt: skip
    progress = LessonProgress.objects.get()
    # Three seconds of wall clock: at most 3 × 2.0 + the slack, not 30 × the slack.
    assert progress.watched_seconds <= 3 * services.MAX_PLAYBACK_RATE + (
        services.CREDIT_SLACK_SECONDS
    )


def test_a_late_beat_does_not_refill_the_allowance_twice(member, section):
    # Concurrent requests can write in another order than their server times: the
    # beat stamped 20 s lands after the one stamped 60 s. Refilling again from 20 s
    # to 60 s would count those 40 s of wall clock twice.
    long_lesson = factories.lesson(section, duration=3600)
    first, second, third = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    for playback in (first, second, third):
        beat(member, long_lesson, playback, 0, [], at=0)
    beat(member, long_lesson, first, 1, [[0, 10]], at=60)
    beat(member, long_lesson, second, 1, [[100, 120]], at=20)
    beat(member, long_lesson, third, 1, [[200, 400]], at=60)
    progress = LessonProgress.objects.get()
    assert progress.watched_seconds <= 60 * services.MAX_PLAYBACK_RATE + (
        services.CREDIT_SLACK_SECONDS
    )


def test_overlaps_and_rewatching_count_once(member, lesson):
    watch(member, lesson, 0, 100)
    watch(member, lesson, 50, 150, at=500)
    answer = watch(member, lesson, 0, 100, at=1000)
    progress = LessonProgress.objects.get()
    assert progress.watched_seconds == pytest.approx(150)
    assert progress.intervals == [[0, 150]]
    assert answer.credited_seconds == 0


def test_out_of_order_beats_are_all_credited(member, lesson):
    playback = uuid.uuid4()
    beat(member, lesson, playback, 0, [], at=0)
    beat(member, lesson, playback, 2, [[10, 20]], at=20)
    beat(member, lesson, playback, 1, [[0, 10]], position=10, at=20.5)
    progress = LessonProgress.objects.get()
    assert progress.intervals == [[0, 20]]
    # The later beat (seq 2) decides where to resume, not the late-arriving one.
    assert progress.position == 20


def test_completion_never_regresses(member, lesson, course):
    watch(member, lesson, 0, 600)
    answer = beat(member, lesson, uuid.uuid4(), 0, [], position=3, at=2000)
    assert answer.completed is True
    assert answer.resume_position == 3
    assert LessonProgress.objects.get().completed_at is not None


@pytest.mark.parametrize(
    ("ranges", "position", "message"),
    [
        ([[-5, 10]], 10, "ranges[0]"),
        ([[0, math.nan]], 10, "NaN"),
        ([[0, 700]], 10, "ranges[0]"),
        ([[10, 5]], 10, "ranges[0]"),
        ([[0, 10]], -1, "position"),
        ([[0, 10]], math.inf, "position"),
        ([[0, 10]], 900, "position"),
    ],
)
def test_bad_numbers_are_refused_and_change_nothing(
    member, lesson, ranges, position, message
):
    playback = uuid.uuid4()
    beat(member, lesson, playback, 0, [[0, 5]], at=5)
    before = LessonProgress.objects.get()
    with pytest.raises(services.InvalidHeartbeat, match=re.escape(message)):
        beat(member, lesson, playback, 1, ranges, position=position, at=10)
    after = LessonProgress.objects.get()
    assert after.intervals == before.intervals
    assert after.position == before.position


def test_bad_rate_is_refused(member, lesson):
    with pytest.raises(services.InvalidHeartbeat, match="rate"):
        beat(member, lesson, uuid.uuid4(), 0, [], position=0, rate=0)


def test_unknown_or_unpublished_lesson_is_not_found(member, section, lesson):
    draft = factories.lesson(section, duration=60, live=False)
    with pytest.raises(services.LessonNotFound):
        beat(member, draft, uuid.uuid4(), 0, [], position=0)
    lesson.unpublish()
    with pytest.raises(services.LessonNotFound):
        beat(member, lesson, uuid.uuid4(), 0, [], position=0)


def test_lesson_for_other_member_types_is_out_of_reach(member, section):
    lesson = factories.lesson(section, duration=60)
    factories.course(section, lessons=[lesson], intended_member_types=["secretary"])
    with pytest.raises(services.OutOfReach):
        beat(member, lesson, uuid.uuid4(), 0, [], position=0)


def test_assigned_course_is_in_reach_whatever_the_type(member, section, tree):
    from learning.models import Assignment

    lesson = factories.lesson(section, duration=60)
    course = factories.course(
        section, lessons=[lesson], intended_member_types=["secretary"]
    )
    Assignment.objects.create(
        content=course, organisation=tree["district"], deadline=T0.date()
    )
    assert beat(member, lesson, uuid.uuid4(), 0, [], position=0).completed is False


def test_course_and_topic_roll_up(member, section, home_page):
    a = factories.lesson(section, duration=1800)  # 1 学时
    b = factories.lesson(section, duration=1200)  # 0.5 学时
    optional = factories.lesson(section, duration=600)
    course = factories.course(section, lessons=[a, b, optional])
    course.course_lessons.filter(lesson=optional).update(compulsory=False)
    fixed = factories.course(section, lessons=[optional], credit_hours=Decimal("3"))
    topic = TopicPage(title="党史专题", slug="topic")
    home_page.add_child(instance=topic)
    TopicCourse.objects.create(topic=topic, course=course, required=True)
    TopicCourse.objects.create(topic=topic, course=fixed, required=False)
    topic.save_revision().publish()

    watch(member, a, 0, 1800)
    assert not CourseCompletion.objects.filter(course=course).exists()
    watch(member, b, 0, 1200, at=5000)
    assert CourseCompletion.objects.filter(course=course).exists()
    assert TopicCompletion.objects.filter(topic=topic, member=member).exists()
    assert CreditRecord.objects.get(source_id=course.pk).hours == Decimal("1.5")
    watch(member, optional, 0, 600, at=9000)
    assert CreditRecord.objects.get(source_id=fixed.pk).hours == Decimal("3")


def test_audio_and_video_beats_share_one_record(member, lesson):
    watch(member, lesson, 0, 300)
    answer = watch(member, lesson, 300, 540, at=1000)
    assert answer.completed is True
    assert LessonProgress.objects.count() == 1


def test_credit_rule_is_configurable(db):
    from learning.models import CreditHourRule

    rule = CreditHourRule.load()
    assert services.lesson_credit_hours(duration_seconds=30 * 60) == Decimal("1")
    assert services.lesson_credit_hours(duration_seconds=15 * 60) == Decimal("0.5")
    assert services.lesson_credit_hours(duration_seconds=14 * 60) == Decimal("0.25")
    rule.long_minutes = 20
    rule.save()
    assert services.lesson_credit_hours(duration_seconds=25 * 60) == Decimal("1")
    assert rule.target_for("secretary") == Decimal("56")
    assert rule.target_for("regular") == Decimal("32")


def test_vr_courseware_completes_by_its_rule(member, section):
    from cms.models import VRCoursewarePage

    watched = VRCoursewarePage(
        title="VR 全景", slug="vr-w", kind="video360", duration=120
    )
    section.add_child(instance=watched)
    watched.save_revision().publish()
    station = VRCoursewarePage(
        title="VR 体验站", slug="vr-s", kind="station", duration=120,
        completion_rule="attended",
    )  # fmt: skip
    section.add_child(instance=station)
    station.save_revision().publish()
    assert watch(member, watched, 0, 120).completed is True
    assert watch(member, station, 0, 120, at=1000).completed is False


def test_vr_station_completes_by_attendance(member, section, tree):
    from cms.models import VRCoursewarePage
    from learning.models import TrainingClass, TrainingSession

    station = VRCoursewarePage(
        title="VR 体验站", slug="vr-station", kind="station", duration=300,
        completion_rule="attended",
    )  # fmt: skip
    section.add_child(instance=station)
    station.save_revision().publish()
    klass = TrainingClass.objects.create(
        title="现场教学", organisation=tree["district"]
    )
    session = TrainingSession.objects.create(
        training_class=klass,
        title="体验",
        starts_at=T0,
        ends_at=T0 + timedelta(hours=1),
    )
    session.lessons.add(station)
    session.save()
    services.attendance_record(member=member, session=session, now=T0)
    services.attendance_record(member=member, session=session, now=T0)  # twice
    progress = LessonProgress.objects.get(member=member, lesson=station)
    assert progress.completed_via == "attendance"
    assert CreditRecord.objects.filter(member=member, source="session").count() == 1

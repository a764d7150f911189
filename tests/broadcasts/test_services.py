"""The rules without nginx: scheduling, the key, the publish window, presence in
one place on one clock, attendance into the meeting."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from broadcasts import services
from broadcasts.errors import (
    InvalidLecture,
    LectureStateConflict,
    NotInAudience,
    OutOfScope,
    PresentElsewhere,
    PublishRefused,
)
from broadcasts.models import LiveLecture, LivePresence
from notices.models import Notice
from tests.broadcasts.conftest import go_live

pytestmark = pytest.mark.django_db


def test_scheduling_notifies_the_audience_with_a_reminder(lecture, people, tree):
    notices = Notice.objects.filter(topic=f"broadcasts.lecture:{lecture.pk}")
    recipients = set(notices.values_list("recipient_id", flat=True))
    assert people["member"].user_id in recipients
    assert people["outsider"].user_id not in recipients
    # Ten minutes ahead: the reminder time has passed, the notice is not reminded.
    assert notices.first().remind_at is None
    later = services.lecture_schedule(
        user=people["admin"],
        title="下午场",
        organisation_code=tree["sub1"].code,
        starts_at=timezone.now() + timedelta(hours=2),
    )
    notice = Notice.objects.get(
        topic=f"broadcasts.lecture:{later.pk}", recipient=people["member"].user
    )
    assert notice.remind_at == later.starts_at - timedelta(minutes=30)
    assert len(later.stream_key) == 32 and later.stream_key != lecture.stream_key


def test_scheduling_outside_ones_subtree_or_in_the_past_is_refused(people, tree):
    with pytest.raises(OutOfScope):
        services.lecture_schedule(
            user=people["other_admin"],
            title="x",
            organisation_code=tree["sub1"].code,
            starts_at=timezone.now() + timedelta(hours=1),
        )
    with pytest.raises(InvalidLecture):
        services.lecture_schedule(
            user=people["admin"],
            title="x",
            organisation_code=tree["sub1"].code,
            starts_at=timezone.now() - timedelta(hours=1),
        )
    assert not LiveLecture.objects.exists()


def test_the_current_key_within_the_window_goes_live_and_ends_once(lecture):
    live = go_live(lecture)
    assert live.status == "live" and live.went_live_at is not None
    with pytest.raises(PublishRefused) as second:
        go_live(lecture)
    assert second.value.code == "already_publishing"
    # A refused publisher's done notice does not end the lecture.
    assert services.publish_done(stream_name=lecture.stream_key, client_id="99") is None
    ended = services.publish_done(stream_name=lecture.stream_key, client_id="7")
    assert ended.status == "ended"
    with pytest.raises(PublishRefused) as reused:
        go_live(lecture)
    assert reused.value.code == "key_reused"


@pytest.mark.parametrize(
    "shift, code", [(-41, "too_early"), (10 + 30 + 31, "too_late")]
)
def test_a_key_outside_the_window_is_refused(lecture, shift, code):
    at = timezone.now() + timedelta(minutes=shift)
    with pytest.raises(PublishRefused) as refused:
        go_live(lecture, now=at)
    assert refused.value.code == code
    lecture.refresh_from_db()
    assert lecture.status == "scheduled"


def test_revoked_rotated_and_foreign_keys_are_refused(lecture, people):
    old_key = lecture.stream_key
    services.stream_key_rotate(user=people["admin"], lecture=lecture)
    lecture.refresh_from_db()
    assert lecture.stream_key != old_key
    with pytest.raises(PublishRefused) as rotated:
        services.publish_authorise(stream_name=old_key)
    assert rotated.value.code == "unknown_key"
    with pytest.raises(PublishRefused) as foreign:
        services.publish_authorise(stream_name="0" * 32)
    assert foreign.value.code == "unknown_key"
    services.stream_key_revoke(user=people["admin"], lecture=lecture)
    with pytest.raises(PublishRefused) as revoked:
        go_live(lecture)
    assert revoked.value.code == "key_revoked"
    with pytest.raises(OutOfScope):
        services.stream_key_rotate(user=people["other_admin"], lecture=lecture)


def test_presence_counts_wall_clock_seconds_once_however_many_tabs(
    lecture, people, clock
):
    member = people["member"]
    with pytest.raises(LectureStateConflict):
        services.presence_credit(
            member=member, lecture=lecture, seconds=15, place="phone"
        )
    lecture = go_live(lecture)
    _, first = services.presence_credit(
        member=member, lecture=lecture, seconds=15, place="phone"
    )
    assert first == 0
    clock(15)
    _, tab_a = services.presence_credit(
        member=member, lecture=lecture, seconds=15, place="phone"
    )
    clock(1)
    _, tab_b = services.presence_credit(
        member=member, lecture=lecture, seconds=15, place="phone"
    )
    assert (tab_a, tab_b) == (15, 1)
    clock(3600)  # a phone asleep for an hour earns at most one beat's worth
    presence, late = services.presence_credit(
        member=member, lecture=lecture, seconds=120, place="phone"
    )
    assert late == services.MAX_CREDIT_SECONDS
    assert presence.seconds_present == 16 + services.MAX_CREDIT_SECONDS


def test_one_place_at_a_time(lecture, people, clock):
    member = people["member"]
    lecture = go_live(lecture)
    services.presence_place_claim(member=member, lecture=lecture, place="room:4")
    clock(10)
    with pytest.raises(PresentElsewhere) as phone:
        services.presence_credit(
            member=member, lecture=lecture, seconds=10, place="phone"
        )
    assert "集中收看点" in phone.value.detail
    _, credited = services.presence_credit(
        member=member, lecture=lecture, seconds=10, place="room:4"
    )
    assert credited == 10
    with pytest.raises(PresentElsewhere):
        services.presence_place_claim(member=member, lecture=lecture, place="room:5")
    assert services.presence_place_release(
        member=member, lecture=lecture, place="room:4"
    )
    clock(5)
    presence = services.presence_place_claim(
        member=member, lecture=lecture, place="phone"
    )
    assert presence.place == "phone" and presence.seconds_present == 10
    with pytest.raises(NotInAudience):
        services.presence_place_claim(
            member=people["outsider"], lecture=lecture, place="phone"
        )


def test_attendance_past_the_threshold_goes_into_the_meeting(
    lecture, people, tree, clock
):
    from meetings.models import Attendee, Meeting

    branch = tree["branch1"]
    meeting = Meeting.objects.create(
        organisation=branch,
        kind="lecture",
        theme="党课",
        starts_at=lecture.starts_at,
        ends_at=lecture.starts_at + timedelta(minutes=30),
        place="online",
        host=people["member"],
        recorder=people["colleague"],
    )
    for who in ("member", "colleague"):
        Attendee.objects.create(meeting=meeting, member=people[who])
    LiveLecture.objects.filter(pk=lecture.pk).update(meeting=meeting)
    lecture.refresh_from_db()
    lecture = go_live(lecture)
    for who in ("member", "colleague"):
        services.presence_credit(
            member=people[who], lecture=lecture, seconds=0, place="phone"
        )
    for _ in range(4):  # the member stays the whole 60 s, the colleague 15 s
        clock(15)
        services.presence_credit(
            member=people["member"], lecture=lecture, seconds=15, place="phone"
        )
        if _ == 0:
            services.presence_credit(
                member=people["colleague"], lecture=lecture, seconds=15, place="phone"
            )
    services.publish_done(stream_name=lecture.stream_key, client_id="7")
    attended = dict(
        LivePresence.objects.filter(lecture=lecture).values_list(
            "member__user__username", "attended"
        )
    )
    assert attended == {"member": True, "colleague": False}
    rows = dict(
        Attendee.objects.filter(meeting=meeting).values_list(
            "member__user__username", "attendance"
        )
    )
    assert rows == {"member": "online", "colleague": ""}

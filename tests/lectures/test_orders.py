"""点单 → 派单 → 接单 → 评单 through the API: the happy path and every refusal,
each a problem document naming the problem, with nothing stored lost."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from lectures.models import LectureOrder, LectureRating
from meetings.models import Attendee, Meeting
from notices.models import Notice
from tests.lectures.conftest import later, publish


def _order(api, people, lecture, **extra):
    body = {
        "lecture": lecture.pk,
        "organisation": "B1",
        "slots": [later(3), later(4)],
        "audience_size": 30,
        "address": "一支部活动室",
        **extra,
    }
    return api(people["secretary"]).post("/orders", body)


def test_an_order_goes_from_the_branch_through_dispatch_to_a_meeting(api, people):
    lecture = publish(people)
    placed = _order(api, people, lecture)
    assert placed.status_code == 201, placed.content
    order = placed.json()
    assert order["status"] == "ordered"
    # The branch itself cannot dispatch; the district (organising department) can.
    refused = api(people["secretary"]).post(f"/orders/{order['id']}/dispatch")
    assert refused.status_code == 403
    dispatched = api(people["district_admin"]).post(f"/orders/{order['id']}/dispatch")
    assert dispatched.json()["status"] == "dispatched"
    assert Notice.objects.filter(
        recipient=people["lecturer_user"], topic__startswith="lectures.order:"
    ).exists()
    accepted = api(people["lecturer_user"]).post(
        f"/orders/{order['id']}/accept", {"slot": 1}
    )
    assert accepted.status_code == 200, accepted.content
    body = accepted.json()
    assert body["status"] == "accepted"
    meeting = Meeting.objects.get(pk=body["meeting"])
    assert meeting.kind == "lecture" and meeting.organisation.code == "B1"
    assert meeting.starts_at == later(4)
    assert meeting.ends_at - meeting.starts_at == timedelta(minutes=90)
    asked = set(
        Attendee.objects.filter(meeting=meeting).values_list(
            "member__user__username", flat=True
        )
    )
    assert {"member", "plain"} <= asked and "outsider" not in asked
    branch_notice = Notice.objects.get(
        recipient=people["secretary"], topic=f"lectures.order:{order['id']}:branch"
    )
    assert branch_notice.remind_at == later(4) - timedelta(hours=24)
    lecturer_notice = Notice.objects.get(
        recipient=people["lecturer_user"],
        topic=f"lectures.order:{order['id']}:lecturer",
    )
    assert lecturer_notice.remind_at == branch_notice.remind_at
    # Accepting twice is refused and changes nothing.
    again = api(people["lecturer_user"]).post(
        f"/orders/{order['id']}/accept", {"slot": 0}
    )
    assert again.status_code == 409 and again.json()["code"] == "wrong_state"
    assert Meeting.objects.count() == 1
    assert LectureOrder.objects.get(pk=order["id"]).starts_at == later(4)


def test_a_direct_lecture_goes_to_the_lecturer_at_once(api, people):
    lecture = publish(people, direct=True)
    order = _order(api, people, lecture).json()
    assert order["status"] == "dispatched"
    declined = api(people["lecturer_user"]).post(
        f"/orders/{order['id']}/decline", {"reason": ""}
    )
    assert declined.status_code == 400 and declined.json()["code"] == "reason_required"
    declined = api(people["lecturer_user"]).post(
        f"/orders/{order['id']}/decline", {"reason": "当天外出授课"}
    )
    assert declined.json()["status"] == "declined"
    assert Notice.objects.get(
        recipient=people["secretary"], topic=f"lectures.order:{order['id']}:branch"
    ).body.endswith("可以另选课程或时间。")
    other = api(people["other_lecturer_user"]).post(
        f"/orders/{order['id']}/accept", {"slot": 0}
    )
    assert other.status_code == 404


def test_orders_outside_areas_audiences_or_in_the_past_are_refused(api, people, tree):
    lecture = publish(people, areas=["S2"], audiences=["retired"])
    outside = _order(api, people, lecture, audiences=["retired"])
    assert outside.status_code == 400
    assert outside.json()["code"] == "outside_areas"
    assert "不在李讲师可前往的地区" in outside.json()["detail"]
    near = publish(people, title="离退休党员讲党课", audiences=["retired"])
    wrong = _order(api, people, near, audiences=["regular"])
    assert wrong.json()["code"] == "outside_audiences"
    assert "普通党员" in wrong.json()["detail"]
    past = _order(
        api, people, near, audiences=["retired"],
        slots=[timezone.now() - timedelta(hours=1), later(3)],
    )  # fmt: skip
    assert past.status_code == 400 and past.json()["code"] == "slot_in_past"
    one = _order(api, people, near, audiences=["retired"], slots=[later(3)])
    assert one.json()["code"] == "slots_count"
    far = _order(api, people, near, audiences=["retired"], slots=[later(3), later(400)])
    assert far.json()["code"] == "slot_too_far"
    foreign = api(people["other_admin"]).post(
        "/orders",
        {"lecture": near.pk, "organisation": "B1", "slots": [later(3), later(4)],
         "audience_size": 9, "address": "x", "audiences": ["retired"]},
    )  # fmt: skip
    assert foreign.status_code == 403
    assert LectureOrder.objects.count() == 0
    ok = _order(api, people, near, audiences=["retired"])
    assert ok.status_code == 201


def test_double_booking_is_refused_with_409(api, people, tree):
    first = publish(people, direct=True, areas=[])
    second = publish(people, direct=True, areas=[], title="基层治理创新")
    one = _order(api, people, first, slots=[later(5, 9), later(6)]).json()
    other = api(factories_admin(tree)).post(
        "/orders",
        {"lecture": second.pk, "organisation": "B2", "slots": [later(5, 10), later(7)],
         "audience_size": 12, "address": "二支部"},
    )  # fmt: skip
    assert other.status_code == 201, other.content
    lecturer = api(people["lecturer_user"])
    assert lecturer.post(f"/orders/{one['id']}/accept", {"slot": 0}).status_code == 200
    clash = lecturer.post(f"/orders/{other.json()['id']}/accept", {"slot": 0})
    assert clash.status_code == 409 and clash.json()["code"] == "double_booked"
    assert "时间冲突" in clash.json()["detail"]
    assert LectureOrder.objects.get(pk=other.json()["id"]).status == "dispatched"
    assert (
        lecturer.post(f"/orders/{other.json()['id']}/accept", {"slot": 1}).status_code
        == 200
    )


def factories_admin(tree):
    from tests import factories

    branch2 = tree["branch2"]
    factories.member(organisation=branch2, username="b2member")
    return factories.org_admin(organisation=branch2, username="b2secretary")


def test_ratings_are_once_by_attendees_and_shown_only_as_aggregates(
    api, people, settings, clock
):
    settings.LECTURES_RATING_MIN_GROUP = 2
    lecture = publish(people, direct=True)
    order = _order(api, people, lecture).json()
    api(people["lecturer_user"]).post(f"/orders/{order['id']}/accept", {"slot": 0})
    stored = LectureOrder.objects.get(pk=order["id"])
    member = api(people["member"].user)
    early = member.post(f"/orders/{order['id']}/rating", {"score": 5})
    assert early.status_code == 403 and early.json()["code"] == "not_attended"
    Attendee.objects.filter(
        meeting=stored.meeting, member__user__username__in=["member", "plain"]
    ).update(attendance="code", attended_at=stored.starts_at)
    not_yet = member.post(f"/orders/{order['id']}/rating", {"score": 5})
    assert not_yet.status_code == 409 and not_yet.json()["code"] == "not_yet_held"
    clock((stored.ends_at + timedelta(minutes=5) - clock.now()).total_seconds())
    assert (
        member.post(
            f"/orders/{order['id']}/rating", {"score": 5, "comment": "很生动"}
        ).status_code
        == 201
    )
    twice = member.post(f"/orders/{order['id']}/rating", {"score": 1})
    assert twice.status_code == 409 and twice.json()["code"] == "already_rated"
    bad = api(people["plain"].user).post(f"/orders/{order['id']}/rating", {"score": 9})
    assert bad.status_code in (400, 422)
    absent = api(people["outsider"].user).post(
        f"/orders/{order['id']}/rating", {"score": 3}
    )
    assert absent.status_code == 404
    lecturer = api(people["lecturer_user"])
    few = lecturer.get(f"/menu/{lecture.pk}/ratings").json()
    assert few["count"] == 1 and few["average"] is None and few["comments"] == []
    api(people["plain"].user).post(f"/orders/{order['id']}/rating", {"score": 4})
    enough = lecturer.get(f"/menu/{lecture.pk}/ratings").json()
    assert enough["average"] == 4.5 and enough["comments"] == ["很生动"]
    assert "plain" not in str(enough) and "member" not in str(enough)
    assert LectureRating.objects.count() == 2
    assert (
        api(people["plain"].user).get(f"/menu/{lecture.pk}/ratings").status_code == 403
    )
    assert (
        api(people["other_admin"]).get(f"/menu/{lecture.pk}/ratings").status_code == 403
    )
    assert api(people["editor"]).get(f"/menu/{lecture.pk}/ratings").status_code == 200

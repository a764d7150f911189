"""The calendar feed (text/calendar, secret per account, reset) and the portal
pages: the menu, the order form, my orders with dispatch, the lecturer's
incoming orders with accept, the rating form."""

from __future__ import annotations

from datetime import UTC, timedelta

from django.test import Client
from django.utils import timezone

from lectures.models import LectureOrder
from meetings.models import Attendee
from tests.lectures.conftest import later, publish


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_secretary_orders_the_district_dispatches_the_lecturer_accepts_in_the_portal(
    people,
):
    lecture = publish(people, title="基层治理的越秀实践")
    secretary = _client(people["secretary"])
    page = secretary.get(f"/lectures/{lecture.pk}/")
    assert page.status_code == 200 and "提交点单" in page.content.decode()
    form = {
        "organisation": "B1", "slot1": later(3).strftime("%Y-%m-%dT%H:%M"),
        "slot2": later(5).strftime("%Y-%m-%dT%H:%M"), "audience_size": "25",
        "address": "活动室", "audiences": ["regular"],
    }  # fmt: skip
    past = secretary.post(
        f"/lectures/{lecture.pk}/", {**form, "slot1": "2020-01-01T09:00"}
    )
    assert past.status_code == 400 and "已经过去" in past.content.decode()
    assert LectureOrder.objects.count() == 0
    placed = secretary.post(f"/lectures/{lecture.pk}/", form)
    assert placed.status_code == 302
    order = LectureOrder.objects.get()
    assert "待派单" in secretary.get("/lectures/orders/").content.decode()
    district = _client(people["district_admin"])
    assert "派单给讲师" in district.get("/lectures/orders/").content.decode()
    district.post("/lectures/orders/", {"order": order.pk, "action": "dispatch"})
    lecturer = _client(people["lecturer_user"])
    incoming = lecturer.get("/lectures/incoming/").content.decode()
    assert "接单" in incoming and lecture.title in incoming
    accepted = lecturer.post(
        "/lectures/incoming/", {"order": order.pk, "action": "accept", "slot": "1"}
    )
    assert accepted.status_code == 302
    order.refresh_from_db()
    assert order.status == "accepted" and order.starts_at == later(5)
    again = lecturer.post(
        "/lectures/incoming/", {"order": order.pk, "action": "accept", "slot": "0"}
    )
    assert again.status_code == 409 and "已接单" in again.content.decode()
    assert _client(people["other_admin"]).get("/lectures/orders/").context["rows"] == []
    # The members rate after the lecture, once.
    Attendee.objects.filter(meeting=order.meeting).update(attendance="code")
    LectureOrder.objects.filter(pk=order.pk).update(
        starts_at=timezone.now() - timedelta(hours=3),
        ends_at=timezone.now() - timedelta(hours=2),
    )
    member = _client(people["member"].user)
    assert lecture.title in member.get("/lectures/").content.decode()
    assert member.get(f"/lectures/orders/{order.pk}/rate/").status_code == 200
    rated = member.post(f"/lectures/orders/{order.pk}/rate/", {"score": "4"})
    assert rated.status_code == 302
    twice = member.post(f"/lectures/orders/{order.pk}/rate/", {"score": "5"})
    assert "感谢评价" in twice.content.decode()
    assert order.ratings.get().score == 4
    outsider = _client(people["outsider"].user)
    assert outsider.get(f"/lectures/orders/{order.pk}/rate/").status_code == 404


def test_the_calendar_feed_has_both_parties_lectures_and_a_members_meetings(
    api, people
):
    lecture = publish(people, direct=True, title="新时代, 新征程; 新作为")
    order = api(people["secretary"]).post(
        "/orders",
        {"lecture": lecture.pk, "organisation": "B1", "slots": [later(3), later(4)],
         "audience_size": 30, "address": "一支部活动室"},
    ).json()  # fmt: skip
    api(people["lecturer_user"]).post(f"/orders/{order['id']}/accept", {"slot": 0})
    feeds = {}
    for who in ("lecturer_user", "secretary", "district_admin", "other_admin"):
        url = api(people[who]).get("/calendar").json()["url"]
        answer = Client().get(url.split("testserver", 1)[1])
        assert answer.status_code == 200
        assert answer["Content-Type"].startswith("text/calendar")
        feeds[who] = answer.content.decode()
    start = later(3).astimezone(UTC)
    assert f"DTSTART:{start:%Y%m%dT%H%M%SZ}" in feeds["lecturer_user"]
    assert (
        "SUMMARY:党课：新时代\\, 新征程\\; 新作为（李讲师）" in feeds["lecturer_user"]
    )
    assert (
        "lecture-order-" in feeds["secretary"]
        and "lecture-order-" in feeds["district_admin"]
    )
    assert "BEGIN:VEVENT" not in feeds["other_admin"]
    assert all(
        len(line.encode()) <= 75 for line in feeds["lecturer_user"].split("\r\n")
    )
    member = api(people["member"].user)
    member_url = member.get("/calendar").json()["url"].split("testserver", 1)[1]
    assert "meeting-" in Client().get(member_url).content.decode()  # the 党课 meeting
    reset = member.post("/calendar/reset").json()["url"].split("testserver", 1)[1]
    assert reset != member_url
    assert Client().get(member_url).status_code == 404
    assert Client().get(reset).status_code == 200


def test_a_lecturer_proposes_a_lecture_on_the_portal_and_a_refusal_keeps_the_form(
    people,
):
    from lectures.models import Lecture

    lecturer = _client(people["lecturer_user"])
    page = lecturer.get("/lectures/propose/")
    assert page.status_code == 200 and "申报菜单课程" in page.content.decode()
    form = {
        "title": "新时代枫桥经验", "summary": "基层矛盾化解的做法", "minutes": "5",
        "mode": "onsite", "audiences": ["regular", "secretary"], "areas": "S1",
        "tags": "枫桥、基层治理", "submit": "1",
    }  # fmt: skip
    refused = lecturer.post("/lectures/propose/", form)
    text = refused.content.decode()
    assert refused.status_code == 400 and "15 到 480" in text
    assert 'value="新时代枫桥经验"' in text and not Lecture.objects.exists()
    unknown = lecturer.post(
        "/lectures/propose/", {**form, "minutes": "60", "areas": "ZZ9"}
    )
    assert unknown.status_code == 400 and "ZZ9" in unknown.content.decode()
    saved = lecturer.post("/lectures/propose/", {**form, "minutes": "60"})
    assert saved.status_code == 302 and "/lectures/incoming/" in saved["Location"]
    lecture = Lecture.objects.get()
    assert lecture.lecturer == people["lecturer"]
    assert lecture.status == Lecture.Status.SUBMITTED and lecture.minutes == 60
    assert sorted(lecture.audiences) == ["regular", "secretary"]
    assert [a.code for a in lecture.areas.all()] == ["S1"]
    # Someone not in the pool is told so and can save nothing.
    member = _client(people["member"].user)
    assert member.get("/lectures/propose/").status_code == 403
    assert member.post("/lectures/propose/", form).status_code == 403
    assert Lecture.objects.count() == 1

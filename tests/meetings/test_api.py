"""Branch life over the API: scheduling, who sees what, leave, check-in, 代签/补签,
minutes and their revisions, resolutions, 送学上门 and 补学; every bad input a 4xx
naming the problem, nothing lost."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from dangke.models import AuditEntry
from learning import services as learning_services
from meetings import services
from meetings.models import Attendee, Meeting, MinutesRevision
from notices.models import Notice
from tests import factories
from tests.helpers import assert_problem
from tests.meetings.conftest import checkin_code_now as _code
from tests.meetings.conftest import plan

pytestmark = pytest.mark.django_db

HOUR = 3600


# --- scheduling and who sees what ------------------------------------------------------


def test_a_secretary_schedules_for_the_branch_and_everyone_is_noticed(
    clock, people, api
):
    response = api(people["secretary"]).post("/", plan(people))
    assert response.status_code == 201, response.content
    body = response.json()
    names = {a["name"] for a in body["attendees"]}
    assert names == {"member", "host", "recorder", "plain", "mobile"}
    assert body["kind_label"] == "党员大会" and body["may_manage"] is True
    notices = Notice.objects.filter(topic=f"meetings.meeting:{body['id']}")
    assert notices.count() == 5
    notice = notices.get(recipient=people["plain"].user)
    assert "党员大会" in notice.title and notice.link == f"/me/meetings/{body['id']}/"
    assert notice.remind_at == Meeting.objects.get(pk=body["id"]).starts_at - timedelta(
        hours=24
    )


def test_scheduling_refusals_name_the_problem(clock, people, api):
    secretary = api(people["secretary"])
    answer = assert_problem(
        api(people["other_admin"]).post("/", plan(people)), 403, "out_of_scope"
    )
    assert "不在您管理的范围内" in answer["detail"]
    assert_problem(secretary.post("/", plan(people, organisation="NOPE")), 404)
    start = timezone.now() + timedelta(days=1)
    assert_problem(
        secretary.post(
            "/", plan(people, starts_at=start, ends_at=(start - timedelta(hours=1)))
        ),
        400,
        "invalid_time",
    )
    assert_problem(secretary.post("/", plan(people, kind="party")), 400)
    assert_problem(
        secretary.post("/", plan(people, kind="committee")), 400, "members_required"
    )
    assert_problem(
        secretary.post("/", plan(people, place="online", online_url="http://x")),
        400,
        "invalid_place",
    )
    outsider = people["outsider"].pk
    answer = assert_problem(
        secretary.post("/", plan(people, members=[people["host"].pk, outsider])),
        400,
        "member_not_in_organisation",
    )
    assert "outsider" in answer["detail"]
    assert_problem(
        secretary.post("/", plan(people, members=[people["plain"].pk])),
        400,
        "invalid_role",
    )
    assert Meeting.objects.count() == 0
    # A guest from elsewhere is fine (列席).
    ok = secretary.post("/", plan(people, guests=[outsider]))
    assert ok.status_code == 201, ok.content
    # A time without an offset is Beijing time.
    naive = secretary.post(
        "/",
        plan(people, starts_at="2030-01-05T09:00:00", ends_at="2030-01-05T11:00:00"),
    )
    assert naive.status_code == 201, naive.content
    start = Meeting.objects.get(pk=naive.json()["id"]).starts_at
    assert timezone.localtime(start).strftime("%H:%M %z") == "09:00 +0800"


def test_a_member_sees_only_meetings_they_are_asked_to(clock, people, api, meeting):
    mine = api(people["plain"]).get("/")
    assert [m["id"] for m in mine.json()["items"]] == [meeting["id"]]
    assert mine.json()["items"][0]["attendees"] is None  # not the host or recorder
    assert api(people["outsider"]).get("/").json()["items"] == []
    assert_problem(api(people["outsider"]).get(f"/{meeting['id']}"), 404)
    assert_problem(api(people["other_admin"]).get(f"/{meeting['id']}"), 404)
    district = api(people["district_admin"]).get(f"/{meeting['id']}")
    assert district.status_code == 200 and district.json()["may_manage"]
    assert_problem(api(people["other_admin"]).get("/", organisation="B1"), 403)
    assert (
        len(api(people["secretary"]).get("/", organisation="B1").json()["items"]) == 1
    )
    assert api(None).get("/").status_code == 401


def test_a_year_out_of_range_is_refused_by_name(clock, people, api, meeting):
    for path, params in (
        ("/", {"year": 20000}),
        ("/", {"organisation": "B1", "year": 0}),
        ("/overview", {"organisation": "B1", "year": 20000}),
    ):
        caller = (
            people["plain"] if "organisation" not in params else people["secretary"]
        )
        assert_problem(api(caller).get(path, **params), 400, "invalid_year")


# --- leave --------------------------------------------------------------------------


def test_leave_before_the_meeting_approved_by_the_host(clock, people, api, meeting):
    url = f"/{meeting['id']}/leave"
    assert_problem(api(people["plain"]).post(url, {"reason": "  "}), 400)
    asked = api(people["plain"]).post(url, {"reason": "出差"})
    assert asked.status_code == 200 and asked.json()["mine"]["leave"] == "requested"
    decide = f"/{meeting['id']}/leave/{people['plain'].pk}"
    assert_problem(api(people["member"]).post(decide, {"approve": True}), 403)
    approved = api(people["host"]).post(decide, {"approve": True})
    assert approved.status_code == 200, approved.content
    assert_problem(api(people["host"]).post(decide, {"approve": False}), 409)
    assert_problem(api(people["plain"]).post(url, {"reason": "改期"}), 409)
    assert_problem(api(people["outsider"]).post(url, {"reason": "x"}), 404)
    clock(3 * 86400)
    answer = assert_problem(
        api(people["member"]).post(url, {"reason": "生病"}), 409, "leave_too_late"
    )
    assert "不能再请假" in answer["detail"]
    attendee = Attendee.objects.get(meeting_id=meeting["id"], member=people["plain"])
    assert (attendee.leave, attendee.leave_reason) == ("approved", "出差")


# --- check-in, 代签 and 补签 ---------------------------------------------------------------


def test_check_in_with_the_rotating_code_inside_the_window(clock, people, api, meeting):
    url = f"/{meeting['id']}/checkins"
    start = Meeting.objects.get(pk=meeting["id"]).starts_at
    assert_problem(
        api(people["plain"]).post(url, {"code": _code(meeting["id"])}),
        400,
        "too_early",
    )
    clock((start - timezone.now()).total_seconds() - 10 * 60)  # 10 minutes before
    code_view = api(people["host"]).get(f"/{meeting['id']}/checkin-code")
    assert code_view.status_code == 200
    assert code_view.json()["checkin_url"].startswith("https://")
    assert code_view.json()["code"] == _code(meeting["id"])
    assert_problem(api(people["plain"]).get(f"/{meeting['id']}/checkin-code"), 403)
    assert_problem(
        api(people["plain"]).post(url, {"code": "000000"}), 400, "wrong_code"
    )
    assert_problem(
        api(people["outsider"]).post(url, {"code": _code(meeting["id"])}), 404
    )
    done = api(people["plain"]).post(url, {"code": _code(meeting["id"])})
    assert done.status_code == 201, done.content
    assert done.json()["mine"]["attendance"] == "code"
    assert_problem(
        api(people["member"]).post(url, {"code": _code(meeting["id"]), "online": True}),
        400,
        "online_not_allowed",
    )
    online = api(people["mobile"]).post(
        url, {"code": _code(meeting["id"]), "online": True}
    )
    assert online.json()["mine"]["attendance"] == "online"
    clock(3 * HOUR)
    assert_problem(
        api(people["member"]).post(url, {"code": _code(meeting["id"])}), 400, "closed"
    )


def test_proxy_and_late_sign_in_by_the_recorder_with_a_reason(
    clock, people, api, meeting
):
    url = f"/{meeting['id']}/signins"
    start = Meeting.objects.get(pk=meeting["id"]).starts_at
    clock((start - timezone.now()).total_seconds() + 60)
    body = {"member": people["plain"].pk, "reason": "手机没电，现场确认到会"}
    answer = assert_problem(
        api(people["host"]).post(url, body), 403, "not_the_recorder"
    )
    assert "recorder" in answer["detail"]  # names the recorder
    assert_problem(api(people["secretary"]).post(url, body), 403, "not_the_recorder")
    assert_problem(
        api(people["recorder"]).post(url, {**body, "reason": ""}),
        400,
        "reason_required",
    )
    assert_problem(
        api(people["recorder"]).post(url, {**body, "member": people["outsider"].pk}),
        404,
    )
    proxied = api(people["recorder"]).post(url, body)
    assert proxied.status_code == 201, proxied.content
    row = {a["name"]: a for a in proxied.json()["attendees"]}["plain"]
    assert (row["attendance"], row["attendance_label"]) == ("proxy", "代签")
    assert_problem(api(people["recorder"]).post(url, body), 409, "already_present")
    clock(3 * HOUR)
    late = api(people["recorder"]).post(
        url, {"member": people["member"].pk, "reason": "会后核实确已参会"}
    )
    row = {a["name"]: a for a in late.json()["attendees"]}["member"]
    assert row["attendance"] == "late_entry"
    entries = AuditEntry.objects.filter(action="record").order_by("pk")
    assert [e.subject for e in entries] == ["meetings.proxy", "meetings.late_entry"]
    assert entries[0].actor_name == "recorder"
    assert entries[1].scope["reason"] == "会后核实确已参会"


# --- after the meeting ------------------------------------------------------------------


def _after(clock, meeting_id: int) -> None:
    end = Meeting.objects.get(pk=meeting_id).ends_at
    clock((end - timezone.now()).total_seconds() + 60)


def test_minutes_revisions_and_the_filed_ledger(clock, people, api, meeting):
    url = f"/{meeting['id']}/minutes"
    assert_problem(
        api(people["recorder"]).post(url, {"text": "纪要", "base_revision": 0}),
        409,
        "not_yet_held",
    )
    _after(clock, meeting["id"])
    assert_problem(
        api(people["plain"]).post(url, {"text": "纪要", "base_revision": 0}), 403
    )
    first = api(people["recorder"]).post(
        url, {"text": "一、传达学习", "base_revision": 0}
    )
    assert first.status_code == 201 and first.json()["number"] == 1
    stale = assert_problem(
        api(people["secretary"]).post(url, {"text": "另一稿", "base_revision": 0}),
        409,
        "minutes_stale",
    )
    assert "第 1 版" in stale["detail"]
    year = timezone.localtime(Meeting.objects.get(pk=meeting["id"]).starts_at).year
    filing = f"/ledgers/B1/{year}/filing"
    assert_problem(api(people["other_admin"]).post(filing), 403)
    assert api(people["secretary"]).post(filing).status_code == 201
    assert_problem(api(people["secretary"]).post(filing), 409, "already_filed")
    refused = assert_problem(
        api(people["recorder"]).post(url, {"text": "改稿", "base_revision": 1}),
        400,
        "reason_required",
    )
    assert "已归档的第 1 版将保留" in refused["detail"]
    amended = api(people["recorder"]).post(
        url, {"text": "一、传达学习（补充发言）", "base_revision": 1, "note": "补充"}
    )
    assert amended.status_code == 201 and amended.json()["number"] == 2
    revisions = api(people["plain"]).get(url).json()["revisions"]
    assert [(r["number"], r["filed"]) for r in revisions] == [(1, True), (2, False)]
    ledger = api(people["secretary"]).get(f"/ledgers/B1/{year}").json()
    assert ledger["rows"][0]["minutes"] == "一、传达学习"  # the filed revision
    assert ledger["rows"][0]["minutes_revision"] == 1


def test_committee_minutes_only_for_its_members_and_higher_levels(clock, people, api):
    body = plan(
        people,
        kind="committee",
        members=[people["host"].pk, people["recorder"].pk],
        guests=[people["plain"].pk],
    )
    meeting = api(people["secretary"]).post("/", body).json()
    _after(clock, meeting["id"])
    url = f"/{meeting['id']}/minutes"
    api(people["recorder"]).post(url, {"text": "研究发展党员事项", "base_revision": 0})
    assert api(people["host"]).get(url).status_code == 200
    assert api(people["district_admin"]).get(url).status_code == 200
    answer = assert_problem(api(people["plain"]).get(url), 403, "minutes_restricted")
    assert "支委会" in answer["detail"]
    assert_problem(api(people["member"]).get(url), 404)  # not asked at all


def test_resolutions_home_visits_and_makeup(clock, people, api, section):
    lesson = factories.lesson(section, title="党课录像", duration=60)
    body = plan(people, kind="lecture", makeup_lesson=lesson.pk, makeup_days=10)
    meeting = api(people["secretary"]).post("/", body).json()
    mid = meeting["id"]
    _after(clock, mid)
    resolution = {"text": "开展志愿服务", "owner": people["plain"].pk}
    day = timezone.localdate()
    assert_problem(
        api(people["recorder"]).post(
            f"/{mid}/resolutions", {**resolution, "due_on": day - timedelta(days=30)}
        ),
        400,
        "invalid_due_date",
    )
    assert_problem(
        api(people["recorder"]).post(
            f"/{mid}/resolutions",
            {**resolution, "owner": people["outsider"].pk, "due_on": day},
        ),
        404,
    )
    made = api(people["recorder"]).post(
        f"/{mid}/resolutions", {**resolution, "due_on": day + timedelta(days=30)}
    )
    assert made.status_code == 201 and made.json()["owner_name"] == "plain"

    visit = {
        "member": people["outsider"].pk,
        "visited_on": day.isoformat(),
        "visitors": "书记、组织委员",
        "content": "传达党课内容",
        "member_words": "感谢组织关心",
    }
    answer = assert_problem(
        api(people["secretary"]).post(f"/{mid}/home-visits", visit),
        400,
        "member_not_in_branch",
    )
    assert "outsider" in answer["detail"]
    visit["member"] = people["host"].pk
    assert_problem(api(people["recorder"]).post(f"/{mid}/home-visits", visit), 403)
    assert (
        api(people["secretary"]).post(f"/{mid}/home-visits", visit).status_code == 201
    )

    assert_problem(
        api(people["plain"]).post(f"/{mid}/makeup"), 409, "lesson_not_completed"
    )
    learning_services.lesson_mark_completed(
        member=people["plain"], lesson_id=lesson.pk, via="online", now=timezone.now()
    )
    made_up = api(people["plain"]).post(f"/{mid}/makeup")
    assert made_up.status_code == 201, made_up.content
    assert made_up.json()["mine"]["attendance"] == "makeup"
    clock(11 * 86400)
    assert_problem(api(people["member"]).post(f"/{mid}/makeup"), 409, "makeup_closed")

    year = timezone.localtime(Meeting.objects.get(pk=mid).starts_at).year
    row = api(people["secretary"]).get(f"/ledgers/B1/{year}").json()["rows"][0]
    assert (row["expected"], row["present"], row["makeup"], row["home_visit"]) == (
        5, 0, 1, 1,
    )  # fmt: skip
    assert row["absent"] == 3
    assert row["resolutions"][0]["text"] == "开展志愿服务"


def test_the_service_refuses_what_the_api_refuses(clock, people, meeting):
    """Nothing is lost on refusal: the attendee row is unchanged."""
    record = Meeting.objects.get(pk=meeting["id"])
    before = list(Attendee.objects.filter(meeting=record).values())
    with pytest.raises(services.NotTheRecorder):
        services.meeting_sign_in(
            user=people["host"].user, meeting=record, member_id=people["plain"].pk,
            reason="x",
        )  # fmt: skip
    assert list(Attendee.objects.filter(meeting=record).values()) == before
    assert MinutesRevision.objects.count() == 0

"""The secretary's meeting pages in the admin (组织生活): scoped to the subtree,
through the services, every refusal shown and nothing stored."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from dangke.models import AuditEntry
from meetings.models import Attendee, Meeting, MinutesAttachment, PartyGroup
from tests import factories
from tests.meetings.conftest import plan

pytestmark = pytest.mark.django_db


@pytest.fixture
def run_by_secretary(people, api):
    """A 党员大会 of B1 in two days whose recorder is the secretary (also a
    member of the branch), scheduled by the secretary."""
    secretary = factories.member(
        organisation=people["plain"].organisation, user=people["secretary"]
    )
    response = api(people["secretary"]).post("/", plan(people, recorder=secretary.pk))
    assert response.status_code == 201, response.content
    return Meeting.objects.get(pk=response.json()["id"])


def _url(meeting) -> str:
    return f"/admin/meetings/{meeting.pk}/"


def test_the_list_shows_the_subtree_with_states_and_kinds(
    clock, people, client_for, meeting
):
    page = client_for(people["secretary"]).get("/admin/meetings/?organisation=B1")
    assert page.status_code == 200
    text = page.content.decode()
    assert f'data-meeting="{meeting["id"]}"' in text and "未开始" in text
    assert "按条例的召开情况" in text and "逾期" in text  # a branch's kinds
    district = client_for(people["district_admin"]).get("/admin/meetings/")
    assert f'data-meeting="{meeting["id"]}"' in district.content.decode()
    # Another subtree: refused; its own list does not show B1's meeting.
    other = client_for(people["other_admin"])
    assert other.get("/admin/meetings/?organisation=B1").status_code == 403
    assert (
        f'data-meeting="{meeting["id"]}"'
        not in other.get("/admin/meetings/").content.decode()
    )
    assert other.get(f"/admin/meetings/{meeting['id']}/").status_code == 404
    assert other.get("/admin/meetings/ledger/?organisation=B1").status_code == 403
    assert other.get("/admin/meetings/overview/?organisation=D").status_code == 403
    # A plain member has no admin.
    assert client_for(people["plain"].user).get("/admin/meetings/").status_code in (
        302,
        403,
    )


def test_scheduling_from_the_admin(clock, people, client_for):
    client = client_for(people["secretary"])
    start = timezone.localtime() + timedelta(days=3)
    form = {
        "kind": "lecture", "theme": "书记讲党课", "agenda": "",
        "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (start + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        "place": "address", "address": "党群服务中心",
        "host": people["host"].pk, "recorder": people["recorder"].pk,
    }  # fmt: skip
    response = client.post("/admin/meetings/new/?organisation=B1", form)
    assert response.status_code == 302, response.content.decode()[-2000:]
    meeting = Meeting.objects.get()
    assert meeting.kind == "lecture" and meeting.attendees.count() == 5
    # The service's refusal is shown; nothing is stored.
    response = client.post(
        "/admin/meetings/new/?organisation=B1", {**form, "place": "online"}
    )
    assert response.status_code == 400
    assert "https 会议链接" in response.content.decode()
    assert Meeting.objects.count() == 1
    other = client_for(people["other_admin"])
    assert other.post("/admin/meetings/new/?organisation=B1", form).status_code == 403


def test_proxy_sign_in_needs_a_reason_and_is_audited(
    clock, people, client_for, run_by_secretary
):
    meeting = run_by_secretary
    client = client_for(people["secretary"])
    clock((meeting.starts_at - timezone.now()).total_seconds() + 60)
    plain = people["plain"].pk
    page = client.get(_url(meeting))
    assert page.status_code == 200 and "代签理由" in page.content.decode()
    refused = client.post(
        _url(meeting), {"action": "signin", "member": plain, "reason": "  "}
    )
    assert refused.status_code == 400
    assert "代签/补签须填写理由" in refused.content.decode()
    attendee = Attendee.objects.get(meeting=meeting, member_id=plain)
    assert (
        attendee.attendance == ""
        and not AuditEntry.objects.filter(subject="meetings.proxy").exists()
    )
    done = client.post(
        _url(meeting), {"action": "signin", "member": plain, "reason": "手机没电"}
    )
    assert done.status_code == 302
    attendee.refresh_from_db()
    assert attendee.attendance == "proxy" and attendee.attendance_reason == "手机没电"
    entry = AuditEntry.objects.get(subject="meetings.proxy")
    assert entry.channel == "admin" and entry.scope["reason"] == "手机没电"
    # An administrator who is not the recorder: the service refuses, 403.
    refused = client_for(people["district_admin"]).post(
        _url(meeting), {"action": "signin", "member": people["host"].pk, "reason": "x"}
    )
    assert refused.status_code == 403
    assert "只有本次会议的记录人" in refused.content.decode()


def test_leave_minutes_resolutions_and_attachments_from_the_admin(
    clock, people, api, client_for, run_by_secretary
):
    meeting = run_by_secretary
    api(people["plain"]).post(f"/{meeting.pk}/leave", {"reason": "出差"})
    client = client_for(people["secretary"])
    response = client.post(
        _url(meeting),
        {"action": "leave", "member": people["plain"].pk, "approve": "1"},
    )
    assert response.status_code == 302
    assert Attendee.objects.get(meeting=meeting, member=people["plain"]).leave == (
        "approved"
    )
    clock((meeting.ends_at - timezone.now()).total_seconds() + 60)
    response = client.post(
        _url(meeting),
        {"action": "minutes", "text": "会议学习了全会精神。", "base_revision": 0},
    )
    assert response.status_code == 302
    stale = client.post(
        _url(meeting), {"action": "minutes", "text": "覆盖", "base_revision": 0}
    )
    assert stale.status_code == 409 and "纪要已更新为第 1 版" in stale.content.decode()
    assert meeting.minutes_revisions.get().text == "会议学习了全会精神。"
    response = client.post(
        _url(meeting),
        {"action": "resolution", "text": "开展志愿服务", "owner": people["host"].pk,
         "due_on": (timezone.localdate() + timedelta(days=30)).isoformat()},
    )  # fmt: skip
    assert response.status_code == 302 and meeting.resolutions.count() == 1
    bad = client.post(
        _url(meeting),
        {
            "action": "attachment",
            "file": SimpleUploadedFile("签到表.pdf", b"not a pdf"),
        },
    )
    assert bad.status_code == 400 and "签到表.pdf" in bad.content.decode()
    assert MinutesAttachment.objects.count() == 0
    good = client.post(
        _url(meeting),
        {
            "action": "attachment",
            "file": SimpleUploadedFile("签到表.pdf", b"%PDF-1.4\n"),
        },
    )
    assert good.status_code == 302
    attachment = MinutesAttachment.objects.get()
    download = client.get(f"/admin/meetings/{meeting.pk}/attachments/{attachment.pk}/")
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == b"%PDF-1.4\n"
    page = client.get(_url(meeting)).content.decode()
    assert "签到表.pdf" in page and "会议学习了全会精神。" in page
    # The figures: 应到 6, 请假 1 (approved, not present).
    assert "请假<strong>1</strong>" in page


def test_reschedule_and_cancel_from_the_admin(clock, people, client_for, meeting):
    client = client_for(people["secretary"])
    url = f"/admin/meetings/{meeting['id']}/"
    start = timezone.localtime() + timedelta(days=5)
    refused = client.post(
        url,
        {"action": "reschedule", "reason": "",
         "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
         "ends_at": (start + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")},
    )  # fmt: skip
    assert refused.status_code == 400 and "改期须填写理由" in refused.content.decode()
    moved = client.post(
        url,
        {"action": "reschedule", "reason": "会场检修", "address": "街道会议室",
         "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
         "ends_at": (start + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")},
    )  # fmt: skip
    assert moved.status_code == 302
    record = Meeting.objects.get(pk=meeting["id"])
    assert record.address == "街道会议室" and record.reschedule_reason == "会场检修"
    assert "已改期" in client.get(url).content.decode()
    assert client.post(url, {"action": "cancel", "reason": "台风"}).status_code == 302
    page = client.get(url).content.decode()
    assert "已取消" in page and "台风" in page


def test_ledger_overview_and_groups_pages(clock, people, client_for, meeting):
    client = client_for(people["district_admin"])
    year = timezone.localdate().year
    ledger = client.get(f"/admin/meetings/ledger/?organisation=B1&year={year}")
    assert ledger.status_code == 200 and f'data-row="{meeting["id"]}"' in (
        ledger.content.decode()
    )
    pdf = client.get(f"/admin/meetings/ledger/?organisation=B1&year={year}&export=pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    xlsx = client.get(
        f"/admin/meetings/ledger/?organisation=B1&year={year}&export=xlsx"
    )
    assert xlsx.status_code == 200
    assert (
        AuditEntry.objects.filter(subject="meetings.ledger", channel="admin").count()
        == 2
    )
    overview = client.get("/admin/meetings/overview/?organisation=D").content.decode()
    assert 'data-code="S1"' in overview and "?organisation=S1" in overview
    drilled = client.get("/admin/meetings/overview/?organisation=S1").content.decode()
    assert 'data-code="C1"' in drilled
    assert (
        client.get("/admin/meetings/ledger/?organisation=B1&year=1").status_code == 404
    )
    # Party groups: created with members; another subtree's admin cannot reach it.
    secretary = client_for(people["secretary"])
    response = secretary.post(
        "/admin/meetings/groups/?organisation=B1",
        {"name": "第一党小组", "leader": people["host"].pk,
         "members": [people["plain"].pk]},
    )  # fmt: skip
    assert response.status_code == 302
    group = PartyGroup.objects.get()
    assert set(group.members.values_list("pk", flat=True)) == {
        people["host"].pk, people["plain"].pk
    }  # fmt: skip
    taken = secretary.post(
        "/admin/meetings/groups/?organisation=B1", {"name": "第一党小组"}
    )
    assert taken.status_code == 400 and "已有名为" in taken.content.decode()
    other = client_for(people["other_admin"])
    assert other.get(f"/admin/meetings/groups/{group.pk}/").status_code == 404
    assert other.get("/admin/meetings/groups/?organisation=B1").status_code == 403

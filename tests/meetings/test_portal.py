"""我的会议 in the portal: the member's meetings and notices, check-in with the code
the QR link carries, leave, and the minutes only where the member may read them."""

from __future__ import annotations

import pytest
from django.utils import timezone

from meetings import services
from meetings.models import Attendee, Meeting
from tests import factories
from tests.meetings.conftest import checkin_code_now as _code
from tests.meetings.conftest import plan

pytestmark = pytest.mark.django_db


def test_the_list_shows_ones_meetings_and_notices(clock, people, meeting, client_for):
    page = client_for(people["plain"].user).get("/me/meetings/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "党员大会通知" in text and "学习贯彻党的二十届四中全会精神" in text
    assert f"/me/meetings/{meeting['id']}/" in text
    assert (
        "学习贯彻"
        not in client_for(people["outsider"].user).get("/me/meetings/").content.decode()
    )
    lecturer = factories.user("someone", groups=["讲师"])
    assert client_for(lecturer).get("/me/meetings/").status_code == 403


def test_check_in_from_the_qr_link_and_leave(clock, people, meeting, client_for):
    url = f"/me/meetings/{meeting['id']}/"
    client = client_for(people["plain"].user)
    start = Meeting.objects.get(pk=meeting["id"]).starts_at
    leave = client.post(url, {"action": "leave", "reason": "出差"})
    assert leave.status_code == 302 and leave["Location"].endswith("?done=leave")
    assert "已提交请假申请" in client.get(leave["Location"]).content.decode()
    clock((start - timezone.now()).total_seconds() + 60)
    code = _code(meeting["id"])
    wrong = client_for(people["member"].user).post(
        url, {"action": "checkin", "code": "1"}
    )
    assert wrong.status_code == 400 and "签到码错误" in wrong.content.decode()
    # The QR code's link checks in at once (after sign-in), no button to press.
    done = client_for(people["member"].user).get(f"{url}?code={code}")
    assert done.status_code == 302 and done["Location"].endswith("?done=checkin")
    attendee = Attendee.objects.get(meeting_id=meeting["id"], member=people["member"])
    assert attendee.attendance == "code"
    late = client.post(url, {"action": "leave", "reason": "改主意"})
    assert late.status_code == 409 and "不能再请假" in late.content.decode()
    assert client_for(people["outsider"].user).get(url).status_code == 404


def test_committee_minutes_are_not_shown_to_guests(clock, people, api, client_for):
    body = plan(
        people,
        kind="committee",
        members=[people["host"].pk, people["recorder"].pk],
        guests=[people["plain"].pk],
    )
    meeting = api(people["secretary"]).post("/", body).json()
    record = Meeting.objects.get(pk=meeting["id"])
    clock((record.ends_at - timezone.now()).total_seconds() + 60)
    services.minutes_write(
        user=people["recorder"].user, meeting=record, text="研究发展党员事项机密",
        base_revision=0,
    )  # fmt: skip
    url = f"/me/meetings/{meeting['id']}/"
    assert (
        "研究发展党员事项机密"
        in client_for(people["host"].user).get(url).content.decode()
    )
    guest = client_for(people["plain"].user).get(url)
    assert (
        guest.status_code == 200
        and "研究发展党员事项机密" not in guest.content.decode()
    )


def test_the_check_in_screen_for_those_who_run_the_meeting(
    clock, people, meeting, client_for
):
    url = f"/me/meetings/{meeting['id']}/screen/"
    screen = client_for(people["host"].user).get(url)
    assert screen.status_code == 200
    text = screen.content.decode()
    assert _code(meeting["id"]) in text and "data:image/png;base64," in text
    assert "应到 5 人" in text
    page = client_for(people["recorder"].user).get(f"/me/meetings/{meeting['id']}/")
    assert url in page.content.decode()
    assert (
        url
        not in client_for(people["plain"].user)
        .get(f"/me/meetings/{meeting['id']}/")
        .content.decode()
    )
    assert client_for(people["plain"].user).get(url).status_code == 403
    assert client_for(people["outsider"].user).get(url).status_code == 404
    assert client_for(people["district_admin"]).get(url).status_code == 200

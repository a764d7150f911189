"""Branch life in the browser: a member asks for leave, checks in with the code
shown at the meeting and reads the minutes of a meeting they attended; a
secretary on a phone (375×812) signs a member in (代签) from the admin's meeting
page, with a reason. axe on every page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from learning import services as learning_services
from meetings import services
from meetings.models import Attendee, MinutesRevision
from tests import factories
from tests.e2e.conftest import PHONE, axe_violations, follow, screenshot, sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def _schedule(secretary, people, *, start, theme, recorder=None):
    return services.meeting_schedule(
        user=secretary,
        organisation_code="B1",
        plan=services.MeetingPlan(
            kind="general",
            theme=theme,
            starts_at=start,
            ends_at=start + timedelta(hours=2),
            place="address",
            address="党群服务中心 201 室",
            host=people["host"].pk,
            recorder=(recorder or people["host"]).pk,
        ),
    )


@pytest.fixture
def branch(tree, member):
    branch = tree["branch1"]
    secretary = factories.org_admin(organisation=branch, username="secretary")
    return {
        "secretary": secretary,
        "secretary_member": factories.member(organisation=branch, user=secretary),
        "member": member,
        "host": factories.member(organisation=branch, username="host"),
        "plain": factories.member(organisation=branch, username="plain"),
    }


def _code(meeting) -> str:
    step = int(timezone.now().timestamp()) // learning_services.CHECKIN_STEP_SECONDS
    return learning_services.rotating_code(
        secret=meeting.checkin_secret, key=f"m{meeting.pk}", step=step
    )


def _axe_clean(page) -> None:
    assert axe_violations(page) == [], page.url


def test_a_member_asks_leave_checks_in_and_reads_minutes(page, branch):
    now = timezone.now()
    secretary = branch["secretary"]
    coming = _schedule(
        secretary, branch, start=now + timedelta(days=2), theme="下周党员大会"
    )
    running = _schedule(
        secretary, branch, start=now - timedelta(minutes=5), theme="正在开的会"
    )
    held = _schedule(secretary, branch, start=now - timedelta(days=1), theme="昨天的会")
    Attendee.objects.filter(meeting=held, member=branch["member"]).update(
        attendance="code", attended_at=held.starts_at
    )
    MinutesRevision.objects.create(
        meeting=held, number=1, text="会议传达学习了全会精神，大家踊跃发言。",
        written_by=branch["host"].user, written_at=held.ends_at,
    )  # fmt: skip
    sign_in(page, "member")
    page.goto(f"{page.base}/me/meetings/")
    assert "下周党员大会" in page.inner_text("main")
    _axe_clean(page)

    page.goto(f"{page.base}/me/meetings/{coming.pk}/")
    page.fill("#leave-reason", "出差在外")
    follow(page, "form:has(input[value=leave]) button[type=submit]")
    assert "已提交请假申请" in page.inner_text("main")
    assert Attendee.objects.get(meeting=coming, member=branch["member"]).leave == (
        "requested"
    )
    _axe_clean(page)

    page.goto(f"{page.base}/me/meetings/{running.pk}/")
    page.fill("#meeting-code", _code(running))
    follow(page, "form:has(input[value=checkin]) button[type=submit]")
    assert "签到成功" in page.inner_text("main")
    assert Attendee.objects.get(
        meeting=running, member=branch["member"]
    ).attendance == ("code")
    _axe_clean(page)

    page.goto(f"{page.base}/me/meetings/{held.pk}/")
    assert "会议传达学习了全会精神" in page.inner_text("#minutes-title >> xpath=..")
    _axe_clean(page)
    screenshot(page, "meeting-minutes")
    assert page.problems == []


def test_a_secretary_signs_a_member_in_on_a_phone(page, branch):
    page.set_viewport_size(PHONE)
    meeting = _schedule(
        branch["secretary"],
        branch,
        start=timezone.now() - timedelta(minutes=5),
        theme="手机上代签",
        recorder=branch["secretary_member"],
    )
    plain = branch["plain"]
    sign_in(page, "secretary")
    page.goto(f"{page.base}/admin/meetings/{meeting.pk}/")
    row = page.locator(f'[data-attendee="{plain.pk}"]')
    # Without a reason: the form says so and nothing is stored.
    follow(page, row.locator("button", has_text="代签"))
    assert "代签/补签须填写理由" in page.inner_text("[data-attendees] >> xpath=..")
    assert Attendee.objects.get(meeting=meeting, member=plain).attendance == ""
    row = page.locator(f'[data-attendee="{plain.pk}"]')
    row.locator("input[name=reason]").fill("手机没电，现场核实到会")
    follow(page, row.locator("button", has_text="代签"))
    assert "代签" in page.locator(f'[data-attendee="{plain.pk}"]').inner_text()
    attendee = Attendee.objects.get(meeting=meeting, member=plain)
    assert attendee.attendance == "proxy"
    assert attendee.attendance_reason == "手机没电，现场核实到会"
    # Nothing wider than the phone's screen.
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"] + 1, width
    # axe on the page's own part (Wagtail's chrome around it is Wagtail's).
    page.add_script_tag(url=f"{page.base}/static/themes/vendor/axe.min.js")
    violations = page.evaluate(
        "async () => { const r = await axe.run('.mt-wrap', "
        "{resultTypes: ['violations']}); return r.violations"
        ".filter(v => ['serious', 'critical'].includes(v.impact))"
        ".map(v => v.id + ' ' + v.nodes.map(n => n.target.join(' ')).join(', ')); }"
    )
    assert violations == []
    screenshot(page, "admin-meeting-proxy")

"""Demo data for branch life: a year of meetings of the demo branches, from the
records a branch would keep — check-ins, leave, a 代签 and a 补签, 送学上门, 补学,
minutes and resolutions — and the next 主题党日 coming up with its notices. The
first branch (where ``member`` is, and records its meetings) keeps every kind in
time; the others fall behind in different ways, so the overview has something to
show. Safe to run again: nothing is added when the demo branches have meetings.

Called by ``manage.py load_demo`` after learning's demo (the tree and members).
"""

from __future__ import annotations

import random
import sys
from datetime import date, datetime, timedelta
from typing import TextIO

from django.db import transaction
from django.utils import timezone

from cms.models import MicroLessonPage
from cms.selectors import pages_visible_to_public
from dangke.progress import progress_line
from learning.models import Member, Organisation
from meetings.models import (
    Attendee,
    HomeVisit,
    Meeting,
    MeetingKind,
    MinutesRevision,
    PartyGroup,
    Resolution,
)
from meetings.services import meeting_notices_send

DISTRICT_CODE = "YX"
THEMES = {
    MeetingKind.GENERAL: "学习贯彻党的二十届三中全会精神",
    MeetingKind.COMMITTEE: "研究本月支部工作和党员发展事项",
    MeetingKind.GROUP: "交流学习体会",
    MeetingKind.LECTURE: "书记讲党课：传承红色基因",
    MeetingKind.THEME_DAY: "走进中共三大会址纪念馆",
    MeetingKind.LIFE: "年度组织生活会",
    MeetingKind.APPRAISAL: "年度民主评议党员",
}
# Months (1–12) each kind is held in the first branch: every kind in time.
FULL_YEAR = {
    MeetingKind.GENERAL: (1, 4, 7, 10),
    MeetingKind.COMMITTEE: tuple(range(1, 13)),
    MeetingKind.GROUP: tuple(range(1, 13)),
    MeetingKind.LECTURE: (2, 5, 8, 11),
    MeetingKind.THEME_DAY: tuple(range(1, 13)),
    MeetingKind.LIFE: (1,),
    MeetingKind.APPRAISAL: (1,),
}


def meetings_demo_load(*, stdout: TextIO | None = None) -> None:
    """Build the meetings demo unless the demo branches have meetings already."""
    out = stdout or sys.stdout
    branches = list(
        Organisation.objects.filter(
            code__startswith=f"{DISTRICT_CODE}-", kind=Organisation.Kind.BRANCH
        ).order_by("path")
    )
    if not branches:
        return
    if Meeting.objects.filter(organisation__in=branches).exists():
        progress_line(1, 1, "组织生活", out)
        return
    rng = random.Random(20260107)  # noqa: S311 - demo data, not security
    today = timezone.localdate()
    lesson = (
        pages_visible_to_public(queryset=MicroLessonPage.objects.all())
        .order_by("path")
        .first()
    )
    for index, branch in enumerate(branches):
        with transaction.atomic():
            plan = FULL_YEAR if index == 0 else _falling_behind(index)
            _branch_year(branch, plan, today, rng, lesson, first=index == 0)
        progress_line(index + 1, len(branches), "组织生活", out)


def _falling_behind(index: int) -> dict:
    """A plan that misses something: later branches stop earlier in the year."""
    stop = 12 - index % 6 - 1
    return {
        MeetingKind.GENERAL: tuple(m for m in (1, 4, 7, 10) if m <= stop),
        MeetingKind.COMMITTEE: tuple(range(1, stop + 1)),
        MeetingKind.LECTURE: tuple(m for m in (2, 5, 8) if m <= stop),
        MeetingKind.THEME_DAY: tuple(range(1, stop + 1, 1 + index % 2)),
        MeetingKind.LIFE: (1,) if index % 3 else (),
        MeetingKind.APPRAISAL: (1,) if index % 3 else (),
    }


def _at(day: date, hour: int) -> datetime:
    return timezone.make_aware(datetime(day.year, day.month, day.day, hour, 30))


def _branch_year(branch, plan, today: date, rng, lesson, *, first: bool) -> None:
    members = list(Member.objects.filter(organisation=branch).order_by("pk"))
    if len(members) < 3:
        return
    host = next((m for m in members if m.member_type == "secretary"), members[0])
    demo_member = next((m for m in members if m.user.username == "member"), None)
    recorder = demo_member or next(m for m in members if m != host)
    committee = [host, recorder] + [m for m in members if m not in (host, recorder)][:1]
    group = None
    if first:  # 党小组: the first branch's members in one group, its recorder leads
        group = PartyGroup.objects.create(
            organisation=branch, name="第一党小组", leader=recorder
        )
        group.members.set(members)
    for kind, months in plan.items():
        for month in months:
            day = date(
                today.year, month, 8 + (list(MeetingKind.values).index(kind)) * 2
            )
            if day >= today:
                continue
            attendees = committee if kind == MeetingKind.COMMITTEE else members
            meeting = _held(branch, kind, day, host, recorder, attendees, rng, lesson)
            if group is not None and kind == MeetingKind.GROUP:
                Meeting.objects.filter(pk=meeting.pk).update(party_group=group)
    if first:
        coming = today + timedelta(days=6)
        meeting = Meeting.objects.create(
            organisation=branch,
            kind=MeetingKind.THEME_DAY,
            theme="重温入党誓词",
            agenda="一、重温入党誓词；二、志愿服务",
            starts_at=_at(coming, 9),
            ends_at=_at(coming, 11),
            place=Meeting.Place.ADDRESS,
            address="北京街党群服务中心二楼",
            host=host,
            recorder=recorder,
        )
        Attendee.objects.bulk_create(
            Attendee(meeting=meeting, member=m) for m in members
        )
        meeting_notices_send(meeting=meeting)


def _held(branch, kind, day, host, recorder, attendees, rng, lesson) -> Meeting:
    starts = _at(day, 14 if kind == MeetingKind.COMMITTEE else 9)
    makeup = lesson if kind in (MeetingKind.LECTURE, MeetingKind.THEME_DAY) else None
    meeting = Meeting.objects.create(
        organisation=branch,
        kind=kind,
        theme=THEMES[kind],
        agenda="一、学习；二、讨论；三、形成决议",
        starts_at=starts,
        ends_at=starts + timedelta(hours=2),
        place=Meeting.Place.ADDRESS,
        address=f"{branch.name}党员活动室",
        host=host,
        recorder=recorder,
        makeup_lesson=makeup,
    )
    rows = []
    for member in attendees:
        roll = rng.random()
        row = Attendee(meeting=meeting, member=member)
        if member in (host, recorder) or roll < 0.78:
            row.attendance = Attendee.Attendance.CODE
            row.attended_at = starts + timedelta(minutes=rng.randint(-20, 5))
        elif roll < 0.84:
            row.attendance = Attendee.Attendance.PROXY
            row.attended_at = starts + timedelta(minutes=10)
            row.attendance_reason = "手机没电，现场由记录人核实"
            row.attendance_by = recorder.user
        elif roll < 0.87:
            row.attendance = Attendee.Attendance.LATE_ENTRY
            row.attended_at = starts + timedelta(hours=3)
            row.attendance_reason = "会后核对签到表补签"
            row.attendance_by = recorder.user
        elif roll < 0.93:
            row.leave = Attendee.Leave.APPROVED
            row.leave_reason = rng.choice(["出差", "身体不适", "家中有事"])
            row.leave_asked_at = starts - timedelta(days=1)
            row.leave_decided_by = host.user
            row.leave_decided_at = starts - timedelta(hours=20)
            if makeup is not None:
                row.attendance = Attendee.Attendance.MAKEUP
                row.attended_at = starts + timedelta(days=3)
        elif roll < 0.96 and member.member_type == "retired":
            row.attendance = Attendee.Attendance.HOME_VISIT
            row.attended_at = starts + timedelta(days=2)
        rows.append(row)
    Attendee.objects.bulk_create(rows)
    for row in Attendee.objects.filter(
        meeting=meeting, attendance=Attendee.Attendance.HOME_VISIT
    ):
        HomeVisit.objects.create(
            attendee=row,
            visited_on=(starts + timedelta(days=2)).date(),
            visitors=f"{host.name}、{recorder.name}",
            content=f"上门传达“{meeting.theme}”的内容",
            member_words="感谢组织关心，会认真学习。",
            recorded_by=host.user,
        )
    MinutesRevision.objects.create(
        meeting=meeting,
        number=1,
        text=f"会议由{host.name}主持，围绕“{meeting.theme}”进行了学习和讨论。",
        written_by=recorder.user,
        written_at=starts + timedelta(hours=3),
    )
    if kind in (MeetingKind.GENERAL, MeetingKind.COMMITTEE):
        Resolution.objects.create(
            meeting=meeting,
            text="组织党员参加社区志愿服务",
            owner=rng.choice(attendees),
            due_on=day + timedelta(days=30),
        )
    return meeting

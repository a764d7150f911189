"""直播党课: the demo (idempotent) — last month's 灯塔大课堂 for the demo district,
ended, with its replay (a published micro-lesson) and the presence of the first
branch's members (``member`` attended); and next one, coming up in three days with
the audience's notices."""

from __future__ import annotations

import sys
from datetime import datetime, timedelta
from typing import TextIO

from django.db import transaction
from django.utils import timezone

from broadcasts.models import LiveLecture, LivePresence
from broadcasts.services import attendance_settle, lecture_notices_send
from cms.models import Lecturer, MicroLessonPage
from cms.selectors import pages_visible_to_public
from learning.models import Member, Organisation

DISTRICT_CODE = "YX"
PAST = "灯塔大课堂·上月：学习贯彻党的二十届四中全会精神"
COMING = "灯塔大课堂·本月：以高质量党建引领基层治理"


def _at(day, hour: int, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime(day.year, day.month, day.day, hour, minute))


def broadcasts_demo_load(*, stdout: TextIO | None = None) -> None:
    """Build the broadcasts demo; a second run adds nothing."""
    out = stdout or sys.stdout
    district = Organisation.objects.filter(code=DISTRICT_CODE).first()
    if district is None:
        out.write("broadcasts demo: no demo district, nothing to load\n")
        return
    if LiveLecture.objects.filter(title__in=[PAST, COMING]).exists():
        out.write("broadcasts demo: already loaded\n")
        return
    today = timezone.localdate()
    lecturer = Lecturer.objects.order_by("pk").first()
    lesson = (
        pages_visible_to_public(queryset=MicroLessonPage.objects.all())
        .order_by("path")
        .first()
    )
    with transaction.atomic():
        started = _at(today - timedelta(days=30), 19, 30)
        past = LiveLecture.objects.create(
            title=PAST,
            description="区委组织部“灯塔大课堂”每月直播，各支部集中收看或用手机收看。",
            lecturer=lecturer,
            organisation=district,
            starts_at=started,
            expected_minutes=60,
            status=LiveLecture.Status.ENDED,
            went_live_at=started + timedelta(minutes=1),
            ended_at=started + timedelta(minutes=58),
            published_stream="demo-past",
            recording_lesson=lesson,
        )
        branch = (
            Organisation.objects.filter(
                code__startswith=f"{DISTRICT_CODE}-", kind=Organisation.Kind.BRANCH
            )
            .order_by("path")
            .first()
        )
        members = list(
            Member.objects.filter(organisation=branch).order_by("pk")[:8]
            if branch
            else []
        )
        for index, member in enumerate(members):
            late = 0 if member.user and member.user.username == "member" else index * 4
            first = past.went_live_at + timedelta(minutes=late)
            stayed = 57 - late - (index % 3) * 9
            LivePresence.objects.create(
                member=member,
                lecture=past,
                first_seen=first,
                last_seen=first + timedelta(minutes=stayed),
                seconds_present=stayed * 60,
                place=LivePresence.PHONE,
            )
        attendance_settle(lecture=past, now=past.ended_at)
        coming = LiveLecture.objects.create(
            title=COMING,
            description="主讲人结合本区实践，讲解党建引领基层治理的经验与方法。",
            lecturer=lecturer,
            organisation=district,
            starts_at=_at(today + timedelta(days=3), 19, 30),
            expected_minutes=60,
        )
        sent = lecture_notices_send(lecture=coming)
    out.write(
        f"broadcasts demo: a past lecture with its replay ({len(members)} present), "
        f"one coming up ({sent} notices)\n"
    )

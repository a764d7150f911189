"""Demo data for learning: the organisation tree, ~200 members with varied progress,
required assignments, electives and a training class. Safe to run again: the same
codes, usernames and values come out every time.

Called by ``manage.py load_demo`` after the content exists; with no content it only
builds the organisations and members.
"""

from __future__ import annotations

import random
import sys
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import TextIO

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from cms.models import CoursePage, Lecturer, MicroLessonPage, TeachingSitePage
from cms.selectors import course_lessons, pages_visible_to_public
from dangke.progress import progress_line
from learning import selectors, services
from learning.choices import MemberType
from learning.models import (
    Assignment,
    Enrolment,
    LessonProgress,
    Member,
    Organisation,
    OrganisationAdministrator,
    TrainingClass,
    TrainingSession,
)

DEMO_PASSWORD = "dangke-demo"  # noqa: S105 - the documented demo login
MEMBERS = 200
DISTRICT = ("YX", "越秀区委")
SUBDISTRICTS = [("YX-BJ", "北京街道党工委"), ("YX-DS", "东山街道党工委"),
                ("YX-HL", "华乐街道党工委")]  # fmt: skip
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华"
CLASS_TITLE = "基层党组织书记示范培训班"


def learning_demo_load(*, stdout: TextIO | None = None) -> None:
    """Build (or bring back to) the learning demo; idempotent."""
    out = stdout or sys.stdout
    rng = random.Random(20260701)  # noqa: S311 - demo data, not security
    with transaction.atomic():
        branches = _organisations()
        members = _members(branches, rng, out)
        _admins(branches)
    courses = list(
        pages_visible_to_public(queryset=CoursePage.objects.all()).order_by("path")
    )
    with transaction.atomic():
        _assignments(courses, branches[0].parent.parent.parent)
    _progress(members, courses, rng, out)
    _training_class(branches[0].parent.parent.parent, members)
    out.write(
        f"learning demo: {Organisation.objects.count()} organisations, "
        f"{Member.objects.count()} members, {len(courses)} courses with progress\n"
    )


def _organisation(code: str, name: str, kind: str, parent=None) -> Organisation:
    org = Organisation.objects.filter(code=code).first()
    wanted = (name, kind, parent.pk if parent else None)
    if org is None or (org.name, org.kind, org.parent_id) != wanted:
        org = org or Organisation(code=code)
        org.name, org.kind, org.parent = name, kind, parent
        org.save()
    return org


def _organisations() -> list[Organisation]:
    district = _organisation(*DISTRICT, "district")
    branches = []
    for s_code, s_name in SUBDISTRICTS:
        sub = _organisation(s_code, s_name, "subdistrict", district)
        for c in (1, 2):
            c_code = f"{s_code}-C{c}"
            community = _organisation(
                c_code, f"{s_name[:2]}第{c}社区党委", "community", sub
            )
            for b in (1, 2):
                branches.append(
                    _organisation(
                        f"{c_code}-B{b}",
                        f"{s_name[:2]}第{c}社区第{b}党支部",
                        "branch",
                        community,
                    )
                )
    return branches


def _members(branches, rng: random.Random, out: TextIO) -> list[Member]:
    User = get_user_model()
    group = Group.objects.get(name="党员")
    password = make_password(DEMO_PASSWORD)  # hashed once, shared by the demo users
    members = []
    for index in range(1, MEMBERS + 1):
        username = f"dangyuan{index:03d}"
        branch = branches[(index - 1) % len(branches)]
        if index <= len(branches):
            member_type = MemberType.SECRETARY
        else:
            member_type = rng.choices(
                [MemberType.REGULAR, MemberType.MOBILE, MemberType.RETIRED],
                weights=[7, 1, 2],
            )[0]
        name = rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN)
        join_date = date(1970 + rng.randrange(54), 1 + rng.randrange(12), 1)
        member = services.member_upsert(
            username=username,
            name=name,
            organisation=branch,
            member_type=member_type,
            join_date=join_date,
            group=group,
            password_hash=password,
        )
        members.append(member)
        if index % 20 == 0 or index == MEMBERS:
            progress_line(index, MEMBERS, "党员", out)
    lead_member = User.objects.filter(username="member").first()
    if lead_member is not None:
        lead_member.groups.add(group)
        members.append(
            Member.objects.update_or_create(
                user=lead_member,
                defaults={
                    "name": lead_member.get_full_name() or "演示党员",
                    "organisation": branches[0],
                    "member_type": MemberType.REGULAR,
                },
            )[0]
        )
    return members


def _admins(branches) -> None:
    """``shuji`` administers the first sub-district (a secretary's view)."""
    User = get_user_model()
    user = User.objects.filter(username="shuji").first()
    if user is None:
        user = User.objects.create(
            username="shuji", password=make_password(DEMO_PASSWORD), last_name="书记"
        )
    group = Group.objects.filter(name="组织管理员").first()
    if group is not None:
        user.groups.add(group)
    OrganisationAdministrator.objects.get_or_create(
        user=user, organisation=branches[0].parent.parent
    )


def _assignments(courses, district) -> None:
    deadline = date(timezone.localdate().year, 12, 31)
    for course in courses:
        if course.category == CoursePage.Category.COMPULSORY:
            Assignment.objects.get_or_create(
                content=course,
                organisation=district,
                defaults={"deadline": deadline, "member_types": []},
            )


def _progress(members, courses, rng: random.Random, out: TextIO) -> None:
    """Each member has watched a share of each course: none, some, or all of it."""
    lessons = {}
    for course in courses:
        for lesson, _compulsory in course_lessons(course=course):
            if lesson.live and lesson.duration > 0:
                lessons.setdefault(course.pk, []).append(lesson)
    if not lessons:
        return
    electives = [c for c in courses if c.category == CoursePage.Category.ELECTIVE]
    base = timezone.make_aware(
        datetime.combine(timezone.localdate() - timedelta(days=60), time(9))
    )
    for done, member in enumerate(members, start=1):
        eagerness = rng.choice([0.0, 0.3, 0.6, 0.9, 1.0, 1.0])
        for course in courses:
            if course.category == CoursePage.Category.ELECTIVE and rng.random() < 0.3:
                Enrolment.objects.get_or_create(member=member, course=course)
            for lesson in lessons.get(course.pk, []):
                share = min(1.0, eagerness * rng.choice([0.5, 1.0, 1.0]))
                if share <= 0:
                    continue
                _watched(member, lesson, share, base + timedelta(hours=done), out)
        if electives and eagerness == 1.0:
            Enrolment.objects.get_or_create(member=member, course=electives[0])
        if done % 10 == 0 or done == len(members):
            progress_line(done, len(members), "学习进度", out)


def _watched(member, lesson: MicroLessonPage, share: float, when, out) -> None:
    info = selectors.lesson_info(lesson_id=lesson.pk)
    if info is None or not selectors.member_can_learn(member=member, info=info):
        return
    seconds = round(lesson.duration * share, 1)
    progress, _ = LessonProgress.objects.get_or_create(
        member=member, lesson=lesson, defaults={"duration": lesson.duration}
    )
    if progress.watched_seconds < seconds:
        progress.intervals = [[0, seconds]]
        progress.watched_seconds = seconds
        progress.position = seconds
        progress.duration = lesson.duration
        progress.version += 1
        progress.save()
    if seconds >= lesson.duration * info.threshold / 100:
        services.lesson_mark_completed(
            member=member, lesson_id=lesson.pk, via=LessonProgress.Via.ONLINE, now=when
        )


def _training_class(district, members) -> None:
    klass = TrainingClass.objects.filter(title=CLASS_TITLE).first()
    if klass is None:
        klass = TrainingClass(title=CLASS_TITLE, organisation=district)
    klass.description = "面向社区党组织书记和两委成员，线上学习与现场教学相结合。"
    klass.organisation = district
    klass.save()
    sites = list(pages_visible_to_public(queryset=TeachingSitePage.objects.all())[:3])
    lecturer = Lecturer.objects.order_by("pk").first()
    lesson = pages_visible_to_public(queryset=MicroLessonPage.objects.all()).first()
    today = timezone.localdate()
    plans = [
        ("第一讲：党章与党内法规", -14, Decimal("2")),
        ("第二讲：现场教学", -7, Decimal("3")),
        ("第三讲：基层治理实务", 0, Decimal("2")),
    ]
    sessions = []
    for index, (title, days, hours) in enumerate(plans):
        start = timezone.make_aware(
            datetime.combine(today + timedelta(days=days), time(9, 0))
        )
        session = klass.sessions.filter(title=title).first() or TrainingSession(
            training_class=klass, title=title
        )
        session.starts_at = start
        session.ends_at = start + timedelta(hours=12)
        session.teaching_site = sites[index % len(sites)] if sites else None
        session.lecturer = lecturer
        session.credit_hours = hours
        session.save()
        if lesson is not None and index == 0:
            session.lessons.set([lesson])
            session.save()
        sessions.append(session)
    secretaries = [m for m in members if m.member_type == MemberType.SECRETARY]
    for session in sessions[:2]:
        for member in secretaries:
            services.attendance_record(
                member=member, session=session, now=session.starts_at
            )

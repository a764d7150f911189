"""讲师点单: the demo (idempotent). Twenty published lectures by the demo
lecturers (and one each draft, submitted and returned), and orders of the first
demo branch in every state: waiting for dispatch, dispatched, accepted (coming,
with its 党课 meeting), declined, and one held last month that members checked
in to and rated. ``zhibu`` (支部书记) administers that branch; ``shuji`` (the
sub-district) dispatches."""

from __future__ import annotations

import random
import sys
from datetime import timedelta
from typing import TextIO

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from cms.models import Lecturer, TopicPage
from dangke.progress import progress_line
from learning.models import Member, Organisation, OrganisationAdministrator
from lectures import services
from lectures.models import Lecture, LectureOrder, LectureRating
from meetings.models import Attendee
from meetings.services import MeetingPlan, meeting_schedule

DEMO_PASSWORD = "dangke-demo"  # noqa: S105 - the documented demo login
BRANCH = "YX-BJ-C1-B1"
# The lectures of 陈明华 (the ``lecturer`` login), which the demo's orders ask for.
CHEN = {"中共三大与国共合作", "党史学习教育：百年党史中的广州", "红色遗址里的党课",
        "基层治理的越秀实践", "清廉越秀建设"}  # fmt: skip
# (title, minutes, mode, audiences, areas, direct, summary)
MENU = [
    ("中共三大与国共合作", 90, "onsite", [], ["YX"], False, "从中共三大会址讲起，回顾第一次国共合作的历史。"),
    ("党史学习教育：百年党史中的广州", 90, "both", [], ["YX"], True, "以广州的革命遗址为线索讲述党的百年历程。"),
    ("统一战线的历史经验", 60, "online", [], [], False, "统一战线的形成、发展与新时代的任务。"),
    ("学习贯彻党的二十届三中全会精神", 120, "both", [], [], False, "全会精神的要点和基层落实。"),
    ("新时代理论宣讲怎么讲", 60, "onsite", ["secretary"], ["YX-BJ"], True, "面向书记和两委的宣讲方法课。"),
    ("全会精神进社区", 60, "onsite", [], ["YX-DS"], False, "把全会精神讲给居民听。"),
    ("基层治理的越秀实践", 90, "onsite", [], ["YX-BJ", "YX-DS"], False, "网格、议事会与党建引领。"),
    ("社区党建“1+18+222+N”", 90, "both", ["secretary"], ["YX"], False, "越秀区组织体系的来龙去脉。"),
    ("老旧小区改造中的党员作用", 60, "onsite", ["retired", "regular"], ["YX-HL"], True, "党员在加装电梯、微改造中的作用。"),
    ("红色遗址里的党课", 90, "onsite", [], ["YX"], False, "走进农讲所、三大会址讲党课。"),
    ("杨匏安与马克思主义传播", 60, "both", [], [], False, "华南地区最早系统传播马克思主义的先驱。"),
    ("广州起义的故事", 60, "onsite", ["retired"], ["YX"], True, "1927 年广州起义的经过与精神。"),
    ("讲好革命文物故事", 45, "online", [], [], False, "革命文物讲解的方法。"),
    ("新质生产力十讲", 120, "online", [], [], False, "新质生产力的内涵与广州的产业实践。"),
    ("全面深化改革再出发", 90, "both", [], ["YX-BJ"], False, "改革开放的广州经验。"),
    ("流动党员的组织生活", 45, "online", ["mobile"], [], True, "流动党员如何参加组织生活。"),
    ("党员教育管理实务", 60, "onsite", ["secretary"], ["YX"], False, "三会一课、主题党日与台账。"),
    ("清廉越秀建设", 60, "both", [], ["YX"], False, "廉洁文化进机关、进社区。"),
    ("离退休党员的初心故事", 45, "onsite", ["retired"], ["YX-HL", "YX-DS"], True, "老党员讲述入党初心。"),
    ("志愿服务与党员先锋岗", 60, "onsite", [], ["YX-BJ"], False, "党员志愿服务的组织与激励。"),
]  # fmt: skip


def _zhibu(branch: Organisation):
    User = get_user_model()
    user = User.objects.filter(username="zhibu").first()
    if user is None:
        user = User.objects.create(
            username="zhibu",
            password=make_password(DEMO_PASSWORD),
            last_name="支部书记",
        )
    group = Group.objects.filter(name="组织管理员").first()
    if group is not None:
        user.groups.add(group)
    OrganisationAdministrator.objects.get_or_create(user=user, organisation=branch)
    return user


def _menu(lecturers, editor, topics, rng, out) -> list[Lecture]:
    published = []
    for index, (title, minutes, mode, audiences, areas, direct, summary) in enumerate(
        MENU
    ):
        lecturer = (
            lecturers[0]
            if title in CHEN
            else lecturers[1 + index % (len(lecturers) - 1)]
            if len(lecturers) > 1
            else lecturers[0]
        )
        draft = services.LectureDraft(
            title=title, minutes=minutes, mode=mode, summary=summary,
            audiences=audiences, areas=areas, direct=direct,
            topics=[t.pk for t in rng.sample(topics, min(len(topics), 1))],
            tags=lecturer.specialties,
        )  # fmt: skip
        lecture = services.lecture_create(
            lecturer=lecturer, draft=draft, submit=True, actor=lecturer.user
        )
        published.append(
            services.lecture_review(user=editor, lecture_id=lecture.pk, publish=True)
        )
        progress_line(index + 1, len(MENU), "党课菜单", out)
    lecturer = lecturers[0]
    for title, state in (("中共三大会址的建筑", "draft"), ("红色家书", "submitted"),
                         ("读书会怎么办", "returned")):  # fmt: skip
        draft = services.LectureDraft(title=title, minutes=60, mode="both")
        lecture = services.lecture_propose(user=lecturer.user, draft=draft)
        if state != "draft":
            services.lecture_submit(user=lecturer.user, lecture_id=lecture.pk)
        if state == "returned":
            services.lecture_review(
                user=editor, lecture_id=lecture.pk, publish=False,
                comment="请补充内容简介和适合对象",
            )  # fmt: skip
    return published


def _slots(days: int) -> list:
    start = timezone.localtime() + timedelta(days=days)
    start = start.replace(hour=14, minute=30, second=0, microsecond=0)
    return [start, start + timedelta(days=2), start + timedelta(days=4)]


def _orders(menu, secretary, dispatcher, branch, rng) -> None:
    def place(lecture, days, note=""):
        return services.order_place(
            user=secretary, lecture_id=lecture.pk,
            request=services.OrderRequest(
                organisation=branch.code, slots=_slots(days), audience_size=30,
                address="北京街第1社区党群服务中心", note=note,
            ),
        )  # fmt: skip

    by_title = {lecture.title: lecture for lecture in menu}
    place(by_title["中共三大与国共合作"], 20, "希望结合参观")  # waiting for dispatch
    waiting = place(by_title["红色遗址里的党课"], 25)
    services.order_dispatch(user=dispatcher, order=waiting)  # with the lecturer
    coming = place(by_title["党史学习教育：百年党史中的广州"], 10)
    services.order_accept(user=coming.lecture.lecturer.user, order=coming, slot=0)
    declined = place(by_title["清廉越秀建设"], 12)
    services.order_dispatch(user=dispatcher, order=declined)
    services.order_decline(
        user=declined.lecture.lecturer.user, order=declined, reason="当月授课已排满"
    )
    # Held last month: the meeting, check-ins and a few ratings.
    lecture = by_title["基层治理的越秀实践"]
    begun = (timezone.localtime() - timedelta(days=30)).replace(
        hour=14, minute=30, second=0, microsecond=0
    )
    ends = begun + timedelta(minutes=lecture.minutes)
    members = list(Member.objects.filter(organisation=branch).order_by("pk"))
    meeting = meeting_schedule(
        user=secretary, organisation_code=branch.code,
        plan=MeetingPlan(
            kind="lecture", theme=f"{lecture.title}（主讲：{lecture.lecturer.name}）",
            starts_at=begun, ends_at=ends, place="address",
            address="北京街第1社区党群服务中心", host=members[0].pk,
            recorder=members[0].pk,
        ),
    )  # fmt: skip
    held = LectureOrder.objects.create(
        lecture=lecture, organisation=branch, ordered_by=secretary,
        slots=[begun.isoformat()], audience_size=30, address=meeting.address,
        status=LectureOrder.Status.ACCEPTED, created_at=begun - timedelta(days=14),
        dispatched_at=begun - timedelta(days=12), dispatched_by=dispatcher,
        decided_at=begun - timedelta(days=10), starts_at=begun, ends_at=ends,
        meeting=meeting,
    )  # fmt: skip
    present = members[: max(1, len(members) * 3 // 4)]
    Attendee.objects.filter(meeting=meeting, member__in=present).update(
        attendance="code", attended_at=begun + timedelta(minutes=5)
    )
    comments = ["案例很接地气", "", "希望多讲讲网格员", "", "很有收获", ""]
    for index, member in enumerate(present[1:7]):
        LectureRating.objects.create(
            order=held, member=member, score=rng.choice([4, 5, 5, 3]),
            comment=comments[index % len(comments)], created_at=ends + timedelta(hours=2),
        )  # fmt: skip


def lectures_demo_load(*, stdout: TextIO | None = None) -> None:
    """Build the lectures demo; a second run adds nothing."""
    out = stdout or sys.stdout
    branch = Organisation.objects.filter(code=BRANCH).first()
    # 陈明华 (the one with the ``lecturer`` login) first.
    lecturers = sorted(Lecturer.objects.all(), key=lambda x: (x.user_id is None, x.pk))
    editor = get_user_model().objects.filter(username="editor").first()
    dispatcher = get_user_model().objects.filter(username="shuji").first()
    if (
        branch is None
        or not lecturers
        or not lecturers[0].user_id
        or not (editor and dispatcher)
    ):
        out.write("lectures demo: the learning demo is missing, nothing loaded\n")
        return
    if Lecture.objects.exists():
        progress_line(1, 1, "党课菜单", out)
        return
    rng = random.Random(20261208)  # noqa: S311 - demo data, not security
    topics = list(TopicPage.objects.live().order_by("path"))
    with transaction.atomic():
        secretary = _zhibu(branch)
        menu = _menu(lecturers, editor, topics, rng, out)
        _orders(menu, secretary, dispatcher, branch, rng)
    out.write(
        f"lectures demo: {len(menu)} menu lectures, "
        f"{LectureOrder.objects.count()} orders\n"
    )

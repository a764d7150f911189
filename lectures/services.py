"""The rules of the lecture menu and orders: a lecturer proposes a lecture,
editors publish or return it; a branch orders it with two or three preferred
times; the organising department (or, for a direct lecture, nobody) dispatches
it; the lecturer accepts one time (which becomes the branch's 党课 meeting with
check-in) or declines with a reason; attendees who checked in rate it once.

Every function takes explicit arguments and raises ``lectures.errors``; the API
and the portal call these, so they say the same.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from cms.choices import MemberType
from cms.models import Lecturer, TopicPage
from learning.models import Member, Organisation
from learning.selectors.scoping import UserLike, member_for_user, user_can_report_on
from lectures import selectors
from lectures.errors import (
    AlreadyRated,
    DoubleBooked,
    InvalidLecture,
    InvalidOrder,
    InvalidRating,
    LectureNotFound,
    NotAttended,
    NotPermittedHere,
    OrderNotFound,
    OutsideAreas,
    OutsideAudiences,
    WrongState,
)
from lectures.models import (
    CalendarFeed,
    Lecture,
    LectureOrder,
    LectureRating,
    LectureReviewStep,
    new_feed_secret,
)
from meetings.services import MeetingPlan, meeting_schedule
from notices.services import notice_send
from search.text import normalise, pinyin_of_names, segment

REASON_MAX = 200
SLOTS_AHEAD = timedelta(days=366)  # how far ahead a branch may order
COMMENT_MAX = 300


@dataclass(frozen=True)
class LectureDraft:
    """What a lecturer writes about a lecture on the menu."""

    title: str
    minutes: int
    mode: str
    summary: str = ""
    audiences: list[str] = field(default_factory=list)
    topics: list[int] = field(default_factory=list)
    tags: str = ""
    areas: list[str] = field(default_factory=list)  # organisation codes
    direct: bool = False


def _checked(draft: LectureDraft) -> tuple[list[TopicPage], list[Organisation]]:
    if not draft.title.strip():
        raise InvalidLecture("题目不能为空", code="title_required")
    if len(draft.title.strip()) > 120:
        raise InvalidLecture("题目不能超过 120 字", code="title_too_long")
    if not 15 <= draft.minutes <= 480:
        raise InvalidLecture("时长须在 15 到 480 分钟之间", code="invalid_minutes")
    if draft.mode not in Lecture.Mode.values:
        raise InvalidLecture(
            f"形式只能是 {'、'.join(Lecture.Mode.values)}", code="invalid_mode"
        )
    unknown = sorted(set(draft.audiences) - set(MemberType.values))
    if unknown:
        raise InvalidLecture(
            f"未知的适合对象：{'、'.join(unknown)}", code="invalid_audience"
        )
    wanted = [t for t in draft.topics if 0 < t < 2**31]
    topics = list(TopicPage.objects.live().filter(pk__in=wanted))
    missing = sorted(set(draft.topics) - {t.pk for t in topics})
    if missing:
        raise InvalidLecture(
            f"专题 {'、'.join(map(str, missing))} 不存在或未发布", code="invalid_topic"
        )
    areas = list(Organisation.objects.filter(code__in=draft.areas))
    missing_codes = sorted(set(draft.areas) - {a.code for a in areas})
    if missing_codes:
        raise InvalidLecture(
            f"党组织 {'、'.join(missing_codes)} 不存在", code="invalid_area"
        )
    return topics, areas


def lecture_search_text(lecture: Lecture) -> str:
    """The folded words and pinyin the menu's search matches (``search.text``)."""
    lecturer = lecture.lecturer
    topics = [t.title for t in lecture.topics.all()]
    words = [lecture.title, lecture.tags, lecturer.name, lecturer.specialties, *topics]
    text = " ".join([*words, lecture.summary])
    names = [lecture.title, lecturer.name, *topics]
    names += [
        t for t in lecture.tags.replace("，", "、").replace(",", "、").split("、")
    ]
    return " ".join(
        [normalise(text), segment(text), pinyin_of_names([n for n in names if n])]
    )


def _write(lecture: Lecture, draft: LectureDraft) -> Lecture:
    topics, areas = _checked(draft)
    lecture.title = draft.title.strip()
    lecture.summary = draft.summary.strip()
    lecture.minutes = draft.minutes
    lecture.mode = draft.mode
    lecture.audiences = sorted(set(draft.audiences))
    lecture.tags = draft.tags.strip()[:200]
    lecture.direct = draft.direct
    with transaction.atomic():
        lecture.save()
        lecture.topics.set(topics)
        lecture.areas.set(areas)
        lecture.search_text = lecture_search_text(lecture)
        lecture.save(update_fields=["search_text"])
    return lecture


def lecture_propose(*, user: UserLike, draft: LectureDraft) -> Lecture:
    """A lecturer's new menu item, as a draft. Raises NotALecturer and
    InvalidLecture."""
    lecturer = selectors.lecturer_required(user=user)
    return lecture_create(lecturer=lecturer, draft=draft)


def lecture_create(
    *, lecturer: Lecturer, draft: LectureDraft, submit: bool = False, actor=None
) -> Lecture:
    """A menu item of ``lecturer`` (a pool profile, with or without an account:
    editors enter lectures for lecturers who do not sign in), as a draft or, with
    ``submit``, submitted for review by ``actor``. Raises InvalidLecture."""
    with transaction.atomic():
        lecture = _write(Lecture(lecturer=lecturer), draft)
        if submit:
            _step(lecture, Lecture.Status.SUBMITTED, user=actor)
    return lecture


def lecture_update(*, user: UserLike, lecture_id: int, draft: LectureDraft) -> Lecture:
    """Change one's draft or returned menu item. Raises NotALecturer,
    LectureNotFound, WrongState (submitted or published) and InvalidLecture."""
    lecture = selectors.lecture_of_lecturer(user=user, lecture_id=lecture_id)
    if lecture.status not in (Lecture.Status.DRAFT, Lecture.Status.RETURNED):
        raise WrongState(f"“{lecture.title}”{lecture.get_status_display()}，不能修改")
    return _write(lecture, draft)


def _step(lecture: Lecture, status: str, *, user, comment: str = "") -> None:
    now = timezone.now()
    lecture.status = status
    if status == Lecture.Status.PUBLISHED:
        lecture.published_at = now
    lecture.review_comment = comment if status == Lecture.Status.RETURNED else ""
    lecture.save(update_fields=["status", "published_at", "review_comment"])
    LectureReviewStep.objects.create(
        lecture=lecture, status=status, actor=user, comment=comment, at=now
    )


def lecture_submit(*, user: UserLike, lecture_id: int) -> Lecture:
    """Send one's draft or returned menu item to the editors. Raises
    NotALecturer, LectureNotFound and WrongState."""
    with transaction.atomic():
        lecture = selectors.lecture_of_lecturer(user=user, lecture_id=lecture_id)
        lecture = Lecture.objects.select_for_update().get(pk=lecture.pk)
        if lecture.status not in (Lecture.Status.DRAFT, Lecture.Status.RETURNED):
            raise WrongState(
                f"“{lecture.title}”{lecture.get_status_display()}，不能再次提交"
            )
        _step(lecture, Lecture.Status.SUBMITTED, user=user)
    return lecture


def lecture_review(
    *, user: UserLike, lecture_id: int, publish: bool, comment: str = ""
) -> Lecture:
    """An editor publishes a submitted menu item, or returns it to the lecturer
    with a comment (required). The lecturer is told. Raises NotPermittedHere,
    LectureNotFound, WrongState (not submitted) and InvalidLecture (a return
    without a comment)."""
    if not selectors.user_reviews_menu(user=user):
        raise NotPermittedHere("只有编辑可以审核菜单课程")
    comment = (comment or "").strip()
    if not publish and not comment:
        raise InvalidLecture("退回须填写审核意见", code="comment_required")
    if len(comment) > COMMENT_MAX:
        raise InvalidLecture(
            f"审核意见不能超过 {COMMENT_MAX} 字", code="comment_too_long"
        )
    with transaction.atomic():
        lecture = (
            Lecture.objects.select_for_update()
            .select_related("lecturer")
            .filter(pk=lecture_id)
            .first()
        )
        if lecture is None:
            raise LectureNotFound(f"菜单课程 {lecture_id} 不存在")
        if lecture.status != Lecture.Status.SUBMITTED:
            raise WrongState(
                f"“{lecture.title}”{lecture.get_status_display()}，不在待审核状态"
            )
        status = Lecture.Status.PUBLISHED if publish else Lecture.Status.RETURNED
        _step(lecture, status, user=user, comment=comment)
        if lecture.lecturer.user_id:
            notice_send(
                recipient_ids=[lecture.lecturer.user_id],
                topic=f"lectures.lecture:{lecture.pk}",
                title=f"菜单课程{lecture.get_status_display()}：{lecture.title}",
                body=comment,
                link="/lectures/incoming/",
            )
    return lecture


# --- orders --------------------------------------------------------------------------


@dataclass(frozen=True)
class OrderRequest:
    """What a branch asks for: 2–3 preferred start times, the audience."""

    organisation: str  # the ordering organisation's code
    slots: list[datetime]
    audience_size: int
    audiences: list[str] = field(default_factory=list)
    online: bool = False
    address: str = ""
    online_url: str = ""
    note: str = ""


def _aware(moment: datetime) -> datetime:
    # A time without an offset is Beijing time (TIME_ZONE), as people write it.
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


def _slots(request: OrderRequest, now: datetime) -> list[datetime]:
    slots = [_aware(s) for s in request.slots]
    if not 2 <= len(slots) <= 3:
        raise InvalidOrder("请给出 2 到 3 个备选时间", code="slots_count")
    if len(set(slots)) != len(slots):
        raise InvalidOrder("备选时间不能重复", code="slots_repeated")
    past = [s for s in slots if s <= now]
    if past:
        raise InvalidOrder(
            f"备选时间 {past[0]:%Y-%m-%d %H:%M} 已经过去", code="slot_in_past"
        )
    if any(s > now + SLOTS_AHEAD for s in slots):
        raise InvalidOrder("备选时间须在一年之内", code="slot_too_far")
    return sorted(slots)


def _notify_lecturer(order: LectureOrder) -> None:
    lecturer = order.lecture.lecturer
    if not lecturer.user_id:
        return
    times = "、".join(
        f"{timezone.localtime(parse_datetime(s)):%m月%d日 %H:%M}" for s in order.slots
    )
    notice_send(
        recipient_ids=[lecturer.user_id],
        topic=f"lectures.order:{order.pk}:lecturer",
        title=f"新的点单：{order.lecture.title}",
        body=f"{order.organisation.name}请您讲授“{order.lecture.title}”，"
        f"备选时间：{times}，预计 {order.audience_size} 人。请接单或谢绝。",
        link="/lectures/incoming/",
    )


def order_place(
    *,
    user: UserLike,
    lecture_id: int,
    request: OrderRequest,
    now: datetime | None = None,
) -> LectureOrder:
    """A branch orders a published lecture (点单). A lecture that takes orders
    directly goes to the lecturer at once (and the lecturer is told); otherwise it
    waits for the organising department's dispatch.

    Raises LectureNotFound, InvalidOrder (times, size, place), OutsideAreas (an
    on-site lecture outside the lecturer's areas), OutsideAudiences, and
    OrganisationNotFound/NotPermittedHere (an organisation the caller does not
    administer)."""
    now = now or timezone.now()
    lecture = selectors.lecture_published(lecture_id=lecture_id)
    organisation = Organisation.objects.filter(code=request.organisation).first()
    if organisation is None or not user_can_report_on(
        user=user, organisation=organisation
    ):
        raise NotPermittedHere(
            f"党组织 {request.organisation} 不存在或不在您管理的范围内",
            code="out_of_scope",
        )
    slots = _slots(request, now)
    if not 1 <= request.audience_size <= 10000:
        raise InvalidOrder("预计人数须在 1 到 10000 之间", code="invalid_audience_size")
    if request.online:
        if lecture.mode == Lecture.Mode.ONSITE:
            raise InvalidOrder(
                f"“{lecture.title}”只能现场讲授", code="mode_not_offered"
            )
        if not request.online_url.startswith("https://"):
            raise InvalidOrder(
                "线上讲授须填写 https 会议链接", code="online_url_required"
            )
    else:
        if lecture.mode == Lecture.Mode.ONLINE:
            raise InvalidOrder(
                f"“{lecture.title}”只能线上讲授", code="mode_not_offered"
            )
        if not request.address.strip():
            raise InvalidOrder("现场讲授须填写地址", code="address_required")
        if not selectors.lecture_serves(lecture=lecture, organisation=organisation):
            areas = "、".join(a.name for a in lecture.areas.all())
            raise OutsideAreas(
                f"{organisation.name}不在{lecture.lecturer.name}可前往的地区（{areas}）内"
            )
    unknown = sorted(set(request.audiences) - set(MemberType.values))
    if unknown:
        raise InvalidOrder(
            f"未知的听课对象：{'、'.join(unknown)}", code="invalid_audience"
        )
    if lecture.audiences:
        outside = sorted(
            set(request.audiences or MemberType.values) - set(lecture.audiences)
        )
        if outside:
            labels = "、".join(MemberType(a).label for a in outside)
            raise OutsideAudiences(f"“{lecture.title}”不适合{labels}")
    with transaction.atomic():
        order = LectureOrder.objects.create(
            lecture=lecture,
            organisation=organisation,
            ordered_by=user,
            slots=[s.isoformat() for s in slots],
            audience_size=request.audience_size,
            audiences=sorted(set(request.audiences)),
            online=request.online,
            address=request.address.strip()[:200],
            online_url=request.online_url if request.online else "",
            note=request.note.strip()[:300],
            created_at=now,
            status=(
                LectureOrder.Status.DISPATCHED
                if lecture.direct
                else LectureOrder.Status.ORDERED
            ),
            dispatched_at=now if lecture.direct else None,
        )
        if lecture.direct:
            _notify_lecturer(order)
    return order


def _locked(order_id: int) -> LectureOrder:
    order = (
        LectureOrder.objects.select_for_update()
        .filter(pk=order_id)
        .select_related("lecture", "lecture__lecturer", "organisation")
        .first()
    )
    if order is None:
        raise OrderNotFound(f"点单 {order_id} 不存在")
    return order


def order_dispatch(
    *, user: UserLike, order: LectureOrder, now: datetime | None = None
) -> LectureOrder:
    """The organising department passes an order to the lecturer (派单); the
    lecturer is told. Raises NotPermittedHere and WrongState (dispatched,
    accepted or declined already)."""
    now = now or timezone.now()
    if not selectors.order_may_dispatch(user=user, order=order):
        raise NotPermittedHere("只有上级组织部门可以派单")
    with transaction.atomic():
        order = _locked(order.pk)
        if order.status != LectureOrder.Status.ORDERED:
            raise WrongState(f"该点单{order.get_status_display()}，不能再派单")
        order.status = LectureOrder.Status.DISPATCHED
        order.dispatched_at, order.dispatched_by = now, user
        order.save(update_fields=["status", "dispatched_at", "dispatched_by"])
        _notify_lecturer(order)
    return order


def _host(order: LectureOrder) -> Member:
    members = Member.objects.filter(organisation=order.organisation)
    own = members.filter(user_id=order.ordered_by_id).first()
    host = own or members.order_by("pk").first()
    if host is None:
        raise InvalidOrder(
            f"{order.organisation.name}没有党员，无法安排党课", code="no_members"
        )
    return host


def _notify_both(order: LectureOrder, *, title: str, body: str, now: datetime) -> None:
    """The branch (who ordered) and the lecturer, each reminded before the
    lecture when it is accepted."""
    remind_at = None
    if order.starts_at:
        remind_at = order.starts_at - timedelta(hours=settings.LECTURES_REMINDER_HOURS)
        remind_at = remind_at if remind_at > now else None
    if order.ordered_by_id:
        notice_send(
            recipient_ids=[order.ordered_by_id],
            topic=f"lectures.order:{order.pk}:branch",
            title=title,
            body=body,
            link="/lectures/orders/",
            remind_at=remind_at,
            now=now,
        )
    if order.lecture.lecturer.user_id and remind_at is not None:
        notice_send(
            recipient_ids=[order.lecture.lecturer.user_id],
            topic=f"lectures.order:{order.pk}:lecturer",
            title=title,
            body=body,
            link="/lectures/incoming/",
            remind_at=remind_at,
            now=now,
        )


def order_accept(
    *, user: UserLike, order: LectureOrder, slot: int, now: datetime | None = None
) -> LectureOrder:
    """The lecturer accepts a dispatched order at one of its preferred times
    (``slot``, 0-based): the branch's 党课 meeting is scheduled (its members asked,
    with check-in; the lecturer, when a member, sits in), both parties are told and
    reminded before it. The lecturer's profile is locked while booking, so two
    acceptances cannot both take one time.

    Raises NotPermittedHere (not the lecturer), WrongState (not dispatched, or
    accepted or declined already), InvalidOrder (no such time, or it has passed),
    DoubleBooked (the lecturer already gives a lecture then) and the meetings'
    refusals of the meeting."""
    now = now or timezone.now()
    if not selectors.order_is_lecturers(user=user, order=order):
        raise NotPermittedHere("只有该课程的讲师可以接单")
    with transaction.atomic():
        Lecturer.objects.select_for_update().filter(
            pk=order.lecture.lecturer_id
        ).first()
        order = _locked(order.pk)
        if order.status != LectureOrder.Status.DISPATCHED:
            raise WrongState(f"该点单{order.get_status_display()}，不能接单")
        if not 0 <= slot < len(order.slots):
            raise InvalidOrder(
                f"备选时间只有 {len(order.slots)} 个（0 到 {len(order.slots) - 1}）",
                code="invalid_slot",
            )
        starts_at = parse_datetime(order.slots[slot])
        if starts_at <= now:
            raise InvalidOrder(
                f"备选时间 {timezone.localtime(starts_at):%Y-%m-%d %H:%M} 已经过去",
                code="slot_in_past",
            )
        ends_at = starts_at + timedelta(minutes=order.lecture.minutes)
        clash = (
            LectureOrder.objects.filter(
                lecture__lecturer_id=order.lecture.lecturer_id,
                status=LectureOrder.Status.ACCEPTED,
                starts_at__lt=ends_at,
                ends_at__gt=starts_at,
            )
            .select_related("organisation")
            .first()
        )
        if clash is not None:
            raise DoubleBooked(
                f"您在 {timezone.localtime(clash.starts_at):%Y-%m-%d %H:%M} 已有"
                f"{clash.organisation.name}的党课，时间冲突"
            )
        host = _host(order)
        lecturer_member = (
            Member.objects.filter(user_id=order.lecture.lecturer.user_id).first()
            if order.lecture.lecturer.user_id
            else None
        )
        guests = (
            (lecturer_member.pk,)
            if lecturer_member
            and lecturer_member.organisation_id != order.organisation_id
            else ()
        )
        meeting = meeting_schedule(
            user=order.ordered_by,
            organisation_code=order.organisation.code,
            plan=MeetingPlan(
                kind="lecture",
                theme=f"{order.lecture.title}（主讲：{order.lecture.lecturer.name}）",
                starts_at=starts_at,
                ends_at=ends_at,
                place="online" if order.online else "address",
                address=order.address,
                online_url=order.online_url,
                host=host.pk,
                recorder=host.pk,
                guests=guests,
            ),
        )
        order.status = LectureOrder.Status.ACCEPTED
        order.starts_at, order.ends_at, order.decided_at = starts_at, ends_at, now
        order.meeting = meeting
        order.save(
            update_fields=["status", "starts_at", "ends_at", "decided_at", "meeting"]
        )
        when = timezone.localtime(starts_at)
        _notify_both(
            order,
            title=f"已接单：{order.lecture.title}",
            body=f"{order.lecture.lecturer.name}将于 {when:%Y年%m月%d日 %H:%M} 为"
            f"{order.organisation.name}讲授“{order.lecture.title}”。",
            now=now,
        )
    return order


def order_decline(
    *, user: UserLike, order: LectureOrder, reason: str, now: datetime | None = None
) -> LectureOrder:
    """The lecturer declines a dispatched order with a reason; the branch is told.
    Raises NotPermittedHere, WrongState and InvalidOrder (no reason)."""
    now = now or timezone.now()
    if not selectors.order_is_lecturers(user=user, order=order):
        raise NotPermittedHere("只有该课程的讲师可以谢绝")
    reason = (reason or "").strip()
    if not reason:
        raise InvalidOrder("谢绝须填写理由", code="reason_required")
    if len(reason) > REASON_MAX:
        raise InvalidOrder(f"理由不能超过 {REASON_MAX} 字", code="reason_too_long")
    with transaction.atomic():
        order = _locked(order.pk)
        if order.status != LectureOrder.Status.DISPATCHED:
            raise WrongState(f"该点单{order.get_status_display()}，不能谢绝")
        order.status = LectureOrder.Status.DECLINED
        order.decline_reason, order.decided_at = reason, now
        order.save(update_fields=["status", "decline_reason", "decided_at"])
        _notify_both(
            order,
            title=f"讲师谢绝：{order.lecture.title}",
            body=f"{order.lecture.lecturer.name}谢绝了{order.organisation.name}的点单，"
            f"理由：{reason}。可以另选课程或时间。",
            now=now,
        )
    return order


def order_rate(
    *,
    user: UserLike,
    order: LectureOrder,
    score: int,
    comment: str = "",
    now: datetime | None = None,
) -> LectureRating:
    """An attendee who checked in rates the lecture once it has ended (1–5, an
    optional comment). Raises NotAttended (not asked, or not checked in),
    WrongState (not held yet), InvalidRating and AlreadyRated."""
    now = now or timezone.now()
    if not isinstance(score, int) or not 1 <= score <= 5:
        raise InvalidRating("评分须是 1 到 5 的整数")
    comment = (comment or "").strip()
    if len(comment) > COMMENT_MAX:
        raise InvalidRating(f"意见不能超过 {COMMENT_MAX} 字", code="comment_too_long")
    member = member_for_user(user=user)
    attendee = selectors.order_attendee(user=user, order=order)
    if (
        member is None
        or attendee is None
        or attendee.attendance not in selectors.ATTENDED
    ):
        raise NotAttended("只有签到参加了这次党课的党员可以评价")
    if order.status != LectureOrder.Status.ACCEPTED or order.ends_at > now:
        raise WrongState("党课结束后才能评价", code="not_yet_held")
    try:
        with transaction.atomic():
            return LectureRating.objects.create(
                order=order,
                member_id=member.pk,
                score=score,
                comment=comment,
                created_at=now,
            )
    except IntegrityError:
        raise AlreadyRated("您已评价过这次党课") from None


# --- the calendar feed ---------------------------------------------------------------


def calendar_feed_for(*, user: UserLike) -> CalendarFeed:
    """The account's feed (made on first use). Raises nothing."""
    feed, _ = CalendarFeed.objects.get_or_create(user_id=user.pk)
    return feed


def calendar_feed_reset(*, user: UserLike) -> CalendarFeed:
    """A new secret for the account's feed: the old URL stops working."""
    feed = calendar_feed_for(user=user)
    feed.secret = new_feed_secret()
    feed.save(update_fields=["secret", "created_at"])
    return feed


def _ics_text(value: str) -> str:
    return (
        value.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\n", "\\n")
    )


def _fold(line: str) -> list[str]:
    # RFC 5545: lines of at most 75 octets, continued with a leading space.
    out, current = [], ""
    for char in line:
        if len((current + char).encode()) > 75:
            out.append(current)
            current = " " + char
        else:
            current += char
    return [*out, current]


def calendar_ics(*, secret: str, host: str) -> str | None:
    """The iCalendar text of the feed with ``secret`` (None: no such feed)."""
    feed = CalendarFeed.objects.filter(secret=secret).select_related("user").first()
    if feed is None or not feed.user.is_active:
        return None
    stamp = timezone.now().astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//dangke//lectures//ZH",
        "CALSCALE:GREGORIAN",
        "X-WR-CALNAME:党课日程",
    ]
    for event in selectors.calendar_events(user=feed.user):
        utc = UTC
        lines += [
            "BEGIN:VEVENT",
            f"UID:{event.uid}@{host}",
            f"DTSTAMP:{stamp}",
            f"DTSTART:{event.starts_at.astimezone(utc):%Y%m%dT%H%M%SZ}",
            f"DTEND:{event.ends_at.astimezone(utc):%Y%m%dT%H%M%SZ}",
            f"SUMMARY:{_ics_text(event.summary)}",
        ]
        if event.location:
            lines.append(f"LOCATION:{_ics_text(event.location)}")
        if event.description:
            lines.append(f"DESCRIPTION:{_ics_text(event.description)}")
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return "\r\n".join(part for line in lines for part in _fold(line)) + "\r\n"

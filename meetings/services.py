"""The rules of branch life: scheduling a meeting and whom it asks, leave, check-in
(by the rotating code of offline classes, online, 代签 and 补签), minutes and
resolutions, 送学上门, 补学, filing the ledger and an organisation's own cadence.

Every function takes explicit arguments and raises ``meetings.errors``; who may do
what is decided here, so the API and the portal say the same.
"""

from __future__ import annotations

import os
import zipfile
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.files import File
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from wagtail.models import Page

from cms.models import TeachingSitePage
from cms.selectors import pages_visible_to_public
from dangke.audit import audit_record
from dangke.links import portal_url
from dangke.ratelimit import rate_limit_exceeded
from learning.models import LessonProgress, Member, Organisation
from learning.selectors import user_can_report_on
from learning.selectors.scoping import UserLike
from learning.services import (
    CHECKIN_STEP_SECONDS,
    rotating_code,
    rotating_code_verdict,
)
from meetings.errors import (
    AlreadyFiled,
    AttachmentNotFound,
    AttachmentRefused,
    CheckinRefused,
    InvalidMeeting,
    LeaveRefused,
    MakeupRefused,
    MeetingCancelled,
    MeetingError,
    MemberNotFound,
    MinutesStale,
    NotPermittedHere,
    NotTheRecorder,
    NotYetHeld,
    OrganisationNotFound,
    OutOfScope,
    PartyGroupNotFound,
    ReasonRequired,
    TooFrequent,
)
from meetings.models import (
    CADENCE_MONTHS,
    MAKEUP_KINDS,
    Attendee,
    HomeVisit,
    LedgerFiling,
    Meeting,
    MeetingCadence,
    MeetingKind,
    MinutesAttachment,
    MinutesRevision,
    PartyGroup,
    Resolution,
)
from meetings.selectors import (
    ledger_is_filed,
    meeting_attendee,
    meeting_checkin_window,
    meeting_is_managed_by,
    meeting_is_run_by,
)
from notices.services import notice_send

REASON_MAX = 200


def organisation_managed(*, user: UserLike, code: str) -> Organisation:
    """The organisation with ``code`` when ``user`` administers it or a level
    above. Raises OrganisationNotFound and OutOfScope."""
    organisation = Organisation.objects.filter(code=code).first()
    if organisation is None:
        raise OrganisationNotFound(f"党组织 {code} 不存在")
    if not user_can_report_on(user=user, organisation=organisation):
        raise OutOfScope(f"党组织“{organisation.name}”不在您管理的范围内")
    return organisation


def _reason(value: str | None, *, what: str) -> str:
    reason = (value or "").strip()
    if not reason:
        raise ReasonRequired(f"{what}须填写理由")
    if len(reason) > REASON_MAX:
        raise MeetingError(
            f"{what}理由不能超过 {REASON_MAX} 字", code="reason_too_long"
        )
    return reason


def _members(ids: list[int], *, what: str) -> list[Member]:
    found = {m.pk: m for m in Member.objects.filter(pk__in=ids)}
    missing = [str(pk) for pk in ids if pk not in found]
    if missing:
        raise MemberNotFound(f"{what}中的党员 {'、'.join(missing)} 不存在")
    return [found[pk] for pk in dict.fromkeys(ids)]


@dataclass(frozen=True)
class MeetingPlan:
    """What a meeting is to be: kind, time, place, theme, who runs it and whom it
    asks (``members`` None: every member of the organisation; required for a
    支委会, whose members are the committee)."""

    kind: str
    theme: str
    starts_at: datetime
    ends_at: datetime
    place: str
    host: int
    recorder: int
    agenda: str = ""
    teaching_site: int | None = None
    address: str = ""
    online_url: str = ""
    members: list[int] | None = None
    guests: tuple[int, ...] = ()
    makeup_lesson: int | None = None
    makeup_days: int = 30
    party_group: int | None = None


def _times(starts_at: datetime, ends_at: datetime) -> tuple[datetime, datetime]:
    # A time without an offset is Beijing time (TIME_ZONE), as people write it.
    starts_at, ends_at = (
        timezone.make_aware(moment) if timezone.is_naive(moment) else moment
        for moment in (starts_at, ends_at)
    )
    if ends_at <= starts_at:
        raise InvalidMeeting("结束时间须晚于开始时间", code="invalid_time")
    if (ends_at - starts_at).days >= 2:
        raise InvalidMeeting("一次会议不能超过两天", code="invalid_time")
    return starts_at, ends_at


def _place(
    place: str, *, teaching_site: int | None, address: str, online_url: str
) -> TeachingSitePage | None:
    """The teaching site of a place (None for an address or online), the place's
    details checked. Raises InvalidMeeting."""
    if place == Meeting.Place.SITE:
        site = TeachingSitePage.objects.live().filter(pk=teaching_site).first()
        if site is None:
            raise InvalidMeeting(
                f"教学点 {teaching_site} 不存在或未发布", code="invalid_place"
            )
        return site
    if place == Meeting.Place.ADDRESS:
        if not address.strip():
            raise InvalidMeeting("地点为地址时须填写地址", code="invalid_place")
    elif place == Meeting.Place.ONLINE:
        if not online_url.startswith("https://"):
            raise InvalidMeeting("线上会议须填写 https 会议链接", code="invalid_place")
    else:
        raise InvalidMeeting(
            "地点类型只能是 site（教学点）、address（地址）或 online（线上）",
            code="invalid_place",
        )
    return None


def _party_group(plan: MeetingPlan, organisation: Organisation) -> PartyGroup | None:
    """The party group a 党小组会 belongs to: required where the branch has
    groups (a branch without groups holds it as a whole). Raises InvalidMeeting."""
    if plan.party_group is None:
        if (
            plan.kind == MeetingKind.GROUP
            and PartyGroup.objects.filter(organisation=organisation).exists()
        ):
            raise InvalidMeeting(
                f"{organisation.name}设有党小组：党小组会须指定党小组（party_group）",
                code="party_group_required",
            )
        return None
    if plan.kind != MeetingKind.GROUP:
        raise InvalidMeeting("只有党小组会属于党小组", code="invalid_party_group")
    group = PartyGroup.objects.filter(
        pk=plan.party_group, organisation=organisation
    ).first()
    if group is None:
        raise InvalidMeeting(
            f"党小组 {plan.party_group} 不是{organisation.name}的党小组",
            code="invalid_party_group",
        )
    return group


def meeting_schedule(
    *, user: UserLike, organisation_code: str, plan: MeetingPlan
) -> Meeting:
    """Schedule a meeting of the organisation ``organisation_code`` and ask its
    attendees: the organisation's members by default (the committee, listed, for a
    支委会; the party group's members for a 党小组会 of a group), plus guests
    (列席) from anywhere. Host and recorder must be among them.

    Raises OrganisationNotFound, OutOfScope (not an organisation the user
    administers), InvalidMeeting (kind, time, place, theme or lesson wrong) and
    MemberNotFound (a member id that does not exist).
    """
    organisation = organisation_managed(user=user, code=organisation_code)
    if plan.kind not in MeetingKind.values:
        raise InvalidMeeting(
            f"会议类型 {plan.kind} 不存在，可选：{'、'.join(MeetingKind.values)}"
        )
    theme = plan.theme.strip()
    if not theme:
        raise InvalidMeeting("会议主题不能为空", code="theme_required")
    starts_at, ends_at = _times(plan.starts_at, plan.ends_at)
    site = _place(
        plan.place,
        teaching_site=plan.teaching_site,
        address=plan.address,
        online_url=plan.online_url,
    )
    group = _party_group(plan, organisation)
    if not 1 <= plan.makeup_days <= 365:
        raise InvalidMeeting("补学期限须在 1 到 365 天之间", code="invalid_makeup")
    lesson = None
    if plan.makeup_lesson is not None:
        if plan.kind not in MAKEUP_KINDS:
            raise InvalidMeeting(
                "只有党课和主题党日可以安排补学", code="invalid_makeup"
            )
        lesson = pages_visible_to_public(
            queryset=Page.objects.filter(pk=plan.makeup_lesson)
        ).first()
        if lesson is None:
            raise InvalidMeeting(
                f"补学课程 {plan.makeup_lesson} 不存在或未公开发布",
                code="invalid_makeup",
            )
    if plan.members is None and group is not None:
        members = list(group.members.all())
    elif plan.members is None:
        if plan.kind == MeetingKind.COMMITTEE:
            raise InvalidMeeting(
                "支委会须列出参会的支委会成员（members）", code="members_required"
            )
        members = list(Member.objects.filter(organisation=organisation))
    else:
        members = _members(plan.members, what="参会人员")
        outside = [m.name for m in members if m.organisation_id != organisation.pk]
        if outside:
            raise InvalidMeeting(
                f"{'、'.join(outside)} 不是{organisation.name}的党员，"
                "请作为列席人员（guests）邀请",
                code="member_not_in_organisation",
            )
    guests = [
        g for g in _members(list(plan.guests), what="列席人员") if g not in members
    ]
    if not members:
        raise InvalidMeeting(f"{organisation.name}没有党员可以参会", code="no_members")
    asked = {m.pk for m in members} | {g.pk for g in guests}
    for role, pk in (("主持人", plan.host), ("记录人", plan.recorder)):
        if pk not in asked:
            raise InvalidMeeting(
                f"{role}（党员 {pk}）须是参会或列席人员", code="invalid_role"
            )
    with transaction.atomic():
        meeting = Meeting.objects.create(
            organisation=organisation,
            kind=plan.kind,
            theme=theme,
            agenda=plan.agenda.strip(),
            starts_at=starts_at,
            ends_at=ends_at,
            place=plan.place,
            teaching_site=site,
            address=plan.address.strip(),
            online_url=plan.online_url,
            host_id=plan.host,
            recorder_id=plan.recorder,
            makeup_lesson=lesson,
            makeup_days=plan.makeup_days,
            created_by=user if user.is_authenticated else None,
            party_group=group,
        )
        Attendee.objects.bulk_create(
            [Attendee(meeting=meeting, member=m) for m in members]
            + [Attendee(meeting=meeting, member=g, guest=True) for g in guests]
        )
        meeting_notices_send(meeting=meeting)
    return meeting


def meeting_notices_send(*, meeting: Meeting, now: datetime | None = None) -> int:
    """Give every attendee of ``meeting`` a notice in the portal, with a reminder
    ``MEETINGS_REMINDER_HOURS`` before it starts (none when that has passed).
    Returns how many got it. Raises nothing."""
    now = now or timezone.now()
    remind_at = meeting.starts_at - timedelta(hours=settings.MEETINGS_REMINDER_HOURS)
    start = timezone.localtime(meeting.starts_at)
    where = {
        Meeting.Place.SITE: meeting.teaching_site.title
        if meeting.teaching_site
        else "",
        Meeting.Place.ADDRESS: meeting.address,
        Meeting.Place.ONLINE: "线上",
    }[meeting.place]
    user_ids = list(meeting.attendees.values_list("member__user_id", flat=True))
    return notice_send(
        recipient_ids=user_ids,
        topic=f"meetings.meeting:{meeting.pk}",
        title=f"{meeting.get_kind_display()}通知：{meeting.theme}",
        body=(
            ("（已改期）" if meeting.rescheduled_at else "")
            + f"{meeting.organisation.name}定于 {start:%Y年%m月%d日 %H:%M} 在{where}召开"
            f"{meeting.get_kind_display()}，主题：{meeting.theme}。"
            "不能参加的请在“我的会议”中请假。"
        ),
        link=f"/me/meetings/{meeting.pk}/",
        remind_at=remind_at if remind_at > now else None,
        now=now,
    )


def _attendee_of(meeting: Meeting, member_id: int) -> Attendee:
    attendee = (
        Attendee.objects.select_related("member")
        .filter(meeting=meeting, member_id=member_id)
        .first()
    )
    if attendee is None:
        raise MemberNotFound(f"党员 {member_id} 不是本次会议的参会人员")
    return attendee


def _not_cancelled(meeting: Meeting) -> None:
    if meeting.cancelled_at is not None:
        raise MeetingCancelled(
            f"会议已于 {timezone.localtime(meeting.cancelled_at):%Y-%m-%d %H:%M} 取消"
            f"（{meeting.cancel_reason}）"
        )


def _own_attendee(user: UserLike, meeting: Meeting) -> Attendee:
    attendee = meeting_attendee(user=user, meeting=meeting)
    if attendee is None:
        raise NotPermittedHere("您不是本次会议的参会人员", code="not_invited")
    return attendee


# --- leave ----------------------------------------------------------------------


def leave_request(
    *, user: UserLike, meeting: Meeting, reason: str, now: datetime | None = None
) -> Attendee:
    """The signed-in attendee asks for leave (请假) with ``reason``, before the
    meeting starts; asking again changes the reason while it awaits a decision.

    Raises NotPermittedHere (not asked to it), ReasonRequired and LeaveRefused
    (the meeting has begun, or the leave is decided already)."""
    now = now or timezone.now()
    attendee = _own_attendee(user, meeting)
    _not_cancelled(meeting)
    reason = _reason(reason, what="请假")
    if now >= meeting.starts_at:
        raise LeaveRefused(
            f"会议已于 {timezone.localtime(meeting.starts_at):%Y-%m-%d %H:%M} 开始，"
            "不能再请假",
            code="leave_too_late",
        )
    if attendee.leave in (Attendee.Leave.APPROVED, Attendee.Leave.REFUSED):
        raise LeaveRefused(
            f"请假已{attendee.get_leave_display()}，不能再次申请", code="leave_decided"
        )
    attendee.leave = Attendee.Leave.REQUESTED
    attendee.leave_reason = reason
    attendee.leave_asked_at = now
    attendee.save(update_fields=["leave", "leave_reason", "leave_asked_at"])
    return attendee


def leave_decide(
    *,
    user: UserLike,
    meeting: Meeting,
    member_id: int,
    approve: bool,
    now: datetime | None = None,
) -> Attendee:
    """The host (or a manager of the organisation) approves or refuses a member's
    leave. Raises NotPermittedHere, MemberNotFound and LeaveRefused (no pending
    request)."""
    now = now or timezone.now()
    if not (
        meeting.host.user_id == user.pk
        or meeting_is_managed_by(user=user, meeting=meeting)
    ):
        raise NotPermittedHere("只有主持人或本组织的管理员可以审批请假")
    _not_cancelled(meeting)
    attendee = _attendee_of(meeting, member_id)
    if attendee.leave != Attendee.Leave.REQUESTED:
        raise LeaveRefused(
            f"{attendee.member.name} 没有待审批的请假", code="no_pending_leave"
        )
    attendee.leave = Attendee.Leave.APPROVED if approve else Attendee.Leave.REFUSED
    attendee.leave_decided_by = user
    attendee.leave_decided_at = now
    attendee.save(update_fields=["leave", "leave_decided_by", "leave_decided_at"])
    return attendee


# --- check-in -------------------------------------------------------------------


def meeting_checkin_code(
    *, user: UserLike, meeting: Meeting, at: datetime | None = None
) -> tuple[str, datetime]:
    """The meeting's current check-in code and when it is replaced, for its host,
    recorder and managers (the code mechanism of offline classes). Raises
    NotPermittedHere, and MeetingCancelled: a cancelled meeting shows no code (a
    photo of one would check nobody in)."""
    if not meeting_is_run_by(user=user, meeting=meeting):
        raise NotPermittedHere("只有主持人、记录人或本组织的管理员可以查看签到码")
    _not_cancelled(meeting)
    at = at or timezone.now()
    step = int(at.timestamp()) // CHECKIN_STEP_SECONDS
    expires = datetime.fromtimestamp(
        (step + 1) * CHECKIN_STEP_SECONDS, tz=timezone.get_current_timezone()
    )
    return rotating_code(
        secret=meeting.checkin_secret, key=f"m{meeting.pk}", step=step
    ), expires


def meeting_checkin_url(
    *, meeting: Meeting, request: HttpRequest | None, code: str
) -> str:
    """What a meeting's QR code holds: the URL of the portal page that checks in
    with ``code`` after sign-in, absolute by ``dangke.links`` (the request's host,
    https but in plain development). Raises DisallowedHost (a request for a host
    not allowed)."""
    return portal_url(
        reverse("portal:meeting", args=[meeting.pk]),
        request=request,
        query={"code": code},
    )


def _window_check(meeting: Meeting, now: datetime) -> None:
    opens, closes = meeting_checkin_window(meeting=meeting)
    if now < opens:
        raise CheckinRefused(
            f"签到尚未开始（{timezone.localtime(opens):%m-%d %H:%M} 开放签到）",
            code="too_early",
        )
    if now > closes:
        raise CheckinRefused(
            "会议已结束，签到已关闭；如确已参会请联系记录人补签", code="closed"
        )


def meeting_check_in(
    *,
    user: UserLike,
    meeting: Meeting,
    code: str,
    online: bool = False,
    now: datetime | None = None,
) -> Attendee:
    """The signed-in attendee checks in with the code shown at the meeting (or
    online: at an online meeting, or a 流动党员 at any). Checking in twice keeps
    the first record. Counted against the account's check-in tries per minute
    (``LEARNING_CHECKINS_PER_MINUTE``, shared with offline classes).

    Raises NotPermittedHere (not asked to it), TooFrequent and CheckinRefused
    (outside the window, wrong or expired code, online where it is not allowed)."""
    now = now or timezone.now()
    attendee = _own_attendee(user, meeting)
    if rate_limit_exceeded(
        bucket="checkin", who=user.pk, limit=settings.LEARNING_CHECKINS_PER_MINUTE
    ):
        raise TooFrequent("签到尝试过于频繁，请一分钟后再试")
    _not_cancelled(meeting)
    _window_check(meeting, now)
    if attendee.attendance:
        return attendee
    if online and not (
        meeting.place == Meeting.Place.ONLINE or attendee.member.member_type == "mobile"
    ):
        raise CheckinRefused(
            "线上参加仅限线上会议或流动党员", code="online_not_allowed"
        )
    verdict = rotating_code_verdict(
        secret=meeting.checkin_secret, key=f"m{meeting.pk}", code=code, now=now
    )
    if verdict == "expired":
        raise CheckinRefused("签到码已过期，请扫描屏幕上最新的签到码", code="expired")
    if verdict != "ok":
        raise CheckinRefused("签到码错误：签到码为屏幕上的 6 位数字", code="wrong_code")
    online = online or meeting.place == Meeting.Place.ONLINE
    Attendee.objects.filter(pk=attendee.pk, attendance="").update(
        attendance=Attendee.Attendance.ONLINE if online else Attendee.Attendance.CODE,
        attended_at=now,
    )
    attendee.refresh_from_db()
    return attendee


def meeting_sign_in(
    *,
    user: UserLike,
    meeting: Meeting,
    member_id: int,
    reason: str,
    channel: str = "api",
    now: datetime | None = None,
) -> Attendee:
    """The recorder signs an attendee in: during the check-in window a 代签, after
    the meeting a 补签; always with a reason, marked as such and written to the
    audit log.

    Raises NotTheRecorder, ReasonRequired, CheckinRefused (before the window),
    MemberNotFound (not an attendee) and LeaveRefused-like Conflict when the member
    is signed in already (``already_present``)."""
    now = now or timezone.now()
    if meeting.recorder.user_id != user.pk:
        raise NotTheRecorder(
            f"只有本次会议的记录人（{meeting.recorder.name}）可以代签或补签"
        )
    _not_cancelled(meeting)
    opens, closes = meeting_checkin_window(meeting=meeting)
    late = now > closes
    what = "补签" if late else "代签"
    reason = _reason(reason, what=what)
    if now < opens:
        raise CheckinRefused("会议尚未开始，不能代签", code="too_early")
    with transaction.atomic():
        attendee = _attendee_of(meeting, member_id)
        if attendee.attendance:
            raise LeaveRefused(
                f"{attendee.member.name} 已{attendee.get_attendance_display()}，无需{what}",
                code="already_present",
            )
        attendee.attendance = (
            Attendee.Attendance.LATE_ENTRY if late else Attendee.Attendance.PROXY
        )
        attendee.attended_at = now
        attendee.attendance_reason = reason
        attendee.attendance_by = user
        attendee.save(
            update_fields=[
                "attendance",
                "attended_at",
                "attendance_reason",
                "attendance_by",
            ]
        )
        audit_record(
            actor=user,
            action="record",
            subject=f"meetings.{attendee.attendance}",
            channel=channel,
            scope={
                "organisation": meeting.organisation.code,
                "meeting": meeting.pk,
                "member": attendee.member_id,
                "reason": reason,
            },
            row_count=1,
        )
    return attendee


# --- after the meeting ------------------------------------------------------------


def _writer_check(user: UserLike, meeting: Meeting, what: str) -> None:
    if meeting.recorder.user_id != user.pk and not meeting_is_managed_by(
        user=user, meeting=meeting
    ):
        raise NotTheRecorder(f"只有记录人或本组织的管理员可以{what}")


def minutes_write(
    *,
    user: UserLike,
    meeting: Meeting,
    text: str,
    base_revision: int,
    note: str = "",
    now: datetime | None = None,
) -> MinutesRevision:
    """Save the minutes as a new revision over ``base_revision`` (the latest the
    writer saw; 0 for the first). Every revision is kept; once the year's ledger
    is filed, the filed revision stays as filed and a new one needs a note saying
    why (修订说明).

    Raises NotTheRecorder, NotYetHeld (before the start), MeetingError (empty),
    MinutesStale (someone saved since) and ReasonRequired (filed, no note)."""
    now = now or timezone.now()
    _writer_check(user, meeting, "填写纪要")
    _not_cancelled(meeting)
    if now < meeting.starts_at:
        raise NotYetHeld("会议尚未召开，不能填写纪要")
    text = (text or "").strip()
    if not text:
        raise MeetingError("纪要内容不能为空", code="minutes_empty")
    with transaction.atomic():
        latest = (
            MinutesRevision.objects.select_for_update()
            .filter(meeting=meeting)
            .order_by("-number")
            .first()
        )
        latest_number = latest.number if latest else 0
        if base_revision != latest_number:
            raise MinutesStale(
                f"纪要已更新为第 {latest_number} 版（您修改的是第 {base_revision} 版），"
                "请在最新版本上修改",
                latest_revision=latest_number,
            )
        filed = ledger_is_filed(
            organisation_id=meeting.organisation_id,
            year=timezone.localtime(meeting.starts_at).year,
        )
        note = (note or "").strip()[:REASON_MAX]
        if filed and not note:
            filed_number = (
                MinutesRevision.objects.filter(meeting=meeting, filed=True)
                .values_list("number", flat=True)
                .last()
            )
            raise ReasonRequired(
                f"本年度台账已归档：修改纪要须填写修订说明（note），"
                f"已归档的第 {filed_number or latest_number} 版将保留",
            )
        try:
            return MinutesRevision.objects.create(
                meeting=meeting,
                number=latest_number + 1,
                text=text,
                note=note,
                written_by=user,
                written_at=now,
            )
        except IntegrityError:
            raise MinutesStale("纪要刚被他人更新，请刷新后在最新版本上修改") from None


def resolution_add(
    *, user: UserLike, meeting: Meeting, text: str, owner_id: int, due_on: date
) -> Resolution:
    """Record a resolution with its owner (an attendee) and due date. Raises
    NotTheRecorder, MeetingError (empty text), MemberNotFound and InvalidMeeting
    (due before the meeting)."""
    _writer_check(user, meeting, "登记决议")
    _not_cancelled(meeting)
    text = (text or "").strip()
    if not text:
        raise MeetingError("决议内容不能为空", code="resolution_empty")
    attendee = _attendee_of(meeting, owner_id)
    if due_on < timezone.localtime(meeting.starts_at).date():
        raise InvalidMeeting("完成期限不能早于会议日期", code="invalid_due_date")
    return Resolution.objects.create(
        meeting=meeting, text=text, owner=attendee.member, due_on=due_on
    )


def home_visit_record(
    *,
    user: UserLike,
    meeting: Meeting,
    member_id: int,
    visited_on: date,
    visitors: str,
    content: str,
    member_words: str = "",
    now: datetime | None = None,
) -> HomeVisit:
    """送学上门: a manager of the organisation records taking the meeting to a
    member of the branch who could not come; it counts as attendance.

    Raises NotPermittedHere, MemberNotFound, InvalidMeeting (a member of another
    organisation, a visit before the meeting or in the future, no content),
    NotYetHeld and LeaveRefused-like Conflict (attended already)."""
    now = now or timezone.now()
    if not meeting_is_managed_by(user=user, meeting=meeting):
        raise NotPermittedHere("只有本组织的书记或管理员可以登记送学上门")
    _not_cancelled(meeting)
    member = Member.objects.filter(pk=member_id).first()
    if member is None:
        raise MemberNotFound(f"党员 {member_id} 不存在")
    if member.organisation_id != meeting.organisation_id:
        raise InvalidMeeting(
            f"{member.name} 不是{meeting.organisation.name}的党员，不能登记送学上门",
            code="member_not_in_branch",
        )
    if now < meeting.starts_at:
        raise NotYetHeld("会议尚未召开，不能登记送学上门")
    meeting_day = timezone.localtime(meeting.starts_at).date()
    if not meeting_day <= visited_on <= timezone.localtime(now).date():
        raise InvalidMeeting(
            "送学日期须在会议日期之后、今天之前", code="invalid_visit_date"
        )
    visitors = (visitors or "").strip()
    content = (content or "").strip()
    if not visitors or not content:
        raise InvalidMeeting("须填写送学人和送学内容", code="visit_incomplete")
    with transaction.atomic():
        attendee, _ = Attendee.objects.get_or_create(meeting=meeting, member=member)
        if attendee.attendance:
            raise LeaveRefused(
                f"{member.name} 已{attendee.get_attendance_display()}，无需送学上门",
                code="already_present",
            )
        attendee.attendance = Attendee.Attendance.HOME_VISIT
        attendee.attended_at = now
        attendee.attendance_by = user
        attendee.save(update_fields=["attendance", "attended_at", "attendance_by"])
        return HomeVisit.objects.create(
            attendee=attendee,
            visited_on=visited_on,
            visitors=visitors[:200],
            content=content,
            member_words=(member_words or "").strip(),
            recorded_by=user,
        )


def makeup_claim(
    *, user: UserLike, meeting: Meeting, now: datetime | None = None
) -> Attendee:
    """补学: an attendee who missed a 党课 or 主题党日 counts as made up once they
    have completed its recording or assigned lesson after the meeting began and
    within its ``makeup_days``.

    Raises NotPermittedHere (not asked), NotYetHeld and MakeupRefused (another
    kind, no lesson assigned, attended already, too late, lesson not completed)."""
    now = now or timezone.now()
    attendee = _own_attendee(user, meeting)
    _not_cancelled(meeting)
    if meeting.kind not in MAKEUP_KINDS or meeting.makeup_lesson_id is None:
        raise MakeupRefused("本次会议没有安排补学", code="no_makeup")
    if now < meeting.ends_at:
        raise NotYetHeld("会议尚未结束，不能补学")
    if attendee.attendance:
        if attendee.attendance == Attendee.Attendance.MAKEUP:
            return attendee
        raise MakeupRefused(
            f"您已{attendee.get_attendance_display()}，无需补学", code="already_present"
        )
    deadline = meeting.ends_at + timedelta(days=meeting.makeup_days)
    done = (
        LessonProgress.objects.filter(
            member_id=attendee.member_id,
            lesson_id=meeting.makeup_lesson_id,
            completed_at__gte=meeting.starts_at,
            completed_at__lte=deadline,
        )
        .values_list("completed_at", flat=True)
        .first()
    )
    if done is None:
        if now > deadline:
            raise MakeupRefused(
                f"补学期限已于 {timezone.localtime(deadline):%Y-%m-%d} 截止",
                code="makeup_closed",
            )
        raise MakeupRefused(
            f"请先学完“{meeting.makeup_lesson.title}”再登记补学",
            code="lesson_not_completed",
        )
    attendee.attendance = Attendee.Attendance.MAKEUP
    attendee.attended_at = done
    attendee.save(update_fields=["attendance", "attended_at"])
    return attendee


# --- the ledger and the cadence -----------------------------------------------------


def ledger_file(
    *,
    user: UserLike,
    organisation: Organisation,
    year: int,
    now: datetime | None = None,
) -> LedgerFiling:
    """File (归档) the ledger of ``organisation``'s ``year``: the latest minutes of
    each meeting are marked filed and kept as they are; later changes are new
    revisions with a note. Raises OutOfScope, InvalidMeeting (a year not yet
    begun) and AlreadyFiled."""
    now = now or timezone.now()
    if not user_can_report_on(user=user, organisation=organisation):
        raise OutOfScope(f"党组织“{organisation.name}”不在您管理的范围内")
    if year > timezone.localtime(now).year:
        raise InvalidMeeting(f"{year} 年尚未开始，不能归档", code="invalid_year")
    with transaction.atomic():
        filing, created = LedgerFiling.objects.get_or_create(
            organisation=organisation,
            year=year,
            defaults={"filed_by": user, "filed_at": now},
        )
        if not created:
            raise AlreadyFiled(
                f"{organisation.name} {year} 年的台账已于 "
                f"{timezone.localtime(filing.filed_at):%Y-%m-%d} 归档"
            )
        for meeting_id in Meeting.objects.filter(
            organisation=organisation, starts_at__year=year
        ).values_list("pk", flat=True):
            latest = (
                MinutesRevision.objects.filter(meeting_id=meeting_id)
                .order_by("-number")
                .first()
            )
            if latest is not None:
                MinutesRevision.objects.filter(pk=latest.pk).update(filed=True)
    return filing


def cadence_set(
    *, user: UserLike, organisation: Organisation, kind: str, months: int
) -> MeetingCadence:
    """An organisation tightens the cadence of a kind for itself and below. Raises
    OutOfScope and InvalidMeeting (unknown kind, or looser than the
    regulations)."""
    if not user_can_report_on(user=user, organisation=organisation):
        raise OutOfScope(f"党组织“{organisation.name}”不在您管理的范围内")
    if kind not in CADENCE_MONTHS:
        raise InvalidMeeting(f"会议类型 {kind} 不存在")
    if not 1 <= months <= CADENCE_MONTHS[kind]:
        raise InvalidMeeting(
            f"{MeetingKind(kind).label}至少每 {CADENCE_MONTHS[kind]} 个月召开一次，"
            "只能设得更频繁",
            code="cadence_looser",
        )
    cadence, _ = MeetingCadence.objects.update_or_create(
        organisation=organisation, kind=kind, defaults={"months": months}
    )
    return cadence


# --- reschedule and cancel ------------------------------------------------------------


def _changer_check(user: UserLike, meeting: Meeting, what: str) -> None:
    if meeting.host.user_id != user.pk and not meeting_is_managed_by(
        user=user, meeting=meeting
    ):
        raise NotPermittedHere(f"只有主持人或本组织的管理员可以{what}")


def _change_notice(meeting: Meeting, *, title: str, body: str, now: datetime) -> None:
    """A notice about the change, reminded (e-mailed) at once by the worker."""
    notice_send(
        recipient_ids=list(meeting.attendees.values_list("member__user_id", flat=True)),
        topic=f"meetings.meeting:{meeting.pk}:change",
        title=title,
        body=body,
        link=f"/me/meetings/{meeting.pk}/",
        remind_at=now,
        now=now,
    )


@dataclass(frozen=True)
class MeetingMove:
    """Where and when a meeting moves to (改期); ``place`` empty keeps the place."""

    starts_at: datetime
    ends_at: datetime
    reason: str
    place: str = ""
    teaching_site: int | None = None
    address: str = ""
    online_url: str = ""


def meeting_reschedule(
    *, user: UserLike, meeting: Meeting, move: MeetingMove, now: datetime | None = None
) -> Meeting:
    """The host or an administrator moves a meeting that has not begun to a new
    time (and place), with a reason. The first announced start is kept; the
    check-in window follows the new time; every attendee's notice and reminder
    are updated and a notice of the change is e-mailed at once.

    Raises NotPermittedHere, MeetingCancelled, ReasonRequired and InvalidMeeting
    (begun already, a wrong time or place)."""
    now = now or timezone.now()
    _changer_check(user, meeting, "改期")
    _not_cancelled(meeting)
    reason = _reason(move.reason, what="改期")
    if now >= meeting.starts_at:
        raise InvalidMeeting("会议已经开始，不能改期", code="already_started")
    starts_at, ends_at = _times(move.starts_at, move.ends_at)
    if starts_at <= now:
        raise InvalidMeeting("新的开始时间须晚于现在", code="invalid_time")
    before = timezone.localtime(meeting.starts_at)
    with transaction.atomic():
        if move.place:
            meeting.teaching_site = _place(
                move.place,
                teaching_site=move.teaching_site,
                address=move.address,
                online_url=move.online_url,
            )
            meeting.place = move.place
            meeting.address = move.address.strip()
            meeting.online_url = move.online_url
        meeting.original_starts_at = meeting.original_starts_at or meeting.starts_at
        meeting.starts_at, meeting.ends_at = starts_at, ends_at
        meeting.rescheduled_at = now
        meeting.reschedule_reason = reason
        meeting.save()
        meeting_notices_send(meeting=meeting, now=now)
        after = timezone.localtime(starts_at)
        _change_notice(
            meeting,
            title=f"会议改期：{meeting.get_kind_display()}“{meeting.theme}”",
            body=(
                f"原定 {before:%Y年%m月%d日 %H:%M} 召开的{meeting.get_kind_display()}"
                f"改为 {after:%Y年%m月%d日 %H:%M}，原因：{reason}。"
            ),
            now=now,
        )
    return meeting


def meeting_cancel(
    *, user: UserLike, meeting: Meeting, reason: str, now: datetime | None = None
) -> Meeting:
    """The host or an administrator cancels a meeting that has not begun, with a
    reason: it stays in the ledger marked 已取消 and is not counted as held; the
    attendees' reminder is withdrawn and a notice of the cancellation is e-mailed
    at once.

    Raises NotPermittedHere, MeetingCancelled (twice), ReasonRequired and
    InvalidMeeting (begun already)."""
    now = now or timezone.now()
    _changer_check(user, meeting, "取消会议")
    _not_cancelled(meeting)
    reason = _reason(reason, what="取消会议")
    if now >= meeting.starts_at:
        raise InvalidMeeting("会议已经开始，不能取消", code="already_started")
    start = timezone.localtime(meeting.starts_at)
    with transaction.atomic():
        meeting.cancelled_at = now
        meeting.cancel_reason = reason
        meeting.save(update_fields=["cancelled_at", "cancel_reason"])
        user_ids = list(meeting.attendees.values_list("member__user_id", flat=True))
        notice_send(
            recipient_ids=user_ids,
            topic=f"meetings.meeting:{meeting.pk}",
            title=f"已取消：{meeting.get_kind_display()}“{meeting.theme}”",
            body=f"原定 {start:%Y年%m月%d日 %H:%M} 召开的会议已取消，原因：{reason}。",
            link=f"/me/meetings/{meeting.pk}/",
            remind_at=None,
            now=now,
        )
        _change_notice(
            meeting,
            title=f"会议取消：{meeting.get_kind_display()}“{meeting.theme}”",
            body=(
                f"{meeting.organisation.name}原定 {start:%Y年%m月%d日 %H:%M} 召开的"
                f"{meeting.get_kind_display()}已取消，原因：{reason}。"
            ),
            now=now,
        )
    return meeting


def makeup_assign(
    *, user: UserLike, meeting: Meeting, lesson_id: int, days: int
) -> Meeting:
    """An administrator assigns the lesson (its recording or a 微党课) whose
    completion within ``days`` of the meeting counts as 补学, for a 党课 or
    主题党日. Raises NotPermittedHere, MeetingCancelled and InvalidMeeting."""
    if not meeting_is_managed_by(user=user, meeting=meeting):
        raise NotPermittedHere("只有本组织的书记或管理员可以安排补学")
    _not_cancelled(meeting)
    if meeting.kind not in MAKEUP_KINDS:
        raise InvalidMeeting("只有党课和主题党日可以安排补学", code="invalid_makeup")
    if not 1 <= days <= 365:
        raise InvalidMeeting("补学期限须在 1 到 365 天之间", code="invalid_makeup")
    lesson = pages_visible_to_public(queryset=Page.objects.filter(pk=lesson_id)).first()
    if lesson is None:
        raise InvalidMeeting(
            f"补学课程 {lesson_id} 不存在或未公开发布", code="invalid_makeup"
        )
    meeting.makeup_lesson = lesson
    meeting.makeup_days = days
    meeting.save(update_fields=["makeup_lesson", "makeup_days"])
    return meeting


# --- party groups (党小组) ---------------------------------------------------------------


def _group_members(
    organisation: Organisation, member_ids: list[int], leader_id: int | None
) -> tuple[list[Member], Member | None]:
    ids = list(member_ids)
    if leader_id is not None and leader_id not in ids:
        ids.append(leader_id)
    members = _members(ids, what="党小组成员")
    outside = [m.name for m in members if m.organisation_id != organisation.pk]
    if outside:
        raise InvalidMeeting(
            f"{'、'.join(outside)} 不是{organisation.name}的党员",
            code="member_not_in_organisation",
        )
    leader = next((m for m in members if m.pk == leader_id), None)
    return members, leader


def party_group_create(
    *,
    user: UserLike,
    organisation_code: str,
    name: str,
    member_ids: list[int],
    leader_id: int | None = None,
) -> PartyGroup:
    """Create a party group (党小组) of a branch with its members and leader (the
    leader is a member). Raises OrganisationNotFound, OutOfScope, MemberNotFound
    and InvalidMeeting (not a branch, no name, a name taken, a member of another
    organisation)."""
    organisation = organisation_managed(user=user, code=organisation_code)
    if organisation.kind != Organisation.Kind.BRANCH:
        raise InvalidMeeting(
            f"{organisation.name}不是党支部：党小组设在党支部之下", code="not_a_branch"
        )
    name = (name or "").strip()[:100]
    if not name:
        raise InvalidMeeting("党小组名称不能为空", code="name_required")
    if PartyGroup.objects.filter(organisation=organisation, name=name).exists():
        raise InvalidMeeting(
            f"{organisation.name}已有名为“{name}”的党小组", code="name_taken"
        )
    members, leader = _group_members(organisation, member_ids, leader_id)
    with transaction.atomic():
        group = PartyGroup.objects.create(
            organisation=organisation, name=name, leader=leader
        )
        group.members.set(members)
    return group


def party_group_managed(*, user: UserLike, group_id: int) -> PartyGroup:
    """Party group ``group_id`` when ``user`` administers its branch. Raises
    PartyGroupNotFound (none, or outside the user's subtree)."""
    group = (
        PartyGroup.objects.select_related("organisation").filter(pk=group_id).first()
    )
    if group is None or not user_can_report_on(
        user=user, organisation=group.organisation
    ):
        raise PartyGroupNotFound(f"党小组 {group_id} 不存在，或不在您管理的范围内")
    return group


def party_group_members_set(
    *,
    user: UserLike,
    group: PartyGroup,
    member_ids: list[int],
    leader_id: int | None = None,
) -> PartyGroup:
    """Set a party group's members and leader (meetings already scheduled keep
    their attendees). Raises OutOfScope, MemberNotFound and InvalidMeeting."""
    if not user_can_report_on(user=user, organisation=group.organisation):
        raise OutOfScope(f"党组织“{group.organisation.name}”不在您管理的范围内")
    members, leader = _group_members(group.organisation, member_ids, leader_id)
    with transaction.atomic():
        group.leader = leader
        group.save(update_fields=["leader"])
        group.members.set(members)
    return group


# --- attachments to the minutes ------------------------------------------------------

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
# File name ending → the type its content must show.
ATTACHMENT_TYPES = {
    "pdf": "application/pdf",
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "docx": DOCX_TYPE,
}
ATTACHMENTS_PER_MEETING = 20


def attachment_content_type(handle) -> str | None:
    """The type ``handle``'s bytes show (PDF, PNG, JPEG or DOCX), or None: read
    from the content, never from the name."""
    handle.seek(0)
    head = handle.read(8)
    handle.seek(0)
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(handle) as archive:
                names = set(archive.namelist())
        except (zipfile.BadZipFile, OSError, ValueError):
            return None
        finally:
            handle.seek(0)
        if {"[Content_Types].xml", "word/document.xml"} <= names:
            return DOCX_TYPE
    return None


def attachment_add(
    *, user: UserLike, meeting: Meeting, upload: File, name: str
) -> MinutesAttachment:
    """Attach a file (PDF, PNG, JPEG or DOCX, at most ``MEETINGS_ATTACHMENT_MAX_MB``)
    to the meeting's minutes, stored through Django's storage. Attachments are
    optional: nothing ever requires one.

    Raises NotTheRecorder, MeetingCancelled, NotYetHeld and AttachmentRefused
    (empty, too large, too many, a type not allowed, or content that is not what
    the name says)."""
    _writer_check(user, meeting, "上传纪要附件")
    _not_cancelled(meeting)
    if timezone.now() < meeting.starts_at:
        raise NotYetHeld("会议尚未召开，不能上传纪要附件")
    name = os.path.basename((name or "").replace("\\", "/")).strip()[:200]
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension not in ATTACHMENT_TYPES:
        raise AttachmentRefused(
            f"附件“{name}”的类型不支持：只能上传 PDF、图片（PNG、JPG）或 Word（DOCX）",
            code="attachment_type",
        )
    size = upload.size or 0
    if size == 0:
        raise AttachmentRefused(f"附件“{name}”是空文件", code="attachment_empty")
    limit = settings.MEETINGS_ATTACHMENT_MAX_MB
    if size > limit * 1024 * 1024:
        raise AttachmentRefused(
            f"附件“{name}”超过 {limit} MB", code="attachment_too_large"
        )
    found = attachment_content_type(upload)
    if found != ATTACHMENT_TYPES[extension]:
        raise AttachmentRefused(
            f"附件“{name}”的内容不是 {extension.upper()} 文件",
            code="attachment_content",
        )
    if meeting.attachments.count() >= ATTACHMENTS_PER_MEETING:
        raise AttachmentRefused(
            f"每次会议最多 {ATTACHMENTS_PER_MEETING} 个附件", code="attachment_count"
        )
    attachment = MinutesAttachment(
        meeting=meeting, name=name, content_type=found, size=size, uploaded_by=user
    )
    attachment.file.save(name, upload, save=False)
    try:
        attachment.save()
    except Exception:
        attachment.file.delete(save=False)
        raise
    return attachment


def attachment_remove(*, user: UserLike, meeting: Meeting, attachment_id: int) -> None:
    """Remove an attachment (its file too), before the year's ledger is filed.
    Raises NotTheRecorder, AttachmentNotFound and AlreadyFiled."""
    _writer_check(user, meeting, "删除纪要附件")
    attachment = meeting.attachments.filter(pk=attachment_id).first()
    if attachment is None:
        raise AttachmentNotFound(f"附件 {attachment_id} 不存在")
    if ledger_is_filed(
        organisation_id=meeting.organisation_id,
        year=timezone.localtime(meeting.starts_at).year,
    ):
        raise AlreadyFiled("本年度台账已归档，附件不能删除")
    attachment.file.delete(save=False)
    attachment.delete()

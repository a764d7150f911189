"""Request and response schemas of the meetings API."""

from __future__ import annotations

from datetime import date, datetime

from ninja import Field, Schema


class MeetingIn(Schema):
    organisation: str = Field(description="召开会议的党组织代码")
    kind: str = Field(
        description="general 党员大会、committee 支委会、group 党小组会、lecture 党课、"
        "theme_day 主题党日、life 组织生活会、appraisal 民主评议党员"
    )
    theme: str = Field(max_length=200, description="主题")
    agenda: str = Field(default="", max_length=5000, description="议程")
    starts_at: datetime
    ends_at: datetime
    place: str = Field(description="site 教学点、address 地址或 online 线上")
    teaching_site: int | None = Field(default=None, description="教学点页面 id")
    address: str = Field(default="", max_length=200)
    online_url: str = Field(default="", max_length=200, description="https 会议链接")
    host: int = Field(description="主持人（党员 id）")
    recorder: int = Field(description="记录人（党员 id）")
    members: list[int] | None = Field(
        default=None,
        description="参会党员 id；不填为本组织全体党员（支委会须列出支委会成员）",
    )
    guests: list[int] = Field(default_factory=list, description="列席人员（党员 id）")
    makeup_lesson: int | None = Field(
        default=None, description="补学用的录像或微党课页面 id（党课、主题党日）"
    )
    makeup_days: int = Field(default=30, description="会后几天内可以补学")
    party_group: int | None = Field(
        default=None,
        description="党小组 id（党小组会；支部设有党小组时必填，参会人员默认为其成员）",
    )


class AttendeeOut(Schema):
    member: int
    name: str
    guest: bool
    attendance: str = Field(
        description="code、online、proxy、late_entry、home_visit、makeup 或空"
    )
    attendance_label: str
    attended_at: datetime | None
    attendance_reason: str
    leave: str = Field(description="requested、approved、refused 或空")
    leave_reason: str


class MyAttendanceOut(Schema):
    guest: bool
    attendance: str
    attendance_label: str
    attended_at: datetime | None
    leave: str
    leave_label: str
    leave_reason: str


class MeetingOut(Schema):
    id: int
    organisation: str
    organisation_name: str
    kind: str
    kind_label: str
    theme: str
    agenda: str
    starts_at: datetime
    ends_at: datetime
    checkin_opens_at: datetime
    place: str
    place_label: str
    teaching_site: str
    address: str
    online_url: str
    host: str
    recorder: str
    makeup_lesson: int | None
    makeup_until: datetime | None
    mine: MyAttendanceOut | None = Field(description="本人的参会情况（受邀时）")
    may_manage: bool
    is_recorder: bool
    attendees: list[AttendeeOut] | None = Field(
        description="参会人员（主持人、记录人和管理员可见）"
    )
    party_group: int | None = Field(default=None, description="党小组 id")
    party_group_name: str = ""
    state: str = Field(
        default="coming",
        description="coming 未开始、ongoing 进行中、held 已召开、rescheduled 已改期、"
        "cancelled 已取消",
    )
    state_label: str = ""
    original_starts_at: datetime | None = Field(
        default=None, description="改期前的原定开始时间"
    )
    reschedule_reason: str = ""
    cancelled_at: datetime | None = None
    cancel_reason: str = ""


class MeetingListOut(Schema):
    items: list[MeetingOut]


class LeaveIn(Schema):
    reason: str = Field(max_length=200, description="请假事由")


class LeaveDecisionIn(Schema):
    approve: bool


class CheckinIn(Schema):
    code: str = Field(max_length=12, description="屏幕上的 6 位签到码")
    online: bool = Field(default=False, description="线上参加（线上会议或流动党员）")


class CheckinCodeOut(Schema):
    code: str
    expires_at: datetime
    checkin_url: str = Field(description="二维码内容：门户的 https 签到地址")


class SignInIn(Schema):
    member: int = Field(description="党员 id")
    reason: str = Field(default="", max_length=200, description="代签/补签理由（必填）")


class MinutesIn(Schema):
    text: str = Field(max_length=50000)
    base_revision: int = Field(ge=0, description="所修改的版本号（首次为 0）")
    note: str = Field(
        default="", max_length=200, description="修订说明（台账归档后必填）"
    )


class MinutesRevisionOut(Schema):
    number: int
    text: str
    note: str
    written_by: str
    written_at: datetime
    filed: bool


class MinutesOut(Schema):
    revisions: list[MinutesRevisionOut]


class ResolutionIn(Schema):
    text: str = Field(max_length=2000)
    owner: int = Field(description="责任人（参会党员 id）")
    due_on: date


class ResolutionOut(Schema):
    id: int
    text: str
    owner: int
    owner_name: str
    due_on: date


class HomeVisitIn(Schema):
    member: int
    visited_on: date
    visitors: str = Field(max_length=200, description="送学人")
    content: str = Field(max_length=5000, description="送学内容")
    member_words: str = Field(default="", max_length=5000, description="党员本人意见")


class HomeVisitOut(Schema):
    id: int
    member: int
    visited_on: date


class PartyGroupHeldOut(Schema):
    id: int
    name: str
    held: int


class LedgerRowOut(Schema):
    meeting: int
    kind: str
    kind_label: str
    starts_at: datetime
    theme: str
    expected: int
    present: int
    online: int
    leave: int
    absent: int
    makeup: int
    home_visit: int
    minutes: str
    minutes_revision: int | None
    resolutions: list[ResolutionOut]
    cancelled: bool = Field(default=False, description="已取消（不计为已召开）")
    party_group: str = Field(default="", description="党小组名称（党小组会）")
    attachments: list[str] = Field(default_factory=list, description="纪要附件的文件名")


class KindStatusOut(Schema):
    kind: str
    kind_label: str
    held: int
    last_held: date | None
    due_by: date
    status: str = Field(description="held 按期、due 临近、overdue 逾期")


class LedgerOut(Schema):
    organisation: str
    organisation_name: str
    year: int
    filed_at: datetime | None
    rows: list[LedgerRowOut]
    kinds: list[KindStatusOut]
    groups: list[PartyGroupHeldOut] = Field(
        default_factory=list, description="各党小组本年召开的党小组会次数"
    )


class FilingOut(Schema):
    organisation: str
    year: int
    filed_at: datetime


class OverviewRowOut(Schema):
    organisation: str = Field(description="组织代码（下钻时传入）")
    name: str
    drill: bool = Field(description="可以继续下钻")
    branches: int
    meetings_held: int
    by_kind: dict[str, dict[str, int]] = Field(
        description="每类会议：held 按期、due 临近、overdue 逾期的支部数"
    )


class OverviewOut(Schema):
    year: int
    on: date
    total: OverviewRowOut
    rows: list[OverviewRowOut]


class CadenceIn(Schema):
    months: int = Field(description="至少每几个月召开一次（只能比条例规定更频繁）")


class CadenceOut(Schema):
    organisation: str
    kind: str
    months: int


class RescheduleIn(Schema):
    starts_at: datetime
    ends_at: datetime
    reason: str = Field(default="", max_length=200, description="改期原因（必填）")
    place: str = Field(default="", description="新的地点类型；不填则地点不变")
    teaching_site: int | None = None
    address: str = Field(default="", max_length=200)
    online_url: str = Field(default="", max_length=200)


class CancelIn(Schema):
    reason: str = Field(default="", max_length=200, description="取消原因（必填）")


class PartyGroupIn(Schema):
    organisation: str = Field(description="党支部代码")
    name: str = Field(max_length=100, description="党小组名称")
    members: list[int] = Field(default_factory=list, description="成员（党员 id）")
    leader: int | None = Field(default=None, description="组长（党员 id，计入成员）")


class PartyGroupMembersIn(Schema):
    members: list[int] = Field(description="成员（党员 id）")
    leader: int | None = Field(default=None, description="组长（党员 id，计入成员）")


class PartyGroupMemberOut(Schema):
    id: int
    name: str


class PartyGroupOut(Schema):
    id: int
    organisation: str
    name: str
    leader: int | None
    leader_name: str
    members: list[PartyGroupMemberOut]


class PartyGroupListOut(Schema):
    items: list[PartyGroupOut]


class AttachmentOut(Schema):
    id: int
    name: str
    content_type: str
    size: int
    uploaded_at: datetime
    url: str = Field(description="下载地址（可阅读纪要的人）")


class AttachmentListOut(Schema):
    items: list[AttachmentOut]

"""Branch life (组织生活): meetings of the 三会一课 and the other kinds, who is asked
to come, leave, check-in (by code, 代签, 补签, online), 补学, 送学上门, minutes with
their revisions, resolutions, the cadence an organisation keeps and the filed
ledger (台账) of a branch's year.

Every figure of the ledger and the overview is read from these records; nothing is
typed in twice (最多报一次).
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models


def new_checkin_secret() -> str:
    return secrets.token_hex(20)


class MeetingKind(models.TextChoices):
    GENERAL = "general", "党员大会"
    COMMITTEE = "committee", "支委会"
    GROUP = "group", "党小组会"
    LECTURE = "lecture", "党课"
    THEME_DAY = "theme_day", "主题党日"
    LIFE = "life", "组织生活会"
    APPRAISAL = "appraisal", "民主评议党员"


# 《中国共产党支部工作条例（试行）》: at most this many months between two meetings of
# a kind (党员大会 and 党课 quarterly, 支委会, 党小组会 and 主题党日 monthly,
# 组织生活会 and 民主评议党员 yearly). An organisation may tighten, never loosen.
CADENCE_MONTHS: dict[str, int] = {
    MeetingKind.GENERAL: 3,
    MeetingKind.COMMITTEE: 1,
    MeetingKind.GROUP: 1,
    MeetingKind.LECTURE: 3,
    MeetingKind.THEME_DAY: 1,
    MeetingKind.LIFE: 12,
    MeetingKind.APPRAISAL: 12,
}

# Kinds whose absentees may make up by watching the recording or a lesson (补学).
MAKEUP_KINDS = (MeetingKind.LECTURE, MeetingKind.THEME_DAY)


class MeetingCadence(models.Model):
    """An organisation's own, tighter cadence for a kind of meeting; it holds for
    the organisation and every one below it."""

    organisation = models.ForeignKey(
        "learning.Organisation",
        verbose_name="党组织",
        on_delete=models.CASCADE,
        related_name="meeting_cadences",
    )
    kind = models.CharField("会议类型", max_length=16, choices=MeetingKind.choices)
    months = models.PositiveSmallIntegerField(
        "至少每几个月一次",
        validators=[MinValueValidator(1), MaxValueValidator(12)],
    )

    class Meta:
        verbose_name = "组织生活频次"
        verbose_name_plural = "组织生活频次"
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "kind"], name="unique_meeting_cadence"
            )
        ]


class PartyGroup(models.Model):
    """党小组: a group of a branch's members with a leader (组长); its 党小组会 ask
    the group's members. A group is not a node of the organisation tree: its
    members stay members of the branch."""

    organisation = models.ForeignKey(
        "learning.Organisation",
        verbose_name="所属党支部",
        on_delete=models.CASCADE,
        related_name="party_groups",
    )
    name = models.CharField("党小组名称", max_length=100)
    leader = models.ForeignKey(
        "learning.Member",
        verbose_name="党小组组长",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="party_groups_led",
    )
    members = models.ManyToManyField(
        "learning.Member",
        verbose_name="党小组成员",
        related_name="party_groups",
        blank=True,
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "党小组"
        verbose_name_plural = "党小组"
        ordering = ["organisation", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "name"], name="unique_party_group_name"
            )
        ]

    def __str__(self) -> str:
        return self.name


class Meeting(models.Model):
    """A meeting of an organisation (a branch, or any organisation of the tree)."""

    class Place(models.TextChoices):
        SITE = "site", "教学点"
        ADDRESS = "address", "地址"
        ONLINE = "online", "线上"

    organisation = models.ForeignKey(
        "learning.Organisation",
        verbose_name="党组织",
        on_delete=models.PROTECT,
        related_name="meetings",
    )
    kind = models.CharField("会议类型", max_length=16, choices=MeetingKind.choices)
    theme = models.CharField("主题", max_length=200)
    agenda = models.TextField("议程", blank=True)
    starts_at = models.DateTimeField("开始时间", db_index=True)
    ends_at = models.DateTimeField("结束时间")
    place = models.CharField("地点类型", max_length=16, choices=Place.choices)
    teaching_site = models.ForeignKey(
        "cms.TeachingSitePage",
        verbose_name="教学点",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="meetings",
    )
    address = models.CharField("地址", max_length=200, blank=True)
    online_url = models.URLField("线上会议链接", blank=True)
    host = models.ForeignKey(
        "learning.Member",
        verbose_name="主持人",
        on_delete=models.PROTECT,
        related_name="meetings_hosted",
    )
    recorder = models.ForeignKey(
        "learning.Member",
        verbose_name="记录人",
        on_delete=models.PROTECT,
        related_name="meetings_recorded",
    )
    makeup_lesson = models.ForeignKey(
        "wagtailcore.Page",
        verbose_name="补学课程（录像或指定微党课）",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    makeup_days = models.PositiveSmallIntegerField("补学期限（天）", default=30)
    checkin_secret = models.CharField(
        max_length=64, default=new_checkin_secret, editable=False
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="安排人",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField("安排时间", auto_now_add=True)
    party_group = models.ForeignKey(
        PartyGroup,
        verbose_name="党小组",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="meetings",
    )
    # 改期: the time first announced stays; the reason of the last move is kept.
    original_starts_at = models.DateTimeField("原定开始时间", null=True, blank=True)
    rescheduled_at = models.DateTimeField("改期时间", null=True, blank=True)
    reschedule_reason = models.CharField("改期原因", max_length=200, blank=True)
    cancelled_at = models.DateTimeField("取消时间", null=True, blank=True)
    cancel_reason = models.CharField("取消原因", max_length=200, blank=True)

    class Meta:
        verbose_name = "组织生活会议"
        verbose_name_plural = "组织生活会议"
        ordering = ["starts_at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}：{self.theme}"


class Attendee(models.Model):
    """A person asked to a meeting (应到), and how the meeting went for them."""

    class Attendance(models.TextChoices):
        NONE = "", "未到"
        CODE = "code", "签到"
        ONLINE = "online", "线上参加"
        PROXY = "proxy", "代签"
        LATE_ENTRY = "late_entry", "补签"
        HOME_VISIT = "home_visit", "送学上门"
        MAKEUP = "makeup", "补学"

    class Leave(models.TextChoices):
        NONE = "", "无"
        REQUESTED = "requested", "待审批"
        APPROVED = "approved", "已准假"
        REFUSED = "refused", "未准假"

    meeting = models.ForeignKey(
        Meeting, on_delete=models.CASCADE, related_name="attendees"
    )
    member = models.ForeignKey(
        "learning.Member",
        verbose_name="党员",
        on_delete=models.CASCADE,
        related_name="meeting_invitations",
    )
    guest = models.BooleanField(
        "列席", default=False, help_text="应邀列席，不计入应到人数"
    )
    attendance = models.CharField(
        "出席", max_length=16, choices=Attendance.choices, blank=True, default=""
    )
    attended_at = models.DateTimeField("签到时间", null=True, blank=True)
    attendance_reason = models.CharField("代签/补签理由", max_length=200, blank=True)
    attendance_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="登记人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    leave = models.CharField(
        "请假", max_length=16, choices=Leave.choices, blank=True, default=""
    )
    leave_reason = models.CharField("请假事由", max_length=200, blank=True)
    leave_asked_at = models.DateTimeField("请假时间", null=True, blank=True)
    leave_decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="审批人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    leave_decided_at = models.DateTimeField("审批时间", null=True, blank=True)

    class Meta:
        verbose_name = "参会人员"
        verbose_name_plural = "参会人员"
        ordering = ["meeting", "member__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "member"], name="unique_meeting_attendee"
            )
        ]


class HomeVisit(models.Model):
    """送学上门: a secretary took the meeting to a member who could not come."""

    attendee = models.OneToOneField(
        Attendee, on_delete=models.CASCADE, related_name="home_visit"
    )
    visited_on = models.DateField("送学日期")
    visitors = models.CharField("送学人", max_length=200)
    content = models.TextField("送学内容")
    member_words = models.TextField("党员本人意见", blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="登记人",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    recorded_at = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        verbose_name = "送学上门"
        verbose_name_plural = "送学上门"


class MinutesRevision(models.Model):
    """纪要: each save is a new revision; the one filed with the ledger is kept."""

    meeting = models.ForeignKey(
        Meeting, on_delete=models.CASCADE, related_name="minutes_revisions"
    )
    number = models.PositiveIntegerField("版本")
    text = models.TextField("纪要")
    note = models.CharField("修订说明", max_length=200, blank=True)
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="记录人",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    written_at = models.DateTimeField("记录时间")
    filed = models.BooleanField("已归档", default=False)

    class Meta:
        verbose_name = "会议纪要"
        verbose_name_plural = "会议纪要"
        ordering = ["meeting", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "number"], name="unique_minutes_revision"
            )
        ]


class Resolution(models.Model):
    """决议: what the meeting decided, who carries it out and by when."""

    meeting = models.ForeignKey(
        Meeting, on_delete=models.CASCADE, related_name="resolutions"
    )
    text = models.TextField("决议事项")
    owner = models.ForeignKey(
        "learning.Member",
        verbose_name="责任人",
        on_delete=models.PROTECT,
        related_name="meeting_resolutions",
    )
    due_on = models.DateField("完成期限")
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        verbose_name = "会议决议"
        verbose_name_plural = "会议决议"
        ordering = ["meeting", "pk"]


def attachment_upload_to(instance: MinutesAttachment, filename: str) -> str:
    # A server-made name: the uploader's file name is kept in ``name`` only.
    return f"meetings/attachments/{instance.meeting_id}/{secrets.token_hex(12)}"


class MinutesAttachment(models.Model):
    """A file attached to a meeting's minutes (PDF, image or DOCX); optional,
    never required. Stored through Django's storage, served only through a
    permission-checked view."""

    meeting = models.ForeignKey(
        Meeting, on_delete=models.CASCADE, related_name="attachments"
    )
    file = models.FileField("文件", upload_to=attachment_upload_to, max_length=200)
    name = models.CharField("文件名", max_length=200)
    content_type = models.CharField("文件类型", max_length=100)
    size = models.PositiveBigIntegerField("大小（字节）")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="上传人",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    uploaded_at = models.DateTimeField("上传时间", auto_now_add=True)

    class Meta:
        verbose_name = "纪要附件"
        verbose_name_plural = "纪要附件"
        ordering = ["meeting", "pk"]

    def __str__(self) -> str:
        return self.name


class LedgerFiling(models.Model):
    """归档: a branch's ledger of a year, filed; its minutes are frozen as filed."""

    organisation = models.ForeignKey(
        "learning.Organisation",
        verbose_name="党组织",
        on_delete=models.PROTECT,
        related_name="meeting_ledgers",
    )
    year = models.PositiveSmallIntegerField("年度")
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="归档人",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    filed_at = models.DateTimeField("归档时间")

    class Meta:
        verbose_name = "台账归档"
        verbose_name_plural = "台账归档"
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "year"], name="unique_ledger_filing"
            )
        ]

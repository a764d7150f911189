"""直播党课: the app's records.

A ``LiveLecture`` is scheduled by an editor for an audience (an organisation subtree
and member types); the lecturer streams to nginx-rtmp with the lecture's stream key,
nginx asks the platform (``broadcasts.services.publish_authorise``), the platform
marks the lecture live and ended. ``LivePresence`` counts the seconds a member was
present while it was live, and where (their phone or a viewing room), one place at a
time.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from cms.fields import MemberTypesField


def new_stream_key() -> str:
    """A fresh stream key: 32 hex characters (safe in a URL and as nginx's stream
    name, which becomes the HLS directory's name)."""
    return secrets.token_hex(16)


class LiveLecture(models.Model):
    """直播党课: one scheduled live lecture."""

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", "未开始"
        LIVE = "live", "直播中"
        ENDED = "ended", "已结束"
        CANCELLED = "cancelled", "已取消"

    title = models.CharField("标题", max_length=200)
    description = models.TextField("简介", blank=True)
    lecturer = models.ForeignKey(
        "cms.Lecturer",
        verbose_name="主讲人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="live_lectures",
    )
    # The audience: members of this organisation and every one below it, of these
    # member types (none chosen: all types).
    organisation = models.ForeignKey(
        "learning.Organisation",
        verbose_name="面向党组织（含下级）",
        on_delete=models.PROTECT,
        related_name="live_lectures",
    )
    member_types = MemberTypesField("党员类别", help_text="不选表示全体党员")
    starts_at = models.DateTimeField("开始时间", db_index=True)
    expected_minutes = models.PositiveSmallIntegerField(
        "预计时长（分钟）",
        default=60,
        validators=[MinValueValidator(5), MaxValueValidator(600)],
    )
    status = models.CharField(
        "状态",
        max_length=16,
        choices=Status.choices,
        default=Status.SCHEDULED,
        db_index=True,
    )
    went_live_at = models.DateTimeField("开播时间", null=True, blank=True)
    ended_at = models.DateTimeField("结束时间", null=True, blank=True)
    cancelled_at = models.DateTimeField("取消时间", null=True, blank=True)
    # The stream key (推流密钥): a random secret, shown to editors for OBS;
    # rotating issues a new one, revoking refuses every publish until rotated.
    stream_key = models.CharField(
        "推流密钥", max_length=64, default=new_stream_key, unique=True, editable=False
    )
    stream_key_issued_at = models.DateTimeField("密钥签发时间", auto_now_add=True)
    stream_key_revoked_at = models.DateTimeField("密钥吊销时间", null=True, blank=True)
    # The stream name nginx published under (the key at the time): the HLS
    # directory's name, kept when the key is rotated afterwards.
    published_stream = models.CharField(max_length=64, blank=True, editable=False)
    # The accepted publisher (nginx's client id), so a refused second publisher's
    # callbacks cannot end the lecture.
    publisher_client = models.CharField(max_length=64, blank=True, editable=False)
    attendance_percent = models.PositiveSmallIntegerField(
        "出席门槛（直播时长的百分比）",
        default=60,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
    )
    meeting = models.ForeignKey(
        "meetings.Meeting",
        verbose_name="对应的组织生活会议",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="live_lectures",
    )
    recording_lesson = models.ForeignKey(
        "cms.MicroLessonPage",
        verbose_name="回放（微党课）",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="live_lectures",
    )
    recording_asset = models.ForeignKey(
        "media_pipeline.VideoAsset",
        verbose_name="录像",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="live_lectures",
    )
    reminded_at = models.DateTimeField("提醒发送时间", null=True, blank=True)
    settled_at = models.DateTimeField("出席结算时间", null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="安排人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "直播党课"
        verbose_name_plural = "直播党课"
        ordering = ["-starts_at", "-pk"]

    def __str__(self) -> str:
        return self.title


class LivePresence(models.Model):
    """A member's presence at a live lecture: seconds counted while it was live,
    first and last seen, the place they are at (``phone`` or ``room:<id>``) and
    whether attendance was granted."""

    PHONE = "phone"

    member = models.ForeignKey(
        "learning.Member",
        verbose_name="党员",
        on_delete=models.CASCADE,
        related_name="live_presences",
    )
    lecture = models.ForeignKey(
        LiveLecture,
        verbose_name="直播党课",
        on_delete=models.CASCADE,
        related_name="presences",
    )
    seconds_present = models.PositiveIntegerField("在线秒数", default=0)
    first_seen = models.DateTimeField("首次在线")
    last_seen = models.DateTimeField("最后在线")
    place = models.CharField(
        "收看地点", max_length=40, default=PHONE, help_text="phone 或 room:<id>"
    )
    attended = models.BooleanField("已计出席", default=False)
    attended_at = models.DateTimeField("计出席时间", null=True, blank=True)

    class Meta:
        verbose_name = "直播在线记录"
        verbose_name_plural = "直播在线记录"
        ordering = ["lecture", "first_seen"]
        constraints = [
            models.UniqueConstraint(
                fields=["member", "lecture"], name="unique_live_presence"
            )
        ]

    def __str__(self) -> str:
        return f"{self.member} @ {self.lecture}"

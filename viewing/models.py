"""集中收看: the app's records — viewing rooms (a community centre's screen room),
the screens bound to them, a room's showing of a live lecture (its beats) and who
checked in where."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone

from learning.models import Member, Organisation


def new_checkin_secret() -> str:
    return secrets.token_hex(20)


class ViewingRoom(models.Model):
    """收看点: a room with a screen where members watch a live lecture together
    (a community centre, a branch's activity room)."""

    name = models.CharField("收看点名称", max_length=120)
    organisation = models.ForeignKey(
        Organisation,
        verbose_name="所属党组织",
        on_delete=models.PROTECT,
        related_name="+",
        help_text="收看点所在的党组织；其书记（组织管理员）确认屏幕",
    )
    address = models.CharField("地址", max_length=200, blank=True)
    checkin_secret = models.CharField(
        max_length=64, default=new_checkin_secret, editable=False
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField("登记时间", default=timezone.now)

    class Meta:
        verbose_name = "集中收看点"
        verbose_name_plural = "集中收看点"
        ordering = ["organisation__path", "name"]

    def __str__(self) -> str:
        return self.name


class RoomScreen(models.Model):
    """A screen (a hall PC, a smart TV's browser): pending while it shows a device
    code, confirmed once the room's secretary entered the code (it then holds a
    device token in a cookie), revoked when the secretary says so."""

    room = models.ForeignKey(
        ViewingRoom,
        verbose_name="收看点",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="screens",
    )
    device_code = models.CharField("设备码", max_length=8, db_index=True)
    # sha256 of the secret in the screen's cookie: the pairing secret until the
    # token is issued, then the device token's.
    secret_hash = models.CharField(max_length=64, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField("设备码有效期至")
    confirmed_at = models.DateTimeField("确认时间", null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="确认人",
    )
    token_issued_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField("停用时间", null=True, blank=True)
    last_seen_at = models.DateTimeField("最近在线", null=True, blank=True)

    class Meta:
        verbose_name = "收看屏幕"
        verbose_name_plural = "收看屏幕"

    def __str__(self) -> str:
        return f"屏幕 {self.pk}（{self.room or '未绑定'}）"


class RoomShowing(models.Model):
    """A room's showing of one live lecture: the screen's beats, the room's clock
    (the seconds since the last beat are what the next beat credits)."""

    room = models.ForeignKey(
        ViewingRoom, on_delete=models.CASCADE, related_name="showings"
    )
    lecture = models.ForeignKey(
        "broadcasts.LiveLecture", on_delete=models.CASCADE, related_name="+"
    )
    first_beat_at = models.DateTimeField()
    last_beat_at = models.DateTimeField()
    beats = models.PositiveIntegerField(default=0)
    seconds = models.PositiveIntegerField("收看秒数", default=0)

    class Meta:
        verbose_name = "收看场次"
        constraints = [
            models.UniqueConstraint(
                fields=["room", "lecture"], name="viewing_showing_once"
            )
        ]


class RoomCheckin(models.Model):
    """A member checked in at a room for a lecture, and the seconds the room's
    beats credited them."""

    room = models.ForeignKey(
        ViewingRoom, on_delete=models.CASCADE, related_name="checkins"
    )
    lecture = models.ForeignKey(
        "broadcasts.LiveLecture", on_delete=models.CASCADE, related_name="+"
    )
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="+")
    checked_in_at = models.DateTimeField("签到时间")
    credited_until = models.DateTimeField(null=True, blank=True)
    left_at = models.DateTimeField("签退时间", null=True, blank=True)
    credited_seconds = models.PositiveIntegerField("计入秒数", default=0)

    class Meta:
        verbose_name = "收看签到"
        constraints = [
            models.UniqueConstraint(
                fields=["room", "lecture", "member"], name="viewing_checkin_once"
            )
        ]
        indexes = [models.Index(fields=["lecture", "member"])]

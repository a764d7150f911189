"""心得体会: the app's records.

A reflection is a member's optional writing after something they took part in (a
live lecture, a lesson, a training class, a meeting), named by a ``(kind,
target_id)`` pair. It is kept with the author's organisation at the time, so the
secretaries of that organisation and of every level above read it, reply, and mark
some 优秀 to share within an organisation of theirs (``shared_in``). It is never
required for any credit: nothing in learning, meetings or training reads it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

TEXT_MAX = 5000  # characters of a reflection (a clear 400 ``text_too_long`` past it)
REPLY_MAX = 2000


class Reflection(models.Model):
    class Kind(models.TextChoices):
        LECTURE = "lecture", "直播党课"
        LESSON = "lesson", "微党课"
        TRAINING_CLASS = "class", "培训班"
        MEETING = "meeting", "组织生活"

    author = models.ForeignKey(
        "learning.Member",
        verbose_name="作者",
        on_delete=models.CASCADE,
        related_name="reflections",
    )
    # The author's organisation when they wrote: whose secretaries read it.
    organisation = models.ForeignKey(
        "learning.Organisation",
        verbose_name="所在党组织",
        on_delete=models.PROTECT,
        related_name="reflections",
    )
    kind = models.CharField("对象类型", max_length=16, choices=Kind.choices)
    target_id = models.PositiveIntegerField("对象编号")
    target_title = models.CharField("学习内容", max_length=255)
    text = models.TextField("心得体会", max_length=TEXT_MAX)
    show_name = models.BooleanField(
        "分享时署名",
        default=False,
        help_text="被评为优秀并分享时，是否显示作者姓名（否则不署名）",
    )
    reply = models.TextField("书记回复", max_length=REPLY_MAX, blank=True)
    replied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="回复人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    replied_at = models.DateTimeField("回复时间", null=True, blank=True)
    excellent = models.BooleanField("优秀", default=False, db_index=True)
    # The organisation whose members see it once marked 优秀 (the author's or one
    # above it that the marker administers).
    shared_in = models.ForeignKey(
        "learning.Organisation",
        verbose_name="分享范围",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="评定人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    marked_at = models.DateTimeField("评为优秀时间", null=True, blank=True)
    created_at = models.DateTimeField("提交时间", auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "心得体会"
        verbose_name_plural = "心得体会"
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["author", "kind", "target_id"],
                name="unique_reflection_per_target",
            )
        ]

    def __str__(self) -> str:
        return f"{self.target_title}：{self.text[:30]}"

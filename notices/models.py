"""In-portal notices (通知) to accounts, and their reminders, which the worker
sends through the configured senders (e-mail by default). This app imports no
other app: callers hand it accounts, texts and links."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Notice(models.Model):
    """A notice to one account: shown in the portal; reminded once at
    ``remind_at`` through every sender (``notices.senders``)."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="接收人",
        on_delete=models.CASCADE,
        related_name="notices",
    )
    # What the notice is about, e.g. "meetings.meeting:12": one notice per
    # recipient and topic, so sending again updates instead of repeating.
    topic = models.CharField("事项", max_length=100)
    title = models.CharField("标题", max_length=200)
    body = models.TextField("内容", blank=True)
    link = models.CharField("链接", max_length=300, blank=True)
    created_at = models.DateTimeField("通知时间")
    read_at = models.DateTimeField("阅读时间", null=True, blank=True)
    remind_at = models.DateTimeField("提醒时间", null=True, blank=True, db_index=True)
    reminded_at = models.DateTimeField("已提醒", null=True, blank=True)
    remind_error = models.CharField("提醒失败原因", max_length=300, blank=True)
    remind_tries = models.PositiveSmallIntegerField("提醒尝试次数", default=0)

    class Meta:
        verbose_name = "通知"
        verbose_name_plural = "通知"
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "topic"], name="unique_notice_topic"
            )
        ]

    def __str__(self) -> str:
        return self.title

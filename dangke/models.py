"""The audit log: who exported or imported member data, with what scope, how much."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class AuditEntry(models.Model):
    """One export or import of member data. Written by ``dangke.audit.audit_record``
    only; never changed afterwards (the admin shows it read-only)."""

    class Action(models.TextChoices):
        EXPORT = "export", "导出"
        IMPORT = "import", "导入"

    class Channel(models.TextChoices):
        ADMIN = "admin", "管理后台"
        API = "api", "API"
        COMMAND = "command", "命令行"

    at = models.DateTimeField("时间", default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="操作人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Kept when the account is deleted; "命令行" for a command run on the server.
    actor_name = models.CharField("操作人账号", max_length=150)
    action = models.CharField("操作", max_length=10, choices=Action.choices)
    subject = models.CharField(
        "数据", max_length=100, help_text="what was exported or imported"
    )
    channel = models.CharField("途径", max_length=10, choices=Channel.choices)
    scope = models.JSONField(
        "范围", default=dict, help_text="organisation subtree and filters"
    )
    row_count = models.PositiveIntegerField("行数")
    request_id = models.CharField("请求编号", max_length=64, blank=True)

    class Meta:
        verbose_name = "审计日志"
        verbose_name_plural = "审计日志"
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return (
            f"{self.at:%Y-%m-%d %H:%M} {self.actor_name} {self.action} {self.subject}"
        )

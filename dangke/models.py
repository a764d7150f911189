"""The audit log (who exported or imported member data, with what scope, how much)
and the import jobs the worker runs."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone


class AuditEntry(models.Model):
    """One export or import of member data. Written by ``dangke.audit.audit_record``
    only; never changed afterwards (the admin shows it read-only)."""

    class Action(models.TextChoices):
        EXPORT = "export", "导出"
        IMPORT = "import", "导入"
        RECORD = "record", "代为登记"  # 代签/补签 of branch meetings
        REVOKE = "revoke", "撤销"  # a 结业证书 revoked, with its reason

    class Channel(models.TextChoices):
        ADMIN = "admin", "管理后台"
        API = "api", "API"
        COMMAND = "command", "命令行"
        PORTAL = "portal", "党员门户"

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


def _import_upload_path(job: ImportJob, filename: str) -> str:
    # Server-chosen names: the original name is kept in ``file_name`` only.
    suffix = filename.rsplit(".", 1)[-1].lower()[:10] if "." in filename else "bin"
    return f"imports/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.{suffix}"


class ImportJob(models.Model):
    """One uploaded file being imported by the worker (questions, organisations or
    members): its progress, and at the end its counts or its errors. Written by
    ``dangke.import_jobs`` only; the app that owns ``kind`` does the importing."""

    class Status(models.TextChoices):
        PENDING = "pending", "排队中"
        RUNNING = "running", "导入中"
        DONE = "done", "已完成"
        FAILED = "failed", "未导入"

    kind = models.CharField("导入内容", max_length=32)
    file = models.FileField("文件", upload_to=_import_upload_path, max_length=200)
    file_name = models.CharField("文件名", max_length=255)
    options = models.JSONField("选项", default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="导入人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    status = models.CharField(
        "状态", max_length=10, choices=Status.choices, default=Status.PENDING
    )
    stage = models.CharField("阶段", max_length=40, blank=True)
    progress = models.PositiveSmallIntegerField("进度（%）", default=0)
    row_count = models.PositiveIntegerField("行数", default=0)
    created_count = models.PositiveIntegerField("新增", default=0)
    updated_count = models.PositiveIntegerField("更新", default=0)
    unchanged_count = models.PositiveIntegerField("未变", default=0)
    detail = models.TextField("结果", blank=True)
    error_code = models.CharField("错误代码", max_length=64, blank=True)
    # The first IMPORT_MAX_LISTED_ERRORS bad rows as [row, message]; the rest counted.
    errors = models.JSONField("错误", default=list, blank=True)
    error_count = models.PositiveIntegerField("错误行数", default=0)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField("上传时间", auto_now_add=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)

    class Meta:
        verbose_name = "导入任务"
        verbose_name_plural = "导入任务"
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.file_name}（{self.get_status_display()} {self.progress}%）"

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)

    @property
    def more_errors(self) -> int:
        """Bad rows counted but not listed."""
        return max(0, self.error_count - len(self.errors))

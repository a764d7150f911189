import uuid

from django.conf import settings
from django.db import models


def original_upload_key(instance: "VideoAsset", filename: str) -> str:
    # Never derive a storage key from the uploader's file name: it may carry
    # "../", NUL, right-to-left marks or a leading "-". The name is kept in
    # ``original_filename`` for display only.
    return f"originals/{uuid.uuid4().hex}"


class VideoAsset(models.Model):
    """An uploaded video or audio original and its processing state."""

    class Status(models.TextChoices):
        UPLOADED = "uploaded", "已上传"
        PROBING = "probing", "检测中"
        PROBED = "probed", "已检测"
        TRANSCODING = "transcoding", "转码中"
        READY = "ready", "可播放"
        FAILED = "failed", "失败"

    title = models.CharField("标题", max_length=255)
    file = models.FileField(
        "原始文件",
        upload_to=original_upload_key,
        max_length=255,
        help_text="上传的原始视频或音频文件（MP4、MOV、MKV、WebM、MP3、M4A 等）",
    )
    original_filename = models.CharField("原文件名", max_length=255, blank=True)
    checksum = models.CharField(
        "SHA-256 校验和", max_length=64, blank=True, editable=False
    )
    size = models.BigIntegerField("大小（字节）", default=0, editable=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="上传者",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="video_assets",
        editable=False,
    )
    status = models.CharField(
        "状态",
        max_length=16,
        choices=Status.choices,
        default=Status.UPLOADED,
        editable=False,
        db_index=True,
    )
    error = models.TextField("错误原因", blank=True, editable=False)
    duration = models.FloatField("时长（秒）", null=True, blank=True, editable=False)
    created_at = models.DateTimeField("上传时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "视频素材"
        verbose_name_plural = "视频素材"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title

    @property
    def is_ready(self) -> bool:
        return self.status == self.Status.READY

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
    progress = models.PositiveSmallIntegerField(
        "转码进度（%）", default=0, editable=False
    )
    media_info = models.JSONField(
        "检测结果",
        default=dict,
        blank=True,
        editable=False,
        help_text="ffprobe 检测到的格式与音视频流",
    )
    width = models.PositiveIntegerField("宽", null=True, blank=True, editable=False)
    height = models.PositiveIntegerField("高", null=True, blank=True, editable=False)
    rotation = models.SmallIntegerField("旋转（度）", default=0, editable=False)
    projection = models.CharField(
        "全景投影",
        max_length=32,
        blank=True,
        editable=False,
        help_text="360° 视频的投影方式（如 equirectangular），普通视频为空",
    )
    published_version = models.PositiveIntegerField(
        "已发布版本", null=True, blank=True, editable=False
    )
    last_version = models.PositiveIntegerField(
        "最近处理版本", default=0, editable=False
    )
    attempts = models.PositiveSmallIntegerField(
        "处理尝试次数", default=0, editable=False
    )
    lease_token = models.CharField(max_length=32, blank=True, editable=False)
    lease_expires_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField("上传时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "视频素材"
        verbose_name_plural = "视频素材"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        # The title only: the string names the video in page titles, breadcrumbs
        # and messages. The state is shown beside it where it matters (the
        # listing's column, the lesson editor's video panel).
        return self.title

    @property
    def state_label(self) -> str:
        if self.status == self.Status.TRANSCODING:
            return f"{self.get_status_display()} {self.progress}%"
        return self.get_status_display()

    @property
    def is_playable(self) -> bool:
        """For templates: ``media_pipeline.selectors.video_asset_is_playable``."""
        from media_pipeline.selectors import video_asset_is_playable

        return video_asset_is_playable(asset=self)

    @property
    def is_audio_only(self) -> bool:
        return not self.media_info.get("video")

    def version_prefix(self, version: int) -> str:
        return f"assets/{self.pk}/{version}/"


class Rendition(models.Model):
    """One variant of the published HLS ladder (a video rung or the audio-only one)."""

    class Kind(models.TextChoices):
        VIDEO = "video", "视频"
        AUDIO = "audio", "仅音频"

    asset = models.ForeignKey(
        VideoAsset,
        verbose_name="视频素材",
        on_delete=models.CASCADE,
        related_name="renditions",
    )
    version = models.PositiveIntegerField("版本")
    name = models.CharField("档位", max_length=16)
    kind = models.CharField("类型", max_length=8, choices=Kind.choices)
    width = models.PositiveIntegerField("宽", null=True, blank=True)
    height = models.PositiveIntegerField("高", null=True, blank=True)
    bandwidth = models.PositiveIntegerField("码率（bit/s）")
    codecs = models.CharField("编码", max_length=64)
    playlist = models.CharField("播放列表", max_length=255)
    size = models.BigIntegerField("大小（字节）", default=0)

    class Meta:
        verbose_name = "转码档位"
        verbose_name_plural = "转码档位"
        ordering = ["asset", "kind", "-bandwidth"]
        constraints = [
            models.UniqueConstraint(
                fields=["asset", "version", "name"], name="unique_rendition_name"
            )
        ]

    def __str__(self) -> str:
        return f"{self.asset_id} v{self.version} {self.name}"


class Subtitle(models.Model):
    """A subtitle track (WebVTT; SRT uploads are converted) attached to an asset."""

    asset = models.ForeignKey(
        VideoAsset,
        verbose_name="视频素材",
        on_delete=models.CASCADE,
        related_name="subtitles",
    )
    language = models.CharField("语言", max_length=16, default="zh-hans")
    label = models.CharField("名称", max_length=64, default="简体中文")
    content = models.TextField("WebVTT 内容", editable=False)
    created_at = models.DateTimeField("添加时间", auto_now_add=True)

    class Meta:
        verbose_name = "字幕"
        verbose_name_plural = "字幕"
        ordering = ["asset", "language", "pk"]

    def __str__(self) -> str:
        return f"{self.asset.title} · {self.label}"


class TusUpload(models.Model):
    """A resumable (tus 1.0) upload in progress; its bytes sit under MEDIA_UPLOAD_DIR."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="上传者",
        on_delete=models.CASCADE,
        related_name="tus_uploads",
    )
    length = models.BigIntegerField("总大小（字节）")
    offset = models.BigIntegerField("已接收（字节）", default=0)
    filename = models.CharField("原文件名", max_length=255, blank=True)
    title = models.CharField("标题", max_length=255, blank=True)
    expires_at = models.DateTimeField("过期时间")
    asset = models.ForeignKey(
        VideoAsset,
        verbose_name="视频素材",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField("开始时间", auto_now_add=True)

    class Meta:
        verbose_name = "断点续传上传"
        verbose_name_plural = "断点续传上传"

    def __str__(self) -> str:
        return f"{self.filename or self.pk} ({self.offset}/{self.length})"

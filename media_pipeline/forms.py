from django import forms
from django.core.exceptions import ValidationError
from django.db import transaction
from wagtail.admin.forms import WagtailAdminModelForm

from media_pipeline.models import Subtitle, VideoAsset
from media_pipeline.services import (
    subtitle_to_webvtt,
    video_asset_enqueue,
    video_asset_fill_from_upload,
)


class VideoAssetAdminForm(WagtailAdminModelForm):
    """The admin's plain upload form: records checksum, size, name and uploader, and
    queues processing of a new or replaced original once saved."""

    def save(self, commit=True):
        asset = super().save(commit=False)
        upload = self.cleaned_data.get("file")
        new_original = "file" in self.changed_data and upload is not None
        if new_original:
            video_asset_fill_from_upload(asset=asset, upload=upload)
            asset.status = VideoAsset.Status.UPLOADED
            asset.error = ""
            asset.progress = 0
            asset.attempts = 0
        if asset.uploaded_by_id is None and getattr(self, "for_user", None):
            asset.uploaded_by = self.for_user
        if commit:
            with transaction.atomic():
                asset.save()
                if new_original:
                    video_asset_enqueue(asset_id=asset.pk)
        return asset

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if upload is not None and getattr(upload, "size", 1) == 0:
            raise ValidationError("上传的文件为空，请选择有内容的视频或音频文件。")
        return upload


class SubtitleAdminForm(WagtailAdminModelForm):
    """Upload a WebVTT or SRT file; SRT is converted to WebVTT."""

    subtitle_file = forms.FileField(
        label="字幕文件",
        help_text="WebVTT（.vtt）或 SRT（.srt），UTF-8 编码",
        required=False,
    )

    def clean_asset(self):
        asset = self.cleaned_data.get("asset")
        user = getattr(self, "for_user", None)
        if (
            asset is not None
            and user is not None
            and asset.uploaded_by_id != user.pk
            and not user.has_perm("media_pipeline.change_videoasset")
        ):
            raise ValidationError("只能为自己上传的视频添加字幕。")
        return asset

    def clean_subtitle_file(self):
        upload = self.cleaned_data.get("subtitle_file")
        if upload is None:
            if not self.instance.pk:
                raise ValidationError("请选择字幕文件。")
            return None
        try:
            self.cleaned_data["webvtt"] = subtitle_to_webvtt(upload.read())
        except ValueError as exc:
            raise ValidationError(str(exc)) from None
        return upload

    def save(self, commit=True):
        subtitle: Subtitle = super().save(commit=False)
        if self.cleaned_data.get("webvtt"):
            subtitle.content = self.cleaned_data["webvtt"]
        if commit:
            subtitle.save()
        return subtitle

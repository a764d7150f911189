from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse
from wagtail.admin.forms import WagtailAdminModelForm

from media_pipeline.errors import BadSubtitle
from media_pipeline.models import Subtitle, VideoAsset
from media_pipeline.services import subtitle_to_webvtt, video_asset_replace_original


class OriginalFileInput(forms.ClearableFileInput):
    """The upload field names the file as it was uploaded (``original_filename``),
    not its storage key (``originals/<uuid>``), and links to nothing: originals are
    not served."""

    template_name = "media_pipeline/widgets/original_file_input.html"
    input_text = "更换文件"
    filename = ""

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["widget"]["filename"] = self.filename
        return context


TUS_ENDPOINT = "/api/v3/media/uploads/"
# A dropped connection costs at most one chunk; the server keeps every byte that
# arrived (a PATCH broken off answers 400 and the client asks with HEAD).
UPLOAD_CHUNK_SIZE = 8 * 1024 * 1024


class ResumableVideoInput(OriginalFileInput):
    """The file input of a new video: with script the file goes through the
    platform's tus endpoint (``upload.js`` with tus-js-client: progress, retries,
    resume after a reload) and the form then links the asset the upload created;
    without script it is posted with the form."""

    template_name = "media_pipeline/widgets/resumable_upload.html"

    class Media:
        js = [
            "themes/vendor/tus.min.js",
            forms.Script("media_pipeline/upload.js", type="module"),
        ]

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["widget"]["attrs"].update(
            {
                "data-tus-endpoint": TUS_ENDPOINT,
                "data-chunk-size": str(UPLOAD_CHUNK_SIZE),
                "data-asset-url": reverse(
                    "wagtailsnippets_media_pipeline_videoasset:edit", args=[0]
                ),
            }
        )
        return context


class VideoAssetAdminForm(WagtailAdminModelForm):
    """The admin's upload form: records the uploader, and hands a new or
    replaced original to ``video_asset_replace_original`` (checksum, size, name,
    processing queued once saved). A new video's file input uploads resumably
    (``ResumableVideoInput``); replacing an original posts the file."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "file" in self.fields:
            widget = OriginalFileInput() if self.instance.pk else ResumableVideoInput()
            widget.filename = self.instance.original_filename
            widget.is_required = self.fields["file"].widget.is_required
            self.fields["file"].widget = widget

    def save(self, commit: bool = True) -> VideoAsset:
        asset = super().save(commit=False)
        if asset.uploaded_by_id is None and getattr(self, "for_user", None):
            asset.uploaded_by = self.for_user
        if not commit:
            return asset
        upload = self.cleaned_data.get("file")
        if "file" in self.changed_data and upload is not None:
            return video_asset_replace_original(asset=asset, upload=upload)
        asset.save()
        return asset

    def clean_file(self) -> Any:
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

    def clean_asset(self) -> VideoAsset | None:
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

    def clean_subtitle_file(self) -> Any:
        upload = self.cleaned_data.get("subtitle_file")
        if upload is None:
            if not self.instance.pk:
                raise ValidationError("请选择字幕文件。")
            return None
        try:
            self.cleaned_data["webvtt"] = subtitle_to_webvtt(upload.read())
        except BadSubtitle as exc:
            raise ValidationError(exc.detail) from None
        return upload

    def save(self, commit: bool = True) -> Subtitle:
        subtitle: Subtitle = super().save(commit=False)
        if self.cleaned_data.get("webvtt"):
            subtitle.content = self.cleaned_data["webvtt"]
        if commit:
            subtitle.save()
        return subtitle

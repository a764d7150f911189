from wagtail.admin.forms import WagtailAdminModelForm

from media_pipeline.services import video_asset_fill_from_upload


class VideoAssetAdminForm(WagtailAdminModelForm):
    """The admin's plain upload form: records checksum, size, name and uploader."""

    def save(self, commit=True):
        asset = super().save(commit=False)
        upload = self.cleaned_data.get("file")
        if "file" in self.changed_data and upload is not None:
            video_asset_fill_from_upload(asset=asset, upload=upload)
        if asset.uploaded_by_id is None and getattr(self, "for_user", None):
            asset.uploaded_by = self.for_user
        if commit:
            asset.save()
        return asset

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if upload is not None and getattr(upload, "size", 1) == 0:
            from django.core.exceptions import ValidationError

            raise ValidationError("上传的文件为空，请选择有内容的视频或音频文件。")
        return upload

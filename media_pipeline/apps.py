from django.apps import AppConfig


class MediaPipelineConfig(AppConfig):
    name = "media_pipeline"
    verbose_name = "媒体处理"

    def ready(self):
        from wagtail.permission_policies.base import OwnershipPermissionPolicy
        from wagtail.permissions import register_permission_policy

        from media_pipeline.models import VideoAsset

        # Lecturers (with "add") edit what they uploaded; editors ("change") edit all.
        register_permission_policy(
            VideoAsset,
            OwnershipPermissionPolicy(VideoAsset, owner_field_name="uploaded_by"),
        )

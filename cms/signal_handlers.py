"""cms reacts to other apps' signals; handlers only call a service."""

from __future__ import annotations

from django.db.models.signals import pre_save

from cms import services
from cms.selectors import PAGE_MODELS_WITH_VIDEO
from media_pipeline.signals import video_asset_published


def video_published(sender, asset, **kwargs) -> None:
    """A lesson whose duration nobody entered takes its video's."""
    services.lesson_durations_fill(asset_id=asset.pk, duration=asset.duration)


def page_with_video_saving(sender, instance, update_fields=None, **kwargs) -> None:
    """A lesson saved with a playable video has its duration, whichever way it was
    saved (a partial save that leaves the duration out is left alone)."""
    if update_fields is None or "duration" in update_fields:
        services.lesson_duration_from_video(page=instance)


def connect() -> None:
    video_asset_published.connect(video_published, dispatch_uid="cms-video-published")
    for model in PAGE_MODELS_WITH_VIDEO:
        pre_save.connect(
            page_with_video_saving,
            sender=model,
            dispatch_uid=f"cms-duration-{model._meta.model_name}",
        )

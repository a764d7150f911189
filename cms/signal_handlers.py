"""cms reacts to other apps' signals; handlers only call a service."""

from __future__ import annotations

from cms import services
from media_pipeline.signals import video_asset_published


def video_published(sender, asset, **kwargs) -> None:
    """A lesson whose duration nobody entered takes its video's."""
    services.lesson_durations_fill(asset_id=asset.pk, duration=asset.duration)


def connect() -> None:
    video_asset_published.connect(video_published, dispatch_uid="cms-video-published")

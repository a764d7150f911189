"""Celery tasks (queue ``media``): take an id, re-fetch, call one service.

Every task may run more than once: acks are late (a killed worker's task is delivered
again), a lease stops two runs on one asset at once, and a finished asset is left
alone. The probe service queues the transcode itself once the asset is probed.
Transient failures retry with exponential backoff up to ``MEDIA_MAX_ATTEMPTS``
(counted on the asset, so redeliveries count too); bad input never retries.
"""

from __future__ import annotations

from typing import Any

from celery import Task, shared_task
from django.conf import settings

from media_pipeline import services
from media_pipeline.models import VideoAsset

TASK_OPTIONS: dict[str, Any] = {
    "bind": True,
    "acks_late": True,
    "reject_on_worker_lost": True,
}


def _retry_lease(task: Task, exc: services.LeaseHeld) -> None:
    if task.request.is_eager:
        return None  # another run in this process owns it; it will finish the job
    raise task.retry(countdown=exc.retry_after, max_retries=None)


@shared_task(**TASK_OPTIONS)
def video_asset_probe_task(self: Task, asset_id: int) -> str | None:
    try:
        return services.video_asset_probe(asset_id=asset_id).status
    except VideoAsset.DoesNotExist:
        return None
    except services.LeaseHeld as exc:
        return _retry_lease(self, exc)


@shared_task(**TASK_OPTIONS, max_retries=None)
def video_asset_transcode_task(self: Task, asset_id: int) -> str | None:
    try:
        return services.video_asset_transcode(asset_id=asset_id).status
    except VideoAsset.DoesNotExist:
        return None
    except services.LeaseHeld as exc:
        return _retry_lease(self, exc)
    except services.TransientProcessingError as exc:
        # The service counts attempts and marks the asset failed at the limit. The
        # backoff follows the asset's attempts, not this task's retries (waiting for
        # a lease is a retry too): at most MEDIA_RETRY_BACKOFF × 2^(attempts − 2),
        # which the settings keep below Redis's visibility timeout.
        countdown = settings.MEDIA_RETRY_BACKOFF * 2 ** max(0, exc.attempt - 1)
        raise self.retry(exc=exc, countdown=countdown) from exc


@shared_task(bind=True, acks_late=True)
def tus_uploads_purge_expired_task(self: Task) -> int:
    return services.tus_uploads_purge_expired()

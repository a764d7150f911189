"""Processing an asset's original: probe, transcode the HLS ladder, publish.

One run probes once: ``video_asset_probe`` runs ffprobe, stores what it found on the
asset (``media_info``, duration, size, rotation, projection) and queues the transcode
after commit; the transcode rebuilds the ``ProbeResult`` from what is stored instead
of probing again. A lease on the asset row keeps two runs apart; every step may run
twice. Publishing switches the asset's published version in one transaction and
sends ``video_asset_published`` once that transaction commits.

While ffmpeg encodes, the preview rung's finished segments are published to the run's
preview prefix (``services.preview``) for the uploader and editors; the preview is
removed when the run publishes or fails. A storage failure (local disk or S3) is a
transient failure like a failed ffmpeg: the run's partial output is removed where the
store allows, and whatever is left the next run removes before it starts.
"""

from __future__ import annotations

import datetime
import logging
import secrets
import shutil
import tempfile
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from media_pipeline import storage as media_storage
from media_pipeline.errors import LeaseHeld, TransientProcessingError
from media_pipeline.models import Rendition, VideoAsset
from media_pipeline.probe import BadMediaError, ProbeResult, probe_file
from media_pipeline.reasons import failure_reason
from media_pipeline.services.preview import PreviewPublisher, preview_discard
from media_pipeline.signals import video_asset_published
from media_pipeline.transcode import (
    TranscodeError,
    TranscodeInterrupted,
    build_command,
    event_to_vod,
    master_playlist,
    out_dir_prepare,
    plan_ladder,
    preview_rung,
    rendition_bandwidth,
    run_ffmpeg,
    sprite_make,
    thumbnails_vtt,
)

logger = logging.getLogger(__name__)

Status = VideoAsset.Status


def video_asset_enqueue(*, asset_id: int) -> None:
    """Queue the probe (which queues the transcode) for ``asset_id`` after the
    current transaction commits."""
    from media_pipeline.tasks import video_asset_probe_task

    transaction.on_commit(lambda: video_asset_probe_task.delay(asset_id))


def _transcode_enqueue(*, asset_id: int) -> None:
    from media_pipeline.tasks import video_asset_transcode_task

    transaction.on_commit(lambda: video_asset_transcode_task.delay(asset_id))


def video_asset_reprocess(*, asset: VideoAsset) -> VideoAsset:
    """Process ``asset`` again from its original ("process again" in the admin).

    The published version keeps playing until the new one is published. Raises
    nothing of its own.
    """
    with transaction.atomic():
        VideoAsset.objects.filter(pk=asset.pk).update(
            status=Status.UPLOADED, error="", progress=0, attempts=0
        )
        video_asset_enqueue(asset_id=asset.pk)
    asset.refresh_from_db()
    return asset


# --- the lease ------------------------------------------------------------------------


def _lease_acquire(asset_id: int) -> str:
    now = timezone.now()
    token = secrets.token_hex(16)
    taken = (
        VideoAsset.objects.filter(pk=asset_id)
        .exclude(lease_expires_at__gt=now)
        .update(
            lease_token=token,
            lease_expires_at=now
            + datetime.timedelta(seconds=settings.MEDIA_LEASE_SECONDS),
        )
    )
    if taken:
        return token
    held = VideoAsset.objects.filter(pk=asset_id).values_list(
        "lease_expires_at", flat=True
    )
    if not held:
        raise VideoAsset.DoesNotExist(f"video asset {asset_id} does not exist")
    if held[0] is None:  # released between the two queries: try again shortly
        raise LeaseHeld(1.0)
    raise LeaseHeld(max(1.0, (held[0] - now).total_seconds() + 1))


def _lease_renew(asset_id: int, token: str, **fields: object) -> bool:
    expires = timezone.now() + datetime.timedelta(seconds=settings.MEDIA_LEASE_SECONDS)
    return bool(
        VideoAsset.objects.filter(pk=asset_id, lease_token=token).update(
            lease_expires_at=expires, **fields
        )
    )


def _lease_release(asset_id: int, token: str) -> None:
    VideoAsset.objects.filter(pk=asset_id, lease_token=token).update(
        lease_token="", lease_expires_at=None
    )


# --- probe ----------------------------------------------------------------------------


def _fail(asset: VideoAsset, reason: str) -> VideoAsset:
    logger.info("video asset %s failed: %s", asset.pk, reason)
    asset.status = Status.FAILED
    asset.error = reason
    asset.progress = 0
    asset.save(update_fields=["status", "error", "progress", "updated_at"])
    return asset


def _apply_probe(asset: VideoAsset, result: ProbeResult) -> None:
    asset.media_info = result.as_info()
    asset.duration = result.duration
    asset.rotation = result.rotation
    asset.projection = result.projection
    if result.video:
        width, height = result.video["width"], result.video["height"]
        if result.rotation in (90, 270):
            width, height = height, width
        asset.width, asset.height = width, height
    else:
        asset.width = asset.height = None


def _probe(asset: VideoAsset) -> ProbeResult | None:
    """Run ffprobe on the original and store what it found (``probed``); None when
    the asset ended ``failed``."""
    asset.status = Status.PROBING
    asset.save(update_fields=["status", "updated_at"])
    try:
        with media_storage.local_copy(asset.file.name) as path:
            result = probe_file(path)
    except BadMediaError as exc:
        _fail(asset, str(exc))
        return None
    except FileNotFoundError:
        _fail(asset, "原始文件不存在 (the original file is missing)")
        return None
    _apply_probe(asset, result)
    asset.status = Status.PROBED
    asset.error = ""
    asset.save()
    return result


def _stored_probe(asset: VideoAsset) -> ProbeResult | None:
    """The probe result stored on ``asset`` by its last probe, if complete."""
    return ProbeResult.from_info(
        asset.media_info or {},
        rotation=asset.rotation or 0,
        projection=asset.projection or "",
    )


def _probe_leased(asset_id: int) -> VideoAsset:
    token = _lease_acquire(asset_id)
    try:
        asset = VideoAsset.objects.get(pk=asset_id)
        if asset.status in (Status.UPLOADED, Status.PROBING):
            _probe(asset)
        return asset
    finally:
        _lease_release(asset_id, token)


def video_asset_probe(*, asset_id: int) -> VideoAsset:
    """Probe an uploaded original: ``probed`` with duration, streams, rotation and
    projection stored on the asset, or ``failed`` with a readable reason; a probed
    asset's transcode is queued once the transaction commits. Safe to run twice.

    Raises ``VideoAsset.DoesNotExist`` and ``LeaseHeld``.
    """
    asset = _probe_leased(asset_id)
    if asset.status == Status.PROBED:
        _transcode_enqueue(asset_id=asset.pk)
    return asset


# --- transcode and publish ------------------------------------------------------------


def video_asset_transcode(*, asset_id: int) -> VideoAsset:
    """Transcode a probed asset to the HLS ladder and publish it. Safe to run twice:
    a ready or failed asset is returned unchanged. An asset not yet probed is probed
    first; a probed one is transcoded from its stored probe (ffprobe runs once).

    Raises ``VideoAsset.DoesNotExist``, ``LeaseHeld`` (another run is at work) and
    ``TransientProcessingError`` (the run failed and attempts remain; the asset is
    back to ``probed`` and its partial output removed). Bad input and the last failed
    attempt end as ``failed`` with the reason in ``error``.
    """
    token = _lease_acquire(asset_id)
    try:
        asset = VideoAsset.objects.get(pk=asset_id)
        if asset.status in (Status.READY, Status.FAILED):
            return asset
        probe = None
        if asset.status not in (Status.UPLOADED, Status.PROBING):
            probe = _stored_probe(asset)
        if probe is None:  # not probed yet (or stored before the probe was kept)
            probe = _probe(asset)
            if probe is None:
                return asset
        return _transcode(asset, token, probe)
    finally:
        _lease_release(asset_id, token)


def _discard(prefix: str) -> None:
    """Remove a run's output; when the store is down, leave it to the next run."""
    try:
        media_storage.prefix_delete(prefix)
    except media_storage.STORAGE_ERRORS:
        logger.warning("could not remove %s", prefix, exc_info=True)


def _stale_remove(asset: VideoAsset) -> None:
    """Whatever an interrupted run left behind is never published: remove it."""
    for stale in media_storage.stored_versions(asset.pk):
        if stale != asset.published_version and stale != asset.last_version:
            media_storage.prefix_delete(media_storage.version_prefix(asset.pk, stale))
    media_storage.prefix_delete(media_storage.preview_root(asset.pk))
    for work_dir in Path(settings.MEDIA_WORK_DIR).glob(f"asset-{asset.pk}-*"):
        shutil.rmtree(work_dir, ignore_errors=True)


def _transcode(asset: VideoAsset, token: str, probe: ProbeResult) -> VideoAsset:
    if asset.attempts >= settings.MEDIA_MAX_ATTEMPTS:
        return _fail(
            asset,
            f"已尝试 {asset.attempts} 次仍未完成：{asset.error or '处理中断'} "
            "(gave up after the maximum number of attempts)",
        )
    asset.attempts += 1
    asset.last_version += 1
    asset.status = Status.TRANSCODING
    asset.progress = 0
    asset.save(
        update_fields=["attempts", "last_version", "status", "progress", "updated_at"]
    )
    version = asset.last_version
    prefix = media_storage.version_prefix(asset.pk, version)
    try:
        _stale_remove(asset)
        renditions = _render_and_store(asset, token, prefix, probe)
        return _publish(asset, token, version, renditions)
    except TranscodeInterrupted:
        # Another run holds the asset now: remove only what this one wrote.
        _discard(prefix)
        preview_discard(asset_id=asset.pk, version=version)
        raise
    except (TranscodeError, *media_storage.STORAGE_ERRORS) as exc:
        _discard(prefix)
        preview_discard(asset_id=asset.pk)
        logger.warning("video asset %s: transcode failed", asset.pk, exc_info=exc)
        reason = failure_reason(exc)
        if asset.attempts >= settings.MEDIA_MAX_ATTEMPTS:
            return _fail(asset, f"已尝试 {asset.attempts} 次仍失败：{reason}")
        VideoAsset.objects.filter(pk=asset.pk, lease_token=token).update(
            status=Status.PROBED,
            progress=0,
            error=f"第 {asset.attempts} 次处理失败，稍后重试：{reason}",
        )
        raise TransientProcessingError(reason, attempt=asset.attempts) from exc


def _render_and_store(
    asset: VideoAsset, token: str, prefix: str, probe: ProbeResult
) -> list[Rendition]:
    def progress(percent: int) -> bool:
        return _lease_renew(asset.pk, token, progress=percent)

    work_root = Path(settings.MEDIA_WORK_DIR)
    work_root.mkdir(parents=True, exist_ok=True)
    plan = plan_ladder(probe)
    preview = preview_rung(plan)
    with (
        media_storage.local_copy(asset.file.name) as source,
        tempfile.TemporaryDirectory(dir=work_root, prefix=f"asset-{asset.pk}-") as work,
    ):
        out_dir = Path(work)
        out_dir_prepare(plan, out_dir)
        publisher = None
        if preview is not None:
            publisher = PreviewPublisher(
                asset_id=asset.pk,
                version=asset.last_version,
                rung_dir=out_dir / preview.name,
            )
        run_ffmpeg(
            build_command(
                source=source,
                demuxer=probe.demuxer,
                plan=plan,
                out_dir=out_dir,
                preview=preview and preview.name,
            ),
            duration=probe.duration,
            on_progress=progress,
            on_tick=publisher and publisher.sync,
        )
        sprite_make(plan, out_dir)
        if publisher is not None:
            publisher.sync(final=True)
            playlist = out_dir / preview.playlist
            playlist.write_text(event_to_vod(playlist.read_text()))
        if plan.has_video:
            (out_dir / "thumbnails.vtt").write_text(thumbnails_vtt(plan))
        measured = {
            rung.name: rendition_bandwidth(out_dir / rung.name) for rung in plan.rungs
        }
        (out_dir / media_storage.MASTER).write_text(master_playlist(plan, measured))

        def renew() -> None:
            if not _lease_renew(asset.pk, token):
                raise TranscodeInterrupted("处理被另一个任务接管 (lease lost)")

        sizes = media_storage.directory_upload(out_dir, prefix, on_file=renew)
    return [
        Rendition(
            asset=asset,
            name=rung.name,
            kind=rung.kind,
            width=rung.width,
            height=rung.height,
            bandwidth=measured[rung.name].peak,
            codecs=rung.codecs,
            playlist=rung.playlist,
            size=sum(
                size for path, size in sizes.items() if path.startswith(f"{rung.name}/")
            ),
        )
        for rung in plan.rungs
    ]


def _publish(
    asset: VideoAsset, token: str, version: int, renditions: list[Rendition]
) -> VideoAsset:
    with transaction.atomic():
        locked = VideoAsset.objects.select_for_update().get(pk=asset.pk)
        if locked.lease_token != token:
            raise TranscodeInterrupted("处理被另一个任务接管 (lease lost)")
        previous = locked.published_version
        Rendition.objects.filter(asset=locked).delete()
        for rendition in renditions:
            rendition.asset = locked
            rendition.version = version
        Rendition.objects.bulk_create(renditions)
        locked.published_version = version
        locked.status = Status.READY
        locked.progress = 100
        locked.error = ""
        locked.attempts = 0
        locked.save()
        transaction.on_commit(lambda: _published_send(locked))
    if previous is not None and previous != version:
        _discard(media_storage.version_prefix(locked.pk, previous))
    preview_discard(asset_id=locked.pk)
    return locked


def _published_send(asset: VideoAsset) -> None:
    # A receiver's failure (another app's bookkeeping) must not undo or retry a
    # publish that has committed: log it and go on.
    for receiver, result in video_asset_published.send_robust(
        sender=VideoAsset, asset=asset
    ):
        if isinstance(result, Exception):
            logger.error(
                "video_asset_published receiver %r failed for asset %s",
                receiver,
                asset.pk,
                exc_info=result,
            )


def video_asset_process(*, asset_id: int) -> VideoAsset:
    """Probe, transcode and publish ``asset_id`` now, in this process (the demo
    loader and tests use it; the Celery tasks run the two steps separately).

    ffprobe runs once. Retries transient failures up to ``MEDIA_MAX_ATTEMPTS``;
    returns the asset, ``ready`` or ``failed``. Raises ``VideoAsset.DoesNotExist``
    and ``LeaseHeld``.
    """
    _probe_leased(asset_id)
    while True:
        try:
            return video_asset_transcode(asset_id=asset_id)
        except TransientProcessingError:
            continue

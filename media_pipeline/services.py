"""Writes for video assets: upload, resumable upload, probe, transcode, publish."""

from __future__ import annotations

import base64
import datetime
import fcntl
import hashlib
import logging
import os
import re
import secrets
import shutil
import tempfile
from pathlib import Path
from typing import BinaryIO

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.files.base import File
from django.db import transaction
from django.utils import timezone

from media_pipeline import storage as media_storage
from media_pipeline.models import Rendition, Subtitle, TusUpload, VideoAsset
from media_pipeline.probe import BadMediaError, ProbeResult, probe_file
from media_pipeline.transcode import (
    TranscodeError,
    TranscodeInterrupted,
    build_command,
    master_playlist,
    plan_ladder,
    run_ffmpeg,
    thumbnails_vtt,
)

logger = logging.getLogger(__name__)

CHUNK_SIZE = 1024 * 1024
Status = VideoAsset.Status


class LeaseHeld(Exception):
    """Another run holds the asset's processing lease; retry after ``retry_after``."""

    def __init__(self, retry_after: float):
        super().__init__(f"asset is being processed; retry in {retry_after:.0f} s")
        self.retry_after = retry_after


class TransientProcessingError(Exception):
    """A run failed for a reason that may pass (worth retrying with backoff)."""


def file_checksum(file: File) -> tuple[str, int]:
    """Return the SHA-256 hex digest and size of ``file``, read in chunks."""
    digest = hashlib.sha256()
    size = 0
    file.seek(0)
    for chunk in file.chunks(CHUNK_SIZE):
        digest.update(chunk)
        size += len(chunk)
    file.seek(0)
    return digest.hexdigest(), size


def video_asset_fill_from_upload(*, asset: VideoAsset, upload: File) -> VideoAsset:
    """Record checksum, size and the display name of a freshly uploaded original.

    Does not save; the caller saves the asset (the admin form, or
    ``video_asset_create``).
    """
    asset.checksum, asset.size = file_checksum(upload)
    asset.original_filename = _display_name(getattr(upload, "name", "") or "")
    return asset


def video_asset_create(
    *, file: File, title: str, uploaded_by: AbstractBaseUser | None
) -> VideoAsset:
    """Store an uploaded original as a new ``VideoAsset`` in status ``uploaded`` and
    queue its processing once the transaction commits.

    Raises ``ValueError`` when the file is empty.
    """
    asset = VideoAsset(title=title, uploaded_by=uploaded_by)
    video_asset_fill_from_upload(asset=asset, upload=file)
    if asset.size == 0:
        raise ValueError("上传的文件为空 (the uploaded file is empty)")
    with transaction.atomic():
        asset.file.save("original", file, save=False)
        asset.save()
        video_asset_enqueue(asset_id=asset.pk)
    return asset


def video_asset_enqueue(*, asset_id: int) -> None:
    """Queue probe + transcode for ``asset_id`` after the current transaction commits."""
    from media_pipeline.tasks import video_asset_probe_task

    transaction.on_commit(lambda: video_asset_probe_task.delay(asset_id))


def video_asset_reprocess(*, asset: VideoAsset) -> VideoAsset:
    """Process ``asset`` again from its original ("process again" in the admin).

    The published version keeps playing until the new one is published.
    """
    with transaction.atomic():
        VideoAsset.objects.filter(pk=asset.pk).update(
            status=Status.UPLOADED, error="", progress=0, attempts=0
        )
        video_asset_enqueue(asset_id=asset.pk)
    asset.refresh_from_db()
    return asset


# --- processing -----------------------------------------------------------------


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
    raise LeaseHeld(max(1.0, (held[0] - now).total_seconds() + 1))


def _lease_renew(asset_id: int, token: str, **fields) -> bool:
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


def _probe(asset: VideoAsset) -> bool:
    asset.status = Status.PROBING
    asset.save(update_fields=["status", "updated_at"])
    try:
        with media_storage.local_copy(asset.file.name) as path:
            result = probe_file(path)
    except BadMediaError as exc:
        _fail(asset, str(exc))
        return False
    except FileNotFoundError:
        _fail(asset, "原始文件不存在 (the original file is missing)")
        return False
    _apply_probe(asset, result)
    asset.status = Status.PROBED
    asset.error = ""
    asset.save()
    return True


def video_asset_probe(*, asset_id: int) -> VideoAsset:
    """Probe an uploaded original: ``probed`` with duration, streams, rotation and
    projection, or ``failed`` with a readable reason. Safe to run twice.

    Raises ``VideoAsset.DoesNotExist`` and ``LeaseHeld``.
    """
    token = _lease_acquire(asset_id)
    try:
        asset = VideoAsset.objects.get(pk=asset_id)
        if asset.status in (Status.UPLOADED, Status.PROBING):
            _probe(asset)
        return asset
    finally:
        _lease_release(asset_id, token)


def video_asset_transcode(*, asset_id: int) -> VideoAsset:
    """Transcode a probed asset to the HLS ladder and publish it. Safe to run twice:
    a ready or failed asset is returned unchanged.

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
        if asset.status in (Status.UPLOADED, Status.PROBING) and not _probe(asset):
            return asset
        return _transcode(asset, token)
    finally:
        _lease_release(asset_id, token)


def _transcode(asset: VideoAsset, token: str) -> VideoAsset:
    if asset.attempts >= settings.MEDIA_MAX_ATTEMPTS:
        return _fail(
            asset,
            f"已尝试 {asset.attempts} 次仍未完成：{asset.error or '处理中断'} "
            "(gave up after the maximum number of attempts)",
        )
    # Whatever an interrupted run left behind is never published: remove it.
    for stale in media_storage.stored_versions(asset.pk):
        if stale != asset.published_version:
            media_storage.prefix_delete(media_storage.version_prefix(asset.pk, stale))
    for work_dir in Path(settings.MEDIA_WORK_DIR).glob(f"asset-{asset.pk}-*"):
        shutil.rmtree(work_dir, ignore_errors=True)
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
        renditions = _render_and_store(asset, token, prefix)
        return _publish(asset, token, version, renditions)
    except TranscodeInterrupted:
        media_storage.prefix_delete(prefix)
        raise
    except BadMediaError as exc:
        media_storage.prefix_delete(prefix)
        return _fail(asset, str(exc))
    except (TranscodeError, OSError) as exc:
        media_storage.prefix_delete(prefix)
        reason = str(exc) or exc.__class__.__name__
        if asset.attempts >= settings.MEDIA_MAX_ATTEMPTS:
            return _fail(asset, f"已尝试 {asset.attempts} 次仍失败：{reason}")
        VideoAsset.objects.filter(pk=asset.pk, lease_token=token).update(
            status=Status.PROBED,
            progress=0,
            error=f"第 {asset.attempts} 次处理失败，稍后重试：{reason}",
        )
        raise TransientProcessingError(reason) from exc


def _render_and_store(asset: VideoAsset, token: str, prefix: str) -> list[Rendition]:
    def progress(percent: int) -> bool:
        return _lease_renew(asset.pk, token, progress=percent)

    work_root = Path(settings.MEDIA_WORK_DIR)
    work_root.mkdir(parents=True, exist_ok=True)
    with (
        media_storage.local_copy(asset.file.name) as source,
        tempfile.TemporaryDirectory(dir=work_root, prefix=f"asset-{asset.pk}-") as work,
    ):
        out_dir = Path(work)
        result = probe_file(source)
        _apply_probe(asset, result)
        plan = plan_ladder(result)
        for rung in plan.rungs:
            (out_dir / rung.name).mkdir()
        run_ffmpeg(
            build_command(
                source=source, demuxer=result.demuxer, plan=plan, out_dir=out_dir
            ),
            duration=result.duration,
            on_progress=progress,
        )
        if plan.has_video:
            (out_dir / "thumbnails.vtt").write_text(thumbnails_vtt(plan))
        (out_dir / media_storage.MASTER).write_text(master_playlist(plan))

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
            bandwidth=rung.bandwidth,
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
        for name in (
            "media_info",
            "duration",
            "rotation",
            "projection",
            "width",
            "height",
        ):
            setattr(locked, name, getattr(asset, name))
        locked.published_version = version
        locked.status = Status.READY
        locked.progress = 100
        locked.error = ""
        locked.attempts = 0
        locked.save()
        _fill_lesson_durations(locked)
    if previous is not None and previous != version:
        media_storage.prefix_delete(media_storage.version_prefix(locked.pk, previous))
    return locked


def _fill_lesson_durations(asset: VideoAsset) -> None:
    """Lessons using ``asset`` whose duration is still 0 get the asset's duration, on
    the page and on its latest revision (so the next edit keeps it)."""
    from cms.models import MicroLessonPage, VRCoursewarePage

    seconds = int(round(asset.duration or 0))
    if seconds <= 0:
        return
    for model in (MicroLessonPage, VRCoursewarePage):
        for page in model.objects.filter(video=asset, duration=0):
            model.objects.filter(pk=page.pk).update(duration=seconds)
            revision = page.latest_revision
            if revision is not None and not revision.content.get("duration"):
                revision.content["duration"] = seconds
                revision.save(update_fields=["content"])


def video_asset_process(*, asset_id: int) -> VideoAsset:
    """Probe, transcode and publish ``asset_id`` now, in this process (the demo
    loader uses it; the Celery tasks call the two steps separately).

    Retries transient failures up to ``MEDIA_MAX_ATTEMPTS``; returns the asset,
    ``ready`` or ``failed``. Raises ``VideoAsset.DoesNotExist`` and ``LeaseHeld``.
    """
    video_asset_probe(asset_id=asset_id)
    while True:
        try:
            return video_asset_transcode(asset_id=asset_id)
        except TransientProcessingError:
            continue


# --- subtitles ------------------------------------------------------------------

_SRT_TIME = re.compile(r"(\d{1,2}:\d{2}:\d{2}),(\d{3})")
_CUE_TIME = re.compile(
    r"\d{2}:\d{2}(:\d{2})?\.\d{3}\s+-->\s+\d{2}:\d{2}(:\d{2})?\.\d{3}"
)
SUBTITLE_MAX_BYTES = 2 * 1024 * 1024


def subtitle_to_webvtt(raw: bytes) -> str:
    """Return WebVTT text for a WebVTT or SRT file.

    Raises ``ValueError`` naming the problem (too large, not UTF-8, no cues).
    """
    if len(raw) > SUBTITLE_MAX_BYTES:
        raise ValueError("字幕文件超过 2 MB (subtitle file too large)")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValueError("字幕文件须为 UTF-8 编码 (subtitle must be UTF-8)") from None
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    if not text.startswith("WEBVTT"):
        text = "WEBVTT\n\n" + _SRT_TIME.sub(r"\1.\2", text)
    if not _CUE_TIME.search(text):
        raise ValueError(
            "不是有效的 WebVTT 或 SRT 字幕：没有找到时间轴 (no subtitle cues found)"
        )
    return text + "\n"


def subtitle_attach(
    *, asset: VideoAsset, raw: bytes, language: str = "zh-hans", label: str = "简体中文"
) -> Subtitle:
    """Attach a subtitle track (WebVTT, or SRT converted to WebVTT) to ``asset``.

    Raises ``ValueError`` when the file is not a usable subtitle.
    """
    return Subtitle.objects.create(
        asset=asset,
        language=language[:16] or "zh-hans",
        label=label[:64] or language,
        content=subtitle_to_webvtt(raw),
    )


# --- resumable upload (tus 1.0) -------------------------------------------------


class UploadError(Exception):
    """A tus request that cannot be honoured: ``status`` and a readable ``detail``."""

    def __init__(self, status: int, code: str, detail: str):
        super().__init__(detail)
        self.status, self.code, self.detail = status, code, detail


CHECKSUM_ALGORITHMS = {
    "sha1": hashlib.sha1,
    "sha256": hashlib.sha256,
    "md5": hashlib.md5,
}


def _upload_path(upload: TusUpload) -> Path:
    return Path(settings.MEDIA_UPLOAD_DIR) / f"{upload.pk.hex}.part"


def tus_upload_create(
    *, owner: AbstractBaseUser, length: int, filename: str = "", title: str = ""
) -> TusUpload:
    """Start a resumable upload of ``length`` bytes owned by ``owner``.

    Raises ``UploadError`` (413) above ``MEDIA_UPLOAD_MAX_SIZE``, (400) for a
    length below 1.
    """
    if length > settings.MEDIA_UPLOAD_MAX_SIZE:
        raise UploadError(
            413,
            "upload_too_large",
            f"文件大小 {length} 字节超过上限 {settings.MEDIA_UPLOAD_MAX_SIZE} 字节",
        )
    if length < 1:
        raise UploadError(400, "empty_upload", "Upload-Length 须大于 0（文件为空）")
    tus_uploads_purge_expired()
    name = _display_name(filename)
    upload = TusUpload.objects.create(
        owner=owner,
        length=length,
        filename=name,
        title=(title or Path(name).stem or "未命名视频")[:255],
        expires_at=timezone.now()
        + datetime.timedelta(seconds=settings.MEDIA_UPLOAD_EXPIRY),
    )
    path = _upload_path(upload)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch()
    return upload


def tus_upload_get(*, upload_id: str, owner: AbstractBaseUser) -> TusUpload:
    """The owner's upload. Raises ``UploadError`` 404 (unknown or someone else's),
    410 (expired)."""
    upload = TusUpload.objects.filter(pk=upload_id, owner=owner).first()
    if upload is None:
        raise UploadError(404, "upload_not_found", "上传不存在 (no such upload)")
    if upload.asset_id is None and upload.expires_at <= timezone.now():
        raise UploadError(410, "upload_expired", "上传已过期，请重新上传 (expired)")
    return upload


def tus_upload_append(
    *,
    upload: TusUpload,
    offset: int,
    stream: BinaryIO,
    content_length: int | None,
    checksum: str | None = None,
) -> TusUpload:
    """Append the request body at ``offset``; create the asset when complete.

    Raises ``UploadError``: 409 wrong offset or a PATCH already running, 413 past
    ``Upload-Length``, 460 checksum mismatch, 400 bad checksum header.
    Nothing received before is lost by a failed PATCH.
    """
    algorithm = expected = None
    if checksum:
        algorithm, _, encoded = checksum.strip().partition(" ")
        if algorithm not in CHECKSUM_ALGORITHMS:
            raise UploadError(
                400, "checksum_algorithm", f"不支持的校验算法 {algorithm!r}"
            )
        try:
            expected = base64.b64decode(encoded, validate=True)
        except ValueError:
            raise UploadError(
                400, "checksum_header", "Upload-Checksum 不是 base64"
            ) from None
    if upload.asset_id is not None:
        raise UploadError(
            409, "upload_complete", "上传已完成 (upload already complete)"
        )
    if content_length is not None and offset + content_length > upload.length:
        raise UploadError(
            413,
            "upload_too_large",
            "数据超出 Upload-Length (body exceeds Upload-Length)",
        )
    path = _upload_path(upload)
    with open(path, "r+b") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise UploadError(
                409, "upload_locked", "该上传正在接收另一个请求"
            ) from None
        upload.refresh_from_db()
        if offset != upload.offset:
            raise UploadError(
                409,
                "offset_mismatch",
                f"Upload-Offset 应为 {upload.offset}，收到 {offset}",
            )
        digest = CHECKSUM_ALGORITHMS[algorithm]() if algorithm else None
        handle.seek(offset)
        received = 0
        while True:
            chunk = stream.read(CHUNK_SIZE)
            if not chunk:
                break
            received += len(chunk)
            if offset + received > upload.length:
                handle.truncate(offset)
                raise UploadError(
                    413,
                    "upload_too_large",
                    "数据超出 Upload-Length (body exceeds Upload-Length)",
                )
            handle.write(chunk)
            if digest is not None:
                digest.update(chunk)
        if digest is not None and digest.digest() != expected:
            handle.truncate(offset)
            raise UploadError(460, "checksum_mismatch", "校验和不匹配，本段数据已丢弃")
        handle.flush()
        os.fsync(handle.fileno())
        upload.offset = offset + received
        upload.save(update_fields=["offset"])
        if upload.offset == upload.length:
            _tus_upload_finish(upload, handle)
    return upload


def _tus_upload_finish(upload: TusUpload, handle: BinaryIO) -> None:
    handle.seek(0)
    with transaction.atomic():
        asset = video_asset_create(
            file=File(handle, name=upload.filename or "upload"),
            title=upload.title or "未命名视频",
            uploaded_by=upload.owner,
        )
        upload.asset = asset
        upload.save(update_fields=["asset"])
    _upload_path(upload).unlink(missing_ok=True)


def tus_upload_delete(*, upload: TusUpload) -> None:
    """Terminate an upload: its received bytes are removed (a finished upload's
    asset stays)."""
    _upload_path(upload).unlink(missing_ok=True)
    upload.delete()


def tus_uploads_purge_expired(*, now: datetime.datetime | None = None) -> int:
    """Remove abandoned (expired, unfinished) uploads and their bytes; return how many."""
    expired = TusUpload.objects.filter(
        asset__isnull=True, expires_at__lte=now or timezone.now()
    )
    count = 0
    for upload in expired:
        tus_upload_delete(upload=upload)
        count += 1
    return count


def _display_name(name: str) -> str:
    # Keep the name readable in the admin, with control and bidi characters removed.
    cleaned = "".join(
        ch
        for ch in name.replace("\\", "/").rsplit("/", 1)[-1]
        if ch.isprintable()
        and ch
        not in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f"
    )
    return cleaned[:255]

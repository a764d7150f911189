"""Resumable upload (tus 1.0: core, creation, termination, checksum, expiration).

The header parsers are pure functions raising media errors, so the API only passes
headers in and answers with the protocol's headers. Received bytes sit in
``MEDIA_UPLOAD_DIR/<id>.part``; a PATCH that fails (wrong offset, bad checksum, too
much data) loses nothing received before it. A complete upload becomes a
``VideoAsset`` queued for processing.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import fcntl
import hashlib
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.files.base import File
from django.db import transaction
from django.utils import timezone

from media_pipeline.errors import (
    BadUploadHeader,
    EmptyUpload,
    TusVersionMissing,
    UnsupportedUploadType,
    UploadChecksumMismatch,
    UploadConflict,
    UploadExpired,
    UploadInterrupted,
    UploadNotFound,
    UploadNotPermitted,
    UploadTooLarge,
)
from media_pipeline.models import TusUpload
from media_pipeline.services.assets import CHUNK_SIZE, display_name, video_asset_create

TUS_VERSION = "1.0.0"
TUS_EXTENSIONS = "creation,termination,checksum,expiration"
TUS_CONTENT_TYPE = "application/offset+octet-stream"
CHECKSUM_ALGORITHMS: dict[str, Callable[..., Any]] = {
    "sha1": hashlib.sha1,
    "sha256": hashlib.sha256,
    "md5": hashlib.md5,
}


# --- headers --------------------------------------------------------------------------


def tus_request_check(
    *, tus_resumable: str | None, user: AbstractBaseUser | AnonymousUser
) -> None:
    """Refuse a tus request in the wrong protocol version or by someone who may not
    upload.

    Raises ``TusVersionMissing`` (``Tus-Resumable`` is not ``1.0.0``) and
    ``UploadNotPermitted`` (only lecturers and editors upload).
    """
    if tus_resumable != TUS_VERSION:
        raise TusVersionMissing(f"需要请求头 Tus-Resumable: {TUS_VERSION}")
    if not user.has_perm("media_pipeline.add_videoasset"):
        raise UploadNotPermitted()


def tus_content_type_check(*, content_type: str | None) -> None:
    """Raises ``UnsupportedUploadType`` unless a PATCH body is
    ``application/offset+octet-stream``."""
    if content_type != TUS_CONTENT_TYPE:
        raise UnsupportedUploadType(f"Content-Type 须为 {TUS_CONTENT_TYPE}")


def tus_metadata_parse(*, header: str | None) -> dict[str, str]:
    """The ``Upload-Metadata`` pairs (``key base64value,...``), decoded.

    Raises ``BadUploadHeader`` (``bad_metadata``) for a value that is not base64 of
    UTF-8.
    """
    values: dict[str, str] = {}
    for pair in (header or "").split(","):
        key, _, encoded = pair.strip().partition(" ")
        if not key:
            continue
        try:
            values[key] = base64.b64decode(encoded, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            raise BadUploadHeader(
                f"Upload-Metadata 中 {key!r} 不是 base64 编码的 UTF-8",
                code="bad_metadata",
            ) from None
    return values


def tus_int_header(*, name: str, value: str | None) -> int:
    """The non-negative integer in header ``name`` (``Upload-Length``,
    ``Upload-Offset``).

    Raises ``BadUploadHeader`` (``bad_header``) when it is missing or not one.
    """
    raw = value or ""
    if not (raw.isascii() and raw.isdigit()):
        raise BadUploadHeader(f"请求头 {name} 须为非负整数", code="bad_header")
    return int(raw)


def tus_content_length(*, value: str | None) -> int | None:
    """The declared ``Content-Length``, or None when absent or unreadable (the body
    is then bounded while it is read)."""
    if value and value.isascii() and value.isdigit():
        return int(value)
    return None


def tus_checksum_parse(*, header: str | None) -> tuple[str, bytes] | None:
    """The algorithm and digest of ``Upload-Checksum``, or None without one.

    Raises ``BadUploadHeader``: ``checksum_algorithm`` (not one of
    ``CHECKSUM_ALGORITHMS``), ``checksum_header`` (digest not base64).
    """
    if not header:
        return None
    algorithm, _, encoded = header.strip().partition(" ")
    if algorithm not in CHECKSUM_ALGORITHMS:
        raise BadUploadHeader(
            f"不支持的校验算法 {algorithm!r}", code="checksum_algorithm"
        )
    try:
        expected = base64.b64decode(encoded, validate=True)
    except ValueError:
        raise BadUploadHeader(
            "Upload-Checksum 不是 base64", code="checksum_header"
        ) from None
    return algorithm, expected


# --- uploads --------------------------------------------------------------------------


def _upload_path(upload: TusUpload) -> Path:
    return Path(settings.MEDIA_UPLOAD_DIR) / f"{upload.pk.hex}.part"


def tus_upload_create(
    *, owner: AbstractBaseUser, length: int, filename: str = "", title: str = ""
) -> TusUpload:
    """Start a resumable upload of ``length`` bytes owned by ``owner``.

    Raises ``UploadTooLarge`` above ``MEDIA_UPLOAD_MAX_SIZE`` and ``EmptyUpload``
    for a length below 1.
    """
    if length > settings.MEDIA_UPLOAD_MAX_SIZE:
        raise UploadTooLarge(
            f"文件大小 {length} 字节超过上限 {settings.MEDIA_UPLOAD_MAX_SIZE} 字节"
        )
    if length < 1:
        raise EmptyUpload("Upload-Length 须大于 0（文件为空）")
    tus_uploads_purge_expired()
    name = display_name(filename)
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


def tus_upload_get(
    *, upload_id: str, owner: AbstractBaseUser, expired_ok: bool = False
) -> TusUpload:
    """The owner's upload (with ``expired_ok``, also an expired unfinished one).

    Raises ``UploadNotFound`` (unknown or someone else's) and ``UploadExpired``.
    """
    upload = TusUpload.objects.filter(pk=upload_id, owner=owner).first()
    if upload is None:
        raise UploadNotFound()
    if (
        not expired_ok
        and upload.asset_id is None
        and upload.expires_at <= timezone.now()
    ):
        raise UploadExpired()
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

    ``checksum`` is the raw ``Upload-Checksum`` header. Raises ``BadUploadHeader``
    (bad checksum header), ``UploadConflict`` (``upload_complete``,
    ``upload_locked``: a PATCH already running, ``offset_mismatch``),
    ``UploadTooLarge`` (past ``Upload-Length``), ``UploadChecksumMismatch`` and
    ``UploadInterrupted`` (the body broke off: what arrived is kept, unless the
    chunk carried a checksum). Nothing received before is lost by a failed PATCH.
    """
    parsed = tus_checksum_parse(header=checksum)
    if upload.asset_id is not None:
        raise UploadConflict(
            "上传已完成 (upload already complete)", code="upload_complete"
        )
    if content_length is not None and offset + content_length > upload.length:
        raise UploadTooLarge()
    path = _upload_path(upload)
    with open(path, "r+b") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise UploadConflict(
                "该上传正在接收另一个请求", code="upload_locked"
            ) from None
        upload.refresh_from_db()
        if offset != upload.offset:
            raise UploadConflict(
                f"Upload-Offset 应为 {upload.offset}，收到 {offset}",
                code="offset_mismatch",
            )
        digest = CHECKSUM_ALGORITHMS[parsed[0]]() if parsed else None
        handle.seek(offset)
        received = 0
        interrupted = False
        while True:
            try:
                chunk = stream.read(CHUNK_SIZE)
            except OSError:  # the client went away mid-body (UnreadablePostError)
                interrupted = True
                break
            if not chunk:
                break
            received += len(chunk)
            if offset + received > upload.length:
                handle.truncate(offset)
                raise UploadTooLarge()
            handle.write(chunk)
            if digest is not None:
                digest.update(chunk)
        if parsed is not None and (interrupted or digest.digest() != parsed[1]):
            handle.truncate(offset)
            if interrupted:  # a part of a checksummed chunk cannot be verified
                raise UploadInterrupted(f"请求体中断，本段未保存；请从 {offset} 续传")
            raise UploadChecksumMismatch()
        handle.flush()
        os.fsync(handle.fileno())
        upload.offset = offset + received
        upload.save(update_fields=["offset"])
        if upload.offset == upload.length:
            _tus_upload_finish(upload, handle)
        elif interrupted:
            raise UploadInterrupted(
                f"请求体中断，已保存到 {upload.offset} 字节；请从该偏移续传"
            )
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
    asset stays). Raises nothing of its own."""
    _upload_path(upload).unlink(missing_ok=True)
    upload.delete()


def tus_uploads_purge_expired(*, now: datetime.datetime | None = None) -> int:
    """Remove abandoned (expired, unfinished) uploads and their bytes; return how
    many."""
    expired = TusUpload.objects.filter(
        asset__isnull=True, expires_at__lte=now or timezone.now()
    )
    count = 0
    for upload in expired:
        tus_upload_delete(upload=upload)
        count += 1
    return count

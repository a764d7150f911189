"""Originals: storing a new upload as an asset, or replacing an asset's original."""

from __future__ import annotations

import hashlib

from django.contrib.auth.models import AbstractBaseUser
from django.core.files.base import File
from django.db import transaction

from media_pipeline.errors import EmptyUpload
from media_pipeline.models import VideoAsset
from media_pipeline.services.processing import video_asset_enqueue

CHUNK_SIZE = 1024 * 1024
# Removed from displayed file names: they reorder text (bidi) or are invisible.
_INVISIBLE = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f"


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


def display_name(name: str) -> str:
    """The last part of an uploader's file name, for display only: readable in the
    admin, with control and bidi characters removed (never a storage key)."""
    cleaned = "".join(
        ch
        for ch in name.replace("\\", "/").rsplit("/", 1)[-1]
        if ch.isprintable() and ch not in _INVISIBLE
    )
    return cleaned[:255]


def video_asset_fill_from_upload(*, asset: VideoAsset, upload: File) -> VideoAsset:
    """Record checksum, size and the display name of a freshly uploaded original.

    Does not save; ``video_asset_create`` and ``video_asset_replace_original`` do.
    Raises nothing of its own.
    """
    asset.checksum, asset.size = file_checksum(upload)
    asset.original_filename = display_name(getattr(upload, "name", "") or "")
    return asset


def video_asset_create(
    *, file: File, title: str, uploaded_by: AbstractBaseUser | None
) -> VideoAsset:
    """Store an uploaded original as a new ``VideoAsset`` in status ``uploaded`` and
    queue its processing once the transaction commits.

    Raises ``EmptyUpload`` when the file is empty.
    """
    asset = VideoAsset(title=title, uploaded_by=uploaded_by)
    video_asset_fill_from_upload(asset=asset, upload=file)
    if asset.size == 0:
        raise EmptyUpload()
    with transaction.atomic():
        asset.file.save("original", file, save=False)
        asset.save()
        video_asset_enqueue(asset_id=asset.pk)
    return asset


def video_asset_replace_original(*, asset: VideoAsset, upload: File) -> VideoAsset:
    """Take ``upload`` as ``asset``'s original (a new asset's first, or a
    replacement): record checksum, size and name, go back to ``uploaded``, save
    (the file under a generated key) and queue processing once the transaction
    commits. A published version keeps playing until the new one is published.

    Other unsaved changes on ``asset`` (e.g. the admin form's title) are saved too.
    Raises ``EmptyUpload`` when the file is empty.
    """
    video_asset_fill_from_upload(asset=asset, upload=upload)
    if asset.size == 0:
        raise EmptyUpload()
    asset.file = upload
    asset.status = VideoAsset.Status.UPLOADED
    asset.error = ""
    asset.progress = 0
    asset.attempts = 0
    with transaction.atomic():
        asset.save()
        video_asset_enqueue(asset_id=asset.pk)
    return asset

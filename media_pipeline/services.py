"""Writes for video assets. Processing (probe, transcode) arrives with the pipeline."""

from __future__ import annotations

import hashlib

from django.contrib.auth.models import AbstractBaseUser
from django.core.files.base import File
from django.db import transaction

from media_pipeline.models import VideoAsset

CHUNK_SIZE = 1024 * 1024


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
    """Store an uploaded original as a new ``VideoAsset`` in status ``uploaded``.

    Raises ``ValueError`` when the file is empty.
    """
    asset = VideoAsset(title=title, uploaded_by=uploaded_by)
    video_asset_fill_from_upload(asset=asset, upload=file)
    if asset.size == 0:
        raise ValueError("上传的文件为空 (the uploaded file is empty)")
    with transaction.atomic():
        asset.file.save("original", file, save=False)
        asset.save()
    return asset


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

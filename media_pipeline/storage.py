"""Storage layout of processed media: ``assets/<id>/<version>/...`` in STORAGES' default.

Works the same on local files and S3: files are written through Django's storage API,
the master playlist last; a version prefix is removed as a whole. While a version is
being encoded, its preview (one rendition's finished segments behind an EVENT
playlist) lives under ``assets/<id>/preview/<version>/`` and is removed at the end.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import Storage, default_storage

MASTER = "master.m3u8"
PREVIEW = "preview"
PREVIEW_PLAYLIST = "index.m3u8"


def _storage_errors() -> tuple[type[BaseException], ...]:
    errors: list[type[BaseException]] = [OSError]
    try:
        from botocore.exceptions import BotoCoreError, ClientError
    except ImportError:  # pragma: no cover - boto3 is in requirements.txt
        return tuple(errors)
    return (*errors, BotoCoreError, ClientError)


# What a storage call raises when the store is unreachable or refuses: OSError for
# local files, botocore's errors for S3 (which are no OSError).
STORAGE_ERRORS = _storage_errors()


def asset_root(asset_id: int) -> str:
    return f"assets/{asset_id}"


def version_prefix(asset_id: int, version: int) -> str:
    return f"{asset_root(asset_id)}/{version}"


def preview_root(asset_id: int) -> str:
    return f"{asset_root(asset_id)}/{PREVIEW}"


def preview_prefix(asset_id: int, version: int) -> str:
    return f"{preview_root(asset_id)}/{version}"


def stored_versions(asset_id: int, storage: Storage | None = None) -> list[int]:
    """The version prefixes that exist in storage for an asset."""
    storage = storage or default_storage
    try:
        directories, _ = storage.listdir(asset_root(asset_id))
    except FileNotFoundError:
        return []
    return sorted(int(name) for name in directories if name.isdigit())


def local_path(name: str, storage: Storage | None = None) -> Path | None:
    """Where ``name`` lives on local disk, or None for remote storage (S3)."""
    try:
        return Path((storage or default_storage).path(name))
    except NotImplementedError:
        return None


def prefix_delete(prefix: str, storage: Storage | None = None) -> None:
    """Remove every file under ``prefix`` (and, on local disk, the folder itself)."""
    storage = storage or default_storage
    local = local_path(prefix, storage)
    if local is not None:
        if local.is_file() or local.is_symlink():
            local.unlink()
        shutil.rmtree(local, ignore_errors=True)
        return
    for name in _walk(storage, prefix):
        storage.delete(name)


def _walk(storage: Storage, prefix: str) -> Iterator[str]:
    try:
        directories, files = storage.listdir(prefix)
    except FileNotFoundError:
        return
    for name in files:
        yield f"{prefix}/{name}"
    for name in directories:
        yield from _walk(storage, f"{prefix}/{name}")


def directory_upload(
    local_dir: Path, prefix: str, *, on_file=None, storage: Storage | None = None
) -> dict[str, int]:
    """Copy ``local_dir`` to ``prefix`` in storage, the master playlist last.

    Returns the stored size of each relative path. ``on_file`` is called after each
    file (the caller renews its lease there).
    """
    storage = storage or default_storage
    files = sorted(p for p in local_dir.rglob("*") if p.is_file())
    files.sort(key=lambda p: p.name == MASTER)
    sizes: dict[str, int] = {}
    for path in files:
        relative = path.relative_to(local_dir).as_posix()
        with open(path, "rb") as handle:
            name = storage.save(f"{prefix}/{relative}", File(handle, name=path.name))
        if name != f"{prefix}/{relative}":
            raise OSError(f"storage renamed {relative!r} to {name!r}")
        sizes[relative] = path.stat().st_size
        if on_file is not None:
            on_file()
    return sizes


def file_replace(name: str, data: bytes, storage: Storage | None = None) -> None:
    """Write ``data`` at ``name``, replacing what is there in one step (a reader sees
    the old bytes or the new ones): a renamed temporary file on local disk, one PUT
    on S3."""
    storage = storage or default_storage
    local = local_path(name, storage)
    if local is None:
        # Storage._save writes under exactly this name (save() would pick another
        # name when S3Storage.file_overwrite is off); a PUT replaces atomically.
        storage._save(name, ContentFile(data))
        return
    local.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(
        dir=local.parent, prefix=".", suffix=".tmp", delete=False
    ) as handle:
        handle.write(data)
    os.replace(handle.name, local)


@contextlib.contextmanager
def local_copy(name: str, storage: Storage | None = None) -> Iterator[Path]:
    """A local path of a stored file: the file itself on disk, else a temp copy."""
    storage = storage or default_storage
    path = local_path(name, storage)
    if path is not None:
        root = Path(settings.MEDIA_ROOT).resolve()
        if not path.resolve().is_relative_to(root):
            raise FileNotFoundError(f"{name!r} lies outside MEDIA_ROOT")
        yield path
        return
    work = Path(settings.MEDIA_WORK_DIR)
    work.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=work, suffix=".original") as handle:
        with storage.open(name, "rb") as source:
            shutil.copyfileobj(source, handle, 1024 * 1024)
        handle.flush()
        yield Path(handle.name)


def file_url(asset_id: int, version: int, relative: str) -> str:
    """A URL a player may fetch without other credentials: presigned on S3, else a
    signed URL served by the app."""
    return key_url(
        asset_id, f"{version_prefix(asset_id, version)}/{relative}", relative
    )


def preview_file_url(asset_id: int, version: int, relative: str) -> str:
    """The same for a file of the preview of ``version`` (signed as
    ``preview/<relative>``)."""
    return key_url(
        asset_id,
        f"{preview_prefix(asset_id, version)}/{relative}",
        f"{PREVIEW}/{relative}",
    )


def key_url(asset_id: int, key: str, relative: str) -> str:
    """A presigned URL of ``key`` on S3, else the app's URL for ``relative`` signed
    for ``asset_id``."""
    from media_pipeline.signing import signed_query

    if local_path(key) is None:
        return default_storage.url(key, expire=settings.MEDIA_SIGNED_URL_SECONDS)
    return f"/api/v3/media/assets/{asset_id}/files/{relative}?" + signed_query(
        asset_id, relative
    )

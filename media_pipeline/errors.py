"""The refusals media_pipeline raises, and the processing exceptions its tasks handle.

Refusals subclass ``MediaError`` (a ``dangke.errors.DomainError``) and, where they are
not a plain bad-input refusal (400), one kind of ``dangke.errors``; they carry a
``detail`` and a ``code`` and no HTTP: ``dangke.api_errors`` turns them into problem
documents. Each class has a default ``detail`` and ``code``; a raise may name a more
precise one (``UploadConflict("...", code="offset_mismatch")``).
"""

from __future__ import annotations

from typing import Any

from dangke.errors import (
    ChecksumMismatch,
    Conflict,
    DomainError,
    Gone,
    NotFound,
    NotPermitted,
    PreconditionFailed,
    TooLarge,
    UnsupportedMediaType,
)


class MediaError(DomainError):
    """Base of media_pipeline's refusals (bad input unless a kind says otherwise)."""

    code = "invalid"
    default_detail = "请求无效 (invalid request)"

    def __init__(
        self, detail: str | None = None, *, code: str | None = None, **extra: Any
    ):
        super().__init__(detail or self.default_detail, code=code, **extra)


# --- uploads (tus 1.0 and plain) ----------------------------------------------------


class UploadNotFound(MediaError, NotFound):
    """No such upload, or someone else's."""

    code = "upload_not_found"
    default_detail = "上传不存在 (no such upload)"


class UploadExpired(MediaError, Gone):
    """The unfinished upload has expired; its bytes are gone or about to be."""

    code = "upload_expired"
    default_detail = "上传已过期，请重新上传 (expired)"


class UploadTooLarge(MediaError, TooLarge):
    """Above ``MEDIA_UPLOAD_MAX_SIZE`` or past the declared ``Upload-Length``."""

    code = "upload_too_large"
    default_detail = "数据超出 Upload-Length (body exceeds Upload-Length)"


class UploadConflict(MediaError, Conflict):
    """The upload's state refuses the request: ``offset_mismatch``,
    ``upload_locked`` (another PATCH is running) or ``upload_complete``."""

    code = "upload_conflict"
    default_detail = "上传状态冲突 (upload state conflict)"


class UploadChecksumMismatch(MediaError, ChecksumMismatch):
    """The received chunk does not match ``Upload-Checksum``; it was discarded."""

    code = "checksum_mismatch"
    default_detail = "校验和不匹配，本段数据已丢弃"


class UploadInterrupted(MediaError):
    """The request body broke off before its end (the client went away); the bytes
    that arrived are kept unless the chunk carried a checksum."""

    code = "body_interrupted"
    default_detail = "请求体中断，请查询偏移后续传 (request body interrupted)"


class BadUploadHeader(MediaError):
    """A tus header that cannot be read: ``bad_header``, ``bad_metadata``,
    ``checksum_algorithm`` or ``checksum_header``."""

    code = "bad_header"
    default_detail = "请求头无效 (bad header)"


class TusVersionMissing(MediaError, PreconditionFailed):
    """The request does not speak the tus version the server does."""

    code = "tus_version"
    default_detail = "需要请求头 Tus-Resumable: 1.0.0"


class UnsupportedUploadType(MediaError, UnsupportedMediaType):
    """A PATCH whose body is not ``application/offset+octet-stream``."""

    code = "content_type"
    default_detail = "Content-Type 须为 application/offset+octet-stream"


class EmptyUpload(MediaError):
    """An upload of zero bytes."""

    code = "empty_upload"
    default_detail = "上传的文件为空 (the uploaded file is empty)"


class UploadNotPermitted(MediaError, NotPermitted):
    """The requester may not upload videos (only lecturers and editors may)."""

    code = "permission_denied"
    default_detail = "只有讲师和编辑可以上传视频"


# --- assets, subtitles, playback ----------------------------------------------------


class AssetNotFound(MediaError, NotFound):
    """No such asset, or not one the requester manages."""

    code = "asset_not_found"
    default_detail = "视频素材不存在"


class BadSubtitle(MediaError):
    """The file is not a usable WebVTT or SRT subtitle; ``detail`` says why."""

    code = "bad_subtitle"
    default_detail = "字幕文件无效 (bad subtitle)"


class PlaybackUrlExpired(MediaError, NotPermitted):
    """A signed playback URL that was valid has expired."""

    code = "url_expired"
    default_detail = "播放链接已过期，请刷新页面重新获取"


class PlaybackNotFound(MediaError, NotFound):
    """Nothing to play here: unknown, unsigned, unplayable or a missing file."""

    code = "not_found"
    default_detail = "视频不存在或不可播放"


# --- processing (not refusals: the tasks handle these) ------------------------------


class LeaseHeld(Exception):
    """Another run holds the asset's processing lease; retry after ``retry_after``."""

    def __init__(self, retry_after: float):
        super().__init__(f"asset is being processed; retry in {retry_after:.0f} s")
        self.retry_after = retry_after


class TransientProcessingError(Exception):
    """A run failed for a reason that may pass (worth retrying with backoff);
    ``attempt``: the asset's attempts so far, this run's included."""

    def __init__(self, reason: str, *, attempt: int):
        super().__init__(reason)
        self.attempt = attempt

"""Writes for video assets, by concern: ``assets`` (originals), ``processing``
(probe, transcode, publish, lease, process again), ``tus`` (resumable upload) and
``subtitles``. Other apps import from ``media_pipeline.services`` only."""

from media_pipeline.errors import LeaseHeld, TransientProcessingError
from media_pipeline.services.assets import (
    file_checksum,
    video_asset_create,
    video_asset_fill_from_upload,
    video_asset_replace_original,
)
from media_pipeline.services.processing import (
    video_asset_enqueue,
    video_asset_probe,
    video_asset_process,
    video_asset_reprocess,
    video_asset_transcode,
)
from media_pipeline.services.subtitles import (
    SUBTITLE_MAX_BYTES,
    subtitle_attach,
    subtitle_to_webvtt,
)
from media_pipeline.services.tus import (
    CHECKSUM_ALGORITHMS,
    TUS_CONTENT_TYPE,
    TUS_EXTENSIONS,
    TUS_VERSION,
    tus_checksum_parse,
    tus_content_length,
    tus_content_type_check,
    tus_int_header,
    tus_metadata_parse,
    tus_request_check,
    tus_upload_append,
    tus_upload_create,
    tus_upload_delete,
    tus_upload_get,
    tus_uploads_purge_expired,
)

__all__ = [
    "CHECKSUM_ALGORITHMS",
    "SUBTITLE_MAX_BYTES",
    "TUS_CONTENT_TYPE",
    "TUS_EXTENSIONS",
    "TUS_VERSION",
    "LeaseHeld",
    "TransientProcessingError",
    "file_checksum",
    "subtitle_attach",
    "subtitle_to_webvtt",
    "tus_checksum_parse",
    "tus_content_length",
    "tus_content_type_check",
    "tus_int_header",
    "tus_metadata_parse",
    "tus_request_check",
    "tus_upload_append",
    "tus_upload_create",
    "tus_upload_delete",
    "tus_upload_get",
    "tus_uploads_purge_expired",
    "video_asset_create",
    "video_asset_enqueue",
    "video_asset_fill_from_upload",
    "video_asset_probe",
    "video_asset_process",
    "video_asset_replace_original",
    "video_asset_reprocess",
    "video_asset_transcode",
]

"""Media endpoints under ``/api/v3/media/``: tus 1.0 uploads, asset state,
subtitles, and the authorised HLS playlists and files.

tus (core, creation, termination, checksum, expiration) lives at ``/uploads/``: a
stock tus client works with a bearer token (or a session). Playlists are rewritten on
the way out so every URL inside is signed for this asset and expires.

Errors are ``media_pipeline.errors`` raised by services and selectors; the project's
handler (``dangke.api_errors``) answers them with the one problem document. tus
operations add the protocol's headers to every answer, refusals included
(``tus_protocol``); a HEAD refusal has an empty body.
"""

from __future__ import annotations

import functools
import mimetypes
from collections.abc import Callable
from email.utils import format_datetime
from typing import Any

from django.conf import settings
from django.http import FileResponse, HttpRequest, HttpResponse
from ninja import Field, File, Form, Router, Schema, Status
from ninja.decorators import decorate_view
from ninja.files import UploadedFile
from ninja.security import django_auth
from wagtail.api.v3.auth import AllowAnonymous

from dangke.api_bodies import multipart_form
from dangke.api_errors import domain_error_response, error_responses, status_for
from dangke.tokens import TokenAuth
from media_pipeline import selectors, services
from media_pipeline.errors import MediaError, TusVersionMissing
from media_pipeline.models import TusUpload

router = Router(tags=["media"])

UPLOAD_AUTH = [TokenAuth(), django_auth]
PLAY_AUTH = [TokenAuth(), django_auth, AllowAnonymous()]
# Room in a subtitle form for the boundaries, part headers and the two text fields.
MULTIPART_OVERHEAD = 64 * 1024
CONTENT_TYPES = {
    ".m3u8": "application/vnd.apple.mpegurl",
    ".vtt": "text/vtt; charset=utf-8",
    ".ts": "video/mp2t",
    ".jpg": "image/jpeg",
}


class AssetStateOut(Schema):
    id: int
    title: str
    status: str
    progress: int
    duration: float | None
    error: str
    checksum: str
    size: int
    projection: str | None
    master_url: str | None
    preview_url: str | None = Field(
        description=(
            "While transcoding: signed URL of the preview, an HLS playlist of type "
            "EVENT that grows as segments are encoded (uploader and editors only)"
        )
    )


class PreviewOut(Schema):
    id: int
    status: str
    progress: int
    preview_url: str = Field(
        description=(
            "Signed URL of the preview: an HLS playlist of type EVENT listing the "
            "segments encoded so far; it grows until the run ends"
        )
    )


class SubtitleOut(Schema):
    language: str
    label: str
    url: str


# --- tus ------------------------------------------------------------------------------


def _tus_headers(response: HttpResponse) -> HttpResponse:
    response["Tus-Resumable"] = services.TUS_VERSION
    response["Cache-Control"] = "no-store"
    return response


def _upload_headers(response: HttpResponse, upload: TusUpload) -> HttpResponse:
    response["Upload-Offset"] = str(upload.offset)
    response["Upload-Length"] = str(upload.length)
    if upload.asset_id is None:
        response["Upload-Expires"] = format_datetime(upload.expires_at, usegmt=True)
    else:
        response["Upload-Asset-Id"] = str(upload.asset_id)
    return response


def tus_protocol(
    view: Callable[..., HttpResponse],
) -> Callable[..., HttpResponse]:
    """A tus operation: every answer carries ``Tus-Resumable``; a ``MediaError`` is
    answered with the problem document (``Tus-Version`` added on 412, an empty body
    for HEAD)."""

    @functools.wraps(view)
    def operation(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            response = view(request, *args, **kwargs)
        except MediaError as exc:
            if request.method == "HEAD":
                response = HttpResponse(status=status_for(exc))
            else:
                response = domain_error_response(exc)
            if isinstance(exc, TusVersionMissing):
                response["Tus-Version"] = services.TUS_VERSION
        return _tus_headers(response)

    return operation


def _tus_check(request: HttpRequest) -> None:
    services.tus_request_check(
        tus_resumable=request.headers.get("Tus-Resumable"), user=request.user
    )


@router.api_operation(
    ["OPTIONS"],
    "/uploads/",
    operation_id="media_uploads_options",
    summary="tus: server capabilities",
    auth=None,
    include_in_schema=False,
)
@tus_protocol
def media_uploads_options(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(status=204)
    response["Tus-Version"] = services.TUS_VERSION
    response["Tus-Extension"] = services.TUS_EXTENSIONS
    response["Tus-Max-Size"] = str(settings.MEDIA_UPLOAD_MAX_SIZE)
    response["Tus-Checksum-Algorithm"] = ",".join(services.CHECKSUM_ALGORITHMS)
    return response


@router.post(
    "/uploads/",
    operation_id="media_uploads_create",
    summary="tus: start a resumable upload (Upload-Length, Upload-Metadata)",
    auth=UPLOAD_AUTH,
    response={201: None, **error_responses(400, 403, 412, 413)},
)
@tus_protocol
def media_uploads_create(request: HttpRequest) -> HttpResponse:
    _tus_check(request)
    metadata = services.tus_metadata_parse(
        header=request.headers.get("Upload-Metadata")
    )
    upload = services.tus_upload_create(
        owner=request.user,
        length=services.tus_int_header(
            name="Upload-Length", value=request.headers.get("Upload-Length")
        ),
        filename=metadata.get("filename", ""),
        title=metadata.get("title", ""),
    )
    response = HttpResponse(status=201)
    response["Location"] = request.build_absolute_uri(
        f"/api/v3/media/uploads/{upload.pk}/"
    )
    return _upload_headers(response, upload)


@router.api_operation(
    ["HEAD"],
    "/uploads/{upload_id}/",
    operation_id="media_uploads_offset",
    summary="tus: how much of an upload has arrived",
    auth=UPLOAD_AUTH,
    include_in_schema=False,
)
@tus_protocol
def media_uploads_offset(request: HttpRequest, upload_id: str) -> HttpResponse:
    _tus_check(request)
    upload = services.tus_upload_get(upload_id=upload_id, owner=request.user)
    return _upload_headers(HttpResponse(status=200), upload)


@router.patch(
    "/uploads/{upload_id}/",
    operation_id="media_uploads_append",
    summary="tus: append bytes at Upload-Offset (optionally with Upload-Checksum)",
    auth=UPLOAD_AUTH,
    response={
        204: None,
        **error_responses(400, 403, 404, 409, 410, 412, 413, 415, 460),
    },
)
@tus_protocol
def media_uploads_append(request: HttpRequest, upload_id: str) -> HttpResponse:
    _tus_check(request)
    services.tus_content_type_check(content_type=request.content_type)
    upload = services.tus_upload_get(upload_id=upload_id, owner=request.user)
    upload = services.tus_upload_append(
        upload=upload,
        offset=services.tus_int_header(
            name="Upload-Offset", value=request.headers.get("Upload-Offset")
        ),
        stream=request,
        content_length=services.tus_content_length(
            value=request.headers.get("Content-Length")
        ),
        checksum=request.headers.get("Upload-Checksum"),
    )
    return _upload_headers(HttpResponse(status=204), upload)


@router.delete(
    "/uploads/{upload_id}/",
    operation_id="media_uploads_delete",
    summary="tus: terminate an upload and discard its bytes",
    auth=UPLOAD_AUTH,
    response={204: None, **error_responses(403, 404, 410, 412)},
)
@tus_protocol
def media_uploads_delete(request: HttpRequest, upload_id: str) -> HttpResponse:
    _tus_check(request)
    upload = services.tus_upload_get(
        upload_id=upload_id, owner=request.user, expired_ok=True
    )
    services.tus_upload_delete(upload=upload)
    return HttpResponse(status=204)


# --- assets ---------------------------------------------------------------------------


@router.get(
    "/assets/{asset_id}/",
    response={200: AssetStateOut, **error_responses(404)},
    operation_id="media_assets_detail",
    summary="An asset's processing state and preview (for its uploader and editors)",
    auth=UPLOAD_AUTH,
)
def media_assets_detail(request: HttpRequest, asset_id: int) -> dict[str, Any]:
    asset = selectors.video_asset_get_managed(asset_id=asset_id, user=request.user)
    playback = selectors.video_asset_playback(asset=asset)
    return {
        "id": asset.pk,
        "title": asset.title,
        "status": asset.status,
        "progress": asset.progress,
        "duration": asset.duration,
        "error": asset.error,
        "checksum": asset.checksum,
        "size": asset.size,
        "projection": asset.projection or None,
        "master_url": playback["master_url"],
        "preview_url": selectors.video_asset_preview_url(
            asset=asset, user=request.user
        ),
    }


@router.get(
    "/assets/{asset_id}/preview/",
    response={200: PreviewOut, **error_responses(404)},
    operation_id="media_assets_preview",
    summary=(
        "The preview of a transcode in progress (EVENT playlist), for the asset's "
        "uploader and editors"
    ),
    auth=UPLOAD_AUTH,
)
def media_assets_preview(request: HttpRequest, asset_id: int) -> dict[str, Any]:
    return selectors.video_asset_preview_get(asset_id=asset_id, user=request.user)


@router.post(
    "/assets/{asset_id}/subtitles/",
    response={201: SubtitleOut, **error_responses(400, 404, 413, 415)},
    operation_id="media_subtitles_create",
    summary="Attach a subtitle track (WebVTT or SRT) to an asset",
    description=(
        "A `multipart/form-data` form with the file in `file` (UTF-8 WebVTT or SRT, "
        "at most 2 MB), optional `language` and `label`."
    ),
    auth=UPLOAD_AUTH,
)
@decorate_view(
    multipart_form(max_bytes=services.SUBTITLE_MAX_BYTES + MULTIPART_OVERHEAD)
)
def media_subtitles_create(
    request: HttpRequest,
    asset_id: int,
    file: UploadedFile = File(...),  # noqa: B008
    language: str = Form("zh-hans"),  # noqa: B008
    label: str = Form("简体中文"),  # noqa: B008
) -> Status:
    asset = selectors.video_asset_get_managed(asset_id=asset_id, user=request.user)
    subtitle = services.subtitle_attach(
        asset=asset,
        raw=file.read(services.SUBTITLE_MAX_BYTES + 1),
        language=language,
        label=label,
    )
    return Status(
        201,
        {
            "language": subtitle.language,
            "label": subtitle.label,
            "url": selectors.hls_url(asset=asset, path=f"subtitles/{subtitle.pk}.vtt"),
        },
    )


# --- playback -------------------------------------------------------------------------


def _content_type(path: str) -> str:
    return CONTENT_TYPES.get(path[path.rfind(".") :]) or (
        mimetypes.guess_type(path)[0] or "application/octet-stream"
    )


@router.get(
    "/assets/{asset_id}/hls/{path:path}",
    operation_id="media_assets_playlist",
    summary=(
        "HLS playlists and WebVTT tracks with signed URLs inside; "
        "preview/index.m3u8 is the EVENT playlist of a transcode in progress"
    ),
    auth=PLAY_AUTH,
    response={200: None, **error_responses(403, 404)},
)
def media_assets_playlist(
    request: HttpRequest, asset_id: int, path: str
) -> HttpResponse:
    text = selectors.video_asset_hls_text(
        asset_id=asset_id,
        path=path,
        exp=request.GET.get("exp"),
        sig=request.GET.get("sig"),
        request=request,
    )
    response = HttpResponse(text, content_type=_content_type(path))
    response["Cache-Control"] = "private, no-cache"
    return response


@router.get(
    "/assets/{asset_id}/files/{path:path}",
    operation_id="media_assets_file",
    summary=(
        "A segment or image of the published version or of the preview "
        "(signed URL, local storage)"
    ),
    auth=None,
    response={200: None, **error_responses(403, 404)},
)
def media_assets_file(request: HttpRequest, asset_id: int, path: str) -> HttpResponse:
    handle = selectors.video_asset_file_open(
        asset_id=asset_id,
        path=path,
        exp=request.GET.get("exp"),
        sig=request.GET.get("sig"),
    )
    response = FileResponse(handle, content_type=_content_type(path))
    response["Cache-Control"] = "private, max-age=3600"
    return response

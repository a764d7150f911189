"""Media endpoints under ``/api/v3/media/``: tus 1.0 uploads, asset state,
subtitles, and the authorised HLS playlists and files.

tus (core, creation, termination, checksum, expiration) lives at ``/uploads/``: a
stock tus client works with a bearer token (or a session). Playlists are rewritten on
the way out so every URL inside is signed for this asset and expires.
"""

from __future__ import annotations

import base64
import binascii
import mimetypes
import re
from email.utils import format_datetime

from django.conf import settings
from django.core.files.storage import default_storage
from django.http import FileResponse, HttpRequest, HttpResponse, JsonResponse
from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.security import django_auth
from wagtail.api.v3.auth import AllowAnonymous, BearerTokenAuth

from media_pipeline import selectors, services
from media_pipeline import storage as media_storage
from media_pipeline.models import TusUpload, VideoAsset
from media_pipeline.signing import signature_state

router = Router(tags=["media"])

TUS_VERSION = "1.0.0"
TUS_EXTENSIONS = "creation,termination,checksum,expiration"
UPLOAD_AUTH = [BearerTokenAuth(), django_auth]
PLAY_AUTH = [BearerTokenAuth(), django_auth, AllowAnonymous()]
SAFE_PATH = re.compile(r"^[A-Za-z0-9_-]+(?:/[A-Za-z0-9_-]+)*\.[a-z0-9]+$")
CONTENT_TYPES = {
    ".m3u8": "application/vnd.apple.mpegurl",
    ".vtt": "text/vtt; charset=utf-8",
    ".ts": "video/mp2t",
    ".jpg": "image/jpeg",
}


class ErrorOut(Schema):
    detail: str
    code: str


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


class SubtitleOut(Schema):
    language: str
    label: str
    url: str


def _error(status: int, code: str, detail: str, headers: dict | None = None):
    response = JsonResponse({"detail": detail, "code": code}, status=status)
    for key, value in (headers or {}).items():
        response[key] = value
    return response


# --- tus ------------------------------------------------------------------------


def _tus_headers(
    response: HttpResponse, upload: TusUpload | None = None
) -> HttpResponse:
    response["Tus-Resumable"] = TUS_VERSION
    response["Cache-Control"] = "no-store"
    if upload is not None:
        response["Upload-Offset"] = str(upload.offset)
        response["Upload-Length"] = str(upload.length)
        if upload.asset_id is None:
            response["Upload-Expires"] = format_datetime(upload.expires_at, usegmt=True)
        else:
            response["Upload-Asset-Id"] = str(upload.asset_id)
    return response


def _tus_error(exc: services.UploadError) -> HttpResponse:
    return _tus_headers(_error(exc.status, exc.code, exc.detail))


def _tus_precondition(request: HttpRequest) -> HttpResponse | None:
    if request.headers.get("Tus-Resumable") != TUS_VERSION:
        response = _error(
            412, "tus_version", f"需要请求头 Tus-Resumable: {TUS_VERSION}"
        )
        response["Tus-Version"] = TUS_VERSION
        return _tus_headers(response)
    if not request.user.has_perm("media_pipeline.add_videoasset"):
        return _tus_headers(
            _error(403, "permission_denied", "只有讲师和编辑可以上传视频")
        )
    return None


def _metadata(header: str) -> dict[str, str]:
    values: dict[str, str] = {}
    for pair in header.split(","):
        key, _, encoded = pair.strip().partition(" ")
        if not key:
            continue
        try:
            values[key] = base64.b64decode(encoded, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            raise services.UploadError(
                400,
                "bad_metadata",
                f"Upload-Metadata 中 {key!r} 不是 base64 编码的 UTF-8",
            ) from None
    return values


def _int_header(request: HttpRequest, name: str) -> int:
    raw = request.headers.get(name, "")
    if not (raw.isascii() and raw.isdigit()):
        raise services.UploadError(400, "bad_header", f"请求头 {name} 须为非负整数")
    return int(raw)


@router.api_operation(
    ["OPTIONS"],
    "/uploads/",
    operation_id="media_uploads_options",
    summary="tus: server capabilities",
    auth=None,
    include_in_schema=False,
)
def media_uploads_options(request: HttpRequest):
    response = HttpResponse(status=204)
    response["Tus-Version"] = TUS_VERSION
    response["Tus-Extension"] = TUS_EXTENSIONS
    response["Tus-Max-Size"] = str(settings.MEDIA_UPLOAD_MAX_SIZE)
    response["Tus-Checksum-Algorithm"] = ",".join(services.CHECKSUM_ALGORITHMS)
    return _tus_headers(response)


@router.post(
    "/uploads/",
    operation_id="media_uploads_create",
    summary="tus: start a resumable upload (Upload-Length, Upload-Metadata)",
    auth=UPLOAD_AUTH,
    response={201: None, 400: ErrorOut, 403: ErrorOut, 412: ErrorOut, 413: ErrorOut},
)
def media_uploads_create(request: HttpRequest):
    problem = _tus_precondition(request)
    if problem:
        return problem
    try:
        metadata = _metadata(request.headers.get("Upload-Metadata", ""))
        upload = services.tus_upload_create(
            owner=request.user,
            length=_int_header(request, "Upload-Length"),
            filename=metadata.get("filename", ""),
            title=metadata.get("title", ""),
        )
    except services.UploadError as exc:
        return _tus_error(exc)
    response = HttpResponse(status=201)
    response["Location"] = request.build_absolute_uri(
        f"/api/v3/media/uploads/{upload.pk}/"
    )
    return _tus_headers(response, upload)


@router.api_operation(
    ["HEAD"],
    "/uploads/{upload_id}/",
    operation_id="media_uploads_offset",
    summary="tus: how much of an upload has arrived",
    auth=UPLOAD_AUTH,
    include_in_schema=False,
)
def media_uploads_offset(request: HttpRequest, upload_id: str):
    problem = _tus_precondition(request)
    if problem:
        return problem
    try:
        upload = services.tus_upload_get(upload_id=upload_id, owner=request.user)
    except services.UploadError as exc:
        return _tus_headers(HttpResponse(status=exc.status))
    return _tus_headers(HttpResponse(status=200), upload)


@router.patch(
    "/uploads/{upload_id}/",
    operation_id="media_uploads_append",
    summary="tus: append bytes at Upload-Offset (optionally with Upload-Checksum)",
    auth=UPLOAD_AUTH,
    response={
        204: None,
        400: ErrorOut,
        403: ErrorOut,
        404: ErrorOut,
        409: ErrorOut,
        410: ErrorOut,
        412: ErrorOut,
        413: ErrorOut,
        415: ErrorOut,
        460: ErrorOut,
    },
)
def media_uploads_append(request: HttpRequest, upload_id: str):
    problem = _tus_precondition(request)
    if problem:
        return problem
    if request.content_type != "application/offset+octet-stream":
        return _tus_headers(
            _error(
                415, "content_type", "Content-Type 须为 application/offset+octet-stream"
            )
        )
    try:
        upload = services.tus_upload_get(upload_id=upload_id, owner=request.user)
        length = request.headers.get("Content-Length")
        upload = services.tus_upload_append(
            upload=upload,
            offset=_int_header(request, "Upload-Offset"),
            stream=request,
            content_length=int(length)
            if length and length.isascii() and length.isdigit()
            else None,
            checksum=request.headers.get("Upload-Checksum"),
        )
    except services.UploadError as exc:
        return _tus_error(exc)
    return _tus_headers(HttpResponse(status=204), upload)


@router.delete(
    "/uploads/{upload_id}/",
    operation_id="media_uploads_delete",
    summary="tus: terminate an upload and discard its bytes",
    auth=UPLOAD_AUTH,
    response={204: None, 403: ErrorOut, 404: ErrorOut, 410: ErrorOut, 412: ErrorOut},
)
def media_uploads_delete(request: HttpRequest, upload_id: str):
    problem = _tus_precondition(request)
    if problem:
        return problem
    upload = TusUpload.objects.filter(pk=upload_id, owner=request.user).first()
    if upload is None:
        return _tus_error(services.UploadError(404, "upload_not_found", "上传不存在"))
    services.tus_upload_delete(upload=upload)
    return _tus_headers(HttpResponse(status=204))


# --- assets ---------------------------------------------------------------------


def _managed_asset(request: HttpRequest, asset_id: int) -> VideoAsset | None:
    """The asset if the requester uploaded it or may change every asset."""
    asset = VideoAsset.objects.filter(pk=asset_id).first()
    if asset is None:
        return None
    user = request.user
    if asset.uploaded_by_id == user.pk or user.has_perm(
        "media_pipeline.change_videoasset"
    ):
        return asset
    return None


@router.get(
    "/assets/{asset_id}/",
    response={200: AssetStateOut, 404: ErrorOut},
    operation_id="media_assets_detail",
    summary="An asset's processing state (for its uploader and editors)",
    auth=UPLOAD_AUTH,
)
def media_assets_detail(request: HttpRequest, asset_id: int):
    asset = _managed_asset(request, asset_id)
    if asset is None:
        return Status(404, {"detail": "视频素材不存在", "code": "asset_not_found"})
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
    }


@router.post(
    "/assets/{asset_id}/subtitles/",
    response={201: SubtitleOut, 400: ErrorOut, 404: ErrorOut},
    operation_id="media_subtitles_create",
    summary="Attach a subtitle track (WebVTT or SRT) to an asset",
    auth=UPLOAD_AUTH,
)
def media_subtitles_create(
    request: HttpRequest,
    asset_id: int,
    file: UploadedFile = File(...),  # noqa: B008
    language: str = Form("zh-hans"),  # noqa: B008
    label: str = Form("简体中文"),  # noqa: B008
):
    asset = _managed_asset(request, asset_id)
    if asset is None:
        return Status(404, {"detail": "视频素材不存在", "code": "asset_not_found"})
    try:
        subtitle = services.subtitle_attach(
            asset=asset,
            raw=file.read(services.SUBTITLE_MAX_BYTES + 1),
            language=language,
            label=label,
        )
    except ValueError as exc:
        return Status(400, {"detail": str(exc), "code": "bad_subtitle"})
    return Status(
        201,
        {
            "language": subtitle.language,
            "label": subtitle.label,
            "url": selectors.hls_url(asset, f"subtitles/{subtitle.pk}.vtt"),
        },
    )


# --- playback -------------------------------------------------------------------


def _signature_problem(
    request: HttpRequest, asset: VideoAsset, path: str
) -> HttpResponse | None:
    """None when the URL is signed for this asset and path, unexpired, and the asset
    has a published version; else the error response."""
    state = signature_state(
        asset.pk, path, request.GET.get("exp"), request.GET.get("sig")
    )
    if state == "expired":
        return _error(403, "url_expired", "播放链接已过期，请刷新页面重新获取")
    if state != "valid" or not selectors.video_asset_is_playable(asset):
        return _error(404, "not_found", "视频不存在或不可播放")
    return None


def _authorised(
    request: HttpRequest, asset: VideoAsset, path: str
) -> HttpResponse | None:
    """None when the signed URL (or, for the master, the requester) may read it."""
    problem = _signature_problem(request, asset, path)
    if (
        problem is not None
        and problem.status_code == 404
        and path == media_storage.MASTER
        and selectors.video_asset_visible_to(asset=asset, user=request.user)
    ):
        return None
    return problem


def _rewrite_playlist(asset: VideoAsset, path: str, text: str) -> str:
    folder = path.rsplit("/", 1)[0] + "/" if "/" in path else ""
    lines = []
    for line in text.splitlines():
        if line and not line.startswith("#"):
            target = folder + line.strip()
            if path == media_storage.MASTER:
                line = selectors.hls_url(asset, target)
            else:
                line = media_storage.file_url(asset.pk, asset.published_version, target)
        lines.append(line)
    return "\n".join(lines) + "\n"


def _text_response(text: str, path: str) -> HttpResponse:
    response = HttpResponse(text, content_type=CONTENT_TYPES[path[path.rfind(".") :]])
    response["Cache-Control"] = "private, no-cache"
    return response


@router.get(
    "/assets/{asset_id}/hls/{path:path}",
    operation_id="media_assets_playlist",
    summary="HLS playlists and WebVTT tracks with signed URLs inside",
    auth=PLAY_AUTH,
    response={200: None, 403: ErrorOut, 404: ErrorOut},
)
def media_assets_playlist(request: HttpRequest, asset_id: int, path: str):
    asset = VideoAsset.objects.filter(pk=asset_id).first()
    if asset is None or not SAFE_PATH.match(path):
        return _error(404, "not_found", "视频不存在或不可播放")
    problem = _authorised(request, asset, path)
    if problem:
        return problem
    match = re.fullmatch(r"subtitles/(\d+)\.vtt", path)
    if match:
        subtitle = asset.subtitles.filter(pk=int(match.group(1))).first()
        if subtitle is None:
            return _error(404, "not_found", "字幕不存在")
        return _text_response(subtitle.content, path)
    if not path.endswith((".m3u8", ".vtt")):
        return _error(404, "not_found", "文件不存在")
    key = f"{media_storage.version_prefix(asset.pk, asset.published_version)}/{path}"
    try:
        with default_storage.open(key, "rb") as handle:
            text = handle.read().decode("utf-8")
    except FileNotFoundError:
        return _error(404, "not_found", "文件不存在")
    if path.endswith(".vtt"):
        sprite = media_storage.file_url(asset.pk, asset.published_version, "sprite.jpg")
        return _text_response(text.replace("sprite.jpg#", f"{sprite}#"), path)
    return _text_response(_rewrite_playlist(asset, path, text), path)


@router.get(
    "/assets/{asset_id}/files/{path:path}",
    operation_id="media_assets_file",
    summary="A segment or image of the published version (signed URL, local storage)",
    auth=None,
    response={200: None, 403: ErrorOut, 404: ErrorOut},
)
def media_assets_file(request: HttpRequest, asset_id: int, path: str):
    asset = VideoAsset.objects.filter(pk=asset_id).first()
    if asset is None or not SAFE_PATH.match(path) or path.endswith((".m3u8", ".vtt")):
        return _error(404, "not_found", "文件不存在")
    problem = _signature_problem(request, asset, path)
    if problem:
        return problem
    key = f"{media_storage.version_prefix(asset.pk, asset.published_version)}/{path}"
    try:
        handle = default_storage.open(key, "rb")
    except FileNotFoundError:
        return _error(404, "not_found", "文件不存在")
    content_type = CONTENT_TYPES.get(path[path.rfind(".") :]) or (
        mimetypes.guess_type(path)[0] or "application/octet-stream"
    )
    response = FileResponse(handle, content_type=content_type)
    response["Cache-Control"] = "private, max-age=3600"
    return response

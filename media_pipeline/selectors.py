"""Reads: whether an asset plays, who may play it, the URLs a player needs and the
playlists, tracks and files it fetches.

**Playable** is one rule: the asset has a published version (a re-run that failed
keeps the previous one playing). Templates use ``VideoAsset.is_playable``, which
asks ``video_asset_is_playable``.

**Who may play** an asset is decided here with rules other apps register
(``video_asset_viewer_rule_register``), so media_pipeline imports none of them: cms
registers the rule "used by a live page the request may see".

**The preview** of a run in progress (its EVENT playlist under ``preview/``) is for
the uploader and editors only: its URL is handed to them alone
(``video_asset_preview_url``), it follows the same signed-URL rules as the published
files, and unsigned it opens only for them. It exists while the asset is transcoding
and is gone once the run publishes or fails.
"""

from __future__ import annotations

import re
from typing import IO, Any, Protocol

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.files.storage import default_storage
from django.http import HttpRequest

from media_pipeline import storage as media_storage
from media_pipeline.errors import AssetNotFound, PlaybackNotFound, PlaybackUrlExpired
from media_pipeline.models import Rendition, VideoAsset
from media_pipeline.signing import signature_state, signed_query

API_PREFIX = "/api/v3/media/assets"
# A path inside a published version: no "..", no absolute path, one extension.
SAFE_PATH = re.compile(r"^[A-Za-z0-9_-]+(?:/[A-Za-z0-9_-]+)*\.[a-z0-9]+$")
_SUBTITLE_PATH = re.compile(r"subtitles/(\d+)\.vtt")
_TEXT_SUFFIXES = (".m3u8", ".vtt")
PREVIEW_DIR = f"{media_storage.PREVIEW}/"
PREVIEW_PLAYLIST_PATH = PREVIEW_DIR + media_storage.PREVIEW_PLAYLIST


class VideoAssetViewerRule(Protocol):
    """``rule(*, asset, request) -> bool``: True when ``request`` may play ``asset``
    through what the registering app owns (e.g. a page using it)."""

    def __call__(self, *, asset: VideoAsset, request: HttpRequest) -> bool: ...


_VIEWER_RULES: list[VideoAssetViewerRule] = []


def video_asset_is_playable(*, asset: VideoAsset) -> bool:
    """The one readiness rule: ``asset`` has a published version that plays."""
    return asset.published_version is not None


def video_asset_viewer_rule_register(
    rule: VideoAssetViewerRule,
) -> VideoAssetViewerRule:
    """Let ``rule`` grant playing (call it from an ``AppConfig.ready()``; registering
    the same rule twice keeps one). Returns ``rule``, so it works as a decorator."""
    if rule not in _VIEWER_RULES:
        _VIEWER_RULES.append(rule)
    return rule


def _manages(user: AbstractBaseUser | AnonymousUser | None, asset: VideoAsset) -> bool:
    return bool(
        user is not None
        and user.is_authenticated
        and (
            asset.uploaded_by_id == user.pk
            or user.has_perm("media_pipeline.change_videoasset")
        )
    )


def video_asset_visible_to(*, asset: VideoAsset, request: HttpRequest) -> bool:
    """May ``request`` play ``asset``? It must be playable, and the requester its
    uploader or an editor (who may always preview), or a registered viewer rule
    must say yes."""
    if not video_asset_is_playable(asset=asset):
        return False
    if _manages(getattr(request, "user", None), asset):
        return True
    return any(rule(asset=asset, request=request) for rule in _VIEWER_RULES)


def video_asset_get_managed(
    *, asset_id: int, user: AbstractBaseUser | AnonymousUser
) -> VideoAsset:
    """The asset, if ``user`` uploaded it or may change every asset.

    Raises ``AssetNotFound`` otherwise (someone else's asset is not found either).
    """
    asset = VideoAsset.objects.filter(pk=asset_id).first()
    if asset is None or not _manages(user, asset):
        raise AssetNotFound()
    return asset


def video_asset_preview_url(
    *, asset: VideoAsset, user: AbstractBaseUser | AnonymousUser | None
) -> str | None:
    """Signed URL of the preview playlist of the run in progress, for the uploader
    and editors; None for anyone else, or when no segment is ready yet."""
    if not _manages(user, asset) or not _preview_active(asset):
        return None
    if not default_storage.exists(_preview_key(asset, media_storage.PREVIEW_PLAYLIST)):
        return None
    return hls_url(asset=asset, path=PREVIEW_PLAYLIST_PATH)


def video_asset_preview_get(
    *, asset_id: int, user: AbstractBaseUser | AnonymousUser
) -> dict[str, Any]:
    """The preview of ``asset_id``'s transcode in progress for its uploader or an
    editor: id, status, progress and the signed ``preview_url``.

    Raises ``AssetNotFound`` (no such asset, or not the requester's to manage) and
    ``PlaybackNotFound`` (code ``no_preview``: no run in progress, or its first
    segment not encoded yet).
    """
    asset = video_asset_get_managed(asset_id=asset_id, user=user)
    url = video_asset_preview_url(asset=asset, user=user)
    if url is None:
        raise PlaybackNotFound(
            "没有正在转码的预览：尚未开始、首个片段未完成，或已发布 "
            "(no preview in progress)",
            code="no_preview",
        )
    return {
        "id": asset.pk,
        "status": str(asset.status),
        "progress": asset.progress,
        "preview_url": url,
    }


def video_asset_review_player(
    *, asset: VideoAsset, user: AbstractBaseUser | AnonymousUser | None
) -> dict[str, Any] | None:
    """What the admin's preview player shows ``user`` (the uploader or an editor;
    None for anyone else): the preview while transcoding, else the published
    version. ``kind`` is ``"preview"``, ``"published"`` or ``""`` (nothing plays
    yet); ``url`` the signed playlist; ``state_url`` the API the player polls to
    switch from the preview to the published version."""
    if asset.pk is None or not _manages(user, asset):
        return None
    player = {
        "kind": "",
        "url": "",
        "label": "尚无可播放的内容：转码开始后，完成的片段即可预览",
        "state_url": f"{API_PREFIX}/{asset.pk}/",
    }
    preview = video_asset_preview_url(asset=asset, user=user)
    if preview:
        player.update(
            kind="preview", url=preview, label=f"预览（转码中 {asset.progress}%）"
        )
    elif video_asset_is_playable(asset=asset):
        player.update(
            kind="published",
            url=hls_url(asset=asset, path=media_storage.MASTER),
            label=f"已发布版本（第 {asset.published_version} 版）",
        )
    elif asset.status == VideoAsset.Status.FAILED:
        return None
    return player


def _preview_active(asset: VideoAsset) -> bool:
    return asset.status == VideoAsset.Status.TRANSCODING and asset.last_version > 0


def _preview_key(asset: VideoAsset, relative: str) -> str:
    return f"{media_storage.preview_prefix(asset.pk, asset.last_version)}/{relative}"


def hls_url(*, asset: VideoAsset, path: str) -> str:
    """Signed app URL of a playlist or WebVTT file of the published version."""
    return f"{API_PREFIX}/{asset.pk}/hls/{path}?" + signed_query(asset.pk, path)


def video_asset_poster_url(*, asset: VideoAsset) -> str | None:
    """The signed URL of a playable video's poster (the player's and the covers'),
    or None for an unplayable or audio-only asset. Whoever hands it out must first
    know the viewer may see a page using the asset: the URL itself is the key."""
    if not video_asset_is_playable(asset=asset) or asset.is_audio_only:
        return None
    return media_storage.file_url(asset.pk, asset.published_version, "poster.jpg")


def video_asset_poster_size(*, asset: VideoAsset) -> tuple[int, int]:
    """The poster's pixels: the top rung of the published ladder (the transcoder
    draws the poster at that size), else the source's, else 16:9."""
    top = (
        asset.renditions.filter(
            version=asset.published_version,
            kind=Rendition.Kind.VIDEO,
            height__isnull=False,
        )
        .order_by("-height")
        .first()
    )
    if top is not None and top.width:
        return top.width, top.height
    if asset.width and asset.height:
        return asset.width, asset.height
    return 1280, 720


def video_asset_playback(*, asset: VideoAsset) -> dict[str, Any]:
    """What a player needs: state, and for a playable asset signed URLs of the
    master playlist, poster, thumbnails track and subtitles."""
    data: dict[str, Any] = {
        "id": asset.pk,
        "status": str(asset.status),
        "progress": asset.progress,
        "duration": asset.duration,
        "projection": asset.projection or None,
        "audio_only": bool(asset.media_info) and asset.is_audio_only,
        "master_url": None,
        "poster_url": None,
        "thumbnails_url": None,
        "subtitles": [],
    }
    if not video_asset_is_playable(asset=asset):
        return data
    data["master_url"] = hls_url(asset=asset, path=media_storage.MASTER)
    if not asset.is_audio_only:
        data["poster_url"] = video_asset_poster_url(asset=asset)
        data["thumbnails_url"] = hls_url(asset=asset, path="thumbnails.vtt")
    data["subtitles"] = [
        {
            "language": subtitle.language,
            "label": subtitle.label,
            "url": hls_url(asset=asset, path=f"subtitles/{subtitle.pk}.vtt"),
        }
        for subtitle in asset.subtitles.all()
    ]
    return data


# --- what a player fetches --------------------------------------------------------------


def _signed_access_check(
    *, asset: VideoAsset, path: str, exp: str | None, sig: str | None
) -> None:
    state = signature_state(asset.pk, path, exp, sig)
    if state == "expired":
        raise PlaybackUrlExpired()
    if path.startswith(PREVIEW_DIR):
        if state != "valid" or not _preview_active(asset):
            raise PlaybackNotFound("预览不存在或已结束 (no preview in progress)")
    elif state != "valid" or not video_asset_is_playable(asset=asset):
        raise PlaybackNotFound()


def _published_key(asset: VideoAsset, path: str) -> str:
    if path.startswith(PREVIEW_DIR):
        return _preview_key(asset, path.removeprefix(PREVIEW_DIR))
    return f"{media_storage.version_prefix(asset.pk, asset.published_version)}/{path}"


def _preview_playlist(asset: VideoAsset) -> str:
    """The preview's EVENT playlist, each segment's URL signed."""
    try:
        with default_storage.open(
            _preview_key(asset, media_storage.PREVIEW_PLAYLIST), "rb"
        ) as handle:
            text = handle.read().decode("utf-8")
    except FileNotFoundError:
        raise PlaybackNotFound("预览不存在或已结束 (no preview in progress)") from None
    lines = []
    for line in text.splitlines():
        if line and not line.startswith("#"):
            line = media_storage.preview_file_url(
                asset.pk, asset.last_version, line.strip()
            )
        lines.append(line)
    return "\n".join(lines) + "\n"


def _rewrite_playlist(asset: VideoAsset, path: str, text: str) -> str:
    folder = path.rsplit("/", 1)[0] + "/" if "/" in path else ""
    lines = []
    for line in text.splitlines():
        if line and not line.startswith("#"):
            target = folder + line.strip()
            if path == media_storage.MASTER:
                line = hls_url(asset=asset, path=target)
            else:
                line = media_storage.file_url(asset.pk, asset.published_version, target)
        lines.append(line)
    return "\n".join(lines) + "\n"


def video_asset_hls_text(
    *,
    asset_id: int,
    path: str,
    exp: str | None,
    sig: str | None,
    request: HttpRequest,
) -> str:
    """A playlist or WebVTT track of the published version, or the preview playlist
    (``preview/index.m3u8``) of the run in progress, every URL inside signed for this
    asset. The URL must be signed for ``path`` (``exp``, ``sig``), except the master
    playlist for a requester who may play the asset (``video_asset_visible_to``) and
    the preview playlist for the uploader and editors.

    Raises ``PlaybackUrlExpired`` and ``PlaybackNotFound`` (unknown asset or path,
    unsigned, not playable, no such file).
    """
    asset = VideoAsset.objects.filter(pk=asset_id).first()
    if asset is None or not SAFE_PATH.match(path):
        raise PlaybackNotFound()
    try:
        _signed_access_check(asset=asset, path=path, exp=exp, sig=sig)
    except PlaybackUrlExpired:
        raise
    except PlaybackNotFound:
        user = getattr(request, "user", None)
        if path == PREVIEW_PLAYLIST_PATH:
            if not (_manages(user, asset) and _preview_active(asset)):
                raise
        elif not (
            path == media_storage.MASTER
            and video_asset_visible_to(asset=asset, request=request)
        ):
            raise
    if path == PREVIEW_PLAYLIST_PATH:
        return _preview_playlist(asset)
    if path.startswith(PREVIEW_DIR):
        raise PlaybackNotFound("文件不存在")
    match = _SUBTITLE_PATH.fullmatch(path)
    if match:
        subtitle = asset.subtitles.filter(pk=int(match.group(1))).first()
        if subtitle is None:
            raise PlaybackNotFound("字幕不存在")
        return subtitle.content
    if not path.endswith(_TEXT_SUFFIXES):
        raise PlaybackNotFound("文件不存在")
    try:
        with default_storage.open(_published_key(asset, path), "rb") as handle:
            text = handle.read().decode("utf-8")
    except FileNotFoundError:
        raise PlaybackNotFound("文件不存在") from None
    if path.endswith(".vtt"):
        sprite = media_storage.file_url(asset.pk, asset.published_version, "sprite.jpg")
        return text.replace("sprite.jpg#", f"{sprite}#")
    return _rewrite_playlist(asset, path, text)


def video_asset_file_open(
    *, asset_id: int, path: str, exp: str | None, sig: str | None
) -> IO[bytes]:
    """Open a segment or image of the published version, or a segment of the preview
    in progress (``preview/...``), for a URL signed for it (local storage; S3 serves
    its own presigned URLs). The caller closes it.

    Raises ``PlaybackUrlExpired`` and ``PlaybackNotFound``.
    """
    asset = VideoAsset.objects.filter(pk=asset_id).first()
    if asset is None or not SAFE_PATH.match(path) or path.endswith(_TEXT_SUFFIXES):
        raise PlaybackNotFound("文件不存在")
    _signed_access_check(asset=asset, path=path, exp=exp, sig=sig)
    try:
        return default_storage.open(_published_key(asset, path), "rb")
    except FileNotFoundError:
        raise PlaybackNotFound("文件不存在") from None


# --- search -----------------------------------------------------------------------------

_VTT_TIMING = re.compile(r"^\s*(\d{2}:)?\d{2}:\d{2}\.\d{3}\s+-->")
_VTT_TAG = re.compile(r"<[^>]+>")


def video_asset_subtitle_text(*, asset: VideoAsset) -> str:
    """The spoken text of ``asset``'s subtitle tracks, without cue timings, ids or
    markup, for full-text search."""
    lines: list[str] = []
    for content in asset.subtitles.values_list("content", flat=True):
        in_note = False
        for raw in content.splitlines():
            line = raw.strip()
            if not line:
                in_note = False
                continue
            if in_note or line.startswith(("WEBVTT", "STYLE", "REGION")):
                continue
            if line.startswith("NOTE"):
                in_note = True
                continue
            if _VTT_TIMING.match(line) or line.isdigit():
                continue
            lines.append(_VTT_TAG.sub("", line))
    return "\n".join(lines)

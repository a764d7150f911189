"""Reads: who may play an asset, and the URLs a player needs."""

from __future__ import annotations

import re
from typing import Any

from django.db.models import Q
from wagtail.models import Page, PageViewRestriction

from media_pipeline import storage as media_storage
from media_pipeline.models import VideoAsset
from media_pipeline.signing import signed_query

API_PREFIX = "/api/v3/media/assets"


def video_asset_is_playable(asset: VideoAsset) -> bool:
    """A published version exists (a re-run that failed keeps the previous one)."""
    return asset.published_version is not None


def _user_may_view_page(user: Any, page: Page) -> bool:
    for restriction in page.get_view_restrictions():
        if restriction.restriction_type == PageViewRestriction.LOGIN:
            if not user.is_authenticated:
                return False
        elif restriction.restriction_type == PageViewRestriction.GROUPS:
            if not user.is_authenticated or not (
                user.is_superuser
                or restriction.groups.filter(pk__in=user.groups.all()).exists()
            ):
                return False
        else:
            return False  # password restrictions: only the portal can check those
    return True


def video_asset_visible_to(*, asset: VideoAsset, user: Any) -> bool:
    """May ``user`` play ``asset``? It must be playable and used by a live lesson
    (or VR courseware) the user may see; editors and the uploader may always preview.
    """
    if not video_asset_is_playable(asset):
        return False
    if user.is_authenticated and (
        asset.uploaded_by_id == user.pk
        or user.has_perm("media_pipeline.change_videoasset")
    ):
        return True
    from cms.models import MicroLessonPage, VRCoursewarePage

    for model in (MicroLessonPage, VRCoursewarePage):
        for page in model.objects.live().filter(Q(video=asset)):
            if _user_may_view_page(user, page):
                return True
    return False


def hls_url(asset: VideoAsset, path: str) -> str:
    """Signed app URL of a playlist or WebVTT file of the published version."""
    return f"{API_PREFIX}/{asset.pk}/hls/{path}?" + signed_query(asset.pk, path)


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
    if not video_asset_is_playable(asset):
        return data
    data["master_url"] = hls_url(asset, media_storage.MASTER)
    if not asset.is_audio_only:
        data["poster_url"] = media_storage.file_url(
            asset.pk, asset.published_version, "poster.jpg"
        )
        data["thumbnails_url"] = hls_url(asset, "thumbnails.vtt")
    data["subtitles"] = [
        {
            "language": subtitle.language,
            "label": subtitle.label,
            "url": hls_url(asset, f"subtitles/{subtitle.pk}.vtt"),
        }
        for subtitle in asset.subtitles.all()
    ]
    return data


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

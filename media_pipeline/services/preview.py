"""The preview of a run in progress: the preview rung's finished segments, copied to
``assets/<id>/preview/<version>/`` while ffmpeg still encodes the rest, behind an HLS
playlist of type EVENT that grows with them.

The transcode calls ``PreviewPublisher.sync`` at each ffmpeg progress report and once
more, ``final=True``, when ffmpeg is done. Only segments listed whole in ffmpeg's own
EVENT playlist are copied (ffmpeg renames a segment into place when it is complete and
lists it afterwards), each before the playlist that names it, so a player never meets a
segment that is not there yet. A storage failure while previewing is logged and tried
again at the next report: the preview never stops the transcode. The run removes the
preview when it publishes or fails (``preview_discard``).
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

from media_pipeline import storage as media_storage

logger = logging.getLogger(__name__)

_SEGMENT = re.compile(r"^seg_\d{5,}\.ts$")
_HEADER_TAGS = (
    "#EXTM3U",
    "#EXT-X-VERSION:",
    "#EXT-X-TARGETDURATION:",
    "#EXT-X-MEDIA-SEQUENCE:",
    "#EXT-X-PLAYLIST-TYPE:",
    "#EXT-X-INDEPENDENT-SEGMENTS",
)


def event_playlist_parse(text: str) -> tuple[list[str], list[tuple[str, str]], bool]:
    """ffmpeg's EVENT playlist as (header lines, [(EXTINF line, segment)], ended).

    A segment counts only with its ``#EXTINF`` line before it and the line ended by
    a newline (a playlist read halfway through being written loses its last line).
    """
    header: list[str] = []
    segments: list[tuple[str, str]] = []
    ended = False
    extinf = ""
    lines = text.split("\n")
    for line in lines[:-1]:  # the part after the last newline may be incomplete
        line = line.strip()
        if line.startswith("#EXTINF:"):
            extinf = line
        elif line == "#EXT-X-ENDLIST":
            ended = True
        elif line.startswith(_HEADER_TAGS):
            header.append(line)
        elif line and not line.startswith("#") and extinf and _SEGMENT.match(line):
            segments.append((extinf, line))
            extinf = ""
    return header, segments, ended


class PreviewPublisher:
    """Copies a run's preview rung from the work folder to storage as it grows."""

    def __init__(self, *, asset_id: int, version: int, rung_dir: Path):
        self.prefix = media_storage.preview_prefix(asset_id, version)
        self.rung_dir = rung_dir
        self.published: list[tuple[str, str]] = []
        self.ended = False

    @property
    def playlist_key(self) -> str:
        return f"{self.prefix}/{media_storage.PREVIEW_PLAYLIST}"

    def sync(self, *, final: bool = False) -> int:
        """Copy the segments finished since the last call, then the playlist naming
        them (with ``#EXT-X-ENDLIST`` once ffmpeg has ended it and every segment is
        copied). Returns how many segments are published. Never raises for a storage
        failure: it is logged, and the next call tries again."""
        try:
            return self._sync(final)
        except media_storage.STORAGE_ERRORS:
            logger.warning("preview of %s not updated", self.prefix, exc_info=True)
            return len(self.published)

    def _sync(self, final: bool) -> int:
        try:
            text = (self.rung_dir / "index.m3u8").read_text("utf-8", "replace")
        except FileNotFoundError:
            return 0
        header, listed, ended = event_playlist_parse(text)
        fresh = listed[len(self.published) :]
        if not fresh and not (final and ended and not self.ended):
            return len(self.published)
        for extinf, name in fresh:
            data = (self.rung_dir / name).read_bytes()
            media_storage.file_replace(f"{self.prefix}/{name}", data)
            self.published.append((extinf, name))
        self.ended = final and ended
        lines = [*header]
        for extinf, name in self.published:
            lines += [extinf, name]
        if self.ended:
            lines.append("#EXT-X-ENDLIST")
        media_storage.file_replace(
            self.playlist_key, ("\n".join(lines) + "\n").encode()
        )
        return len(self.published)


def preview_discard(*, asset_id: int, version: int | None = None) -> None:
    """Remove the preview of ``version`` (of every run when None). A storage failure
    is logged, not raised: the next run of the asset removes what is left."""
    prefix = (
        media_storage.preview_root(asset_id)
        if version is None
        else media_storage.preview_prefix(asset_id, version)
    )
    try:
        media_storage.prefix_delete(prefix)
    except media_storage.STORAGE_ERRORS:
        logger.warning("could not remove the preview %s", prefix, exc_info=True)

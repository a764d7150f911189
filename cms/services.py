"""Writes to content that other apps trigger (through signals, never by editing cms's
tables themselves)."""

from __future__ import annotations

from django.db import transaction

from cms.selectors import PAGE_MODELS_WITH_VIDEO
from media_pipeline.selectors import video_asset_is_playable


def lesson_duration_from_video(*, page) -> bool:
    """Give ``page`` (a lesson or VR courseware, unsaved changes included) the
    duration of its video when the video can play and the page has none, or still
    has the one it took from the video it used before. Changes the instance only
    (the caller saves it: every save of such a page runs this, see
    ``cms.signal_handlers``), so a lesson has its video's duration however the two
    came together: a ready video attached, a revision published, a submission
    approved, a page copied. An editor's own duration is never overwritten. Returns
    whether the duration changed; raises nothing."""
    asset = page.video if page.video_id else None
    if asset is None or not asset.duration or not video_asset_is_playable(asset=asset):
        return False
    seconds = int(round(asset.duration))
    if seconds <= 0 or page.duration == seconds:
        return False
    if page.duration and page.pk is None:
        return False
    if page.duration:
        before = (
            type(page)
            .objects.filter(pk=page.pk)
            .values_list("video_id", "video__duration")
            .first()
        )
        taken_from_previous = (
            before is not None
            and before[0] != page.video_id
            and before[1] is not None
            and int(round(before[1])) == page.duration
        )
        if not taken_from_previous:
            return False
    page.duration = seconds
    return True


def lesson_durations_fill(*, asset_id: int, duration: float | None) -> int:
    """Give the lessons and VR courseware using video ``asset_id`` whose duration is
    still 0 the video's ``duration`` (seconds), on the page and on its latest
    revision, so the next edit keeps it. Returns how many pages changed; an editor's
    own duration is never overwritten. Raises nothing for an unknown asset (no page
    uses it)."""
    seconds = int(round(duration or 0))
    if seconds <= 0:
        return 0
    changed = 0
    with transaction.atomic():
        for model in PAGE_MODELS_WITH_VIDEO:
            for page in model.objects.filter(video_id=asset_id, duration=0):
                model.objects.filter(pk=page.pk).update(duration=seconds)
                changed += 1
                revision = page.latest_revision
                if revision is not None and not revision.content.get("duration"):
                    revision.content["duration"] = seconds
                    revision.save(update_fields=["content"])
    return changed


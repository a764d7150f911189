"""Writes to content that other apps trigger (through signals, never by editing cms's
tables themselves)."""

from __future__ import annotations

from django.db import transaction

from cms.selectors import PAGE_MODELS_WITH_VIDEO


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

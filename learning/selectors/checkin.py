"""Reads for offline classes: which sessions take check-ins now."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone

from learning.models import TrainingSession

CHECKIN_EARLY = timedelta(minutes=30)  # a session takes check-ins from 30 min early
CHECKIN_LATE = timedelta(minutes=0)  # … until it ends


def sessions_open_for_checkin(*, at: datetime | None = None) -> list[TrainingSession]:
    """Sessions whose check-in window (``CHECKIN_EARLY`` before the start to
    ``CHECKIN_LATE`` after the end) contains ``at`` (now by default), by start."""
    moment = at or timezone.now()
    return list(
        TrainingSession.objects.filter(
            starts_at__lte=moment + CHECKIN_EARLY, ends_at__gte=moment - CHECKIN_LATE
        )
        .select_related("training_class", "teaching_site")
        .order_by("starts_at", "pk")
    )

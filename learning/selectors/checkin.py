"""Reads for offline classes: which sessions take check-ins now, and who may attend
a class."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Q
from django.utils import timezone

from learning.models import Member, Organisation, TrainingClass, TrainingSession
from learning.selectors.scoping import (
    UserLike,
    organisation_prefixes,
    user_can_report_on,
)

CHECKIN_EARLY = timedelta(minutes=30)  # a session takes check-ins from 30 min early
CHECKIN_LATE = timedelta(minutes=0)  # … until it ends


def _attendable_q(member: Member, prefix: str = "") -> Q:
    """Classes open to all, or held by an organisation on the member's path to the
    root (so the member's organisation lies in the class's subtree)."""
    path = (
        Organisation.objects.filter(pk=member.organisation_id)
        .values_list("path", flat=True)
        .first()
    )
    open_to_all = Q(**{f"{prefix}attendance": TrainingClass.Audience.OPEN})
    if not path:
        return open_to_all
    return open_to_all | Q(
        **{f"{prefix}organisation__path__in": organisation_prefixes(path=path)}
    )


def member_may_attend(*, member: Member, training_class: TrainingClass) -> bool:
    """True when ``training_class`` is open to all members, or ``member`` belongs to
    its organisation or one below it. Raises nothing."""
    if training_class.attendance == TrainingClass.Audience.OPEN:
        return True
    return (
        TrainingClass.objects.filter(pk=training_class.pk)
        .filter(_attendable_q(member))
        .exists()
    )


def training_session_find(*, session_id: int | None) -> TrainingSession | None:
    """The training session ``session_id`` with its class and the class's
    organisation (for refusals naming it); None when there is none. Raises
    nothing."""
    if session_id is None:
        return None
    return (
        TrainingSession.objects.select_related("training_class__organisation")
        .filter(pk=session_id)
        .first()
    )


def sessions_open_for_checkin(
    *, at: datetime | None = None, member: Member | None = None
) -> list[TrainingSession]:
    """Sessions whose check-in window (``CHECKIN_EARLY`` before the start to
    ``CHECKIN_LATE`` after the end) contains ``at`` (now by default), by start;
    with ``member``, only those of classes the member may attend."""
    moment = at or timezone.now()
    sessions = TrainingSession.objects.filter(
        starts_at__lte=moment + CHECKIN_EARLY, ends_at__gte=moment - CHECKIN_LATE
    )
    if member is not None:
        sessions = sessions.filter(_attendable_q(member, "training_class__"))
    return list(
        sessions.select_related(
            "training_class__organisation", "teaching_site"
        ).order_by("starts_at", "pk")
    )


def sessions_upcoming_for_checkin(
    *, member: Member, at: datetime | None = None, limit: int = 5
) -> list[TrainingSession]:
    """The next ``limit`` sessions of classes ``member`` may attend whose check-in
    window has not opened yet at ``at`` (now by default), by start: what the
    check-in page lists as coming up."""
    moment = at or timezone.now()
    sessions = TrainingSession.objects.filter(
        starts_at__gt=moment + CHECKIN_EARLY
    ).filter(_attendable_q(member, "training_class__"))
    return list(
        sessions.select_related("training_class", "teaching_site").order_by(
            "starts_at", "pk"
        )[:limit]
    )


def session_screen_shown_to(*, user: UserLike, session: TrainingSession) -> bool:
    """True when ``user`` may show the check-in screen (its rotating code) of
    ``session``: staff who may view training classes, for a class of an
    organisation in their subtrees; the same rule for the admin's screen and the
    hall screen. Raises nothing."""
    return user.is_authenticated and (
        user.has_perm("learning.view_trainingclass")
        and user_can_report_on(
            user=user, organisation=session.training_class.organisation
        )
    )


def session_attendance_count(*, session: TrainingSession) -> int:
    """How many have checked in at ``session`` (what its hall screen shows).
    Raises nothing."""
    return session.attendance.count()

"""集中收看: what is read — the rooms a user manages, the lecture a room shows, who
is checked in where and the head-counts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from broadcasts.models import LiveLecture
from learning.models import Organisation
from learning.selectors import (
    organisation_prefixes,
    organisation_scope_q,
    user_can_report_on,
)
from learning.selectors.scoping import UserLike
from viewing.errors import RoomNotFound
from viewing.models import RoomCheckin, RoomScreen, RoomShowing, ViewingRoom

UPCOMING_WITHIN = timedelta(hours=12)  # what a room's screen counts down to
ON_AIR_SECONDS = 60
CHECKIN_EARLY_MINUTES = 30  # members check in at a room this long before the start  # a showing with a beat this recent is on the air


def rooms_managed_by(*, user: UserLike) -> QuerySet[ViewingRoom]:
    """The rooms of the organisations in ``user``'s subtrees (every room for
    editors; none for others). Raises nothing."""
    if not user.is_authenticated:
        return ViewingRoom.objects.none()
    return ViewingRoom.objects.filter(
        organisation_scope_q(user=user, prefix="organisation__")
    ).select_related("organisation")


def room_managed_by(*, user: UserLike, room_id: int) -> ViewingRoom:
    """Room ``room_id`` when ``user`` manages it. Raises RoomNotFound."""
    room = rooms_managed_by(user=user).filter(pk=room_id).first()
    if room is None:
        raise RoomNotFound(f"收看点 {room_id} 不存在，或不在您管理的党组织范围内")
    return room


def room_find(*, room_id: int | None) -> ViewingRoom | None:
    """Room ``room_id`` (None: no such room). Raises nothing."""
    if room_id is None:
        return None
    return ViewingRoom.objects.select_related("organisation").filter(pk=room_id).first()


def room_is_managed_by(*, user: UserLike, room: ViewingRoom) -> bool:
    """True when ``user`` administers the room's organisation or one above it."""
    return user_can_report_on(user=user, organisation=room.organisation)


def organisation_managed_by(*, user: UserLike, code: str) -> Organisation | None:
    """The organisation ``code`` when ``user`` manages it (None otherwise)."""
    organisation = Organisation.objects.filter(code=code).first()
    if organisation is None or not user_can_report_on(
        user=user, organisation=organisation
    ):
        return None
    return organisation


def _audience_q(room: ViewingRoom) -> Q:
    # The lecture's audience is its organisation's subtree: the room's
    # organisation or one of its ancestors.
    return Q(organisation__path__in=organisation_prefixes(path=room.organisation.path))


def room_lecture_live(*, room: ViewingRoom) -> LiveLecture | None:
    """The live lecture the room shows: the earliest started one whose audience
    includes the room's organisation (None: nothing live). Raises nothing."""
    return (
        LiveLecture.objects.filter(_audience_q(room), status=LiveLecture.Status.LIVE)
        .order_by("went_live_at", "pk")
        .first()
    )


def room_lecture_next(
    *, room: ViewingRoom, now: datetime | None = None
) -> LiveLecture | None:
    """The next scheduled lecture for the room's audience within the next 12
    hours (what the screen counts down to). Raises nothing."""
    now = now or timezone.now()
    return (
        LiveLecture.objects.filter(
            _audience_q(room),
            status=LiveLecture.Status.SCHEDULED,
            starts_at__gte=now - timedelta(hours=1),
            starts_at__lte=now + UPCOMING_WITHIN,
        )
        .order_by("starts_at", "pk")
        .first()
    )


def room_lecture_current(
    *, room: ViewingRoom, now: datetime | None = None
) -> LiveLecture | None:
    """The lecture members check in for at ``room``: the live one, else one
    starting within ``CHECKIN_EARLY_MINUTES`` (None: neither). Raises nothing."""
    live = room_lecture_live(room=room)
    if live is not None:
        return live
    now = now or timezone.now()
    upcoming = room_lecture_next(room=room, now=now)
    if upcoming and upcoming.starts_at <= now + timedelta(
        minutes=CHECKIN_EARLY_MINUTES
    ):
        return upcoming
    return None


def room_headcount(*, room: ViewingRoom, lecture: LiveLecture | None) -> int:
    """How many members checked in at ``room`` for ``lecture``."""
    if lecture is None:
        return 0
    return RoomCheckin.objects.filter(
        room=room, lecture=lecture, left_at__isnull=True
    ).count()


def rooms_on_air(*, now: datetime | None = None) -> list[int]:
    """Ids of the rooms with a confirmed screen seen in the last minute."""
    now = now or timezone.now()
    return list(
        RoomScreen.objects.filter(
            room__isnull=False,
            revoked_at__isnull=True,
            token_issued_at__isnull=False,
            last_seen_at__gte=now - timedelta(seconds=ON_AIR_SECONDS),
        )
        .values_list("room_id", flat=True)
        .distinct()
    )


@dataclass(frozen=True)
class RoomSummary:
    """A room as the organiser sees it: its screens and, per lecture it showed,
    the head-count and the seconds shown."""

    room: ViewingRoom
    screens: list[RoomScreen]
    showings: list[dict]


def room_summaries(
    *, user: UserLike, lecture_id: int | None = None
) -> list[RoomSummary]:
    """The rooms ``user`` manages with their screens and their showings (of
    ``lecture_id`` only, when given), head-counts included. Raises nothing."""
    rooms = list(rooms_managed_by(user=user).order_by("organisation__path", "name"))
    screens: dict[int, list[RoomScreen]] = {}
    for screen in RoomScreen.objects.filter(
        room__in=rooms, confirmed_at__isnull=False
    ).order_by("pk"):
        screens.setdefault(screen.room_id, []).append(screen)
    showings = RoomShowing.objects.filter(room__in=rooms).select_related("lecture")
    if lecture_id is not None:
        showings = showings.filter(lecture_id=lecture_id)
    counts = dict(_count_pairs(rooms))
    by_room: dict[int, list[dict]] = {}
    for showing in showings.order_by("-first_beat_at"):
        by_room.setdefault(showing.room_id, []).append(
            {
                "lecture": showing.lecture,
                "first_beat_at": showing.first_beat_at,
                "last_beat_at": showing.last_beat_at,
                "seconds": showing.seconds,
                "headcount": counts.get((showing.room_id, showing.lecture_id), 0),
            }
        )
    return [
        RoomSummary(
            room=room,
            screens=screens.get(room.pk, []),
            showings=by_room.get(room.pk, []),
        )
        for room in rooms
    ]


def _count_pairs(rooms: list[ViewingRoom]) -> list[tuple[tuple[int, int], int]]:
    rows = (
        RoomCheckin.objects.filter(room__in=rooms)
        .values("room_id", "lecture_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return [((row["room_id"], row["lecture_id"]), row["n"]) for row in rows]


def room_checkins(
    *, room: ViewingRoom, lecture_id: int | None = None
) -> QuerySet[RoomCheckin]:
    """Who checked in at ``room`` (for ``lecture_id``), with what was credited:
    who was where, for the organiser."""
    checkins = RoomCheckin.objects.filter(room=room).select_related(
        "member__organisation", "lecture"
    )
    if lecture_id is not None:
        checkins = checkins.filter(lecture_id=lecture_id)
    return checkins.order_by("-lecture__starts_at", "checked_in_at", "pk")


def screen_pending(
    *, device_code: str, now: datetime | None = None
) -> RoomScreen | None:
    """The screen showing ``device_code`` now, not yet confirmed (None: no
    such screen, or its code expired). Raises nothing."""
    now = now or timezone.now()
    return (
        RoomScreen.objects.filter(
            device_code=device_code,
            confirmed_at__isnull=True,
            revoked_at__isnull=True,
            expires_at__gt=now,
        )
        .order_by("-pk")
        .first()
    )

"""Reads of live lectures: who is in a lecture's audience, who manages it, what a
member sees on the portal, the publish window, the organiser's presence report and
the signed live playlist."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone

from broadcasts.errors import LectureNotFound, PlaybackNotFound, PlaybackUrlExpired
from broadcasts.models import LiveLecture, LivePresence
from learning.models import Member, Organisation
from learning.selectors import (
    member_for_user,
    organisation_prefixes,
    organisation_scope_q,
    user_can_report_on,
)
from learning.selectors.scoping import UserLike
from media_pipeline.signing import signature_state, signed_query

API_PREFIX = "/api/v3/broadcasts/lectures"
PLAYLIST = "index.m3u8"
# nginx-rtmp's nested HLS files: the playlist and its numbered MPEG-TS fragments.
LIVE_FILE = re.compile(r"^(index\.m3u8|[0-9]{1,10}\.ts)$")
# A member counts as late / as having left early past this many minutes.
LATE_MINUTES = 5


# --- who ------------------------------------------------------------------------------


def lecture_audience_includes(*, lecture: LiveLecture, member: Member) -> bool:
    """True when ``member`` belongs to the lecture's organisation subtree and is of
    one of its member types (none chosen: every type). Raises nothing."""
    if lecture.member_types and member.member_type not in lecture.member_types:
        return False
    path = (
        Organisation.objects.filter(pk=member.organisation_id)
        .values_list("path", flat=True)
        .first()
    )
    return bool(path) and path.startswith(lecture.organisation.path)


def lecture_is_managed_by(*, user: UserLike, lecture: LiveLecture) -> bool:
    """Editors, and administrators of the lecture's organisation or above."""
    return user_can_report_on(user=user, organisation=lecture.organisation)


def lectures_managed_by(*, user: UserLike) -> QuerySet[LiveLecture]:
    """Lectures of organisations in ``user``'s subtrees (all for editors)."""
    return LiveLecture.objects.filter(
        organisation_scope_q(user=user, prefix="organisation__")
    ).select_related("organisation", "lecturer")


def lectures_for_member(*, member: Member) -> QuerySet[LiveLecture]:
    """Lectures whose audience includes ``member`` (cancelled ones left out)."""
    path = (
        Organisation.objects.filter(pk=member.organisation_id)
        .values_list("path", flat=True)
        .first()
    )
    if not path:
        return LiveLecture.objects.none()
    type_q = Q(member_types=[])
    # JSON containment is PostgreSQL's; SQLite stores the list as text.
    type_q |= Q(member_types__icontains=f'"{member.member_type}"')
    return (
        LiveLecture.objects.filter(
            organisation__path__in=organisation_prefixes(path=path)
        )
        .filter(type_q)
        .exclude(status=LiveLecture.Status.CANCELLED)
        .select_related("organisation", "lecturer")
    )


def lecture_for_user(*, user: UserLike, lecture_id: int) -> LiveLecture:
    """Lecture ``lecture_id`` when ``user`` may see it: a manager, or a member of
    its audience. Raises LectureNotFound (also for those who may not see it)."""
    lecture = (
        LiveLecture.objects.select_related("organisation", "lecturer", "meeting")
        .filter(pk=lecture_id)
        .first()
    )
    if lecture is None:
        raise LectureNotFound(f"直播党课 {lecture_id} 不存在")
    # The audience first: every heartbeat asks, and a member's check is one query
    # where the manager's is three (permissions, groups, administered trees).
    member = member_for_user(user=user)
    if (
        member is not None
        and lecture.status != LiveLecture.Status.CANCELLED
        and lecture_audience_includes(lecture=lecture, member=member)
    ):
        return lecture
    if lecture_is_managed_by(user=user, lecture=lecture):
        return lecture
    raise LectureNotFound(f"直播党课 {lecture_id} 不存在或不面向您")


# --- when -----------------------------------------------------------------------------


def publish_window(*, lecture: LiveLecture) -> tuple[datetime, datetime]:
    """When nginx may accept the lecturer's stream: ``BROADCASTS_PUBLISH_EARLY_
    MINUTES`` before the start until the expected end plus
    ``BROADCASTS_PUBLISH_GRACE_MINUTES``."""
    opens = lecture.starts_at - timedelta(
        minutes=settings.BROADCASTS_PUBLISH_EARLY_MINUTES
    )
    closes = lecture.starts_at + timedelta(
        minutes=lecture.expected_minutes + settings.BROADCASTS_PUBLISH_GRACE_MINUTES
    )
    return opens, closes


def lecture_live_seconds(*, lecture: LiveLecture, now: datetime | None = None) -> int:
    """How long the lecture has been (or was) live."""
    if lecture.went_live_at is None:
        return 0
    end = lecture.ended_at or now or timezone.now()
    return max(0, int((end - lecture.went_live_at).total_seconds()))


def attendance_needed_seconds(*, lecture: LiveLecture, live_seconds: int) -> int:
    """The seconds present that grant attendance for ``live_seconds`` of live time."""
    return math.ceil(live_seconds * lecture.attendance_percent / 100)


def portal_lectures(*, member: Member, now: datetime | None = None) -> dict:
    """The home page's 直播 block: ``live`` (live now) and ``upcoming`` (scheduled,
    starting in the next 7 days or overdue but not cancelled)."""
    now = now or timezone.now()
    lectures = lectures_for_member(member=member)
    return {
        "live": list(lectures.filter(status=LiveLecture.Status.LIVE)[:5]),
        "upcoming": list(
            lectures.filter(
                status=LiveLecture.Status.SCHEDULED,
                starts_at__gte=now - timedelta(hours=2),
                starts_at__lte=now + timedelta(days=7),
            ).order_by("starts_at")[:5]
        ),
    }


# --- the organiser's report -------------------------------------------------------------


@dataclass(frozen=True)
class PresenceLine:
    member_id: int
    name: str
    organisation: str
    place: str
    seconds_present: int
    first_seen: datetime | None
    last_seen: datetime | None
    attended: bool
    late: bool
    left_early: bool


def lecture_presence_report(
    *, lecture: LiveLecture, now: datetime | None = None
) -> dict:
    """Who was there, where, how long; who came late (more than ``LATE_MINUTES``
    after it went live) or left early (before its end); and the audience members
    never seen. Callers check the viewer manages the lecture."""
    now = now or timezone.now()
    late_after = (
        lecture.went_live_at + timedelta(minutes=LATE_MINUTES)
        if lecture.went_live_at
        else None
    )
    early_before = (
        lecture.ended_at - timedelta(minutes=LATE_MINUTES) if lecture.ended_at else None
    )
    lines = []
    seen = set()
    for presence in lecture.presences.select_related(
        "member", "member__organisation"
    ).order_by("first_seen"):
        seen.add(presence.member_id)
        lines.append(
            PresenceLine(
                member_id=presence.member_id,
                name=presence.member.name,
                organisation=presence.member.organisation.name,
                place=presence.place,
                seconds_present=presence.seconds_present,
                first_seen=presence.first_seen,
                last_seen=presence.last_seen,
                attended=presence.attended,
                late=bool(late_after and presence.first_seen > late_after),
                left_early=bool(early_before and presence.last_seen < early_before),
            )
        )
    audience = Member.objects.filter(
        organisation__path__startswith=lecture.organisation.path
    )
    if lecture.member_types:
        audience = audience.filter(member_type__in=lecture.member_types)
    absent = list(
        audience.exclude(pk__in=seen)
        .select_related("organisation")
        .order_by("organisation__path", "name")
        .values("pk", "name", "organisation__name")[:500]
    )
    live_seconds = lecture_live_seconds(lecture=lecture, now=now)
    return {
        "live_seconds": live_seconds,
        "needed_seconds": attendance_needed_seconds(
            lecture=lecture, live_seconds=live_seconds
        ),
        "audience": audience.count(),
        "present": len(lines),
        "attended": sum(1 for line in lines if line.attended),
        "late": sum(1 for line in lines if line.late),
        "left_early": sum(1 for line in lines if line.left_early),
        "lines": lines,
        "absent": absent,
    }


# --- the live HLS -------------------------------------------------------------------------


def _signing_id(lecture_id: int) -> str:
    # media_pipeline.signing signs "<id>|<path>|<expiry>"; a lecture's id is
    # prefixed so no URL signed for a lecture opens the asset of the same number.
    return f"live{lecture_id}"


def live_file_url(*, lecture_id: int, path: str) -> str:
    """The signed URL of a live playlist or fragment (the media pipeline's rules:
    ``MEDIA_SIGNED_URL_SECONDS``, a signature per file)."""
    return f"{API_PREFIX}/{lecture_id}/hls/{path}?" + signed_query(
        _signing_id(lecture_id), path
    )


def live_playlist_url(*, lecture: LiveLecture) -> str | None:
    """The player's signed playlist URL while the lecture is live, else None.
    Whoever hands it out must first know the viewer may see the lecture."""
    if lecture.status != LiveLecture.Status.LIVE or not lecture.published_stream:
        return None
    return live_file_url(lecture_id=lecture.pk, path=PLAYLIST)


def live_stream_dir(*, lecture: LiveLecture) -> Path:
    """Where nginx-rtmp writes the lecture's HLS (``hls_nested``: one directory per
    stream name)."""
    return Path(settings.BROADCASTS_HLS_DIR) / lecture.published_stream


def live_file_read(
    *, lecture_id: int, path: str, exp: str | None, sig: str | None, user: UserLike
) -> tuple[bytes, str]:
    """The bytes and content type of a live file. Fragments need a URL signed for
    them; the playlist a signed URL or a viewer who may see the lecture
    (``lecture_for_user``); the playlist's fragment lines come back signed.

    Raises PlaybackUrlExpired, PlaybackNotFound (unknown lecture or file, unsigned,
    not live), LectureNotFound (an unsigned playlist for someone outside the
    audience)."""
    if not LIVE_FILE.match(path):
        raise PlaybackNotFound("直播文件不存在")
    state = signature_state(_signing_id(lecture_id), path, exp, sig)
    if state == "expired":
        raise PlaybackUrlExpired("播放地址已过期，请刷新页面")
    if state == "valid":
        lecture = LiveLecture.objects.filter(pk=lecture_id).first()
        if lecture is None:
            raise PlaybackNotFound("直播文件不存在")
    elif path == PLAYLIST:
        lecture = lecture_for_user(user=user, lecture_id=lecture_id)
    else:
        raise PlaybackNotFound("直播文件不存在或地址未签名")
    if lecture.status != LiveLecture.Status.LIVE or not lecture.published_stream:
        raise PlaybackNotFound("直播尚未开始或已结束")
    try:
        data = (live_stream_dir(lecture=lecture) / path).read_bytes()
    except (FileNotFoundError, NotADirectoryError):
        raise PlaybackNotFound("直播文件尚未生成，请稍候") from None
    if path != PLAYLIST:
        return data, "video/mp2t"
    lines = []
    for line in data.decode("utf-8").splitlines():
        if line and not line.startswith("#") and LIVE_FILE.match(line.strip()):
            line = live_file_url(lecture_id=lecture.pk, path=line.strip())
        lines.append(line)
    return ("\n".join(lines) + "\n").encode(), "application/vnd.apple.mpegurl"


def presence_of(*, member: Member, lecture: LiveLecture) -> LivePresence | None:
    return LivePresence.objects.filter(member=member, lecture=lecture).first()

"""The rules of live lectures: scheduling and its reminder, the stream key (rotate,
revoke), nginx-rtmp's publish callbacks (which publisher is accepted, live and
ended), presence (one place at a time, seconds bounded by the wall clock) and
attendance past the lecture's threshold, written into the meeting it stands for.

Public for other apps (``viewing`` calls them for its rooms):

- ``presence_place_claim(member, lecture, place, now)``
- ``presence_place_release(member, lecture, place, now)``
- ``presence_credit(member, lecture, seconds, place, now)``
"""

from __future__ import annotations

import ipaddress
import re
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac

from broadcasts import selectors
from broadcasts.errors import (
    CallbackForbidden,
    InvalidLecture,
    InvalidPresence,
    LectureStateConflict,
    NotInAudience,
    OrganisationNotFound,
    OutOfScope,
    PresentElsewhere,
    PublishRefused,
)
from broadcasts.models import LiveLecture, LivePresence, new_stream_key
from cms.models import Lecturer
from learning.choices import MemberType
from learning.models import Member, Organisation
from learning.selectors import user_can_report_on
from learning.selectors.scoping import UserLike
from meetings.models import Attendee, Meeting
from notices.services import notice_send

PLACE = re.compile(r"^(phone|room:[0-9]{1,12})$")
# One credit covers at most this much wall-clock time (a client beats every 15 s; a
# longer gap, e.g. a phone asleep, earns only this much).
MAX_CREDIT_SECONDS = 60
LIVE = LiveLecture.Status.LIVE


# --- scheduling ---------------------------------------------------------------------------


def _organisation_managed(user: UserLike, code: str) -> Organisation:
    organisation = Organisation.objects.filter(code=code).first()
    if organisation is None:
        raise OrganisationNotFound(f"党组织 {code} 不存在")
    if not user_can_report_on(user=user, organisation=organisation):
        raise OutOfScope(f"{organisation.name} 不在您管理的范围内")
    return organisation


def lecture_schedule(
    *,
    user: UserLike,
    title: str,
    organisation_code: str,
    starts_at: datetime,
    expected_minutes: int = 60,
    member_types: list[str] | None = None,
    attendance_percent: int = 60,
    lecturer_id: int | None = None,
    meeting_id: int | None = None,
    description: str = "",
    now: datetime | None = None,
) -> LiveLecture:
    """Schedule a live lecture for the audience of ``organisation_code`` (its whole
    subtree) and ``member_types``, issue its stream key and give the audience a
    notice with a reminder ``BROADCASTS_REMINDER_MINUTES`` before the start.

    Raises OrganisationNotFound, OutOfScope (an organisation outside the user's
    subtrees; also for the meeting's), InvalidLecture (empty title, a start in the
    past, a length or threshold out of range, unknown member types, lecturer or
    meeting)."""
    now = now or timezone.now()
    organisation = _organisation_managed(user, organisation_code)
    title = (title or "").strip()
    if not title or len(title) > 200:
        raise InvalidLecture("标题不能为空，且不超过 200 字")
    if starts_at < now - timedelta(minutes=5):
        raise InvalidLecture("开始时间不能早于现在")
    if not 5 <= expected_minutes <= 600:
        raise InvalidLecture("预计时长须在 5 到 600 分钟之间")
    if not 1 <= attendance_percent <= 100:
        raise InvalidLecture("出席门槛须在 1% 到 100% 之间")
    member_types = list(dict.fromkeys(member_types or []))
    unknown = set(member_types) - set(MemberType.values)
    if unknown:
        raise InvalidLecture(f"未知的党员类别：{', '.join(sorted(unknown))}")
    lecturer = None
    if lecturer_id is not None:
        lecturer = Lecturer.objects.filter(pk=lecturer_id).first()
        if lecturer is None:
            raise InvalidLecture(f"主讲人 {lecturer_id} 不存在")
    meeting = None
    if meeting_id is not None:
        meeting = (
            Meeting.objects.select_related("organisation").filter(pk=meeting_id).first()
        )
        if meeting is None:
            raise InvalidLecture(f"会议 {meeting_id} 不存在")
        if not user_can_report_on(user=user, organisation=meeting.organisation):
            raise OutOfScope("该会议不在您管理的范围内")
    with transaction.atomic():
        lecture = LiveLecture.objects.create(
            title=title,
            description=(description or "").strip(),
            organisation=organisation,
            member_types=member_types,
            starts_at=starts_at,
            expected_minutes=expected_minutes,
            attendance_percent=attendance_percent,
            lecturer=lecturer,
            meeting=meeting,
            created_by=user if getattr(user, "pk", None) else None,
        )
        lecture_notices_send(lecture=lecture, now=now)
    return lecture


def lecture_audience_user_ids(*, lecture: LiveLecture) -> list[int]:
    members = Member.objects.filter(
        organisation__path__startswith=lecture.organisation.path,
        user__isnull=False,
    )
    if lecture.member_types:
        members = members.filter(member_type__in=lecture.member_types)
    return list(members.values_list("user_id", flat=True))


def lecture_notices_send(*, lecture: LiveLecture, now: datetime | None = None) -> int:
    """Give the audience a notice of the lecture in the portal, reminded (e-mail or
    the configured senders) ``BROADCASTS_REMINDER_MINUTES`` before the start (not
    when that has passed). Returns how many got it. Raises nothing."""
    now = now or timezone.now()
    remind_at = lecture.starts_at - timedelta(
        minutes=settings.BROADCASTS_REMINDER_MINUTES
    )
    start = timezone.localtime(lecture.starts_at)
    sent = notice_send(
        recipient_ids=lecture_audience_user_ids(lecture=lecture),
        topic=f"broadcasts.lecture:{lecture.pk}",
        title=f"直播党课：{lecture.title}",
        body=(
            f"{lecture.organisation.name}定于 {start:%Y年%m月%d日 %H:%M} 直播党课"
            f"「{lecture.title}」，预计 {lecture.expected_minutes} 分钟。"
            "请准时在“直播”页面收看，或到集中收看点观看。"
        ),
        link=f"/live/{lecture.pk}/",
        remind_at=remind_at if remind_at > now else None,
        now=now,
    )
    LiveLecture.objects.filter(pk=lecture.pk).update(reminded_at=now)
    return sent


def lecture_cancel(
    *, user: UserLike, lecture: LiveLecture, now: datetime | None = None
) -> LiveLecture:
    """Cancel a lecture that has not gone live; its key stops working. Raises
    OutOfScope, LectureStateConflict (live or ended)."""
    manager_check(user=user, lecture=lecture)
    now = now or timezone.now()
    with transaction.atomic():
        lecture = LiveLecture.objects.select_for_update().get(pk=lecture.pk)
        if lecture.status != LiveLecture.Status.SCHEDULED:
            raise LectureStateConflict(
                f"直播已{lecture.get_status_display()}，不能取消"
            )
        lecture.status = LiveLecture.Status.CANCELLED
        lecture.cancelled_at = now
        lecture.save(update_fields=["status", "cancelled_at", "updated_at"])
    return lecture


def manager_check(*, user: UserLike, lecture: LiveLecture) -> None:
    """Raises OutOfScope unless ``user`` manages ``lecture`` (an administrator of
    its organisation or above, or an editor)."""
    if not selectors.lecture_is_managed_by(user=user, lecture=lecture):
        raise OutOfScope("只有本组织及上级的管理员或编辑可以管理这场直播")


# --- the stream key ------------------------------------------------------------------------


def stream_key_rotate(
    *, user: UserLike, lecture: LiveLecture, now: datetime | None = None
) -> LiveLecture:
    """Issue a new stream key (the old one stops working at once) and lift a
    revocation. Raises OutOfScope, LectureStateConflict (live, ended or cancelled:
    a key is for a lecture still to be streamed)."""
    manager_check(user=user, lecture=lecture)
    now = now or timezone.now()
    with transaction.atomic():
        lecture = LiveLecture.objects.select_for_update().get(pk=lecture.pk)
        if lecture.status != LiveLecture.Status.SCHEDULED:
            raise LectureStateConflict(
                f"直播已{lecture.get_status_display()}，不能更换推流密钥",
                code="key_locked",
            )
        lecture.stream_key = new_stream_key()
        lecture.stream_key_issued_at = now
        lecture.stream_key_revoked_at = None
        lecture.save(
            update_fields=[
                "stream_key",
                "stream_key_issued_at",
                "stream_key_revoked_at",
                "updated_at",
            ]
        )
    return lecture


def stream_key_revoke(
    *, user: UserLike, lecture: LiveLecture, now: datetime | None = None
) -> LiveLecture:
    """Revoke the stream key: every publish is refused until a new key is issued
    (a publisher already streaming keeps its connection). Raises OutOfScope."""
    manager_check(user=user, lecture=lecture)
    now = now or timezone.now()
    LiveLecture.objects.filter(pk=lecture.pk).update(
        stream_key_revoked_at=now, updated_at=now
    )
    lecture.refresh_from_db()
    return lecture


def stream_url(*, lecture: LiveLecture) -> str:
    """The RTMP URL OBS pushes to (服务器); the stream key goes in 串流密钥."""
    return settings.BROADCASTS_RTMP_URL


# --- nginx-rtmp's callbacks ----------------------------------------------------------------


def callback_secret() -> str:
    """The secret in nginx's callback URLs: ``BROADCASTS_CALLBACK_SECRET``, or one
    derived from the secret key."""
    return (
        settings.BROADCASTS_CALLBACK_SECRET
        or salted_hmac("broadcasts.callback", "nginx-rtmp").hexdigest()[:32]
    )


def callback_check(*, secret: str | None, remote_addr: str | None) -> None:
    """A publish callback must carry the secret and come from an allowed network
    (``BROADCASTS_CALLBACK_NETWORKS``; loopback by default). Raises
    CallbackForbidden."""
    if not secret or not constant_time_compare(secret, callback_secret()):
        raise CallbackForbidden("回调密钥错误")
    try:
        address = ipaddress.ip_address(remote_addr or "")
    except ValueError:
        raise CallbackForbidden("回调来源地址无效") from None
    if not any(
        address in ipaddress.ip_network(network, strict=False)
        for network in settings.BROADCASTS_CALLBACK_NETWORKS
    ):
        raise CallbackForbidden(f"回调来源 {address} 不在允许的网络内")


def publish_authorise(
    *, stream_name: str, client_id: str = "", now: datetime | None = None
) -> LiveLecture:
    """nginx's ``on_publish``: accept the publisher when ``stream_name`` is the
    current key of a lecture within its publish window
    (``broadcasts.selectors.publish_window``) and nobody is publishing it yet; the
    lecture goes live (the first time: ``went_live_at``).

    Raises PublishRefused with a ``code``: ``unknown_key`` (no lecture has this key:
    a foreign, mistyped or rotated-away key), ``key_revoked``, ``key_reused`` (the
    lecture has ended), ``lecture_cancelled``, ``too_early`` / ``too_late``
    (outside the window), ``already_publishing`` (a second publisher)."""
    now = now or timezone.now()
    stream_name = (stream_name or "").strip()
    with transaction.atomic():
        lecture = (
            LiveLecture.objects.select_for_update()
            .filter(stream_key=stream_name)
            .first()
            if stream_name
            else None
        )
        if lecture is None:
            raise PublishRefused("推流密钥无效：没有直播使用此密钥", code="unknown_key")
        if lecture.stream_key_revoked_at is not None:
            raise PublishRefused(
                "推流密钥已被吊销，请向管理员索取新密钥", code="key_revoked"
            )
        if lecture.status == LiveLecture.Status.ENDED:
            raise PublishRefused("这场直播已结束，密钥不能再次使用", code="key_reused")
        if lecture.status == LiveLecture.Status.CANCELLED:
            raise PublishRefused("这场直播已取消", code="lecture_cancelled")
        if lecture.status == LIVE:
            raise PublishRefused(
                "这场直播已有推流端在推流，不能同时推流", code="already_publishing"
            )
        opens, closes = selectors.publish_window(lecture=lecture)
        if now < opens:
            raise PublishRefused(
                f"未到推流时间：{timezone.localtime(opens):%m月%d日 %H:%M} 起可推流",
                code="too_early",
            )
        if now > closes:
            raise PublishRefused("已过推流时间（预计结束时间加宽限）", code="too_late")
        lecture.status = LIVE
        lecture.went_live_at = lecture.went_live_at or now
        lecture.published_stream = stream_name
        lecture.publisher_client = (client_id or "")[:64] or "-"
        lecture.save(
            update_fields=[
                "status",
                "went_live_at",
                "published_stream",
                "publisher_client",
                "updated_at",
            ]
        )
    return lecture


def publish_done(
    *, stream_name: str, client_id: str = "", now: datetime | None = None
) -> LiveLecture | None:
    """nginx's ``on_publish_done``: the accepted publisher stopped, so the lecture
    has ended (its key cannot be used again) and attendance is settled. A refused
    publisher's notice changes nothing. Returns the ended lecture or None. Raises
    nothing."""
    now = now or timezone.now()
    with transaction.atomic():
        lecture = (
            LiveLecture.objects.select_for_update()
            .filter(published_stream=(stream_name or "-"), status=LIVE)
            .first()
        )
        if lecture is None or (
            client_id and lecture.publisher_client not in ("-", client_id[:64])
        ):
            return None
        lecture.status = LiveLecture.Status.ENDED
        lecture.ended_at = now
        lecture.publisher_client = ""
        lecture.save(
            update_fields=["status", "ended_at", "publisher_client", "updated_at"]
        )
        attendance_settle(lecture=lecture, now=now)
    return lecture


# --- presence ----------------------------------------------------------------------------


def _place_label(place: str) -> str:
    return "手机" if place == LivePresence.PHONE else f"集中收看点（{place}）"


def _place_held(presence: LivePresence, now: datetime) -> bool:
    hold = timedelta(seconds=settings.BROADCASTS_PLACE_HOLD_SECONDS)
    return bool(presence.place) and presence.last_seen > now - hold


def _claim(
    member: Member, lecture: LiveLecture, place: str, now: datetime
) -> tuple[LivePresence, bool]:
    """The member's presence row, locked, at ``place``; True when it is new. Runs
    inside a transaction."""
    if not PLACE.match(place or ""):
        raise InvalidPresence("place 必须是 phone 或 room:<编号>")
    if lecture.status in (LiveLecture.Status.ENDED, LiveLecture.Status.CANCELLED):
        raise LectureStateConflict(
            f"直播已{lecture.get_status_display()}", code="not_live"
        )
    presence = (
        LivePresence.objects.select_for_update()
        .filter(member=member, lecture=lecture)
        .first()
    )
    created = False
    if presence is None:
        if not selectors.lecture_audience_includes(lecture=lecture, member=member):
            raise NotInAudience("这场直播不面向您所在的党组织或党员类别")
        _other_lecture_check(member, lecture, now)
        try:
            with transaction.atomic():
                presence = LivePresence.objects.create(
                    member=member,
                    lecture=lecture,
                    first_seen=now,
                    last_seen=now,
                    place=place,
                )
            return presence, True
        except IntegrityError:  # a concurrent first beat made it
            presence = LivePresence.objects.select_for_update().get(
                member=member, lecture=lecture
            )
    if presence.place != place:
        if _place_held(presence, now):
            raise PresentElsewhere(
                f"您正在{_place_label(presence.place)}收看这场直播，"
                f"不能同时在{_place_label(place)}收看；请先在原处签退或停止播放",
                place=presence.place,
            )
        presence.place = place
        presence.save(update_fields=["place"])
    return presence, created


def _other_lecture_check(member: Member, lecture: LiveLecture, now: datetime) -> None:
    hold = timedelta(seconds=settings.BROADCASTS_PLACE_HOLD_SECONDS)
    other = (
        LivePresence.objects.filter(
            member=member, lecture__status=LIVE, last_seen__gt=now - hold
        )
        .exclude(lecture=lecture)
        .exclude(place="")
        .select_related("lecture")
        .first()
    )
    if other is not None:
        raise PresentElsewhere(
            f"您正在收看另一场直播「{other.lecture.title}」，同一时间只能收看一场",
            code="watching_other_lecture",
        )


def presence_place_claim(
    *,
    member: Member,
    lecture: LiveLecture,
    place: str,
    now: datetime | None = None,
) -> LivePresence:
    """Put ``member`` at ``place`` (``"phone"`` or ``"room:<id>"``) for ``lecture``:
    a member is at one place at a time. A claim from another place is refused
    while the current place is held (credited or claimed within
    ``BROADCASTS_PLACE_HOLD_SECONDS``, and not released); a lapsed place is taken
    over. Allowed before the lecture goes live (a room checks members in early).

    Raises InvalidPresence (a bad place), LectureStateConflict (``not_live``: ended
    or cancelled), NotInAudience, PresentElsewhere (``present_elsewhere``: at
    another place; ``watching_other_lecture``)."""
    now = now or timezone.now()
    with transaction.atomic():
        presence, created = _claim(member, lecture, place, now)
        if not created:
            presence.last_seen = max(presence.last_seen, now)
            presence.save(update_fields=["last_seen"])
    return presence


def presence_place_release(
    *,
    member: Member,
    lecture: LiveLecture,
    place: str,
    now: datetime | None = None,
) -> bool:
    """The member leaves ``place`` (a room's check-out, the phone's player
    closed): another place may claim them at once. True when they were there.
    Raises nothing."""
    return bool(
        LivePresence.objects.filter(member=member, lecture=lecture, place=place).update(
            place=""
        )
    )


def presence_credit(
    *,
    member: Member,
    lecture: LiveLecture,
    seconds: float,
    place: str,
    now: datetime | None = None,
) -> tuple[LivePresence, int]:
    """Credit ``member`` with up to ``seconds`` present at ``place`` while
    ``lecture`` is live; returns the presence and the seconds credited.

    One member, one clock: a credit covers at most the wall-clock time since the
    member's previous credit or claim for this lecture (and since the lecture went
    live; at most ``MAX_CREDIT_SECONDS``), whatever the place, so two tabs, a phone
    and a room, or replayed beats never count the same second twice; the first beat
    starts the clock and earns nothing. The place rule of ``presence_place_claim``
    holds.

    Raises InvalidPresence (seconds not a number in 0..``MAX_CREDIT_SECONDS``·2, a
    bad place), LectureStateConflict (``not_live``), NotInAudience,
    PresentElsewhere."""
    now = now or timezone.now()
    if isinstance(seconds, bool) or not isinstance(seconds, int | float):
        raise InvalidPresence("seconds 必须是数字")
    if not 0 <= seconds <= MAX_CREDIT_SECONDS * 2:
        raise InvalidPresence(f"seconds 须在 0 到 {MAX_CREDIT_SECONDS * 2} 之间")
    if lecture.status != LIVE:
        raise LectureStateConflict(
            f"直播{lecture.get_status_display()}，现在不计在线时长", code="not_live"
        )
    with transaction.atomic():
        presence, created = _claim(member, lecture, place, now)
        if created:
            return presence, 0
        base = max(
            presence.last_seen,
            lecture.went_live_at or now,
            now - timedelta(seconds=MAX_CREDIT_SECONDS),
        )
        elapsed = int((now - base).total_seconds())
        credited = max(0, min(int(seconds), elapsed))
        if credited == elapsed:
            # The fraction of a second left stays on the clock for the next beat.
            presence.last_seen = max(
                presence.last_seen, base + timedelta(seconds=elapsed)
            )
        else:
            presence.last_seen = max(presence.last_seen, now)
        presence.seconds_present += credited
        presence.save(update_fields=["seconds_present", "last_seen"])
    return presence, credited


# --- attendance -----------------------------------------------------------------------


def attendance_settle(*, lecture: LiveLecture, now: datetime | None = None) -> int:
    """Grant attendance to the members present at least the lecture's threshold
    of its live time and, when it stands for a meeting, record them as attending
    it online (出席: 线上参加) unless they already checked in otherwise; the
    meeting's ledger reads that. Safe to run twice. Returns how many attended.
    Raises nothing."""
    now = now or timezone.now()
    live_seconds = selectors.lecture_live_seconds(lecture=lecture, now=now)
    needed = selectors.attendance_needed_seconds(
        lecture=lecture, live_seconds=live_seconds
    )
    with transaction.atomic():
        LivePresence.objects.filter(
            lecture=lecture, attended=False, seconds_present__gte=max(1, needed)
        ).update(attended=True, attended_at=now)
        attended = LivePresence.objects.filter(lecture=lecture, attended=True)
        if lecture.meeting_id:
            # meetings has no public service for a system-recorded online
            # attendance yet: the attendee rows are written here, only where
            # nothing is recorded (a check-in, 代签 or leave stays as it is).
            Attendee.objects.filter(
                meeting_id=lecture.meeting_id,
                member_id__in=attended.values("member_id"),
                attendance="",
            ).update(attendance=Attendee.Attendance.ONLINE, attended_at=now)
        LiveLecture.objects.filter(pk=lecture.pk).update(settled_at=now)
    return attended.count()

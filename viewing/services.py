"""集中收看: the rules — registering a room, binding a screen to it with a device
code its secretary confirms (the screen then holds a revocable device token), the
room's rotating check-in code, members checking in with their phones, and the
screen's beats crediting the checked-in members while the lecture is live.

Presence is broadcasts': a member's one place (``phone`` or ``room:<id>``) is
claimed with ``broadcasts.services.presence_place_claim`` and seconds are credited
with ``broadcasts.services.presence_credit``; this module only says which room and
how many seconds.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from broadcasts import services as broadcasts_services
from broadcasts.models import LiveLecture
from dangke.errors import DomainError
from dangke.links import portal_url
from dangke.ratelimit import rate_limit_exceeded
from learning.models import Member, Organisation
from learning.selectors.scoping import UserLike
from learning.services import (
    CHECKIN_STEP_SECONDS,
    rotating_code,
    rotating_code_verdict,
)
from viewing import selectors
from viewing.errors import (
    InvalidRoom,
    NotARoomManager,
    NothingLive,
    PairingRefused,
    RoomCheckinRefused,
    ScreenNotConfirmed,
    ScreenNotFound,
    TooFrequent,
)
from viewing.models import RoomCheckin, RoomScreen, RoomShowing, ViewingRoom

DEVICE_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I
DEVICE_CODE_LENGTH = 6
DEVICE_CODE_SECONDS = 600  # a screen's code is good for ten minutes
SCREEN_COOKIE = "dk_viewing_screen"
SCREEN_COOKIE_AGE = 365 * 24 * 3600
SCREENS_PER_ADDRESS_PER_MINUTE = 30  # new device codes one address may ask for
PAIRINGS_PER_MINUTE = 10  # device codes one account may try
# The screen beats every 15 s; a longer gap (the screen was off, the network down)
# credits at most this much: nobody knows who watched a dark screen.
MAX_BEAT_CREDIT_SECONDS = 30


def room_place(room: ViewingRoom | int) -> str:
    """The room as broadcasts' presence place (``room:<id>``)."""
    return f"room:{room if isinstance(room, int) else room.pk}"


# --- rooms ------------------------------------------------------------------------


def room_register(
    *,
    user: UserLike,
    name: str,
    organisation: Organisation,
    address: str = "",
    now: datetime | None = None,
) -> ViewingRoom:
    """Register a viewing room (收看点) of ``organisation``, which ``user`` must
    manage. Raises InvalidRoom (no name, too long) and NotARoomManager."""
    name, address = (name or "").strip(), (address or "").strip()
    if not name:
        raise InvalidRoom("请填写收看点名称", code="name_required")
    if len(name) > 120 or len(address) > 200:
        raise InvalidRoom("名称最多 120 字，地址最多 200 字", code="too_long")
    if not selectors.organisation_managed_by(user=user, code=organisation.code):
        raise NotARoomManager(
            f"您不是{organisation.name}或其上级党组织的管理员，不能登记它的收看点"
        )
    return ViewingRoom.objects.create(
        name=name,
        organisation=organisation,
        address=address,
        created_by=user if user.is_authenticated else None,
        created_at=now or timezone.now(),
    )


# --- screens ----------------------------------------------------------------------


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def device_code_normalise(raw: str | None) -> str:
    """What a secretary typed, as a device code: upper case, without spaces or
    dashes. Raises nothing."""
    return "".join(ch for ch in (raw or "").upper() if ch.isalnum())[:16]


@dataclass(frozen=True)
class ScreenCredential:
    """A screen and the secret its cookie holds (``<id>.<secret>``)."""

    screen: RoomScreen
    secret: str

    @property
    def cookie(self) -> str:
        return f"{self.screen.pk}.{self.secret}"


def screen_start(*, address: str, now: datetime | None = None) -> ScreenCredential:
    """A new screen waiting for its secretary: a six-character device code (good
    for ten minutes) and the pairing secret for the screen's cookie. Counted per
    client ``address``. Raises TooFrequent."""
    if rate_limit_exceeded(
        bucket="viewing_screen", who=address, limit=SCREENS_PER_ADDRESS_PER_MINUTE
    ):
        raise TooFrequent("设备码申请过于频繁，请一分钟后再试")
    now = now or timezone.now()
    secret = secrets.token_urlsafe(32)
    while True:
        code = "".join(
            secrets.choice(DEVICE_CODE_ALPHABET) for _ in range(DEVICE_CODE_LENGTH)
        )
        if selectors.screen_pending(device_code=code, now=now) is None:
            break
    screen = RoomScreen.objects.create(
        device_code=code,
        secret_hash=_digest(secret),
        created_at=now,
        expires_at=now + timedelta(seconds=DEVICE_CODE_SECONDS),
    )
    return ScreenCredential(screen=screen, secret=secret)


def screen_from_cookie(*, value: str | None) -> RoomScreen | None:
    """The screen whose cookie holds ``value`` (``<id>.<secret>``), pending or
    confirmed, not revoked (None otherwise). Raises nothing."""
    screen_id, _, secret = (value or "").partition(".")
    if not (screen_id.isascii() and screen_id.isdigit() and len(screen_id) < 12):
        return None
    screen = (
        RoomScreen.objects.select_related("room__organisation")
        .filter(pk=int(screen_id), revoked_at__isnull=True)
        .first()
    )
    if screen is None or not hmac.compare_digest(screen.secret_hash, _digest(secret)):
        return None
    return screen


def screen_confirm(
    *,
    user: UserLike,
    device_code: str,
    room: ViewingRoom,
    now: datetime | None = None,
) -> RoomScreen:
    """The room's secretary confirms the code a screen shows: the screen is bound
    to ``room`` and gets its device token on its next request. Counted against
    the account's tries per minute.

    Raises TooFrequent, NotARoomManager (``user`` does not manage the room) and
    PairingRefused (no screen shows this code, or its code expired)."""
    now = now or timezone.now()
    if rate_limit_exceeded(
        bucket="viewing_pair", who=user.pk, limit=PAIRINGS_PER_MINUTE
    ):
        raise TooFrequent("设备码尝试过于频繁，请一分钟后再试")
    if not selectors.room_is_managed_by(user=user, room=room):
        raise NotARoomManager(
            f"您不是{room.organisation.name}的管理员，不能为“{room.name}”确认屏幕"
        )
    code = device_code_normalise(device_code)
    if len(code) != DEVICE_CODE_LENGTH:
        raise PairingRefused(
            f"设备码为屏幕上显示的 {DEVICE_CODE_LENGTH} 位字母和数字",
            code="malformed_device_code",
        )
    with transaction.atomic():
        screen = selectors.screen_pending(device_code=code, now=now)
        if screen is None:
            raise PairingRefused(
                "没有屏幕显示这个设备码，或设备码已过期（10 分钟有效），"
                "请刷新屏幕后输入新的设备码",
                code="unknown_device_code",
            )
        updated = RoomScreen.objects.filter(
            pk=screen.pk, confirmed_at__isnull=True
        ).update(room=room, confirmed_at=now, confirmed_by=user)
        if not updated:
            raise PairingRefused("这个设备码刚刚已被确认", code="already_confirmed")
    screen.refresh_from_db()
    return screen


def screen_token_issue(
    *, screen: RoomScreen, now: datetime | None = None
) -> ScreenCredential | None:
    """The device token of a screen just confirmed, in exchange for its pairing
    secret (once: afterwards the pairing secret is worth nothing). None when the
    screen is not confirmed or has its token already. Raises nothing."""
    if screen.confirmed_at is None or screen.token_issued_at is not None:
        return None
    now = now or timezone.now()
    secret = secrets.token_urlsafe(32)
    updated = RoomScreen.objects.filter(
        pk=screen.pk, token_issued_at__isnull=True, revoked_at__isnull=True
    ).update(secret_hash=_digest(secret), token_issued_at=now, last_seen_at=now)
    if not updated:
        return None
    screen.refresh_from_db()
    return ScreenCredential(screen=screen, secret=secret)


def screen_authenticate(*, value: str | None) -> RoomScreen:
    """The confirmed screen whose cookie holds ``value``. Raises
    ScreenNotConfirmed (no cookie, a pending or revoked screen)."""
    screen = screen_from_cookie(value=value)
    if screen is None or screen.token_issued_at is None or screen.room is None:
        raise ScreenNotConfirmed(
            "这块屏幕尚未绑定收看点（或已被停用）：请打开收看屏幕页面，"
            "由收看点书记用手机输入屏幕上的设备码确认"
        )
    return screen


SEEN_EVERY_SECONDS = 20  # how often a screen's polls stamp ``last_seen_at``


def screen_seen(*, screen: RoomScreen, now: datetime | None = None) -> None:
    """Stamp that the confirmed ``screen`` is on (at most every 20 s): its room
    counts as on the air. Raises nothing."""
    now = now or timezone.now()
    if screen.last_seen_at and (now - screen.last_seen_at).total_seconds() < (
        SEEN_EVERY_SECONDS
    ):
        return
    RoomScreen.objects.filter(pk=screen.pk).update(last_seen_at=now)
    screen.last_seen_at = now


def screen_revoke(
    *, user: UserLike, room: ViewingRoom, screen_id: int, now: datetime | None = None
) -> RoomScreen:
    """Stop a screen of ``room``: its device token is refused from now on (the
    screen goes back to showing a device code). Raises NotARoomManager and
    ScreenNotFound."""
    if not selectors.room_is_managed_by(user=user, room=room):
        raise NotARoomManager(f"您不是{room.organisation.name}的管理员")
    screen = RoomScreen.objects.filter(pk=screen_id, room=room).first()
    if screen is None:
        raise ScreenNotFound(f"收看点“{room.name}”没有屏幕 {screen_id}")
    if screen.revoked_at is None:
        screen.revoked_at = now or timezone.now()
        screen.save(update_fields=["revoked_at"])
    return screen


# --- check-in ---------------------------------------------------------------------


def _code_key(room: ViewingRoom | int) -> str:
    return f"r{room if isinstance(room, int) else room.pk}"


def room_checkin_code(
    *, room: ViewingRoom, at: datetime | None = None
) -> tuple[str, datetime]:
    """The room's rotating check-in code now and when it is replaced (the one
    code mechanism of classes and meetings). Raises nothing."""
    at = at or timezone.now()
    step = int(at.timestamp()) // CHECKIN_STEP_SECONDS
    expires = datetime.fromtimestamp(
        (step + 1) * CHECKIN_STEP_SECONDS, tz=timezone.get_current_timezone()
    )
    code = rotating_code(secret=room.checkin_secret, key=_code_key(room), step=step)
    return code, expires


def room_checkin_url(
    *, room: ViewingRoom, request: HttpRequest | None, code: str
) -> str:
    """What the room's QR code holds: the portal page that checks in at the room
    with ``code`` after sign-in, absolute by ``dangke.links``. Raises
    DisallowedHost."""
    return portal_url(
        reverse("portal:viewing_checkin", args=[room.pk]),
        request=request,
        query={"code": code},
    )


def _other_room_showing(
    code: str, room: ViewingRoom, now: datetime
) -> ViewingRoom | None:
    """The room with a screen on now whose current code is ``code``."""
    for other_id in selectors.rooms_on_air(now=now):
        if other_id == room.pk:
            continue
        other = selectors.room_find(room_id=other_id)
        if other is not None and (
            rotating_code_verdict(
                secret=other.checkin_secret, key=_code_key(other), code=code, now=now
            )
            == "ok"
        ):
            return other
    return None


def room_check_in(
    *,
    member: Member,
    room: ViewingRoom,
    code: str,
    now: datetime | None = None,
) -> RoomCheckin:
    """The member checks in at ``room`` with the code its screen shows, for the
    lecture live there now: their presence place becomes the room
    (``presence_place_claim``), so the room's beats credit them. Checking in twice
    keeps the first record. Counted against the account's check-in tries per
    minute (``LEARNING_CHECKINS_PER_MINUTE``, shared with classes and meetings).

    Raises TooFrequent, NothingLive (nothing live for the room's audience),
    RoomCheckinRefused (malformed, wrong or expired code, or the code of another
    room: ``other_room_code``) and what ``presence_place_claim`` raises (the
    member is present elsewhere, or not in the lecture's audience)."""
    now = now or timezone.now()
    if rate_limit_exceeded(
        bucket="checkin",
        who=member.user_id,
        limit=settings.LEARNING_CHECKINS_PER_MINUTE,
    ):
        raise TooFrequent("签到尝试过于频繁，请一分钟后再试")
    lecture = selectors.room_lecture_current(room=room, now=now)
    if lecture is None:
        raise NothingLive(
            f"“{room.name}”现在没有正在直播的党课（开播前 "
            f"{selectors.CHECKIN_EARLY_MINUTES} 分钟开放签到）"
        )
    code = (code or "").strip()
    verdict = rotating_code_verdict(
        secret=room.checkin_secret, key=_code_key(room), code=code, now=now
    )
    if verdict == "malformed":
        raise RoomCheckinRefused(
            "签到码错误：签到码为屏幕上的 6 位数字", code="wrong_code"
        )
    if verdict == "expired":
        raise RoomCheckinRefused(
            "签到码已过期，请扫描屏幕上最新的签到码", code="expired"
        )
    if verdict != "ok":
        other = _other_room_showing(code, room, now)
        if other is not None:
            raise RoomCheckinRefused(
                f"这是收看点“{other.name}”的签到码，不是“{room.name}”的："
                "请扫描您所在收看点屏幕上的签到码",
                code="other_room_code",
            )
        raise RoomCheckinRefused("签到码错误", code="wrong_code")
    broadcasts_services.presence_place_claim(
        member=member, lecture=lecture, place=room_place(room), now=now
    )
    try:
        with transaction.atomic():
            checkin, created = RoomCheckin.objects.get_or_create(
                room=room,
                lecture=lecture,
                member_id=member.pk,
                defaults={"checked_in_at": now, "credited_until": now},
            )
    except IntegrityError:  # the same member's second tap, at the same moment
        checkin = RoomCheckin.objects.get(
            room=room, lecture=lecture, member_id=member.pk
        )
        created = False
    if not created and checkin.left_at is not None:  # back after checking out
        checkin.left_at = None
        checkin.credited_until = now
        checkin.save(update_fields=["left_at", "credited_until"])
    return checkin


def room_check_out(
    *, member: Member, room: ViewingRoom, now: datetime | None = None
) -> RoomCheckin | None:
    """The member leaves the room (签退): the room's beats credit them no more
    and their place is free for the phone or another room at once
    (``presence_place_release``). None when they are not checked in there for a
    lecture that is live or coming. Raises nothing."""
    now = now or timezone.now()
    checkin = (
        RoomCheckin.objects.filter(
            room=room,
            member_id=member.pk,
            left_at__isnull=True,
            lecture__status__in=(LiveLecture.Status.SCHEDULED, LiveLecture.Status.LIVE),
        )
        .select_related("lecture")
        .order_by("-checked_in_at", "-pk")
        .first()
    )
    if checkin is None:
        return None
    checkin.left_at = now
    checkin.save(update_fields=["left_at"])
    broadcasts_services.presence_place_release(
        member=member, lecture=checkin.lecture, place=room_place(room), now=now
    )
    return checkin


# --- beats ------------------------------------------------------------------------


@dataclass(frozen=True)
class BeatAnswer:
    """What a screen's beat did: the lecture, the seconds the room's clock moved,
    the members credited and those refused (present elsewhere now)."""

    lecture: LiveLecture
    seconds: int
    credited: int
    refused: int
    headcount: int


def room_beat(*, screen: RoomScreen, now: datetime | None = None) -> BeatAnswer:
    """One beat of a confirmed screen (every 15 s while it plays): the room's
    clock moves by the seconds since its last beat (at most
    ``MAX_BEAT_CREDIT_SECONDS``; the first beat starts it) and each member
    checked in at the room for the live lecture is credited the seconds since
    they checked in or were last credited, through ``presence_credit`` with the
    room as the place. A member whose place is now elsewhere is refused there
    and skipped. Beats of two screens of one room share the room's clock.

    Raises ScreenNotConfirmed (a pending or revoked screen) and NothingLive."""
    now = now or timezone.now()
    if screen.room_id is None or screen.token_issued_at is None:
        raise ScreenNotConfirmed("这块屏幕尚未绑定收看点")
    room = screen.room
    lecture = selectors.room_lecture_live(room=room)
    if lecture is None:
        raise NothingLive(
            f"“{room.name}”现在没有正在直播的党课：直播开始后屏幕自动计时"
        )
    RoomScreen.objects.filter(pk=screen.pk).update(last_seen_at=now)
    with transaction.atomic():
        showing, created = RoomShowing.objects.get_or_create(
            room=room,
            lecture=lecture,
            defaults={"first_beat_at": now, "last_beat_at": now, "beats": 1},
        )
        if created:
            return BeatAnswer(
                lecture, 0, 0, 0, selectors.room_headcount(room=room, lecture=lecture)
            )
        showing = RoomShowing.objects.select_for_update().get(pk=showing.pk)
        previous = showing.last_beat_at
        moved = _seconds_between(previous, now)
        showing.last_beat_at = max(showing.last_beat_at, now)
        showing.beats += 1
        showing.seconds += moved
        showing.save(update_fields=["last_beat_at", "beats", "seconds"])
        credited = refused = 0
        checkins = list(
            RoomCheckin.objects.select_for_update(of=("self",))
            .filter(room=room, lecture=lecture, left_at__isnull=True)
            .select_related("member")
        )
        for checkin in checkins:
            # Only time the screen was beating counts: not before the room's
            # previous beat, not before the member checked in or was credited.
            since = max(
                checkin.credited_until or checkin.checked_in_at,
                checkin.checked_in_at,
                previous,
            )
            seconds = _seconds_between(since, now)
            if seconds <= 0:
                continue
            try:
                with transaction.atomic():
                    _, granted = broadcasts_services.presence_credit(
                        member=checkin.member,
                        lecture=lecture,
                        seconds=seconds,
                        place=room_place(room),
                        now=now,
                    )
            except DomainError:  # present elsewhere now (or out of the audience)
                refused += 1
                continue
            checkin.credited_until = _advanced(since, seconds, now)
            checkin.credited_seconds += granted
            checkin.save(update_fields=["credited_until", "credited_seconds"])
            credited += 1
    return BeatAnswer(lecture, moved, credited, refused, len(checkins))


def _seconds_between(since: datetime, now: datetime) -> int:
    """Whole seconds from ``since`` to ``now``, at most the beat's bound."""
    return max(0, min(int((now - since).total_seconds()), MAX_BEAT_CREDIT_SECONDS))


def _advanced(since: datetime, seconds: int, now: datetime) -> datetime:
    """The member's clock after a credit: by the seconds credited (so fractions
    carry over to the next beat), or to ``now`` past a capped gap."""
    if (now - since).total_seconds() > MAX_BEAT_CREDIT_SECONDS:
        return now
    return since + timedelta(seconds=seconds)

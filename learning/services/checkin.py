"""Offline classes: the rotating check-in code of a session, check-in with it, and
attendance, which counts in the same learning records as watching online."""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from dangke.links import portal_url
from dangke.ratelimit import rate_limit_exceeded
from learning.errors import CheckinRefused, NotInvited, SessionNotFound, TooFrequent
from learning.models import (
    Attendance,
    CreditRecord,
    LessonProgress,
    Member,
    TrainingSession,
)
from learning.selectors.checkin import (
    CHECKIN_EARLY,
    CHECKIN_LATE,
    member_may_attend,
    training_session_find,
)
from learning.services.completion import lesson_mark_completed
from learning.services.credit import credit_record_add
from learning.services.rollups import rollup_batch

CHECKIN_STEP_SECONDS = 30
CHECKIN_GRACE_SECONDS = 5  # a code just replaced on the screen still works briefly


def checkin_code(*, session: TrainingSession, at: datetime | None = None) -> str:
    """The six-digit code shown for ``session`` during the 30-second step of ``at``
    (now by default). Raises nothing."""
    step = int((at or timezone.now()).timestamp()) // CHECKIN_STEP_SECONDS
    return _code_for_step(session, step)


def checkin_code_expires_at(*, at: datetime | None = None) -> datetime:
    """When the code shown at ``at`` (now by default) is replaced. Raises nothing."""
    at = at or timezone.now()
    step = int(at.timestamp()) // CHECKIN_STEP_SECONDS
    return datetime.fromtimestamp(
        (step + 1) * CHECKIN_STEP_SECONDS, tz=timezone.get_current_timezone()
    )


def checkin_step(*, at: datetime | None = None) -> int:
    """The number of the 30-second step of ``at`` (now by default): what a QR
    code's ``t`` says it was shown at. Raises nothing."""
    return int((at or timezone.now()).timestamp()) // CHECKIN_STEP_SECONDS


def checkin_url(
    *, session: TrainingSession, request: HttpRequest | None, at: datetime | None = None
) -> str:
    """What the session's QR code holds at ``at`` (now by default): the portal's
    check-in page that checks the signed-in member in with the code of that step
    (``?session=&code=&t=<step>``), as an absolute URL by ``dangke.links``. The
    code expires as the code does. Raises DisallowedHost (a request for a host
    not allowed)."""
    step = checkin_step(at=at)
    return portal_url(
        reverse("portal:checkin"),
        request=request,
        query={"session": session.pk, "code": _code_for_step(session, step), "t": step},
    )


def checkin_code_shown_at(*, session: TrainingSession, code: str, step: int) -> bool:
    """True when ``code`` is the code ``session`` showed during ``step``: a QR code
    photographed then and opened later is told apart from a mistyped code.
    Raises nothing."""
    return hmac.compare_digest((code or "").strip(), _code_for_step(session, step))


def _code_for_step(session: TrainingSession, step: int) -> str:
    return rotating_code(secret=session.checkin_secret, key=session.pk, step=step)


def rotating_code(*, secret: str, key: int | str, step: int) -> str:
    """The six-digit code of the 30-second ``step`` for the object identified by
    ``key`` and holding ``secret`` (a training session, a branch meeting): one
    code mechanism for every check-in. Raises nothing."""
    digest = hmac.new(
        secret.encode(), f"{key}:{step}".encode(), hashlib.sha256
    ).digest()
    return f"{int.from_bytes(digest[:8], 'big') % 1_000_000:06d}"


def rotating_code_verdict(
    *, secret: str, key: int | str, code: str, now: datetime
) -> str:
    """How ``code`` entered at ``now`` compares with the rotating codes of
    (``secret``, ``key``): ``"ok"`` (the current code, or the one just replaced
    within the grace), ``"expired"`` (one shown in the last ten minutes),
    ``"malformed"`` (not digits) or ``"wrong"``. Raises nothing."""
    code = (code or "").strip()
    if not (code.isascii() and code.isdigit()):
        return "malformed"
    step = int(now.timestamp()) // CHECKIN_STEP_SECONDS
    valid = {rotating_code(secret=secret, key=key, step=step)}
    if now.timestamp() - step * CHECKIN_STEP_SECONDS < CHECKIN_GRACE_SECONDS:
        valid.add(rotating_code(secret=secret, key=key, step=step - 1))
    if any(hmac.compare_digest(code, candidate) for candidate in valid):
        return "ok"
    recent = {
        rotating_code(secret=secret, key=key, step=step - back) for back in range(1, 21)
    }
    return "expired" if code in recent else "wrong"


def checkin_attempt(
    *, member: Member, session_id: int | None, code: str, now: datetime | None = None
) -> Attendance:
    """A member's try at checking in at session ``session_id`` with ``code``, as the
    API and the portal take it: counted against the account's check-in attempts
    per minute (``LEARNING_CHECKINS_PER_MINUTE``, one budget for every client of
    the account, so codes cannot be guessed faster by switching between the API
    and the portal), then ``session_check_in``.

    Raises TooFrequent (too many tries this minute), SessionNotFound (no such
    session) and what ``session_check_in`` raises.
    """
    if rate_limit_exceeded(
        bucket="checkin",
        who=member.user_id,
        limit=settings.LEARNING_CHECKINS_PER_MINUTE,
    ):
        raise TooFrequent("签到尝试过于频繁，请一分钟后再试")
    session = training_session_find(session_id=session_id)
    if session is None:
        raise SessionNotFound(f"课次 {session_id} 不存在")
    return session_check_in(member=member, session=session, code=code, now=now)


def session_check_in(
    *, member: Member, session: TrainingSession, code: str, now: datetime | None = None
) -> Attendance:
    """Record the member's attendance with the code shown at the session.

    Attendance earns the session's 学时 and completes the lessons it covers, in the
    same records as online learning. Checking in twice keeps the first record.
    Raises NotInvited (the class is limited to another organisation's subtree) and
    CheckinRefused (outside the check-in window, expired or wrong code).
    """
    now = now or timezone.now()
    session_check_in_allowed(member=member, session=session)
    if now < session.starts_at - CHECKIN_EARLY:
        raise CheckinRefused("签到尚未开始（开课前 30 分钟开放签到）", code="too_early")
    if now > session.ends_at + CHECKIN_LATE:
        raise CheckinRefused("本课次已结束，签到已关闭", code="closed")
    verdict = rotating_code_verdict(
        secret=session.checkin_secret, key=session.pk, code=code, now=now
    )
    if verdict == "malformed":
        raise CheckinRefused("签到码错误：签到码为 6 位数字", code="wrong_code")
    if verdict == "expired":
        raise CheckinRefused("签到码已过期，请扫描屏幕上最新的签到码", code="expired")
    if verdict == "wrong":
        raise CheckinRefused("签到码错误", code="wrong_code")
    return attendance_record(member=member, session=session, now=now)


def session_check_in_allowed(*, member: Member, session: TrainingSession) -> None:
    """Refuse a member outside the audience of the session's class, naming the
    class's organisation. Raises NotInvited."""
    training_class = session.training_class
    if not member_may_attend(member=member, training_class=training_class):
        organisation = training_class.organisation
        raise NotInvited(
            f"“{training_class.title}”仅限{organisation.name}及其下级党组织的党员"
            "签到，您不在参训范围内"
        )


def attendance_record(
    *, member: Member, session: TrainingSession, now: datetime
) -> Attendance:
    """Record attendance (once): the session's 学时 and completion of the lessons it
    covers, in the same records as online learning. A class that grants its 学时
    at 结业 (``credit_at_completion``) records none per session. Raises nothing."""
    with rollup_batch():
        attendance, created = Attendance.objects.get_or_create(
            member=member, session=session, defaults={"checked_in_at": now}
        )
        if created and not session.training_class.credit_at_completion:
            credit_record_add(
                member=member,
                source=CreditRecord.Source.SESSION,
                source_id=session.pk,
                title=str(session),
                hours=session.credit_hours,
                now=now,
            )
        if created:
            for lesson_id in session.lessons.values_list("pk", flat=True):
                lesson_mark_completed(
                    member=member,
                    lesson_id=lesson_id,
                    via=LessonProgress.Via.ATTENDANCE,
                    now=now,
                )
    return attendance

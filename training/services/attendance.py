"""Settling a class's attendance: 请假 before a session and 补签 after it, asked by
the member and decided by the organiser (the pattern of branch meetings' leave and
补签). An approved 补签 records the attendance as a check-in would."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone

from learning.models import Attendance, Member, TrainingSession
from learning.selectors.scoping import UserLike
from learning.services import attendance_record
from training.errors import (
    ClassClosed,
    RequestConflict,
    RequestNotFound,
    TrainingError,
)
from training.models import ClassEnrolment, SessionRequest
from training.services.enrolment import class_organiser_check

REASON_MAX = 200


def session_request_ask(
    *, member: Member, session: TrainingSession, kind: str, reason: str
) -> SessionRequest:
    """The member asks for leave (before the session starts) or 补签 (after it
    started, not checked in). Raises TrainingError (no reason, unknown kind),
    ClassClosed and RequestConflict (wrong time, not enrolled, asked already,
    checked in already)."""
    training_class = session.training_class
    if training_class.closed_at is not None:
        raise ClassClosed(f"培训班“{training_class.title}”已结班")
    if kind not in SessionRequest.Kind.values:
        raise TrainingError("申请类型须为 leave（请假）或 late_entry（补签）")
    reason = (reason or "").strip()
    if not reason:
        raise TrainingError("请填写事由", code="reason_required")
    if len(reason) > REASON_MAX:
        raise TrainingError(f"事由不能超过 {REASON_MAX} 字", code="reason_too_long")
    if not ClassEnrolment.objects.filter(
        training_class=training_class,
        member=member,
        status=ClassEnrolment.Status.ENROLLED,
    ).exists():
        raise RequestConflict(
            f"您不是培训班“{training_class.title}”的学员", code="not_enrolled"
        )
    now = timezone.now()
    if kind == SessionRequest.Kind.LEAVE and now >= session.starts_at:
        raise RequestConflict(
            "课次已开始，不能再请假；可在课后申请补签", code="too_late"
        )
    if kind == SessionRequest.Kind.LATE_ENTRY:
        if now < session.starts_at:
            raise RequestConflict("课次尚未开始，不能补签", code="too_early")
        if Attendance.objects.filter(member=member, session=session).exists():
            raise RequestConflict("您已签到，无需补签", code="already_present")
    try:
        with transaction.atomic():
            return SessionRequest.objects.create(
                session=session, member=member, kind=kind, reason=reason, asked_at=now
            )
    except IntegrityError:
        raise RequestConflict(
            f"您已提交过本课次的{SessionRequest.Kind(kind).label}申请",
            code="already_asked",
        ) from None


def session_request_decide(
    *, user: UserLike, request_id: int, approve: bool
) -> SessionRequest:
    """Approve or refuse a leave or 补签 request; an approved 补签 records the
    attendance (and its 学时 and lessons as a check-in does). Raises
    RequestNotFound, NotOrganiser and RequestConflict (decided already)."""
    request = (
        SessionRequest.objects.select_related(
            "session__training_class__organisation", "member"
        )
        .filter(pk=request_id)
        .first()
    )
    if request is None:
        raise RequestNotFound(f"申请 {request_id} 不存在")
    training_class = request.session.training_class
    class_organiser_check(user=user, training_class=training_class)
    if training_class.closed_at is not None:
        raise ClassClosed(f"培训班“{training_class.title}”已结班")
    now = timezone.now()
    with transaction.atomic():
        request = SessionRequest.objects.select_for_update().get(pk=request.pk)
        if request.status != SessionRequest.Status.REQUESTED:
            raise RequestConflict(
                f"该申请已{request.get_status_display()}", code="already_decided"
            )
        request.status = (
            SessionRequest.Status.APPROVED if approve else SessionRequest.Status.REFUSED
        )
        request.decided_at = now
        request.decided_by = user
        request.save()
        if approve and request.kind == SessionRequest.Kind.LATE_ENTRY:
            attendance_record(member=request.member, session=request.session, now=now)
    return request

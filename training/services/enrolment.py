"""Who is in a class: enrolment by organisation (every member of a subtree), a
member's application and the organiser's decision on it."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone

from learning.models import Member, Organisation, TrainingClass
from learning.selectors import member_may_attend
from learning.selectors.scoping import UserLike
from training import selectors
from training.errors import (
    ClassClosed,
    EnrolmentConflict,
    NotOrganiser,
    OutOfClassScope,
    TrainingError,
)
from training.models import ClassEnrolment

REASON_MAX = 200


def class_organiser_check(*, user: UserLike, training_class: TrainingClass) -> None:
    """Refuse ``user`` unless it organises the class. Raises NotOrganiser."""
    if not selectors.class_is_organised_by(user=user, training_class=training_class):
        raise NotOrganiser(
            f"只有“{training_class.organisation.name}”及上级党组织的管理员可以管理"
            f"培训班“{training_class.title}”"
        )


def _open_check(training_class: TrainingClass) -> None:
    if training_class.closed_at is not None:
        raise ClassClosed(f"培训班“{training_class.title}”已结班")


def _organisation_in_scope(training_class: TrainingClass, node: Organisation) -> None:
    if training_class.attendance == TrainingClass.Audience.OPEN:
        return
    if not node.path.startswith(training_class.organisation.path):
        raise OutOfClassScope(
            f"“{node.name}”不在培训班“{training_class.title}”的参训范围"
            f"（{training_class.organisation.name}及其下级党组织）内"
        )


def enrol_organisation(
    *, user: UserLike, training_class: TrainingClass, organisation: Organisation
) -> int:
    """Enrol every member of ``organisation``'s subtree (组织调训); members who
    applied are enrolled, those enrolled stay. Returns how many were added.

    Raises NotOrganiser (the caller does not organise the class, or does not
    administer ``organisation``), ClassClosed, EnrolmentConflict (the class
    takes applications only) and OutOfClassScope (the organisation lies outside
    the class's audience)."""
    class_organiser_check(user=user, training_class=training_class)
    _open_check(training_class)
    if training_class.enrolment == TrainingClass.EnrolmentMode.APPLICATION:
        raise EnrolmentConflict(
            f"培训班“{training_class.title}”只接受个人报名", code="applications_only"
        )
    _organisation_in_scope(training_class, organisation)
    from learning.selectors import user_can_report_on

    if not user_can_report_on(user=user, organisation=organisation):
        raise NotOrganiser(f"党组织“{organisation.name}”不在您管理的范围内")
    members = Member.objects.filter(organisation__path__startswith=organisation.path)
    return _enrol(training_class, list(members.values_list("pk", flat=True)), user)


def enrol_members(
    *, user: UserLike, training_class: TrainingClass, member_ids: list[int]
) -> int:
    """Enrol the members ``member_ids`` one by one. All or none: a member outside
    the class's audience refuses the whole request naming them.

    Raises NotOrganiser, ClassClosed, TrainingError (no such member) and
    OutOfClassScope (naming the members outside the audience)."""
    class_organiser_check(user=user, training_class=training_class)
    _open_check(training_class)
    ids = list(dict.fromkeys(member_ids))
    found = {
        m.pk: m
        for m in Member.objects.filter(pk__in=ids).select_related("organisation")
    }
    missing = [str(pk) for pk in ids if pk not in found]
    if missing:
        raise TrainingError(
            f"党员 {'、'.join(missing)} 不存在", code="member_not_found"
        )
    outside = [
        f"{m.name}（{m.organisation.name}）"
        for m in found.values()
        if not member_may_attend(member=m, training_class=training_class)
    ]
    if outside:
        raise OutOfClassScope(
            f"{'、'.join(outside)}不在培训班“{training_class.title}”的参训范围"
            f"（{training_class.organisation.name}及其下级党组织）内"
        )
    return _enrol(training_class, ids, user)


def _enrol(training_class: TrainingClass, ids: list[int], user: UserLike) -> int:
    now = timezone.now()
    with transaction.atomic():
        existing = dict(
            ClassEnrolment.objects.filter(
                training_class=training_class, member_id__in=ids
            ).values_list("member_id", "status")
        )
        ClassEnrolment.objects.filter(
            training_class=training_class,
            member_id__in=ids,
            status__in=[ClassEnrolment.Status.APPLIED, ClassEnrolment.Status.REFUSED],
        ).update(status=ClassEnrolment.Status.ENROLLED, decided_at=now, decided_by=user)
        new = [pk for pk in ids if pk not in existing]
        ClassEnrolment.objects.bulk_create(
            [
                ClassEnrolment(
                    training_class=training_class,
                    member_id=pk,
                    status=ClassEnrolment.Status.ENROLLED,
                    via=ClassEnrolment.Via.ORGANISATION,
                    decided_at=now,
                    decided_by=user,
                )
                for pk in new
            ],
            ignore_conflicts=True,
            batch_size=1000,
        )
    return len(new)


def class_apply(
    *, member: Member, training_class: TrainingClass, reason: str = ""
) -> ClassEnrolment:
    """A member applies (个人报名) to a class; the organiser approves or refuses.

    Raises ClassClosed, EnrolmentConflict (the class takes no applications, or
    the member applied or is enrolled already) and OutOfClassScope (the member is
    outside the class's audience)."""
    _open_check(training_class)
    if training_class.enrolment == TrainingClass.EnrolmentMode.ORGANISATION:
        raise EnrolmentConflict(
            f"培训班“{training_class.title}”由组织统一调训，不接受个人报名",
            code="no_applications",
        )
    if not member_may_attend(member=member, training_class=training_class):
        raise OutOfClassScope(
            f"培训班“{training_class.title}”仅限{training_class.organisation.name}"
            "及其下级党组织的党员报名，您不在参训范围内"
        )
    reason = (reason or "").strip()
    if len(reason) > REASON_MAX:
        raise TrainingError(f"报名理由不能超过 {REASON_MAX} 字", code="reason_too_long")
    current = ClassEnrolment.objects.filter(
        training_class=training_class, member=member
    ).first()
    if current is not None:
        raise EnrolmentConflict(
            f"您已报名培训班“{training_class.title}”（{current.get_status_display()}）",
            code="already_applied",
        )
    try:
        with transaction.atomic():
            return ClassEnrolment.objects.create(
                training_class=training_class,
                member=member,
                status=ClassEnrolment.Status.APPLIED,
                via=ClassEnrolment.Via.APPLICATION,
                reason=reason,
            )
    except IntegrityError:
        raise EnrolmentConflict(
            f"您已报名培训班“{training_class.title}”", code="already_applied"
        ) from None


def application_decide(
    *,
    user: UserLike,
    training_class: TrainingClass,
    member_id: int,
    approve: bool,
    reason: str = "",
) -> ClassEnrolment:
    """Approve or refuse a member's application. Raises NotOrganiser, ClassClosed,
    EnrolmentConflict (no application waiting from that member)."""
    class_organiser_check(user=user, training_class=training_class)
    _open_check(training_class)
    with transaction.atomic():
        enrolment = (
            ClassEnrolment.objects.select_for_update()
            .filter(training_class=training_class, member_id=member_id)
            .first()
        )
        if enrolment is None or enrolment.status != ClassEnrolment.Status.APPLIED:
            raise EnrolmentConflict(
                f"党员 {member_id} 没有待审核的报名申请", code="no_application"
            )
        enrolment.status = (
            ClassEnrolment.Status.ENROLLED if approve else ClassEnrolment.Status.REFUSED
        )
        enrolment.decided_at = timezone.now()
        enrolment.decided_by = user
        if reason:
            enrolment.reason = reason.strip()[:REASON_MAX]
        enrolment.save()
    return enrolment

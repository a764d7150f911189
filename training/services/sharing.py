"""共建共享: an organisation shares a course it owns with the organisations below
it, with named ones or with every organisation; another organisation adopts it
into its topic (a link: the lessons stay the owner's, never copied) and plan
line, and may withdraw the adoption. Completions are counted for both by
``training.selectors.course_sharing_figures``."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone

from cms.models import CoursePage, TopicPage
from cms.selectors import page_is_public
from cms.services import topic_course_link, topic_course_unlink
from learning.models import Organisation
from learning.selectors.scoping import UserLike
from training.errors import (
    AdoptionWithdrawn,
    AlreadyAdopted,
    CourseNotFound,
    CourseNotShared,
    CourseOwnedElsewhere,
    NotPlanAdministrator,
    NotTopicEditor,
    OwnCourse,
    PlanLineNotFound,
    TrainingError,
)
from training.models import CourseAdoption, CourseSharing, PlanLine, SharingScope
from training.selectors import course_sharing_reaches, plan_may_draft


def _administers(user: UserLike, organisation: Organisation) -> None:
    if not plan_may_draft(user=user, organisation=organisation):
        raise NotPlanAdministrator(f"您不是党组织“{organisation.name}”的管理员")


def course_share(
    *,
    user: UserLike,
    course: CoursePage,
    organisation: Organisation,
    scope: str,
    shared_with: list[Organisation] | None = None,
) -> CourseSharing:
    """Share the live, public ``course`` as ``organisation``'s with ``scope``
    (``named``: also with ``shared_with`` and their subtrees), or change how it
    is shared. Raises ``NotPlanAdministrator`` (403) when ``user`` does not
    administer ``organisation``, ``CourseNotFound`` (404) for a draft or
    restricted course, ``CourseOwnedElsewhere`` (409) when another organisation
    owns it, ``TrainingError`` ``invalid_scope`` (400)."""
    _administers(user, organisation)
    if not page_is_public(page=course):
        raise CourseNotFound(f"课程“{course.title}”未发布或不公开，不能共享")
    if scope not in SharingScope.values:
        raise TrainingError(f"共享范围“{scope}”无效", code="invalid_scope")
    named = list(shared_with or [])
    if scope == SharingScope.NAMED and not named:
        raise TrainingError("指定共享须至少选择一个党组织", code="invalid_scope")
    with transaction.atomic():
        sharing = (
            CourseSharing.objects.select_for_update()
            .select_related("organisation")
            .filter(course=course)
            .first()
        )
        if sharing is not None and sharing.organisation_id != organisation.pk:
            raise CourseOwnedElsewhere(
                f"课程“{course.title}”已由“{sharing.organisation.name}”共享"
            )
        if sharing is None:
            sharing = CourseSharing(course=course, organisation=organisation)
        sharing.scope = scope
        sharing.shared_at = timezone.now()
        sharing.shared_by = user if user.is_authenticated else None
        sharing.save()
        sharing.shared_with.set(named if scope == SharingScope.NAMED else [])
    return sharing


def course_adopt(
    *,
    user: UserLike,
    organisation: Organisation,
    course: CoursePage,
    topic: TopicPage | None = None,
    plan_line: PlanLine | None = None,
) -> CourseAdoption:
    """Adopt the course shared with ``organisation``: show it in ``topic`` (a
    link, lessons not copied) and count it for ``plan_line``. Raises
    ``NotPlanAdministrator`` (403) when ``user`` does not administer
    ``organisation``, ``CourseNotShared`` (404) for a course not shared with it,
    ``OwnCourse`` (409) for its own course, ``AlreadyAdopted`` (409) when it has
    adopted the course already, ``NotTopicEditor`` (403) for a topic ``user``
    may not edit, ``PlanLineNotFound`` (404) for another organisation's line."""
    _administers(user, organisation)
    sharing = (
        CourseSharing.objects.select_related("organisation")
        .filter(course=course)
        .first()
    )
    if sharing is not None and sharing.organisation_id == organisation.pk:
        raise OwnCourse(f"课程“{course.title}”是本组织共享的课程，无须采用")
    if (
        sharing is None
        or not page_is_public(page=course)
        or not course_sharing_reaches(sharing=sharing, organisation=organisation)
    ):
        raise CourseNotShared(f"课程 {course.pk} 未向“{organisation.name}”共享")
    if topic is not None and not (
        topic.live and topic.permissions_for_user(user).can_edit()
    ):
        raise NotTopicEditor(f"您不能编辑专题“{topic.title}”")
    if plan_line is not None and plan_line.plan.organisation_id != organisation.pk:
        raise PlanLineNotFound(f"计划培训项目 {plan_line.pk} 不是本组织的")
    try:
        with transaction.atomic():
            adoption = CourseAdoption.objects.create(
                organisation=organisation,
                course=course,
                topic=topic,
                plan_line=plan_line,
                adopted_at=timezone.now(),
                adopted_by=user if user.is_authenticated else None,
            )
            if topic is not None:
                adoption.topic_linked = topic_course_link(topic=topic, course=course)
                adoption.save(update_fields=["topic_linked"])
    except IntegrityError:
        raise AlreadyAdopted(
            f"“{organisation.name}”已采用课程“{course.title}”"
        ) from None
    return adoption


def course_adoption_withdraw(
    *, user: UserLike, adoption: CourseAdoption
) -> CourseAdoption:
    """Withdraw ``adoption`` (the record stays; the topic link it made goes).
    Raises ``NotPlanAdministrator`` (403) when ``user`` does not administer the
    adopting organisation, ``AdoptionWithdrawn`` (409) when already withdrawn."""
    _administers(user, adoption.organisation)
    with transaction.atomic():
        adoption = CourseAdoption.objects.select_for_update().get(pk=adoption.pk)
        if adoption.withdrawn_at is not None:
            raise AdoptionWithdrawn("该课程采用已撤回")
        adoption.withdrawn_at = timezone.now()
        adoption.withdrawn_by = user if user.is_authenticated else None
        adoption.save(update_fields=["withdrawn_at", "withdrawn_by"])
        if adoption.topic_linked and adoption.topic is not None:
            topic_course_unlink(topic=adoption.topic, course=adoption.course)
    return adoption

"""Reads of 心得体会: what a member may write about (a ``(kind, id)`` pair they
took part in), their own reflections, the 优秀 ones shared with them, the part a
secretary reads (the subtrees they administer, as every scoped view), and the
counts per organisation and year for the reports (no ranking of individuals)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from wagtail.models import Page

from broadcasts.models import LiveLecture
from broadcasts.selectors import lecture_audience_includes
from learning.models import Attendance, Member, Organisation, TrainingClass
from learning.selectors import (
    lesson_info,
    member_can_learn,
    organisation_prefixes,
    organisation_scope_q,
    organisation_subtree_q,
    organisations_administered,
    user_can_report_on,
    user_sees_all_organisations,
)
from learning.selectors.scoping import UserLike
from meetings.models import Attendee
from reflections.errors import (
    InvalidReflection,
    OrganisationNotFound,
    ReflectionNotFound,
    TargetNotFound,
)
from reflections.models import Reflection
from training.models import ClassEnrolment

MASKED_NAME = "党员（未署名）"


@dataclass(frozen=True)
class Target:
    """What a reflection is about: its kind, id and title, and the portal page."""

    kind: str
    id: int
    title: str
    url: str


def reflection_target_find(*, member: Member, kind: str, target_id: int) -> Target:
    """The ``(kind, target_id)`` ``member`` may write about: a live lesson in their
    reach, a training class they are enrolled in or attended, a meeting they were
    asked to, a live lecture whose audience they are in (once it has begun). Raises InvalidReflection (an unknown kind, a
    class or meeting not begun yet) and TargetNotFound (nothing of that kind the
    member took part in or may see)."""
    finders = {
        Reflection.Kind.LESSON: _lesson_target,
        Reflection.Kind.TRAINING_CLASS: _class_target,
        Reflection.Kind.MEETING: _meeting_target,
        Reflection.Kind.LECTURE: _lecture_target,
    }
    finder = finders.get(kind)
    if finder is None:
        raise InvalidReflection(
            f"未知的对象类型 {kind!r}，可选：{'、'.join(finders)}",
            code="unknown_kind",
        )
    found = finder(member, target_id)
    if found is None:
        label = Reflection.Kind(kind).label
        raise TargetNotFound(f"{label} {target_id} 不存在，或您没有参加")
    return found


def _lesson_target(member: Member, target_id: int) -> Target | None:
    info = lesson_info(lesson_id=target_id)
    if info is None or info.kind != "lesson":
        return None
    if not member_can_learn(member=member, info=info):
        return None
    page = Page.objects.filter(pk=target_id).only("url_path").first()
    url = page.get_url() if page is not None else ""
    return Target(Reflection.Kind.LESSON, target_id, info.title, url or "")


def _class_target(member: Member, target_id: int) -> Target | None:
    training_class = TrainingClass.objects.filter(pk=target_id).first()
    if training_class is None:
        return None
    enrolled = ClassEnrolment.objects.filter(
        training_class=training_class,
        member_id=member.pk,
        status=ClassEnrolment.Status.ENROLLED,
    ).exists()
    attended = Attendance.objects.filter(
        session__training_class=training_class, member_id=member.pk
    ).exists()
    if not (enrolled or attended):
        return None
    if not training_class.sessions.filter(starts_at__lte=timezone.now()).exists():
        raise InvalidReflection(
            f"培训班“{training_class.title}”还没有开课，开课后再写心得",
            code="not_begun",
        )
    return Target(
        Reflection.Kind.TRAINING_CLASS,
        target_id,
        training_class.title,
        f"/me/training/{target_id}/",
    )


def _meeting_target(member: Member, target_id: int) -> Target | None:
    invitation = (
        Attendee.objects.filter(meeting_id=target_id, member_id=member.pk)
        .select_related("meeting")
        .first()
    )
    if invitation is None:
        return None
    meeting = invitation.meeting
    if meeting.cancelled_at is not None:
        raise InvalidReflection(f"会议“{meeting.theme}”已取消", code="cancelled")
    if meeting.starts_at > timezone.now():
        raise InvalidReflection(
            f"会议“{meeting.theme}”还没有开始，开始后再写心得", code="not_begun"
        )
    return Target(
        Reflection.Kind.MEETING,
        target_id,
        f"{meeting.get_kind_display()}：{meeting.theme}",
        f"/me/meetings/{target_id}/",
    )


def _lecture_target(member: Member, target_id: int) -> Target | None:
    lecture = (
        LiveLecture.objects.select_related("organisation").filter(pk=target_id).first()
    )
    if lecture is None or not lecture_audience_includes(lecture=lecture, member=member):
        return None
    if lecture.status not in (LiveLecture.Status.LIVE, LiveLecture.Status.ENDED):
        raise InvalidReflection(
            f"直播党课“{lecture.title}”还没有开始，开始后再写心得", code="not_begun"
        )
    return Target(
        Reflection.Kind.LECTURE, target_id, lecture.title, f"/zhibo/{target_id}/"
    )


def reflections_of_author(*, member: Member) -> QuerySet[Reflection]:
    """``member``'s own reflections, newest first."""
    return Reflection.objects.filter(author_id=member.pk)


def reflection_of_author_for_target(
    *, member: Member, kind: str, target_id: int
) -> Reflection | None:
    """The reflection ``member`` wrote about ``(kind, target_id)``, if any."""
    return (
        reflections_of_author(member=member)
        .filter(kind=kind, target_id=target_id)
        .first()
    )


def user_reads_reflections(*, user: UserLike) -> bool:
    """True for secretaries (organisation administrators) and editors: who has a
    reading list. Raises nothing."""
    return user.is_authenticated and (
        user_sees_all_organisations(user=user)
        or organisations_administered(user=user).exists()
    )


def reflections_read_by(*, user: UserLike) -> QuerySet[Reflection]:
    """What ``user`` reads as a secretary: the reflections of members of the
    subtrees they administer (editors: all; anyone else: none), newest first."""
    if not user.is_authenticated:
        return Reflection.objects.none()
    return Reflection.objects.filter(
        organisation_scope_q(user=user, prefix="organisation__")
    ).select_related("author", "organisation", "shared_in")


def reflection_readable(*, user: UserLike, member: Member | None, reflection_id: int):
    """Reflection ``reflection_id`` when ``user`` may read it: its author, a
    secretary of its subtree, or a member it is shared with (优秀). Returns the
    reflection and whether the reader is its author, a secretary or a member it is
    shared with (``"author"``, ``"reader"``, ``"shared"``). Raises
    ReflectionNotFound."""
    reflection = (
        Reflection.objects.select_related("author", "organisation", "shared_in")
        .filter(pk=reflection_id)
        .first()
    )
    if reflection is not None:
        if member is not None and reflection.author_id == member.pk:
            return reflection, "author"
        if user.is_authenticated and user_can_report_on(
            user=user, organisation=reflection.organisation
        ):
            return reflection, "reader"
        if member is not None and reflection_is_shared_with(
            reflection=reflection, member=member
        ):
            return reflection, "shared"
    raise ReflectionNotFound(f"心得体会 {reflection_id} 不存在，或您无权查看")


def _member_path(member: Member) -> str:
    return (
        Organisation.objects.filter(pk=member.organisation_id)
        .values_list("path", flat=True)
        .first()
        or ""
    )


def reflections_shared_with(*, member: Member) -> QuerySet[Reflection]:
    """The 优秀 reflections shared within an organisation ``member`` belongs to
    (their own or one above it), newest marked first."""
    path = _member_path(member)
    if not path:
        return Reflection.objects.none()
    return (
        Reflection.objects.filter(
            excellent=True, shared_in__path__in=organisation_prefixes(path=path)
        )
        .select_related("author", "organisation", "shared_in")
        .order_by("-marked_at", "-pk")
    )


def reflection_is_shared_with(*, reflection: Reflection, member: Member) -> bool:
    """True when ``reflection`` is 优秀 and shared within an organisation
    ``member`` belongs to. Raises nothing."""
    if not reflection.excellent or reflection.shared_in_id is None:
        return False
    return _member_path(member).startswith(reflection.shared_in.path)


def reflection_author_label(*, reflection: Reflection, reader_kind: str) -> str:
    """The author's name as ``reader_kind`` sees it: secretaries and the author
    always; members it is shared with only when the author agreed."""
    if reader_kind != "shared" or reflection.show_name:
        return reflection.author.name
    return MASKED_NAME


def share_choices(*, user: UserLike, reflection: Reflection) -> list[Organisation]:
    """Where ``user`` may share ``reflection`` when marking it 优秀: the author's
    organisation and those above it that ``user`` administers, nearest first."""
    paths = organisation_prefixes(path=reflection.organisation.path)
    candidates = Organisation.objects.filter(path__in=paths).order_by("-path")
    return [
        organisation
        for organisation in candidates
        if user_can_report_on(user=user, organisation=organisation)
    ]


@dataclass(frozen=True)
class ReflectionCounts:
    """心得体会 of an organisation's subtree in a year: written, replied, 优秀."""

    written: int
    replied: int
    excellent: int


def _counts(queryset: QuerySet[Reflection]) -> dict[str, int]:
    return queryset.aggregate(
        written=Count("pk"),
        replied=Count("pk", filter=~Q(reply="")),
        excellent=Count("pk", filter=Q(excellent=True)),
    )


def counts_organisation(*, user: UserLike, code: str) -> Organisation:
    """The organisation ``code`` when ``user`` may read its counts (administrators
    of it or above, editors). Raises OrganisationNotFound (none, or outside the
    caller's scope: the same answer, so codes are not probed)."""
    node = Organisation.objects.filter(code=code).first()
    if node is None or not user_can_report_on(user=user, organisation=node):
        raise OrganisationNotFound(f"没有代码为 {code} 的党组织，或不在您的管理范围内")
    return node


def reflection_counts(*, organisation: Organisation, year: int) -> ReflectionCounts:
    """How many reflections members of ``organisation``'s subtree wrote in
    ``year``, how many were replied to and how many marked 优秀 (figures for the
    reports; never per person). Raises nothing."""
    queryset = Reflection.objects.filter(
        organisation_subtree_q(path=organisation.path), created_at__year=year
    )
    return ReflectionCounts(**_counts(queryset))


def reflection_counts_for_reader(
    *, user: UserLike, year: int
) -> list[tuple[Organisation, ReflectionCounts]]:
    """``reflection_counts`` of each subtree ``user`` administers (editors: each
    root), for the reading list's summary. Raises nothing."""
    return [
        (organisation, reflection_counts(organisation=organisation, year=year))
        for organisation in organisations_administered(user=user).order_by("path")[:10]
    ]


def reflection_counts_by_child(
    *, organisation: Organisation, year: int
) -> list[tuple[Organisation, ReflectionCounts]]:
    """``reflection_counts`` for each child organisation of ``organisation``, in
    tree order. Raises nothing."""
    return [
        (child, reflection_counts(organisation=child, year=year))
        for child in Organisation.objects.filter(parent=organisation).order_by("path")
    ]

"""Reads of the lecture menu and orders: who may see or act on what, the menu's
search, ratings as aggregates only, a lecturer's workload and the menu's demand,
and the events of an account's calendar."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncMonth
from django.utils import timezone

from cms.models import Lecturer
from learning.models import Member, Organisation, TrainingSession
from learning.selectors.scoping import (
    UserLike,
    member_for_user,
    organisation_prefixes,
    organisation_scope_q,
    organisations_administered,
    user_can_report_on,
    user_sees_all_organisations,
)
from lectures.errors import LectureNotFound, NotALecturer, OrderNotFound
from lectures.models import Lecture, LectureOrder, LectureRating
from meetings.models import Attendee
from search.text import normalise, tokenizer

# The attendances that count as having been at a lecture (not 补学 or 送学上门).
ATTENDED = ("code", "online", "proxy", "late_entry")


def lecturer_for_user(*, user: UserLike) -> Lecturer | None:
    """The lecturer profile of ``user`` (None when it has none)."""
    if not user.is_authenticated:
        return None
    return Lecturer.objects.filter(user=user).first()


def lecturer_required(*, user: UserLike) -> Lecturer:
    """The lecturer profile of ``user``. Raises NotALecturer."""
    lecturer = lecturer_for_user(user=user)
    if lecturer is None:
        raise NotALecturer("当前账号不是师资库讲师")
    return lecturer


def user_reviews_menu(*, user: UserLike) -> bool:
    """Editors (who may change menu items) and superusers review the menu."""
    return user.is_authenticated and (
        user.is_superuser or user.has_perm("lectures.change_lecture")
    )


def lecture_published(*, lecture_id: int) -> Lecture:
    """A published menu item. Raises LectureNotFound."""
    lecture = (
        Lecture.objects.select_related("lecturer")
        .filter(pk=lecture_id, status=Lecture.Status.PUBLISHED)
        .first()
    )
    if lecture is None:
        raise LectureNotFound(f"菜单课程 {lecture_id} 不存在或未发布")
    return lecture


def lecture_of_lecturer(*, user: UserLike, lecture_id: int) -> Lecture:
    """One of the caller's own menu items, in any state. Raises NotALecturer and
    LectureNotFound."""
    lecturer = lecturer_required(user=user)
    lecture = Lecture.objects.filter(pk=lecture_id, lecturer=lecturer).first()
    if lecture is None:
        raise LectureNotFound(f"您没有菜单课程 {lecture_id}")
    return lecture


def _query_words(query: str) -> list[str]:
    words: list[str] = []
    for word in normalise(query).split():
        if any("\u4e00" <= char <= "\u9fff" for char in word) and len(word) > 2:
            words += [w for w in tokenizer().cut(word) if w.strip()]
        else:
            words.append(word)
    return words


@dataclass(frozen=True)
class MenuFilter:
    """What the menu is searched by; every part optional."""

    q: str = ""
    topic: int | None = None
    audience: str = ""
    area: str = ""  # an organisation code: lectures that go there
    mode: str = ""  # onsite | online


def menu_search(*, filters: MenuFilter) -> list[Lecture]:
    """The published menu items matching ``filters``: every word of ``q`` (Chinese,
    traditional or simplified, pinyin or its initials) in the title, summary, tags,
    topics or lecturer; a topic; an audience the lecture suits (or one for
    everyone); an organisation it goes to (or anywhere); on-site or online.
    An unknown area code matches nothing. Raises nothing."""
    lectures = Lecture.objects.filter(status=Lecture.Status.PUBLISHED).select_related(
        "lecturer"
    )
    for word in _query_words(filters.q):
        lectures = lectures.filter(search_text__contains=word)
    if filters.topic:
        lectures = lectures.filter(topics__pk=filters.topic)
    if filters.mode in (Lecture.Mode.ONSITE, Lecture.Mode.ONLINE):
        lectures = lectures.filter(mode__in=[filters.mode, Lecture.Mode.BOTH])
    if filters.area:
        node = Organisation.objects.filter(code=filters.area).first()
        if node is None:
            return []
        lectures = lectures.filter(
            Q(areas__isnull=True)
            | Q(areas__path__in=organisation_prefixes(path=node.path))
        )
    found = list(lectures.distinct().order_by("-published_at", "pk")[:200])
    if filters.audience:
        found = [
            lecture
            for lecture in found
            if not lecture.audiences or filters.audience in lecture.audiences
        ]
    return found


def lecture_serves(*, lecture: Lecture, organisation: Organisation) -> bool:
    """True when ``organisation`` lies in one of the lecture's areas (or it has
    none)."""
    paths = [area.path for area in lecture.areas.all()]
    return not paths or any(organisation.path.startswith(p) for p in paths)


def orders_visible_to(*, user: UserLike) -> QuerySet[LectureOrder]:
    """Orders of the organisations ``user`` administers (and below), and orders of
    the caller's own lectures."""
    orders = LectureOrder.objects.select_related(
        "lecture", "lecture__lecturer", "organisation", "meeting"
    )
    if not user.is_authenticated:
        return orders.none()
    if user_sees_all_organisations(user=user):
        return orders
    # (An empty Q() ORed with another is the other: editors are answered above.)
    scope = organisation_scope_q(user=user, prefix="organisation__")
    return orders.filter(scope | Q(lecture__lecturer__user=user))


def order_for_user(*, user: UserLike, order_id: int) -> LectureOrder:
    """An order the caller may see. Raises OrderNotFound."""
    order = orders_visible_to(user=user).filter(pk=order_id).first()
    if order is None:
        raise OrderNotFound(f"点单 {order_id} 不存在，或不在您的范围内")
    return order


def order_is_lecturers(*, user: UserLike, order: LectureOrder) -> bool:
    return user.is_authenticated and order.lecture.lecturer.user_id == user.pk


def order_may_dispatch(*, user: UserLike, order: LectureOrder) -> bool:
    """The organising department dispatches: editors, and administrators of an
    organisation above the ordering one (not the branch itself)."""
    if not user.is_authenticated:
        return False
    if user_sees_all_organisations(user=user):
        return True
    path = order.organisation.path
    return any(
        path.startswith(top) and path != top
        for top in organisations_administered(user=user).values_list("path", flat=True)
    )


def order_is_branchs(*, user: UserLike, order: LectureOrder) -> bool:
    """True when ``user`` administers the ordering organisation (or above)."""
    return user_can_report_on(user=user, organisation=order.organisation)


def order_attendee(*, user: UserLike, order: LectureOrder) -> Attendee | None:
    """The caller's attendance at the order's meeting (None: not asked)."""
    member = member_for_user(user=user)
    if member is None or order.meeting_id is None:
        return None
    return Attendee.objects.filter(meeting_id=order.meeting_id, member=member).first()


@dataclass(frozen=True)
class RatingSummary:
    """Ratings as an aggregate: the average only from ``minimum`` ratings on."""

    count: int
    minimum: int
    average: float | None
    comments: list[str]


def rating_summary(*, lectures: QuerySet[Lecture] | list[Lecture]) -> RatingSummary:
    """The ratings of ``lectures`` (one or all of a lecturer's) as an aggregate:
    the count always; the average and the comments (without names, sorted so
    their order tells nothing) from ``LECTURES_RATING_MIN_GROUP`` ratings on. Raises
    nothing."""
    minimum = settings.LECTURES_RATING_MIN_GROUP
    ratings = LectureRating.objects.filter(order__lecture__in=lectures)
    scores = list(ratings.values_list("score", "comment"))
    if len(scores) < minimum:
        return RatingSummary(len(scores), minimum, None, [])
    average = round(sum(s for s, _ in scores) / len(scores), 2)
    return RatingSummary(
        len(scores), minimum, average, sorted(c for _, c in scores if c)
    )


def rating_summary_visible(*, user: UserLike, lecture: Lecture) -> bool:
    """The lecturer sees their own lectures' aggregates; the organising
    department (editors, administrators of an organisation that ordered it or
    above) sees them too."""
    if not user.is_authenticated:
        return False
    if lecture.lecturer.user_id == user.pk or user_sees_all_organisations(user=user):
        return True
    return LectureOrder.objects.filter(
        organisation_scope_q(user=user, prefix="organisation__"), lecture=lecture
    ).exists()


def lectures_for_review(*, user: UserLike) -> QuerySet[Lecture]:
    """The submitted menu items (the review queue): editors only."""
    if not user_reviews_menu(user=user):
        return Lecture.objects.none()
    return Lecture.objects.filter(status=Lecture.Status.SUBMITTED).select_related(
        "lecturer"
    )


@dataclass(frozen=True)
class WorkloadRow:
    lecturer: str
    month: str
    lectures: int


def lecturer_workload(*, orders: QuerySet[LectureOrder]) -> list[WorkloadRow]:
    """Accepted lectures per lecturer and month among ``orders``."""
    rows = (
        orders.filter(status=LectureOrder.Status.ACCEPTED)
        .annotate(month=TruncMonth("starts_at"))
        .values("lecture__lecturer__name", "month")
        .annotate(n=Count("pk"))
        .order_by("lecture__lecturer__name", "month")
    )
    return [
        WorkloadRow(r["lecture__lecturer__name"], f"{r['month']:%Y-%m}", r["n"])
        for r in rows
    ]


@dataclass(frozen=True)
class DemandRow:
    lecture: Lecture
    orders: int
    accepted: int
    unfilled: int


@dataclass(frozen=True)
class Demand:
    rows: list[DemandRow]
    unfilled: int
    unserved: list[Organisation]


def menu_demand(*, orders: QuerySet[LectureOrder]) -> Demand:
    """Orders per published lecture, orders not (yet) filled, and the
    sub-districts (the tree's second level) no published lecture goes to."""
    counts = Counter(orders.values_list("lecture_id", flat=True))
    accepted = Counter(
        orders.filter(status=LectureOrder.Status.ACCEPTED).values_list(
            "lecture_id", flat=True
        )
    )
    lectures = Lecture.objects.filter(
        Q(status=Lecture.Status.PUBLISHED) | Q(pk__in=list(counts))
    ).select_related("lecturer")
    rows = sorted(
        (
            DemandRow(
                lecture,
                counts[lecture.pk],
                accepted[lecture.pk],
                counts[lecture.pk] - accepted[lecture.pk],
            )
            for lecture in lectures
        ),
        key=lambda row: (-row.orders, row.lecture.pk),
    )
    published = Lecture.objects.filter(status=Lecture.Status.PUBLISHED)
    paths = set(published.values_list("areas__path", flat=True))
    unserved: list[Organisation] = []
    if published.exists() and None not in paths:
        for node in Organisation.objects.filter(depth=2):
            if not any(
                node.path.startswith(p) or p.startswith(node.path) for p in paths
            ):
                unserved.append(node)
    return Demand(rows, sum(r.unfilled for r in rows), unserved)


@dataclass(frozen=True)
class CalendarEvent:
    uid: str
    starts_at: datetime
    ends_at: datetime
    summary: str
    location: str
    description: str


def calendar_events(*, user: UserLike) -> list[CalendarEvent]:
    """An account's calendar: the accepted lectures it gives (lecturer) or its
    organisations ordered (administrator), and, for a member, the meetings it is
    asked to and the sessions of the training classes it is enrolled in. Raises
    nothing."""
    events: dict[str, CalendarEvent] = {}
    since = timezone.now() - timedelta(days=180)
    accepted = orders_visible_to(user=user).filter(
        status=LectureOrder.Status.ACCEPTED, starts_at__gte=since
    )
    for order in accepted:
        where = "线上" if order.online else order.address
        events[f"lecture-order-{order.pk}"] = CalendarEvent(
            f"lecture-order-{order.pk}",
            order.starts_at,
            order.ends_at,
            f"党课：{order.lecture.title}（{order.lecture.lecturer.name}）",
            where,
            f"{order.organisation.name}点单，预计 {order.audience_size} 人",
        )
    member = Member.objects.filter(user_id=user.pk).first() if user.pk else None
    if member is not None:
        asked = Attendee.objects.filter(
            member=member,
            meeting__starts_at__gte=since,
            meeting__cancelled_at__isnull=True,
        ).select_related("meeting", "meeting__organisation")
        for attendee in asked:
            meeting = attendee.meeting
            events.setdefault(
                f"meeting-{meeting.pk}",
                CalendarEvent(
                    f"meeting-{meeting.pk}",
                    meeting.starts_at,
                    meeting.ends_at,
                    f"{meeting.get_kind_display()}：{meeting.theme}",
                    meeting.address or ("线上" if meeting.online_url else ""),
                    meeting.organisation.name,
                ),
            )
        sessions = TrainingSession.objects.filter(
            training_class__enrolments__member=member,
            training_class__enrolments__status="enrolled",
            starts_at__gte=since,
        ).select_related("training_class")
        for session in sessions:
            events[f"training-session-{session.pk}"] = CalendarEvent(
                f"training-session-{session.pk}",
                session.starts_at,
                session.ends_at,
                f"培训：{session.training_class.title} · {session.title}",
                "",
                "",
            )
    return sorted(events.values(), key=lambda e: (e.starts_at, e.uid))


def orders_to_rate(
    *, user: UserLike, now: datetime | None = None
) -> list[LectureOrder]:
    """Held lectures the member checked in to and has not rated yet."""
    member = member_for_user(user=user)
    if member is None:
        return []
    now = now or timezone.now()
    return list(
        LectureOrder.objects.filter(
            status=LectureOrder.Status.ACCEPTED,
            ends_at__lte=now,
            meeting__attendees__member_id=member.pk,
            meeting__attendees__attendance__in=ATTENDED,
        )
        .exclude(ratings__member_id=member.pk)
        .select_related("lecture", "lecture__lecturer")
        .order_by("-starts_at")[:20]
    )

"""Coverage reports along the organisation tree.

Reports aggregate in SQL along the materialised organisation path: one GROUP BY per
figure over the first characters of the path, never a Python loop over members
(the drill-down all reports share: ``learning.selectors.tree``).
The figures come from the roll-ups (``OrganisationTally``: a few rows per
organisation, kept exact by ``learning.services.rollups``); ``from_records=True``
computes them from the member records instead (the reconciliation's and the
benchmark's baseline; both give the same report).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import (
    Count,
    DecimalField,
    Exists,
    F,
    FilteredRelation,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from wagtail.models import Page

from cms.models import CoursePage, TopicPage
from cms.selectors import pages_visible_to_public
from learning.choices import MemberType
from learning.models import (
    Assignment,
    CourseCompletion,
    CreditRecord,
    Member,
    MemberYearCredit,
    Organisation,
    OrganisationTally,
    TopicCompletion,
)
from learning.selectors.credit import credit_rule
from learning.selectors.tree import (
    by_child_organisation,
    figures_by_child,
    organisation_drill_rows,
    organisation_subtree_q,
)

HOURS_FIELD = DecimalField(max_digits=8, decimal_places=2)


@dataclass
class ReportRow:
    """The figures of one organisation (or of the node's own members)."""

    organisation_id: int | None
    code: str
    name: str
    members: int = 0
    completed: int = 0
    hours_total: Decimal = Decimal("0")

    @property
    def coverage(self) -> float:
        return round(100 * self.completed / self.members, 1) if self.members else 0.0

    @property
    def average_hours(self) -> float:
        if not self.members:
            return 0.0
        return round(float(self.hours_total) / self.members, 2)

    def as_dict(self) -> dict[str, Any]:
        return {
            "organisation_id": self.organisation_id,
            "code": self.code,
            "name": self.name,
            "members": self.members,
            "completed": self.completed,
            "coverage": self.coverage,
            "average_hours": self.average_hours,
        }


@dataclass
class Report:
    """A report of a subject (course, topic or year) for an organisation subtree."""

    organisation: Organisation
    subject: str
    year: int
    total: ReportRow
    children: list[ReportRow]
    laggards: list[dict[str, Any]]
    laggards_count: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "organisation": {
                "id": self.organisation.pk,
                "code": self.organisation.code,
                "name": self.organisation.name,
            },
            "subject": self.subject,
            "year": self.year,
            "total": self.total.as_dict(),
            "children": [row.as_dict() for row in self.children],
            "laggards": self.laggards,
            "laggards_count": self.laggards_count,
        }


def _content_scope_q(content: Page, default_types: list[str]) -> Q:
    """Members a course or topic applies to: those its assignments target, or, when it
    is assigned nowhere, the member types it is intended for."""
    assignments = list(
        Assignment.objects.filter(content=content).select_related("organisation")
    )
    if not assignments:
        return Q(member_type__in=default_types) if default_types else Q()
    query = Q(pk__in=[])
    for a in assignments:
        part = organisation_subtree_q(path=a.organisation.path)
        if a.member_types:
            part &= Q(member_type__in=a.member_types)
        query |= part
    return query


def _year_completed_q(year: int) -> Q:
    rule = credit_rule()
    query = Q(pk__in=[])
    for member_type in MemberType.values:
        reached = (
            CreditRecord.objects.filter(year=year, member__member_type=member_type)
            .values("member_id")
            .annotate(total=Sum("hours"))
            .filter(total__gte=rule.target_for(member_type))
            .values("member_id")
        )
        query |= Q(pk__in=reached)
    return query


def report_build(
    *,
    organisation: Organisation,
    course: CoursePage | None = None,
    topic: TopicPage | None = None,
    year: int | None = None,
    laggards_offset: int = 0,
    laggards_limit: int = 20,
    from_records: bool = False,
) -> Report:
    """Coverage of a course, a topic or a year's 学时 target for ``organisation``'s
    subtree, with the same figures per child organisation and the laggards paged.

    Members in scope: for a course or topic, the members its assignments target (or
    its intended member types when unassigned); for a year, every member. Completed:
    finished the course/topic, or reached the year's target. 学时 are the year's.
    Laggards: members in scope not completed, fewest 学时 first.
    ``course`` and ``topic`` are taken as given (the caller checks they are live and
    public, and that only one is given). ``from_records`` sums the member records
    instead of the roll-ups (same answer, slower). Raises nothing.
    """
    year = year or timezone.localdate().year
    if course is not None:
        scope_q = _content_scope_q(course, course.intended_member_types or [])
        subject = f"课程：{course.title}"
    elif topic is not None:
        scope_q = _content_scope_q(topic, [])
        subject = f"专题：{topic.title}"
    else:
        scope_q = Q()
        subject = f"{year} 年度学时"
    figures = _tally_figures if not from_records else _record_figures
    counts, done, hours = figures(
        organisation=organisation,
        scope_q=scope_q,
        course=course,
        topic=topic,
        year=year,
    )
    children = [
        ReportRow(
            organisation_id=row.organisation_id,
            code=row.code,
            name=row.name,
            members=counts.get(row.path, 0),
            completed=done.get(row.path, 0),
            hours_total=hours.get(row.path) or Decimal("0"),
        )
        for row in organisation_drill_rows(
            organisation=organisation, own_members=bool(counts.get(organisation.path))
        )
    ]
    total = ReportRow(
        organisation_id=organisation.pk,
        code=organisation.code,
        name=organisation.name,
        members=sum(counts.values()),
        completed=sum(done.values()),
        hours_total=sum((h or Decimal("0") for h in hours.values()), Decimal("0")),
    )
    members = Member.objects.filter(
        scope_q, organisation_subtree_q(path=organisation.path)
    )
    laggards_page = _laggards_from_records if from_records else _laggards
    laggards = laggards_page(
        members=members,
        course=course,
        topic=topic,
        year=year,
        window=slice(laggards_offset, laggards_offset + laggards_limit),
    )
    return Report(
        organisation=organisation,
        subject=subject,
        year=year,
        total=total,
        children=children,
        laggards=laggards,
        laggards_count=total.members - total.completed,
    )


Figures = tuple[dict[str, int], dict[str, int], dict[str, Decimal]]


def _tally_figures(*, organisation, scope_q, course, topic, year: int) -> Figures:
    """Members, completed and 学时 per child prefix, from the roll-ups."""
    if course is not None:
        done_subject = f"course:{course.pk}"
    elif topic is not None:
        done_subject = f"topic:{topic.pk}"
    else:
        done_subject = f"year:{year}"
    year_subject = f"year:{year}"
    rows = (
        by_child_organisation(
            OrganisationTally.objects.filter(
                scope_q,
                organisation_subtree_q(path=organisation.path),
                subject__in={"members", done_subject, year_subject},
            ),
            organisation=organisation,
            also=("subject",),
        )
        .annotate(n=Sum("count"), h=Sum("hours"))
        .values_list("prefix", "subject", "n", "h")
    )
    counts: dict[str, int] = {}
    done: dict[str, int] = {}
    hours: dict[str, Decimal] = {}
    for prefix, subject, n, h in rows:
        if subject == "members":
            counts[prefix] = n
        if subject == done_subject:
            done[prefix] = n
        if subject == year_subject:
            hours[prefix] = h
    return counts, done, hours


def _completed_q(*, course, topic, year: int) -> Q:
    if course is not None:
        return Q(
            pk__in=CourseCompletion.objects.filter(course=course).values("member_id")
        )
    if topic is not None:
        return Q(pk__in=TopicCompletion.objects.filter(topic=topic).values("member_id"))
    return _year_completed_q(year)


def _record_figures(*, organisation, scope_q, course, topic, year: int) -> Figures:
    """Members, completed and 学时 per child prefix, from the member records."""
    members = Member.objects.filter(
        scope_q, organisation_subtree_q(path=organisation.path)
    )
    completed_q = _completed_q(course=course, topic=topic, year=year)
    counts = figures_by_child(members, organisation=organisation, n=Count("pk"))
    done = figures_by_child(
        members.filter(completed_q), organisation=organisation, n=Count("pk")
    )
    hours = figures_by_child(
        CreditRecord.objects.filter(year=year, member__in=members.values("pk")),
        organisation=organisation,
        path_field="member__organisation__path",
        total=Sum("hours"),
    )
    return counts, done, hours


def _laggard_dicts(rows) -> list[dict[str, Any]]:
    return [
        {
            "member_id": row["pk"],
            "name": row["name"],
            "organisation": row["organisation__name"],
            "member_type": row["member_type"],
            "credit_hours": row["hours"],
        }
        for row in rows
    ]


LAGGARD_ORDER = ("hours", "organisation__path", "name", "pk")
LAGGARD_FIELDS = ("pk", "name", "organisation__name", "member_type", "hours")


def _laggard_rows(queryset, window: slice) -> list[dict[str, Any]]:
    return _laggard_dicts(
        queryset.order_by(*LAGGARD_ORDER).values(*LAGGARD_FIELDS)[window]
    )


def _not_completed(members, *, course, topic):
    """Members in scope who have not completed the course or topic (an anti-join)."""
    if course is not None:
        return members.exclude(
            Exists(
                CourseCompletion.objects.filter(member=OuterRef("pk"), course=course)
            )
        )
    if topic is not None:
        return members.exclude(
            Exists(TopicCompletion.objects.filter(member=OuterRef("pk"), topic=topic))
        )
    return members


def _short_of_target_q(*, course, topic) -> Q:
    """For the year report: the annotated ``hours`` are below the type's target."""
    if course is not None or topic is not None:
        return Q()
    rule = credit_rule()
    short = Q(pk__in=[])
    for member_type in MemberType.values:
        short |= Q(member_type=member_type, hours__lt=rule.target_for(member_type))
    return short


def _laggards(*, members, course, topic, year: int, window: slice):
    """The laggards page, with each member's 学时 from the yearly roll-up.

    Fewest 学时 first means those with none first: they are read in tree order
    (which an index walk yields without sorting the whole subtree), and only when
    the page reaches past them are the others read, by their hours."""
    members = _not_completed(members, course=course, topic=topic)
    short = _short_of_target_q(course=course, topic=topic)
    positive = MemberYearCredit.objects.filter(
        member=OuterRef("pk"), year=year, hours__gt=0
    )
    none_yet = (
        members.exclude(Exists(positive))
        .annotate(hours=Value(Decimal("0"), output_field=HOURS_FIELD))
        .filter(short)
        .order_by("organisation__path", "name", "pk")
        .values(*LAGGARD_FIELDS)
    )
    rows = list(none_yet[: window.stop])
    if len(rows) >= window.stop:
        return _laggard_dicts(rows[window.start :])
    some = (
        members.annotate(
            this_year=FilteredRelation(
                "year_credits", condition=Q(year_credits__year=year)
            )
        )
        .filter(this_year__hours__gt=0)
        .annotate(hours=F("this_year__hours"))
        .filter(short)
    )
    skip = len(rows)
    rest = slice(max(0, window.start - skip), window.stop - skip)
    return _laggard_dicts(rows[window.start :]) + _laggard_rows(some, rest)


def _laggards_from_records(*, members, course, topic, year: int, window: slice):
    """The laggards page, with each member's 学时 summed from the credit records."""
    year_hours = (
        CreditRecord.objects.filter(year=year, member_id=OuterRef("pk"))
        .values("member_id")
        .annotate(total=Sum("hours"))
        .values("total")
    )
    laggards = (
        _not_completed(members, course=course, topic=topic)
        .annotate(
            hours=Coalesce(Subquery(year_hours, output_field=HOURS_FIELD), Decimal("0"))
        )
        .filter(_short_of_target_q(course=course, topic=topic))
    )
    return _laggard_rows(laggards, window)


def report_default_courses(*, year: int | None = None) -> list[CoursePage]:
    """This year's compulsory (必修) courses, live and public, newest first: what a
    report opens on when no course, topic or year is asked for (a year's 学时 reads
    0 % for months). Courses first published in ``year`` (this year by default)
    come first; when there are none, every compulsory course. Raises nothing."""
    year = year or timezone.localdate().year
    courses = pages_visible_to_public(
        queryset=CoursePage.objects.filter(category=CoursePage.Category.COMPULSORY)
    ).order_by("-first_published_at", "path")
    this_year = [
        course
        for course in courses
        if course.first_published_at is not None
        and timezone.localtime(course.first_published_at).year == year
    ]
    return this_year or list(courses)


def organisations_for_choice(*, roots) -> list[tuple[str, str]]:
    """(code, label) of every organisation in the subtrees of ``roots``, in tree
    order, each label indented by its depth below its root: what a report's
    organisation select offers. Raises nothing."""
    choices: list[tuple[str, str]] = []
    for root in roots:
        for node in Organisation.objects.filter(
            organisation_subtree_q(path=root.path, prefix="")
        ).order_by("path"):
            indent = "\u3000" * (node.depth - root.depth)
            choices.append((node.code, f"{indent}{node.name}（{node.code}）"))
    return choices

"""The figures the seeds report (培训统计): for an organisation's subtree and a year,
classes (期数) and member-times (人次) by training kind and target group, 学时
granted, completions and certificates, plan against actual, lecturers' sessions and
branch meetings' 场次/人次, with one row per child organisation to drill down.

Everything is counted from the records (classes, sessions, check-ins, credit
records, completions, certificates, meetings), never typed in:

- a class counts in the year of its first session (as in
  ``training.selectors.plan_against_actual``, which gives the planned figures and
  plan completion: the classes run on the lines of the latest filed plans against
  their 期数); its kind and target groups are its
  plan line's (a class outside any plan counts as 计划外);
- 人次 are check-ins (签到) at the sessions of those classes;
- 学时 granted are the credit records of the year of those classes (at 结业) and
  of their sessions (at check-in);
- 共建共享: the courses the subtree's organisations share, who adopted them and
  every adopter's members' completions that year, and the courses the subtree
  adopted with its own members' completions
  (``training.selectors.course_sharing_statistics``);
- a meeting counts when it has ended and was not cancelled; its 人次 are the
  attendees present in any way (签到, 线上, 代签, 补签, 送学上门, 补学).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db.models import Count, Min, Sum
from django.utils import timezone

from certificates.models import Certificate
from learning.models import (
    Attendance,
    ClassCompletion,
    CreditRecord,
    Organisation,
    TrainingClass,
    TrainingSession,
)
from learning.selectors import organisation_drill_rows
from learning.selectors.tree import figures_by_child
from meetings.models import Attendee, Meeting, MeetingKind
from training.models import TargetGroup, TrainingKind
from training.selectors import (
    SharingStatistics,
    course_sharing_statistics,
    plan_against_actual,
)

ZERO = Decimal("0")
UNPLANNED = ("unplanned", "计划外")


@dataclass
class Tally:
    """期数, 人次 and 学时 of a group of classes."""

    key: str
    label: str
    classes: int = 0
    people_times: int = 0
    hours: Decimal = ZERO

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "label": self.label,
            "classes": self.classes,
            "people_times": self.people_times,
            "hours": str(self.hours.normalize()) if self.hours else "0",
        }


@dataclass
class ChildRow:
    code: str
    name: str
    own: bool
    classes: int = 0
    people_times: int = 0
    hours: Decimal = ZERO
    meetings: int = 0
    meeting_people_times: int = 0


@dataclass
class TrainingStatistics:
    organisation: Organisation
    year: int
    classes: int = 0
    sessions: int = 0
    people_times: int = 0
    hours: Decimal = ZERO
    completions: int = 0
    certificates: int = 0
    planned_classes: Decimal = ZERO
    planned_people: Decimal = ZERO
    planned_hours: Decimal = ZERO
    planned_classes_run: int = 0
    by_kind: list[Tally] = field(default_factory=list)
    by_group: list[Tally] = field(default_factory=list)
    lecturers: list[tuple[str, int, int]] = field(default_factory=list)
    meetings: list[tuple[str, str, int, int]] = field(default_factory=list)
    meetings_total: tuple[int, int] = (0, 0)
    children: list[ChildRow] = field(default_factory=list)
    sharing: SharingStatistics = field(default_factory=SharingStatistics)

    @property
    def plan_percent(self) -> Decimal | None:
        """The planned classes run against the planned 期数 (计划外 classes are
        not the plan's)."""
        if not self.planned_classes:
            return None
        return round(Decimal(self.planned_classes_run) * 100 / self.planned_classes, 1)


def _year_bounds(year: int) -> tuple[datetime, datetime]:
    tz = timezone.get_current_timezone()
    return datetime(year, 1, 1, tzinfo=tz), datetime(year + 1, 1, 1, tzinfo=tz)


def training_statistics(*, organisation: Organisation, year: int) -> TrainingStatistics:
    """The statistics of ``organisation``'s subtree in ``year`` (see the module's
    docstring for what counts). Raises nothing."""
    start, end = _year_bounds(year)
    path = organisation.path
    result = TrainingStatistics(organisation=organisation, year=year)

    classes = (
        TrainingClass.objects.filter(organisation__path__startswith=path)
        .annotate(first=Min("sessions__starts_at"))
        .filter(first__gte=start, first__lt=end)
    )
    class_rows = {
        pk: (kind, groups or [], org_path)
        for pk, kind, groups, org_path in classes.values_list(
            "pk",
            "plan_line__kind",
            "plan_line__target_groups",
            "organisation__path",
        )
    }
    # The ids once, as lists: a grouped subquery inside every later statement
    # would be planned (and run) again each time.
    class_ids = list(class_rows)
    session_class = dict(
        TrainingSession.objects.filter(training_class_id__in=class_ids).values_list(
            "pk", "training_class_id"
        )
    )
    session_ids = list(session_class)
    sessions = TrainingSession.objects.filter(pk__in=session_ids)
    people: dict[int, int] = {}
    for session_id, n in (
        Attendance.objects.filter(session_id__in=session_ids)
        .values("session_id")
        .annotate(n=Count("id"))
        .values_list("session_id", "n")
    ):
        class_id = session_class[session_id]
        people[class_id] = people.get(class_id, 0) + n
    class_hours: dict[int, Decimal] = {}
    credits = CreditRecord.objects.filter(year=year)
    for class_id, total in (
        credits.filter(source=CreditRecord.Source.CLASS, source_id__in=class_ids)
        .values("source_id")
        .annotate(total=Sum("hours"))
        .values_list("source_id", "total")
    ):
        class_hours[class_id] = class_hours.get(class_id, ZERO) + (total or ZERO)
    for session_id, total in (
        credits.filter(source=CreditRecord.Source.SESSION, source_id__in=session_ids)
        .values("source_id")
        .annotate(total=Sum("hours"))
        .values_list("source_id", "total")
    ):
        class_id = session_class[session_id]
        class_hours[class_id] = class_hours.get(class_id, ZERO) + (total or ZERO)

    kinds = {key: Tally(key, label) for key, label in TrainingKind.choices}
    kinds[UNPLANNED[0]] = Tally(*UNPLANNED)
    groups = {key: Tally(key, label) for key, label in TargetGroup.choices}
    drill = organisation_drill_rows(organisation=organisation, own_members=True)
    keys = sorted((row.path for row in drill), key=len, reverse=True)
    children = {
        row.path: ChildRow(row.code, row.name, row.organisation_id is None)
        for row in drill
    }

    def child_of(org_path: str) -> ChildRow | None:
        for key in keys:
            if (key == path and org_path == key) or (
                key != path and org_path.startswith(key)
            ):
                return children[key]
        return children.get(path)

    for class_id, (kind, class_groups, org_path) in class_rows.items():
        n = people.get(class_id, 0)
        hours = class_hours.get(class_id, ZERO)
        result.classes += 1
        result.people_times += n
        result.hours += hours
        tallies = [kinds.get(kind or UNPLANNED[0], kinds[UNPLANNED[0]])]
        tallies += [groups[g] for g in class_groups if g in groups]
        child = child_of(org_path)
        for tally in (*tallies, child):
            if tally is None:
                continue
            tally.classes += 1
            tally.people_times += n
            tally.hours += hours
    result.sessions = len(session_ids)
    result.by_kind = [t for t in kinds.values() if t.key != UNPLANNED[0] or t.classes]
    result.by_group = list(groups.values())
    result.completions = ClassCompletion.objects.filter(
        training_class__in=class_ids
    ).count()
    result.certificates = Certificate.objects.filter(
        training_class__in=class_ids, revoked_at__isnull=True
    ).count()

    # Plan completion is training's one rule (the lines of the latest filed
    # revisions against the classes run on them), not a second copy of it.
    against = plan_against_actual(
        organisation=organisation, year=year, sessions_and_hours=False
    ).total
    result.planned_classes = against.planned_classes
    result.planned_people = against.planned_people
    result.planned_hours = against.planned_hours
    result.planned_classes_run = against.classes
    result.sharing = course_sharing_statistics(organisation=organisation, year=year)

    result.lecturers = list(
        sessions.exclude(lecturer=None)
        .values("lecturer__name")
        .annotate(n=Count("id", distinct=True), people=Count("attendance"))
        .order_by("-n", "lecturer__name")
        .values_list("lecturer__name", "n", "people")[:20]
    )

    held = Meeting.objects.filter(
        organisation__path__startswith=path,
        starts_at__gte=start,
        starts_at__lt=end,
        ends_at__lte=timezone.now(),
        cancelled_at__isnull=True,
    )
    present = Attendee.objects.filter(meeting__in=held.values("pk")).exclude(
        attendance=Attendee.Attendance.NONE
    )
    meeting_counts = dict(
        held.values("kind").annotate(n=Count("id")).values_list("kind", "n")
    )
    meeting_people = dict(
        present.values("meeting__kind")
        .annotate(n=Count("id"))
        .values_list("meeting__kind", "n")
    )
    result.meetings = [
        (key, label, meeting_counts.get(key, 0), meeting_people.get(key, 0))
        for key, label in MeetingKind.choices
    ]
    result.meetings_total = (
        sum(meeting_counts.values()),
        sum(meeting_people.values()),
    )
    for prefix, n in figures_by_child(
        held, organisation=organisation, n=Count("id")
    ).items():
        row = children.get(prefix)
        if row is not None:
            row.meetings += n
    for prefix, n in figures_by_child(
        present,
        organisation=organisation,
        path_field="meeting__organisation__path",
        n=Count("id"),
    ).items():
        row = children.get(prefix)
        if row is not None:
            row.meeting_people_times += n
    result.children = list(children.values())
    return result

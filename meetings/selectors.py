"""Reads of branch life: who may see or run a meeting, a member's meetings, the
minutes one may read, the cadence an organisation keeps, the ledger (台账) of a
branch's year and the due/held/overdue overview along the organisation tree.

Who is who: a *manager* of a meeting administers its organisation's subtree (an
organisation administrator of it or of a level above, or an editor); an
*attendee* is asked to it (a *guest* is asked to sit in, 列席). A member sees only
the meetings they are asked to; a manager those of their subtree.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import Count, Max, Prefetch, Q, QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone

from learning.models import PATH_STEP, Member, Organisation
from learning.selectors import (
    member_for_user,
    organisation_drill_rows,
    organisation_prefixes,
    organisation_scope_q,
    organisation_subtree_q,
    user_can_report_on,
)
from learning.selectors.checkin import CHECKIN_EARLY, CHECKIN_LATE
from learning.selectors.scoping import UserLike
from meetings.errors import (
    AttachmentNotFound,
    MeetingNotFound,
    NotAMember,
    NotPermittedHere,
)
from meetings.models import (
    CADENCE_MONTHS,
    Attendee,
    LedgerFiling,
    Meeting,
    MeetingCadence,
    MeetingKind,
    MinutesAttachment,
    MinutesRevision,
    PartyGroup,
)

PRESENT = (
    Attendee.Attendance.CODE,
    Attendee.Attendance.ONLINE,
    Attendee.Attendance.PROXY,
    Attendee.Attendance.LATE_ENTRY,
)
DUE_SOON = timedelta(days=30)  # a kind is "due" when its deadline is this near


def member_required(*, user: UserLike) -> Member:
    """The member profile of ``user``. Raises NotAMember."""
    member = member_for_user(user=user)
    if member is None:
        raise NotAMember("当前账号不是党员，没有组织生活记录")
    return member


def meeting_is_managed_by(*, user: UserLike, meeting: Meeting) -> bool:
    """True when ``user`` administers the meeting's organisation or a level above
    it (or sees every organisation). Raises nothing."""
    return user_can_report_on(user=user, organisation=meeting.organisation)


def meeting_is_run_by(*, user: UserLike, meeting: Meeting) -> bool:
    """True for the meeting's host and recorder and its managers: who shows the
    check-in code and sees the attendee list. Raises nothing."""
    return user.pk in (
        meeting.host.user_id,
        meeting.recorder.user_id,
    ) or meeting_is_managed_by(user=user, meeting=meeting)


def meeting_attendee(*, user: UserLike, meeting: Meeting) -> Attendee | None:
    """The invitation of ``user``'s member profile to ``meeting``, if any."""
    member = member_for_user(user=user)
    if member is None:
        return None
    return Attendee.objects.filter(meeting=meeting, member_id=member.pk).first()


def meetings_visible_to(*, user: UserLike) -> QuerySet[Meeting]:
    """Meetings ``user`` is asked to, and those of the subtrees it administers."""
    if not user.is_authenticated:
        return Meeting.objects.none()
    member = member_for_user(user=user)
    query = organisation_scope_q(user=user, prefix="organisation__")
    if member is not None:
        query |= Q(attendees__member_id=member.pk)
    return Meeting.objects.filter(
        pk__in=Meeting.objects.filter(query).values("pk")
    ).select_related("organisation", "host", "recorder", "teaching_site")


def meeting_for_user(*, user: UserLike, meeting_id: int) -> Meeting:
    """Meeting ``meeting_id`` when ``user`` may see it. Raises MeetingNotFound
    (no such meeting, or one the caller is not asked to and does not manage)."""
    meeting = meetings_visible_to(user=user).filter(pk=meeting_id).first()
    if meeting is None:
        raise MeetingNotFound(f"会议 {meeting_id} 不存在，或您未受邀参加")
    return meeting


def meetings_for_member(
    *, member: Member, year: int | None = None
) -> QuerySet[Meeting]:
    """The meetings ``member`` is asked to (of ``year``), by start."""
    meetings = Meeting.objects.filter(attendees__member_id=member.pk)
    if year:
        meetings = meetings.filter(starts_at__year=year)
    return meetings.select_related(
        "organisation", "host", "recorder", "teaching_site"
    ).order_by("starts_at", "pk")


def meeting_checkin_window(*, meeting: Meeting) -> tuple[datetime, datetime]:
    """When check-in is open: from 30 minutes before the start to the end (the
    window of offline classes)."""
    return meeting.starts_at - CHECKIN_EARLY, meeting.ends_at + CHECKIN_LATE


def minutes_readable_by(*, user: UserLike, meeting: Meeting) -> bool:
    """Who may read a meeting's minutes: its managers; for a 支委会 also the
    committee members asked to it (not guests); for other kinds every attendee."""
    if meeting_is_managed_by(user=user, meeting=meeting):
        return True
    attendee = meeting_attendee(user=user, meeting=meeting)
    if attendee is None:
        return False
    return meeting.kind != MeetingKind.COMMITTEE or not attendee.guest


def minutes_current(*, user: UserLike, meeting: Meeting) -> list[MinutesRevision]:
    """Every revision of the meeting's minutes, oldest first. Raises
    NotPermittedHere (支委会 minutes for someone not on the committee)."""
    if not minutes_readable_by(user=user, meeting=meeting):
        raise NotPermittedHere(
            "支委会纪要仅限支委会成员和上级党组织查看", code="minutes_restricted"
        )
    return list(meeting.minutes_revisions.order_by("number"))


def ledger_is_filed(*, organisation_id: int, year: int) -> bool:
    return LedgerFiling.objects.filter(
        organisation_id=organisation_id, year=year
    ).exists()


# --- cadence -----------------------------------------------------------------------


def cadence_months(*, organisation: Organisation) -> dict[str, int]:
    """The months allowed between two meetings of each kind for ``organisation``:
    the regulations' (``CADENCE_MONTHS``), tightened by any setting of the
    organisation or an organisation above it."""
    months = dict(CADENCE_MONTHS)
    for kind, value in MeetingCadence.objects.filter(
        organisation__path__in=organisation_prefixes(path=organisation.path)
    ).values_list("kind", "months"):
        months[kind] = min(months[kind], value)
    return months


def add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year = day.year + month // 12
    month = month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class KindStatus:
    """How a branch stands with a kind of meeting at a date: held this year, the
    last one, by when the next is due and whether that date has passed."""

    kind: str
    held: int
    last_held: date | None
    due_by: date
    status: str  # "held" (in time), "due" (deadline near) or "overdue"


def kind_status(
    *, kind: str, months: int, held: int, last_held: date | None, year: int, on: date
) -> KindStatus:
    # Counted from the last meeting held, or from the start of the year.
    start = last_held or date(year, 1, 1)
    due_by = add_months(start, months)
    if due_by < on:
        status = "overdue"
    elif due_by - on <= DUE_SOON:
        status = "due"
    else:
        status = "held"
    return KindStatus(kind, held, last_held, due_by, status)


# --- the ledger ------------------------------------------------------------------


@dataclass
class LedgerRow:
    meeting: Meeting
    expected: int
    present: int
    leave: int
    absent: int
    makeup: int
    home_visit: int
    online: int
    minutes: MinutesRevision | None
    resolutions: list = field(default_factory=list)
    attachments: list = field(default_factory=list)


@dataclass
class Ledger:
    organisation: Organisation
    year: int
    filed: LedgerFiling | None
    rows: list[LedgerRow]
    kinds: list[KindStatus]
    # 党小组: (group, its 党小组会 held this year, not cancelled), by name.
    groups: list[tuple[PartyGroup, int]] = field(default_factory=list)


def ledger_build(
    *, organisation: Organisation, year: int, on: date | None = None
) -> Ledger:
    """The ledger (台账) of ``organisation``'s meetings in ``year``: per meeting its
    kind, date, theme, 应到 (attendees less guests), 实到 (and online among them),
    请假 (approved, and not present in any way: 补学 and 送学上门 count apart), 缺席
    (none of these, once the meeting is over), 补学 and 送学上门, the minutes (the
    filed revision once the ledger is filed, else the latest) and the resolutions;
    and how each kind stands against the cadence on ``on`` (today by default). Read
    from the records alone."""
    now = timezone.now()
    on = on or timezone.localdate()
    filing = LedgerFiling.objects.filter(organisation=organisation, year=year).first()
    counted = Q(attendees__guest=False)
    meetings = (
        Meeting.objects.filter(organisation=organisation, starts_at__year=year)
        .annotate(
            n_expected=Count("attendees", filter=counted),
            n_present=Count(
                "attendees", filter=counted & Q(attendees__attendance__in=PRESENT)
            ),
            n_online=Count(
                "attendees",
                filter=counted & Q(attendees__attendance=Attendee.Attendance.ONLINE),
            ),
            n_leave=Count(
                "attendees",
                filter=counted
                & Q(attendees__leave=Attendee.Leave.APPROVED)
                & Q(attendees__attendance=Attendee.Attendance.NONE),
            ),
            n_makeup=Count(
                "attendees",
                filter=counted & Q(attendees__attendance=Attendee.Attendance.MAKEUP),
            ),
            n_home=Count(
                "attendees",
                filter=counted
                & Q(attendees__attendance=Attendee.Attendance.HOME_VISIT),
            ),
        )
        .select_related("host", "recorder", "organisation", "party_group")
        .prefetch_related(
            Prefetch("resolutions", to_attr="resolution_list"),
            Prefetch("attachments", to_attr="attachment_list"),
            Prefetch(
                "minutes_revisions",
                queryset=MinutesRevision.objects.order_by("number"),
                to_attr="revision_list",
            ),
        )
        .order_by("starts_at", "pk")
    )
    rows = []
    for meeting in meetings:
        revisions = meeting.revision_list
        filed = [revision for revision in revisions if revision.filed]
        minutes = (filed or revisions or [None])[-1]
        not_counted = (
            meeting.n_present + meeting.n_leave + meeting.n_makeup + meeting.n_home
        )
        over = meeting.ends_at < now and meeting.cancelled_at is None
        absent = meeting.n_expected - not_counted if over else 0
        rows.append(
            LedgerRow(
                meeting=meeting,
                expected=meeting.n_expected,
                present=meeting.n_present,
                leave=meeting.n_leave,
                absent=absent,
                makeup=meeting.n_makeup,
                home_visit=meeting.n_home,
                online=meeting.n_online,
                minutes=minutes,
                resolutions=meeting.resolution_list,
                attachments=meeting.attachment_list,
            )
        )
    return Ledger(
        organisation=organisation,
        year=year,
        filed=filing,
        rows=rows,
        kinds=branch_kind_statuses(organisation=organisation, year=year, on=on),
        groups=party_group_meetings_held(organisation=organisation, year=year),
    )


def party_group_meetings_held(
    *, organisation: Organisation, year: int
) -> list[tuple[PartyGroup, int]]:
    """Each party group of ``organisation`` with the 党小组会 it held in ``year``
    (cancelled ones not counted)."""
    groups = PartyGroup.objects.filter(organisation=organisation).annotate(
        n=Count(
            "meetings",
            filter=Q(meetings__starts_at__year=year, meetings__cancelled_at=None),
        )
    )
    return [(group, group.n) for group in groups.order_by("name")]


def branch_kind_statuses(
    *, organisation: Organisation, year: int, on: date
) -> list[KindStatus]:
    """How ``organisation`` stands with every kind of meeting on ``on``."""
    months = cadence_months(organisation=organisation)
    held = _held_by_kind(
        Meeting.objects.filter(organisation=organisation), year=year, on=on
    )
    return [
        kind_status(
            kind=kind,
            months=months[kind],
            held=held.get((organisation.pk, kind), (0, None))[0],
            last_held=held.get((organisation.pk, kind), (0, None))[1],
            year=year,
            on=on,
        )
        for kind in MeetingKind.values
    ]


def _held_by_kind(
    meetings: QuerySet[Meeting], *, year: int, on: date
) -> dict[tuple[int, str], tuple[int, date | None]]:
    """(organisation id, kind) → (meetings held in ``year`` up to ``on``, the
    date of the last)."""
    end = datetime.combine(
        on, datetime.max.time(), tzinfo=timezone.get_current_timezone()
    )
    # The last day in local time is taken in the database (the greatest local
    # date is the local date of the greatest time): a district has ~20,000
    # (branch, kind) groups, and converting each in Python cost more than the
    # query.
    rows = (
        meetings.filter(starts_at__year=year, starts_at__lte=end, cancelled_at=None)
        .values("organisation_id", "kind")
        .annotate(n=Count("pk"), last=Max(TruncDate("starts_at")))
        .values_list("organisation_id", "kind", "n", "last")
    )
    return {
        (organisation_id, kind): (n, last) for organisation_id, kind, n, last in rows
    }


# --- the overview along the tree ---------------------------------------------------


@dataclass
class OverviewRow:
    """One row of the overview: a child organisation (or the node itself), with
    per kind the branches in time (held), with a deadline near (due) and late
    (overdue), and the meetings held this year."""

    code: str
    name: str
    organisation_id: int | None
    branches: int = 0
    meetings_held: int = 0
    by_kind: dict[str, dict[str, int]] = field(default_factory=dict)


def overview_build(
    *, organisation: Organisation, year: int, on: date | None = None
) -> tuple[OverviewRow, list[OverviewRow]]:
    """The due/held/overdue overview of ``organisation``'s subtree in ``year`` on
    ``on``: the node's totals and one row per child (drilling down by its code),
    counting every branch (党支部) below, each against its own cadence. Read from
    the meetings alone."""
    on = on or timezone.localdate()
    branches = list(
        Organisation.objects.filter(
            organisation_subtree_q(path=organisation.path, prefix=""),
            kind=Organisation.Kind.BRANCH,
        ).values_list("pk", "path")
    )
    held = _held_by_kind(
        Meeting.objects.filter(
            organisation_subtree_q(path=organisation.path),
            organisation__kind=Organisation.Kind.BRANCH,
        ),
        year=year,
        on=on,
    )
    settings_rows = list(
        MeetingCadence.objects.filter(
            Q(organisation__path__in=organisation_prefixes(path=organisation.path))
            | organisation_subtree_q(path=organisation.path)
        ).values_list("organisation__path", "kind", "months")
    )
    drill = organisation_drill_rows(
        organisation=organisation,
        own_members=organisation.kind == Organisation.Kind.BRANCH,
    )
    total = OverviewRow(organisation.code, organisation.name, organisation.pk)
    rows = {
        row.path: OverviewRow(row.code, row.name, row.organisation_id) for row in drill
    }
    width = len(organisation.path) + PATH_STEP
    for target in (total, *rows.values()):
        target.by_kind = {
            kind: {"held": 0, "due": 0, "overdue": 0} for kind in MeetingKind.values
        }
    # A status depends only on the cadence and the last meeting's day: worked
    # out once per pair, not once per branch and kind.
    statuses: dict[tuple[int, date | None], str] = {}
    kinds = MeetingKind.values
    no_meeting = (0, None)
    for branch_id, path in branches:
        months = dict(CADENCE_MONTHS)
        for setting_path, kind, value in settings_rows:
            if path.startswith(setting_path):
                months[kind] = min(months[kind], value)
        targets = [total]
        row = rows.get(path[:width])
        if row is not None:
            targets.append(row)
        for target in targets:
            target.branches += 1
        for kind in kinds:
            n, last = held.get((branch_id, kind), no_meeting)
            key = (months[kind], last)
            status = statuses.get(key)
            if status is None:
                status = statuses[key] = kind_status(
                    kind=kind, months=key[0], held=n, last_held=last, year=year, on=on
                ).status
            for target in targets:
                target.by_kind[kind][status] += 1
                target.meetings_held += n
    return total, list(rows.values())


# --- meeting state, party groups, attachments ---------------------------------------


def meeting_state(*, meeting: Meeting, now: datetime | None = None) -> str:
    """``cancelled`` (已取消), ``rescheduled`` (已改期, not yet held), ``coming``,
    ``ongoing`` or ``held``."""
    now = now or timezone.now()
    if meeting.cancelled_at is not None:
        return "cancelled"
    if now > meeting.ends_at:
        return "held"
    if now >= meeting.starts_at:
        return "ongoing"
    return "rescheduled" if meeting.rescheduled_at else "coming"


MEETING_STATE_LABELS = {
    "cancelled": "已取消",
    "rescheduled": "已改期",
    "coming": "未开始",
    "ongoing": "进行中",
    "held": "已召开",
}


def party_groups_in_scope(*, user: UserLike) -> QuerySet[PartyGroup]:
    """The party groups of the branches ``user`` administers."""
    if not user.is_authenticated:
        return PartyGroup.objects.none()
    return (
        PartyGroup.objects.filter(
            organisation_scope_q(user=user, prefix="organisation__")
        )
        .select_related("organisation", "leader")
        .prefetch_related("members")
    )


def attachment_for_reader(
    *, user: UserLike, meeting: Meeting, attachment_id: int
) -> MinutesAttachment:
    """An attachment of the minutes for someone who may read them. Raises
    NotPermittedHere (支委会 minutes for someone not on the committee) and
    AttachmentNotFound."""
    if not minutes_readable_by(user=user, meeting=meeting):
        raise NotPermittedHere(
            "支委会纪要仅限支委会成员和上级党组织查看", code="minutes_restricted"
        )
    attachment = MinutesAttachment.objects.filter(
        meeting=meeting, pk=attachment_id
    ).first()
    if attachment is None:
        raise AttachmentNotFound(f"附件 {attachment_id} 不存在")
    return attachment

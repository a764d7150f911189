"""Roll-ups for reports: each organisation's own figures per member type
(``OrganisationTally``) and each member's 学时 per year (``MemberYearCredit``), kept
exact in the same transaction as the records they sum.

Every change of a member record (credit records, course and topic completions, the
member's organisation or type, deletion) is noted by the signal handlers as a delta
of that member. Deltas are applied together at the end of a *batch*: the services
that write records open one with ``rollup_batch()``; a change outside any batch is
applied at once. Applying a batch locks the members' rows first (so a member's move
and the member's completions apply one after the other) and then the tallies in one
sorted statement, the last locks the transaction takes, so concurrent batches never
wait on each other in a circle. A member's deletion collects the deltas of the
cascade and applies them when the member row is gone.

``rollups_reconcile`` recomputes everything from the member records and reports (and
with ``fix``, repairs) any difference; bulk SQL that bypasses the models (a
``QuerySet.update`` of members, raw imports) must be followed by it.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import connection, transaction

from learning import selectors
from learning.choices import MemberType
from learning.models import Member, MemberYearCredit, OrganisationTally

SUBJECT_MEMBERS = "members"
CENT = Decimal("0.01")
ZERO = Decimal("0")
CHUNK = 1000

TallyKey = tuple[int, str, str]  # organisation id, member type, subject


def year_subject(year: int) -> str:
    return f"year:{year}"


def course_subject(course_id: int) -> str:
    return f"course:{course_id}"


def topic_subject(topic_id: int) -> str:
    return f"topic:{topic_id}"


def hours_decimal(value: Any) -> Decimal:
    """Hours as the roll-ups store them: a Decimal to the cent (None is 0)."""
    return Decimal(str(value or 0)).quantize(CENT)


@dataclass
class _MemberChanges:
    credits: dict[int, Decimal] = field(default_factory=lambda: defaultdict(Decimal))
    subjects: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    # The organisation and type the member's figures are booked under, noted when a
    # save or deletion changes them (None: created in this batch).
    before: tuple[int, str] | None = None
    moved: bool = False
    created: bool = False
    deleted: bool = False
    deleted_years: dict[int, Decimal] = field(default_factory=dict)


class _Batch(threading.local):
    def __init__(self) -> None:
        self.depth = 0
        self.block: Any = None
        self.members: dict[int, _MemberChanges] = {}

    def reset(self) -> None:
        self.depth, self.block, self.members = 0, None, {}


_batch = _Batch()


def _current_batch() -> _Batch:
    # A batch belongs to the transaction it was opened in; one left open by a failed
    # deletion (its transaction rolled back) is dropped.
    if _batch.depth and not any(b is _batch.block for b in connection.atomic_blocks):
        _batch.reset()
    return _batch


def _open(batch: _Batch) -> None:
    if batch.depth == 0:
        batch.block = connection.atomic_blocks[-1]
    batch.depth += 1


def _close(batch: _Batch) -> None:
    batch.depth -= 1
    if batch.depth == 0:
        members, batch.members = batch.members, {}
        batch.block = None
        if not transaction.get_rollback():
            _apply(members)


@contextmanager
def rollup_batch() -> Iterator[None]:
    """Collect roll-up changes of the block and apply them at its end, in the same
    transaction. Nested batches join the outermost one. Raises nothing of its own."""
    with transaction.atomic():
        batch = _current_batch()
        _open(batch)
        try:
            yield
        except BaseException:
            batch.depth -= 1
            if batch.depth == 0:
                batch.reset()
            raise
        _close(batch)


@contextmanager
def _noting() -> Iterator[_Batch]:
    """The batch to note a change in: the open one, or one applied right away."""
    with transaction.atomic():
        batch = _current_batch()
        _open(batch)
        yield batch
        _close(batch)


def _changes(batch: _Batch, member_id: int) -> _MemberChanges:
    return batch.members.setdefault(member_id, _MemberChanges())


def rollup_note_credit(*, member_id: int, year: int, hours: Decimal) -> None:
    """Note ``hours`` of 学时 added to (or, negative, taken from) the member's
    ``year``. Raises nothing."""
    with _noting() as batch:
        _changes(batch, member_id).credits[year] += hours_decimal(hours)


def rollup_note_subject(*, member_id: int, subject: str, delta: int) -> None:
    """Note a completion of ``subject`` (``course:<id>``/``topic:<id>``) added
    (``delta`` 1) or removed (-1). Raises nothing."""
    with _noting() as batch:
        _changes(batch, member_id).subjects[subject] += delta


def rollup_note_member_saving(*, member: Member) -> None:
    """Before a member is saved: note the organisation and type its figures are
    booked under when the save changes them (applied with the save's
    ``..._saved``; should the save fail, the note only restates the member's figures
    where they are). Raises nothing."""
    if member.pk is None or member._state.adding:
        return
    rows = Member.objects.filter(pk=member.pk)
    if connection.in_atomic_block:
        rows = rows.select_for_update(no_key=True)
    row = rows.values_list("organisation_id", "member_type").first()
    if row is None or row == (member.organisation_id, member.member_type):
        return
    changes = _changes(_current_batch(), member.pk)
    if not changes.moved and not changes.created:
        changes.before, changes.moved = row, True


def rollup_note_member_saved(*, member: Member, created: bool) -> None:
    """After a member is saved: count a new member, apply a noted move. Raises
    nothing."""
    with _noting() as batch:
        if created:
            _changes(batch, member.pk).created = True


def rollup_note_member_deleting(*, member: Member) -> None:
    """Before a member is deleted (with its records, by cascade): keep what its
    figures are booked under, and hold the batch open until ``..._deleted``."""
    row = (
        Member.objects.filter(pk=member.pk)
        .values_list("organisation_id", "member_type")
        .first()
    )
    if row is None:
        return
    if not connection.in_atomic_block:
        return  # Django deletes in a transaction; reconcile repairs anything else
    batch = _current_batch()
    _open(batch)
    changes = _changes(batch, member.pk)
    if not changes.moved and not changes.created:
        changes.before, changes.moved = row, True
    changes.deleted_years = {
        year: hours_decimal(hours)
        for year, hours in MemberYearCredit.objects.filter(
            member_id=member.pk
        ).values_list("year", "hours")
    }


def rollup_note_member_deleted(*, member: Member) -> None:
    """After a member row is deleted: apply the batch held open for it."""
    batch = _current_batch()
    changes = batch.members.get(member.pk)
    if changes is None or not batch.depth:
        return
    changes.deleted = True
    _close(batch)


# --- applying a batch -------------------------------------------------------------


def year_targets() -> dict[str, Decimal]:
    """The yearly 学时 target of each member type, by the current rule."""
    rule = selectors.credit_rule()
    return {t: hours_decimal(rule.target_for(t)) for t in MemberType.values}


def _chunks(ids: list[int]) -> Iterator[list[int]]:
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]


def _apply(members: dict[int, _MemberChanges]) -> None:
    if not members:
        return
    ids = sorted(members)
    current: dict[int, tuple[int, str]] = {}
    for part in _chunks(ids):
        # Lock the members first: a concurrent move of one of them waits for this
        # batch (or this batch for it), so figures are booked where the member is.
        current.update(
            (pk, (org, kind))
            for pk, org, kind in Member.objects.select_for_update(no_key=True)
            .filter(pk__in=part)
            .order_by("pk")
            .values_list("pk", "organisation_id", "member_type")
        )
    targets = year_targets()
    tally: dict[TallyKey, list] = defaultdict(lambda: [0, ZERO])
    simple = [pk for pk in ids if not members[pk].moved and not members[pk].created]
    _apply_simple(simple, members, current, targets, tally)
    restated = [pk for pk in ids if pk not in set(simple)]
    _apply_restated(restated, members, current, targets, tally)
    _tally_add(tally)


def _apply_simple(ids, members, current, targets, tally) -> None:
    """Members whose organisation and type stay: add the deltas where they are."""
    credit_rows = []
    for pk in ids:
        if pk not in current:
            continue  # deleted meanwhile outside a batch; reconcile repairs
        org, kind = current[pk]
        changes = members[pk]
        for subject, delta in changes.subjects.items():
            if delta:
                tally[(org, kind, subject)][0] += delta
        for year, hours in sorted(changes.credits.items()):
            if hours:
                credit_rows.append((pk, year, hours))
    for pk, year, new in _year_credit_add(credit_rows):
        org, kind = current[pk]
        added = members[pk].credits[year]
        old = new - added
        entry = tally[(org, kind, year_subject(year))]
        entry[0] += int(new >= targets[kind]) - int(old >= targets[kind])
        entry[1] += added


def _year_credit_add(rows: list[tuple[int, int, Decimal]]):
    """Add hours to members' year rows (sorted, one statement per chunk); yields
    (member id, year, new hours)."""
    table = MemberYearCredit._meta.db_table
    for start in range(0, len(rows), CHUNK):
        part = rows[start : start + CHUNK]
        values = ", ".join(["(%s, %s, %s)"] * len(part))
        params = [v for pk, year, hours in part for v in (pk, year, str(hours))]
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} (member_id, year, hours) VALUES {values} "  # noqa: S608 - table names from the models
                "ON CONFLICT (member_id, year) DO UPDATE SET hours = "
                f"ROUND({table}.hours + excluded.hours, 2) "
                "RETURNING member_id, year, hours",
                params,
            )
            for pk, year, hours in cursor.fetchall():
                yield pk, year, hours_decimal(hours)


def _apply_restated(ids, members, current, targets, tally) -> None:
    """Members created, moved, retyped or deleted: take their booked figures off
    where they were and book their figures from the records where they are."""
    if not ids:
        return
    stored: dict[int, dict[int, Decimal]] = defaultdict(dict)
    raw_hours: dict[int, dict[int, Decimal]] = defaultdict(dict)
    raw_subjects: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    from learning.models import CourseCompletion, CreditRecord, TopicCompletion

    for part in _chunks(ids):
        for pk, year, hours in MemberYearCredit.objects.filter(
            member_id__in=part
        ).values_list("member_id", "year", "hours"):
            stored[pk][year] = hours_decimal(hours)
        for pk, year, hours in _credit_sums(
            CreditRecord.objects.filter(member_id__in=part)
        ):
            raw_hours[pk][year] = hours
        for pk, course_id in CourseCompletion.objects.filter(
            member_id__in=part
        ).values_list("member_id", "course_id"):
            raw_subjects[pk][course_subject(course_id)] += 1
        for pk, topic_id in TopicCompletion.objects.filter(
            member_id__in=part
        ).values_list("member_id", "topic_id"):
            raw_subjects[pk][topic_subject(topic_id)] += 1
    for pk in ids:
        changes = members[pk]
        now = None if changes.deleted else current.get(pk)
        before = None if changes.created else (changes.before or now)
        if changes.deleted:
            stored[pk] = changes.deleted_years
        if before is not None:
            org, kind = before
            tally[(org, kind, SUBJECT_MEMBERS)][0] -= 1
            for year, hours in stored[pk].items():
                entry = tally[(org, kind, year_subject(year))]
                entry[0] -= int(hours >= targets[kind])
                entry[1] -= hours
            booked = dict(raw_subjects[pk])
            for subject, delta in changes.subjects.items():
                booked[subject] = booked.get(subject, 0) - delta
            for subject, count in booked.items():
                if count:
                    tally[(org, kind, subject)][0] -= count
        if now is not None:
            org, kind = now
            tally[(org, kind, SUBJECT_MEMBERS)][0] += 1
            for year, hours in raw_hours[pk].items():
                entry = tally[(org, kind, year_subject(year))]
                entry[0] += int(hours >= targets[kind])
                entry[1] += hours
            for subject, count in raw_subjects[pk].items():
                tally[(org, kind, subject)][0] += count
    present = [pk for pk in ids if pk in current and not members[pk].deleted]
    for part in _chunks(present):
        MemberYearCredit.objects.filter(member_id__in=part).delete()
        MemberYearCredit.objects.bulk_create(
            MemberYearCredit(member_id=pk, year=year, hours=hours)
            for pk in part
            for year, hours in raw_hours[pk].items()
        )


def _credit_sums(records) -> Iterator[tuple[int, int, Decimal]]:
    from django.db.models import Sum

    for pk, year, hours in (
        records.values("member_id", "year")
        .annotate(total=Sum("hours"))
        .values_list("member_id", "year", "total")
    ):
        yield pk, year, hours_decimal(hours)


def _tally_add(tally: dict[TallyKey, list]) -> None:
    """Add the deltas to the tallies: one sorted upsert, so concurrent batches lock
    shared rows in the same order."""
    rows = sorted(
        (key, count, hours) for key, (count, hours) in tally.items() if count or hours
    )
    table = OrganisationTally._meta.db_table
    for start in range(0, len(rows), CHUNK):
        part = rows[start : start + CHUNK]
        values = ", ".join(["(%s, %s, %s, %s, %s)"] * len(part))
        params = [
            v for (org, kind, subject), count, hours in part
            for v in (org, kind, subject, count, str(hours))
        ]  # fmt: skip
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} (organisation_id, member_type, subject, count, "  # noqa: S608 - table names from the models
                f"hours) VALUES {values} "
                "ON CONFLICT (organisation_id, member_type, subject) DO UPDATE SET "
                f"count = {table}.count + excluded.count, "
                f"hours = ROUND({table}.hours + excluded.hours, 2)",
                params,
            )

"""Reconciling the roll-ups with the member records: recompute every tally and every
member's yearly 学时 from the records, list what differs, and repair it.

Used by ``manage.py learning_reconcile``, by the migration that creates the roll-ups
and after bulk loads that bypass the models (the benchmark's).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db import connection, transaction

from learning.choices import MemberType
from learning.models import (
    CourseCompletion,
    CreditRecord,
    Member,
    MemberYearCredit,
    Organisation,
    OrganisationTally,
    TopicCompletion,
)
from learning.services.rollups import (
    SUBJECT_MEMBERS,
    TallyKey,
    course_subject,
    hours_decimal,
    topic_subject,
    year_subject,
    year_targets,
)

Figures = dict[TallyKey, tuple[int, Decimal]]


@dataclass(frozen=True)
class RollupDifference:
    """One figure whose stored roll-up differs from the recomputation."""

    organisation: str  # organisation code, or "member <id>" for yearly 学时
    field: str
    stored: str
    recomputed: str


def _tables() -> dict[str, str]:
    return {
        "member": Member._meta.db_table,
        "credit": CreditRecord._meta.db_table,
        "course": CourseCompletion._meta.db_table,
        "topic": TopicCompletion._meta.db_table,
        "myc": MemberYearCredit._meta.db_table,
    }


def _year_sums_sql() -> str:
    t = _tables()
    return (
        f"SELECT member_id, year, ROUND(SUM(hours), 2) AS hours FROM {t['credit']} "  # noqa: S608 - table names from the models
        "GROUP BY member_id, year"
    )


def rollups_recompute() -> Figures:
    """Every tally recomputed from the member records (zero figures left out).
    Raises nothing."""
    t = _tables()
    targets = year_targets()
    case = " ".join(f"WHEN %s THEN {targets[k]}" for k in MemberType.values)
    figures: Figures = {}
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT organisation_id, member_type, COUNT(*) FROM {t['member']} "  # noqa: S608 - table names from the models
            "GROUP BY organisation_id, member_type"
        )
        for org, kind, count in cursor.fetchall():
            figures[(org, kind, SUBJECT_MEMBERS)] = (count, Decimal("0"))
        cursor.execute(
            f"SELECT m.organisation_id, m.member_type, c.year, "  # noqa: S608 - table names from the models
            f"SUM(CASE WHEN c.hours >= (CASE m.member_type {case} ELSE 0 END) "
            "THEN 1 ELSE 0 END), ROUND(SUM(c.hours), 2) "
            f"FROM ({_year_sums_sql()}) c JOIN {t['member']} m ON m.id = c.member_id "
            "GROUP BY m.organisation_id, m.member_type, c.year",
            list(MemberType.values),
        )
        for org, kind, year, reached, hours in cursor.fetchall():
            figures[(org, kind, year_subject(year))] = (
                int(reached),
                hours_decimal(hours),
            )
        for table, column, subject in (
            (t["course"], "course_id", course_subject),
            (t["topic"], "topic_id", topic_subject),
        ):
            cursor.execute(
                f"SELECT m.organisation_id, m.member_type, x.{column}, COUNT(*) "  # noqa: S608 - table names from the models
                f"FROM {table} x JOIN {t['member']} m ON m.id = x.member_id "
                f"GROUP BY m.organisation_id, m.member_type, x.{column}"
            )
            for org, kind, pk, count in cursor.fetchall():
                figures[(org, kind, subject(pk))] = (count, Decimal("0"))
    return {k: v for k, v in figures.items() if v[0] or v[1]}


def _stored() -> Figures:
    return {
        (org, kind, subject): (count, hours_decimal(hours))
        for org, kind, subject, count, hours in OrganisationTally.objects.values_list(
            "organisation_id", "member_type", "subject", "count", "hours"
        ).iterator(chunk_size=10_000)
        if count or hours
    }


def _year_credit_differences() -> list[RollupDifference]:
    t = _tables()
    sums = _year_sums_sql()
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT c.member_id, c.year, s.hours, c.hours FROM ({sums}) c "  # noqa: S608 - table names from the models
            f"LEFT JOIN {t['myc']} s ON s.member_id = c.member_id AND s.year = c.year "
            "WHERE s.hours IS NULL OR s.hours <> c.hours "
            f"UNION ALL SELECT s.member_id, s.year, s.hours, NULL FROM {t['myc']} s "
            f"WHERE s.hours <> 0 AND NOT EXISTS (SELECT 1 FROM {t['credit']} r "
            "WHERE r.member_id = s.member_id AND r.year = s.year)"
        )
        rows = cursor.fetchall()
    return [
        RollupDifference(
            organisation=f"member {pk}",
            field=f"{year_subject(year)} hours",
            stored=str(hours_decimal(stored)),
            recomputed=str(hours_decimal(recomputed)),
        )
        for pk, year, stored, recomputed in sorted(rows)
        if hours_decimal(stored) != hours_decimal(recomputed)
    ]


def rollups_differences() -> list[RollupDifference]:
    """What the stored roll-ups get wrong, against a recomputation from the member
    records, read in one snapshot (REPEATABLE READ on PostgreSQL, unless called
    inside a transaction) so concurrent completions never show as differences. Raises nothing."""
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if connection.vendor == "postgresql" and outermost:
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        expected = rollups_recompute()
        stored = _stored()
        differences = _year_credit_differences()
    codes = dict(Organisation.objects.values_list("pk", "code"))
    zero = (0, Decimal("0"))
    for key in sorted(set(expected) | set(stored)):
        want, have = expected.get(key, zero), stored.get(key, zero)
        org, kind, subject = key
        for index, what in enumerate(("count", "hours")):
            if want[index] != have[index]:
                differences.append(
                    RollupDifference(
                        organisation=codes.get(org, f"#{org}"),
                        field=f"{_figure_name(subject, what)} [{kind}]",
                        stored=str(have[index]),
                        recomputed=str(want[index]),
                    )
                )
    return differences


def _figure_name(subject: str, what: str) -> str:
    if subject == SUBJECT_MEMBERS:
        return "members"
    if what == "hours":
        return f"{subject} hours"
    return f"{subject} {'reached' if subject.startswith('year:') else 'completed'}"


def rollups_rebuild() -> None:
    """Replace the stored roll-ups by their recomputation from the member records.
    The roll-up tables are locked meanwhile (PostgreSQL), so completions committing
    during the rebuild wait and then add to the rebuilt figures. Raises nothing."""
    t = _tables()
    tally = OrganisationTally._meta.db_table
    with transaction.atomic():
        _lock()
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {t['myc']}")  # noqa: S608 - table names from the models
            cursor.execute(
                f"INSERT INTO {t['myc']} (member_id, year, hours) {_year_sums_sql()}"
            )
            cursor.execute(f"DELETE FROM {tally}")  # noqa: S608 - table names from the models
        OrganisationTally.objects.bulk_create(
            (
                OrganisationTally(
                    organisation_id=org,
                    member_type=kind,
                    subject=subject,
                    count=count,
                    hours=hours,
                )
                for (org, kind, subject), (count, hours) in rollups_recompute().items()
            ),
            batch_size=5000,
        )
        if connection.vendor == "postgresql":
            # Fresh statistics, so the planner knows the rebuilt tables' sizes.
            with connection.cursor() as cursor:
                cursor.execute(f"ANALYZE {tally}, {t['myc']}")


def rollups_targets_refresh() -> None:
    """Recount who reached the yearly target after the targets changed (the 学时
    rule was saved). Raises nothing."""
    with transaction.atomic():
        _lock()
        expected = rollups_recompute()
        for tally in OrganisationTally.objects.filter(subject__startswith="year:"):
            key = (tally.organisation_id, tally.member_type, tally.subject)
            reached = expected.get(key, (0, Decimal("0")))[0]
            if tally.count != reached:
                tally.count = reached
                tally.save(update_fields=["count"])


def _lock() -> None:
    # Writers wait for the rebuild, then add their deltas to the rebuilt figures.
    if connection.vendor == "postgresql":
        tables = f"{OrganisationTally._meta.db_table}, {_tables()['myc']}"
        with connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {tables} IN EXCLUSIVE MODE")

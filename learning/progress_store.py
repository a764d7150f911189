"""The heartbeat's hot path to ``LessonProgress`` and the member's
``MemberCreditClock``: one read (both rows, joined) and one conditional write (both
rows when credit is granted) in plain SQL (the ORM's query building costs more than
the queries themselves at heartbeat rates). Rare paths (creating the rows,
completing a lesson) use the ORM.

The row's ``playbacks`` JSON holds one ``PlaybackState`` per playback id; they are
read into dataclasses and written back to the same JSON shape.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import connection, transaction

from learning.models import LessonProgress, MemberCreditClock

TABLE = LessonProgress._meta.db_table
CLOCK_TABLE = MemberCreditClock._meta.db_table


@dataclass(frozen=True)
class ProgressAnswer:
    """What a heartbeat is answered with (and what a replay of it gets again)."""

    watched_ratio: float
    completed: bool
    resume_position: float
    credited_seconds: float

    def as_dict(self) -> dict[str, Any]:
        return {
            "watched_ratio": self.watched_ratio,
            "completed": self.completed,
            "resume_position": self.resume_position,
            "credited_seconds": self.credited_seconds,
        }


@dataclass
class PlaybackState:
    """One playback (a client's uuid) of a member's lesson: when its first and latest
    beats came (Unix time), the credit it earned, the seqs it sent and its latest
    answers, so a replayed beat gets the same answer and no credit.

    Stored as ``{"first", "last", "credited", "max_seq", "seqs": [[low, high], …],
    "answers": {"<seq>": {…}}}`` in ``LessonProgress.playbacks``.
    """

    first: float
    last: float
    credited: float = 0.0
    max_seq: int = -1
    seqs: list[list[int]] = field(default_factory=list)  # merged [low, high] spans
    answers: dict[int, ProgressAnswer] = field(default_factory=dict)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PlaybackState:
        return cls(
            first=data["first"],
            last=data["last"],
            credited=data.get("credited", 0.0),
            max_seq=data.get("max_seq", -1),
            seqs=[list(span) for span in data.get("seqs", [])],
            answers={
                int(seq): ProgressAnswer(**answer)
                for seq, answer in data.get("answers", {}).items()
            },
        )

    def as_json(self) -> dict[str, Any]:
        return {
            "first": self.first,
            "last": self.last,
            "credited": self.credited,
            "max_seq": self.max_seq,
            "seqs": self.seqs,
            "answers": {str(seq): a.as_dict() for seq, a in self.answers.items()},
        }

    def has_seen(self, seq: int) -> bool:
        return any(low <= seq <= high for low, high in self.seqs)

    def mark_seen(self, seq: int) -> None:
        """Add ``seq`` to the merged spans (beats mostly come in order)."""
        merged: list[list[int]] = []
        for low, high in sorted([*self.seqs, [seq, seq]]):
            if merged and low <= merged[-1][1] + 1:
                merged[-1][1] = max(merged[-1][1], high)
            else:
                merged.append([low, high])
        self.seqs = merged


@dataclass
class ProgressRow:
    """A member's progress row for a lesson as read, with the member's credit clock
    (``MemberCreditClock.clock``; ``has_clock`` is False while that row is missing).
    """

    id: int
    member_id: int
    version: int
    intervals: list[list[float]]
    watched_seconds: float
    position: float
    playbacks: dict[str, PlaybackState]
    completed: bool
    credit_clock: float | None
    has_clock: bool


def _loaded(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def _json_column(name: str) -> str:
    return f"{name}::text" if connection.vendor == "postgresql" else name


def _json_param() -> str:
    return "%s::jsonb" if connection.vendor == "postgresql" else "%s"


def progress_row_read(*, member_id: int, lesson_id: int) -> ProgressRow | None:
    """The member's progress row for the lesson as stored, or None."""
    # Only constants are formatted in; values go as parameters.
    sql = (
        f"SELECT p.id, p.version, {_json_column('p.intervals')}, "  # noqa: S608
        "p.watched_seconds, p.position, "
        f"{_json_column('p.playbacks')}, p.completed_at IS NOT NULL, "
        f"c.clock, c.member_id IS NOT NULL FROM {TABLE} p "
        f"LEFT JOIN {CLOCK_TABLE} c ON c.member_id = p.member_id "
        "WHERE p.member_id = %s AND p.lesson_id = %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [member_id, lesson_id])
        row = cursor.fetchone()
    if row is None:
        return None
    return ProgressRow(
        id=row[0],
        member_id=member_id,
        version=row[1],
        intervals=_loaded(row[2]),
        watched_seconds=row[3],
        position=row[4],
        playbacks={
            key: PlaybackState.from_json(state)
            for key, state in (_loaded(row[5]) or {}).items()
        },
        completed=bool(row[6]),
        credit_clock=row[7],
        has_clock=bool(row[8]),
    )


def progress_row_create(*, member_id: int, lesson_id: int, duration: int) -> None:
    """Make the member's progress row for the lesson and the member's credit clock
    where they are missing (a concurrent beat may have made them first)."""
    LessonProgress.objects.bulk_create(
        [LessonProgress(member_id=member_id, lesson_id=lesson_id, duration=duration)],
        ignore_conflicts=True,
    )
    MemberCreditClock.objects.bulk_create(
        [MemberCreditClock(member_id=member_id)], ignore_conflicts=True
    )


def progress_row_write(
    row: ProgressRow,
    *,
    duration: int,
    now: datetime,
    durable: bool = False,
    credit_clock: float | None = None,
) -> bool:
    """Write ``row`` if nobody wrote since it was read (same version) and, given a
    ``credit_clock``, move the member's clock from the value read to it if nobody
    moved it meanwhile: both or neither. True if written.

    On PostgreSQL an ordinary beat is one autocommitted statement that does not wait
    for the WAL flush (``synchronous_commit`` off for its own transaction only, set
    inside the statement): the flush costs ~20× the update itself, and a database
    crash can then lose at most the last fraction of a second of beats, never
    consistency. Completions pass ``durable=True`` and commit normally.
    """
    json_param = _json_param()
    postgres = connection.vendor == "postgresql"
    assignments = (
        f"intervals = {json_param}, watched_seconds = %s, position = %s, "
        f"duration = %s, playbacks = {json_param}, version = %s, updated_at = %s"
    )
    values = [
        json.dumps(row.intervals),
        row.watched_seconds,
        row.position,
        duration,
        json.dumps(
            {key: state.as_json() for key, state in row.playbacks.items()},
            separators=(",", ":"),
        ),
        row.version + 1,
        connection.ops.adapt_datetimefield_value(now),
    ]
    sources = []
    if not durable and postgres:
        sources.append("(SELECT set_config('synchronous_commit', 'off', true)) AS r")
    if credit_clock is None:
        return _execute_one(
            f"UPDATE {TABLE} SET {assignments}"  # noqa: S608
            + (f" FROM {', '.join(sources)}" if sources else "")
            + f" WHERE {TABLE}.id = %s AND {TABLE}.version = %s",
            [*values, row.id, row.version],
        )
    if postgres:
        # The progress row is locked (and its version checked) before the clock is
        # moved; the row is then updated only if the clock moved: one statement, so
        # both or neither. Every writer locks the progress row before the clock.
        return _execute_one(
            f"WITH moved AS (UPDATE {CLOCK_TABLE} SET clock = %s "  # noqa: S608
            "WHERE member_id = %s AND clock IS NOT DISTINCT FROM %s AND EXISTS "
            f"(SELECT 1 FROM {TABLE} WHERE id = %s AND version = %s FOR UPDATE) "
            f"RETURNING 1) UPDATE {TABLE} SET {assignments} "
            f"FROM {', '.join([*sources, 'moved'])} "
            f"WHERE {TABLE}.id = %s AND {TABLE}.version = %s",
            [
                credit_clock, row.member_id, row.credit_clock, row.id, row.version,
                *values, row.id, row.version,
            ],
        )  # fmt: skip
    # SQLite lets one writer at a time in: two statements in one transaction.
    with transaction.atomic():
        written = _execute_one(
            f"UPDATE {CLOCK_TABLE} SET clock = %s "  # noqa: S608
            "WHERE member_id = %s AND clock IS %s",
            [credit_clock, row.member_id, row.credit_clock],
        ) and _execute_one(
            f"UPDATE {TABLE} SET {assignments} WHERE id = %s AND version = %s",  # noqa: S608
            [*values, row.id, row.version],
        )
        if not written:
            transaction.set_rollback(True)
    return written


def _execute_one(sql: str, params: list[Any]) -> bool:
    """Run an UPDATE; True if it changed exactly one row."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount == 1

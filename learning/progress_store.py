"""The heartbeat's hot path to ``LessonProgress``: one read and one conditional write
in plain SQL (the ORM's query building costs more than the queries themselves at
heartbeat rates). Rare paths (creating a row, completing a lesson) use the ORM.

The row's ``playbacks`` JSON holds one ``PlaybackState`` per playback id; they are
read into dataclasses and written back to the same JSON shape.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import connection

from learning.models import LessonProgress

TABLE = LessonProgress._meta.db_table


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
    id: int
    version: int
    intervals: list[list[float]]
    watched_seconds: float
    position: float
    playbacks: dict[str, PlaybackState]
    credit_allowance: float
    allowance_stamp: float | None
    completed: bool


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
        f"SELECT id, version, {_json_column('intervals')}, "  # noqa: S608
        "watched_seconds, position, "
        f"{_json_column('playbacks')}, credit_allowance, allowance_stamp, "
        f"completed_at IS NOT NULL FROM {TABLE} WHERE member_id = %s AND lesson_id = %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [member_id, lesson_id])
        row = cursor.fetchone()
    if row is None:
        return None
    return ProgressRow(
        id=row[0],
        version=row[1],
        intervals=_loaded(row[2]),
        watched_seconds=row[3],
        position=row[4],
        playbacks={
            key: PlaybackState.from_json(state)
            for key, state in (_loaded(row[5]) or {}).items()
        },
        credit_allowance=row[6],
        allowance_stamp=row[7],
        completed=bool(row[8]),
    )


def progress_row_write(
    row: ProgressRow, *, duration: int, now: datetime, durable: bool = False
) -> bool:
    """Write ``row`` if nobody wrote since it was read (same version); True if so.

    On PostgreSQL an ordinary beat is one autocommitted statement that does not wait
    for the WAL flush (``synchronous_commit`` off for its own transaction only, set
    inside the statement): the flush costs ~20× the update itself, and a database
    crash can then lose at most the last fraction of a second of beats, never
    consistency. Completions pass ``durable=True`` and commit normally.
    """
    json_param = _json_param()
    relaxed = not durable and connection.vendor == "postgresql"
    sql = (
        f"UPDATE {TABLE} SET intervals = {json_param}, "  # noqa: S608
        "watched_seconds = %s, position = %s, duration = %s, "
        f"playbacks = {json_param}, credit_allowance = %s, allowance_stamp = %s, "
        "version = %s, updated_at = %s "
        + (
            "FROM (SELECT set_config('synchronous_commit', 'off', true)) AS relaxed "
            if relaxed
            else ""
        )
        + "WHERE id = %s AND version = %s"
    )
    params = [
        json.dumps(row.intervals),
        row.watched_seconds,
        row.position,
        duration,
        json.dumps(
            {key: state.as_json() for key, state in row.playbacks.items()},
            separators=(",", ":"),
        ),
        row.credit_allowance,
        row.allowance_stamp,
        row.version + 1,
        connection.ops.adapt_datetimefield_value(now),
        row.id,
        row.version,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount == 1

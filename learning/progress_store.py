"""The heartbeat's hot path to ``LessonProgress``: one read and one conditional write
in plain SQL (the ORM's query building costs more than the queries themselves at
heartbeat rates). Rare paths (creating a row, completing a lesson) use the ORM.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from django.db import connection

from learning.models import LessonProgress

TABLE = LessonProgress._meta.db_table


@dataclass
class ProgressRow:
    id: int
    version: int
    intervals: list
    watched_seconds: float
    position: float
    playbacks: dict
    credit_allowance: float
    allowance_stamp: float | None
    completed: bool


def _json_column(name: str) -> str:
    return f"{name}::text" if connection.vendor == "postgresql" else name


def _json_param() -> str:
    return "%s::jsonb" if connection.vendor == "postgresql" else "%s"


def progress_row_read(*, member_id: int, lesson_id: int) -> ProgressRow | None:
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
    intervals, playbacks = row[2], row[5]
    return ProgressRow(
        id=row[0],
        version=row[1],
        intervals=json.loads(intervals) if isinstance(intervals, str) else intervals,
        watched_seconds=row[3],
        position=row[4],
        playbacks=json.loads(playbacks) if isinstance(playbacks, str) else playbacks,
        credit_allowance=row[6],
        allowance_stamp=row[7],
        completed=bool(row[8]),
    )


def progress_row_write(
    row: ProgressRow, *, duration: int, now, durable: bool = False
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
        json.dumps(row.playbacks, separators=(",", ":")),
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

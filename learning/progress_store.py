"""The heartbeat's hot path to ``LessonProgress`` and the member's
``MemberCreditClock``: one read (both rows, joined, with a check of cached
credentials) and one conditional write (both rows: the clock row counts the beat) in
plain SQL, prepared once per connection on PostgreSQL (the ORM's query building, and
PostgreSQL's planning, cost more than the queries themselves at heartbeat rates).
Rare paths (creating the rows, completing a lesson) use the ORM.

The row's ``playbacks`` JSON holds one ``PlaybackState`` per playback id; they are
read into dataclasses and written back to the same JSON shape.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import psycopg
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.backends.utils import CursorDebugWrapper, CursorWrapper
from wagtail.models import APIToken

from dangke.tokens import token_last_used_interval
from learning.models import LessonProgress, Member, MemberCreditClock

TABLE = LessonProgress._meta.db_table
CLOCK_TABLE = MemberCreditClock._meta.db_table
MEMBER_TABLE = Member._meta.db_table
USER_TABLE = get_user_model()._meta.db_table
TOKEN_TABLE = APIToken._meta.db_table


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

    def as_stored(self) -> list[Any]:
        """Compact: ``[watched_ratio, completed, resume_position, credited]``."""
        return [
            self.watched_ratio,
            self.completed,
            self.resume_position,
            self.credited_seconds,
        ]

    @classmethod
    def from_stored(cls, value: list[Any] | dict[str, Any]) -> ProgressAnswer:
        if isinstance(value, dict):  # rows written before answers were compact
            return cls(**value)
        ratio, completed, position, credited = value
        return cls(ratio, completed, position, credited)


@dataclass
class PlaybackState:
    """One playback (a client's uuid) of a member's lesson: when its first and latest
    beats came (Unix time), the credit it earned, the seqs it sent and its latest
    answers, so a replayed beat gets the same answer and no credit.

    Stored as ``{"first", "last", "credited", "max_seq", "seqs": [[low, high], …],
    "answers": {"<seq>": [watched_ratio, completed, resume_position, credited]}}`` in
    ``LessonProgress.playbacks``: compact, so a row's JSON stays small enough for
    PostgreSQL to keep in the row uncompressed (no TOAST work on every beat).
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
                int(seq): ProgressAnswer.from_stored(answer)
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
            "answers": {str(seq): a.as_stored() for seq, a in self.answers.items()},
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
    (``MemberCreditClock.clock``; ``has_clock`` is False while that row is missing)
    and its heartbeat count for ``beat_minute``."""

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
    beat_minute: int | None = None
    beats: int = 0


@dataclass(frozen=True)
class Credentials:
    """What a heartbeat was authenticated with, from a cache: the token's digest and
    the member's fields the beat relies on. ``progress_row_read`` checks them
    against the database in the same query."""

    token_hash: str
    organisation_id: int
    member_type: str
    stamp_last_used: bool = False  # the beat's write stamps the token's last use


class CredentialsChanged(Exception):
    """The token is no longer valid, or the member's organisation or type changed,
    since the credentials were cached."""


def _loaded(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def _json_column(name: str) -> str:
    return f"{name}::text" if connection.vendor == "postgresql" else name


def _json_param() -> str:
    return "%s::jsonb" if connection.vendor == "postgresql" else "%s"


# Still valid: the token unrevoked, its account active, and the account's member
# profile the one (and in the organisation and of the type) the cache said.
_CREDENTIALS_SQL = (
    f"SELECT 1 FROM {TOKEN_TABLE} t "  # noqa: S608
    f"JOIN {USER_TABLE} u ON u.id = t.user_id "
    f"JOIN {MEMBER_TABLE} m ON m.user_id = u.id "
    "WHERE t.key_hash = %s AND t.revoked_at IS NULL AND u.is_active "
    "AND m.id = %s AND m.organisation_id = %s AND m.member_type = %s"
)


def progress_row_read(
    *, member_id: int, lesson_id: int, credentials: Credentials | None = None
) -> ProgressRow | None:
    """The member's progress row for the lesson as stored, or None. Given cached
    ``credentials``, checks them in the same query and raises CredentialsChanged
    when they no longer hold."""
    # Only constants are formatted in; values go as parameters.
    check = f"EXISTS ({_CREDENTIALS_SQL})" if credentials else "TRUE"
    sql = (
        f"SELECT {check}, p.id, p.version, "  # noqa: S608
        f"{_json_column('p.intervals')}, p.watched_seconds, p.position, "
        f"{_json_column('p.playbacks')}, p.completed_at IS NOT NULL, "
        "c.clock, c.member_id IS NOT NULL, c.beat_minute, c.beats "
        f"FROM (SELECT 1 AS one) AS v LEFT JOIN {TABLE} p "
        "ON p.member_id = %s AND p.lesson_id = %s "
        f"LEFT JOIN {CLOCK_TABLE} c ON c.member_id = p.member_id"
    )
    if credentials:
        params = [
            credentials.token_hash,
            member_id,
            credentials.organisation_id,
            credentials.member_type,
        ]
    else:
        params = []
    with _hot_cursor() as cursor:
        cursor.execute(sql, [*params, member_id, lesson_id])
        row = cursor.fetchone()
    if not row[0]:
        raise CredentialsChanged
    if row[1] is None:
        return None
    return ProgressRow(
        id=row[1],
        member_id=member_id,
        version=row[2],
        intervals=_loaded(row[3]),
        watched_seconds=row[4],
        position=row[5],
        playbacks={
            key: PlaybackState.from_json(state)
            for key, state in (_loaded(row[6]) or {}).items()
        },
        completed=bool(row[7]),
        credit_clock=row[8],
        has_clock=bool(row[9]),
        beat_minute=row[10],
        beats=row[11] or 0,
    )


def progress_row_create(
    *, member_id: int, lesson_id: int, duration: int, now: datetime
) -> None:
    """Make the member's progress row for the lesson and the member's credit clock
    where they are missing (a concurrent beat may have made them first).

    On PostgreSQL one statement that does not wait for the WAL flush (empty rows: a
    database crash that lost them loses nothing, the next beat makes them again)."""
    if connection.vendor == "postgresql":
        with _hot_cursor() as cursor:
            cursor.execute(
                f"WITH clock AS (INSERT INTO {CLOCK_TABLE} "  # noqa: S608
                "(member_id, clock, beat_minute, beats) VALUES (%s, NULL, NULL, 0) "
                "ON CONFLICT DO NOTHING RETURNING 1) "
                f"INSERT INTO {TABLE} (member_id, lesson_id, intervals, "
                "watched_seconds, duration, position, completed_via, playbacks, "
                "version, updated_at) "
                "SELECT %s, %s, '[]', 0, %s, 0, '', '{}', 0, %s "
                "FROM (SELECT set_config('synchronous_commit', 'off', true)) AS r "
                "ON CONFLICT DO NOTHING",
                [member_id, member_id, lesson_id, duration, now],
            )
        return
    LessonProgress.objects.bulk_create(
        [LessonProgress(member_id=member_id, lesson_id=lesson_id, duration=duration)],
        ignore_conflicts=True,
    )
    MemberCreditClock.objects.bulk_create(
        [MemberCreditClock(member_id=member_id)], ignore_conflicts=True
    )


def beat_minute(now: datetime) -> int:
    """The minute (Unix time // 60) a beat at ``now`` is counted in."""
    return int(now.timestamp()) // 60


def progress_row_write(
    row: ProgressRow,
    *,
    duration: int,
    now: datetime,
    durable: bool = False,
    credit_clock: float | None = None,
    stamp_token: str | None = None,
) -> bool:
    """Write ``row`` if nobody wrote since it was read (same version), count the beat
    on the member's clock row (``beats`` in the minute of ``now``) and, given a
    ``credit_clock``, move the member's clock from the value read to it if nobody
    moved it meanwhile: all or nothing. True if written. Given ``stamp_token`` (a
    token's digest), also stamps that token's ``last_used_at`` with ``now`` unless
    it was stamped within ``WAGTAILAPI_TOKEN_LAST_USED_INTERVAL``, written or not.

    On PostgreSQL an ordinary beat is one autocommitted statement that does not wait
    for the WAL flush (``synchronous_commit`` off for its own transaction only, set
    inside the statement): the flush costs ~20× the update itself, and a database
    crash can then lose at most the last fraction of a second of beats, never
    consistency. Completions pass ``durable=True`` and commit normally.
    """
    json_param = _json_param()
    postgres = connection.vendor == "postgresql"
    minute = beat_minute(now)
    moving = credit_clock is not None
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
    # The clock row: counted, and moved only from the value read (not moving it
    # keeps whatever a concurrent beat moved it to).
    same = "IS NOT DISTINCT FROM" if postgres else "IS"  # NULL equals NULL
    clock_update = (
        f"UPDATE {CLOCK_TABLE} SET "  # noqa: S608
        + ("clock = %s, " if moving else "")
        + "beat_minute = %s, "
        "beats = CASE WHEN beat_minute = %s THEN beats + 1 ELSE 1 END "
        "WHERE member_id = %s" + (f" AND clock {same} %s" if moving else "")
    )
    clock_values = [minute, minute, row.member_id]
    if moving:
        clock_values = [credit_clock, *clock_values, row.credit_clock]
    stamp, stamp_values = _token_stamp(now) if stamp_token else ("", [])
    if stamp:
        stamp += " AND key_hash = %s"
        stamp_values.append(stamp_token)
    if postgres:
        # The progress row is locked (and its version checked) before the clock row
        # is written; the row is then updated only if the clock row was: one
        # statement, so all or nothing. Every writer locks the progress row first.
        sources = ["counted"]
        if not durable:
            sources.insert(
                0, "(SELECT set_config('synchronous_commit', 'off', true)) AS r"
            )
        # A data-modifying WITH runs whether or not the main statement reads it.
        stamped = f"stamped AS ({stamp} RETURNING 1), " if stamp else ""
        return _execute_one(
            f"WITH {stamped}counted AS ({clock_update} AND EXISTS "  # noqa: S608
            f"(SELECT 1 FROM {TABLE} WHERE id = %s AND version = %s FOR UPDATE) "
            f"RETURNING 1) UPDATE {TABLE} SET {assignments} "
            f"FROM {', '.join(sources)} "
            f"WHERE {TABLE}.id = %s AND {TABLE}.version = %s",
            [
                *stamp_values,
                *clock_values,
                *(row.id, row.version),
                *values,
                *(row.id, row.version),
            ],
        )
    if stamp:
        with connection.cursor() as cursor:
            cursor.execute(stamp, stamp_values)
    # SQLite lets one writer at a time in: two statements in one transaction.
    with transaction.atomic():
        written = _execute_one(clock_update, clock_values) and _execute_one(
            f"UPDATE {TABLE} SET {assignments} WHERE id = %s AND version = %s",  # noqa: S608
            [*values, row.id, row.version],
        )
        if not written:
            transaction.set_rollback(True)
    return written


def bearer_entry_read(
    candidates: list[str], *, now: datetime, member_fields: tuple[str, ...]
) -> dict[str, Any] | None:
    """Who a bearer token is, by its ``candidates`` (digests under the current and
    fallback secrets): ``{"key_hash", "user": (id, username, is_superuser,
    is_staff), "member": {field: value} or None}``, or None for no valid token of an
    active account. Stamps the token's last use as Wagtail's bearer authentication
    does (on PostgreSQL in the same statement, without waiting for the WAL flush:
    losing a stamp in a crash loses nothing)."""
    fields = [
        Member._meta.get_field("id" if name == "pk" else name) for name in member_fields
    ]
    # Only column names from the models are formatted in; values go as parameters.
    member_columns = ", ".join(
        f"m.{field.column} AS member_{index}" for index, field in enumerate(fields)
    )
    candidate_params = ", ".join(["%s"] * len(candidates))
    select = (
        "SELECT t.id AS token_id, t.key_hash, u.id AS user_id, u.username, "  # noqa: S608
        "u.is_superuser, u.is_staff, m.id IS NOT NULL AS has_member, "
        f"{member_columns} FROM {TOKEN_TABLE} t "
        f"JOIN {USER_TABLE} u ON u.id = t.user_id "
        f"LEFT JOIN {MEMBER_TABLE} m ON m.user_id = u.id "
        f"WHERE t.key_hash IN ({candidate_params}) "
        "AND t.revoked_at IS NULL AND u.is_active LIMIT 1"
    )
    stamp, stamp_values = _token_stamp(now)
    postgres = connection.vendor == "postgresql"
    with _hot_cursor() as cursor:
        if postgres and stamp:
            cursor.execute(
                f"WITH found AS ({select}), stamped AS ({stamp} "  # noqa: S608
                "AND id = (SELECT token_id FROM found) RETURNING 1) "
                "SELECT found.*, set_config('synchronous_commit', 'off', true) "
                "FROM found",
                [*candidates, *stamp_values],
            )
        else:
            cursor.execute(select, candidates)
        row = cursor.fetchone()
    if row is None:
        return None
    token_id, key_hash, user_id, username, is_superuser, is_staff, has_member = row[:7]
    if stamp and not postgres:
        with connection.cursor() as cursor:
            cursor.execute(f"{stamp} AND id = %s", [*stamp_values, token_id])
    return {
        "key_hash": key_hash,
        "user": (user_id, username, bool(is_superuser), bool(is_staff)),
        "member": (
            {
                name: field.to_python(value)  # SQLite gives dates as text
                for name, field, value in zip(
                    member_fields, fields, row[7 : 7 + len(fields)], strict=True
                )
            }
            if has_member
            else None
        ),
    }


def _token_stamp(now: datetime) -> tuple[str, list[Any]]:
    """The UPDATE stamping tokens' last use with ``now`` where it is older than
    Wagtail's interval (as its bearer authentication does), its WHERE clause open
    for ``AND`` the token; ``""`` when tokens are never stamped."""
    interval = token_last_used_interval()
    if interval is None:
        return "", []
    stamp = connection.ops.adapt_datetimefield_value(now)
    stale = connection.ops.adapt_datetimefield_value(now - timedelta(seconds=interval))
    return (
        f"UPDATE {TOKEN_TABLE} SET last_used_at = %s "  # noqa: S608
        "WHERE (last_used_at IS NULL OR last_used_at <= %s)",
        [stamp, stale],
    )


def _execute_one(sql: str, params: list[Any]) -> bool:
    """Run an UPDATE; True if it changed exactly one row."""
    with _hot_cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount == 1


PREPARE_ONLY_WHEN_ASKED = 2**31 - 1  # psycopg's count before it prepares on its own


def _hot_cursor():
    """A cursor for the heartbeat's statements. On PostgreSQL they are prepared once
    per connection (server-side parameters; Django binds on the client and prepares
    nothing), so each beat skips parsing and planning them: the write's planning
    cost as much as running it. Through Django's cursor wrapper, so query logging
    and database error translation still apply."""
    if connection.vendor != "postgresql":
        return connection.cursor()
    connection.ensure_connection()
    if connection.connection.prepare_threshold is None:
        # Django turns preparing off (None) for connection poolers' sake; only these
        # cursors ask for it (Django's bind on the client, which never prepares).
        connection.connection.prepare_threshold = PREPARE_ONLY_WHEN_ASKED
    raw = _PreparedCursor(connection.connection)
    if connection.queries_logged:
        return _LoggedCursor(raw, connection)
    return connection.make_cursor(raw)


class _LoggedCursor(CursorDebugWrapper):
    """Logs the statement as written: Django's PostgreSQL backend asks psycopg for
    the query it sent, which it does not keep for prepared statements."""

    def execute(self, sql, params=None):
        with self.debug_sql(sql, params, use_last_executed_query=False):
            return CursorWrapper.execute(self, sql, params)


class _PreparedCursor(psycopg.Cursor):
    def execute(self, query, params=None, *, prepare=None, binary=None):
        return super().execute(query, params, prepare=True, binary=binary)

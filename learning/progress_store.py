"""The heartbeat's hot path to ``LessonProgress`` and the member's
``MemberCreditClock``: one read (both rows, joined, with a check of cached
credentials) and one conditional write (both rows: the clock row counts the beat) in
plain SQL, prepared once per connection on PostgreSQL (``dangke.prepared``: the ORM's
query building, and PostgreSQL's planning, cost more than the queries themselves at
heartbeat rates). Rare paths (creating the rows on SQLite, completing a lesson) use
the ORM.

Each statement is written whole per vendor (``_..._postgresql`` and ``_..._sqlite``
builders), parameters by name (psycopg ``%(name)s``, sqlite3 ``:name``); only table
names from the models and fixed fragments chosen by flags are formatted in.

The row's ``playbacks`` JSON holds one ``PlaybackState`` per playback id; they are
read into dataclasses and written back to the same JSON shape.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from wagtail.models import APIToken

from dangke.prepared import prepared_cursor
from dangke.tokens import BearerIdentity, token_stamp_params, token_stamp_statement
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
    """What a heartbeat was authenticated with, from this process's copy of the
    token: the token's digest and the member's fields the beat relies on.
    ``progress_row_read`` checks them against the database in the same query."""

    token_hash: str
    organisation_id: int
    member_type: str
    stamp_last_used: bool = False  # the beat's write stamps the token's last use

    @classmethod
    def of(cls, identity: BearerIdentity) -> Credentials:
        """The credentials of an unchecked identity (``identity.checked`` False,
        with a member profile)."""
        member = identity.profile
        return cls(
            token_hash=identity.key_hash,
            organisation_id=member["organisation_id"],
            member_type=member["member_type"],
            stamp_last_used=identity.stamp_due,
        )


class CredentialsChanged(Exception):
    """The token is no longer valid, or the member's organisation or type changed,
    since the credentials were cached."""


def _loaded(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


# --- the read -----------------------------------------------------------------


def progress_row_read(
    *, member_id: int, lesson_id: int, credentials: Credentials | None = None
) -> ProgressRow | None:
    """The member's progress row for the lesson as stored, or None. Given cached
    ``credentials``, checks them in the same query and raises CredentialsChanged
    when they no longer hold."""
    params: dict[str, Any] = {"member_id": member_id, "lesson_id": lesson_id}
    if credentials:
        params.update(
            token_hash=credentials.token_hash,
            organisation_id=credentials.organisation_id,
            member_type=credentials.member_type,
        )
    statement = _read_statement(connection.vendor, checking=credentials is not None)
    with prepared_cursor() as cursor:
        cursor.execute(statement, params)
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


@cache
def _read_statement(vendor: str, *, checking: bool) -> str:
    if vendor == "postgresql":
        return _read_postgresql(checking=checking)
    return _read_sqlite(checking=checking)


def _read_postgresql(*, checking: bool) -> str:
    """Both rows (or NULLs: the one-row ``v`` keeps a row coming back), JSON as
    text, led by whether the credentials still hold (``checking``): the token
    unrevoked, its account active, and the account's member profile the one (and
    in the organisation and of the type) the copy said."""
    still_valid = (
        f"""EXISTS (
            SELECT 1 FROM {TOKEN_TABLE} t
            JOIN {USER_TABLE} u ON u.id = t.user_id
            JOIN {MEMBER_TABLE} m ON m.user_id = u.id
            WHERE t.key_hash = %(token_hash)s AND t.revoked_at IS NULL AND u.is_active
              AND m.id = %(member_id)s AND m.organisation_id = %(organisation_id)s
              AND m.member_type = %(member_type)s
        )"""  # noqa: S608
        if checking
        else "TRUE"
    )
    return f"""
        SELECT {still_valid}, p.id, p.version, p.intervals::text, p.watched_seconds,
               p.position, p.playbacks::text, p.completed_at IS NOT NULL,
               c.clock, c.member_id IS NOT NULL, c.beat_minute, c.beats
        FROM (SELECT 1 AS one) AS v
        LEFT JOIN {TABLE} p
          ON p.member_id = %(member_id)s AND p.lesson_id = %(lesson_id)s
        LEFT JOIN {CLOCK_TABLE} c ON c.member_id = p.member_id"""  # noqa: S608


def _read_sqlite(*, checking: bool) -> str:
    """As ``_read_postgresql`` (JSON columns are text already)."""
    still_valid = (
        f"""EXISTS (
            SELECT 1 FROM {TOKEN_TABLE} t
            JOIN {USER_TABLE} u ON u.id = t.user_id
            JOIN {MEMBER_TABLE} m ON m.user_id = u.id
            WHERE t.key_hash = :token_hash AND t.revoked_at IS NULL AND u.is_active
              AND m.id = :member_id AND m.organisation_id = :organisation_id
              AND m.member_type = :member_type
        )"""  # noqa: S608
        if checking
        else "TRUE"
    )
    return f"""
        SELECT {still_valid}, p.id, p.version, p.intervals, p.watched_seconds,
               p.position, p.playbacks, p.completed_at IS NOT NULL,
               c.clock, c.member_id IS NOT NULL, c.beat_minute, c.beats
        FROM (SELECT 1 AS one) AS v
        LEFT JOIN {TABLE} p
          ON p.member_id = :member_id AND p.lesson_id = :lesson_id
        LEFT JOIN {CLOCK_TABLE} c ON c.member_id = p.member_id"""  # noqa: S608


# --- creating the rows --------------------------------------------------------


def progress_row_create(
    *, member_id: int, lesson_id: int, duration: int, now: datetime
) -> None:
    """Make the member's progress row for the lesson and the member's credit clock
    where they are missing (a concurrent beat may have made them first).

    On PostgreSQL one statement that does not wait for the WAL flush (empty rows: a
    database crash that lost them loses nothing, the next beat makes them again)."""
    if connection.vendor == "postgresql":
        with prepared_cursor() as cursor:
            cursor.execute(
                _CREATE_POSTGRESQL,
                {
                    "member_id": member_id,
                    "lesson_id": lesson_id,
                    "duration": duration,
                    "now": now,
                },
            )
        return
    LessonProgress.objects.bulk_create(
        [LessonProgress(member_id=member_id, lesson_id=lesson_id, duration=duration)],
        ignore_conflicts=True,
    )
    MemberCreditClock.objects.bulk_create(
        [MemberCreditClock(member_id=member_id)], ignore_conflicts=True
    )


_CREATE_POSTGRESQL = f"""
    WITH clock AS (
        INSERT INTO {CLOCK_TABLE} (member_id, clock, beat_minute, beats)
        VALUES (%(member_id)s, NULL, NULL, 0)
        ON CONFLICT DO NOTHING
        RETURNING 1
    )
    INSERT INTO {TABLE} (member_id, lesson_id, intervals, watched_seconds, duration,
                         position, completed_via, playbacks, version, updated_at)
    SELECT %(member_id)s, %(lesson_id)s, '[]', 0, %(duration)s, 0, '', '{{}}', 0, %(now)s
    FROM (SELECT set_config('synchronous_commit', 'off', true)) AS relaxed
    ON CONFLICT DO NOTHING"""  # noqa: S608


# --- the write ----------------------------------------------------------------


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
    moving = credit_clock is not None
    stamp = token_stamp_params(stamp_token, now=now) if stamp_token else None
    params: dict[str, Any] = {
        "id": row.id,
        "version": row.version,
        "new_version": row.version + 1,
        "member_id": row.member_id,
        "minute": beat_minute(now),
        "intervals": json.dumps(row.intervals),
        "watched_seconds": row.watched_seconds,
        "position": row.position,
        "duration": duration,
        "playbacks": json.dumps(
            {key: state.as_json() for key, state in row.playbacks.items()},
            separators=(",", ":"),
        ),
        "now": connection.ops.adapt_datetimefield_value(now),
        **(stamp or {}),
    }
    if moving:
        # Moved only from the value read (not moving it keeps whatever a concurrent
        # beat moved it to).
        params.update(new_clock=credit_clock, old_clock=row.credit_clock)
    if connection.vendor == "postgresql":
        statement = _write_postgresql(
            moving=moving, stamping=stamp is not None, relaxed=not durable
        )
        return _execute_one(statement, params)
    if stamp:
        with connection.cursor() as cursor:
            cursor.execute(token_stamp_statement("sqlite"), params)
    # SQLite lets one writer at a time in: two statements in one transaction.
    with transaction.atomic():
        written = _execute_one(_clock_count_sqlite(moving=moving), params) and (
            _execute_one(_WRITE_SQLITE, params)
        )
        if not written:
            transaction.set_rollback(True)
    return written


@cache
def _write_postgresql(*, moving: bool, stamping: bool, relaxed: bool) -> str:
    """One statement, so all or nothing: the progress row is locked (and its
    version checked) before the clock row is counted (and ``moving``, moved); the
    progress row is then updated only if the clock row was. Every writer locks the
    progress row first. ``stamping``: the token's stamp rides along (a
    data-modifying WITH runs whether or not the main statement reads it).
    ``relaxed``: without waiting for the WAL flush."""
    stamped = (
        f"stamped AS ({token_stamp_statement('postgresql')} RETURNING 1),"
        if stamping
        else ""
    )
    move_clock = "clock = %(new_clock)s," if moving else ""
    clock_unmoved = "AND clock IS NOT DISTINCT FROM %(old_clock)s" if moving else ""
    relax = (
        "(SELECT set_config('synchronous_commit', 'off', true)) AS relaxed,"
        if relaxed
        else ""
    )
    return f"""
        WITH {stamped}
        counted AS (
            UPDATE {CLOCK_TABLE}
            SET {move_clock} beat_minute = %(minute)s,
                beats = CASE WHEN beat_minute = %(minute)s THEN beats + 1 ELSE 1 END
            WHERE member_id = %(member_id)s {clock_unmoved}
              AND EXISTS (
                  SELECT 1 FROM {TABLE}
                  WHERE id = %(id)s AND version = %(version)s
                  FOR UPDATE
              )
            RETURNING 1
        )
        UPDATE {TABLE}
        SET intervals = %(intervals)s::jsonb, watched_seconds = %(watched_seconds)s,
            position = %(position)s, duration = %(duration)s,
            playbacks = %(playbacks)s::jsonb, version = %(new_version)s,
            updated_at = %(now)s
        FROM {relax} counted
        WHERE {TABLE}.id = %(id)s AND {TABLE}.version = %(version)s"""  # noqa: S608


@cache
def _clock_count_sqlite(*, moving: bool) -> str:
    """The clock row counted (and ``moving``, moved from the value read)."""
    move_clock = "clock = :new_clock," if moving else ""
    clock_unmoved = "AND clock IS :old_clock" if moving else ""
    return f"""
        UPDATE {CLOCK_TABLE}
        SET {move_clock} beat_minute = :minute,
            beats = CASE WHEN beat_minute = :minute THEN beats + 1 ELSE 1 END
        WHERE member_id = :member_id {clock_unmoved}"""  # noqa: S608


_WRITE_SQLITE = f"""
    UPDATE {TABLE}
    SET intervals = :intervals, watched_seconds = :watched_seconds,
        position = :position, duration = :duration, playbacks = :playbacks,
        version = :new_version, updated_at = :now
    WHERE id = :id AND version = :version"""  # noqa: S608


def _execute_one(statement: str, params: dict[str, Any]) -> bool:
    """Run an UPDATE; True if it changed exactly one row."""
    with prepared_cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.rowcount == 1

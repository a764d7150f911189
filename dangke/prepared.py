"""Cursors for the hot hand-written statements (heartbeats, token lookups).

On PostgreSQL the statements run through them are prepared once per connection
(server-side parameters; Django binds on the client and prepares nothing), so each
call skips parsing and planning them: the heartbeat's write cost as much to plan as
to run. Statements are complete per vendor and take their parameters by name
(psycopg ``%(name)s``, sqlite3 ``:name``), passed as a dict.
"""

from __future__ import annotations

import psycopg
from django.db import connection
from django.db.backends.utils import CursorDebugWrapper, CursorWrapper

PREPARE_ONLY_WHEN_ASKED = 2**31 - 1  # psycopg's count before it prepares on its own


def prepared_cursor():
    """A cursor whose statements are prepared on PostgreSQL (a plain cursor
    elsewhere). Through Django's cursor wrapper, so query logging and database
    error translation still apply."""
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

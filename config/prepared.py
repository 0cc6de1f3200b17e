"""Server-side prepared statements on Django's connection (Django itself binds parameters
client-side and never prepares), still logged and counted by Django's cursor wrapper.

Every placeholder of such a statement carries an explicit cast where its type matters: the
parameters travel separately from the text.
"""

import psycopg
from django.db import connection
from django.db.backends.utils import CursorDebugWrapper

# Set for one statement, in a transaction of its own, so that it ends with it whatever
# happens (inside a transaction already, set back after it). Settings, not queries:
# Django's wrapper neither logs nor counts them.
GENERIC = "SET LOCAL plan_cache_mode = force_generic_plan"
_GENERIC_OFF = "SET LOCAL plan_cache_mode TO DEFAULT"


def fetch_prepared(sql: str, params: list, *, binary: bool = False,
                   generic: bool = False) -> list[tuple]:
    """Rows of `sql` run as a prepared statement. With `binary`, results come in
    PostgreSQL's binary format. With `generic`, PostgreSQL plans it once for any parameters
    (a generic plan) instead of once per call (a custom plan): for a statement whose
    planning costs more than its parameters could win, as a search's (4-5 ms)."""
    if not generic:
        return _fetch(sql, params, binary)
    connection.ensure_connection()
    session = connection.connection
    if connection.in_atomic_block:
        session.execute(GENERIC)
        rows = _fetch(sql, params, binary)
        session.execute(_GENERIC_OFF)
        return rows
    with session.transaction():  # psycopg's own BEGIN and COMMIT (Django's are logged)
        session.execute(GENERIC)
        return _fetch(sql, params, binary)


def _fetch(sql: str, params: list, binary: bool) -> list[tuple]:
    connection.ensure_connection()
    raw = psycopg.Cursor(connection.connection)
    if binary:
        raw.format = psycopg.pq.Format.BINARY
    with _wrapped(raw) as cursor:
        # Without Django's execute wrappers: pghistory's prepends `SELECT set_config(...);`
        # for the audit context of a request, and a prepared statement holds one command.
        # A read has nothing to audit. Query logging (debug_sql) is kept, with the values
        # written in as Django logs its own statements (so that a logged statement runs).
        if isinstance(cursor, CursorDebugWrapper):
            with cursor.debug_sql(connection.ops.compose_sql(sql, params), params):
                _execute_prepared(cursor, sql, params)
        else:
            _execute_prepared(cursor, sql, params)
        return cursor.fetchall()


def _wrapped(raw):
    """Django's wrapper of a cursor, as connection.cursor() wraps its own: one that logs
    the query (and counts it for assertNumQueries) when queries are logged."""
    connection.validate_thread_sharing()
    if connection.queries_logged:
        return connection.make_debug_cursor(raw)
    return connection.make_cursor(raw)


def _execute_prepared(cursor, sql: str, params: list) -> None:
    with cursor.db.wrap_database_errors:
        cursor.cursor.execute(sql, params, prepare=True)

"""A search's statements yielded one by one, so that any connection can run them.

A selector that reads in steps (the vocabulary look-up, then the search statement written
from what it found) is a generator: it yields each `Statement`, is sent that statement's
rows (a list of tuples), does no I/O itself, and returns its value. `run` drives one on
Django's connection (the selectors' callers); the compiled GraphQL path drives the same
generator on its async pool (schema/compiled/search.py). The SQL is correct with
parameters bound client-side (Django's cursor) and server-side (psycopg's async pool):
every parameter whose type matters is cast.
"""

from collections.abc import Generator
from dataclasses import dataclass

from django.db import connection

from config.prepared import fetch_prepared


@dataclass(frozen=True)
class Statement:
    sql: str
    params: list
    # Worth a server-side prepared statement: its text repeats from search to search.
    prepare: bool = True
    binary: bool = False  # results in text, as schema/compiled/driven.py's Query asks
    generic: bool = False  # a generic plan (config/prepared.py)


Steps = Generator[Statement, list[tuple], object]


def run(steps: Steps, rows=None):
    """The value `steps` returns, each statement run on Django's connection (prepared
    when it says so), or given the rows `rows(statement)` returns."""
    rows = rows or statement_rows
    try:
        statement = next(steps)
        while True:
            statement = steps.send(rows(statement))
    except StopIteration as done:
        return done.value


def statements_sent(steps: Steps) -> list[Statement]:
    """The statements `steps` sends, each run on Django's connection (for plans and
    benchmarks)."""
    sent = []

    def rows(statement: Statement) -> list[tuple]:
        sent.append(statement)
        return statement_rows(statement)

    run(steps, rows)
    return sent


def statement_rows(statement: Statement) -> list[tuple]:
    """The rows of one statement on Django's connection."""
    if statement.prepare:
        return fetch_prepared(statement.sql, statement.params, binary=statement.binary,
                              generic=statement.generic)
    with connection.cursor() as cursor:
        cursor.execute(statement.sql, statement.params)
        return cursor.fetchall()

"""Availability benchmark: the SQL selectors against the naive way, fetching with the ORM
and computing in Python (tests/booking/availability_reference.py).

    bench/prepare.sh            # once: rangebook_bench, 10k resources, 1M bookings
    .venv/bin/python -m bench.availability --database-name rangebook_bench [--explain]

Each case draws its own resources and window per run (seeded) and runs a few warm-ups
first; the naive runs come after every case's SQL was measured (they load all bookings
through the ORM, which pushes the SQL's pages out of memory). Prints a Markdown table:
median and p95 per call of the selector, of the same SQL run directly through psycopg (the
practical limit), and of the naive way; SQL statements per call; and whether the naive
answers equal the selectors'. `--explain` then prints EXPLAIN (ANALYZE, BUFFERS) of each
statement once, with the plans of the statements inside the SQL functions (auto_explain),
which plain EXPLAIN does not show.
"""

import argparse
import datetime as dt
import gc
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass

import psycopg

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from booking import selectors  # noqa: E402
from booking.models import Booking, Resource  # noqa: E402
from tests.booking import availability_reference as reference  # noqa: E402

HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)


@dataclass(frozen=True)
class Case:
    label: str
    draw: Callable  # (rng, ids, now) -> inputs
    sql: Callable  # (inputs, now) -> answer
    naive: Callable  # (inputs, now) -> the same answer, computed the naive way
    max_naive_runs: int = 1000


def _hour(instant: dt.datetime) -> dt.datetime:
    return instant.replace(minute=0, second=0, microsecond=0)


def _active(data: dict) -> dict:
    return {rid: res for rid, res in data.items() if res.is_active}


def slots_draw(rng, ids, now):
    return rng.sample(ids, min(100, len(ids))), _hour(now + rng.uniform(0, 60) * DAY)


def slots_sql(inputs, now):
    ids, start = inputs
    return selectors.resource_slots(
        resource_ids=ids, window=(start, start + 7 * DAY), duration=HOUR, now=now
    )


def slots_naive(inputs, now):
    ids, start = inputs
    return {
        rid: reference.slots(res, (start, start + 7 * DAY), now, HOUR)
        for rid, res in _active(reference.load(ids)).items()
    }


def free_draw(rng, ids, now):
    return [rng.choice(ids)], _hour(now + rng.uniform(0, 30) * DAY)


def free_sql(inputs, now):
    ids, start = inputs
    return selectors.resource_free_periods(
        resource_ids=ids, window=(start, start + 90 * DAY), now=now
    )


def free_naive(inputs, now):
    ids, start = inputs
    return {
        rid: reference.free_periods(res, (start, start + 90 * DAY), now)
        for rid, res in _active(reference.load(ids)).items()
    }


def list_free_draw(rng, ids, now):
    return _hour(now + HOUR + rng.uniform(0, 30) * DAY)


def list_free_sql(start, now):
    free = selectors.resource_list_free(period=(start, start + 2 * HOUR), now=now)
    return sorted(free.values_list("id", flat=True))


def list_free_naive(start, now):
    ids = list(Resource.objects.values_list("id", flat=True))
    return sorted(
        rid
        for rid, res in reference.load(ids).items()
        if reference.free_during(res, (start, start + 2 * HOUR), now)
    )


def occupancy_draw(rng, ids, now):
    start = (now - rng.uniform(0, 150) * DAY).replace(hour=0, minute=0, second=0, microsecond=0)
    return rng.sample(ids, min(100, len(ids))), start


def occupancy_sql(inputs, now):
    ids, start = inputs
    rows = selectors.resource_occupancy(resource_ids=ids, window=(start, start + 30 * DAY), now=now)
    return sorted((r.resource_id, r.bucket_start, r.open, r.booked) for r in rows)


def occupancy_naive(inputs, now):
    ids, start = inputs
    return sorted(
        (rid, day, open_, booked)
        for rid, res in _active(reference.load(ids)).items()
        for day, open_, booked, _ in reference.occupancy(res, (start, start + 30 * DAY), now)
    )


CASES = [
    Case("`resource_slots`, 100 resources × 7 days, 1 h", slots_draw, slots_sql, slots_naive),
    Case("`resource_free_periods`, 1 resource × 90 days", free_draw, free_sql, free_naive),
    Case(
        "`resource_list_free`, all resources, 2 h",
        list_free_draw,
        list_free_sql,
        list_free_naive,
        max_naive_runs=2,
    ),
    Case(
        "`resource_occupancy` by day, 100 resources × 30 days",
        occupancy_draw,
        occupancy_sql,
        occupancy_naive,
    ),
]


# --- measuring ------------------------------------------------------------------------


@dataclass
class Result:
    case: Case
    sql: list[float]
    direct: list[float]
    naive: list[float]
    sql_statements: set[int]
    naive_statements: set[int]
    agree: int
    statements: list[tuple]  # (sql, params, binary) of the first warm-up call, for --explain
    inputs: list  # of the timed runs


def measure(case: Case, *, rng, ids, now, runs: int, warmups: int) -> Result:
    """The selector's runs and the direct runs of its statements, after `warmups`
    unmeasured runs (on inputs of their own) that bring the pages it reads into memory."""
    inputs = [case.draw(rng, ids, now) for _ in range(warmups + runs)]
    counts, first = set(), None
    for value in inputs[:warmups]:
        with CaptureQueriesContext(connection) as captured:
            case.sql(value, now)
        counts.add(len(captured.captured_queries))
        first = first or _calls(case, value, now)
    timed = inputs[warmups:]
    # The statements each timed input sends, captured (untimed) before either timing: the
    # selector's runs and the direct runs then both follow the same one earlier call.
    statements = [_calls(case, value, now) for value in timed]
    result = Result(case, [], [], [], counts, set(), 0, first or [], timed)
    for value in timed:
        result.sql.append(_timed(case.sql, value, now)[0])
    for calls in statements:
        result.direct.append(_direct(calls))
    return result


def measure_naive(result: Result, *, now, naive_runs: int) -> None:
    """The naive way on the first of the timed inputs. Run after every case's SQL was
    measured: loading all bookings through the ORM pushes the SQL's pages out of memory."""
    case = result.case
    for value in result.inputs[: min(naive_runs, case.max_naive_runs)]:
        gc.collect()  # not the garbage of the previous run (1M bookings for all resources)
        with CaptureQueriesContext(connection) as captured:
            seconds, answer = _timed(case.naive, value, now)
        result.naive.append(seconds)
        result.naive_statements.add(len(captured.captured_queries))
        result.agree += answer == case.sql(value, now)


def _timed(function, value, now) -> tuple[float, object]:
    started = time.perf_counter()
    answer = function(value, now)
    return time.perf_counter() - started, answer


def _direct(calls: list[tuple]) -> float:
    """Seconds to run the selector's statements straight through psycopg: the same SQL,
    parameters and result format (binary where the selector asks for it)."""
    started = time.perf_counter()
    for sql, params, binary in calls:
        with _raw_cursor(binary) as cursor:
            # Prepared where the selector prepares it (binary results, booking/selectors.py).
            cursor.execute(sql, params, prepare=binary or None)
            cursor.fetchall()
    return time.perf_counter() - started


def _raw_cursor(binary: bool):
    raw = connection.connection
    cursor = psycopg.Cursor(raw) if binary else raw.cursor()
    if binary:
        cursor.format = psycopg.pq.Format.BINARY
    return cursor


def _calls(case: Case, value, now) -> list[tuple]:
    """(sql, params, binary) of each statement the selector runs for `value`."""
    calls = []
    fetch = selectors._fetch

    def record(sql, params, *, binary=False):
        calls.append((sql, params, binary))
        return fetch(sql, params, binary=binary)

    selectors._fetch = record
    try:
        with CaptureQueriesContext(connection) as captured:
            case.sql(value, now)
    finally:
        selectors._fetch = fetch
    if not calls:  # an ORM queryset (list_free): its SQL is logged with the values inlined
        calls = [(query["sql"], None, False) for query in captured.captured_queries]
    return calls


# --- reporting ------------------------------------------------------------------------


def p95(values: list[float]) -> float:
    if len(values) < 2:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[94]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:,.1f} ms" if seconds < 10 else f"{seconds:,.1f} s"


def ratio(value: float) -> str:
    return f"{value:.2f}×" if value < 10 else f"{value:,.0f}×"


def _counts(values: set[int]) -> str:
    return "–".join(str(v) for v in sorted({min(values), max(values)})) if values else "–"


def table(results: list[Result]) -> str:
    lines = [
        "| query | SQL median | SQL p95 | psycopg direct median | runs | statements "
        "| naive median | naive p95 | naive runs | naive statements | naive / SQL "
        "| same answers |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in results:
        sql_median = statistics.median(r.sql)
        naive = (
            [
                ms(statistics.median(r.naive)),
                ms(p95(r.naive)),
                str(len(r.naive)),
                _counts(r.naive_statements),
                ratio(statistics.median(r.naive) / sql_median),
                f"{r.agree}/{len(r.naive)}",
            ]
            if r.naive
            else ["–"] * 6
        )
        lines.append(
            "| "
            + " | ".join(
                [
                    r.case.label,
                    ms(sql_median),
                    ms(p95(r.sql)),
                    ms(statistics.median(r.direct)),
                    str(len(r.sql)),
                    _counts(r.sql_statements),
                    *naive,
                ]
            )
            + " |"
        )
    return "\n".join(lines)


def explain(result: Result) -> str:
    """EXPLAIN (ANALYZE, BUFFERS) of each statement, then the plans of the statements run
    inside its SQL functions: functions with a SET clause are never inlined, so the outer
    plan shows only a Function Scan."""
    out = [f"### {result.case.label}"]
    for sql, params, binary in result.statements:
        # Text results: EXPLAIN's rows are text; the parameters are sent as the selector
        # sends them (server-side where it binds them so).
        raw = connection.connection
        with psycopg.Cursor(raw) if binary else raw.cursor() as cur:
            cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
            plan = "\n".join(row[0] for row in cur.fetchall())
        out += ["```", sql, "", plan, "```", *nested_plans(sql, params, binary)]
    return "\n".join(out)


def nested_plans(sql: str, params=None, binary: bool = False) -> list[str]:
    raw, notices = connection.connection, []

    def collect(diagnostic):
        notices.append(diagnostic.message_primary or "")

    raw.add_notice_handler(collect)
    try:
        with raw.cursor() as cursor:
            cursor.execute(
                "LOAD 'auto_explain'; SET auto_explain.log_min_duration = 0;"
                " SET auto_explain.log_analyze = on; SET auto_explain.log_buffers = on;"
                " SET auto_explain.log_nested_statements = on; SET client_min_messages = log"
            )
        with _raw_cursor(binary) as statement:
            statement.execute(sql, params)
            statement.fetchall()
        with raw.cursor() as cursor:
            cursor.execute(
                "SET client_min_messages = notice; SET auto_explain.log_min_duration = -1"
            )
    except Exception as exc:  # not a superuser, or no auto_explain on that server
        return [f"(no nested plans: {exc})"]
    finally:
        raw.remove_notice_handler(collect)
    return ["Nested plans (auto_explain):", "```", *notices, "```"]


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-name", help="database on the configured server")
    parser.add_argument("--runs", type=int, default=20, help="timed runs per case (20)")
    parser.add_argument("--warmups", type=int, default=3, help="warm-up runs per case (3)")
    parser.add_argument(
        "--naive-runs",
        type=int,
        default=5,
        help="naive runs per case (5; at most 2 over all resources; 0: none)",
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--explain", action="store_true")
    args = parser.parse_args(argv)
    if args.database_name:
        connection.settings_dict["NAME"] = args.database_name
    ids = list(Resource.objects.order_by("pk").values_list("pk", flat=True))
    if not ids:
        sys.exit("No resources: load data with manage.py generate_data (bench/prepare.sh).")
    now, rng = timezone.now(), random.Random(args.seed)
    results = []
    for case in CASES:
        print(f"measuring {case.label} ...", file=sys.stderr)
        results.append(
            measure(case, rng=rng, ids=ids, now=now, runs=args.runs, warmups=args.warmups)
        )
    for result in results:
        if args.naive_runs:
            print(f"measuring {result.case.label}, the naive way ...", file=sys.stderr)
        measure_naive(result, now=now, naive_runs=args.naive_runs)
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0]
    print(
        f"{len(ids):,} resources, {Booking.objects.count():,} bookings, "
        f"PostgreSQL {version}, database {connection.settings_dict['NAME']}, "
        f"now {now:%Y-%m-%d %H:%M} UTC, seed {args.seed}\n"
    )
    print(table(results))
    if args.explain:
        for result in results:
            print("\n" + explain(result))


if __name__ == "__main__":
    main()

"""Reads of availability: free periods, slots, free-during, first free slot, occupancy;
and the resource a booking is asked for.

The rules are docs/availability.md; PostgreSQL computes them (the booking_* functions of
sql/functions/).
Each selector runs exactly one SQL statement, whatever the number of resources.
"""

import datetime as dt
import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import accumulate, repeat

from django.db import connection, models
from django.db.backends.postgresql.psycopg_any import DateTimeTZRange
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django_generate_series.models import generate_series

from booking.errors import AvailabilityError
from booking.models import Resource, Venue
from config.prepared import fetch_prepared
from config.rows import from_row, select_list

MAX_WINDOW = dt.timedelta(days=92)
MAX_REPORT_WINDOW = dt.timedelta(days=366)
ANCHORS = ("midnight", "free_start")
BUCKET_DAYS = {"day": 1, "week": 7}
# Local dates of one instant differ by at most this much around the world (UTC-12..+14).
ZONE_SPREAD = dt.timedelta(hours=14)

Period = tuple[dt.datetime, dt.datetime]


@dataclass(frozen=True)
class OccupancyRow:
    resource_id: int
    bucket_start: dt.date  # the local date the day or ISO week starts on
    open: dt.timedelta
    booked: dt.timedelta
    booked_span: Period | None  # smallest period covering the booked time in the bucket

    @property
    def utilisation(self) -> float | None:
        return self.booked / self.open if self.open else None


def resource_free_periods(
    *,
    resource_ids: Iterable[int],
    window,
    now: dt.datetime | None = None,
    ignore_booking_id: int | None = None,
) -> dict[int, list[Period]]:
    """Free periods per active resource within `window`."""
    sql, params = resource_free_periods_query(
        resource_ids=resource_ids, window=window, now=now, ignore_booking_id=ignore_booking_id)
    return resource_free_periods_from_rows(_fetch(sql, params, binary=True))


def resource_free_periods_query(
    *,
    resource_ids: Iterable[int],
    window,
    now: dt.datetime | None = None,
    ignore_booking_id: int | None = None,
) -> tuple[str, list]:
    """resource_free_periods' statement (sql, params), its input checked: sent with
    server-side parameters, results in binary (see _fetch), read by ..._from_rows."""
    return _FREE_PERIODS, [list(resource_ids), _window(window), _now(now), ignore_booking_id]


def resource_free_periods_from_rows(rows: list[tuple]) -> dict[int, list[Period]]:
    """Free periods per resource from resource_free_periods_query's rows."""
    return {resource_id: _periods(free) for resource_id, free in rows}


def resource_slots(
    *,
    resource_ids: Iterable[int],
    window,
    duration: dt.timedelta,
    step: dt.timedelta | None = None,
    anchor: str = "midnight",
    party_size: int | None = None,
    now: dt.datetime | None = None,
    ignore_booking_id: int | None = None,
    max_slots: int | None = None,
) -> dict[int, list[dt.datetime]]:
    """Bookable slot starts per active resource; each slot is [start, start + duration).

    AvailabilityError `too_many_slots` when there are more than `max_slots` in all, counted
    before any is built.
    """
    sql, params = resource_slots_query(
        resource_ids=resource_ids, window=window, duration=duration, step=step, anchor=anchor,
        party_size=party_size, now=now, ignore_booking_id=ignore_booking_id)
    return resource_slots_from_rows(_fetch(sql, params, binary=True), max_slots=max_slots)


def resource_slots_query(
    *,
    resource_ids: Iterable[int],
    window,
    duration: dt.timedelta,
    step: dt.timedelta | None = None,
    anchor: str = "midnight",
    party_size: int | None = None,
    now: dt.datetime | None = None,
    ignore_booking_id: int | None = None,
) -> tuple[str, list]:
    """resource_slots' statement (sql, params), its input checked: sent as
    resource_free_periods_query's, its rows (slot runs) read by resource_slots_from_rows."""
    resource_ids = list(resource_ids)
    window = _window(window)
    _check_positive(duration, "invalid_duration", "duration")
    if step is not None:
        _check_positive(step, "invalid_step", "step")
    if anchor not in ANCHORS:
        raise AvailabilityError(
            f"anchor must be one of {', '.join(ANCHORS)}.", code="invalid_anchor", field="anchor"
        )
    return _SLOT_RUNS_PER_ACTIVE_RESOURCE, [
        resource_ids, window, _now(now), duration, step, anchor, party_size,
        ignore_booking_id, resource_ids,
    ]


def resource_slots_from_rows(
    runs: list[tuple], *, max_slots: int | None = None
) -> dict[int, list[dt.datetime]]:
    """Slot starts per resource from resource_slots_query's rows; AvailabilityError
    `too_many_slots` past `max_slots`."""
    if max_slots is not None and (count := _count_runs(runs)) > max_slots:
        raise AvailabilityError(
            f"This asks for {count:,} slots; at most {max_slots:,} are returned at once. "
            "Use a longer step, fewer resources or a shorter window.",
            code="too_many_slots", field="window")
    return _expand_runs(runs)


def resource_list_free(
    *,
    period,
    party_size: int | None = None,
    queryset: models.QuerySet | None = None,
    now: dt.datetime | None = None,
) -> models.QuerySet:
    """The resources of `queryset` that can be booked for exactly `period` (a filter)."""
    period = _window(period, field="period")
    queryset = Resource.objects.all() if queryset is None else queryset
    ids_sql, ids_params = queryset.order_by().values("pk").query.sql_with_params()
    free_ids = RawSQL(
        f"SELECT booking_list_free(ARRAY({ids_sql}), %s, %s, %s)",
        (*ids_params, period, _now(now), party_size),
    )
    return queryset.filter(pk__in=free_ids)


def resource_first_free_slot(
    *,
    resource_ids: Iterable[int],
    after: dt.datetime,
    duration: dt.timedelta,
    lookahead: dt.timedelta = dt.timedelta(days=14),
    party_size: int | None = None,
    now: dt.datetime | None = None,
) -> dict[int, dt.datetime | None]:
    """Per active resource, the earliest slot (midnight grid) in [after, after + lookahead)."""
    sql, params = resource_first_free_slot_query(
        resource_ids=resource_ids, after=after, duration=duration, lookahead=lookahead,
        party_size=party_size, now=now)
    return dict(_fetch(sql, params, binary=True))


def resource_first_free_slot_query(
    *,
    resource_ids: Iterable[int],
    after: dt.datetime,
    duration: dt.timedelta,
    lookahead: dt.timedelta = dt.timedelta(days=14),
    party_size: int | None = None,
    now: dt.datetime | None = None,
) -> tuple[str, list]:
    """resource_first_free_slot's statement (sql, params), its input checked: sent as
    resource_free_periods_query's; its rows are (resource id, first start or None)."""
    resource_ids = list(resource_ids)
    _check_positive(lookahead, "invalid_window", "lookahead")
    span = None
    if isinstance(after, dt.datetime) and timezone.is_aware(after):
        try:  # + lookahead in elapsed time, not wall-clock time
            span = (after, after.astimezone(dt.UTC) + lookahead)
        except OverflowError:
            raise AvailabilityError(
                "after and the lookahead must end before the year 10000.",
                code="invalid_window", field="after") from None
    elif isinstance(after, dt.datetime):
        span = (after, after)  # naive: refused below
    window = _window(span, field="after")
    _check_positive(duration, "invalid_duration", "duration")
    return _FIRST_SLOT_PER_ACTIVE_RESOURCE, [
        resource_ids, window, _now(now), duration, party_size, resource_ids]


def resource_occupancy(
    *, resource_ids: Iterable[int], window, bucket: str = "day", now: dt.datetime | None = None
) -> list[OccupancyRow]:
    """Open and booked time per active resource per local day or ISO week of `window`."""
    window = _window(window, limit=MAX_REPORT_WINDOW)
    if bucket not in BUCKET_DAYS:
        raise AvailabilityError(
            "bucket must be 'day' or 'week'.", code="invalid_bucket", field="bucket"
        )
    starts_sql, starts_params = _bucket_starts(window, bucket).query.sql_with_params()
    # The span as two counts of microseconds since the epoch, not a tstzrange: psycopg
    # parses a range's text in Python, which took about a quarter of the call (3,000
    # rows); the text format is needed here (see _fetch), so no binary ranges either.
    rows = _fetch(
        "SELECT resource_id, bucket_start, open, booked,"
        " (extract(epoch FROM lower(booked_span)) * 1000000)::bigint,"
        " (extract(epoch FROM upper(booked_span)) * 1000000)::bigint"
        f" FROM booking_occupancy(%s, %s, %s, ARRAY({starts_sql}), %s)",
        [list(resource_ids), window, _now(now), *starts_params, BUCKET_DAYS[bucket]],
    )
    return [
        OccupancyRow(
            rid,
            start,
            open_,
            booked,
            None if lower is None else (_instant(lower), _instant(upper)),
        )
        for rid, start, open_, booked, lower, upper in rows
    ]


def resource_with_venue(*, pk: int) -> Resource | None:
    """The resource (active or not: the booking services say why it cannot be booked) with
    its venue loaded, or None. Written out: every booking request sends it, and the ORM
    took several times the statement to build it."""
    row = _fetch(_RESOURCE_WITH_VENUE, [pk])
    if not row:
        return None
    resource, end = from_row(Resource, row[0])
    resource.venue = from_row(Venue, row[0], end)[0]
    return resource


_RESOURCE_WITH_VENUE = (
    f"SELECT {select_list(Resource, 'r')}, {select_list(Venue, 'v')}"
    " FROM booking_resource r JOIN booking_venue v ON v.id = r.venue_id WHERE r.id = %s")


def validate_timezone_name(name: str) -> zoneinfo.ZoneInfo:
    """The zone for an IANA name given by a client (to render local times)."""
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, TypeError):
        raise AvailabilityError(
            f"{name!r} is not an IANA time zone name.", code="unknown_timezone", field="timeZone"
        ) from None


# --- internals ---------------------------------------------------------------------


def _window(value, *, field: str = "window", limit: dt.timedelta = MAX_WINDOW):
    if hasattr(value, "lower"):
        lower, upper = value.lower, value.upper
    else:
        lower, upper = value or (None, None)
    if getattr(value, "isempty", False) or lower is None or upper is None:
        raise AvailabilityError(
            f"The {field} must have a start and an end.", code="invalid_window", field=field
        )
    if not getattr(value, "lower_inc", True) or getattr(value, "upper_inc", False):
        raise AvailabilityError(
            f"The {field} is [start, end): lowerInc true, upperInc false.",
            code="invalid_window",
            field=field,
        )
    for instant in (lower, upper):
        if not isinstance(instant, dt.datetime) or timezone.is_naive(instant):
            raise AvailabilityError(
                f"The {field} needs datetimes with a time zone offset.",
                code="naive_datetime",
                field=field,
            )
    # Instants, not wall clocks: Python compares and subtracts two datetimes of one zone
    # by their wall-clock readings, ignoring `fold`.
    try:
        lower, upper = lower.astimezone(dt.UTC), upper.astimezone(dt.UTC)
    except OverflowError:  # within a day of year 1 or 9999 with an offset past it
        raise AvailabilityError(
            f"The {field} must lie between the years 1 and 9999 in UTC.",
            code="invalid_window", field=field) from None
    if upper <= lower:
        raise AvailabilityError(
            f"The {field} must end after it starts.", code="invalid_window", field=field
        )
    if upper - lower > limit:
        raise AvailabilityError(
            f"The {field} may be at most {limit.days} days long.",
            code="window_too_long",
            field=field,
        )
    return DateTimeTZRange(lower, upper, "[)")


def _check_positive(value, code: str, field: str) -> None:
    if not isinstance(value, dt.timedelta) or value <= dt.timedelta(0):
        raise AvailabilityError(f"The {field} must be a positive duration.", code=code, field=field)


def _now(now: dt.datetime | None) -> dt.datetime:
    if now is not None and timezone.is_naive(now):
        raise AvailabilityError("now needs a time zone offset.", code="naive_datetime", field="now")
    return now or timezone.now()


def _fetch(sql: str, params: list, *, binary: bool = False) -> list[tuple]:
    """Rows of one statement. With `binary`, results come in PostgreSQL's binary format:
    thousands of slot instants load in about half the time of their text form. That
    needs server-side parameters (so every placeholder carries an explicit cast); the
    cursor still goes through Django's wrapper, which logs and counts it."""
    if not binary:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()
    # Prepared: the SQL functions are inlined into the statement, whose planning took
    # 2-3 ms a call. PostgreSQL re-plans a prepared statement when a function it inlined
    # changes.
    return fetch_prepared(sql, params, binary=True)


_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def _instant(microseconds: int) -> dt.datetime:
    return _EPOCH + dt.timedelta(microseconds=microseconds)


def _periods(multirange) -> list[Period]:
    return [(part.lower, part.upper) for part in multirange]


_FREE_PERIODS = (
    "SELECT resource_id, free"
    " FROM booking_free_periods(%s::bigint[], %s::tstzrange, %s::timestamptz, %s::bigint)")

# The slot runs of each active requested resource (booking_slot_runs, sorted by start);
# one row with NULLs for a resource without any.
_SLOT_RUNS_PER_ACTIVE_RESOURCE = """
    SELECT r.id, run.first_start, run.last_start, run.step
    FROM booking_resource r
    LEFT JOIN booking_slot_runs(%s::bigint[], %s::tstzrange, %s::timestamptz, %s::interval,
                                %s::interval, %s::text, %s::integer, %s::bigint) AS run
           ON run.resource_id = r.id
    WHERE r.id = ANY (%s::bigint[]) AND r.is_active
    ORDER BY r.id, run.first_start
"""


# One row per active requested resource, also those without a single slot. The earliest
# slot is the first start of the earliest run: no slot is built.
_FIRST_SLOT_PER_ACTIVE_RESOURCE = """
    SELECT r.id, min(run.first_start)
    FROM booking_resource r
    LEFT JOIN booking_slot_runs(%s::bigint[], %s::tstzrange, %s::timestamptz, %s::interval,
                                NULL, 'midnight', %s::integer) AS run
           ON run.resource_id = r.id
    WHERE r.id = ANY (%s::bigint[]) AND r.is_active
    GROUP BY r.id
    ORDER BY r.id
"""


def _count_runs(runs: list[tuple]) -> int:
    """The number of slot starts the runs (resource, first, last, step) hold."""
    return sum((last - first) // step + 1 for _, first, last, step in runs if first is not None)


def _expand_runs(runs: list[tuple]) -> dict[int, list[dt.datetime]]:
    """Slot starts from rows (resource, first, last, step): first + k * step up to last.

    About 10,000 starts for 100 resources over a week: built here from some 600 runs,
    instead of being built, sorted, aggregated and sent by PostgreSQL. timedelta
    arithmetic is exact (microseconds, like timestamptz), and in UTC elapsed time equals
    wall-clock time, so `t + step` is the instant generate_series would give."""
    slots: dict[int, list[dt.datetime]] = {}
    unsorted = set()
    for resource_id, first, last, step in runs:
        starts = slots.setdefault(resource_id, [])
        if first is None:
            continue
        start, last = first.astimezone(dt.UTC), last.astimezone(dt.UTC)
        if starts and starts[-1] >= start:  # not expected: the runs are disjoint and sorted
            unsorted.add(resource_id)
        # start, start + step, ... (n values): the additions run in C.
        starts.extend(accumulate(repeat(step, (last - start) // step), initial=start))
    for resource_id in unsorted:
        slots[resource_id].sort()
    return slots


def _bucket_starts(window: DateTimeTZRange, bucket: str) -> models.QuerySet:
    """Candidate local start dates of the buckets, for every time zone on Earth."""
    # In UTC first: .date() of an aware datetime is its date in its own zone.
    first = (window.lower.astimezone(dt.UTC) - ZONE_SPREAD).date()
    last = (window.upper.astimezone(dt.UTC) + ZONE_SPREAD).date()
    if bucket == "week":
        first -= dt.timedelta(days=first.weekday())  # the Monday of its ISO week
    return generate_series(
        start=first, stop=last, step=f"{BUCKET_DAYS[bucket]} days", output_field=models.DateField
    )

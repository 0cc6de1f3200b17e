"""A plain-Python reference implementation of docs/availability.md.

It proves `booking/selectors.py` (SQL) on random data, so it is written to be obviously
right, not fast: intervals are sorted lists of `(lower, upper)` pairs of UTC instants,
merged and cut by hand, and local times become instants with zoneinfo following
PostgreSQL's rule. Only `load()` touches the database; everything else is pure Python.

The functions answer for one resource; the selectors leave inactive resources out of
their dicts, so callers skip `ResourceData.is_active == False` (`free_during` checks it,
as `resource_list_free` is a filter).
"""

import datetime as dt
import zoneinfo
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from django.db.models import Prefetch

from booking.models import Booking, Resource

UTC = dt.UTC
# Stands for the open upper end of an unbounded closure.
FOREVER = dt.datetime.max.replace(tzinfo=UTC)

Interval = tuple[dt.datetime, dt.datetime]


@dataclass(frozen=True)
class Rule:
    weekday: int  # ISO: Monday = 1
    hours: tuple[int, int]  # minutes after local midnight, [a, b)
    valid_from: dt.date | None  # valid_during [from, to); None = unbounded
    valid_to: dt.date | None


@dataclass(frozen=True)
class BookingRow:
    id: int
    period: Interval
    blocked: Interval
    status: str
    hold_expires_at: dt.datetime | None


@dataclass
class ResourceData:
    id: int
    timezone: str
    is_active: bool
    capacity: tuple[int, int]  # party sizes [lower, upper)
    turnaround: dt.timedelta
    min_notice: dt.timedelta
    horizon: dt.timedelta
    min_length: dt.timedelta
    max_length: dt.timedelta
    slot_step: dt.timedelta
    rules: list[Rule] = field(default_factory=list)
    # Special hours per local date; an entry None = closed all day.
    special: dict[dt.date, list[tuple[int, int] | None]] = field(default_factory=dict)
    # The resource's and its venue's closures; upper None = until further notice.
    closures: list[tuple[dt.datetime, dt.datetime | None]] = field(default_factory=list)
    bookings: list[BookingRow] = field(default_factory=list)


# --- Loading (the only database access) -------------------------------------------------


def load(resource_ids: Iterable[int]) -> dict[int, ResourceData]:
    """Everything the rules read about these resources, in six queries."""
    bookings = Booking.objects.only(
        "id", "resource_id", "period", "blocked", "status", "hold_expires_at"
    )
    resources = (
        Resource.objects.filter(pk__in=list(resource_ids))
        .select_related("venue")
        .prefetch_related(
            "opening_hours", "special_hours", "closures", "venue__closures",
            Prefetch("bookings", queryset=bookings),
        )
    )
    return {resource.pk: _resource_data(resource) for resource in resources}


def _resource_data(resource: Resource) -> ResourceData:
    special = defaultdict(list)
    for row in resource.special_hours.all():
        special[row.date].append(None if row.hours is None else _int_range(row.hours))
    closures = [*resource.closures.all(), *resource.venue.closures.all()]
    return ResourceData(
        id=resource.pk,
        timezone=resource.venue.timezone,
        is_active=resource.is_active,
        capacity=_int_range(resource.capacity),
        turnaround=resource.turnaround,
        min_notice=resource.min_notice,
        horizon=resource.horizon,
        min_length=resource.min_length,
        max_length=resource.max_length,
        slot_step=resource.slot_step,
        rules=[
            Rule(rule.weekday, _int_range(rule.hours),
                 rule.valid_during.lower, rule.valid_during.upper)
            for rule in resource.opening_hours.all()
        ],
        special=dict(special),
        closures=[(_utc(c.period.lower), _utc(c.period.upper)) for c in closures],
        bookings=[
            BookingRow(b.pk, _utc_range(b.period), _utc_range(b.blocked), b.status,
                       _utc(b.hold_expires_at))
            for b in resource.bookings.all()
        ],
    )


def _int_range(value) -> tuple[int, int]:
    # int4range is canonical: always [lower, upper).
    return (value.lower, value.upper)


def _utc(instant: dt.datetime | None) -> dt.datetime | None:
    return None if instant is None else instant.astimezone(UTC)


def _utc_range(value) -> Interval:
    return (_utc(value.lower), _utc(value.upper))


# --- Intervals: sorted lists of disjoint, non-empty, non-touching [lower, upper) ---------


def normalize(intervals: Iterable[Interval]) -> list[Interval]:
    """Sort, drop empty intervals, and merge overlapping or touching ones."""
    merged: list[Interval] = []
    for lower, upper in sorted(i for i in intervals if i[0] < i[1]):
        if merged and lower <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], upper))
        else:
            merged.append((lower, upper))
    return merged


def subtract(minuend: Iterable[Interval], subtrahend: Iterable[Interval]) -> list[Interval]:
    """The instants of `minuend` that are in no interval of `subtrahend`."""
    holes = normalize(subtrahend)
    result = []
    for lower, upper in normalize(minuend):
        for hole_lower, hole_upper in holes:
            if hole_upper <= lower or hole_lower >= upper:
                continue
            result.append((lower, hole_lower))
            lower = hole_upper
        result.append((lower, upper))  # empty if a hole reached the end: dropped
    return normalize(result)


def intersect(left: Iterable[Interval], right: Iterable[Interval]) -> list[Interval]:
    right = normalize(right)
    return normalize((max(a, c), min(b, d)) for a, b in normalize(left) for c, d in right)


def length(intervals: Iterable[Interval]) -> dt.timedelta:
    return sum((upper - lower for lower, upper in normalize(intervals)), dt.timedelta(0))


# --- Local time -------------------------------------------------------------------------


def local_instant(zone: str, day: dt.date, minutes: int) -> dt.datetime:
    """L(D, m): the instant of `minutes` after local midnight of `day`, as PostgreSQL's
    `timestamp AT TIME ZONE zone` reads it."""
    tz = zoneinfo.ZoneInfo(zone)
    wall = dt.datetime.combine(day, dt.time()) + dt.timedelta(minutes=minutes)
    earlier, later = wall.replace(tzinfo=tz, fold=0), wall.replace(tzinfo=tz, fold=1)
    exists = earlier.astimezone(UTC).astimezone(tz).replace(tzinfo=None) == wall
    if not exists:
        return earlier.astimezone(UTC)  # skipped: the offset in force before the jump
    if earlier.utcoffset() != later.utcoffset():
        return later.astimezone(UTC)  # repeated: the later instant
    return earlier.astimezone(UTC)


def midnight(zone: str, day: dt.date) -> dt.datetime:
    """mid(D)."""
    return local_instant(zone, day, 0)


def local_date(zone: str, instant: dt.datetime) -> dt.date:
    return instant.astimezone(zoneinfo.ZoneInfo(zone)).date()


def dates(first: dt.date, last: dt.date) -> Iterator[dt.date]:
    """Every date from `first` to `last`, both included."""
    day = first
    while day <= last:
        yield day
        day += dt.timedelta(days=1)


# --- Open, closed, busy -----------------------------------------------------------------


def hours_of(res: ResourceData, day: dt.date) -> list[tuple[int, int]]:
    """The hours ranges of a local date: its special hours if it has any, else its rules."""
    if day in res.special:
        return [hours for hours in res.special[day] if hours is not None]
    return [
        rule.hours for rule in res.rules
        if rule.weekday == day.isoweekday()
        and (rule.valid_from is None or rule.valid_from <= day)
        and (rule.valid_to is None or day < rule.valid_to)
    ]


def open_time(res: ResourceData, lower: dt.datetime, upper: dt.datetime) -> list[Interval]:
    """Open for the local dates of the range [lower, upper) (not clipped to it), from the
    date before: where midnight repeats, that date's hours can reach past `lower`."""
    intervals = []
    first = local_date(res.timezone, lower) - dt.timedelta(days=1)
    for day in dates(first, local_date(res.timezone, upper)):
        for a, b in hours_of(res, day):
            opens = local_instant(res.timezone, day, a)
            intervals.append((opens, max(opens, local_instant(res.timezone, day, b))))
    return normalize(intervals)


def closed_time(res: ResourceData) -> list[Interval]:
    return normalize((lower, upper or FOREVER) for lower, upper in res.closures)


def busy_bookings(res: ResourceData, now: dt.datetime, ignore_booking_id=None):
    """Confirmed bookings and live holds, except the ignored one."""
    return [
        b for b in res.bookings
        if b.id != ignore_booking_id
        and (b.status == "confirmed" or (b.status == "held" and b.hold_expires_at > now))
    ]


def busy_time(res: ResourceData, now: dt.datetime, ignore_booking_id=None) -> list[Interval]:
    return normalize(b.blocked for b in busy_bookings(res, now, ignore_booking_id))


def bookable_bounds(res: ResourceData, now: dt.datetime) -> list[Interval]:
    return normalize([(now + res.min_notice, now + res.horizon)])


# --- Free periods and slots -------------------------------------------------------------


def free_periods(res: ResourceData, window: Interval, now: dt.datetime,
                 ignore_booking_id=None) -> list[Interval]:
    """(Open − Closed − Busy) ∩ window ∩ B."""
    window, now = _instants(window), now.astimezone(UTC)
    free = subtract(open_time(res, *window), closed_time(res))
    free = subtract(free, busy_time(res, now, ignore_booking_id))
    return intersect(intersect(free, [window]), bookable_bounds(res, now))


def offers(res: ResourceData, duration: dt.timedelta, party_size: int | None) -> bool:
    """Whether the resource offers slots of this duration for this party at all."""
    if party_size is not None and not res.capacity[0] <= party_size < res.capacity[1]:
        return False
    return res.min_length <= duration <= res.max_length


def slots(res: ResourceData, window: Interval, now: dt.datetime, duration: dt.timedelta,
          step: dt.timedelta | None = None, anchor: str = "midnight",
          party_size: int | None = None, ignore_booking_id=None) -> list[dt.datetime]:
    """Sorted slot starts; each slot is [s, s + duration)."""
    if not offers(res, duration, party_size):
        return []
    window, now, step = _instants(window), now.astimezone(UTC), step or res.slot_step
    busy = busy_time(res, now, ignore_booking_id)
    starts = set()
    for lower, upper in free_periods(res, window, now, ignore_booking_id):
        latest = upper - duration
        following = [busy_lower for busy_lower, _ in busy if busy_lower >= upper]
        if following:  # the turnaround may not run into the next busy interval
            latest = min(latest, min(following) - duration - res.turnaround)
        grid = midnight_grid(res.timezone, lower, upper, step) if anchor == "midnight" \
            else lower_grid(lower, upper, step)
        starts.update(s for s in grid if lower <= s <= latest)
    return sorted(starts)


def midnight_grid(zone: str, lower: dt.datetime, upper: dt.datetime,
                  step: dt.timedelta) -> Iterator[dt.datetime]:
    """mid(D) + k × step (k >= 0, before mid(D + 1)), for each date D, within [lower, upper)."""
    one_day = dt.timedelta(days=1)
    for day in dates(local_date(zone, lower) - one_day, local_date(zone, upper) + one_day):
        start, end = midnight(zone, day), midnight(zone, day + one_day)
        s = start + _ceil_div(max(lower - start, dt.timedelta(0)), step) * step
        while s < end and s < upper:
            yield s
            s += step


def lower_grid(lower: dt.datetime, upper: dt.datetime,
               step: dt.timedelta) -> Iterator[dt.datetime]:
    """lower + k × step (k >= 0), within [lower, upper)."""
    s = lower
    while s < upper:
        yield s
        s += step


def _instants(window) -> Interval:
    # In UTC, so that `+ timedelta` adds elapsed time, not wall-clock time.
    lower, upper = window
    return (lower.astimezone(UTC), upper.astimezone(UTC))


def _ceil_div(numerator: dt.timedelta, denominator: dt.timedelta) -> int:
    return -(-numerator // denominator)


def free_during(res: ResourceData, period: Interval, now: dt.datetime,
                party_size: int | None = None) -> bool:
    """Whether the resource could be booked for exactly `period` (resource_list_free)."""
    period, now = _instants(period), now.astimezone(UTC)
    start, end = period
    if not res.is_active or not offers(res, end - start, party_size):
        return False
    if free_periods(res, period, now) != [period]:
        return False
    return not intersect(busy_time(res, now), [(start, end + res.turnaround)])


def first_free_slot(res: ResourceData, after: dt.datetime, duration: dt.timedelta,
                    now: dt.datetime, lookahead: dt.timedelta = dt.timedelta(days=14),
                    party_size: int | None = None) -> dt.datetime | None:
    """The earliest slot (midnight grid, default step) in [after, after + lookahead)."""
    after = after.astimezone(UTC)
    starts = slots(res, (after, after + lookahead), now, duration, party_size=party_size)
    return starts[0] if starts else None


# --- Occupancy --------------------------------------------------------------------------


def occupancy(res: ResourceData, window: Interval, now: dt.datetime, bucket: str = "day",
              ) -> list[tuple[dt.date, dt.timedelta, dt.timedelta, float | None]]:
    """(bucket start, open, booked, utilisation) per local day or week overlapping `window`."""
    window, now = _instants(window), now.astimezone(UTC)
    periods = [b.period for b in busy_bookings(res, now)]
    rows = []
    for first_day, bucket_range in buckets(res.timezone, window, bucket):
        part = intersect([bucket_range], [window])
        if not part:
            continue
        available = intersect(subtract(open_time(res, *part[0]), closed_time(res)), part)
        open_length = length(available)
        booked_length = length(intersect(periods, available))
        utilisation = booked_length / open_length if open_length else None
        rows.append((first_day, open_length, booked_length, utilisation))
    return rows


def buckets(zone: str, window: Interval, bucket: str) -> Iterator[tuple[dt.date, Interval]]:
    """Candidate buckets around the window: (first local date, [mid(first), mid(next)))."""
    days = {"day": 1, "week": 7}[bucket]
    first = local_date(zone, window[0]) - dt.timedelta(days=days)
    if bucket == "week":
        first -= dt.timedelta(days=first.isoweekday() - 1)
    last = local_date(zone, window[1]) + dt.timedelta(days=1)
    day = first
    while day <= last:
        following = day + dt.timedelta(days=days)
        yield day, (midnight(zone, day), midnight(zone, following))
        day = following

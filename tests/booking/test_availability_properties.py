"""The availability selectors (SQL) agree exactly with the plain-Python reference.

Hypothesis builds resources in several time zones around DST changes, with weekly rules,
seasons, special hours, closures and bookings of every status; each example's rows are
inserted through the ORM inside a savepoint that is rolled back afterwards. Failing
examples found locally are kept in `hypothesis-examples/` (replayed, read-only on CI).
"""

import datetime as dt
import os
import zoneinfo
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.backends.postgresql.psycopg_any import DateRange, DateTimeTZRange, NumericRange
from hypothesis import HealthCheck, event, example, given, seed, settings
from hypothesis import strategies as st
from hypothesis.control import currently_in_test_context
from hypothesis.database import DirectoryBasedExampleDatabase, ReadOnlyDatabase

from booking.errors import AvailabilityError
from booking.models import Booking, Category, Closure, OpeningHours, Resource, SpecialHours, Venue
from booking.selectors import (
    resource_first_free_slot,
    resource_free_periods,
    resource_list_free,
    resource_occupancy,
    resource_slots,
)
from tests.booking import availability_reference as ref
from tests.booking.availability_reference import Rule

pytestmark = pytest.mark.slow

UTC = dt.UTC
MINUTE = dt.timedelta(minutes=1)
HOUR = dt.timedelta(hours=1)
# Havana moves its clocks at midnight: local dates and [mid(D), mid(D + 1)) part ways.
ZONES = ["Europe/Berlin", "America/Chicago", "America/New_York", "Asia/Kolkata",
         "Asia/Kathmandu", "Australia/Lord_Howe", "UTC", "America/Havana"]
# Zones the caller's aware datetimes are written in: any offset is allowed.
INPUT_ZONES = ["UTC", "America/Chicago", "Asia/Kathmandu", "Pacific/Kiritimati",
               "Pacific/Pago_Pago"]
ACTIVE = ("held", "confirmed")
EXAMPLES = DirectoryBasedExampleDatabase(Path(__file__).parent / "hypothesis-examples")


def dst_changes(zone: str) -> list[dt.datetime]:
    """The hours (UTC) in 2026-2027 at whose end the zone's offset changes."""
    tz, day = zoneinfo.ZoneInfo(zone), dt.datetime(2026, 1, 1, tzinfo=UTC)

    def changes(start: dt.datetime, step: dt.timedelta, count: int) -> list[dt.datetime]:
        return [start + i * step for i in range(count)
                if (start + i * step).astimezone(tz).utcoffset()
                != (start + (i + 1) * step).astimezone(tz).utcoffset()]

    return [hour for day in changes(day, 24 * HOUR, 730) for hour in changes(day, HOUR, 24)]


MONTH_ENDS = [dt.datetime(2026, 1, 31, 20, tzinfo=UTC), dt.datetime(2027, 2, 28, 12, tzinfo=UTC),
              dt.datetime(2027, 12, 31, 18, tzinfo=UTC)]
# (zone, instant) pairs that windows are built around.
ANCHORS = [(zone, change) for zone in ZONES for change in dst_changes(zone)]
ANCHORS += [(zone, end) for zone in ("Asia/Kolkata", "Asia/Kathmandu", "UTC") for end in MONTH_ENDS]


# --- The generated scenario ----------------------------------------------------------------


@dataclass(frozen=True)
class BookingSpec:
    start: dt.datetime
    end: dt.datetime
    status: str
    hold_expires_at: dt.datetime | None


@dataclass(frozen=True)
class ResourceSpec:
    venue: int  # index into Scenario.venues
    is_active: bool
    capacity: tuple[int, int]
    turnaround: dt.timedelta  # when the bookings are written
    turnaround_now: dt.timedelta  # after they are written
    min_notice: dt.timedelta
    horizon: dt.timedelta
    min_length: dt.timedelta
    max_length: dt.timedelta
    slot_step: dt.timedelta
    rules: tuple[Rule, ...]
    special: tuple[tuple[dt.date, tuple[int, int] | None], ...]
    closures: tuple[tuple[dt.datetime, dt.datetime | None], ...]
    bookings: tuple[BookingSpec, ...]


@dataclass(frozen=True)
class Query:
    window: tuple[dt.datetime, dt.datetime]
    now: dt.datetime
    duration: dt.timedelta
    step: dt.timedelta | None
    anchor: str
    party_size: int | None
    ignore: int | None  # index into the inserted bookings
    period: int | None  # index into the reference's slots, else a period at window start
    bucket: str
    lookahead: dt.timedelta
    input_zone: str  # the zone the aware inputs are written in
    as_range: bool  # window and period as psycopg ranges instead of tuples


@dataclass(frozen=True)
class Scenario:
    venues: tuple[tuple[str, tuple[tuple[dt.datetime, dt.datetime | None], ...]], ...]
    resources: tuple[ResourceSpec, ...]
    query: Query


def minutes(low: int, high: int, multiple: int = 1):
    return st.integers(low // multiple, high // multiple).map(lambda k: k * multiple * MINUTE)


HOURS_BOUNDARY = st.one_of(
    st.sampled_from([0, 60, 90, 120, 135, 150, 180, 210, 540, 1020, 1320, 1440]),
    st.integers(0, 96).map(lambda quarter: 15 * quarter),
)


@st.composite
def day_hours(draw) -> tuple[tuple[int, int], ...]:
    """Disjoint hours ranges of one day, some touching (separate rows that meet)."""
    if draw(st.integers(0, 2)) == 0:
        return ((0, 1440),)
    points = sorted(set(draw(st.lists(HOURS_BOUNDARY, min_size=2, max_size=6))))
    return tuple(gap for gap in zip(points, points[1:], strict=False)
                 if draw(st.integers(0, 2)) < 2)


@st.composite
def weekly_rules(draw, around: dt.date) -> tuple[Rule, ...]:
    """Rules in one to two seasons; weekdays share one of a few day templates."""
    split = around + dt.timedelta(days=draw(st.integers(-3, 3)))
    seasons = draw(st.sampled_from([
        [(None, None)], [(None, split), (split, None)], [(None, split), (split, None)],
        [(split, split + dt.timedelta(days=draw(st.integers(1, 4))))],
    ]))
    templates = draw(st.lists(day_hours(), min_size=1, max_size=3))
    rules = []
    for valid_from, valid_to in seasons:
        for weekday in range(1, 8):
            if draw(st.integers(0, 4)) == 4:
                continue  # no rule that day
            hours = templates[draw(st.integers(0, len(templates) - 1))]
            rules += [Rule(weekday, h, valid_from, valid_to) for h in hours]
    return tuple(rules)


@st.composite
def special_hours(draw, around: dt.date):
    days = draw(st.lists(st.integers(-1, 3), unique=True, max_size=2))
    special = []
    for offset in days:
        day = around + dt.timedelta(days=offset)
        hours = () if draw(st.integers(0, 2)) == 0 else draw(day_hours())
        special += [(day, h) for h in hours] or [(day, None)]
    return tuple(special)


@st.composite
def closures(draw, window, max_size: int):
    length = int((window[1] - window[0]) / MINUTE)
    result = []
    for _ in range(draw(st.integers(0, max_size))):
        start = window[0] + draw(minutes(-24 * 60, length + 24 * 60, 15))
        end = None if draw(st.integers(0, 5)) == 0 else start + draw(minutes(15, 48 * 60, 15))
        result.append((start, end))
    return tuple(result)


@st.composite
def bookings(draw, window, now, turnaround):
    length = int((window[1] - window[0]) / MINUTE)
    result = []
    for _ in range(draw(st.integers(0, 7))):
        if result and draw(st.booleans()):  # back to back with the previous one
            previous = result[-1]
            start = previous.end + draw(st.sampled_from([dt.timedelta(0), turnaround]))
        else:
            start = window[0] + draw(minutes(-12 * 60, length + 12 * 60, 5))
        end = start + draw(minutes(15, 240, 5))
        status = draw(st.sampled_from(["confirmed", "confirmed", "held", "cancelled", "expired"]))
        expires = now + draw(st.sampled_from([-HOUR, dt.timedelta(0), MINUTE, HOUR]))
        result.append(BookingSpec(start, end, status, expires if status == "held" else None))
    return tuple(result)


DURATIONS = [60, 30, 90, 15, 45, 50, 120, 180]
STEPS = [30, 15, 20, 45, 50, 60, 90, 300, 1500]


@st.composite
def resources(draw, venue_count: int, window, now, zone_of):
    specs = []
    for _ in range(draw(st.integers(1, 3))):
        venue = draw(st.integers(0, venue_count - 1))
        around = window[0].astimezone(zoneinfo.ZoneInfo(zone_of[venue])).date()
        turnaround = draw(st.sampled_from([0, 0, 10, 15, 30, 45, 90])) * MINUTE
        min_length = draw(st.sampled_from([15, 15, 15, 30, 60])) * MINUTE
        specs.append(ResourceSpec(
            venue=venue,
            is_active=draw(st.integers(0, 9)) > 0,
            capacity=draw(st.sampled_from([(1, 5), (2, 9), (1, 2), (4, 13)])),
            turnaround=turnaround,
            turnaround_now=draw(st.sampled_from([turnaround, turnaround, 0 * MINUTE, 20 * MINUTE])),
            min_notice=draw(st.sampled_from([0, 0, 15, 120, 1440])) * MINUTE,
            horizon=draw(st.sampled_from(8 * [180] + [1 / 24, 0.25, 1, 3])) * 1440 * MINUTE,
            min_length=min_length,
            max_length=min_length + draw(st.sampled_from([420, 420, 420, 420, 150, 0])) * MINUTE,
            slot_step=draw(st.sampled_from(STEPS)) * MINUTE,
            rules=draw(weekly_rules(around)),
            special=draw(special_hours(around)),
            closures=draw(closures(window, 2)),
            bookings=draw(bookings(window, now, turnaround)),
        ))
    return tuple(specs)


@st.composite
def scenarios(draw) -> Scenario:
    anchor_zone, anchor = draw(st.sampled_from(ANCHORS))
    # Often right at the change, where a free period may start inside a skipped or
    # repeated hour.
    start = anchor + draw(st.one_of(minutes(-48 * 60, 12 * 60, 15), minutes(-120, 120, 15)))
    start += draw(st.sampled_from([0, 0, 7])) * MINUTE
    days = minutes(30, 4 * 24 * 60, 15)
    window = (start, start + draw(st.one_of(
        days, days, days, days, minutes(30, 6 * 60, 15), minutes(4 * 1440, 21 * 1440, 60))))
    length = int((window[1] - window[0]) / MINUTE)
    now = window[0] + draw(st.one_of(
        minutes(-6 * 60, 0), minutes(-3 * 24 * 60, length), minutes(-60 * 1440, 0, 1440)))
    now += draw(st.sampled_from([0, 0, 0, 17, 1234567])) * dt.timedelta(microseconds=1)
    zones = [anchor_zone if draw(st.booleans()) else draw(st.sampled_from(ZONES))
             for _ in range(draw(st.integers(1, 2)))]
    venues = tuple((zone, draw(closures(window, 1))) for zone in zones)
    step = draw(st.sampled_from([None, *STEPS]))
    query = Query(
        window=window,
        now=now,
        duration=draw(st.sampled_from(DURATIONS)) * MINUTE,
        step=step and step * MINUTE,
        anchor=draw(st.sampled_from(["midnight", "free_start"])),
        party_size=draw(st.one_of(st.none(), st.none(), st.none(), st.integers(1, 13))),
        ignore=draw(st.one_of(st.none(), st.integers(0, 20))),
        period=draw(st.one_of(st.none(), st.integers(0, 1000))),
        bucket=draw(st.sampled_from(["day", "week"])),
        lookahead=draw(st.sampled_from([HOUR, 24 * HOUR, 3 * 24 * HOUR, 14 * 24 * HOUR])),
        input_zone=draw(st.sampled_from(INPUT_ZONES)),
        as_range=draw(st.booleans()),
    )
    return Scenario(venues, draw(resources(len(venues), window, now, zones)), query)


# --- Writing the rows ----------------------------------------------------------------------


def insert(scenario: Scenario, category, customer, venues_by_zone
           ) -> tuple[list[int], list[int]]:
    """Create the scenario's rows; the ids of its resources and of its inserted bookings."""
    used, venues = Counter(), []
    for zone, _ in scenario.venues:  # the first unused venue of the zone
        venues.append(venues_by_zone[zone][used[zone]])
        used[zone] += 1
    resources = Resource.objects.bulk_create(
        Resource(venue=venues[spec.venue], category=category, name=f"R{i}", slug=f"r{i}",
                 capacity=NumericRange(*spec.capacity), turnaround=spec.turnaround,
                 min_notice=spec.min_notice, horizon=spec.horizon, min_length=spec.min_length,
                 max_length=spec.max_length, slot_step=spec.slot_step,
                 is_active=spec.is_active)
        for i, spec in enumerate(scenario.resources)
    )
    pairs = list(zip(resources, scenario.resources, strict=True))
    OpeningHours.objects.bulk_create(
        OpeningHours(resource=r, weekday=rule.weekday, hours=NumericRange(*rule.hours),
                     valid_during=DateRange(rule.valid_from, rule.valid_to, "[)"))
        for r, spec in pairs for rule in spec.rules
    )
    SpecialHours.objects.bulk_create(
        SpecialHours(resource=r, date=day, hours=hours and NumericRange(*hours))
        for r, spec in pairs for day, hours in spec.special
    )
    Closure.objects.bulk_create(
        [Closure(venue=v, period=DateTimeTZRange(lo, hi, "[)"))
         for v, (_, periods) in zip(venues, scenario.venues, strict=True) for lo, hi in periods]
        + [Closure(resource=r, period=DateTimeTZRange(lo, hi, "[)"))
           for r, spec in pairs for lo, hi in spec.closures]
    )
    booked = Booking.objects.bulk_create(
        Booking(resource=r, customer=customer, period=DateTimeTZRange(b.start, b.end, "[)"),
                status=b.status, hold_expires_at=b.hold_expires_at)
        for r, spec in pairs for b in without_conflicts(spec)
    )
    for r, spec in pairs:
        if spec.turnaround_now != spec.turnaround:
            Resource.objects.filter(pk=r.pk).update(turnaround=spec.turnaround_now)
    return [r.pk for r in resources], [b.pk for b in booked]


def without_conflicts(spec: ResourceSpec) -> list[BookingSpec]:
    """The bookings booking_no_overlap accepts in order: held and confirmed ones whose
    blocked periods overlap an earlier accepted one are left out."""
    accepted, blocked = [], []
    for b in spec.bookings:
        span = (b.start, b.end + spec.turnaround)
        if b.status in ACTIVE:
            if ref.intersect([span], blocked):
                continue
            blocked.append(span)
        accepted.append(b)
    return accepted


# --- The comparison --------------------------------------------------------------------------


def tally(label: str) -> None:
    """Count an outcome in --hypothesis-show-statistics (check() also runs in plain tests)."""
    if currently_in_test_context():
        event(label)


def written_in(zone: str, *instants: dt.datetime) -> tuple[dt.datetime, ...]:
    return tuple(instant.astimezone(zoneinfo.ZoneInfo(zone)) for instant in instants)


def assert_utc(instants) -> None:
    assert all(i.utcoffset() == dt.timedelta(0) for i in instants)


def check(query: Query, ids: list[int], booking_ids: list[int]) -> None:
    """Every selector's answer equals the reference's, for all resources at once."""
    data = ref.load(ids)
    active = [res for res in data.values() if res.is_active]
    asked = [*ids, ids[0], max(ids) + 10_000]  # a repeated id counts once, unknown ones not
    window = written_in(query.input_zone, *query.window)
    (now,) = written_in(query.input_zone, query.now)
    ignore = booking_ids[query.ignore % len(booking_ids)] if query.ignore is not None \
        and booking_ids else None

    window_arg = as_argument(query, window)
    free = resource_free_periods(resource_ids=asked, window=window_arg, now=now,
                                 ignore_booking_id=ignore)
    assert free == {r.id: ref.free_periods(r, window, now, ignore) for r in active}
    tally(f"bookings written: {min(len(booking_ids), 5)}+, ignoring one: {ignore is not None}")
    assert_utc(i for periods in free.values() for period in periods for i in period)

    slot_args = {"duration": query.duration, "step": query.step, "anchor": query.anchor,
                 "party_size": query.party_size, "ignore_booking_id": ignore}
    expected_slots = {r.id: ref.slots(r, window, now, **slot_args) for r in active}
    got_slots = resource_slots(resource_ids=asked, window=window_arg, now=now, **slot_args)
    assert got_slots == expected_slots
    tally("slots: " + ("some" if any(expected_slots.values()) else "none"))
    assert_utc(s for starts in got_slots.values() for s in starts)

    period = pick_period(query, expected_slots)
    chosen = Resource.objects.filter(pk__in=ids)
    listed = resource_list_free(period=as_argument(query, period), party_size=query.party_size,
                                queryset=chosen, now=now)
    expected_free = {
        r.id for r in data.values() if ref.free_during(r, period, now, query.party_size)
    }
    assert set(listed.values_list("pk", flat=True)) == expected_free
    tally("list_free: " + ("some" if expected_free else "none"))

    first = resource_first_free_slot(resource_ids=asked, after=window[0], now=now,
                                     duration=query.duration, lookahead=query.lookahead,
                                     party_size=query.party_size)
    expected_first = {r.id: ref.first_free_slot(r, window[0], query.duration, now,
                                                query.lookahead, query.party_size)
                      for r in active}
    assert first == expected_first
    tally("first free slot: " + ("some" if any(expected_first.values()) else "none"))

    rows = resource_occupancy(resource_ids=asked, window=window_arg, bucket=query.bucket,
                              now=now)
    expected_rows = [(r.id, *row) for r in sorted(active, key=lambda r: r.id)
                     for row in ref.occupancy(r, window, now, query.bucket)]
    assert [(o.resource_id, o.bucket_start, o.open, o.booked, o.utilisation)
            for o in rows] == expected_rows
    tally("occupancy: " + ("booked" if any(row[3] for row in expected_rows) else "none booked"))


def as_argument(query: Query, pair: tuple[dt.datetime, dt.datetime]):
    return DateTimeTZRange(*pair, "[)") if query.as_range else pair


def pick_period(query: Query, slots: dict[int, list[dt.datetime]]):
    """A period to ask resource_list_free about: often a slot the reference offers."""
    starts = sorted(s for found in slots.values() for s in found)
    if query.period is not None and starts:
        start = starts[query.period % len(starts)]
    else:
        start = query.window[0]
    return written_in(query.input_zone, start, start + query.duration)


# --- Hand-made scenarios -----------------------------------------------------------------------

ALL_DAY = tuple(Rule(day, (0, 1440), None, None) for day in range(1, 8))


def utc(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


def room(**fields) -> ResourceSpec:
    """An active resource open all day, without closures or bookings."""
    values = {
        "venue": 0, "is_active": True, "capacity": (1, 5), "turnaround": dt.timedelta(0),
        "turnaround_now": dt.timedelta(0), "min_notice": dt.timedelta(0),
        "horizon": dt.timedelta(days=180), "min_length": 15 * MINUTE, "max_length": 8 * HOUR,
        "slot_step": 15 * MINUTE, "rules": ALL_DAY, "special": (), "closures": (), "bookings": (),
    }
    return ResourceSpec(**{**values, **fields})


def one_room(zone: str, window, *, input_zone: str = "UTC", duration=15 * MINUTE,
             **fields) -> Scenario:
    query = Query(window=window, now=window[0], duration=duration, step=None,
                  anchor="midnight", party_size=None, ignore=None, period=None, bucket="day",
                  lookahead=HOUR, input_zone=input_zone, as_range=False)
    return Scenario(((zone, ()),), (room(**fields),), query)


# --- The test --------------------------------------------------------------------------------


@pytest.fixture
def rows_for_all_examples(db):
    """Shared by all examples: venues, a category and a customer are the same for every
    example, so each example uses two of these venues per zone."""
    category = Category.objects.create(name="Room", slug="room")
    customer = get_user_model().objects.create(username="prop", email="prop@example.com")
    venues = Venue.objects.bulk_create(
        Venue(name=f"{zone} {n}", slug=f"v{i}-{n}", city="C", country="XX", timezone=zone)
        for i, zone in enumerate(ZONES) for n in range(2)
    )
    by_zone = {zone: [v for v in venues if v.timezone == zone] for zone in ZONES}
    return category, customer, by_zone


# @settings above @seed: @seed alone turns the example database off.
@settings(
    max_examples=int(os.environ.get("AVAILABILITY_EXAMPLES", 200)),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    database=ReadOnlyDatabase(EXAMPLES) if os.environ.get("CI") else EXAMPLES,
)
@seed(int(os.environ.get("AVAILABILITY_SEED", 20261121)))
@given(scenario=scenarios())
# Found by this test: an occupancy window written in UTC+14 lost the bucket of 7 March.
@example(scenario=one_room("America/Chicago", (utc(2026, 3, 8, 5, 45), utc(2026, 3, 8, 6, 15)),
                           input_zone="Pacific/Kiritimati"))
# Found by this test: the period 01:00 CDT-01:00 CST was rejected as empty.
@example(scenario=one_room("Europe/Berlin", (utc(2026, 11, 1, 6), utc(2026, 11, 1, 6, 30)),
                           input_zone="America/Chicago", duration=HOUR, is_active=False))
def test_selectors_agree_with_the_reference(rows_for_all_examples, scenario):
    category, customer, venues = rows_for_all_examples

    with transaction.atomic():
        ids, booking_ids = insert(scenario, category, customer, venues)
        check(scenario.query, ids, booking_ids)
        transaction.set_rollback(True)


def test_reference_free_during_is_a_free_start_slot_of_the_period():
    """The contract's "equivalently" for resource_list_free holds in the reference."""

    @settings(max_examples=150, deadline=None, database=None)
    @given(scenario=scenarios(), offset=st.integers(0, 10_000))
    def check_reference(scenario, offset):
        query = scenario.query
        for number, spec in enumerate(scenario.resources):
            res = resource_data(number, scenario.venues[spec.venue][0], spec)
            starts = ref.slots(res, query.window, query.now, query.duration)
            start = starts[offset % len(starts)] if starts else query.window[0]
            period = (start, start + query.duration)
            as_slot = ref.slots(res, period, query.now, query.duration, step=query.duration,
                                anchor="free_start", party_size=query.party_size)
            assert ref.free_during(res, period, query.now, query.party_size) == (
                res.is_active and as_slot == [start])

    check_reference()


def resource_data(number: int, zone: str, spec: ResourceSpec) -> ref.ResourceData:
    """What load() would read after insert(), without a database."""
    special = {}
    for day, hours in spec.special:
        special.setdefault(day, []).append(hours)
    bookings = [
        ref.BookingRow(i, (b.start, b.end), (b.start, b.end + spec.turnaround), b.status,
                       b.hold_expires_at)
        for i, b in enumerate(without_conflicts(spec))
    ]
    return ref.ResourceData(
        number, zone, spec.is_active, spec.capacity, spec.turnaround_now, spec.min_notice,
        spec.horizon, spec.min_length, spec.max_length, spec.slot_step, list(spec.rules),
        special, list(spec.closures), bookings,
    )


# --- Disagreements found, pinned: the reference follows docs/availability.md ---------------


def test_occupancy_window_written_east_of_utc_keeps_its_first_bucket(rows_for_all_examples):
    # Chicago's 7 March ends at 06:00Z; 05:45Z is already 8 March 19:45 in UTC+14.
    scenario = one_room("America/Chicago", (utc(2026, 3, 8, 5, 45), utc(2026, 3, 8, 6, 15)))
    (resource_id,), _ = insert(scenario, *rows_for_all_examples)
    window = written_in("Pacific/Kiritimati", *scenario.query.window)

    rows = resource_occupancy(resource_ids=[resource_id], window=window, now=window[0])

    assert [(row.bucket_start, row.open) for row in rows] == [
        (dt.date(2026, 3, 7), 15 * MINUTE), (dt.date(2026, 3, 8), 15 * MINUTE)
    ]


def test_occupancy_window_written_west_of_utc_keeps_its_last_bucket(rows_for_all_examples):
    # 18:00Z-19:00Z is 23:30-00:30 in Kolkata, but ends on 11 January 08:00 in UTC-11.
    scenario = one_room("Asia/Kolkata", (utc(2027, 1, 11, 18), utc(2027, 1, 11, 19)))
    (resource_id,), _ = insert(scenario, *rows_for_all_examples)
    window = written_in("Pacific/Pago_Pago", *scenario.query.window)

    rows = resource_occupancy(resource_ids=[resource_id], window=window, now=window[0])

    assert [(row.bucket_start, row.open) for row in rows] == [
        (dt.date(2027, 1, 11), 30 * MINUTE), (dt.date(2027, 1, 12), 30 * MINUTE)
    ]


def test_first_free_slot_looks_ahead_in_elapsed_time(rows_for_all_examples):
    # Open only 8 November 11:00-12:00 CST (17:00Z-18:00Z). 14 days after 25 October 12:00
    # CDT (17:00Z) is 8 November 17:00Z: the slot would end after the lookahead window.
    scenario = one_room("America/Chicago", (utc(2026, 10, 25, 17), utc(2026, 10, 25, 18)),
                        rules=(), special=((dt.date(2026, 11, 8), (660, 720)),))
    (resource_id,), _ = insert(scenario, *rows_for_all_examples)
    (after,) = written_in("America/Chicago", scenario.query.window[0])

    first = resource_first_free_slot(resource_ids=[resource_id], after=after, duration=HOUR,
                                     now=after)

    assert first == {resource_id: None}


def test_midnight_grid_of_a_25_hour_day_reaches_into_the_next_local_date(rows_for_all_examples):
    # Havana repeats 00:00-01:00 on 1 November 2026: mid(1 Nov) is the later 00:00 (05:00Z),
    # so 04:00Z and 04:30Z (the first 00:00 and 00:30 of 1 Nov) are 24 h and 24.5 h after
    # mid(31 Oct) (04:00Z on 31 Oct) and before mid(1 Nov): slots of 31 October's grid.
    saturday_late, sunday = Rule(6, (1320, 1440), None, None), Rule(7, (0, 1440), None, None)
    scenario = one_room("America/Havana", (utc(2026, 11, 1, 3), utc(2026, 11, 1, 6)),
                        rules=(saturday_late, sunday),
                        closures=((utc(2026, 11, 1, 3), utc(2026, 11, 1, 4)),))
    (resource_id,), _ = insert(scenario, *rows_for_all_examples)

    starts = resource_slots(resource_ids=[resource_id], window=scenario.query.window,
                            duration=30 * MINUTE, step=30 * MINUTE, now=utc(2026, 10, 1))

    assert starts == {resource_id: [utc(2026, 11, 1, 4), utc(2026, 11, 1, 4, 30),
                                    utc(2026, 11, 1, 5), utc(2026, 11, 1, 5, 30)]}


def test_period_across_a_repeated_hour_is_one_hour_long(rows_for_all_examples):
    # 01:00 CDT (06:00Z) to 01:00 CST (07:00Z) on 1 November 2026: equal wall-clock times.
    scenario = one_room("America/Chicago", (utc(2026, 11, 1, 6), utc(2026, 11, 1, 7)))
    (resource_id,), _ = insert(scenario, *rows_for_all_examples)
    period = written_in("America/Chicago", *scenario.query.window)

    free = resource_list_free(period=period, now=utc(2026, 10, 1))

    assert list(free.values_list("pk", flat=True)) == [resource_id]


def test_window_length_is_elapsed_time(db):
    # 1 October 00:00 CDT to 1 January 00:00 CST: 92 days on the calendar, 92 days 1 hour.
    chicago = zoneinfo.ZoneInfo("America/Chicago")
    window = (dt.datetime(2026, 10, 1, tzinfo=chicago), dt.datetime(2027, 1, 1, tzinfo=chicago))

    with pytest.raises(AvailabilityError) as error:
        resource_free_periods(resource_ids=[1], window=window, now=window[0])

    assert error.value.code == "window_too_long"


def test_window_inverted_by_a_repeated_hour_is_invalid(db):
    # 01:30 CST (second, 07:30Z) to 01:45 CDT (first, 06:45Z) on 1 November 2026.
    chicago = zoneinfo.ZoneInfo("America/Chicago")
    window = (dt.datetime(2026, 11, 1, 1, 30, fold=1, tzinfo=chicago),
              dt.datetime(2026, 11, 1, 1, 45, tzinfo=chicago))

    with pytest.raises(AvailabilityError) as error:
        resource_free_periods(resource_ids=[1], window=window, now=window[0])

    assert error.value.code == "invalid_window"

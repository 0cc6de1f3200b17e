"""resource_list_free against the reference at the edges of its minute-based check of
opening hours (sql/functions/booking_list_free.sql): periods ending at local
midnight or crossing it, DST nights (both directions, 30-minute shifts, Havana's midnight
changes), half- and quarter-hour zones, special hours on the date, the date before and the
date after, rules starting or ending validity on the date, notice and horizon, periods not
on whole minutes.
"""

import datetime as dt
import zoneinfo

import pytest

from booking.models import Resource
from booking.selectors import resource_list_free
from tests.booking import availability_reference as ref
from tests.booking.availability_reference import Rule
from tests.booking.test_availability_properties import (
    ZONES,
    BookingSpec,
    Query,
    Scenario,
    insert,
    room,
    rows_for_all_examples,  # noqa: F401 (a fixture)
)

MINUTE = dt.timedelta(minutes=1)
HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)
EVERY_DAY = range(1, 8)


def each_day(*hours: tuple[int, int]) -> tuple[Rule, ...]:
    return tuple(Rule(day, span, None, None) for day in EVERY_DAY for span in hours)


def resources(day: dt.date, zone: str, now: dt.datetime):
    """Resources whose hours end, start or change around local `day`."""
    tz = zoneinfo.ZoneInfo(zone)
    evening = dt.datetime.combine(day, dt.time(19), tz)
    weekday = day.isoweekday()
    return (
        room(),  # open all day
        room(rules=each_day((0, 120), (1080, 1440))),  # evenings, until 02:00
        room(rules=each_day((540, 720), (720, 1440))),  # adjacent rules
        room(rules=each_day((0, 600), (660, 1440))),  # closed 10:00-11:00
        room(rules=each_day((0, 150), (180, 1440))),  # closed 02:30-03:00
        room(rules=each_day((0, 90), (90, 135), (135, 1440))),  # joins at 01:30, 02:15
        room(rules=(Rule(weekday, (0, 1440), day, None),  # from `day` on, that weekday only
                    *(Rule(d, (0, 1440), None, None) for d in EVERY_DAY if d != weekday))),
        room(rules=(Rule(weekday, (0, 1440), None, day),  # until the day before `day`
                    *(Rule(d, (0, 1440), None, None) for d in EVERY_DAY if d != weekday))),
        room(special=((day, None),)),  # closed on the day
        room(special=((day, (0, 1380)),)),  # the day until 23:00 only
        room(special=((day, (0, 600)), (day, (600, 1440)))),  # the whole day, in two
        room(special=((day - DAY, None),)),  # closed the day before
        room(special=((day - DAY, (1380, 1440)),), rules=each_day((0, 60))),
        room(special=((day + DAY, None),)),  # closed the day after
        room(special=((day + DAY, (0, 60)),), rules=each_day((1320, 1440))),
        room(min_notice=evening - now),  # bookable from 19:00 local on the day
        room(horizon=evening - now),  # bookable until 19:00 local on the day
        room(closures=((evening, evening + HOUR),)),
        room(min_length=3 * HOUR),
        room(capacity=(6, 9)),
        room(is_active=False),
        room(turnaround=30 * MINUTE, turnaround_now=30 * MINUTE,
             bookings=(BookingSpec(evening + 90 * MINUTE, evening + 2 * HOUR, "confirmed", None),)),
    )


def periods(day: dt.date, zone: str):
    """Periods starting at local times around `day` (both instants of a repeated time)."""
    tz = zoneinfo.ZoneInfo(zone)
    starts = set()
    for date in (day - DAY, day, day + DAY):
        for hour, minute in ((0, 0), (0, 30), (1, 0), (1, 30), (2, 0), (2, 30), (3, 0),
                             (9, 15), (10, 0), (17, 0), (21, 0), (22, 0), (22, 30), (23, 0)):
            for fold in (0, 1):
                local = dt.datetime.combine(date, dt.time(hour, minute, fold=fold), tz)
                starts.add(local.astimezone(dt.UTC))
    for start in sorted(starts):
        for length in (30 * MINUTE, HOUR, 2 * HOUR, 3 * HOUR):
            yield start, start + length
    # Not on whole minutes.
    noon = dt.datetime.combine(day, dt.time(12), tz).astimezone(dt.UTC)
    yield noon + dt.timedelta(seconds=30), noon + HOUR + dt.timedelta(seconds=30)
    yield noon, noon + HOUR + dt.timedelta(microseconds=1)


CASES = [
    ("Europe/Berlin", dt.date(2026, 6, 10)),  # an ordinary Wednesday
    ("Europe/Berlin", dt.date(2026, 3, 29)),  # 02:00 -> 03:00
    ("America/Chicago", dt.date(2026, 3, 8)),  # 02:00 -> 03:00
    ("America/Chicago", dt.date(2026, 11, 1)),  # 02:00 -> 01:00
    ("America/Chicago", dt.date(2026, 10, 31)),  # the day before a fall-back night
    ("Asia/Kathmandu", dt.date(2026, 6, 10)),  # +05:45
    ("Asia/Kolkata", dt.date(2026, 1, 31)),  # +05:30, a month end
    ("Australia/Lord_Howe", dt.date(2026, 4, 5)),  # 02:00 -> 01:30
    ("Australia/Lord_Howe", dt.date(2026, 10, 4)),  # 02:00 -> 02:30
    ("America/Havana", dt.date(2026, 3, 8)),  # 00:00 -> 01:00
    ("America/Havana", dt.date(2026, 11, 1)),  # 01:00 -> 00:00: midnight repeats
    ("America/Havana", dt.date(2026, 10, 31)),  # the day before the repeated midnight
    ("UTC", dt.date(2026, 12, 31)),
]


@pytest.mark.parametrize(("zone", "day"), CASES, ids=[f"{z}-{d}" for z, d in CASES])
def test_list_free_equals_the_reference_around_a_date(rows_for_all_examples, zone, day):  # noqa: F811
    assert zone in ZONES
    now = dt.datetime.combine(day - 30 * DAY, dt.time(), dt.UTC)
    specs = resources(day, zone, now)
    query = Query(window=(now, now + HOUR), now=now, duration=HOUR, step=None,
                  anchor="midnight", party_size=None, ignore=None, period=None, bucket="day",
                  lookahead=HOUR, input_zone="UTC", as_range=False)
    ids, _ = insert(Scenario(((zone, ()),), specs, query), *rows_for_all_examples)
    data = ref.load(ids)
    chosen = Resource.objects.filter(pk__in=ids)
    outcomes = set()
    for period in periods(day, zone):
        got = set(resource_list_free(period=period, queryset=chosen, now=now)
                  .values_list("pk", flat=True))
        expected = {rid for rid, res in data.items() if ref.free_during(res, period, now)}
        assert got == expected, (period, sorted(ids.index(i) for i in got ^ expected))
        outcomes.add(len(expected))
    # Some periods are free for some resources and not others.
    assert len(outcomes) > 3


def test_list_free_with_a_party_size_equals_the_reference(rows_for_all_examples):  # noqa: F811
    zone, day = "Asia/Kathmandu", dt.date(2026, 6, 10)
    now = dt.datetime.combine(day - 30 * DAY, dt.time(), dt.UTC)
    specs = resources(day, zone, now)
    query = Query(window=(now, now + HOUR), now=now, duration=HOUR, step=None,
                  anchor="midnight", party_size=None, ignore=None, period=None, bucket="day",
                  lookahead=HOUR, input_zone="UTC", as_range=False)
    ids, _ = insert(Scenario(((zone, ()),), specs, query), *rows_for_all_examples)
    data = ref.load(ids)
    tz = zoneinfo.ZoneInfo(zone)
    start = dt.datetime.combine(day, dt.time(22), tz)
    for party in (1, 5, 6, 8, 9):
        period = (start, start + 2 * HOUR)
        got = set(resource_list_free(period=period, party_size=party, now=now)
                  .values_list("pk", flat=True))
        assert got == {rid for rid, res in data.items()
                       if ref.free_during(res, period, now, party)}

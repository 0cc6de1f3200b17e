"""booking_opening_time(): weekly local hours become instants, DST-correct."""

import datetime as dt
import zoneinfo

import pytest
from django.db import connection
from django.db.backends.postgresql.psycopg_any import DateTimeTZRange, NumericRange

from booking.models import OpeningHours, SpecialHours, Venue
from tests.conftest import make_resource

UTC = dt.UTC

# (zone, date of a DST change): spring forward and fall back in Europe and North America.
TRANSITIONS = [
    ("Europe/Berlin", dt.date(2026, 3, 29)),
    ("Europe/Berlin", dt.date(2026, 10, 25)),
    ("Europe/Berlin", dt.date(2027, 3, 28)),
    ("Europe/Berlin", dt.date(2027, 10, 31)),
    ("America/New_York", dt.date(2026, 3, 8)),
    ("America/New_York", dt.date(2026, 11, 1)),
    ("America/New_York", dt.date(2027, 3, 14)),
    ("America/New_York", dt.date(2027, 11, 7)),
]


@pytest.fixture
def resource_in(category):
    def make(zone: str, hours: tuple[int, int] | None = (540, 1020)):
        venue = Venue.objects.create(name=f"Venue {zone}", slug=zone.lower().replace("/", "-"),
                                     city="City", country="XX", timezone=zone)
        resource = make_resource(venue, category, all_day=False)
        if hours:
            OpeningHours.objects.bulk_create(
                OpeningHours(resource=resource, weekday=day, hours=NumericRange(*hours))
                for day in range(1, 8)
            )
        return resource

    return make


def opening_time(resource, start: dt.datetime, end: dt.datetime) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT booking_opening_time(%s, %s)",
                       [resource.pk, DateTimeTZRange(start, end, "[)")])
        multirange = cursor.fetchone()[0]
    return [(r.lower.astimezone(UTC), r.upper.astimezone(UTC)) for r in multirange]


def local(zone: str, day: dt.date, hour: int, minute: int = 0, fold: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute, fold=fold),
                               tzinfo=zoneinfo.ZoneInfo(zone)).astimezone(UTC)


@pytest.mark.parametrize(("zone", "transition"), TRANSITIONS)
@pytest.mark.parametrize("offset", [-1, 0, 1])
def test_nine_to_five_stays_local_around_dst_changes(resource_in, zone, transition, offset):
    resource = resource_in(zone)
    day = transition + dt.timedelta(days=offset)

    periods = opening_time(resource, local(zone, day, 0), local(zone, day + dt.timedelta(1), 0))

    assert periods == [(local(zone, day, 9), local(zone, day, 17))]
    start, end = periods[0]
    assert start.astimezone(zoneinfo.ZoneInfo(zone)).time() == dt.time(9)
    assert end.astimezone(zoneinfo.ZoneInfo(zone)).time() == dt.time(17)


@pytest.mark.parametrize(
    ("zone", "day", "hours"),
    [
        ("Europe/Berlin", dt.date(2027, 3, 28), 23),
        ("Europe/Berlin", dt.date(2027, 10, 31), 25),
        ("America/New_York", dt.date(2027, 3, 14), 23),
        ("America/New_York", dt.date(2027, 11, 7), 25),
        ("Asia/Kolkata", dt.date(2027, 3, 14), 24),
    ],
)
def test_whole_day_lasts_its_elapsed_hours(resource_in, zone, day, hours):
    resource = resource_in(zone, hours=(0, 1440))
    next_day = day + dt.timedelta(days=1)

    periods = opening_time(resource, local(zone, day, 0), local(zone, next_day, 0))

    assert periods == [(local(zone, day, 0), local(zone, next_day, 0))]
    assert periods[0][1] - periods[0][0] == dt.timedelta(hours=hours)


def test_hours_starting_in_a_skipped_hour_follow_postgres(resource_in):
    # New York skips 02:00-03:00 on 2027-03-14. A rule 02:30-04:00 starts at 02:30 taken
    # with the offset before the jump (EST): 07:30Z; 04:00 EDT is 08:00Z.
    resource = resource_in("America/New_York", hours=(150, 240))
    day = dt.date(2027, 3, 14)

    periods = opening_time(resource, local("America/New_York", day, 0),
                           local("America/New_York", day, 23))

    assert periods == [(dt.datetime(2027, 3, 14, 7, 30, tzinfo=UTC),
                        dt.datetime(2027, 3, 14, 8, 0, tzinfo=UTC))]


def test_hours_in_a_repeated_hour_take_the_later_instant(resource_in):
    # New York repeats 01:00-02:00 on 2027-11-07: 01:30 is the later one, 06:30Z (EST).
    resource = resource_in("America/New_York", hours=(90, 180))
    day = dt.date(2027, 11, 7)

    periods = opening_time(resource, local("America/New_York", day, 0),
                           local("America/New_York", day, 23))

    assert periods == [(local("America/New_York", day, 1, 30, fold=1),
                        local("America/New_York", day, 3))]
    assert periods[0][0] == dt.datetime(2027, 11, 7, 6, 30, tzinfo=UTC)


def test_inverted_hours_in_a_skipped_hour_are_empty(resource_in):
    # 02:30 (skipped, EST) = 07:30Z but 03:00 EDT = 07:00Z: nothing is open.
    resource = resource_in("America/New_York", hours=(150, 180))
    day = dt.date(2027, 3, 14)

    assert opening_time(resource, local("America/New_York", day, 0),
                        local("America/New_York", day, 23)) == []


def test_half_and_three_quarter_hour_offsets(resource_in):
    kolkata = resource_in("Asia/Kolkata")
    kathmandu = resource_in("Asia/Kathmandu")
    day = dt.date(2027, 1, 11)

    assert opening_time(kolkata, local("Asia/Kolkata", day, 0),
                        local("Asia/Kolkata", day, 23)) == [
        (dt.datetime(2027, 1, 11, 3, 30, tzinfo=UTC), dt.datetime(2027, 1, 11, 11, 30, tzinfo=UTC))
    ]
    assert opening_time(kathmandu, local("Asia/Kathmandu", day, 0),
                        local("Asia/Kathmandu", day, 23)) == [
        (dt.datetime(2027, 1, 11, 3, 15, tzinfo=UTC), dt.datetime(2027, 1, 11, 11, 15, tzinfo=UTC))
    ]


def test_window_clips_and_spans_days(resource_in):
    resource = resource_in("Europe/Berlin")
    start = local("Europe/Berlin", dt.date(2027, 1, 11), 12)
    end = local("Europe/Berlin", dt.date(2027, 1, 13), 10)

    periods = opening_time(resource, start, end)

    assert periods == [
        (start, local("Europe/Berlin", dt.date(2027, 1, 11), 17)),
        (local("Europe/Berlin", dt.date(2027, 1, 12), 9),
         local("Europe/Berlin", dt.date(2027, 1, 12), 17)),
        (local("Europe/Berlin", dt.date(2027, 1, 13), 9), end),
    ]


def test_special_hours_and_seasons(resource_in):
    resource = resource_in("Europe/Berlin", hours=None)
    OpeningHours.objects.create(
        resource=resource, weekday=1, hours=NumericRange(540, 1020),
        valid_during=(dt.date(2027, 1, 1), dt.date(2027, 1, 18)),
    )
    SpecialHours.objects.create(resource=resource, date=dt.date(2027, 1, 11),
                                hours=NumericRange(600, 660))
    SpecialHours.objects.create(resource=resource, date=dt.date(2027, 1, 11),
                                hours=NumericRange(900, 960))
    SpecialHours.objects.create(resource=resource, date=dt.date(2027, 1, 16),
                                hours=None)  # a Saturday: closed, no rule anyway

    def day(d):
        return opening_time(resource, local("Europe/Berlin", d, 0),
                            local("Europe/Berlin", d + dt.timedelta(1), 0))

    berlin = "Europe/Berlin"
    assert day(dt.date(2027, 1, 11)) == [
        (local(berlin, dt.date(2027, 1, 11), 10), local(berlin, dt.date(2027, 1, 11), 11)),
        (local(berlin, dt.date(2027, 1, 11), 15), local(berlin, dt.date(2027, 1, 11), 16)),
    ]
    assert day(dt.date(2027, 1, 12)) == []  # a Tuesday: no rule
    assert day(dt.date(2027, 1, 4)) == [
        (local(berlin, dt.date(2027, 1, 4), 9), local(berlin, dt.date(2027, 1, 4), 17))
    ]
    assert day(dt.date(2027, 1, 18)) == []  # the season ended on the 17th

"""The services and availability read one opening-hours expansion: every slot that
resource_slots offers can be booked, also where local midnight repeats (America/Havana)."""

import datetime as dt
import zoneinfo

import pytest
from django.db import transaction
from django.db.backends.postgresql.psycopg_any import NumericRange

from booking.models import OpeningHours, Venue
from booking.selectors import resource_slots
from booking.services import booking_book
from tests.conftest import make_resource

UTC = dt.UTC
MINUTE = dt.timedelta(minutes=1)
HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)
HORIZON = dt.timedelta(days=800)


def offset_changes(zone: str) -> list[dt.date]:
    """The local dates of the next year on which the zone's UTC offset changes, or
    tomorrow if there are none."""
    tz, first = zoneinfo.ZoneInfo(zone), dt.date.today() + 2 * DAY
    days = [first + i * DAY for i in range(366)]
    changes = [day for day in days
               if dt.datetime.combine(day, dt.time(), tzinfo=tz).utcoffset()
               != dt.datetime.combine(day + DAY, dt.time(), tzinfo=tz).utcoffset()]
    return changes or [first]


def next_repeated_midnight(zone: str) -> dt.date:
    """The first local date after today whose 00:00 occurs twice."""
    tz, day = zoneinfo.ZoneInfo(zone), dt.date.today() + DAY
    for _ in range(800):
        first, later = (dt.datetime.combine(day, dt.time(fold=fold), tzinfo=tz) for fold in (0, 1))
        if first.astimezone(UTC) < later.astimezone(UTC):  # not a skipped midnight
            return day
        day += DAY
    raise AssertionError(f"{zone} repeats no midnight in the next 800 days")


@pytest.fixture
def resource_in(category):
    def make(zone: str, rules: dict[int, list[tuple[int, int]]]):
        venue = Venue.objects.create(name=f"Venue {zone}", slug=zone.lower().replace("/", "-"),
                                     city="City", country="XX", timezone=zone)
        resource = make_resource(venue, category, all_day=False, horizon=HORIZON)
        OpeningHours.objects.bulk_create(
            OpeningHours(resource=resource, weekday=weekday, hours=NumericRange(*hours))
            for weekday, day_hours in rules.items()
            for hours in day_hours
        )
        return resource

    return make


def bookable(resource, customer, start: dt.datetime, end: dt.datetime) -> bool:
    """Whether booking_book accepts [start, end); rolled back either way."""
    with transaction.atomic():
        booking_book(resource=resource, customer=customer, party_size=2,
                     starts_at=start, ends_at=end)
        transaction.set_rollback(True)
    return True


def test_hours_up_to_a_repeated_midnight_can_be_booked_after_the_first_midnight(
    resource_in, customer
):
    # Havana falls back 01:00 -> 00:00: the date before is open 20:00-24:00, and its 24:00
    # is the later midnight, so [first midnight, later midnight) lies in its hours.
    day = next_repeated_midnight("America/Havana")
    havana = zoneinfo.ZoneInfo("America/Havana")
    resource = resource_in("America/Havana", {(day - DAY).isoweekday(): [(1200, 1440)]})
    first, later = (dt.datetime.combine(day, dt.time(fold=fold), tzinfo=havana).astimezone(UTC)
                    for fold in (0, 1))

    slots = resource_slots(resource_ids=[resource.pk], window=(first - 4 * HOUR, later),
                           duration=HOUR)

    assert later - first == HOUR
    assert first in slots[resource.pk]
    assert bookable(resource, customer, first, later)


ZONES = ["America/Havana", "America/Chicago", "Asia/Kathmandu", "Australia/Lord_Howe",
         "Europe/Berlin"]
# By ISO weekday: whole days, hours up to and from midnight, a split day, a skipped hour.
RULES = {1: [(0, 1440)], 2: [(1200, 1440)], 3: [(0, 120), (540, 1020)], 4: [(60, 180)],
         5: [(0, 1440)], 6: [(1200, 1440)], 7: [(0, 90), (150, 1440)]}


@pytest.mark.parametrize("zone", ZONES)
def test_every_offered_slot_can_be_booked(resource_in, customer, zone):
    resource = resource_in(zone, RULES)

    for day in offset_changes(zone):
        change = dt.datetime.combine(day, dt.time(), tzinfo=UTC)
        window = (change - DAY, change + 2 * DAY)
        for duration in (HOUR, 90 * MINUTE):
            starts = resource_slots(resource_ids=[resource.pk], window=window,
                                    duration=duration, step=30 * MINUTE)[resource.pk]

            assert starts
            assert all(bookable(resource, customer, s, s + duration) for s in starts)

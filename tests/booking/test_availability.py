"""Availability selectors (docs/availability.md) on hand-made cases with exact answers."""

import datetime as dt
import zoneinfo

import pytest
from django.db.backends.postgresql.psycopg_any import DateTimeTZRange, NumericRange

from booking.errors import AvailabilityError
from booking.models import Booking, Closure, OpeningHours, Resource, SpecialHours, Venue
from booking.selectors import (
    resource_first_free_slot,
    resource_free_periods,
    resource_list_free,
    resource_occupancy,
    resource_slots,
    validate_timezone_name,
)
from tests.conftest import make_resource

UTC = dt.UTC
HOUR = dt.timedelta(hours=1)
EARLY = dt.datetime(2026, 12, 1, tzinfo=UTC)  # `now` before every window; horizon 365 days


@pytest.fixture
def place(category):
    """place(zone, hours=(start_min, end_min) | None, **resource fields) -> resource."""
    made = []

    def make(zone: str, hours=(0, 1440), **fields):
        n = len(made)
        venue = Venue.objects.create(
            name=f"Venue {n}", slug=f"venue-{n}", city="City", country="XX", timezone=zone
        )
        resource = make_resource(venue, category, name=f"Room {n}", all_day=False, **fields)
        if hours:
            OpeningHours.objects.bulk_create(
                OpeningHours(resource=resource, weekday=day, hours=NumericRange(*hours))
                for day in range(1, 8)
            )
        made.append(resource)
        return resource

    return make


def local(zone: str, *args, fold: int = 0) -> dt.datetime:
    return dt.datetime(*args, tzinfo=zoneinfo.ZoneInfo(zone), fold=fold).astimezone(UTC)


def booking(resource, customer, start, end, status="confirmed", hold_expires_at=None):
    return Booking.objects.create(
        resource=resource,
        customer=customer,
        party_size=1,
        period=DateTimeTZRange(start, end, "[)"),
        status=status,
        hold_expires_at=hold_expires_at,
    )


def slots(resource, window, duration=HOUR, now=EARLY, **kwargs):
    return resource_slots(
        resource_ids=[resource.pk], window=window, duration=duration, now=now, **kwargs
    )[resource.pk]


def free(resource, window, now=EARLY, **kwargs):
    return resource_free_periods(resource_ids=[resource.pk], window=window, now=now, **kwargs)[
        resource.pk
    ]


def local_times(instants, zone):
    return [i.astimezone(zoneinfo.ZoneInfo(zone)).strftime("%H:%M") for i in instants]


CHICAGO = "America/Chicago"


def test_fall_back_night_offers_one_oclock_twice(place):
    room = place(CHICAGO)
    day = (local(CHICAGO, 2027, 11, 7), local(CHICAGO, 2027, 11, 8))

    starts = slots(room, day, step=HOUR)

    assert len(starts) == 25
    assert local_times(starts[:4], CHICAGO) == ["00:00", "01:00", "01:00", "02:00"]
    assert starts[1:3] == [
        dt.datetime(2027, 11, 7, 6, tzinfo=UTC),
        dt.datetime(2027, 11, 7, 7, tzinfo=UTC),
    ]


def test_spring_forward_night_has_no_two_oclock(place):
    room = place(CHICAGO)
    day = (local(CHICAGO, 2027, 3, 14), local(CHICAGO, 2027, 3, 15))

    starts = slots(room, day, step=HOUR)

    assert len(starts) == 23
    assert local_times(starts[:4], CHICAGO) == ["00:00", "01:00", "03:00", "04:00"]


def test_grid_counts_elapsed_time_from_local_midnight_on_dst_day(place):
    # Berlin jumps 02:00 -> 03:00 on 2027-03-28: midnight + 3 x 1 h is 04:00 local.
    room = place("Europe/Berlin", hours=(180, 600))  # 03:00-10:00

    starts = slots(
        room, (local("Europe/Berlin", 2027, 3, 28), local("Europe/Berlin", 2027, 3, 29)), step=HOUR
    )

    assert local_times(starts, "Europe/Berlin") == [
        "03:00",
        "04:00",
        "05:00",
        "06:00",
        "07:00",
        "08:00",
        "09:00",
    ]
    # 03:00 local is 01:00Z = midnight (23:00Z) + 2 h: on the grid.
    assert starts[0] == dt.datetime(2027, 3, 28, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("zone", "first_utc"),
    [
        ("Asia/Kolkata", dt.datetime(2027, 1, 11, 3, 30, tzinfo=UTC)),
        ("Asia/Kathmandu", dt.datetime(2027, 1, 11, 3, 15, tzinfo=UTC)),
    ],
)
def test_half_and_three_quarter_hour_offsets(place, zone, first_utc):
    room = place(zone, hours=(540, 1020))

    starts = slots(
        room, (local(zone, 2027, 1, 11), local(zone, 2027, 1, 12)), step=dt.timedelta(minutes=30)
    )

    assert starts[0] == first_utc
    assert len(starts) == 15  # 09:00 ... 16:00 local
    assert local_times([starts[0], starts[-1]], zone) == ["09:00", "16:00"]


def test_opening_hours_ending_at_midnight(place):
    room = place("Europe/Berlin", hours=(1080, 1440))

    starts = slots(
        room, (local("Europe/Berlin", 2027, 1, 11), local("Europe/Berlin", 2027, 1, 12)), step=HOUR
    )

    assert local_times(starts, "Europe/Berlin") == [
        "18:00",
        "19:00",
        "20:00",
        "21:00",
        "22:00",
        "23:00",
    ]


def test_back_to_back_bookings_make_one_busy_block(place, customer):
    room = place("UTC")
    booking(
        room,
        customer,
        dt.datetime(2027, 1, 11, 10, tzinfo=UTC),
        dt.datetime(2027, 1, 11, 11, tzinfo=UTC),
    )
    booking(
        room,
        customer,
        dt.datetime(2027, 1, 11, 11, tzinfo=UTC),
        dt.datetime(2027, 1, 11, 12, tzinfo=UTC),
    )

    periods = free(
        room, (dt.datetime(2027, 1, 11, 8, tzinfo=UTC), dt.datetime(2027, 1, 11, 14, tzinfo=UTC))
    )

    assert periods == [
        (dt.datetime(2027, 1, 11, 8, tzinfo=UTC), dt.datetime(2027, 1, 11, 10, tzinfo=UTC)),
        (dt.datetime(2027, 1, 11, 12, tzinfo=UTC), dt.datetime(2027, 1, 11, 14, tzinfo=UTC)),
    ]


def test_turnaround_counted_once(place, customer):
    room = place("UTC", turnaround=dt.timedelta(minutes=30))
    booking(
        room,
        customer,
        dt.datetime(2027, 1, 11, 10, tzinfo=UTC),
        dt.datetime(2027, 1, 11, 11, tzinfo=UTC),
    )
    window = (dt.datetime(2027, 1, 11, 7, tzinfo=UTC), dt.datetime(2027, 1, 11, 14, tzinfo=UTC))

    starts = slots(room, window, step=dt.timedelta(minutes=30))

    # Before the booking a slot needs its own turnaround clear of 10:00: last start 08:30.
    # After it, the booking's turnaround ends at 11:30, and nothing more is added.
    assert [s.strftime("%H:%M") for s in starts] == [
        "07:00",
        "07:30",
        "08:00",
        "08:30",
        "11:30",
        "12:00",
        "12:30",
        "13:00",
    ]
    assert free(room, window) == [
        (dt.datetime(2027, 1, 11, 7, tzinfo=UTC), dt.datetime(2027, 1, 11, 10, tzinfo=UTC)),
        (dt.datetime(2027, 1, 11, 11, 30, tzinfo=UTC), dt.datetime(2027, 1, 11, 14, tzinfo=UTC)),
    ]


def test_turnaround_may_run_past_closing_and_window(place):
    room = place("UTC", hours=(540, 1020), turnaround=dt.timedelta(minutes=30))

    starts = slots(
        room,
        (dt.datetime(2027, 1, 11, 15, tzinfo=UTC), dt.datetime(2027, 1, 11, 17, tzinfo=UTC)),
        step=HOUR,
    )

    assert [s.hour for s in starts] == [15, 16]


def test_closures_of_resource_and_venue(place):
    room = place("UTC")
    Closure.objects.create(
        resource=room,
        period=DateTimeTZRange(
            dt.datetime(2027, 1, 11, 9, tzinfo=UTC), dt.datetime(2027, 1, 11, 10, tzinfo=UTC), "[)"
        ),
    )
    Closure.objects.create(
        venue=room.venue,
        period=DateTimeTZRange(dt.datetime(2027, 1, 11, 12, tzinfo=UTC), None, "[)"),
    )

    periods = free(
        room, (dt.datetime(2027, 1, 11, 8, tzinfo=UTC), dt.datetime(2027, 1, 12, 8, tzinfo=UTC))
    )

    assert periods == [
        (dt.datetime(2027, 1, 11, 8, tzinfo=UTC), dt.datetime(2027, 1, 11, 9, tzinfo=UTC)),
        (dt.datetime(2027, 1, 11, 10, tzinfo=UTC), dt.datetime(2027, 1, 11, 12, tzinfo=UTC)),
    ]


def test_expired_hold_is_free_and_live_hold_is_busy(place, customer):
    room = place("UTC")
    now = dt.datetime(2027, 1, 10, 12, tzinfo=UTC)
    booking(
        room,
        customer,
        dt.datetime(2027, 1, 11, 9, tzinfo=UTC),
        dt.datetime(2027, 1, 11, 10, tzinfo=UTC),
        status="held",
        hold_expires_at=now,
    )
    live = booking(
        room,
        customer,
        dt.datetime(2027, 1, 11, 11, tzinfo=UTC),
        dt.datetime(2027, 1, 11, 12, tzinfo=UTC),
        status="held",
        hold_expires_at=now + dt.timedelta(seconds=1),
    )
    booking(
        room,
        customer,
        dt.datetime(2027, 1, 11, 12, tzinfo=UTC),
        dt.datetime(2027, 1, 11, 13, tzinfo=UTC),
        status="cancelled",
    )
    window = (dt.datetime(2027, 1, 11, 8, tzinfo=UTC), dt.datetime(2027, 1, 11, 14, tzinfo=UTC))

    assert free(room, window, now=now) == [
        (dt.datetime(2027, 1, 11, 8, tzinfo=UTC), dt.datetime(2027, 1, 11, 11, tzinfo=UTC)),
        (dt.datetime(2027, 1, 11, 12, tzinfo=UTC), dt.datetime(2027, 1, 11, 14, tzinfo=UTC)),
    ]
    # The holder may re-time its own hold: ignoring it frees its slot.
    assert free(room, window, now=now, ignore_booking_id=live.pk) == [window]


def test_minimum_notice_reanchors_todays_slots(place):
    room = place("UTC", min_notice=HOUR)
    now = dt.datetime(2027, 1, 11, 10, 10, tzinfo=UTC)
    today = (dt.datetime(2027, 1, 11, tzinfo=UTC), dt.datetime(2027, 1, 11, 14, tzinfo=UTC))

    on_grid = slots(room, today, now=now, step=dt.timedelta(minutes=30))
    from_free_start = slots(
        room, today, now=now, step=dt.timedelta(minutes=30), anchor="free_start"
    )

    assert [s.strftime("%H:%M") for s in on_grid] == ["11:30", "12:00", "12:30", "13:00"]
    assert [s.strftime("%H:%M") for s in from_free_start] == ["11:10", "11:40", "12:10", "12:40"]


def test_horizon_ends_the_offer(place):
    room = place("UTC", horizon=dt.timedelta(days=2))
    now = dt.datetime(2027, 1, 11, 10, tzinfo=UTC)

    starts = slots(room, (now, now + dt.timedelta(days=5)), now=now, step=HOUR)

    assert starts[-1] == dt.datetime(2027, 1, 13, 9, tzinfo=UTC)  # ends at now + 2 days
    assert free(room, (now, now + dt.timedelta(days=5)), now=now) == [
        (now, now + dt.timedelta(days=2))
    ]


def test_window_across_a_month_end(place):
    room = place("Europe/Berlin", hours=(1320, 1440))  # 22:00-24:00
    window = (local("Europe/Berlin", 2027, 1, 31, 20), local("Europe/Berlin", 2027, 2, 1, 23, 30))

    assert free(room, window) == [
        (local("Europe/Berlin", 2027, 1, 31, 22), local("Europe/Berlin", 2027, 2, 1)),
        (local("Europe/Berlin", 2027, 2, 1, 22), local("Europe/Berlin", 2027, 2, 1, 23, 30)),
    ]


def test_special_closed_day_and_short_day(place):
    room = place("UTC", hours=(540, 1020))
    SpecialHours.objects.create(resource=room, date=dt.date(2027, 1, 11), hours=None)
    SpecialHours.objects.create(
        resource=room, date=dt.date(2027, 1, 12), hours=NumericRange(600, 720)
    )

    periods = free(
        room, (dt.datetime(2027, 1, 11, tzinfo=UTC), dt.datetime(2027, 1, 13, tzinfo=UTC))
    )

    assert periods == [
        (dt.datetime(2027, 1, 12, 10, tzinfo=UTC), dt.datetime(2027, 1, 12, 12, tzinfo=UTC))
    ]


def test_party_size_and_length_limits_remove_all_slots(place):
    room = place("UTC", capacity=NumericRange(2, 5), max_length=dt.timedelta(hours=2))
    window = (dt.datetime(2027, 1, 11, 9, tzinfo=UTC), dt.datetime(2027, 1, 11, 12, tzinfo=UTC))

    assert len(slots(room, window, party_size=4)) == 5  # 09:00 ... 11:00, step 30 min
    assert slots(room, window, party_size=5) == []
    assert slots(room, window, party_size=1) == []
    assert slots(room, window, duration=dt.timedelta(hours=3)) == []
    assert slots(room, window, duration=dt.timedelta(minutes=10)) == []  # min_length 15 min


def test_inactive_and_unknown_resources_are_left_out(place):
    room = place("UTC")
    closed = place("UTC", is_active=False)
    window = (dt.datetime(2027, 1, 11, 9, tzinfo=UTC), dt.datetime(2027, 1, 11, 10, tzinfo=UTC))

    assert resource_free_periods(
        resource_ids=[room.pk, closed.pk, 999999], window=window, now=EARLY
    ) == {room.pk: [window]}
    assert resource_slots(
        resource_ids=[room.pk, closed.pk], window=window, duration=HOUR, now=EARLY
    ) == {room.pk: [window[0]]}


def test_list_free_is_a_queryset_filter(place, customer):
    quiet = place("UTC")
    busy = place("UTC", turnaround=dt.timedelta(minutes=30))
    small = place("UTC", capacity=NumericRange(1, 3))
    booking(
        busy,
        customer,
        dt.datetime(2027, 1, 11, 8, tzinfo=UTC),
        dt.datetime(2027, 1, 11, 9, tzinfo=UTC),
    )
    period = (dt.datetime(2027, 1, 11, 9, tzinfo=UTC), dt.datetime(2027, 1, 11, 11, tzinfo=UTC))

    free_for_four = resource_list_free(period=period, party_size=4, now=EARLY)
    free_among_named = resource_list_free(
        period=period, now=EARLY, queryset=Resource.objects.filter(name__in=["Room 0", "Room 2"])
    )

    assert set(free_for_four) == {quiet}
    assert set(free_among_named) == {quiet, small}
    assert set(free_for_four.filter(name="Room 1")) == set()


def test_list_free_respects_turnaround_into_next_booking(place, customer):
    room = place("UTC", turnaround=dt.timedelta(minutes=30))
    booking(
        room,
        customer,
        dt.datetime(2027, 1, 11, 11, 15, tzinfo=UTC),
        dt.datetime(2027, 1, 11, 12, tzinfo=UTC),
    )

    period = (dt.datetime(2027, 1, 11, 9, tzinfo=UTC), dt.datetime(2027, 1, 11, 11, tzinfo=UTC))
    assert list(resource_list_free(period=period, now=EARLY)) == []
    period = (dt.datetime(2027, 1, 11, 9, tzinfo=UTC), dt.datetime(2027, 1, 11, 10, 45, tzinfo=UTC))
    assert list(resource_list_free(period=period, now=EARLY)) == [room]


def test_first_free_slot(place, customer):
    room = place("UTC", hours=(540, 1020))
    full = place("UTC", hours=None)
    booking(
        room,
        customer,
        dt.datetime(2027, 1, 11, 9, tzinfo=UTC),
        dt.datetime(2027, 1, 11, 17, tzinfo=UTC),
    )

    first = resource_first_free_slot(
        resource_ids=[room.pk, full.pk],
        after=dt.datetime(2027, 1, 11, 8, tzinfo=UTC),
        duration=HOUR,
        now=EARLY,
    )

    assert first == {room.pk: dt.datetime(2027, 1, 12, 9, tzinfo=UTC), full.pk: None}


def test_occupancy_by_day_on_a_25_hour_day(place, customer):
    room = place(CHICAGO)
    booking(
        room,
        customer,
        local(CHICAGO, 2027, 11, 7, 1, fold=0),
        local(CHICAGO, 2027, 11, 7, 1, fold=1),
    )  # the first 01:00 hour: 60 minutes
    booking(room, customer, local(CHICAGO, 2027, 11, 8, 9), local(CHICAGO, 2027, 11, 8, 15))

    rows = resource_occupancy(
        resource_ids=[room.pk],
        window=(local(CHICAGO, 2027, 11, 7), local(CHICAGO, 2027, 11, 9)),
        now=EARLY,
    )

    assert [(r.bucket_start, r.open, r.booked) for r in rows] == [
        (dt.date(2027, 11, 7), dt.timedelta(hours=25), HOUR),
        (dt.date(2027, 11, 8), dt.timedelta(hours=24), dt.timedelta(hours=6)),
    ]
    assert rows[0].utilisation == pytest.approx(1 / 25)
    assert rows[1].booked_span == (local(CHICAGO, 2027, 11, 8, 9), local(CHICAGO, 2027, 11, 8, 15))


def test_occupancy_by_week_starts_on_local_monday(place, customer):
    room = place("Asia/Kolkata", hours=(540, 1020))
    booking(
        room,
        customer,
        local("Asia/Kolkata", 2027, 1, 13, 9),
        local("Asia/Kolkata", 2027, 1, 13, 13),
    )

    rows = resource_occupancy(
        resource_ids=[room.pk],
        bucket="week",
        now=EARLY,
        window=(local("Asia/Kolkata", 2027, 1, 11), local("Asia/Kolkata", 2027, 1, 25)),
    )

    assert [(r.bucket_start, r.open, r.booked) for r in rows] == [
        (dt.date(2027, 1, 11), dt.timedelta(hours=56), dt.timedelta(hours=4)),
        (dt.date(2027, 1, 18), dt.timedelta(hours=56), dt.timedelta(0)),
    ]


@pytest.mark.parametrize(
    "call",
    [
        lambda ids, w: resource_free_periods(resource_ids=ids, window=w, now=EARLY),
        lambda ids, w: resource_slots(resource_ids=ids, window=w, duration=HOUR, now=EARLY),
        lambda ids, w: list(resource_list_free(period=(w[0], w[0] + HOUR), now=EARLY)),
        lambda ids, w: resource_first_free_slot(
            resource_ids=ids, after=w[0], duration=HOUR, now=EARLY
        ),
        lambda ids, w: resource_occupancy(resource_ids=ids, window=w, now=EARLY),
    ],
)
@pytest.mark.parametrize("count", [1, 12])
def test_one_sql_statement_per_request(place, customer, django_assert_num_queries, call, count):
    rooms = [place("Europe/Berlin", hours=(480, 1200)) for _ in range(count)]
    for room in rooms:
        booking(
            room,
            customer,
            local("Europe/Berlin", 2027, 1, 12, 9),
            local("Europe/Berlin", 2027, 1, 12, 10),
        )
    window = (local("Europe/Berlin", 2027, 1, 11), local("Europe/Berlin", 2027, 1, 18))

    with django_assert_num_queries(1):
        call([room.pk for room in rooms], window)


T0 = dt.datetime(2027, 1, 11, 9, tzinfo=UTC)


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"window": (T0, T0)}, "invalid_window"),
        ({"window": (T0 + HOUR, T0)}, "invalid_window"),
        ({"window": (T0, None)}, "invalid_window"),
        ({"window": DateTimeTZRange(None, T0)}, "invalid_window"),
        ({"window": DateTimeTZRange(empty=True)}, "invalid_window"),
        ({"window": DateTimeTZRange(T0, T0 + HOUR, "(]")}, "invalid_window"),
        ({"window": DateTimeTZRange(T0, T0 + HOUR, "[]")}, "invalid_window"),
        ({"window": (T0, T0 + dt.timedelta(days=93))}, "window_too_long"),
        ({"window": (T0.replace(tzinfo=None), T0.replace(tzinfo=None) + HOUR)}, "naive_datetime"),
        ({"duration": dt.timedelta(0)}, "invalid_duration"),
        ({"duration": -HOUR}, "invalid_duration"),
        ({"step": dt.timedelta(0)}, "invalid_step"),
        ({"anchor": "noon"}, "invalid_anchor"),
    ],
)
def test_bad_input_is_a_clear_error(db, kwargs, code):
    arguments = {"resource_ids": [1], "window": (T0, T0 + HOUR), "duration": HOUR, **kwargs}

    with pytest.raises(AvailabilityError) as excinfo:
        resource_slots(**arguments)

    assert excinfo.value.code == code


def test_unknown_time_zone_name():
    assert validate_timezone_name("Asia/Kathmandu").key == "Asia/Kathmandu"
    with pytest.raises(AvailabilityError) as excinfo:
        validate_timezone_name("Mars/Olympus")
    assert excinfo.value.code == "unknown_timezone"


def test_occupancy_window_limit_and_bucket(db):
    with pytest.raises(AvailabilityError) as excinfo:
        resource_occupancy(resource_ids=[1], window=(T0, T0 + dt.timedelta(days=367)))
    assert excinfo.value.code == "window_too_long"
    with pytest.raises(AvailabilityError) as excinfo:
        resource_occupancy(resource_ids=[1], window=(T0, T0 + HOUR), bucket="month")
    assert excinfo.value.code == "invalid_bucket"


def test_occupancy_buckets_whatever_zone_the_window_is_given_in(place):
    # 05:45Z-06:15Z is 23:45-00:15 in Chicago, but already the next evening in Kiritimati.
    room = place(CHICAGO)
    kiritimati = zoneinfo.ZoneInfo("Pacific/Kiritimati")
    window = (
        dt.datetime(2027, 3, 8, 5, 45, tzinfo=UTC).astimezone(kiritimati),
        dt.datetime(2027, 3, 8, 6, 15, tzinfo=UTC).astimezone(kiritimati),
    )

    rows = resource_occupancy(resource_ids=[room.pk], window=window, now=EARLY)

    quarter = dt.timedelta(minutes=15)
    assert [(r.bucket_start, r.open) for r in rows] == [
        (dt.date(2027, 3, 7), quarter),
        (dt.date(2027, 3, 8), quarter),
    ]


def test_havana_repeated_midnight_counts_whatever_the_window_start(place):
    # 31 October 2026's 22:00-24:00 in Havana ends at the later midnight, 05:00Z.
    room = place("America/Havana", hours=None)
    OpeningHours.objects.create(resource=room, weekday=6, hours=NumericRange(1320, 1440))

    late = free(
        room,
        (dt.datetime(2026, 11, 1, 4, tzinfo=UTC), dt.datetime(2026, 11, 1, 6, tzinfo=UTC)),
        now=dt.datetime(2026, 10, 1, tzinfo=UTC),
    )

    assert late == [
        (dt.datetime(2026, 11, 1, 4, tzinfo=UTC), dt.datetime(2026, 11, 1, 5, tzinfo=UTC))
    ]


def test_window_checks_use_instants_not_wall_clocks(place):
    room = place(CHICAGO)
    chicago = zoneinfo.ZoneInfo(CHICAGO)
    first_one = dt.datetime(2027, 11, 7, 1, tzinfo=chicago, fold=0)  # 06:00Z
    second_one = dt.datetime(2027, 11, 7, 1, tzinfo=chicago, fold=1)  # 07:00Z

    periods = free(room, (first_one, second_one))

    assert periods == [
        (dt.datetime(2027, 11, 7, 6, tzinfo=UTC), dt.datetime(2027, 11, 7, 7, tzinfo=UTC))
    ]
    with pytest.raises(AvailabilityError) as excinfo:
        free(
            room,
            (
                dt.datetime(2027, 11, 7, 1, 30, tzinfo=chicago, fold=1),
                dt.datetime(2027, 11, 7, 1, 45, tzinfo=chicago, fold=0),
            ),
        )
    assert excinfo.value.code == "invalid_window"
    with pytest.raises(AvailabilityError) as excinfo:  # 92 days and 1 hour of elapsed time
        free(
            room,
            (dt.datetime(2027, 10, 1, tzinfo=chicago), dt.datetime(2028, 1, 1, tzinfo=chicago)),
        )
    assert excinfo.value.code == "window_too_long"


def test_first_free_slot_lookahead_is_elapsed_time(place, customer):
    # 14 days after 2027-10-31 12:00 CDT is 2027-11-14 11:00 CST, not 12:00.
    room = place(CHICAGO, hours=(660, 720))  # 11:00-12:00 local every day
    chicago = zoneinfo.ZoneInfo(CHICAGO)
    after = dt.datetime(2027, 10, 31, 12, tzinfo=chicago)
    for day in range(1, 14):
        booking(
            room,
            customer,
            dt.datetime(2027, 11, day, 11, tzinfo=chicago),
            dt.datetime(2027, 11, day, 12, tzinfo=chicago),
        )

    first = resource_first_free_slot(resource_ids=[room.pk], after=after, duration=HOUR, now=EARLY)

    assert first == {room.pk: None}  # 2027-11-14 11:00 CST is exactly at the lookahead's end

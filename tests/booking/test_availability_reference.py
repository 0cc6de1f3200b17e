"""Hand-worked examples that pin the reference implementation to docs/availability.md.

No database, except for `load()`. Chicago is UTC-6 (CST) / UTC-5 (CDT): on 2026-03-08 it
skips 02:00-03:00, on 2026-11-01 it repeats 01:00-02:00. Berlin is UTC+1 in January.
"""

import datetime as dt
import zoneinfo

import pytest
from django.db.backends.postgresql.psycopg_any import DateRange, DateTimeTZRange, NumericRange

from booking.models import Booking, Closure, OpeningHours, SpecialHours, Venue
from tests.booking import availability_reference as ref
from tests.booking.availability_reference import BookingRow, ResourceData, Rule
from tests.conftest import make_resource

UTC = dt.UTC
HOUR = dt.timedelta(hours=1)
MINUTE = dt.timedelta(minutes=1)
NOW = dt.datetime(2026, 1, 1, tzinfo=UTC)  # before every window below
CHICAGO, BERLIN = "America/Chicago", "Europe/Berlin"
SPRING, FALL = dt.date(2026, 3, 8), dt.date(2026, 11, 1)  # Chicago's DST nights
MONDAY = dt.date(2027, 1, 11)


def utc(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


def local(zone: str, day: dt.date, hour: int, minute: int = 0, *, fold: int = 0):
    wall = dt.datetime.combine(day, dt.time(hour, minute, fold=fold))
    return wall.replace(tzinfo=zoneinfo.ZoneInfo(zone)).astimezone(UTC)


def berlin(hour: int, minute: int = 0, *, day: dt.date = MONDAY) -> dt.datetime:
    return local(BERLIN, day, hour, minute)


def whole_day(zone: str, day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    return ref.midnight(zone, day), ref.midnight(zone, day + dt.timedelta(days=1))


def resource(zone: str = BERLIN, hours: tuple[int, int] | None = (0, 1440), **fields):
    """Open `hours` every day (none if None); bookable for parties of 1-8, 15 min-24 h."""
    values = {
        "id": 1,
        "timezone": zone,
        "is_active": True,
        "capacity": (1, 9),
        "turnaround": dt.timedelta(0),
        "min_notice": dt.timedelta(0),
        "horizon": dt.timedelta(days=1000),
        "min_length": 15 * MINUTE,
        "max_length": 24 * HOUR,
        "slot_step": 30 * MINUTE,
        "rules": [Rule(day, hours, None, None) for day in range(1, 8)] if hours else [],
    }
    return ResourceData(**{**values, **fields})


def booking(
    start, end, *, id=1, status="confirmed", turnaround=dt.timedelta(0), hold_expires_at=None
) -> BookingRow:
    return BookingRow(id, (start, end), (start, end + turnaround), status, hold_expires_at)


def wall_hours(zone: str, instants) -> list[str]:
    return [s.astimezone(zoneinfo.ZoneInfo(zone)).strftime("%H:%M") for s in instants]


# --- Local instants ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("zone", "day", "minutes", "expected"),
    [
        ("America/New_York", dt.date(2026, 3, 8), 150, utc(2026, 3, 8, 7, 30)),  # skipped
        ("America/New_York", dt.date(2026, 11, 1), 90, utc(2026, 11, 1, 6, 30)),  # repeated
        ("America/New_York", dt.date(2026, 11, 1), 180, utc(2026, 11, 1, 8)),
        (CHICAGO, SPRING, 1440, utc(2026, 3, 9, 5)),  # 24:00 is the next midnight (CDT)
        ("Australia/Lord_Howe", dt.date(2026, 10, 4), 135, utc(2026, 10, 3, 15, 45)),
        ("Australia/Lord_Howe", dt.date(2026, 4, 5), 90, utc(2026, 4, 4, 15)),
        ("Australia/Lord_Howe", dt.date(2026, 4, 5), 105, utc(2026, 4, 4, 15, 15)),
        ("Asia/Kathmandu", MONDAY, 0, utc(2027, 1, 10, 18, 15)),
    ],
)
def test_local_instant_follows_postgres(zone, day, minutes, expected):
    assert ref.local_instant(zone, day, minutes) == expected


# --- DST nights on the midnight grid -----------------------------------------------------


def test_slots_spring_forward_night_has_no_two_oclock():
    res = resource(CHICAGO, slot_step=HOUR)

    starts = ref.slots(res, whole_day(CHICAGO, SPRING), NOW, HOUR)

    assert len(starts) == 23
    assert starts[0] == utc(2026, 3, 8, 6) and starts[-1] == utc(2026, 3, 9, 4)
    assert wall_hours(CHICAGO, starts) == [f"{h:02d}:00" for h in range(24) if h != 2]


def test_slots_fall_back_night_has_one_oclock_twice():
    res = resource(CHICAGO, slot_step=HOUR)

    starts = ref.slots(res, whole_day(CHICAGO, FALL), NOW, HOUR)

    assert len(starts) == 25
    assert starts[1:3] == [utc(2026, 11, 1, 6), utc(2026, 11, 1, 7)]
    assert wall_hours(CHICAGO, starts) == ["00:00", "01:00"] + [f"{h:02d}:00" for h in range(1, 24)]


def test_midnight_grid_counts_elapsed_time_on_a_23_hour_day():
    res = resource(CHICAGO)

    starts = ref.slots(res, whole_day(CHICAGO, SPRING), NOW, HOUR, step=90 * MINUTE)

    # mid(D) = 06:00Z; + 3 × 90 min = 10:30Z = 05:30 CDT, not a wall-clock 04:30.
    assert wall_hours(CHICAGO, starts[:5]) == ["00:00", "01:30", "04:00", "05:30", "07:00"]
    assert starts[-1] == utc(2026, 3, 9, 3)  # 14 × 90 min after midnight, 22:00 CDT


def test_midnight_grid_restarts_each_local_date():
    res = resource("Asia/Kolkata")
    start = ref.midnight("Asia/Kolkata", MONDAY)
    window = (start, start + 48 * HOUR)

    starts = ref.slots(res, window, NOW, 50 * MINUTE, step=50 * MINUTE)

    assert len(starts) == 2 * 29 - 1  # 00:00 ... 23:20, twice; the last one would end late
    assert wall_hours("Asia/Kolkata", starts[27:30]) == ["22:30", "23:20", "00:00"]
    assert starts[29] == utc(2027, 1, 11, 18, 30)


def test_hours_in_the_repeated_hour_start_at_the_later_instant():
    res = resource(CHICAGO, hours=(60, 180))

    assert ref.free_periods(res, whole_day(CHICAGO, FALL), NOW) == [
        (utc(2026, 11, 1, 7), utc(2026, 11, 1, 9))
    ]


@pytest.mark.parametrize(
    ("hours", "expected"),
    [((150, 240), [(utc(2026, 3, 8, 8, 30), utc(2026, 3, 8, 9))]), ((150, 180), [])],
)
def test_hours_in_the_skipped_hour_take_the_offset_before_the_jump(hours, expected):
    res = resource(CHICAGO, hours=hours)

    assert ref.free_periods(res, whole_day(CHICAGO, SPRING), NOW) == expected


def test_lord_howe_half_hour_jump():
    zone = "Australia/Lord_Howe"
    res = resource(zone, slot_step=HOUR)

    starts = ref.slots(res, whole_day(zone, dt.date(2026, 10, 4)), NOW, HOUR)

    assert len(starts) == 23  # a 23.5-hour day: midnight + 23 h would end after midnight
    assert wall_hours(zone, starts[1:4]) == ["01:00", "02:30", "03:30"]


def test_midnight_grid_follows_mid_d_where_clocks_change_at_midnight():
    # Havana repeats 00:00-01:00 on 2026-11-01: mid(1 Nov) is the later 00:00 (05:00Z), so
    # 31 October's grid runs 25 h, from 04:00Z on 31 Oct to 05:00Z on 1 Nov.
    zone = "America/Havana"
    res = resource(
        zone,
        rules=[Rule(6, (1320, 1440), None, None), Rule(7, (0, 1440), None, None)],
        closures=[(utc(2026, 11, 1, 3), utc(2026, 11, 1, 4))],
    )
    window = (utc(2026, 11, 1, 3), utc(2026, 11, 1, 6))

    # 04:00Z = mid(31 Oct) + 16 × 90 min; 05:30Z would be the 17th, past mid(1 Nov).
    assert ref.slots(res, window, NOW, 30 * MINUTE, step=90 * MINUTE) == [
        utc(2026, 11, 1, 4),
        utc(2026, 11, 1, 5),
    ]


def test_hours_reaching_past_a_repeated_midnight_count_whatever_the_window_start():
    # Havana repeats 00:00-01:00 on 1 November 2026: 31 October's 22:00-24:00 runs
    # 02:00Z-05:00Z, past the first midnight (04:00Z). The dates considered start the day
    # before the window's, so a window from 04:00Z sees it too.
    zone = "America/Havana"
    res = resource(zone, rules=[Rule(6, (1320, 1440), None, None)])

    assert ref.free_periods(res, (utc(2026, 11, 1, 4), utc(2026, 11, 1, 6)), NOW) == [
        (utc(2026, 11, 1, 4), utc(2026, 11, 1, 5))
    ]
    assert ref.free_periods(res, (utc(2026, 11, 1, 3), utc(2026, 11, 1, 6)), NOW) == [
        (utc(2026, 11, 1, 3), utc(2026, 11, 1, 5))
    ]


# --- Time zones and hours ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("zone", "first", "last"),
    [
        ("Asia/Kolkata", utc(2027, 1, 11, 3, 30), utc(2027, 1, 11, 10, 30)),
        ("Asia/Kathmandu", utc(2027, 1, 11, 3, 15), utc(2027, 1, 11, 10, 15)),
    ],
)
def test_slots_in_half_and_quarter_hour_offsets(zone, first, last):
    res = resource(zone, hours=(540, 1020))

    starts = ref.slots(res, whole_day(zone, MONDAY), NOW, HOUR)

    assert (len(starts), starts[0], starts[-1]) == (15, first, last)


def test_hours_ending_at_24_join_the_next_morning():
    res = resource(rules=[Rule(1, (1320, 1440), None, None), Rule(2, (0, 120), None, None)])
    window = (berlin(0), berlin(0, day=MONDAY + dt.timedelta(days=2)))

    assert ref.free_periods(res, window, NOW) == [(utc(2027, 1, 11, 21), utc(2027, 1, 12, 1))]
    assert ref.slots(res, window, NOW, 3 * HOUR, step=HOUR) == [
        utc(2027, 1, 11, 21),
        utc(2027, 1, 11, 22),
    ]


def test_special_hours_replace_rules_and_close_days():
    tuesday, wednesday = MONDAY + dt.timedelta(days=1), MONDAY + dt.timedelta(days=2)
    res = resource(
        hours=(540, 1020),
        special={
            MONDAY: [(600, 660), (900, 960)],
            tuesday: [None],
        },
    )
    window = (berlin(0), berlin(0, day=MONDAY + dt.timedelta(days=3)))

    assert ref.free_periods(res, window, NOW) == [
        (berlin(10), berlin(11)),
        (berlin(15), berlin(16)),
        (berlin(9, day=wednesday), berlin(17, day=wednesday)),
    ]


def test_window_across_a_month_end_with_a_season():
    # Weekdays 09:00-17:00 until 2027-02-01 (excluded), then 10:00-12:00.
    rules = [Rule(d, (540, 1020), None, dt.date(2027, 2, 1)) for d in range(1, 6)]
    rules += [Rule(d, (600, 720), dt.date(2027, 2, 1), None) for d in range(1, 6)]
    res = resource(rules=rules)
    friday, monday, tuesday = dt.date(2027, 1, 29), dt.date(2027, 2, 1), dt.date(2027, 2, 2)

    periods = ref.free_periods(res, (berlin(12, day=friday), berlin(11, day=tuesday)), NOW)

    assert periods == [
        (berlin(12, day=friday), berlin(17, day=friday)),
        (berlin(10, day=monday), berlin(12, day=monday)),
        (berlin(10, day=tuesday), berlin(11, day=tuesday)),
    ]


# --- Bookings, turnaround, closures, holds -------------------------------------------------


def test_back_to_back_bookings():
    res = resource(
        hours=(540, 1020),
        bookings=[
            booking(berlin(10), berlin(11), id=1),
            booking(berlin(11), berlin(12), id=2),
        ],
    )

    assert ref.free_periods(res, whole_day(BERLIN, MONDAY), NOW) == [
        (berlin(9), berlin(10)),
        (berlin(12), berlin(17)),
    ]
    assert ref.slots(res, whole_day(BERLIN, MONDAY), NOW, HOUR, step=HOUR) == [
        berlin(9),
        berlin(12),
        berlin(13),
        berlin(14),
        berlin(15),
        berlin(16),
    ]


def test_turnaround_is_not_doubled():
    t = 30 * MINUTE
    res = resource(
        hours=(540, 1020),
        turnaround=t,
        bookings=[
            booking(berlin(10), berlin(11), id=1, turnaround=t),
            booking(berlin(13), berlin(14), id=2, turnaround=t),
        ],
    )

    starts = ref.slots(res, whole_day(BERLIN, MONDAY), NOW, HOUR)

    # 11:30 ends 12:30, its turnaround 13:00 = the next booking; 16:00's runs past closing.
    assert starts == [berlin(11, 30), berlin(14, 30), berlin(15), berlin(15, 30), berlin(16)]


def test_current_turnaround_guards_bookings_written_without_one():
    res = resource(
        hours=(540, 1020), turnaround=30 * MINUTE, bookings=[booking(berlin(11), berlin(12))]
    )  # blocked = period

    starts = ref.slots(res, (berlin(9), berlin(13)), NOW, HOUR)

    assert starts == [berlin(9), berlin(9, 30), berlin(12)]


def test_closures_of_venue_and_resource_but_turnaround_may_run_into_them():
    res = resource(
        hours=(540, 1020),
        turnaround=30 * MINUTE,
        closures=[(berlin(10), berlin(12)), (berlin(15), None)],
    )

    assert ref.free_periods(res, whole_day(BERLIN, MONDAY), NOW) == [
        (berlin(9), berlin(10)),
        (berlin(12), berlin(15)),
    ]
    assert ref.slots(res, whole_day(BERLIN, MONDAY), NOW, HOUR, step=HOUR) == [
        berlin(9),
        berlin(12),
        berlin(13),
        berlin(14),
    ]
    assert ref.free_periods(res, whole_day(BERLIN, MONDAY + dt.timedelta(days=1)), NOW) == []


def test_only_confirmed_bookings_and_live_holds_are_busy():
    now = berlin(8)
    res = resource(
        hours=(540, 1020),
        bookings=[
            booking(berlin(9), berlin(10), id=1, status="held", hold_expires_at=now + MINUTE),
            booking(berlin(10), berlin(11), id=2, status="held", hold_expires_at=now),
            booking(berlin(11), berlin(12), id=3, status="expired"),
            booking(berlin(12), berlin(13), id=4, status="cancelled"),
            booking(berlin(14), berlin(15), id=5),
        ],
    )

    assert ref.free_periods(res, whole_day(BERLIN, MONDAY), now) == [
        (berlin(10), berlin(14)),
        (berlin(15), berlin(17)),
    ]
    assert ref.free_periods(res, whole_day(BERLIN, MONDAY), now, ignore_booking_id=5) == [
        (berlin(10), berlin(17))
    ]


def test_min_notice_and_both_anchors():
    now = berlin(9, 10)
    res = resource(hours=(540, 1020), min_notice=HOUR)
    window = whole_day(BERLIN, MONDAY)

    midnight = ref.slots(res, window, now, HOUR)
    free_start = ref.slots(res, window, now, HOUR, anchor="free_start")

    assert ref.free_periods(res, window, now) == [(berlin(10, 10), berlin(17))]
    assert (midnight[0], midnight[-1], len(midnight)) == (berlin(10, 30), berlin(16), 12)
    assert (free_start[0], free_start[-1], len(free_start)) == (berlin(10, 10), berlin(15, 40), 12)


def test_free_start_anchor_follows_the_end_of_a_booking():
    res = resource(hours=(540, 1020), bookings=[booking(berlin(9), berlin(10, 20))])

    starts = ref.slots(res, (berlin(9), berlin(12)), NOW, HOUR, anchor="free_start")

    assert starts == [berlin(10, 20), berlin(10, 50)]
    assert ref.slots(res, (berlin(9), berlin(12)), NOW, HOUR) == [berlin(10, 30), berlin(11)]


def test_horizon_lets_a_slot_end_exactly_at_it():
    now = berlin(6)
    res = resource(horizon=dt.timedelta(hours=5))

    starts = ref.slots(res, whole_day(BERLIN, MONDAY), now, HOUR, step=HOUR)

    assert starts == [berlin(h) for h in range(6, 11)]


def test_party_size_and_duration_limits():
    res = resource(capacity=(2, 5), min_length=30 * MINUTE, max_length=2 * HOUR)
    window = (berlin(9), berlin(12))

    assert len(ref.slots(res, window, NOW, HOUR, party_size=4)) == 5
    assert ref.slots(res, window, NOW, HOUR, party_size=5) == []
    assert ref.slots(res, window, NOW, HOUR, party_size=1) == []
    assert ref.slots(res, window, NOW, 15 * MINUTE) == []
    assert ref.slots(res, window, NOW, 3 * HOUR) == []


# --- Free during, first free slot -----------------------------------------------------------


def test_free_during_needs_room_for_the_turnaround():
    res = resource(
        hours=(540, 1020),
        turnaround=30 * MINUTE,
        capacity=(1, 4),
        bookings=[booking(berlin(12), berlin(13))],
    )

    assert ref.free_during(res, (berlin(10), berlin(11, 30)), NOW)
    assert not ref.free_during(res, (berlin(10), berlin(11, 45)), NOW)
    assert not ref.free_during(res, (berlin(8, 30), berlin(9, 30)), NOW)  # before opening
    assert not ref.free_during(res, (berlin(10), berlin(11)), NOW, party_size=4)
    assert not ref.free_during(res, (berlin(10), berlin(10, 10)), NOW)  # below min length
    inactive = resource(hours=(540, 1020), is_active=False)
    assert not ref.free_during(inactive, (berlin(10), berlin(11)), NOW)


def test_first_free_slot_looks_ahead_on_the_midnight_grid():
    res = resource(hours=(540, 1020), special={MONDAY: [None]})

    tuesday = MONDAY + dt.timedelta(days=1)
    assert ref.first_free_slot(res, berlin(12), HOUR, NOW) == berlin(9, day=tuesday)
    assert ref.first_free_slot(res, berlin(0), HOUR, NOW, lookahead=24 * HOUR) is None


# --- Occupancy -------------------------------------------------------------------------------


def test_occupancy_counts_a_23_hour_day():
    res = resource(
        CHICAGO,
        bookings=[
            booking(local(CHICAGO, SPRING, 10), local(CHICAGO, SPRING, 12), id=1, turnaround=HOUR),
            booking(
                local(CHICAGO, SPRING, 13),
                local(CHICAGO, SPRING, 14),
                id=2,
                status="held",
                hold_expires_at=NOW,
            ),
        ],
    )
    window = (
        ref.midnight(CHICAGO, SPRING - dt.timedelta(1)),
        ref.midnight(CHICAGO, SPRING + dt.timedelta(2)),
    )

    assert ref.occupancy(res, window, NOW) == [
        (SPRING - dt.timedelta(1), 24 * HOUR, dt.timedelta(0), 0.0),
        (SPRING, 23 * HOUR, 2 * HOUR, 2 / 23),
        (SPRING + dt.timedelta(1), 24 * HOUR, dt.timedelta(0), 0.0),
    ]


def test_occupancy_by_week_clips_to_the_window_and_closures():
    res = resource(
        CHICAGO,
        hours=(540, 1020),
        closures=[(local(CHICAGO, SPRING, 9), local(CHICAGO, SPRING, 10))],
        bookings=[booking(local(CHICAGO, SPRING, 16), local(CHICAGO, SPRING, 18))],
    )
    # Thursday 2026-03-05 12:00 to Tuesday 2026-03-10 00:00.
    window = (local(CHICAGO, dt.date(2026, 3, 5), 12), ref.midnight(CHICAGO, dt.date(2026, 3, 10)))

    rows = ref.occupancy(res, window, NOW, bucket="week")

    # Week of 2 March: Thu 5 h + Fri, Sat 8 h + Sun 7 h; week of 9 March: Mon 8 h.
    assert rows == [
        (dt.date(2026, 3, 2), 28 * HOUR, HOUR, 1 / 28),
        (dt.date(2026, 3, 9), 8 * HOUR, dt.timedelta(0), 0.0),
    ]


def test_occupancy_without_open_time_has_no_utilisation():
    res = resource(CHICAGO, hours=None)

    assert ref.occupancy(res, whole_day(CHICAGO, FALL), NOW) == [
        (FALL, dt.timedelta(0), dt.timedelta(0), None)
    ]


# --- Loading ----------------------------------------------------------------------------------


def test_load_reads_rules_special_hours_closures_and_bookings(
    category,
    customer,
    django_assert_max_num_queries,
):
    venue = Venue.objects.create(
        name="Loop", slug="loop", city="Chicago", country="US", timezone=CHICAGO
    )
    res = make_resource(
        venue, category, all_day=False, turnaround=15 * MINUTE, capacity=NumericRange(2, 5)
    )
    OpeningHours.objects.create(
        resource=res,
        weekday=1,
        hours=NumericRange(540, 1020),
        valid_during=DateRange(dt.date(2026, 1, 1), None),
    )
    SpecialHours.objects.create(resource=res, date=SPRING, hours=None)
    Closure.objects.create(venue=venue, period=DateTimeTZRange(utc(2026, 5, 1), None))
    Closure.objects.create(resource=res, period=DateTimeTZRange(utc(2026, 4, 1), utc(2026, 4, 2)))
    period = DateTimeTZRange(utc(2026, 3, 9, 15), utc(2026, 3, 9, 16))
    held = Booking.objects.create(
        resource=res,
        customer=customer,
        period=period,
        status="held",
        hold_expires_at=utc(2026, 3, 1),
    )

    with django_assert_max_num_queries(6):
        data = ref.load([res.pk, res.pk + 1000])

    loaded = data[res.pk]
    assert list(data) == [res.pk]
    assert (loaded.timezone, loaded.capacity, loaded.turnaround) == (CHICAGO, (2, 5), 15 * MINUTE)
    assert loaded.rules == [Rule(1, (540, 1020), dt.date(2026, 1, 1), None)]
    assert loaded.special == {SPRING: [None]}
    assert sorted(loaded.closures) == [(utc(2026, 4, 1), utc(2026, 4, 2)), (utc(2026, 5, 1), None)]
    assert loaded.bookings == [
        BookingRow(
            held.pk,
            (utc(2026, 3, 9, 15), utc(2026, 3, 9, 16)),
            (utc(2026, 3, 9, 15), utc(2026, 3, 9, 16, 15)),
            "held",
            utc(2026, 3, 1),
        )
    ]

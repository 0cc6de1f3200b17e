import datetime as dt
import zoneinfo

import pytest
from django.db import connection

from booking.localtime import local_period_text, to_instant, to_local
from booking.services import Range

UTC = dt.UTC


@pytest.mark.parametrize(
    ("zone", "local", "expected"),
    [
        ("America/New_York", "2026-03-08 02:30", "2026-03-08 07:30"),  # skipped: offset before
        ("America/New_York", "2026-11-01 01:30", "2026-11-01 06:30"),  # repeated: the later one
        ("Europe/Berlin", "2026-10-25 02:30", "2026-10-25 01:30"),
        ("Europe/Berlin", "2027-03-28 02:00", "2027-03-28 01:00"),
        ("Australia/Lord_Howe", "2026-10-04 02:15", "2026-10-03 15:45"),  # half-hour jump
        ("Asia/Kolkata", "2026-07-01 12:00", "2026-07-01 06:30"),
    ],
)
def test_to_instant_agrees_with_postgresql(db, zone, local, expected):
    with connection.cursor() as cursor:
        cursor.execute("SELECT %s::timestamp AT TIME ZONE %s", [local, zone])
        postgres = cursor.fetchone()[0]

    instant = to_instant(dt.datetime.fromisoformat(local), zoneinfo.ZoneInfo(zone))

    assert instant == postgres == dt.datetime.fromisoformat(expected).replace(tzinfo=UTC)


def test_to_local_is_naive_wall_clock():
    berlin = zoneinfo.ZoneInfo("Europe/Berlin")

    assert to_local(dt.datetime(2026, 11, 24, 13, tzinfo=UTC), berlin) == dt.datetime(
        2026, 11, 24, 14
    )


def test_local_period_text_open_ended():
    berlin = zoneinfo.ZoneInfo("Europe/Berlin")
    start = dt.datetime(2026, 12, 31, 17, tzinfo=UTC)

    assert local_period_text(Range(start, None, "[)"), berlin) == (
        "from Thu 31 Dec 2026 18:00 CET, until further notice"
    )
    assert local_period_text(Range(start, start + dt.timedelta(hours=8), "[)"), berlin) == (
        "Thu 31 Dec 2026 18:00–Fri 01 Jan 2027 02:00 CET"
    )


def test_local_period_text_across_an_offset_change_names_both_ends():
    havana = zoneinfo.ZoneInfo("America/Havana")  # 01:00 CDT became 00:00 CST
    berlin = zoneinfo.ZoneInfo("Europe/Berlin")
    repeated_midnight = Range(dt.datetime(2026, 11, 1, 4, tzinfo=UTC),
                              dt.datetime(2026, 11, 1, 5, tzinfo=UTC), "[)")
    across_spring = Range(dt.datetime(2026, 3, 29, 0, tzinfo=UTC),
                          dt.datetime(2026, 3, 29, 2, tzinfo=UTC), "[)")

    assert local_period_text(repeated_midnight, havana) == "Sun 01 Nov 2026 00:00 CDT–00:00 CST"
    assert local_period_text(across_spring, berlin) == "Sun 29 Mar 2026 01:00 CET–04:00 CEST"


def test_local_period_text_with_one_name_for_two_offsets_gives_the_offsets():
    # Europe/Moscow went from +04 (named MSK) to +03 (still MSK) on 26 Oct 2014.
    moscow = zoneinfo.ZoneInfo("Europe/Moscow")
    period = Range(dt.datetime(2014, 10, 25, 21, tzinfo=UTC),
                   dt.datetime(2014, 10, 25, 22, tzinfo=UTC), "[)")

    assert local_period_text(period, moscow) == (
        "Sun 26 Oct 2014 01:00 UTC+04:00–01:00 UTC+03:00")

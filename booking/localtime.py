"""Venue-local wall-clock time <-> instants, with PostgreSQL's rule for DST edges.

`(local_timestamp AT TIME ZONE zone)` in PostgreSQL reads a wall-clock time that does not
exist (clocks jumped forward) with the offset in force before the jump, and one that occurs
twice (clocks went back) as the later instant. Python's zoneinfo agrees with fold=0 for the
first case and with fold=1 for the second, so code that turns local input into instants picks
the fold on purpose and agrees with the SQL functions.
"""

import datetime as dt
import zoneinfo

UTC = dt.UTC


def to_instant(local: dt.datetime, zone: zoneinfo.ZoneInfo) -> dt.datetime:
    """The instant (in UTC) a naive venue-local wall-clock time stands for, as PostgreSQL
    reads it."""
    # A skipped time read with the offset before the jump, and the second of a repeated
    # time, are both the later of zoneinfo's two readings. Compared and returned in UTC:
    # Python compares datetimes of one zone by wall clock, and of two zones never equal
    # when fold matters.
    readings = (local.replace(tzinfo=zone, fold=fold).astimezone(UTC) for fold in (0, 1))
    return max(readings)


def to_local(instant: dt.datetime, zone: zoneinfo.ZoneInfo) -> dt.datetime:
    """The naive venue-local wall-clock time of an instant."""
    return instant.astimezone(zone).replace(tzinfo=None)


def local_instant_text(instant: dt.datetime, zone: zoneinfo.ZoneInfo) -> str:
    """`Tue 24 Nov 2026 14:00 CET`."""
    return instant.astimezone(zone).strftime("%a %d %b %Y %H:%M %Z")


def local_period_text(period, zone: zoneinfo.ZoneInfo) -> str:
    """`Tue 24 Nov 2026 14:00–16:00 CET`, or `from Tue 24 Nov 2026 14:00 CET` when open-ended.

    Across an offset change both ends name their zone (`Sun 01 Nov 2026 00:00 CDT–00:00
    CST` in Havana, where midnight comes twice), as a UTC offset when both ends' names
    are the same."""
    start = period.lower.astimezone(zone)
    if period.upper is None:
        return f"from {start.strftime('%a %d %b %Y %H:%M %Z')}, until further notice"
    end = period.upper.astimezone(zone)
    end_text = end.strftime("%H:%M" if start.date() == end.date() else "%a %d %b %Y %H:%M")
    start_text = start.strftime("%a %d %b %Y %H:%M")
    if start.utcoffset() == end.utcoffset():
        return f"{start_text}–{end_text} {end.strftime('%Z')}"
    if start.strftime("%Z") != end.strftime("%Z"):
        return f"{start_text} {start.strftime('%Z')}–{end_text} {end.strftime('%Z')}"
    return f"{start_text} {_utc_offset(start)}–{end_text} {_utc_offset(end)}"


def _utc_offset(value: dt.datetime) -> str:
    minutes = int(value.utcoffset().total_seconds()) // 60
    sign, minutes = ("+" if minutes >= 0 else "-"), abs(minutes)
    return f"UTC{sign}{minutes // 60:02d}:{minutes % 60:02d}"

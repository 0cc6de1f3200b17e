"""The admin's booking calendar: what to draw where, in a venue's time zone.

One column per resource and local date. A column spans the instants from that date's
local midnight to the next one (read with PostgreSQL's rule, booking.localtime), so a
day when clocks go forward is 23 hours long and one when they go back 25: every block is
placed by the elapsed time since the column's start, never by its wall-clock reading.
"""

import datetime as dt
import zoneinfo
from dataclasses import dataclass, field

from django.db import connection
from django.db.backends.postgresql.psycopg_any import DateTimeTZRange
from django.db.models import Q

from booking.localtime import to_instant, to_local
from booking.models import (
    ACTIVE_STATUSES,
    Booking,
    Closure,
    Resource,
    SpecialHours,
    Venue,
    format_minutes,
)

HOUR = dt.timedelta(hours=1)
VIEWS = {"day": 1, "week": 7}


@dataclass(frozen=True)
class Block:
    """Something drawn in a column, `top` and `length` in hours from the column's start."""

    kind: str  # open | closure | booking | held
    top: float
    length: float
    start: dt.datetime
    end: dt.datetime
    label: str = ""
    booking: Booking | None = None
    tail: float = 0.0  # the turnaround after a booking, in hours
    lead: float = 0.0  # hours of the booking before this column (drawn in the one before)
    clipped: bool = False  # the block goes on before or after this column
    zone: zoneinfo.ZoneInfo | None = None

    @property
    def local_start(self) -> dt.datetime:
        return to_local(self.start, self.zone)

    @property
    def local_end(self) -> dt.datetime:
        return to_local(self.end, self.zone)


@dataclass
class Column:
    resource: Resource
    date: dt.date
    start: dt.datetime
    end: dt.datetime
    zone: zoneinfo.ZoneInfo
    blocks: list[Block] = field(default_factory=list)
    now: float | None = None  # hours from the start to now, if now lies in the column
    notes: list[str] = field(default_factory=list)  # special hours of the date

    @property
    def hours(self) -> float:
        return (self.end - self.start) / HOUR

    @property
    def hour_marks(self) -> list[tuple[float, str]]:
        """(hours since the column's start, local wall-clock label) of each hour line."""
        marks, at = [], self.start
        while at < self.end:
            marks.append(((at - self.start) / HOUR, at.astimezone(self.zone).strftime("%H:%M")))
            at += HOUR
        return marks

    @property
    def clock_change(self) -> str:
        """`23 hours: clocks go forward (CET → CEST)`, or "" on a 24-hour day."""
        if self.hours == 24:
            return ""
        before, after = self.start.astimezone(self.zone), self.end.astimezone(self.zone)
        way = "forward" if self.hours < 24 else "back"
        return f"{self.hours:g} hours: clocks go {way} ({before:%Z} → {after:%Z})"

    @property
    def regular(self) -> bool:
        """Its hour lines read 00:00 to 23:00 like the shared time axis."""
        return [label for _, label in self.hour_marks] == AXIS_LABELS

    def place(self, start: dt.datetime, end: dt.datetime) -> tuple[float, float, bool] | None:
        """(top, length, clipped) of [start, end) in this column; None outside it."""
        lower, upper = max(start, self.start), min(end, self.end)
        if upper <= lower:
            return None
        clipped = lower != start or upper != end
        return (lower - self.start) / HOUR, (upper - lower) / HOUR, clipped


AXIS_LABELS = [f"{hour:02d}:00" for hour in range(24)]


@dataclass
class Calendar:
    venue: Venue
    resources: list[Resource]
    dates: list[dt.date]
    view: str
    columns: list[Column]

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return self.venue.zone

    @property
    def hours(self) -> float:
        return max(column.hours for column in self.columns)


def week_dates(day: dt.date, view: str) -> list[dt.date]:
    """The date alone, or the ISO week (Monday to Sunday) it lies in."""
    first = day - dt.timedelta(days=day.weekday()) if view == "week" else day
    return [first + dt.timedelta(days=offset) for offset in range(VIEWS[view])]


def local_midnight(day: dt.date, zone: zoneinfo.ZoneInfo) -> dt.datetime:
    return to_instant(dt.datetime.combine(day, dt.time()), zone)


def calendar_build(
    *, venue: Venue, resources: list[Resource], day: dt.date, view: str, now: dt.datetime
) -> Calendar:
    """The columns of `resources` (all of `venue`) on the date or week of `day`, with their
    opening hours, special days, closures and active bookings. Four queries, whatever the
    number of resources, dates and bookings."""
    zone, dates = venue.zone, week_dates(day, view)
    columns = [
        Column(resource, date, local_midnight(date, zone),
               local_midnight(date + dt.timedelta(days=1), zone), zone)
        for date in dates
        for resource in resources
    ]
    for column in columns:
        if column.start <= now < column.end:
            column.now = (now - column.start) / HOUR
    window = DateTimeTZRange(columns[0].start, columns[-1].end, "[)") if columns else None
    if window:
        _add_opening_hours(columns, resources, window)
        _add_closures(columns, venue, resources, window)
        _add_special_days(columns, resources, dates)
        _add_bookings(columns, resources, window)
    return Calendar(venue, resources, dates, view, columns)


def _of_resource(columns: list[Column], resource_id: int) -> list[Column]:
    return [column for column in columns if column.resource.pk == resource_id]


def _add_opening_hours(columns, resources, window) -> None:
    # booking_opening_hours (sql/functions/): weekly rules and special days, venue-local,
    # DST-correct, as availability reads them.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT resource_id, open FROM booking_opening_hours(%s::bigint[], %s::tstzrange)",
            [[resource.pk for resource in resources], window],
        )
        rows = cursor.fetchall()
    for resource_id, open_time in rows:
        for piece in open_time:
            _add(_of_resource(columns, resource_id), "open", piece.lower, piece.upper)


def _add_closures(columns, venue, resources, window) -> None:
    closures = Closure.objects.filter(
        Q(venue=venue) | Q(resource__in=resources), period__overlap=window
    )
    for closure in closures:
        label = f"Closed: {closure.reason}" if closure.reason else "Closed"
        targets = columns if closure.venue_id else _of_resource(columns, closure.resource_id)
        end = closure.period.upper or window.upper
        _add(targets, "closure", closure.period.lower, end, label=label)


def _add_special_days(columns, resources, dates) -> None:
    special = SpecialHours.objects.filter(resource__in=resources, date__in=dates)
    for day in special:
        text = f"{format_minutes(day.hours)}" if day.hours else "closed all day"
        for column in _of_resource(columns, day.resource_id):
            if column.date == day.date:
                column.notes.append(f"Special hours {text}" + (f": {day.note}" if day.note else ""))


def _add_bookings(columns, resources, window) -> None:
    bookings = (
        Booking.objects.filter(resource__in=resources, status__in=ACTIVE_STATUSES)
        .filter(blocked__overlap=window)
        .select_related("customer", "resource__venue")
    )
    for booking in bookings:
        kind = "held" if booking.status == "held" else "booking"
        for column in _of_resource(columns, booking.resource_id):
            placed = column.place(booking.period.lower, booking.period.upper)
            if placed:
                top, length, clipped = placed
                blocked = column.place(booking.period.upper, booking.blocked.upper)
                column.blocks.append(Block(
                    kind, top, length, booking.period.lower, booking.period.upper,
                    booking=booking, tail=blocked[1] if blocked else 0.0, clipped=clipped,
                    lead=max(0.0, (column.start - booking.period.lower) / HOUR), zone=column.zone,
                ))


def _add(columns, kind: str, start, end, *, label: str = "") -> None:
    for column in columns:
        placed = column.place(start, end)
        if placed:
            top, length, clipped = placed
            column.blocks.append(
                Block(kind, top, length, start, end, label, clipped=clipped, zone=column.zone)
            )

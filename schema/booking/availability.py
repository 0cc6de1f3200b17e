"""Availability root fields: free periods and slots, first free slot, occupancy.

Each parses its input, calls one selector (docs/availability.md) and returns plain
objects; resources are loaded only when selected, with every relation prefetched.
"""

import datetime as dt
from enum import Enum
from typing import Annotated

import strawberry
import strawberry_django
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from strawberry import relay
from strawberry.types.nodes import SelectedField
from strawberry_django.optimizer import mark_optimized_by_prefetching

from booking import models, selectors
from schema.booking.types import Resource
from schema.common import DateTimeRange, DateTimeRangeInput, decode_ids
from schema.context import user_of

UTC = dt.UTC
MINUTE = dt.timedelta(minutes=1)
# Slots one `availability` field returns at most (counted before they are built): 100
# resources over a week on an hourly grid are about 7,000.
MAX_SLOTS = 20_000


@strawberry.enum
class SlotAnchor(Enum):
    MIDNIGHT = "midnight"
    FREE_START = "free_start"


@strawberry.enum
class OccupancyBucket(Enum):
    DAY = "day"
    WEEK = "week"


@strawberry.type(description="A bookable slot [start, end).")
class Slot:
    start: dt.datetime
    end: dt.datetime
    local_start: str | None = strawberry.field(
        description="start in the requested timeZone (ISO 8601 with offset).")
    local_end: str | None


@strawberry.type
class ResourceAvailability:
    resource_id: relay.GlobalID
    free_periods: list[DateTimeRange]
    slots: list[Slot]
    resource: Resource


@strawberry.type
class FirstFreeSlot:
    resource_id: relay.GlobalID
    slot: Slot | None
    resource: Resource


@strawberry.type
class Occupancy:
    resource_id: relay.GlobalID
    bucket_start: dt.date = strawberry.field(description="Local date the day or week starts.")
    open_minutes: float
    booked_minutes: float
    utilisation: float | None = strawberry.field(description="booked / open; null if closed.")
    booked_span: DateTimeRange | None = strawberry.field(
        description="The smallest period covering the booked time of the bucket.")


@strawberry.type
class Query:
    @strawberry_django.field(
        description="Free periods and bookable slots per resource, in the order asked.")
    def availability(
        self, info: strawberry.Info, resource_ids: list[relay.GlobalID],
        window: DateTimeRangeInput, duration_minutes: int = 60,
        step_minutes: int | None = None, anchor: SlotAnchor = SlotAnchor.MIDNIGHT,
        party_size: int | None = None, time_zone: str | None = None,
        ignore_booking: Annotated[str | None, strawberry.argument(
            description="Reference of your own held booking to re-time.")] = None,
    ) -> list[ResourceAvailability]:
        ids, zone = _ids(resource_ids), _zone(time_zone)
        window = window.to_range()
        duration = _minutes(duration_minutes, "invalid_duration", "durationMinutes")
        step = _minutes(step_minutes, "invalid_step", "stepMinutes") if step_minutes else None
        own_hold = _own_hold(info, ignore_booking)
        free = selectors.resource_free_periods(resource_ids=ids, window=window,
                                               ignore_booking_id=own_hold)
        slots = selectors.resource_slots(
            resource_ids=ids, window=window, duration=duration, step=step, anchor=anchor.value,
            party_size=party_size, ignore_booking_id=own_hold,
            max_slots=MAX_SLOTS) if _selects(info, "slots") else {}
        resources = _resources(info, free)
        return [
            ResourceAvailability(
                resource_id=_gid(rid), resource=resources.get(rid),
                free_periods=[_period(p) for p in periods],
                slots=[_slot(start, start + duration, zone) for start in slots.get(rid, [])],
            )
            for rid, periods in _in_order(ids, free)
        ]

    @strawberry_django.field(
        description="The earliest bookable slot per resource, in the order asked.")
    def first_free_slot(
        self, info: strawberry.Info, resource_ids: list[relay.GlobalID], after: dt.datetime,
        duration_minutes: int = 60, lookahead_days: int = 14, party_size: int | None = None,
        time_zone: str | None = None,
    ) -> list[FirstFreeSlot]:
        ids, zone = _ids(resource_ids), _zone(time_zone)
        duration = _minutes(duration_minutes, "invalid_duration", "durationMinutes")
        if not 0 < lookahead_days <= selectors.MAX_WINDOW.days:
            raise ValidationError(
                f"lookaheadDays must be 1 to {selectors.MAX_WINDOW.days}.",
                code="invalid_window" if lookahead_days <= 0 else "window_too_long")
        first = selectors.resource_first_free_slot(
            resource_ids=ids, after=after, duration=duration,
            lookahead=dt.timedelta(days=lookahead_days), party_size=party_size)
        resources = _resources(info, first)
        return [
            FirstFreeSlot(resource_id=_gid(rid), resource=resources.get(rid),
                          slot=_slot(start, start + duration, zone) if start else None)
            for rid, start in _in_order(ids, first)
        ]

    @strawberry_django.field(description=(
        "Open and booked time per local day or week (staff): by resource in the order "
        "asked, then by time."))
    def occupancy(
        self, info: strawberry.Info, resource_ids: list[relay.GlobalID],
        window: DateTimeRangeInput, bucket: OccupancyBucket = OccupancyBucket.DAY,
    ) -> list[Occupancy]:
        if not user_of(info).is_staff:
            raise PermissionDenied("Only staff may read occupancy.")
        ids = _ids(resource_ids)
        rows = selectors.resource_occupancy(resource_ids=ids, window=window.to_range(),
                                            bucket=bucket.value)
        position = {rid: n for n, rid in enumerate(dict.fromkeys(ids))}
        rows = sorted(rows, key=lambda row: (position[row.resource_id], row.bucket_start))
        return [
            Occupancy(
                resource_id=_gid(row.resource_id), bucket_start=row.bucket_start,
                open_minutes=row.open / MINUTE, booked_minutes=row.booked / MINUTE,
                utilisation=row.utilisation,
                booked_span=_period(row.booked_span) if row.booked_span else None,
            )
            for row in rows
        ]


def _ids(global_ids: list[relay.GlobalID]) -> list[int]:
    if len(global_ids) > 100:
        raise ValidationError("Ask for at most 100 resources at once.", code="too_many_ids")
    return decode_ids(global_ids, "Resource", field="resourceIds")


def _in_order(ids: list[int], answers: dict) -> list[tuple]:
    """Answers in the order the resources were asked for (each once; unknown ones left out)."""
    return [(rid, answers[rid]) for rid in dict.fromkeys(ids) if rid in answers]


def _gid(pk: int) -> relay.GlobalID:
    return relay.GlobalID("Resource", str(pk))


def _zone(name: str | None):
    return selectors.validate_timezone_name(name) if name else None


def _minutes(value: int, code: str, field: str) -> dt.timedelta:
    if value is None or value <= 0:
        raise ValidationError(f"{field} must be a positive number of minutes.", code=code)
    return value * MINUTE


def _own_hold(info, reference: str | None) -> int | None:
    if not reference:
        return None
    booking = (models.Booking.objects.visible_to(user_of(info))
               .filter(reference=reference.strip().upper(), status="held")
               .values_list("pk", flat=True).first())
    if booking is None:
        raise ValidationError("No held booking of yours has that reference.",
                              code="unknown_hold")
    return booking


def _selects(info, name: str) -> bool:
    """Whether the field's selection names `name`, also through fragments."""
    todo = list(info.selected_fields[0].selections)
    while todo:
        selection = todo.pop()
        if isinstance(selection, SelectedField):
            if selection.name == name:
                return True
        else:  # a fragment spread or an inline fragment
            todo += selection.selections
    return False


def _resources(info, by_id: dict) -> dict[int, models.Resource]:
    """The resources named in the answer, loaded only when the query selects them."""
    if not _selects(info, "resource"):
        return {}
    queryset = (models.Resource.objects.filter(pk__in=list(by_id))
                .select_related("venue", "category")
                .prefetch_related(*(_prefetch(lookup, model) for lookup, model in (
                    ("amenities", models.Amenity), ("opening_hours", models.OpeningHours),
                    ("rates", models.Rate)))))
    return {resource.pk: resource for resource in queryset}


def _prefetch(lookup: str, model) -> Prefetch:
    # Marked as the optimizer marks its own prefetches: strawberry-django then reads the
    # prefetched rows on the event loop, not in one sync_to_async hop per resource.
    return Prefetch(lookup, queryset=mark_optimized_by_prefetching(model.objects.all()))


def _period(period) -> DateTimeRange:
    lower, upper = period
    return DateTimeRange(lower=lower.astimezone(UTC), upper=upper.astimezone(UTC),
                         lower_inc=True, upper_inc=False, is_empty=False)


def _slot(start: dt.datetime, end: dt.datetime, zone) -> Slot:
    return Slot(start=start.astimezone(UTC), end=end.astimezone(UTC),
                local_start=start.astimezone(zone).isoformat() if zone else None,
                local_end=end.astimezone(zone).isoformat() if zone else None)


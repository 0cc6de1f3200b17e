"""Subscriptions: booking and availability changes of resources, live from NOTIFY.

Translation only: which changes a subscriber gets, replayed after its `after` cursor and
then live, is booking/changes.py's (over booking/listener.py's LISTEN connection); this
module parses the arguments, checks the resources and shapes the payloads. A statement
failing meanwhile ends a subscription with `database_unavailable`; it never ends silently.

Payloads hold no customer data: anonymous clients may subscribe.
"""

from collections.abc import AsyncGenerator, Iterable
from contextlib import aclosing

import strawberry
from django.core.exceptions import ValidationError
from psycopg.types.range import Range
from strawberry import relay

from booking import models, selectors
from booking.changes import ChangeFeedError, booking_changes, change_touches
from booking.listener import Change
from config.threads import database_sync_to_async
from schema.booking.enums import BookingStatus
from schema.common import DateTimeRange, DateTimeRangeInput, decode_ids, range_out
from schema.errors import api_error

MAX_RESOURCES = 100


@strawberry.type(description="A booking was created or changed. No customer data.")
class BookingChange:
    cursor: str = strawberry.field(description="Resume after this with `after`.")
    resource_id: relay.GlobalID = strawberry.field(description="The booking's resource now.")
    status: BookingStatus
    period: DateTimeRange
    blocked: DateTimeRange = strawberry.field(description="The period plus turnaround.")
    previous_resource_id: relay.GlobalID | None = strawberry.field(
        description="The resource before the change; null when the booking is new.")
    previous_period: DateTimeRange | None
    previous_blocked: DateTimeRange | None


@strawberry.type(description="Bookings changed time the resource may be free in the window.")
class AvailabilityChange:
    cursor: str
    resource_id: relay.GlobalID
    change: BookingChange
    window: strawberry.Private[Range]
    pk: strawberry.Private[int]

    @strawberry.field(description="The resource's free periods in the window, as of now "
                                  "(one statement per message; select it only if needed).")
    async def free_periods(self) -> list[DateTimeRange]:
        free = await database_sync_to_async(selectors.resource_free_periods)(
            resource_ids=[self.pk], window=self.window)
        return [range_out(DateTimeRange, Range(lower, upper, "[)"))
                for lower, upper in free.get(self.pk, [])]


@strawberry.type
class Subscription:
    @strawberry.subscription(description="Booking changes of these resources, as committed.")
    async def booking_changed(
        self, resource_ids: list[relay.GlobalID], after: str | None = None,
    ) -> AsyncGenerator[BookingChange, None]:
        ids, cursor = _resource_ids(resource_ids), _cursor(after)
        await database_sync_to_async(_check_resources)(ids)
        return _booking_changes(ids, cursor)

    @strawberry.subscription(description="Changes that touch the resource during the window.")
    async def availability_changed(
        self, resource_id: relay.GlobalID, window: DateTimeRangeInput, after: str | None = None,
    ) -> AsyncGenerator[AvailabilityChange, None]:
        ids, cursor, period = _resource_ids([resource_id]), _cursor(after), _window(window)
        await database_sync_to_async(_check_resources)(ids)
        return _availability_changes(ids[0], period, cursor)


async def _booking_changes(ids: list[int], after: int | None):
    async for change in _changes(ids, after):
        yield _booking_change(change)


async def _availability_changes(pk: int, window: Range, after: int | None):
    async for change in _changes([pk], after):
        if change_touches(change, resource_id=pk, window=window):
            yield AvailabilityChange(cursor=str(change.cursor), resource_id=_gid(pk),
                                     change=_booking_change(change), window=window, pk=pk)


async def _changes(ids: list[int], after: int | None) -> AsyncGenerator[Change, None]:
    try:
        async with aclosing(booking_changes(resource_ids=ids, after=after)) as changes:
            async for change in changes:
                yield change
    except ChangeFeedError as exc:
        field = {"field": exc.field} if exc.field else {}
        raise api_error(exc.message, exc.code, **field) from None


def _check_resources(ids: list[int]) -> None:
    found = set(models.Resource.objects.active().filter(pk__in=ids).values_list("pk", flat=True))
    if missing := [pk for pk in ids if pk not in found]:
        raise api_error(f"No active resource {_gid(missing[0])}.", "not_found",
                        field="resourceIds")


def _resource_ids(global_ids: Iterable[relay.GlobalID]) -> list[int]:
    global_ids = list(global_ids)
    if not 1 <= len(global_ids) <= MAX_RESOURCES:
        raise api_error(f"Subscribe to 1 to {MAX_RESOURCES} resources.", "too_many_ids",
                        field="resourceIds")
    try:
        return sorted(set(decode_ids(global_ids, "Resource")))
    except ValidationError as exc:
        raise api_error(exc.message, exc.code, field="resourceIds") from None


def _cursor(after: str | None) -> int | None:
    if after is None:
        return None
    if not after.isascii() or not after.isdigit():
        raise api_error("`after` takes a cursor from an earlier change.", "invalid_cursor",
                        field="after")
    return int(after)


def _window(window: DateTimeRangeInput) -> Range:
    value = window.to_range()
    if value.isempty or value.lower is None or value.upper is None:
        raise api_error("The window must have a start and an end.", "invalid_window",
                        field="window")
    if value.upper <= value.lower:
        raise api_error("The window must end after it starts.", "invalid_window",
                        field="window")
    if value.upper - value.lower > selectors.MAX_WINDOW:
        raise api_error(f"The window may be at most {selectors.MAX_WINDOW.days} days long.",
                        "window_too_long", field="window")
    return Range(value.lower, value.upper, "[)")


def _booking_change(change: Change) -> BookingChange:
    previous = change.previous_resource_id
    return BookingChange(
        cursor=str(change.cursor), resource_id=_gid(change.resource_id),
        status=BookingStatus(change.status), period=range_out(DateTimeRange, change.period),
        blocked=range_out(DateTimeRange, change.blocked),
        previous_resource_id=_gid(previous) if previous is not None else None,
        previous_period=range_out(DateTimeRange, change.previous_period),
        previous_blocked=range_out(DateTimeRange, change.previous_blocked),
    )


def _gid(pk: int) -> relay.GlobalID:
    return relay.GlobalID("Resource", str(pk))


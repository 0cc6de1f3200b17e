"""Subscriptions: booking and availability changes of resources, live from NOTIFY.

Every change carries a `cursor`. A client that subscribes again with `after: <the highest
cursor it received>` first gets the changes it missed, read from the audit trail, then
live ones, with no gap and no duplicate: the live feed is joined before the audit trail
is read, and live changes that the replay already delivered are dropped. A subscriber too
slow for the live feed (schema/listener.py) catches up the same way, transparently.

Cursors are the audit events' serial ids, drawn when a change is written, while changes
arrive in commit order: a transaction that drew a lower cursor but committed later (two
writers of the same instant; writers of one resource mostly queue on its advisory lock)
is still delivered live, after the higher one, never dropped. Only a client that
disconnects in that sub-millisecond interval and resumes from the higher cursor misses
it; a commit-ordered cursor would close that gap too.

If the database goes away, a subscription waits for the listener to reconnect (at most
schema.listener.READY_TIMEOUT, then `feed_unavailable`) and resumes from the audit trail
after its last cursor; a statement failing meanwhile ends it with `database_unavailable`.
It never ends silently. A cursor the audit trail does not hold is `unknown_cursor`.

Payloads hold no customer data: anonymous clients may subscribe.
"""

from collections.abc import AsyncGenerator, Callable, Iterable

import strawberry
from asgiref.sync import sync_to_async
from django.core.exceptions import ValidationError
from django.db import close_old_connections
from psycopg.types.range import Range
from strawberry import relay

from booking import models, selectors
from schema.booking.enums import BookingStatus
from schema.common import DateTimeRange, DateTimeRangeInput, decode_ids, range_out
from schema.errors import api_error
from schema.listener import Change, FeedUnavailable, latest_cursor, listener, read_changes

MAX_RESOURCES = 100
REPLAY_PAGE = 500
# A cursor further behind the newest change than this is refused rather than replayed
# (the replay scans every change after it): the client should reload and subscribe anew.
MAX_LAG = 100_000


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
        free = await _database(selectors.resource_free_periods)(
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
        await _database(_check_resources)(ids)
        return _booking_changes(ids, cursor)

    @strawberry.subscription(description="Changes that touch the resource during the window.")
    async def availability_changed(
        self, resource_id: relay.GlobalID, window: DateTimeRangeInput, after: str | None = None,
    ) -> AsyncGenerator[AvailabilityChange, None]:
        ids, cursor, period = _resource_ids([resource_id]), _cursor(after), _window(window)
        await _database(_check_resources)(ids)
        return _availability_changes(ids[0], period, cursor)


async def _booking_changes(ids: list[int], after: int | None):
    async for change in _changes(ids, after):
        yield _booking_change(change)


async def _availability_changes(pk: int, window: Range, after: int | None):
    async for change in _changes([pk], after):
        if _touches(change, pk, window):
            yield AvailabilityChange(cursor=str(change.cursor), resource_id=_gid(pk),
                                     change=_booking_change(change), window=window, pk=pk)


async def _changes(ids: list[int], after: int | None) -> AsyncGenerator[Change, None]:
    """Changes after cursor `after` (None: from now on): replayed, then live as committed."""
    last = after
    while True:
        try:
            async with listener().subscribe(ids) as live:
                replayed = set()
                if last is None:
                    last = await _database(latest_cursor)()
                else:
                    async for change in _replay(ids, last):
                        yield change
                        replayed.add(change.cursor)
                        last = change.cursor
                async for change in live:
                    # Not `cursor <= last`: that would drop a late commit of a lower cursor.
                    if change.cursor not in replayed:
                        yield change
                        last = max(last, change.cursor)
        except FeedUnavailable:
            raise api_error("Live updates are unavailable; subscribe again later.",
                            "feed_unavailable") from None
        # The live feed lost changes (this subscriber lagged, or the LISTEN connection
        # dropped): catch up from the audit trail and join the feed again.


async def _replay(ids: list[int], after: int) -> AsyncGenerator[Change, None]:
    first = True
    while True:
        page = await _database(_backlog)(ids, after, check_lag=first)
        for change in page:
            yield change
            after = change.cursor
        if len(page) < REPLAY_PAGE:
            return
        first = False


def _backlog(ids: list[int], after: int, *, check_lag: bool) -> list[Change]:
    if check_lag:
        _check_cursor(after, latest_cursor())
    return read_changes(resource_ids=ids, after=after, limit=REPLAY_PAGE)


def _check_cursor(after: int, latest: int) -> None:
    if after > latest:
        # Never handed out, or lost with the database (a restore from a backup; a crash
        # cannot lose one: commits are durable before NOTIFY delivers them).
        raise api_error("No change has this cursor: reload, then subscribe without `after`.",
                        "unknown_cursor", field="after")
    if latest - after > MAX_LAG:
        raise api_error("This cursor is too old to resume from; reload and subscribe "
                            "without `after`.", "cursor_too_old", field="after")


def _database(func: Callable) -> Callable:
    """`func` in a worker thread, with the database connection closed afterwards.

    Websocket operations get no request_finished signal that would close it (the same
    reason Channels has database_sync_to_async).
    """

    def run(*args, **kwargs):
        close_old_connections()
        try:
            return func(*args, **kwargs)
        finally:
            close_old_connections()

    return sync_to_async(run, thread_sensitive=False)


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


def _touches(change: Change, pk: int, window: Range) -> bool:
    """Whether the change took or freed time of resource `pk` inside the window."""
    return ((change.resource_id == pk and _overlaps(change.blocked, window))
            or (change.previous_resource_id == pk
                and _overlaps(change.previous_blocked, window)))


def _overlaps(value: Range | None, window: Range) -> bool:
    # Both [) (booking_period_shape): `&&` without the bound cases.
    return value is not None and value.lower < window.upper and window.lower < value.upper


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


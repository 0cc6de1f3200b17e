"""One LISTEN connection per server process, fanning booking changes out to subscribers.

The `bookingevent_notify` trigger announces every booking audit event on channel
`rangebook_booking` at commit, with the event's serial id as `cursor`. The listener wakes
on those notifications, reads the announced events in one statement (with the state each
booking had before, so a move away from a resource or period is seen too) and offers each
subscriber the changes of its resources through a bounded queue. The same statement
shape replays missed events from the audit table (`read_changes`), so live and replayed
changes are identical.

Backpressure: a subscriber whose queue is full (it reads slower than changes arrive) is
marked *lost* and gets nothing more; the others are never held up. A lost subscription
ends once its queue is drained, and its reader resumes from the audit table after the
last cursor it delivered (booking/changes.py). A dropped LISTEN connection
marks every subscription lost the same way, and the listener reconnects with backoff.
"""

import asyncio
import contextlib
import json
import logging
import weakref
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass

import psycopg
from django.db import connection
from psycopg.types.range import Range

from booking.models import BookingEvent

logger = logging.getLogger("rangebook.listener")

CHANNEL = "rangebook_booking"
APPLICATION_NAME = "rangebook-listener"  # in pg_stat_activity
QUEUE_SIZE = 256
READY_TIMEOUT = 10.0  # seconds a new subscriber waits for the LISTEN connection
BACKOFF_FIRST, BACKOFF_MAX = 0.1, 5.0  # seconds between reconnection attempts


@dataclass(frozen=True)
class Change:
    """One audited booking change, without customer data."""

    cursor: int
    resource_id: int
    status: str
    period: Range
    blocked: Range
    previous_resource_id: int | None  # None: the booking was created by this change
    previous_period: Range | None
    previous_blocked: Range | None

    def concerns(self, resource_ids: frozenset[int]) -> bool:
        return (self.resource_id in resource_ids
                or self.previous_resource_id in resource_ids)


# The audit events matching {where} (at most LIMIT), each with the booking's state before
# it (the previous event of the same booking), oldest first. Narrow raw SQL: psycopg's
# async connection runs it for live changes, Django's connection for replays.
_CHANGES_SQL = """
    SELECT e.pgh_id, e.resource_id, e.status, e.period, e.blocked,
           prev.resource_id, prev.period, prev.blocked
    FROM {table} e
    LEFT JOIN LATERAL (
        SELECT p.resource_id, p.period, p.blocked FROM {table} p
        WHERE p.pgh_obj_id = e.pgh_obj_id AND p.pgh_id < e.pgh_id
        ORDER BY p.pgh_id DESC LIMIT 1
    ) prev ON true
    WHERE {where}
    ORDER BY e.pgh_id
    LIMIT %s
"""
_ANNOUNCED = "e.pgh_id = ANY (%s)"
_AFTER_CURSOR = "e.pgh_id > %s AND (e.resource_id = ANY (%s) OR prev.resource_id = ANY (%s))"


def _sql(where: str) -> str:
    return _CHANGES_SQL.format(table=BookingEvent._meta.db_table, where=where)


def _change(row) -> Change:
    return Change(*row)


def read_changes(*, resource_ids: Iterable[int], after: int, limit: int) -> list[Change]:
    """Audited changes of these resources with cursor > `after`, oldest first (sync)."""
    ids = list(resource_ids)
    with connection.cursor() as cursor:
        cursor.execute(_sql(_AFTER_CURSOR), [after, ids, ids, limit])
        return [_change(row) for row in cursor.fetchall()]


def latest_cursor() -> int:
    """The cursor of the newest audited change, 0 when there is none (sync)."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT coalesce(max(pgh_id), 0) FROM {BookingEvent._meta.db_table}")
        return cursor.fetchone()[0]


class Subscription:
    """A subscriber's bounded queue of changes; iterating ends when changes were lost."""

    def __init__(self, resource_ids: Iterable[int], size: int) -> None:
        self.resource_ids = frozenset(resource_ids)
        self.lost = False
        self._queue: asyncio.Queue[Change | None] = asyncio.Queue(size)

    def offer(self, change: Change) -> None:
        if self.lost:
            return
        try:
            self._queue.put_nowait(change)
        except asyncio.QueueFull:
            self.lose()

    def lose(self) -> None:
        self.lost = True
        with contextlib.suppress(asyncio.QueueFull):
            self._queue.put_nowait(None)  # wake a reader waiting on an empty queue

    def __aiter__(self) -> "Subscription":
        return self

    async def __anext__(self) -> Change:
        if self.lost and self._queue.empty():
            raise StopAsyncIteration
        change = await self._queue.get()
        if change is None:
            raise StopAsyncIteration
        return change


class FeedUnavailable(Exception):
    """The LISTEN connection could not be (re)established in time."""


class Listener:
    """The process's LISTEN connection, started on the first subscription."""

    def __init__(self, *, queue_size: int | None = None) -> None:
        self.queue_size = queue_size or QUEUE_SIZE
        self._subscriptions: set[Subscription] = set()
        self._ready = asyncio.Event()
        self._task: asyncio.Task | None = None

    @contextlib.asynccontextmanager
    async def subscribe(self, resource_ids: Iterable[int]) -> AsyncIterator[Subscription]:
        """A subscription that receives every change committed after it is yielded."""
        subscription = Subscription(resource_ids, self.queue_size)
        self._subscriptions.add(subscription)
        try:
            if self._task is None or self._task.done():
                self._task = asyncio.create_task(self._run(), name="rangebook-listener")
            try:
                await asyncio.wait_for(self._ready.wait(), READY_TIMEOUT)
            except TimeoutError:
                raise FeedUnavailable from None
            yield subscription
        finally:
            self._subscriptions.discard(subscription)

    def publish(self, change: Change) -> None:
        for subscription in list(self._subscriptions):
            if change.concerns(subscription.resource_ids):
                subscription.offer(change)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        delay = BACKOFF_FIRST
        while True:
            try:
                async with await _connect() as conn:
                    await conn.execute(f"LISTEN {CHANNEL}")
                    self._ready.set()
                    delay = BACKOFF_FIRST
                    await self._pump(conn)
            except Exception:  # noqa: BLE001 - whatever broke, reconnect; subscribers resume
                logger.warning("LISTEN connection lost; reconnecting in %.1f s", delay,
                               exc_info=True)
            finally:
                self._ready.clear()
                for subscription in list(self._subscriptions):
                    subscription.lose()
            await asyncio.sleep(delay)
            delay = min(delay * 2, BACKOFF_MAX)

    async def _pump(self, conn: psycopg.AsyncConnection) -> None:
        while True:
            # Notifications arriving while the SELECT runs wait in psycopg's backlog.
            notes = [note async for note in conn.notifies(stop_after=1)]
            cursors = [json.loads(note.payload)["cursor"] for note in notes
                       if note.channel == CHANNEL]
            rows = await (await conn.execute(_sql(_ANNOUNCED), [cursors, None])).fetchall()
            for row in rows:
                self.publish(_change(row))


async def _connect() -> psycopg.AsyncConnection:
    # Django's parameters minus its sync cursor class and adapters: plain psycopg types.
    params = {key: value for key, value in connection.get_connection_params().items()
              if key not in ("cursor_factory", "context")}
    params.setdefault("application_name", APPLICATION_NAME)
    return await psycopg.AsyncConnection.connect(**params, autocommit=True)


_listeners: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Listener]" = (
    weakref.WeakKeyDictionary())


def listener() -> Listener:
    """The listener of the running event loop (one per server process)."""
    loop = asyncio.get_running_loop()
    if loop not in _listeners:
        _listeners[loop] = Listener()
    return _listeners[loop]


async def stop_listener() -> None:
    """Close the running loop's LISTEN connection (server shutdown)."""
    found = _listeners.pop(asyncio.get_running_loop(), None)
    if found is not None:
        await found.stop()

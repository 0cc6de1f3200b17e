"""The process's LISTEN connection, in process: backpressure and reconnection.

Each test runs an event loop of its own (asyncio.run) against the committed test data.
"""

import asyncio

import psycopg
import pytest
from asgiref.sync import sync_to_async
from django.db import connection

from booking import listener as listener_module
from booking.changes import booking_changes
from booking.models import BookingEvent
from booking.services import booking_book

pytestmark = pytest.mark.django_db(transaction=True)

TIMEOUT = 5.0


def cursors_of(resource) -> list[int]:
    events = BookingEvent.objects.filter(resource_id=resource.pk).order_by("pgh_id")
    return list(events.values_list("pgh_id", flat=True))


def run(scenario) -> None:
    async def main():
        try:
            await asyncio.wait_for(scenario(), TIMEOUT * 4)
        finally:
            await listener_module.stop_listener()

    asyncio.run(main())


async def take(changes, count: int) -> list[int]:
    return [(await asyncio.wait_for(anext(changes), TIMEOUT)).cursor for _ in range(count)]


def booker(room, customer, at):
    hour = iter(range(24))

    @sync_to_async
    def book():
        start = at(next(hour))
        try:
            booking_book(resource=room, customer=customer, party_size=1, starts_at=start,
                         ends_at=start.replace(minute=30))
        finally:
            connection.close()  # this thread's own connection, before the test DB is dropped

    return book


def test_a_slow_subscriber_neither_blocks_others_nor_loses_changes(room, customer, at,
                                                                    monkeypatch):
    monkeypatch.setattr(listener_module, "QUEUE_SIZE", 3)
    book = booker(room, customer, at)
    received = {}

    async def scenario():
        fast, slow = (booking_changes(resource_ids=[room.pk], after=0) for _ in range(2))
        await book()
        received["fast"], received["slow"] = await take(fast, 1), await take(slow, 1)
        for _ in range(6):  # the slow one reads nothing meanwhile: its queue overflows
            await book()
            received["fast"] += await take(fast, 1)
        subscriptions = listener_module.listener()._subscriptions
        received["lost"] = sorted(s.lost for s in subscriptions)
        received["slow"] += await take(slow, 6)  # 3 queued, then 3 from the audit trail
        await fast.aclose()
        await slow.aclose()

    run(scenario)

    assert received["lost"] == [False, True]
    assert received["fast"] == received["slow"] == cursors_of(room)


def test_a_dropped_listen_connection_reconnects_and_nothing_is_lost(room, customer, at):
    book = booker(room, customer, at)
    received = []

    @sync_to_async
    def kill_listener():
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                               " WHERE application_name = %s AND datname = current_database()",
                               [listener_module.APPLICATION_NAME])
                return cursor.fetchone()[0]
        finally:
            connection.close()

    async def scenario():
        changes = booking_changes(resource_ids=[room.pk], after=0)
        await book()
        received.extend(await take(changes, 1))
        assert await kill_listener()
        await book()  # committed while nobody listens
        await book()
        received.extend(await take(changes, 2))

    run(scenario)

    assert received == cursors_of(room)


def test_a_late_commit_of_a_lower_cursor_is_delivered_not_dropped(room, customer, at):
    booking = booking_book(resource=room, customer=customer, party_size=1, starts_at=at(8),
                           ends_at=at(9))
    book = booker(room, customer, at)
    received = []

    @sync_to_async
    def cancel_uncommitted():
        params = {key: value for key, value in connection.get_connection_params().items()
                  if key not in ("cursor_factory", "context")}
        slow = psycopg.connect(**params)
        slow.execute("UPDATE booking_booking SET status = 'cancelled' WHERE id = %s",
                     [booking.pk])  # draws the next cursor, commits later
        return slow

    @sync_to_async
    def commit(slow):
        slow.commit()
        slow.close()

    async def scenario():
        changes = booking_changes(resource_ids=[room.pk], after=0)
        received.extend(await take(changes, 1))
        slow = await cancel_uncommitted()
        await book()  # a higher cursor, committed first
        received.extend(await take(changes, 1))
        await commit(slow)
        received.extend(await take(changes, 1))

    run(scenario)

    first, lower, higher = cursors_of(room)
    assert received == [first, higher, lower]

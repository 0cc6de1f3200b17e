"""Holds expire on time: the worker's periodic sweep (booking/tasks.py) marks a hold
expired within seconds of its expiry, whoever made it, and subscribers see the change."""

import datetime as dt
import time

import pytest
from django.db import connection
from django.utils import timezone

from booking.models import Booking, BookingStatus
from booking.services import booking_hold
from booking.tasks import expire_holds
from tests.abuse.ws import GraphQLSocket
from tests.live.test_subscriptions import rid

pytestmark = pytest.mark.django_db(transaction=True)

SWEEP_SECONDS = 5  # booking.tasks.HOLD_SWEEP_CRON
# The sweep's period, plus the worker's latency on a shared 2-core machine.
ON_TIME = dt.timedelta(seconds=SWEEP_SECONDS + 5)

SUBSCRIPTION = """subscription ($ids: [ID!]!, $after: String) {
  bookingChanged(resourceIds: $ids, after: $after) { status period { lower upper } } }"""


def expiring_hold(room, customer, at, *, seconds: float) -> Booking:
    """A hold of tomorrow 09:00-10:00 that expires `seconds` from now (as if made with a
    short hold time; the services use RANGEBOOK_HOLD_MINUTES)."""
    hold = booking_hold(resource=room, customer=customer, party_size=1, starts_at=at(9),
                        ends_at=at(10))
    Booking.objects.filter(pk=hold.pk).update(
        hold_expires_at=timezone.now() + dt.timedelta(seconds=seconds))
    hold.refresh_from_db()
    return hold


def wait_until_expired(hold: Booking, *, within: dt.timedelta) -> dt.datetime:
    deadline = hold.hold_expires_at + within
    while timezone.now() < deadline:
        status = Booking.objects.values_list("status", flat=True).get(pk=hold.pk)
        if status == BookingStatus.EXPIRED:
            return timezone.now()
        time.sleep(0.2)
    raise AssertionError(f"the hold was still {status} {within} after its expiry")


def test_worker_expires_a_hold_within_seconds_of_its_expiry(task_worker, room, customer, at,
                                                            record_property):
    hold = expiring_hold(room, customer, at, seconds=2)

    expired_at = wait_until_expired(hold, within=ON_TIME)

    hold.refresh_from_db()
    assert (hold.status, hold.hold_expires_at) == (BookingStatus.EXPIRED, None)
    assert expired_at >= hold.updated_at - dt.timedelta(seconds=1)
    record_property("seconds_after_expiry", round((expired_at - hold.created_at).total_seconds()
                                                  - 2, 1))


def test_worker_leaves_a_live_hold_held(task_worker, room, customer, at):
    hold = expiring_hold(room, customer, at, seconds=60)

    time.sleep(SWEEP_SECONDS + 2)  # at least one sweep ran meanwhile

    assert Booking.objects.get(pk=hold.pk).status == BookingStatus.HELD


def test_a_hold_written_by_raw_sql_expires_too(task_worker, room, customer, at):
    hold = expiring_hold(room, customer, at, seconds=60)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE booking_booking SET hold_expires_at = now() + interval '1 second'"
                       " WHERE id = %s", [hold.pk])
    hold.refresh_from_db()

    wait_until_expired(hold, within=ON_TIME)


def test_subscribers_see_the_hold_expire(task_worker, asgi_server, room, customer, at):
    socket = GraphQLSocket(asgi_server.ws_url)
    socket.subscribe(SUBSCRIPTION, {"ids": [rid(room)], "after": "0"})
    hold = expiring_hold(room, customer, at, seconds=2)

    statuses = []
    try:
        while "EXPIRED" not in statuses:
            message = socket.receive(timeout=SWEEP_SECONDS + 15)
            statuses.append(message["payload"]["data"]["bookingChanged"]["status"])
    finally:
        socket.close()

    assert statuses[0] == "HELD" and statuses[-1] == "EXPIRED"
    assert Booking.objects.get(pk=hold.pk).status == BookingStatus.EXPIRED


def test_sweep_task_expires_only_stale_holds(room, customer, at):
    stale = expiring_hold(room, customer, at, seconds=-1)
    live = booking_hold(resource=room, customer=customer, party_size=1, starts_at=at(11),
                        ends_at=at(12))

    count = expire_holds(timestamp=int(time.time()))

    assert count == 1
    assert Booking.objects.get(pk=stale.pk).status == BookingStatus.EXPIRED
    assert Booking.objects.get(pk=live.pk).status == BookingStatus.HELD

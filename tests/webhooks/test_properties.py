"""Property: whatever a sequence of booking operations does (some refused, some rolled
back), a partner receives, per booking, exactly its audit trail: the same changes, in the
same order, with the same status and period."""

import datetime as dt
import queue

import pytest
from django.db import connection, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from booking.errors import BookingError
from booking.models import Booking
from booking.services import (
    booking_book,
    booking_cancel,
    booking_confirm,
    booking_hold,
    booking_reschedule,
)
from tests.conftest import make_resource
from webhooks.models import Endpoint
from webhooks.services import webhook_deliver

pytestmark = pytest.mark.django_db

operation = st.one_of(
    st.tuples(st.sampled_from(["book", "hold"]), st.integers(0, 1), st.integers(8, 18),
              st.integers(1, 3)),
    st.tuples(st.sampled_from(["confirm", "cancel"]), st.integers(0, 5)),
    st.tuples(st.just("reschedule"), st.integers(0, 5), st.integers(8, 18), st.integers(1, 3)),
    st.tuples(st.just("rollback"), st.integers(0, 1), st.integers(8, 18)),
)


def run(op, rooms, bookings, customer, at):
    kind, *args = op
    if kind in ("book", "hold"):
        room, hour, hours = args
        service = booking_book if kind == "book" else booking_hold
        bookings.append(service(resource=rooms[room], customer=customer, party_size=1,
                                starts_at=at(hour), ends_at=at(hour + hours)))
    elif kind == "rollback":  # a change made, then rolled back by its caller
        room, hour = args
        with transaction.atomic():
            booking_book(resource=rooms[room], customer=customer, party_size=1,
                         starts_at=at(hour), ends_at=at(hour + 1))
            transaction.set_rollback(True)
    elif bookings:
        booking = bookings[args[0] % len(bookings)]
        booking.refresh_from_db()
        if kind == "confirm":
            booking_confirm(booking=booking)
        elif kind == "cancel":
            booking_cancel(booking=booking)
        else:
            booking_reschedule(booking=booking, starts_at=at(args[1]),
                               ends_at=at(args[1] + args[2]))


def deliver_all() -> None:
    """As the worker would: every queued delivery job, in queue order."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT (args->>'delivery_id')::bigint FROM procrastinate_jobs"
                       " WHERE task_name = 'webhooks.deliver' AND status = 'todo' ORDER BY id")
        for (delivery_id,) in cursor.fetchall():
            webhook_deliver(delivery_id=delivery_id)
        cursor.execute("UPDATE procrastinate_jobs SET status = 'succeeded'"
                       " WHERE task_name = 'webhooks.deliver' AND status = 'todo'")


def utc(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).isoformat()


@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(operations=st.lists(operation, max_size=12))
def test_partner_receives_each_bookings_audit_trail(operations, receiver, venue, category,
                                                    customer, at):
    with transaction.atomic():
        rooms = [make_resource(venue, category, name=f"Room {n}") for n in range(2)]
        Endpoint.objects.create(name="Partner", url=receiver.url)
        bookings = []
        for op in operations:
            try:
                with transaction.atomic():
                    run(op, rooms, bookings, customer, at)
            except BookingError:
                pass  # refused: nothing was written, nothing is sent
        deliver_all()
        received = []
        while True:
            try:
                received.append(receiver.received.get_nowait().payload)
            except queue.Empty:
                break

        trail = {}
        for event in Booking.pgh_event_model.objects.filter(
                resource__in=rooms).order_by("pgh_id"):
            trail.setdefault(event.reference, []).append(
                (str(event.pgh_id), event.status.upper(), utc(event.period.lower),
                 utc(event.period.upper)))
        sent = {}
        for payload in received:
            data = payload["data"]
            sent.setdefault(data["reference"], []).append(
                (payload["id"], data["status"], data["period"]["lower"], data["period"]["upper"]))
        assert sent == trail
        transaction.set_rollback(True)

"""Deliveries and their jobs are written by a trigger in the transaction of the booking
change: a change that rolls back leaves neither."""

import json

import pytest
from django.db import connection, transaction

from booking.errors import BookingConflict
from booking.models import Booking
from booking.services import booking_book, booking_cancel
from webhooks.models import Delivery, DeliveryStatus, Endpoint
from webhooks.services import delivery_lock

pytestmark = pytest.mark.django_db


def jobs() -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT task_name, queue_name, lock, args FROM procrastinate_jobs"
                       " WHERE task_name = 'webhooks.deliver' ORDER BY id")
        return [(*row[:3], json.loads(row[3])) for row in cursor.fetchall()]


def book(room, customer, start, end):
    return booking_book(resource=room, customer=customer, party_size=1, starts_at=start,
                        ends_at=end)


def test_each_change_queues_a_delivery_per_active_endpoint(room, customer, at):
    first = Endpoint.objects.create(name="Partner A", url="http://127.0.0.1:9/a")
    second = Endpoint.objects.create(name="Partner B", url="http://127.0.0.1:9/b")
    Endpoint.objects.create(name="Paused", url="http://127.0.0.1:9/c", is_active=False)

    booking = booking_cancel(booking=book(room, customer, at(9), at(10)))

    events = list(Booking.pgh_event_model.objects.filter(pgh_obj_id=booking.pk)
                  .order_by("pgh_id").values_list("pgh_id", flat=True))
    deliveries = list(Delivery.objects.order_by("id").values_list(
        "endpoint_id", "event_id", "resource_id", "status", "attempts"))
    assert deliveries == [
        (endpoint.pk, event, room.pk, DeliveryStatus.PENDING, 0)
        for event in events for endpoint in (first, second)]
    assert jobs() == [
        ("webhooks.deliver", "webhooks",
         delivery_lock(endpoint_id=endpoint_id, resource_id=room.pk), {"delivery_id": pk})
        for pk, endpoint_id in Delivery.objects.order_by("id").values_list("id", "endpoint_id")]


def test_rolled_back_change_queues_nothing(room, customer, at):
    Endpoint.objects.create(name="Partner A", url="http://127.0.0.1:9/a")
    book(room, customer, at(9), at(10))
    before = (Delivery.objects.count(), len(jobs()))

    with pytest.raises(BookingConflict):
        book(room, customer, at(9, 30), at(10, 30))
    with transaction.atomic():
        book(room, customer, at(12), at(13))
        transaction.set_rollback(True)

    assert (Delivery.objects.count(), len(jobs())) == before == (1, 1)


def test_no_endpoint_no_delivery(room, customer, at):
    book(room, customer, at(9), at(10))

    assert (Delivery.objects.count(), jobs()) == (0, [])

"""The worker delivers at least once, in the order of each resource's changes, never
holding up the booking, and dead-letters what never gets through: a real worker, a real
receiver on loopback that goes away mid-way."""

import time

import pytest

from booking.models import Booking
from booking.services import booking_book, booking_cancel, booking_reschedule
from tests.webhooks.receiver import Receiver
from webhooks.models import Delivery, DeliveryStatus, Endpoint

pytestmark = pytest.mark.django_db(transaction=True)


def wait_for(condition, *, timeout: float = 60, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"not within {timeout} s: {what}"
        time.sleep(0.2)


def audit_cursors(resource) -> list[str]:
    return [str(pk) for pk in Booking.pgh_event_model.objects.filter(resource_id=resource.pk)
            .order_by("pgh_id").values_list("pgh_id", flat=True)]


def test_receiver_down_mid_way_gets_every_change_in_order(task_worker, receiver, room,
                                                          customer, at):
    Endpoint.objects.create(name="Partner", url=receiver.url)
    first = booking_book(resource=room, customer=customer, party_size=1, starts_at=at(9),
                         ends_at=at(10))
    [before] = receiver.take(1)

    receiver.stop()  # the partner goes away while bookings change
    second = booking_book(resource=room, customer=customer, party_size=1, starts_at=at(11),
                          ends_at=at(12))
    booking_reschedule(booking=first, starts_at=at(13), ends_at=at(14))
    booking_cancel(booking=second)
    wait_for(lambda: Delivery.objects.filter(attempts__gte=1, status="pending").exists(),
             what="an attempt on the absent receiver")
    receiver.start()
    after = receiver.take(3)

    received = [r.payload["id"] for r in [before, *after]]
    assert received == audit_cursors(room)
    assert [r.payload["type"] for r in after] == [
        "booking.confirmed", "booking.moved", "booking.cancelled"]
    wait_for(lambda: not Delivery.objects.exclude(status=DeliveryStatus.DELIVERED).exists(),
             what="every delivery marked delivered")


def test_endpoint_that_never_answers_is_dead_lettered_after_three_attempts(
        task_worker, room, customer, at):
    gone = Receiver()  # a port nobody listens on
    endpoint = Endpoint.objects.create(name="Gone", url=gone.url)

    started = time.monotonic()
    booking_book(resource=room, customer=customer, party_size=1, starts_at=at(9),
                 ends_at=at(10))
    booked_in = time.monotonic() - started

    wait_for(lambda: Delivery.objects.filter(status=DeliveryStatus.DEAD).exists(),
             what="the delivery dead")
    delivery = Delivery.objects.get(endpoint=endpoint)
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.DEAD, 3)
    assert "Connection refused" in delivery.last_error
    assert booked_in < 5  # the booking never waited for the endpoint

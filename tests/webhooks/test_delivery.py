"""One delivery, POSTed to a real HTTP receiver on loopback: body, signature, retries."""

import datetime as dt

import pytest
from strawberry.relay import to_base64

from booking.models import Booking
from booking.services import booking_book, booking_reschedule
from webhooks.models import Delivery, DeliveryStatus, Endpoint
from webhooks.services import DeliveryFailed, webhook_deliver
from webhooks.signing import HEADER, verify

pytestmark = pytest.mark.django_db


@pytest.fixture
def endpoint(receiver):
    return Endpoint.objects.create(name="Partner", url=receiver.url)


def book(room, customer, at):
    return booking_book(resource=room, customer=customer, party_size=3, starts_at=at(9),
                        ends_at=at(10))


def utc(value) -> str:
    return value.astimezone(dt.UTC).isoformat()


def test_delivery_posts_the_change_signed(endpoint, receiver, room, customer, at):
    booking = book(room, customer, at)
    (delivery,) = Delivery.objects.all()

    status = webhook_deliver(delivery_id=delivery.pk)

    (received,) = receiver.take(1)
    event = Booking.pgh_event_model.objects.get(pgh_obj_id=booking.pk)
    assert status == DeliveryStatus.DELIVERED
    assert received.payload == {
        "id": str(event.pk), "type": "booking.confirmed",
        "createdAt": event.pgh_created_at.isoformat(),
        "data": {"reference": booking.reference, "resourceId": to_base64("Resource", room.pk),
                 "status": "CONFIRMED", "partySize": 3,
                 "period": {"lower": utc(at(9)), "upper": utc(at(10))},
                 "previousPeriod": None}}
    assert verify(endpoint.secret, received.headers[HEADER], received.body)
    assert received.headers["Rangebook-Event"] == "booking.confirmed"
    assert received.headers["Rangebook-Delivery"] == str(delivery.pk)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == (
        DeliveryStatus.DELIVERED, 1, 204)


def test_reschedule_is_a_moved_event_with_the_previous_period(endpoint, receiver, room,
                                                              customer, at):
    booking = book(room, customer, at)
    booking_reschedule(booking=booking, starts_at=at(11), ends_at=at(12))
    first, moved = Delivery.objects.order_by("id")

    webhook_deliver(delivery_id=first.pk)
    webhook_deliver(delivery_id=moved.pk)

    payloads = [received.payload for received in receiver.take(2)]
    assert [p["type"] for p in payloads] == ["booking.confirmed", "booking.moved"]
    assert payloads[1]["data"]["previousPeriod"] == {"lower": utc(at(9)), "upper": utc(at(10))}
    assert payloads[1]["data"]["period"] == {"lower": utc(at(11)), "upper": utc(at(12))}


@pytest.mark.parametrize("answer", [500, 410, 302])
def test_refused_delivery_stays_pending_and_raises_for_a_retry(endpoint, receiver, room,
                                                               customer, at, answer):
    receiver.status = answer
    book(room, customer, at)
    (delivery,) = Delivery.objects.all()

    with pytest.raises(DeliveryFailed):
        webhook_deliver(delivery_id=delivery.pk)

    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_status_code,
            delivery.last_error) == (DeliveryStatus.PENDING, 1, answer, f"HTTP {answer}")


def test_last_attempt_marks_the_delivery_dead(endpoint, receiver, room, customer, at):
    receiver.stop()  # nobody listens
    book(room, customer, at)
    (delivery,) = Delivery.objects.all()

    status = webhook_deliver(delivery_id=delivery.pk, final=True)

    delivery.refresh_from_db()
    assert status == delivery.status == DeliveryStatus.DEAD
    assert delivery.last_status_code is None
    assert "Connection refused" in delivery.last_error
    receiver.start()


def test_delivered_delivery_is_not_sent_again(endpoint, receiver, room, customer, at):
    book(room, customer, at)
    (delivery,) = Delivery.objects.all()
    webhook_deliver(delivery_id=delivery.pk)

    webhook_deliver(delivery_id=delivery.pk)

    assert receiver.received.qsize() == 1


def test_delivery_of_a_deleted_endpoint_is_gone(endpoint, receiver, room, customer, at):
    book(room, customer, at)
    (delivery,) = Delivery.objects.all()
    endpoint.delete()

    assert webhook_deliver(delivery_id=delivery.pk) == "gone"
    assert receiver.received.qsize() == 0

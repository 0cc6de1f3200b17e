"""The audit trail (django-pghistory triggers): every booking write, whoever made it."""

import pytest
from django.db import connection

from booking.models import Booking
from booking.services import booking_book, booking_cancel

BookingEvent = Booking.pgh_event_model

# Committed transactions, as in production: pghistory's context lives as long as the
# transaction it was set in.
pytestmark = pytest.mark.django_db(transaction=True)


def trail(booking):
    return list(
        BookingEvent.objects.filter(pgh_obj=booking).order_by("pgh_id").values_list(
            "pgh_label", "status", "pgh_context__metadata__user"
        )
    )


def test_service_writes_record_the_actor(room, customer, staff, at):
    booking = booking_book(resource=room, customer=customer, party_size=2,
                           starts_at=at(9), ends_at=at(10))

    booking_cancel(booking=booking, actor=staff)

    assert trail(booking) == [
        ("insert", "confirmed", customer.pk),
        ("update", "cancelled", staff.pk),
    ]


def test_plain_orm_update_is_recorded(room, customer, at):
    booking = booking_book(resource=room, customer=customer, party_size=2,
                           starts_at=at(9), ends_at=at(10))

    Booking.objects.filter(pk=booking.pk).update(party_size=3)

    assert trail(booking)[-1] == ("update", "confirmed", None)
    assert BookingEvent.objects.filter(pgh_obj=booking).latest("pgh_id").party_size == 3


def test_raw_sql_changes_are_recorded(room, customer, at):
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO booking_booking (resource_id, customer_id, party_size, period, status)"
            " VALUES (%s, %s, 1, tstzrange(%s, %s), 'confirmed') RETURNING id",
            [room.pk, customer.pk, at(9), at(10)],
        )
        booking_id = cursor.fetchone()[0]
        cursor.execute("UPDATE booking_booking SET status = 'cancelled' WHERE id = %s",
                       [booking_id])

    booking = Booking.objects.get(pk=booking_id)
    assert trail(booking) == [("insert", "confirmed", None), ("update", "cancelled", None)]
    events = BookingEvent.objects.filter(pgh_obj=booking).order_by("pgh_id")
    assert [e.period for e in events] == [booking.period, booking.period]

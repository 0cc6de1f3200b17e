"""Booking events are announced with NOTIFY at commit, carrying the audit event's cursor."""

import json

import psycopg
import pytest
from django.db import connection

from booking.models import BookingEvent
from booking.services import booking_book, booking_cancel

pytestmark = pytest.mark.django_db(transaction=True)


def listener():
    params = connection.get_connection_params()
    conn = psycopg.connect(**params, autocommit=True)
    conn.execute("LISTEN rangebook_booking")
    return conn


def test_committed_booking_changes_are_notified_in_order(room, customer, at):
    conn = listener()
    try:
        booking = booking_book(resource=room, customer=customer, party_size=2,
                               starts_at=at(9), ends_at=at(10))
        booking_cancel(booking=booking)

        payloads = [json.loads(n.payload) for n in conn.notifies(timeout=2, stop_after=2)]
    finally:
        conn.close()

    cursors = list(BookingEvent.objects.order_by("pgh_id").values_list("pgh_id", flat=True))
    assert [p["cursor"] for p in payloads] == cursors
    assert [(p["booking"], p["resource"], p["status"]) for p in payloads] == [
        (booking.pk, room.pk, "confirmed"), (booking.pk, room.pk, "cancelled")]
    assert set(payloads[0]) == {"cursor", "booking", "resource", "status", "lower", "upper"}


def test_rolled_back_changes_are_not_notified(room, customer, at):
    from django.db import transaction

    conn = listener()
    try:
        with transaction.atomic():
            booking_book(resource=room, customer=customer, party_size=2,
                         starts_at=at(9), ends_at=at(10))
            transaction.set_rollback(True)

        assert list(conn.notifies(timeout=0.5)) == []
    finally:
        conn.close()

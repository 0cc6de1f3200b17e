"""Customers' notices are queued by a trigger in the transaction of the change and sent
by the worker: a real worker writing real messages (Django's file e-mail backend)."""

import email
import email.policy
import json
import time
from pathlib import Path

import icalendar
import pytest
from django.db import connection, transaction

from booking.models import Booking
from booking.services import booking_book, booking_cancel, booking_hold

NOTICE = "booking.notify_customer"


def notice_jobs() -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT queue_name, lock, args FROM procrastinate_jobs"
                       " WHERE task_name = %s ORDER BY id", [NOTICE])
        return [(queue, lock, json.loads(args)) for queue, lock, args in cursor.fetchall()]


def events_of(booking) -> list[int]:
    return list(Booking.pgh_event_model.objects.filter(pgh_obj_id=booking.pk)
                .order_by("pgh_id").values_list("pgh_id", flat=True))


@pytest.mark.django_db
def test_confirmed_and_cancelled_changes_queue_a_notice(room, customer, at):
    booking = booking_book(resource=room, customer=customer, party_size=1, starts_at=at(9),
                           ends_at=at(10))
    booking_cancel(booking=booking)

    assert notice_jobs() == [("notifications", f"booking:{booking.pk}", {"event_id": event})
                             for event in events_of(booking)]


@pytest.mark.django_db
def test_holds_and_rolled_back_changes_queue_nothing(room, customer, at):
    booking_hold(resource=room, customer=customer, party_size=1, starts_at=at(9),
                 ends_at=at(10))
    with transaction.atomic():
        booking_book(resource=room, customer=customer, party_size=1, starts_at=at(11),
                     ends_at=at(12))
        transaction.set_rollback(True)

    assert notice_jobs() == []


def messages_in(folder: Path) -> list[email.message.Message]:
    found = []
    for path in sorted(folder.glob("*.log")):
        # The file backend appends each message followed by a line of 79 dashes.
        for part in path.read_text().split("-" * 79):
            if part.strip():
                found.append(email.message_from_string(part.strip(), policy=email.policy.default))
    return found


@pytest.mark.django_db(transaction=True)
def test_worker_mails_the_confirmation_with_its_invite(task_worker, room,
                                                       customer, at):
    outbox = Path(task_worker.env["RANGEBOOK_MAIL_DIR"])
    booking = booking_book(resource=room, customer=customer, party_size=1, starts_at=at(9),
                           ends_at=at(10))

    deadline = time.monotonic() + 30
    while not (mine := [m for m in messages_in(outbox) if booking.reference in m["Subject"]]):
        assert time.monotonic() < deadline, "no message within 30 s"
        time.sleep(0.2)

    (message,) = mine
    assert message["To"] == "ada@example.com"
    subject = str(message["Subject"]).strip()
    assert subject.startswith(f"Booking {booking.reference} confirmed: Havel Room")
    (invite,) = [part for part in message.walk() if part.get_content_type() == "text/calendar"]
    calendar = icalendar.Calendar.from_ical(invite.get_payload(decode=True))
    (event,) = calendar.walk("VEVENT")
    assert calendar["METHOD"] == "REQUEST"
    assert event.decoded("DTSTART") == at(9)

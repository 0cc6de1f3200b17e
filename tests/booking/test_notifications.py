"""Customers' notices: which changes call for one, the e-mail, and its iCalendar invite as
a maintained parser (icalendar) reads it."""

import datetime as dt
import zoneinfo

import icalendar
import pytest
from django.core import mail
from hypothesis import example, given, settings
from hypothesis import strategies as st

from booking.models import Booking, Venue
from booking.notifications import (
    CANCELLED,
    CONFIRMED,
    MOVED,
    _calendar_time,
    booking_invite,
    booking_notice,
    booking_notify_customer,
)
from booking.services import (
    booking_book,
    booking_cancel,
    booking_confirm,
    booking_expire_stale_holds,
    booking_hold,
    booking_reschedule,
)
from tests.conftest import make_resource

pytestmark = pytest.mark.django_db


def last_event(booking) -> int:
    return Booking.pgh_event_model.objects.filter(pgh_obj_id=booking.pk).latest("pgh_id").pk


def notify(booking) -> str | None:
    return booking_notify_customer(event_id=last_event(booking))


def invite_of(message) -> icalendar.Calendar:
    (name, content, mimetype), = message.attachments
    assert name.endswith(".ics")
    return icalendar.Calendar.from_ical(content)


def vevent(calendar) -> icalendar.Event:
    (event,) = calendar.walk("VEVENT")
    return event


def book(room, customer, start, end, **kwargs):
    return booking_book(resource=room, customer=customer, party_size=2, starts_at=start,
                        ends_at=end, **kwargs)


def test_booking_confirmed_sends_an_invite(room, customer, at):
    booking = book(room, customer, at(9), at(10, 30))

    kind = notify(booking)

    assert kind == CONFIRMED
    (message,) = mail.outbox
    assert message.to == ["ada@example.com"]
    assert message.subject == (f"Booking {booking.reference} confirmed: Havel Room, "
                               f"{at(9).strftime('%a %d %b %Y')} 09:00–10:30 CET")
    assert f"your booking {booking.reference} is confirmed." in message.body
    calendar = invite_of(message)
    event = vevent(calendar)
    assert calendar["METHOD"] == "REQUEST"
    assert str(event["UID"]) == f"{booking.reference}@rangebook.localhost"
    assert event["SEQUENCE"] == 0
    assert event["STATUS"] == "CONFIRMED"
    assert event.decoded("DTSTART") == at(9)
    assert event.decoded("DTEND") == at(10, 30)
    assert event["DTSTART"].params["TZID"] == "Europe/Berlin"
    assert [str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")] == ["Europe/Berlin"]
    assert "mailto:ada@example.com" in str(event["ATTENDEE"])


def test_invite_attachment_is_text_calendar_with_its_method(room, customer, at):
    booking = book(room, customer, at(9), at(10))

    notify(booking)

    (_, _, mimetype), = mail.outbox[0].attachments
    assert mimetype == "text/calendar; method=REQUEST; charset=utf-8"


def test_hold_tells_nobody_until_confirmed(room, customer, at):
    hold = booking_hold(resource=room, customer=customer, party_size=2, starts_at=at(9),
                        ends_at=at(10))
    held = last_event(hold)

    confirmed = booking_confirm(booking=hold)

    assert booking_notify_customer(event_id=held) is None
    assert notify(confirmed) == CONFIRMED
    assert vevent(invite_of(mail.outbox[0]))["SEQUENCE"] == 1


def test_expired_or_cancelled_hold_tells_nobody(room, customer, at):
    expired = booking_hold(resource=room, customer=customer, party_size=2, starts_at=at(9),
                           ends_at=at(10))
    cancelled = booking_hold(resource=room, customer=customer, party_size=2, starts_at=at(11),
                             ends_at=at(12))
    Booking.objects.filter(pk=expired.pk).update(hold_expires_at=at(0, days=-3))
    booking_expire_stale_holds()
    cancelled = booking_cancel(booking=cancelled)

    assert (notify(expired), notify(cancelled)) == (None, None)
    assert mail.outbox == []


def test_reschedule_updates_the_same_invite_with_a_higher_sequence(room, customer, at):
    booking = book(room, customer, at(9), at(10))
    first = booking_invite(booking_notice(event_id=last_event(booking)))

    moved = booking_reschedule(booking=booking, starts_at=at(14), ends_at=at(15))
    kind = notify(moved)

    assert kind == MOVED
    before, after = vevent(icalendar.Calendar.from_ical(first)), vevent(invite_of(mail.outbox[0]))
    assert after["UID"] == before["UID"]
    assert after["SEQUENCE"] > before["SEQUENCE"]
    assert after.decoded("DTSTART") == at(14)
    assert mail.outbox[0].subject.startswith(f"Booking {booking.reference} moved: ")


def test_cancel_sends_a_cancel_of_the_same_invite(room, customer, at):
    booking = book(room, customer, at(9), at(10))
    booking = booking_reschedule(booking=booking, starts_at=at(11), ends_at=at(12))

    kind = notify(booking_cancel(booking=booking))

    calendar = invite_of(mail.outbox[0])
    event = vevent(calendar)
    assert kind == CANCELLED
    assert calendar["METHOD"] == "CANCEL"
    assert event["STATUS"] == "CANCELLED"
    assert str(event["UID"]) == f"{booking.reference}@rangebook.localhost"
    assert event["SEQUENCE"] == 2
    assert event.decoded("DTSTART") == at(11)
    (_, _, mimetype), = mail.outbox[0].attachments
    assert mimetype == "text/calendar; method=CANCEL; charset=utf-8"


def test_same_event_gives_the_same_invite(room, customer, at):
    booking = book(room, customer, at(9), at(10))
    event_id = last_event(booking)

    first = booking_invite(booking_notice(event_id=event_id))
    second = booking_invite(booking_notice(event_id=event_id))

    assert first == second


def test_party_size_change_alone_sends_nothing(room, customer, at):
    booking = book(room, customer, at(9), at(10))

    Booking.objects.filter(pk=booking.pk).update(party_size=3)

    assert notify(booking) is None


@pytest.mark.parametrize("zone, day, local_start", [
    ("America/New_York", dt.date(2027, 3, 14), dt.time(1, 30)),   # 2 h long across spring
    ("America/New_York", dt.date(2027, 11, 7), dt.time(0, 30)),   # across the repeated hour
    ("Asia/Kolkata", dt.date(2027, 1, 5), dt.time(9, 0)),          # half-hour offset
    ("Australia/Lord_Howe", dt.date(2027, 4, 4), dt.time(1, 0)),   # 30-minute DST shift
])
def test_invite_times_are_exact_in_the_venue_zone(category, customer, zone, day, local_start):
    venue = Venue.objects.create(name="Zone Hall", slug=f"zone-{day}", city="Somewhere",
                                 country="US", timezone=zone)
    room = make_resource(venue, category, horizon=dt.timedelta(days=1000))
    start = dt.datetime.combine(day, local_start, tzinfo=zoneinfo.ZoneInfo(zone))
    end = start.astimezone(dt.UTC) + dt.timedelta(hours=2)
    booking = book(room, customer, start, end)

    notify(booking)

    calendar = invite_of(mail.outbox[0])
    event = vevent(calendar)
    assert event["DTSTART"].params["TZID"] == zone
    assert event.decoded("DTSTART").astimezone(dt.UTC) == start.astimezone(dt.UTC)
    assert event.decoded("DTEND").astimezone(dt.UTC) == end
    (vtimezone,) = calendar.walk("VTIMEZONE")
    assert str(vtimezone["TZID"]) == zone
    # A calendar that knows no IANA names reads the zone from the VTIMEZONE: its rules
    # must give the same offsets at both ends.
    rules = vtimezone.to_tz()
    for instant in (start, end):
        local = instant.astimezone(zoneinfo.ZoneInfo(zone))
        naive = local.replace(tzinfo=None)
        assert naive.replace(tzinfo=rules, fold=local.fold).utcoffset() == local.utcoffset()


def test_customer_without_address_is_skipped(room, customer, at):
    customer.email = ""
    customer.save()
    booking = book(room, customer, at(9), at(10))

    assert notify(booking) is None
    assert mail.outbox == []


ZONES = ["America/New_York", "Europe/Berlin", "Australia/Lord_Howe", "America/Havana",
         "Asia/Kolkata", "Pacific/Chatham", "America/St_Johns"]


@settings(max_examples=300, deadline=None)
# Both occurrences of a repeated local time, and the instants around a spring-forward gap.
@example(zone="America/New_York", instant=dt.datetime(2027, 11, 7, 5, 30, tzinfo=dt.UTC))
@example(zone="America/New_York", instant=dt.datetime(2027, 11, 7, 6, 30, tzinfo=dt.UTC))
@example(zone="Europe/Berlin", instant=dt.datetime(2027, 10, 31, 0, 30, tzinfo=dt.UTC))
@example(zone="Europe/Berlin", instant=dt.datetime(2027, 10, 31, 1, 30, tzinfo=dt.UTC))
@example(zone="Europe/Berlin", instant=dt.datetime(2027, 3, 28, 1, 0, tzinfo=dt.UTC))
@example(zone="Australia/Lord_Howe", instant=dt.datetime(2027, 4, 3, 14, 50, tzinfo=dt.UTC))
@example(zone="Australia/Lord_Howe", instant=dt.datetime(2027, 4, 3, 15, 20, tzinfo=dt.UTC))
@given(zone=st.sampled_from(ZONES),
       instant=st.datetimes(min_value=dt.datetime(2026, 1, 1), max_value=dt.datetime(2028, 12, 31),
                            timezones=st.just(dt.UTC)))
def test_calendar_time_reads_back_as_the_same_instant(zone, instant):
    # Every instant, DST nights included, means the same instant to a calendar reading the
    # VTIMEZONE (RFC 5545 reads a repeated local time as its first occurrence).
    instant = instant.replace(second=0, microsecond=0)
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//test//EN")
    calendar.add("version", "2.0")
    entry = icalendar.Event()
    entry.add("uid", "x@test")
    entry.add("dtstamp", instant)
    entry.add("dtstart", _calendar_time(instant, zoneinfo.ZoneInfo(zone)))
    calendar.add_component(entry)
    calendar.add_missing_timezones(first_date=dt.date(2025, 1, 1), last_date=dt.date(2029, 1, 1))

    read = icalendar.Calendar.from_ical(calendar.to_ical())
    start = vevent(read)["DTSTART"]
    value = start.dt
    if "TZID" in start.params:
        (vtimezone,) = read.walk("VTIMEZONE")
        value = value.replace(tzinfo=vtimezone.to_tz(), fold=0)

    assert value.astimezone(dt.UTC) == instant

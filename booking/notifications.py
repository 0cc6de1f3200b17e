"""What a customer is told when their booking changes: an e-mail with an iCalendar invite
(RFC 5545, iTIP methods of RFC 5546), composed from the booking's audit trail.

A notice is decided by an audit event and the one before it, so a job run twice (the
queue delivers at least once) sends the same message with the same invite:
- confirmed: booked, or a hold confirmed                    METHOD:REQUEST
- moved: a confirmed booking's period or resource changed   METHOD:REQUEST, SEQUENCE + 1
- cancelled: a confirmed booking cancelled                  METHOD:CANCEL
Holds, and holds that expire or are cancelled unconfirmed, tell nobody: no invite was sent.
"""

import dataclasses
import datetime as dt
import logging

import icalendar
from django.conf import settings
from django.core.mail import EmailMessage

from booking.audit import booking_events_through, event_moves
from booking.localtime import local_period_text
from booking.models import BookingStatus

logger = logging.getLogger(__name__)

CONFIRMED, MOVED, CANCELLED = "confirmed", "moved", "cancelled"
METHODS = {CONFIRMED: "REQUEST", MOVED: "REQUEST", CANCELLED: "CANCEL"}
PRODID = "-//rangebook//booking notifications//EN"


@dataclasses.dataclass(frozen=True)
class Notice:
    kind: str  # CONFIRMED, MOVED or CANCELLED
    event: object  # the booking's audit event (Booking.pgh_event_model)
    sequence: int  # the invite's SEQUENCE: how many changes the booking had before

    @property
    def uid(self) -> str:
        """The same for every invite of one booking, so calendars update one entry."""
        return f"{self.event.reference}@{settings.RANGEBOOK_ICAL_DOMAIN}"


def booking_notice(*, event_id: int) -> Notice | None:
    """The notice an audit event calls for, or None (one query: the booking's events up
    to this one, with resource, venue and customer)."""
    events = list(
        booking_events_through(event_id=event_id).select_related("resource__venue", "customer")
    )
    if not events or events[-1].pk != event_id:
        return None
    event = events[-1]
    previous = events[-2] if len(events) > 1 else None
    kind = _kind(previous, event)
    return Notice(kind, event, len(events) - 1) if kind else None


def _kind(previous, event) -> str | None:
    was_confirmed = previous is not None and previous.status == BookingStatus.CONFIRMED
    if event.status == BookingStatus.CONFIRMED and not was_confirmed:
        return CONFIRMED
    if event.status == BookingStatus.CONFIRMED and event_moves(previous, event):
        return MOVED
    if event.status == BookingStatus.CANCELLED and was_confirmed:
        return CANCELLED
    return None


def booking_invite(notice: Notice) -> bytes:
    """The iCalendar object of the notice: one VEVENT in the venue's time zone, with the
    VTIMEZONE it needs."""
    event, venue = notice.event, notice.event.resource.venue
    zone = venue.zone
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", METHODS[notice.kind])
    entry = icalendar.Event()
    entry.add("uid", notice.uid)
    entry.add("dtstamp", event.pgh_created_at.astimezone(dt.UTC))
    entry.add("sequence", notice.sequence)
    entry.add("dtstart", _calendar_time(event.period.lower, zone))
    entry.add("dtend", _calendar_time(event.period.upper, zone))
    entry.add("summary", f"{event.resource.name}, {venue.name}")
    entry.add("location", ", ".join(filter(None, [venue.name, venue.address])))
    entry.add("description", f"Booking {event.reference}, party of {event.party_size}.")
    entry.add("status", "CANCELLED" if notice.kind == CANCELLED else "CONFIRMED")
    entry.add("organizer", f"mailto:{settings.DEFAULT_FROM_EMAIL}")
    entry.add("attendee", f"mailto:{event.customer.email}",
              parameters={"ROLE": "REQ-PARTICIPANT", "PARTSTAT": "ACCEPTED"})
    calendar.add_component(entry)
    year = event.period.lower.astimezone(zone).year
    calendar.add_missing_timezones(first_date=dt.date(year - 1, 1, 1),
                                   last_date=dt.date(year + 2, 1, 1))
    return calendar.to_ical()


def _calendar_time(instant: dt.datetime, zone) -> dt.datetime:
    """The instant in the venue's zone, or in UTC when it is the second of a local time
    that occurs twice: RFC 5545 (3.3.5) reads such a time as its first occurrence."""
    local = instant.astimezone(zone)
    if local.fold and local.replace(fold=0).utcoffset() != local.utcoffset():
        return instant.astimezone(dt.UTC)
    return local


SUBJECTS = {CONFIRMED: "confirmed", MOVED: "moved", CANCELLED: "cancelled"}


def booking_message(notice: Notice) -> EmailMessage:
    """The e-mail to the customer, the invite attached as text/calendar."""
    event = notice.event
    venue = event.resource.venue
    when = local_period_text(event.period, venue.zone)
    greeting = event.customer.first_name or event.customer.get_username()
    lines = [
        f"Hello {greeting},",
        "",
        f"your booking {event.reference} is {SUBJECTS[notice.kind]}.",
        "",
        f"{event.resource.name} at {venue.name}, {venue.address}",
        f"{when} (local time in {venue.city})",
        f"Party of {event.party_size}",
        "",
        ("The attached invitation removes it from your calendar." if notice.kind == CANCELLED
         else "The attached invitation puts it in your calendar."),
    ]
    message = EmailMessage(
        subject=f"Booking {event.reference} {SUBJECTS[notice.kind]}: {event.resource.name}, "
                f"{when}",
        body="\n".join(lines) + "\n",
        to=[event.customer.email],
    )
    method = METHODS[notice.kind]
    message.attach(f"{event.reference}.ics", booking_invite(notice),
                   f"text/calendar; method={method}; charset=utf-8")
    return message


def booking_notify_customer(*, event_id: int) -> str | None:
    """Send the notice of an audit event, if it calls for one; returns its kind."""
    notice = booking_notice(event_id=event_id)
    if notice is None:
        return None
    if not notice.event.customer.email:
        logger.warning("booking %s %s: its customer has no e-mail address",
                       notice.event.reference, notice.kind)
        return None
    booking_message(notice).send()
    return notice.kind

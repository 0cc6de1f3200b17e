"""A booking's audit trail, read from the events django-pghistory's triggers write.

The triggers record every insert and update, whoever made it: the services, the admin,
raw SQL. Who made it comes from the pghistory context of the write (the request's user,
or the actor a service was given); a write outside any context has none.
"""

import dataclasses

from django.contrib.auth import get_user_model

from booking.localtime import local_instant_text, local_period_text
from booking.models import Booking

RAW_SQL_ACTOR = "database/raw SQL"
TRACKED = ("status", "period", "resource", "party_size")


@dataclasses.dataclass(frozen=True)
class AuditEntry:
    when: str
    event: str
    actor: str
    via: str
    changes: list[str]


def booking_events_through(*, event_id: int):
    """The events of the booking that audit event `event_id` belongs to, up to and
    including that one, oldest first (what a notice or a webhook of it is decided from)."""
    events = Booking.pgh_event_model.objects
    return events.filter(
        pgh_obj_id=events.filter(pk=event_id).values("pgh_obj_id")[:1], pgh_id__lte=event_id
    ).order_by("pgh_id")


def event_moves(previous, event) -> bool:
    """Whether `event` changed the booking's period or resource from `previous`'s."""
    return (previous.period, previous.resource_id) != (event.period, event.resource_id)


def booking_audit_trail(*, booking: Booking) -> list[AuditEntry]:
    """The booking's events, oldest first, with actor and changes in venue time.

    Two queries, however many events: the events with their context and resource, then
    the users they name.
    """
    events = list(
        Booking.pgh_event_model.objects.filter(pgh_obj_id=booking.pk)
        .select_related("pgh_context", "resource__venue")
        .order_by("pgh_id")
    )
    users = get_user_model().objects.in_bulk(
        {_metadata(event).get("user") for event in events} - {None}
    )
    entries, previous = [], None
    for event in events:
        metadata = _metadata(event)
        entries.append(
            AuditEntry(
                when=local_instant_text(event.pgh_created_at, event.resource.venue.zone),
                event=event.pgh_label,
                actor=_actor(event, metadata, users),
                via=metadata.get("url") or "",
                changes=_changes(previous, event),
            )
        )
        previous = event
    return entries


def _metadata(event) -> dict:
    return event.pgh_context.metadata if event.pgh_context else {}


def _actor(event, metadata: dict, users: dict) -> str:
    if event.pgh_context is None:
        return RAW_SQL_ACTOR
    user_id = metadata.get("user")
    if user_id is None:
        return "no user"
    user = users.get(user_id)
    return user.get_username() if user else f"user #{user_id} (deleted)"


def _changes(previous, event) -> list[str]:
    values = {name: _text(event, name) for name in TRACKED}
    if previous is None:
        return [f"{_label(name)}: {value}" for name, value in values.items()]
    changes = [
        f"{_label(name)}: {_text(previous, name)} → {value}"
        for name, value in values.items()
        if _text(previous, name) != value
    ]
    return changes or ["no change to status, period, resource or party size"]


def _text(event, name: str) -> str:
    if name == "period":
        return local_period_text(event.period, event.resource.venue.zone)
    if name == "resource":
        return str(event.resource)
    return str(getattr(event, name))


def _label(name: str) -> str:
    return name.replace("_", " ")

"""History pages of tracked catalogue objects: what django-pghistory's triggers recorded
(every change, made in the admin, the API or raw SQL), not only the admin's own log."""

import dataclasses

from django.contrib.auth import get_user_model
from pghistory.models import Events

from booking.admin_events import change_lines
from booking.localtime import local_instant_text

RAW_SQL_ACTOR = "database/raw SQL"
MAX_EVENTS = 500


@dataclasses.dataclass(frozen=True)
class TrailEntry:
    when: str
    what: str
    event: str
    actor: str
    changes: list[str]


def resource_trail(*, resource) -> list[TrailEntry]:
    """Events of the resource and of its hours, rates and closures (its bookings have
    their own trails), oldest first, in the venue's time; the latest MAX_EVENTS."""
    events = list(
        Events.objects.references(resource)
        .exclude(pgh_obj_model="booking.Booking")
        .order_by("-pgh_created_at", "-pgh_id")[:MAX_EVENTS]
    )[::-1]
    users = get_user_model().objects.in_bulk(
        {(event.pgh_context or {}).get("user") for event in events} - {None}
    )
    zone = resource.venue.zone
    return [
        TrailEntry(
            when=local_instant_text(event.pgh_created_at, zone),
            what=f"{event.pgh_obj_model.split('.')[-1]} #{event.pgh_obj_id}",
            event=event.pgh_label,
            actor=_actor(event, users),
            changes=change_lines(event),
        )
        for event in events
    ]


def _actor(event, users) -> str:
    if event.pgh_context is None:
        return RAW_SQL_ACTOR
    user_id = event.pgh_context.get("user")
    user = users.get(user_id)
    if user_id is None:
        return "no user"
    return user.get_username() if user else f"user #{user_id} (deleted)"

"""Booking mutations. Each returns the booking or a typed error, never a raw exception.

A conflict is the same `BookingConflictError` whether the service's checks or the
exclusion constraint (in a race) found it: the service turns SQLSTATE 23P01 into it.
"""

import datetime as dt
from typing import Annotated

import strawberry
import strawberry_django
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError
from strawberry import relay
from strawberry.types.nodes import SelectedField
from strawberry_django.optimizer import optimize

from booking import models, selectors, services
from booking.errors import BookingError
from schema.booking.types import Booking
from schema.common import DateTimeRangeInput
from schema.context import user_of
from schema.errors import (
    BookingConflictError,
    NotFound,
    PermissionDenied,
    ValidationError,
    error_from,
)

BookingResult = Annotated[
    Booking | BookingConflictError | ValidationError | NotFound | PermissionDenied,
    strawberry.union("BookingResult"),
]


@strawberry.input
class BookingInput:
    resource_id: relay.GlobalID
    period: DateTimeRangeInput = strawberry.field(description="[start, end) with offsets.")
    party_size: int = 1


@strawberry.input
class RescheduleInput:
    reference: str
    period: DateTimeRangeInput
    resource_id: relay.GlobalID | None = None
    party_size: int | None = None


class _NotFound(Exception):
    pass


@strawberry.type
class Mutation:
    @strawberry_django.mutation(handle_django_errors=False,
                                description="Hold a slot; confirm it before the hold expires.")
    def hold_booking(self, info: strawberry.Info, input: BookingInput) -> BookingResult:
        return _run(info, lambda user: services.booking_hold(
            resource=_resource(input.resource_id), customer=user, party_size=input.party_size,
            **_bounds(input.period)))

    @strawberry_django.mutation(handle_django_errors=False, description="Book, confirmed at once.")
    def book(self, info: strawberry.Info, input: BookingInput) -> BookingResult:
        return _run(info, lambda user: services.booking_book(
            resource=_resource(input.resource_id), customer=user, party_size=input.party_size,
            **_bounds(input.period)))

    @strawberry_django.mutation(handle_django_errors=False)
    def confirm_booking(self, info: strawberry.Info, reference: str) -> BookingResult:
        return _run(info, lambda user: services.booking_confirm(
            booking=_booking(user, reference), actor=user))

    @strawberry_django.mutation(handle_django_errors=False)
    def cancel_booking(self, info: strawberry.Info, reference: str) -> BookingResult:
        return _run(info, lambda user: services.booking_cancel(
            booking=_booking(user, reference), actor=user))

    @strawberry_django.mutation(handle_django_errors=False,
                                description="Move a booking (and optionally change resource).")
    def reschedule_booking(self, info: strawberry.Info, input: RescheduleInput) -> BookingResult:
        return _run(info, lambda user: services.booking_reschedule(
            booking=_booking(user, input.reference), actor=user,
            resource=_resource(input.resource_id) if input.resource_id else None,
            party_size=input.party_size, **_bounds(input.period)))


def _run(info, action):
    user = user_of(info)
    if not user.is_authenticated:
        return PermissionDenied(message="Sign in to book.", code="not_authenticated")
    try:
        booking = action(user)
    except _NotFound as exc:
        return NotFound(message=str(exc), code="not_found")
    except (DjangoValidationError, DjangoPermissionDenied, DataError) as exc:
        return error_from(exc)  # a DataError other than NUL text is raised again
    return _for_output(info, booking)


def _bounds(period: DateTimeRangeInput) -> dict[str, dt.datetime]:
    try:
        value = period.to_range()
    except DjangoValidationError as exc:
        raise BookingError(" ".join(exc.messages), code=exc.code, field="period") from None
    if value.isempty or value.lower is None or value.upper is None:
        raise BookingError("A booking needs a start and an end.", code="invalid_period",
                           field="period")
    if not value.lower_inc or value.upper_inc:
        raise BookingError("Booking periods are [start, end): lowerInc true, upperInc false.",
                           code="invalid_period", field="period")
    return {"starts_at": value.lower, "ends_at": value.upper}


def _resource(global_id: relay.GlobalID) -> models.Resource:
    if global_id.type_name != "Resource":
        raise _NotFound("No such resource.")
    resource = selectors.resource_with_venue(pk=_int(global_id.node_id))
    if resource is None:
        raise _NotFound("No such resource.")
    return resource


def _booking(user, reference: str) -> models.Booking:
    # Another customer's booking is "not found", so references cannot be probed.
    booking = (models.Booking.objects.visible_to(user).select_related("resource__venue")
               .filter(reference=reference.strip().upper()).first())
    if booking is None:
        raise _NotFound(f"No booking {reference} of yours.")
    return booking


def _int(value: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise _NotFound("No such resource.") from None


# Booking fields the service's own booking answers: its columns, every one of them set when
# a service returns it (the INSERT's RETURNING, or read back after an UPDATE).
OWN_FIELDS = frozenset({"__typename", "id", "reference", "partySize", "status",
                        "holdExpiresAt", "createdAt", "updatedAt", "period", "blocked"})
# Fragments that may select Booking fields in a BookingResult.
BOOKING_TYPES = frozenset({None, "BookingResult", "Booking", "Node"})


def _for_output(info, booking: models.Booking) -> models.Booking:
    """The booking with what the selection asks of it: the service's own booking when the
    selection stays on its columns (no statement), else read again with the selection's
    relations joined and prefetched by the optimizer (a fixed number of statements), so no
    lazy loads happen later, which an async request could not make. The caller may see the
    booking either way: it is their own, or they are staff."""
    # One field node per occurrence of the mutation's response key in the document.
    if all(_own_fields_only(field.selections) for field in info.selected_fields):
        return booking
    return optimize(models.Booking.objects.filter(pk=booking.pk), info).get()


def _own_fields_only(selections) -> bool:
    """Whether the Booking fields selected (through any fragment that can apply to a
    Booking) are all in OWN_FIELDS; @skip/@include are not read (selected = asked for)."""
    for selection in selections:
        if isinstance(selection, SelectedField):
            if selection.name not in OWN_FIELDS:
                return False
        elif selection.type_condition in BOOKING_TYPES and not _own_fields_only(
                selection.selections):
            return False
    return True

"""The only writers of bookings. Each service owns its transaction and turns database
errors into domain errors (booking.errors).

The exclusion constraint booking_no_overlap decides conflicts; the checks here give
clear errors for everything the database cannot know (hours, notice, capacity).
"""

import contextlib
import datetime as dt

import pghistory
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from psycopg import errors as pg_errors
from psycopg.types.range import Range

from booking.errors import BookingConflict, BookingError, HoldExpired
from booking.localtime import local_instant_text, local_period_text
from booking.models import Booking, BookingStatus, Resource


def booking_hold(
    *,
    resource: Resource,
    customer,
    party_size: int,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    actor=None,
) -> Booking:
    """A held booking that blocks the slot until confirmed or until its hold expires."""
    return _booking_create(
        resource=resource,
        customer=customer,
        party_size=party_size,
        starts_at=starts_at,
        ends_at=ends_at,
        actor=actor or customer,
        status=BookingStatus.HELD,
    )


def booking_book(
    *,
    resource: Resource,
    customer,
    party_size: int,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    actor=None,
) -> Booking:
    """A booking confirmed at once."""
    return _booking_create(
        resource=resource,
        customer=customer,
        party_size=party_size,
        starts_at=starts_at,
        ends_at=ends_at,
        actor=actor or customer,
        status=BookingStatus.CONFIRMED,
    )


def booking_confirm(*, booking: Booking, actor=None) -> Booking:
    """The held booking, now confirmed; HoldExpired once its hold has run out."""
    now = timezone.now()
    with _audit(actor), transaction.atomic():
        booking = _locked(booking)
        _check_actor(booking, actor)
        expiry = booking.hold_expires_at
        expired = booking.status == BookingStatus.HELD and expiry <= now
        if expired:
            _set_status(booking, BookingStatus.EXPIRED)
        elif booking.status != BookingStatus.HELD:
            raise _wrong_status(booking, "confirmed")
        else:
            _set_status(booking, BookingStatus.CONFIRMED)
    if expired:
        # Raised after the commit: the booking stays marked expired.
        raise HoldExpired(
            f"The hold on booking {booking.reference} expired at "
            f"{local_instant_text(expiry, booking.resource.venue.zone)}."
        )
    return booking


def booking_cancel(*, booking: Booking, actor=None) -> Booking:
    """The booking, cancelled: it no longer blocks its resource."""
    with _audit(actor), transaction.atomic():
        booking = _locked(booking)
        _check_actor(booking, actor)
        if not booking.is_active:
            raise _wrong_status(booking, "cancelled")
        _set_status(booking, BookingStatus.CANCELLED)
    return booking


def booking_reschedule(
    *,
    booking: Booking,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    resource: Resource | None = None,
    party_size: int | None = None,
    actor=None,
) -> Booking:
    """The booking moved to a new period (and optionally resource or party size),
    under the same rules and constraint as a new booking."""
    now = timezone.now()
    with _audit(actor), transaction.atomic():
        booking = _locked(booking)
        _check_actor(booking, actor)
        if not booking.is_active:
            raise _wrong_status(booking, "moved")
        booking.resource = resource or booking.resource
        booking.party_size = party_size or booking.party_size
        booking.period = _period(starts_at, ends_at)
        _lock_resources(booking.resource)
        _check_rules(booking.resource, booking.party_size, booking.period, now=now)
        _expire_overlapping_holds(booking.resource, booking.period, now=now)
        _save(booking, update_fields=["resource", "party_size", "period"])
    return booking


def booking_swap_periods(*, first: Booking, second: Booking, actor=None) -> tuple[Booking, Booking]:
    """The two bookings with their periods exchanged, in one transaction.

    Between the two updates they overlap; booking_no_overlap is DEFERRABLE and checked
    at commit here, so only the final state must be free of conflicts.
    """
    with _audit(actor), transaction.atomic():
        first, second = _locked(first), _locked(second)
        _lock_resources(first.resource, second.resource)
        for booking in (first, second):
            if not booking.is_active:
                raise _wrong_status(booking, "moved")
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS booking_no_overlap DEFERRED")
        first.period, second.period = second.period, first.period
        _save(first, update_fields=["period"])
        _save(second, update_fields=["period"])
        _check_deferred(first)
    return first, second


def booking_expire_stale_holds(*, now: dt.datetime | None = None) -> int:
    """Mark every hold whose expiry has passed as expired; returns how many."""
    now = now or timezone.now()
    return Booking.objects.stale_holds(now=now).update(
        status=BookingStatus.EXPIRED, hold_expires_at=None
    )


# --- internals ---------------------------------------------------------------------


def _booking_create(*, resource, customer, party_size, starts_at, ends_at, actor, status):
    now = timezone.now()
    period = _period(starts_at, ends_at)
    expiry = now + dt.timedelta(minutes=settings.RANGEBOOK_HOLD_MINUTES)
    with _audit(actor):
        for attempt in range(1, REFERENCE_ATTEMPTS + 1):
            booking = Booking(
                resource=resource,
                customer=customer,
                party_size=party_size,
                period=period,
                status=status,
                hold_expires_at=expiry if status == BookingStatus.HELD else None,
            )
            try:
                with transaction.atomic():
                    _lock_resources(resource)
                    _check_rules(resource, party_size, period, now=now)
                    _expire_overlapping_holds(resource, period, now=now)
                    _insert(booking)
            except IntegrityError as exc:
                # The database draws each reference (8 of 31 symbols); a repeat is rare,
                # and the whole transaction is tried again rather than paying for a
                # savepoint around every insert.
                if _is_reference_clash(exc) and attempt < REFERENCE_ATTEMPTS:
                    continue
                raise _domain_error(exc, booking) from exc
            return booking
    raise AssertionError("unreachable")


def _period(starts_at: dt.datetime, ends_at: dt.datetime) -> Range:
    for value in (starts_at, ends_at):
        if not isinstance(value, dt.datetime) or timezone.is_naive(value):
            raise BookingError(
                "Start and end must be datetimes with a time zone offset.",
                code="naive_datetime",
                field="period",
            )
    if ends_at <= starts_at:
        raise BookingError(
            "The end must be after the start.", code="invalid_period", field="period"
        )
    return Range(starts_at, ends_at, "[)")


def _check_rules(resource: Resource, party_size: int, period: Range, *, now: dt.datetime):
    """Raise a BookingError for the first rule of the resource the request breaks."""
    length = period.upper - period.lower
    if not resource.is_active:
        raise BookingError(
            f"{resource.name} cannot be booked at the moment.",
            code="resource_inactive",
            field="resource",
        )
    if party_size is None or party_size < 1 or party_size not in _capacity(resource):
        raise BookingError(
            f"{resource.name} suits parties of {_capacity_text(resource)}; asked for {party_size}.",
            code="party_size_out_of_capacity",
            field="party_size",
        )
    if length < resource.min_length:
        raise BookingError(
            f"Bookings of {resource.name} last at least {_duration_text(resource.min_length)}.",
            code="too_short",
            field="period",
        )
    if length > resource.max_length:
        raise BookingError(
            f"Bookings of {resource.name} last at most {_duration_text(resource.max_length)}.",
            code="too_long",
            field="period",
        )
    if period.lower < now + resource.min_notice:
        raise BookingError(
            f"{resource.name} must be booked at least "
            f"{_duration_text(resource.min_notice)} ahead and not in the past.",
            code="too_late",
            field="period",
        )
    if period.upper > now + resource.horizon:
        raise BookingError(
            f"{resource.name} can be booked at most {_duration_text(resource.horizon)} ahead.",
            code="beyond_horizon",
            field="period",
        )
    _check_open(resource, period)


def _check_open(resource: Resource, period: Range) -> None:
    # One statement: the opening hours (venue-local, special days first) and closures.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT booking_opening_time(%(id)s, %(p)s) @> %(p)s::tstzrange,"
            "       booking_closed_time(%(id)s, %(p)s) && %(p)s::tstzrange",
            {"id": resource.pk, "p": period},
        )
        within_hours, closed = cursor.fetchone()
    if closed:
        raise BookingError(
            f"{resource.name} is closed during {local_period_text(period, resource.venue.zone)}.",
            code="closed",
            field="period",
        )
    if not within_hours:
        raise BookingError(
            f"{local_period_text(period, resource.venue.zone)} is outside the opening hours "
            f"of {resource.name}.",
            code="outside_opening_hours",
            field="period",
        )


def _lock_resources(*resources: Resource) -> None:
    """Serialise the service writers of these resources until the transaction ends.

    The exclusion constraint still decides every conflict. Without this lock, concurrent
    inserts that the constraint checks against each other can deadlock (PostgreSQL
    aborts one with 40P01 instead of reporting 23P01); with it, each writer sees the
    committed work of the one before and gets a clean exclusion violation.
    """
    ids = sorted({resource.pk for resource in resources})  # one order: no lock cycles
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock('booking_resource'::regclass::oid::int, id::int)"
            " FROM unnest(%s::bigint[]) AS id",
            [ids],
        )


def _expire_overlapping_holds(resource: Resource, period: Range, *, now: dt.datetime) -> None:
    """Expired holds must not block: mark those in the way expired before writing.

    Booking.objects.for_resource(resource).stale_holds(now=now).overlapping(blocked)
    .update(...), written out: every booking sends it, and the ORM took several times the
    statement to build it (tests/booking/test_services.py holds both to the same rows).
    """
    blocked = Range(period.lower, period.upper + resource.turnaround, "[)")
    with connection.cursor() as cursor:
        cursor.execute(EXPIRE_IN_THE_WAY, [BookingStatus.EXPIRED.value, resource.pk,
                                           BookingStatus.HELD.value, now, blocked])


EXPIRE_IN_THE_WAY = (
    "UPDATE booking_booking SET status = %s, hold_expires_at = NULL"
    " WHERE resource_id = %s AND status = %s AND hold_expires_at <= %s AND blocked && %s")


def _insert(booking: Booking) -> None:
    """booking.save() of a new booking, written out (the ORM took twice the statement to
    build it): the database draws the reference, the booking_set_blocked trigger computes
    the blocked period, and the INSERT returns them with the timestamps, so the booking is
    whole without reading it back."""
    with connection.cursor() as cursor:
        cursor.execute(INSERT_BOOKING, [
            booking.resource_id, booking.customer_id, booking.party_size, booking.period,
            str(booking.status), booking.hold_expires_at])
        booking.pk, booking.reference, booking.blocked, booking.created_at, \
            booking.updated_at = cursor.fetchone()
    booking._state.adding, booking._state.db = False, connection.alias  # as save() leaves it


INSERT_BOOKING = (
    "INSERT INTO booking_booking (reference, resource_id, customer_id, party_size, period,"
    " blocked, status, hold_expires_at, created_at, updated_at)"
    " VALUES (DEFAULT, %s, %s, %s, %s, NULL, %s, %s, DEFAULT, DEFAULT)"
    " RETURNING id, reference, blocked, created_at, updated_at")

REFERENCE_ATTEMPTS = 3


def _save(booking: Booking, **kwargs) -> None:
    for attempt in range(1, REFERENCE_ATTEMPTS + 1):
        try:
            with transaction.atomic():
                booking.save(**kwargs)
            break
        except IntegrityError as exc:
            # The database draws each reference (8 of 31 symbols); a repeat is rare and
            # a new insert draws again.
            if _is_reference_clash(exc) and attempt < REFERENCE_ATTEMPTS:
                continue
            raise _domain_error(exc, booking) from exc
    booking.refresh_from_db(fields=["reference", "blocked", "updated_at"])


def _is_reference_clash(exc: IntegrityError) -> bool:
    cause = exc.__cause__
    return isinstance(cause, pg_errors.UniqueViolation) and "reference" in (
        cause.diag.constraint_name or ""
    )


def _check_deferred(booking: Booking) -> None:
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS booking_no_overlap IMMEDIATE")
    except IntegrityError as exc:
        raise _domain_error(exc, booking) from exc


def _domain_error(exc: IntegrityError, booking: Booking) -> Exception:
    cause = exc.__cause__
    if isinstance(cause, pg_errors.ExclusionViolation):
        # Never pass on cause.diag.message_detail: it names the other booking's row.
        return BookingConflict(
            resource=booking.resource,
            period=booking.period,
            message=f"{booking.resource.name} is not free during "
            f"{local_period_text(booking.period, booking.resource.venue.zone)}.",
        )
    if getattr(getattr(cause, "diag", None), "constraint_name", None) == "booking_status_flow":
        return BookingError(
            f"Booking {booking.reference} cannot change that way now.", code="invalid_status"
        )
    return exc


def _locked(booking: Booking) -> Booking:
    return Booking.objects.select_for_update().select_related("resource__venue").get(pk=booking.pk)


def _check_actor(booking: Booking, actor) -> None:
    """Customers change only their own bookings; staff any; no actor = the system."""
    if actor is None or actor.is_staff or actor.pk == booking.customer_id:
        return
    raise PermissionDenied("You can only change your own bookings.")


def _set_status(booking: Booking, status: str) -> None:
    booking.status = status
    booking.hold_expires_at = None
    _save(booking, update_fields=["status", "hold_expires_at"])


def _wrong_status(booking: Booking, verb: str) -> BookingError:
    return BookingError(
        f"Booking {booking.reference} is {booking.status} and cannot be {verb}.",
        code="invalid_status",
        field="status",
    )


@contextlib.contextmanager
def _audit(actor):
    """Record `actor` as the user behind the audit events written inside."""
    if actor is None or getattr(actor, "pk", None) is None:
        yield
        return
    with pghistory.context(user=actor.pk):
        yield


# --- text for messages ---------------------------------------------------------------


def _capacity(resource: Resource) -> range:
    return range(resource.capacity.lower, resource.capacity.upper)


def _capacity_text(resource: Resource) -> str:
    sizes = _capacity(resource)
    return f"{sizes.start} to {sizes.stop - 1}"


def _duration_text(value: dt.timedelta) -> str:
    minutes = int(value.total_seconds() // 60)
    if minutes % (24 * 60) == 0 and minutes:
        return f"{minutes // (24 * 60)} days"
    if minutes % 60 == 0 and minutes:
        return f"{minutes // 60} h"
    return f"{minutes} min"

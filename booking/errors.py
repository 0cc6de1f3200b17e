"""Domain errors of the booking services.

Each is a Django ValidationError with a machine-readable `code` and the input `field`
it concerns (None for the booking as a whole), so forms and the API show it as is.
Messages never carry PostgreSQL text: its DETAIL names other customers' rows.
"""

from django.core.exceptions import ValidationError


class BookingError(ValidationError):
    def __init__(self, message: str, *, code: str, field: str | None = None):
        super().__init__(message, code=code)
        self.field = field


class BookingConflict(BookingError):
    """The resource is taken (or in its turnaround) during the requested period."""

    def __init__(self, *, resource, period, message: str):
        super().__init__(message, code="booking_conflict", field="period")
        self.resource = resource
        self.period = period


class HoldExpired(BookingError):
    def __init__(self, message: str):
        super().__init__(message, code="hold_expired")


class AvailabilityError(ValidationError):
    """Bad input to an availability selector (see docs/availability.md, "Errors")."""

    def __init__(self, message: str, *, code: str, field: str | None = None):
        super().__init__(message, code=code)
        self.field = field

from enum import StrEnum

import strawberry


@strawberry.enum(description="held and confirmed bookings occupy their resource.")
class BookingStatus(StrEnum):
    HELD = "held"
    CONFIRMED = "confirmed"
    CANCELLED = "cancelled"
    EXPIRED = "expired"

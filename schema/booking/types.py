"""GraphQL object types of the booking domain. They translate; they decide nothing."""

import datetime as dt
import decimal

import strawberry
import strawberry_django
from strawberry import auto, relay

from booking import models
from schema.booking.enums import BookingStatus
from schema.booking.filters import BookingFilter, BookingOrder, ResourceFilter, ResourceOrder
from schema.common import DateRange, DateTimeRange, IntRange, computed_field, range_out
from schema.context import user_of


def minutes(value: dt.timedelta) -> int:
    return int(value.total_seconds() // 60)


# Each node type names its id attribute (`id: relay.NodeID[int]`, private: no SDL change).
# Without it strawberry scans every annotation of the class, and raises and catches an
# error, for each `id` it writes: most of the time of a page of resources.
@strawberry_django.type(models.Venue)
class Venue(relay.Node):
    id: relay.NodeID[int]
    name: auto
    slug: auto
    description: auto
    address: auto
    city: auto
    country: auto
    timezone: auto = strawberry_django.field(description="IANA time zone name.")


@strawberry_django.type(models.Category)
class Category(relay.Node):
    id: relay.NodeID[int]
    name: auto
    slug: auto


@strawberry_django.type(models.Amenity)
class Amenity(relay.Node):
    id: relay.NodeID[int]
    name: auto
    slug: auto


@strawberry_django.type(models.OpeningHours)
class OpeningHours:
    weekday: int = strawberry_django.field(description="ISO weekday: 1 = Monday ... 7 = Sunday.")

    @computed_field(only=["hours"], description="Local opening time, HH:MM.")
    def opens(self, root: strawberry.Parent[models.OpeningHours]) -> str:
        return models.hhmm(root.hours.lower)

    @computed_field(only=["hours"], description="Local closing time, HH:MM; 24:00 = midnight.")
    def closes(self, root: strawberry.Parent[models.OpeningHours]) -> str:
        return models.hhmm(root.hours.upper)

    @computed_field(only=["valid_during"], description="Local dates the rule applies to.")
    def valid_during(self, root: strawberry.Parent[models.OpeningHours]) -> DateRange:
        return range_out(DateRange, root.valid_during)


@strawberry_django.type(models.Rate)
class Rate:
    price_per_hour: decimal.Decimal
    currency: auto

    @computed_field(only=["valid_during"], description="Local dates the price applies to.")
    def valid_during(self, root: strawberry.Parent[models.Rate]) -> DateRange:
        return range_out(DateRange, root.valid_during)


@strawberry_django.type(models.Resource, filters=ResourceFilter, ordering=ResourceOrder,
                        pagination=True)
class Resource(relay.Node):
    id: relay.NodeID[int]
    name: auto
    slug: auto
    description: auto
    venue: Venue
    category: Category
    amenities: list[Amenity]
    opening_hours: list[OpeningHours]
    rates: list[Rate]

    @computed_field(only=["capacity"], description="Party sizes the resource suits.")
    def capacity(self, root: strawberry.Parent[models.Resource]) -> IntRange:
        return range_out(IntRange, root.capacity)

    @computed_field(only=["turnaround"], description="Gap kept free after each booking.")
    def turnaround_minutes(self, root: strawberry.Parent[models.Resource]) -> int:
        return minutes(root.turnaround)

    @computed_field(only=["min_notice"])
    def min_notice_minutes(self, root: strawberry.Parent[models.Resource]) -> int:
        return minutes(root.min_notice)

    @computed_field(only=["horizon"])
    def horizon_minutes(self, root: strawberry.Parent[models.Resource]) -> int:
        return minutes(root.horizon)

    @computed_field(only=["min_length"])
    def min_length_minutes(self, root: strawberry.Parent[models.Resource]) -> int:
        return minutes(root.min_length)

    @computed_field(only=["max_length"])
    def max_length_minutes(self, root: strawberry.Parent[models.Resource]) -> int:
        return minutes(root.max_length)

    @computed_field(only=["slot_step"])
    def slot_step_minutes(self, root: strawberry.Parent[models.Resource]) -> int:
        return minutes(root.slot_step)


@strawberry_django.type(models.Booking, filters=BookingFilter, ordering=BookingOrder)
class Booking(relay.Node):
    id: relay.NodeID[int]
    reference: auto
    resource: Resource
    party_size: auto
    status: BookingStatus
    hold_expires_at: auto
    created_at: auto
    updated_at: auto

    @classmethod
    def get_queryset(cls, queryset, info, **kwargs):
        return queryset.visible_to(user_of(info))

    @computed_field(only=["period"], description="[start, end) of the booking, in UTC.")
    def period(self, root: strawberry.Parent[models.Booking]) -> DateTimeRange:
        return range_out(DateTimeRange, root.period)

    @computed_field(only=["blocked"], description="The period plus the resource's turnaround.")
    def blocked(self, root: strawberry.Parent[models.Booking]) -> DateTimeRange:
        return range_out(DateTimeRange, root.blocked)

    @computed_field(select_related=["customer"], only=["customer__username"],
                    description="Visible to the customer and staff only, like the booking.")
    def customer(self, root: strawberry.Parent[models.Booking]) -> str:
        return root.customer.username

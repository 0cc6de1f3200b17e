"""Filters and orderings of the booking types. Every range field gets every range operator."""

import strawberry_django
from django.db.models import Q
from strawberry import auto

from booking import models
from schema.booking.enums import BookingStatus
from schema.common import DateRangeFilter, DateTimeRangeFilter, IntRangeFilter


@strawberry_django.filter_type(models.Venue, lookups=True)
class VenueFilter:
    name: auto
    slug: auto
    city: auto
    country: auto
    timezone: auto


@strawberry_django.filter_type(models.Category, lookups=True)
class CategoryFilter:
    name: auto
    slug: auto


@strawberry_django.filter_type(models.Resource, lookups=True)
class ResourceFilter:
    name: auto
    slug: auto
    venue: VenueFilter | None
    category: CategoryFilter | None
    capacity: IntRangeFilter | None = strawberry_django.filter_field(
        description="Party sizes the resource suits, with range operators.")

    @strawberry_django.filter_field(description="Suits a party of this size.")
    def party_size(self, value: int, prefix: str) -> Q:
        return Q(**{f"{prefix}capacity__contains": value})

    @strawberry_django.filter_field(description="Has every one of these amenities (slugs).")
    def amenities(self, value: list[str], prefix: str) -> Q:
        q = Q()
        for slug in value:
            having = models.Resource.objects.filter(amenities__slug=slug).values("pk")
            q &= Q(**{f"{prefix}pk__in": having})
        return q


@strawberry_django.filter_type(models.Booking, lookups=True)
class BookingFilter:
    reference: auto
    party_size: auto
    resource: ResourceFilter | None
    period: DateTimeRangeFilter | None = strawberry_django.filter_field()
    blocked: DateTimeRangeFilter | None = strawberry_django.filter_field()

    @strawberry_django.filter_field
    def status(self, value: list[BookingStatus], prefix: str) -> Q:
        return Q(**{f"{prefix}status__in": [status.value for status in value]})


@strawberry_django.filter_type(models.Rate, lookups=True)
class RateFilter:
    currency: auto
    valid_during: DateRangeFilter | None = strawberry_django.filter_field()


@strawberry_django.order_type(models.Venue)
class VenueOrder:
    name: auto
    city: auto


@strawberry_django.order_type(models.Resource)
class ResourceOrder:
    name: auto
    slug: auto
    venue: VenueOrder | None


@strawberry_django.order_type(models.Booking)
class BookingOrder:
    reference: auto
    created_at: auto

    @strawberry_django.order_field
    def start(self, queryset, prefix: str, value: auto):
        # Ordering by a range orders by lower bound first (PostgreSQL's range comparison).
        return queryset, [value.resolve(f"{prefix}period")]


"""Filters and orderings of the booking types. Every range field gets every range operator;
every text field the lookups of TextFilter."""

import strawberry
import strawberry_django
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from strawberry import auto

from booking import models
from schema.booking.enums import BookingStatus
from schema.common import DateRangeFilter, DateTimeRangeFilter, IntRangeFilter
from schema.context import user_of

_SKIP = "Filter will be skipped on `null` value"
MAX_PATTERN = 100


def _text(description: str):
    return strawberry_django.filter_field(description=f"{description} {_SKIP}")


@strawberry.input(name="StrFilterLookup", description=(
    "Lookups of a text field. Regular expressions (PostgreSQL's) are for signed-in callers, "
    f"at most {MAX_PATTERN} characters, without back-references."))
class TextFilter:
    """strawberry-django's StrFilterLookup, with regular expressions bounded: PostgreSQL's
    engine takes exponential time on back-references (`^(.*)(.*)\\1\\2$` ran for 20 s on
    73 names), and statement timeouts alone would let anyone hold a session that long."""

    exact: str | None = _text("Exact match.")
    is_null: bool | None = _text("Assignment test.")
    in_list: list[str] | None = _text("Exact match of items in a given list.")
    i_exact: str | None = _text("Case-insensitive exact match.")
    contains: str | None = _text("Case-sensitive containment test.")
    i_contains: str | None = _text("Case-insensitive containment test.")
    starts_with: str | None = _text("Case-sensitive starts-with.")
    i_starts_with: str | None = _text("Case-insensitive starts-with.")
    ends_with: str | None = _text("Case-sensitive ends-with.")
    i_ends_with: str | None = _text("Case-insensitive ends-with.")

    @strawberry_django.filter_field(description=f"Case-sensitive regular expression. {_SKIP}")
    def regex(self, info: strawberry.Info, value: str, prefix: str) -> Q:
        return Q(**{f"{prefix}regex": _pattern(info, value)})

    @strawberry_django.filter_field(description=f"Case-insensitive regular expression. {_SKIP}")
    def i_regex(self, info: strawberry.Info, value: str, prefix: str) -> Q:
        return Q(**{f"{prefix}iregex": _pattern(info, value)})


def _pattern(info, pattern: str) -> str:
    if not user_of(info).is_authenticated:
        raise PermissionDenied("Regular expressions are for signed-in callers.")
    if len(pattern) > MAX_PATTERN or _has_back_reference(pattern):
        raise ValidationError(f"A regular expression may have at most {MAX_PATTERN} "
                              "characters and no back-references (\\1 to \\9).",
                              code="invalid_regex")
    return pattern


def _has_back_reference(pattern: str) -> bool:
    escaped = False
    for char in pattern:
        if escaped and char in "123456789":
            return True
        escaped = not escaped and char == "\\"
    return False


@strawberry_django.filter_type(models.Venue, lookups=True)
class VenueFilter:
    name: TextFilter | None = strawberry_django.filter_field()
    slug: TextFilter | None = strawberry_django.filter_field()
    city: TextFilter | None = strawberry_django.filter_field()
    country: TextFilter | None = strawberry_django.filter_field()
    timezone: TextFilter | None = strawberry_django.filter_field()


@strawberry_django.filter_type(models.Category, lookups=True)
class CategoryFilter:
    name: TextFilter | None = strawberry_django.filter_field()
    slug: TextFilter | None = strawberry_django.filter_field()


@strawberry_django.filter_type(models.Resource, lookups=True)
class ResourceFilter:
    name: TextFilter | None = strawberry_django.filter_field()
    slug: TextFilter | None = strawberry_django.filter_field()
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
    reference: TextFilter | None = strawberry_django.filter_field()
    party_size: auto
    resource: ResourceFilter | None
    period: DateTimeRangeFilter | None = strawberry_django.filter_field()
    blocked: DateTimeRangeFilter | None = strawberry_django.filter_field()

    @strawberry_django.filter_field
    def status(self, value: list[BookingStatus], prefix: str) -> Q:
        return Q(**{f"{prefix}status__in": [status.value for status in value]})


@strawberry_django.filter_type(models.Rate, lookups=True)
class RateFilter:
    currency: TextFilter | None = strawberry_django.filter_field()
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


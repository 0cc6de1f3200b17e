"""Query root fields of the booking domain: the catalogue and bookings.

Each resolver is sync: strawberry-django runs it in one sync_to_async hop, and the
optimizer (plus hints) loads everything the selection needs in a constant number of
statements, so nothing below the root touches the database again.
"""

from collections.abc import Iterable

import strawberry
import strawberry_django
from django.core.exceptions import PermissionDenied, ValidationError
from strawberry import relay
from strawberry_django.filters import apply as apply_filters
from strawberry_django.optimizer import optimize
from strawberry_django.ordering import apply_ordering
from strawberry_django.relay import DjangoCursorConnection

from booking import models
from schema.booking.filters import ResourceFilter, ResourceOrder, VenueFilter, VenueOrder
from schema.booking.types import Amenity, Booking, Category, Resource, Venue
from schema.common import connection, decode_ids
from schema.context import user_of

MAX_PAGE = 100


@strawberry.type
class Query:
    @strawberry_django.field(description="Venues, 100 a page at most (offset).")
    def venues(self, info: strawberry.Info, filters: VenueFilter | None = None,
               ordering: list[VenueOrder] | None = None, offset: int = 0,
               limit: int = MAX_PAGE) -> list[Venue]:
        queryset = apply_filters(filters, models.Venue.objects.all(), info)
        queryset = apply_ordering(VenueOrder, ordering, info, queryset)
        queryset = queryset.order_by(*(queryset.query.order_by or ["name"]), "pk")
        return _page(optimize(queryset, info), offset, limit)

    @strawberry_django.field(description="Categories by name, 100 a page at most (offset).")
    def categories(self, info: strawberry.Info, offset: int = 0,
                   limit: int = MAX_PAGE) -> list[Category]:
        return _page(optimize(models.Category.objects.order_by("name", "pk"), info),
                     offset, limit)

    @strawberry_django.field(description="Amenities by name, 100 a page at most (offset).")
    def amenities(self, info: strawberry.Info, offset: int = 0,
                  limit: int = MAX_PAGE) -> list[Amenity]:
        return _page(optimize(models.Amenity.objects.order_by("name", "pk"), info),
                     offset, limit)

    @strawberry_django.field(description="Active resources, 100 a page at most (offset).")
    def resources(self, info: strawberry.Info, filters: ResourceFilter | None = None,
                  ordering: list[ResourceOrder] | None = None, offset: int = 0,
                  limit: int = MAX_PAGE) -> list[Resource]:
        queryset = apply_filters(filters, models.Resource.objects.active(), info)
        queryset = apply_ordering(ResourceOrder, ordering, info, queryset)
        return _page(optimize(queryset, info), offset, limit)

    @connection(DjangoCursorConnection[Resource],
                                  description="Active resources; cursor pagination, 100 a page.")
    def resource_connection(self) -> Iterable[models.Resource]:
        return models.Resource.objects.active().order_by("venue__name", "name", "pk")

    @strawberry_django.field(description="An active resource by id, or by venue and slug.")
    def resource(self, info: strawberry.Info, id: relay.GlobalID | None = None,
                 venue_slug: str | None = None, slug: str | None = None) -> Resource | None:
        queryset = models.Resource.objects.active()
        if id is not None:
            [pk] = decode_ids([id], "Resource", field="id")
            queryset = queryset.filter(pk=pk)
        elif venue_slug and slug:
            queryset = queryset.filter(venue__slug=venue_slug, slug=slug)
        else:
            raise ValidationError("Give `id`, or `venueSlug` and `slug`.", code="invalid_arguments")
        return optimize(queryset, info).first()

    @strawberry_django.field(description="Your booking (or any, for staff) by reference.")
    def booking(self, info: strawberry.Info, reference: str) -> Booking | None:
        queryset = models.Booking.objects.visible_to(user_of(info)).filter(
            reference=reference.strip().upper())
        return optimize(queryset, info).first()

    @connection(DjangoCursorConnection[Booking],
                                  description="The signed-in customer's bookings.")
    def my_bookings(self, info: strawberry.Info) -> Iterable[models.Booking]:
        user = user_of(info)
        if not user.is_authenticated:
            raise PermissionDenied("Sign in to see your bookings.")
        return models.Booking.objects.filter(customer=user).order_by("-period", "pk")

    @connection(DjangoCursorConnection[Booking],
                                  description="Every booking (staff).")
    def bookings(self, info: strawberry.Info) -> Iterable[models.Booking]:
        if not user_of(info).is_staff:
            raise PermissionDenied("Only staff may list all bookings.")
        return models.Booking.objects.order_by("-period", "pk")


def _page(queryset, offset: int, limit: int) -> list:
    """One page of a list, fetched in this hop; page_too_large past MAX_PAGE."""
    if not 0 <= limit <= MAX_PAGE or offset < 0:
        raise ValidationError(f"limit must be 0 to {MAX_PAGE}; offset not negative.",
                              code="page_too_large")
    return list(queryset[offset:offset + limit])

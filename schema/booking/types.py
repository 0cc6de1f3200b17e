import strawberry
import strawberry_django
from strawberry import auto

from booking import models
from schema.common import IntRange


@strawberry_django.type(models.Venue)
class Venue:
    id: auto
    name: auto
    slug: auto
    city: auto
    country: auto
    timezone: auto


@strawberry_django.type(models.Category)
class Category:
    id: auto
    name: auto
    slug: auto


@strawberry_django.type(models.Amenity)
class Amenity:
    id: auto
    name: auto
    slug: auto


@strawberry_django.type(models.Resource)
class Resource:
    @classmethod
    def get_queryset(cls, queryset, info, **kwargs):
        return queryset.active()

    id: auto
    name: auto
    slug: auto
    description: auto
    venue: Venue
    category: Category
    amenities: list[Amenity]

    @strawberry_django.field(only=["capacity"])
    def capacity(self, root: strawberry.Parent[models.Resource]) -> IntRange:
        return IntRange.from_range(root.capacity)

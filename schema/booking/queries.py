import strawberry
import strawberry_django

from schema.booking.types import Resource


@strawberry.type
class Query:
    resources: list[Resource] = strawberry_django.field(
        description="Active resources, by venue and name."
    )

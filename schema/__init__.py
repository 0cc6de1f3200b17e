"""The GraphQL schema: each domain package exports Query (and later Mutation)."""

import strawberry
from strawberry.tools import merge_types
from strawberry_django.optimizer import DjangoOptimizerExtension

from schema.booking.queries import Query as BookingQuery

Query = merge_types("Query", (BookingQuery,))

schema = strawberry.Schema(query=Query, extensions=[DjangoOptimizerExtension])

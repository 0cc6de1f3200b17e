"""The GraphQL schema: each domain package exports Query (and Mutation); merged here.

Protection: query depth, aliases and tokens are limited; pages hold at most 100 items;
every error leaves with a code and no internals (schema/errors.py).
"""

import strawberry
from strawberry.extensions import MaxAliasesLimiter, MaxTokensLimiter, QueryDepthLimiter
from strawberry.schema.config import StrawberryConfig
from strawberry.tools import merge_types
from strawberry_django.optimizer import DjangoOptimizerExtension

from schema.booking.availability import Query as AvailabilityQuery
from schema.booking.mutations import Mutation as BookingMutation
from schema.booking.queries import MAX_PAGE
from schema.booking.queries import Query as BookingQuery
from schema.booking.subscriptions import Subscription as BookingSubscription
from schema.errors import ApiErrors

MAX_DEPTH = 10
MAX_ALIASES = 20
MAX_TOKENS = 2000

Query = merge_types("Query", (BookingQuery, AvailabilityQuery))
Mutation = merge_types("Mutation", (BookingMutation,))
Subscription = merge_types("Subscription", (BookingSubscription,))

class Schema(strawberry.Schema):
    def process_errors(self, errors, execution_context=None) -> None:
        # Expected errors (bad input, permissions) are answers, not server faults; the
        # unexpected ones were logged with their traceback by ApiErrors.
        return None


schema = Schema(
    query=Query,
    mutation=Mutation,
    subscription=Subscription,
    config=StrawberryConfig(relay_max_results=MAX_PAGE),
    extensions=[
        DjangoOptimizerExtension,
        lambda: QueryDepthLimiter(max_depth=MAX_DEPTH),
        lambda: MaxAliasesLimiter(max_alias_count=MAX_ALIASES),
        lambda: MaxTokensLimiter(max_token_count=MAX_TOKENS),
        ApiErrors,
    ],
)

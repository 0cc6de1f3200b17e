"""The GraphQL schema: each domain package exports Query (and Mutation); merged here.

Protection: query depth, aliases and tokens are limited; pages hold at most 100 items;
every error leaves with a code and no internals (schema/errors.py).
"""

import contextlib
import datetime

import strawberry
from graphql import GraphQLError
from strawberry.extensions import (
    AddValidationRules,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    SchemaExtension,
    ValidationCache,
)
from strawberry.schema.config import StrawberryConfig
from strawberry.tools import merge_types
from strawberry.types.execution import PreExecutionError
from strawberry_django.optimizer import DjangoOptimizerExtension

from schema import fastpath
from schema.booking.availability import Query as AvailabilityQuery
from schema.booking.mutations import Mutation as BookingMutation
from schema.booking.queries import MAX_PAGE
from schema.booking.queries import Query as BookingQuery
from schema.booking.subscriptions import Subscription as BookingSubscription
from schema.common import DATETIME_SCALAR
from schema.errors import code_errors
from schema.search.queries import Query as SearchQuery

MAX_DEPTH = 10
MAX_ALIASES = 20
MAX_TOKENS = 2000

Query = merge_types("Query", (BookingQuery, AvailabilityQuery, SearchQuery))
Mutation = merge_types("Mutation", (BookingMutation,))
Subscription = merge_types("Subscription", (BookingSubscription,))

# The limits' validation rules, made once: rule classes made per request (one per
# limiter instance) would give every request a new ValidationCache key.
LIMIT_RULES = (*QueryDepthLimiter(max_depth=MAX_DEPTH).validation_rules,
               *MaxAliasesLimiter(max_alias_count=MAX_ALIASES).validation_rules)
# Documents parsed and validated once per distinct text: clients send the same few
# operations over and over. Bounded LRU caches, so unique texts cannot grow memory.
DOCUMENT_CACHE_SIZE = 256


class QueryOptimizer(DjangoOptimizerExtension):
    """strawberry-django's optimizer without its per-field `resolve` hook.

    Every field of this schema that returns a queryset is a strawberry-django field, and
    those optimize their own querysets (through the optimizer set for the operation); the
    hook would only wrap every other field of every answer — about 12 µs a field, most of
    the time of a list of 20 resources with their amenities.
    """

    resolve = SchemaExtension.resolve


class Schema(strawberry.Schema):
    def process_errors(self, errors, execution_context=None) -> None:
        # Expected errors (bad input, permissions) are answers, not server faults; the
        # unexpected ones are logged with their traceback by code_errors.
        return None

    # Every result's errors get their codes here, at the three ways in (not in an
    # extension: an error raised inside an extension's hook, as ParserCache raises every
    # syntax error, skips the extensions' handling of the result).
    def execute_sync(self, *args, **kwargs):
        return _coded(super().execute_sync(*args, **kwargs))

    async def execute(self, *args, **kwargs):
        return _coded(await super().execute(*args, **kwargs))

    async def stream(self, *args, **kwargs):  # the websocket's operations
        return _coded_stream(await super().stream(*args, **kwargs))


def _coded(result):
    if getattr(result, "errors", None):
        result.errors = code_errors(result.errors)
    return result


async def _coded_stream(source):
    async with contextlib.aclosing(source):
        try:
            async for result in source:
                yield _coded(result)
        except GraphQLError as error:
            # Raised inside an extension's hook (a syntax error, from ParserCache):
            # strawberry's websocket handler would only log it and complete the operation.
            yield _coded(PreExecutionError(data=None, errors=[error]))


def make_schema(*, direct_resolvers: bool = True) -> Schema:
    made = Schema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        config=StrawberryConfig(relay_max_results=MAX_PAGE,
                                scalar_map={datetime.datetime: DATETIME_SCALAR}),
        extensions=[
            QueryOptimizer,
            lambda: AddValidationRules(LIMIT_RULES),
            lambda: MaxTokensLimiter(max_token_count=MAX_TOKENS),
            lambda: ParserCache(maxsize=DOCUMENT_CACHE_SIZE),
            lambda: ValidationCache(maxsize=DOCUMENT_CACHE_SIZE),
        ],
    )
    if direct_resolvers:
        fastpath.install(made)
    return made


schema = make_schema()

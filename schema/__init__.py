"""The GraphQL schema: each domain package exports Query (and Mutation); merged here.

Protection: the document's size, depth, aliases and estimated cost are limited, each
checked in linear time (schema/limits.py); pages hold at most 100 items; every error
leaves with a code and no internals (schema/errors.py).
"""

import contextlib
import datetime

import strawberry
from graphql import GraphQLError
from strawberry.extensions import SchemaExtension
from strawberry.schema.config import StrawberryConfig
from strawberry.tools import merge_types
from strawberry.types.execution import PreExecutionError
from strawberry_django.optimizer import DjangoOptimizerExtension

from config.observe import REQUEST_ID, Timer, new_request_id, operation_done
from schema.booking.availability import Query as AvailabilityQuery
from schema.booking.mutations import Mutation as BookingMutation
from schema.booking.queries import MAX_PAGE
from schema.booking.queries import Query as BookingQuery
from schema.booking.subscriptions import Subscription as BookingSubscription
from schema.common import DATETIME_SCALAR
from schema.errors import code_errors
from schema.limits import DocumentLimits, operation_summary
from schema.search.queries import Query as SearchQuery

Query = merge_types("Query", (BookingQuery, AvailabilityQuery, SearchQuery))
Mutation = merge_types("Mutation", (BookingMutation,))
Subscription = merge_types("Subscription", (BookingSubscription,))


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
    # Each is also counted, timed and logged (config/observe.py).
    def execute_sync(self, query=None, *args, **kwargs):
        timer = Timer()
        result = _coded(super().execute_sync(query, *args, **kwargs))
        _observed(query, kwargs.get("operation_name"), timer, [result])
        return result

    async def execute(self, query=None, *args, **kwargs):
        timer = Timer()
        result = _coded(await super().execute(query, *args, **kwargs))
        _observed(query, kwargs.get("operation_name"), timer, [result])
        return result

    async def stream(self, query=None, *args, **kwargs):  # the websocket's operations
        REQUEST_ID.set(new_request_id())  # one per operation: each runs in a task of its own
        return _coded_stream(await super().stream(query, *args, **kwargs),
                             query, kwargs.get("operation_name"))


def _coded(result):
    if getattr(result, "errors", None):
        result.errors = code_errors(result.errors)
    return result


def _observed(query, operation_name, timer: Timer, results: list) -> None:
    name, kind = operation_summary(query, operation_name)
    codes = [(error.extensions or {}).get("code", "error")
             for result in results for error in (getattr(result, "errors", None) or [])]
    operation_done(name=name, kind=kind, seconds=timer.seconds, codes=codes)


async def _coded_stream(source, query, operation_name):
    timer, results = Timer(), []
    async with contextlib.aclosing(source):
        try:
            async for result in source:
                result = _coded(result)
                if result.errors:
                    results.append(result)
                yield result
        except GraphQLError as error:
            # Raised inside an extension's hook (a syntax error, from ParserCache):
            # strawberry's websocket handler would only log it and complete the operation.
            result = _coded(PreExecutionError(data=None, errors=[error]))
            results.append(result)
            yield result
        finally:
            _observed(query, operation_name, timer, results)


def make_schema() -> Schema:
    return Schema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        config=StrawberryConfig(relay_max_results=MAX_PAGE,
                                scalar_map={datetime.datetime: DATETIME_SCALAR}),
        # Documents are parsed and validated once per distinct text (clients send the same
        # few operations over and over), in bounded caches, and limited (schema/limits.py).
        extensions=[DocumentLimits, QueryOptimizer],
    )


schema = make_schema()

"""The only translation between PostgreSQL ranges and GraphQL.

Outputs: `{lower upper lowerInc upperInc isEmpty}`; a missing bound is unbounded, and an
empty range is `isEmpty: true` with both bounds null — distinct from `(,)`, which has
`isEmpty: false`. Inputs mirror outputs (bounds default to `[)`), with `isEmpty: true` for
the empty range. Every range field has a filter with all PostgreSQL range operators
(https://www.postgresql.org/docs/current/functions-range.html).
"""

import dataclasses
import datetime as dt
import decimal
import re
from typing import Any

import dateutil.parser
import strawberry
import strawberry_django
from asgiref.sync import sync_to_async
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from psycopg.types.range import Range
from strawberry.schema.types.base_scalars import DateTimeDefinition, wrap_parser
from strawberry.utils.inspect import in_async_context
from strawberry_django.fields.field import (
    StrawberryDjangoConnectionExtension,
)

UTC = dt.UTC
BIGINT_MAX = 2**63 - 1  # the largest key; ids range over ±BIGINT_MAX, here and compiled


def decode_ids(global_ids, type_name: str, *, field: str | None = None) -> list[int]:
    """The primary keys behind relay IDs that must all name `type_name` objects; an ID of
    another type, or one whose key is not an integer a key can be (bigint), is a
    ValidationError `invalid_id` (dropping it would silently widen a filter to everything;
    passing 2**63 on made PostgreSQL's out-of-range error an internal_error)."""
    try:
        ids = [int(gid.node_id) for gid in global_ids if gid.type_name == type_name]
    except ValueError:
        ids = []
    if len(ids) != len(global_ids) or not all(-BIGINT_MAX <= pk <= BIGINT_MAX for pk in ids):
        error = ValidationError(f"Not a {type_name} id.", code="invalid_id")
        error.field = field
        raise error
    return ids


# A time of day followed by more fractional digits than microseconds hold.
_SUBMICROSECONDS = re.compile(r"(\d\d:?\d\d:?\d\d)[.,](\d{7,})")


def parse_datetime(text: str) -> dt.datetime:
    """ISO 8601 as strawberry's DateTime reads it, but digits past the microsecond are
    rounded as PostgreSQL rounds them (rint(fraction * 10**6)) instead of dropped:
    `…59.9999999` is the next second for both, not …59.999999 for one."""
    match = _SUBMICROSECONDS.search(text)
    if match is None:
        return dateutil.parser.isoparse(text)
    whole = text[:match.end(1)] + text[match.end():]
    micro = round(float("0." + match.group(2)) * 1_000_000)  # half to even, like rint
    try:
        return dateutil.parser.isoparse(whole) + dt.timedelta(microseconds=micro)
    except OverflowError:
        raise ValueError("year 10000 is out of range") from None


# Registered for datetime in schema/__init__.py; the SDL stays `scalar DateTime`.
DATETIME_SCALAR = dataclasses.replace(
    DateTimeDefinition, parse_value=wrap_parser(parse_datetime, "DateTime"))


def _range_type(name: str, element: type, description: str):
    annotations = {"lower": element | None, "upper": element | None, "lower_inc": bool,
                   "upper_inc": bool, "is_empty": bool}
    cls = type(name, (), {"__annotations__": annotations})
    return strawberry.type(cls, description=description)


DateTimeRange = _range_type("DateTimeRange", dt.datetime,
                            "A range of instants, in UTC. Null bound = unbounded.")
DateRange = _range_type("DateRange", dt.date, "A range of dates. Null bound = unbounded.")
IntRange = _range_type("IntRange", int, "A range of integers, e.g. suitable party sizes.")
DecimalRange = _range_type("DecimalRange", decimal.Decimal, "A range of decimal numbers.")


def range_out(kind, value: Range | None):
    """The GraphQL object for a psycopg range (instants in UTC)."""
    if value is None:
        return None
    if value.isempty:
        return kind(lower=None, upper=None, lower_inc=False, upper_inc=False, is_empty=True)
    lower, upper = _utc(value.lower), _utc(value.upper)
    return kind(lower=lower, upper=upper, lower_inc=value.lower_inc,
                upper_inc=value.upper_inc, is_empty=False)


def _utc(value):
    return value.astimezone(UTC) if isinstance(value, dt.datetime) else value


def _input_type(name: str, element: type, description: str):
    annotations = {"lower": element | None, "upper": element | None, "lower_inc": bool,
                   "upper_inc": bool, "is_empty": bool}
    namespace = {
        "__annotations__": annotations,
        "lower": None, "upper": None, "lower_inc": True, "upper_inc": False, "is_empty": False,
        "to_range": _to_range,
    }
    return strawberry.input(type(name, (), namespace), description=description)


def _to_range(self) -> Range:
    """The psycopg Range for this input; ValidationError (with a code) when it is unusable."""
    if self.is_empty:
        if self.lower is not None or self.upper is not None:
            raise ValidationError("An empty range has no bounds.", code="invalid_range")
        return Range(empty=True)
    for bound in (self.lower, self.upper):
        if isinstance(bound, dt.datetime) and timezone.is_naive(bound):
            raise ValidationError("Datetimes need a UTC offset, e.g. 2026-11-24T14:00:00+01:00.",
                                  code="naive_datetime")
        if isinstance(bound, decimal.Decimal) and bound.is_nan():
            # Not comparable in Python; PostgreSQL would sort it above every number.
            raise ValidationError("A bound must be a number, not NaN.", code="invalid_range")
    if self.lower is not None and self.upper is not None and self.lower > self.upper:
        raise ValidationError("The lower bound is above the upper bound.", code="invalid_range")
    bounds = ("[" if self.lower_inc else "(") + ("]" if self.upper_inc else ")")
    if isinstance(self, IntRangeInput) and _int4_overflows(self.lower, self.upper, bounds):
        raise ValidationError(f"Integer ranges must fit in [{INT4_MIN}, {INT4_MAX}) once "
                              "written as [lower, upper).", code="out_of_range")
    return Range(self.lower, self.upper, bounds)


# int4range, the only integer range (GraphQL's Int is 32-bit, too).
INT4_MIN, INT4_MAX = -(2**31), 2**31 - 1


def _int4_overflows(lower: int | None, upper: int | None, bounds: str) -> bool:
    """PostgreSQL stores a non-empty int4range as [): it adds 1 to an exclusive lower or an
    inclusive upper bound, and at INT4_MAX that fails with "integer out of range"."""
    if any(v is not None and not INT4_MIN <= v <= INT4_MAX for v in (lower, upper)):
        return True
    if lower is not None and lower == upper and bounds != "[]":
        return False  # empty before PostgreSQL canonicalises anything
    return (lower == INT4_MAX and bounds[0] == "(") or (upper == INT4_MAX and bounds[1] == "]")


DateTimeRangeInput = _input_type(
    "DateTimeRangeInput", dt.datetime,
    "Instants with a UTC offset; bounds default to [lower, upper). isEmpty for the empty range.")
DateRangeInput = _input_type("DateRangeInput", dt.date, "Dates; bounds default to [).")
IntRangeInput = _input_type("IntRangeInput", int, "Integers; bounds default to [).")
DecimalRangeInput = _input_type("DecimalRangeInput", decimal.Decimal,
                                "Decimals; bounds default to [).")


# Filter operator -> Django range lookup (PostgreSQL operator).
RANGE_OPERATORS = {
    "overlaps": "overlap",  # &&
    "contains": "contains",  # @> range
    "contained_by": "contained_by",  # <@
    "adjacent_to": "adjacent_to",  # -|-
    "strictly_left_of": "fully_lt",  # <<
    "strictly_right_of": "fully_gt",  # >>
    "not_extends_left_of": "not_lt",  # &>
    "not_extends_right_of": "not_gt",  # &<
}
RANGE_PREDICATES = {"is_empty": "isempty", "lower_inf": "lower_inf", "upper_inf": "upper_inf"}


def _range_filter(name: str, input_type, element: type):
    namespace: dict[str, Any] = {}
    for operator, lookup in RANGE_OPERATORS.items():
        namespace[operator] = _filter_method(operator, lookup, input_type, lambda v: v.to_range())
    namespace["contains_element"] = _filter_method(
        "contains_element", "contains", element, _checked_element)
    for predicate, lookup in RANGE_PREDICATES.items():
        namespace[predicate] = _filter_method(predicate, lookup, bool, lambda v: v)
    return strawberry.input(type(name, (), namespace),
                            description="Every PostgreSQL range operator; all given must hold.")


def _filter_method(operator: str, lookup: str, value_type, convert):
    def method(self, value, prefix: str) -> Q:
        return Q(**{f"{prefix}{lookup}": convert(value)})

    method.__name__ = operator
    method.__annotations__ = {"value": value_type, "prefix": str, "return": Q}
    return strawberry_django.filter_field(method)


def _checked_element(value):
    if isinstance(value, dt.datetime) and timezone.is_naive(value):
        raise ValidationError("Datetimes need a UTC offset.", code="naive_datetime")
    return value


DateTimeRangeFilter = _range_filter("DateTimeRangeFilter", DateTimeRangeInput, dt.datetime)
DateRangeFilter = _range_filter("DateRangeFilter", DateRangeInput, dt.date)
IntRangeFilter = _range_filter("IntRangeFilter", IntRangeInput, int)
DecimalRangeFilter = _range_filter("DecimalRangeFilter", DecimalRangeInput, decimal.Decimal)


def computed_field(*, only=(), select_related=(), prefetch_related=(),
                   description: str | None = None):
    """A field computed from columns already loaded, with optimizer hints.

    strawberry-django runs a custom resolver through sync_to_async (one thread hop per
    row in an async request) unless it is marked async-safe; these only read loaded
    attributes, so they are, and the hints make the optimizer load what they read.
    """

    def wrap(resolver):
        resolver.is_async_safe = True
        return strawberry_django.field(
            resolver, only=list(only), select_related=list(select_related),
            prefetch_related=list(prefetch_related), description=description)

    return wrap


class _OneHopConnectionExtension(StrawberryDjangoConnectionExtension):
    """Resolver, optimizer and page fetch of a connection in one sync_to_async hop.

    strawberry-django makes three (the resolver, the queryset hook, the page fetch);
    inside a worker thread it takes its sync path and does all three in a row.
    """

    def resolve(self, next_, source, info, **kwargs):
        if not in_async_context():
            return super().resolve(next_, source, info, **kwargs)
        return sync_to_async(super().resolve)(next_, source, info, **kwargs)


def connection(graphql_type, **kwargs):
    """strawberry_django.connection for a root field, resolved in one sync_to_async hop."""

    def wrap(resolver):
        field = strawberry_django.connection(graphql_type, **kwargs)(resolver)
        field.extensions = [
            _OneHopConnectionExtension(max_results=extension.max_results)
            if type(extension) is StrawberryDjangoConnectionExtension else extension
            for extension in field.extensions]
        return field

    return wrap

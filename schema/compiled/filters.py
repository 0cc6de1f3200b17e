"""Filter and ordering arguments as SQL conditions, with the semantics strawberry-django
gives them (strawberry_django.filters.process_filters) over schema/booking/filters.py:

- the fields given are ANDed (a null value skips its field), NOT is ANDed as `NOT (...)`,
  and OR comes last: `(everything else) OR (the OR filter)`; an empty filter adds nothing;
- text lookups as Django writes them for PostgreSQL (LIKE with %, _ and \\ escaped,
  UPPER() for the case-insensitive ones); every range operator of schema/common.py;
- values always travel as parameters (`%s`), never in the text.

Anything whose value would make the existing path answer an error (a range with its bounds
reversed, a naive datetime, a regular expression, which needs the caller and a pattern
check) raises Unsupported: the request goes the existing path, which answers that error.
"""

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError

from schema.common import (
    DateTimeRangeInput,
    IntRangeInput,
    parse_datetime,
)
from schema.compiled.selection import Unsupported

TEXT_LOOKUPS = {  # lookup -> (SQL with {c} for the column, parameter from the value)
    "exact": ("{c} = %s", lambda v: v),
    "iExact": ("UPPER({c}::text) = UPPER(%s)", lambda v: v),
    "contains": ("{c}::text LIKE %s", lambda v: f"%{_like(v)}%"),
    "iContains": ("UPPER({c}::text) LIKE UPPER(%s)", lambda v: f"%{_like(v)}%"),
    "startsWith": ("{c}::text LIKE %s", lambda v: f"{_like(v)}%"),
    "iStartsWith": ("UPPER({c}::text) LIKE UPPER(%s)", lambda v: f"{_like(v)}%"),
    "endsWith": ("{c}::text LIKE %s", lambda v: f"%{_like(v)}"),
    "iEndsWith": ("UPPER({c}::text) LIKE UPPER(%s)", lambda v: f"%{_like(v)}"),
    "inList": ("{c} = ANY(%s::text[])", list),
}
COMPARISONS = {"exact": "=", "gt": ">", "gte": ">=", "lt": "<", "lte": "<="}
# https://www.postgresql.org/docs/current/functions-range.html
RANGE_OPERATORS = {
    "overlaps": "&&", "contains": "@>", "containedBy": "<@", "adjacentTo": "-|-",
    "strictlyLeftOf": "<<", "strictlyRightOf": ">>", "notExtendsLeftOf": "&>",
    "notExtendsRightOf": "&<",
}
RANGE_PREDICATES = {"isEmpty": "isempty", "lowerInf": "lower_inf", "upperInf": "upper_inf"}
RANGE_TYPES = {  # GraphQL range type -> (SQL range type, SQL element type, input class)
    "IntRange": ("int4range", "integer", IntRangeInput),
    "DateTimeRange": ("tstzrange", "timestamptz", DateTimeRangeInput),
}
ORDER_DIRECTIONS = {
    "ASC": "ASC", "ASC_NULLS_FIRST": "ASC NULLS FIRST", "ASC_NULLS_LAST": "ASC NULLS LAST",
    "DESC": "DESC", "DESC_NULLS_FIRST": "DESC NULLS FIRST",
    "DESC_NULLS_LAST": "DESC NULLS LAST",
}


def _like(value: str) -> str:
    # Django's prep_for_like_query: LIKE's wildcards and its escape character, escaped.
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


@dataclass(frozen=True)
class Related:
    """A to-one relation a filter or an ordering reaches through (its FK is NOT NULL)."""

    filter_type: str
    table: str
    fk: str


# Fields of each filter input: ("text" | "int" | "range:<type>" | Related | a custom kind).
FILTERS = {
    "VenueFilter": {name: ("text", name) for name in
                    ("name", "slug", "city", "country", "timezone")},
    "CategoryFilter": {"name": ("text", "name"), "slug": ("text", "slug")},
    "ResourceFilter": {
        "name": ("text", "name"), "slug": ("text", "slug"),
        "venue": ("related", Related("VenueFilter", "booking_venue", "venue_id")),
        "category": ("related", Related("CategoryFilter", "booking_category", "category_id")),
        "capacity": ("range:IntRange", "capacity"),
        "partySize": ("party_size", "capacity"),
        "amenities": ("amenities", "id"),
    },
    "BookingFilter": {
        "reference": ("text", "reference"), "partySize": ("int", "party_size"),
        "resource": ("related", Related("ResourceFilter", "booking_resource", "resource_id")),
        "period": ("range:DateTimeRange", "period"),
        "blocked": ("range:DateTimeRange", "blocked"),
        "status": ("status", "status"),
    },
}
ORDERS = {
    "VenueOrder": {"name": "name", "city": "city"},
    "ResourceOrder": {"name": "name", "slug": "slug",
                      "venue": Related("VenueOrder", "booking_venue", "venue_id")},
    "BookingOrder": {"reference": "reference", "createdAt": "created_at", "start": "period"},
}


@dataclass
class Sql:
    text: str
    params: list = field(default_factory=list)


def both(a: Sql | None, b: Sql | None, operator: str = "AND") -> Sql | None:
    """a AND b (or OR), where None is an empty condition (Django's empty Q: no effect)."""
    if a is None or b is None:
        return a or b
    return Sql(f"({a.text} {operator} {b.text})", a.params + b.params)


class Joins:
    """The to-one joins a root statement needs for its filters and ordering, by path."""

    def __init__(self, alias: str) -> None:
        self.alias = alias
        self.joins: dict[str, str] = {}

    def of(self, row: str, related: Related) -> str:
        child = f"{row}_{related.fk.removesuffix('_id')}"
        if child not in self.joins:
            self.joins[child] = (f" JOIN {related.table} {child} "
                                 f"ON {child}.id = {row}.{related.fk}")
        return child

    def sql(self) -> str:
        return "".join(self.joins.values())


def condition(joins: Joins, filter_type: str, value: dict | None, row: str) -> Sql | None:
    """The SQL condition of a filter input on `row` (None: no condition)."""
    if value is None:
        return None
    spec = FILTERS[filter_type]
    result = None
    for name, given in value.items():
        if given is None or name in ("OR", "DISTINCT"):  # DISTINCT: rows are unique anyway
            continue
        if name == "AND":
            part = condition(joins, filter_type, given, row)
        elif name == "NOT":
            inner = condition(joins, filter_type, given, row)
            part = Sql(f"NOT {inner.text}", inner.params) if inner else None
        else:
            part = _field(joins, spec[name], given, row)
        result = both(result, part)
    if value.get("OR") is not None:
        result = both(result, condition(joins, filter_type, value["OR"], row), "OR")
    return result


def _field(joins: Joins, spec: tuple, value, row: str) -> Sql | None:
    kind, target = spec
    if kind == "related":
        return condition(joins, target.filter_type, value, joins.of(row, target))
    column = f"{row}.{target}"
    if kind == "text":
        return _lookups(column, value, TEXT_LOOKUPS)
    if kind == "int":
        return _comparisons(column, value)
    if kind.startswith("range:"):
        return _range(column, kind.removeprefix("range:"), value)
    if kind == "party_size":
        return Sql(f"({column} @> %s::integer)", [value])
    if kind == "amenities":
        result = None
        for slug in value:
            result = both(result, Sql(
                f"({column} IN (SELECT m.resource_id FROM booking_resource_amenities m"
                " JOIN booking_amenity a ON a.id = m.amenity_id WHERE a.slug = %s))", [slug]))
        return result
    if kind == "status":  # enum names in, the model's values stored
        return Sql(f"({column} = ANY(%s::text[]))", [[status.lower() for status in value]])
    raise Unsupported(kind)


def _lookups(column: str, value: dict, lookups: dict) -> Sql | None:
    result = None
    for lookup, given in value.items():
        if given is None:
            continue
        if lookup == "isNull":
            part = Sql(f"({column} IS {'' if given else 'NOT '}NULL)")
        elif lookup in lookups:
            template, param = lookups[lookup]
            part = Sql("(" + template.format(c=column) + ")", [param(given)])
        else:  # regex, iRegex: signed-in callers only, patterns checked (existing path)
            raise Unsupported(lookup)
        result = both(result, part)
    return result


def _comparisons(column: str, value: dict) -> Sql | None:
    result = None
    for lookup, given in value.items():
        if given is None:
            continue
        if lookup in COMPARISONS:
            part = Sql(f"({column} {COMPARISONS[lookup]} %s)", [given])
        elif lookup == "inList":
            part = Sql(f"({column} = ANY(%s::bigint[]))", [list(given)])
        elif lookup == "isNull":
            part = Sql(f"({column} IS {'' if given else 'NOT '}NULL)")
        elif lookup == "range" and None not in (given.get("start"), given.get("end")):
            part = Sql(f"({column} BETWEEN %s AND %s)", [given["start"], given["end"]])
        else:
            raise Unsupported(lookup)
        result = both(result, part)
    return result


def _range(column: str, type_name: str, value: dict) -> Sql | None:
    range_type, element_type, input_class = RANGE_TYPES[type_name]
    result = None
    for name, given in value.items():
        if given is None:
            continue
        if name in RANGE_OPERATORS:
            part = Sql(f"({column} {RANGE_OPERATORS[name]} %s::{range_type})",
                       [_range_literal(input_class, given)])
        elif name == "containsElement":
            part = Sql(f"({column} @> %s::{element_type})", [_element(given)])
        else:
            part = Sql(f"({RANGE_PREDICATES[name]}({column}) = %s)", [given])
        result = both(result, part)
    return result


def _range_literal(input_class, value: dict) -> str:
    """The range's text, after the checks of schema.common's to_range (its errors are the
    existing path's to answer)."""
    bounds = {key: value[key] for key in ("lower", "upper")}
    if input_class is DateTimeRangeInput:
        bounds = {key: _instant(bound) for key, bound in bounds.items()}
    given = input_class(lower=bounds["lower"], upper=bounds["upper"],
                        lower_inc=value["lowerInc"], upper_inc=value["upperInc"],
                        is_empty=value["isEmpty"])
    try:
        checked = given.to_range()
    except ValidationError:
        raise Unsupported("invalid range") from None
    if checked.isempty:
        return "empty"
    lower, upper = (_bound(bound) for bound in (checked.lower, checked.upper))
    return f"{checked.bounds[0]}{lower},{upper}{checked.bounds[1]}"


def _bound(value) -> str:
    if value is None:
        return ""
    return f'"{value.isoformat()}"' if hasattr(value, "isoformat") else str(value)


def _instant(value):
    if value is None:
        return None
    try:
        return parse_datetime(value)
    except (TypeError, ValueError, OverflowError):
        raise Unsupported("invalid datetime") from None


def _element(value):
    if isinstance(value, str):
        instant = _instant(value)
        if instant.tzinfo is None:
            raise Unsupported("naive datetime")
        return instant.isoformat()
    return value


def ordering(joins: Joins, order_type: str, values: list[dict],
             row: str) -> list[tuple[str, str]]:
    """ORDER BY terms (expression, direction) of an ordering argument (each input names
    one field: @oneOf)."""
    terms = []
    for value in values:
        for name, given in value.items():
            if given is None:
                continue
            target = ORDERS[order_type][name]
            if isinstance(target, Related):
                terms += ordering(joins, target.filter_type, [given], joins.of(row, target))
            else:
                terms.append((f"{row}.{target}", ORDER_DIRECTIONS[given]))
    return terms

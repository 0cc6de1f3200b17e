"""Cursor connections (resourceConnection, bookings, myBookings) as one statement each.

strawberry-django's DjangoCursorConnection over the resolver's queryset: the type's rows
(Booking.get_queryset: visible_to the caller), the `filters`, the `ordering` (else the
resolver's order), the primary key appended when the order lacks it, then `first` + 1 rows
to tell `hasNextPage`; `totalCount` counts the filtered rows. Covered: `first` (0 to
relay_max_results) without `after`, `before` or `last`, and the selections `edges { node
}`, `pageInfo { hasNextPage hasPreviousPage }`, `totalCount`, `__typename`. Cursors are
strawberry-django's encoding of Python values and go the existing path, as do callers the
field refuses (anonymous myBookings, non-staff bookings: permission_denied).

    WITH page AS MATERIALIZED (SELECT row.*, <order keys> FROM ... ORDER BY ... LIMIT first + 1)
    SELECT json_build_object('edges', (the first `first` rows of page, in order),
                             'pageInfo', json_build_object('hasNextPage', count(page) > first,
                                                           ...), 'totalCount', count(...))
"""

from dataclasses import dataclass

from schema.booking.queries import MAX_PAGE
from schema.compiled import filters
from schema.compiled.filters import Joins, Sql, both
from schema.compiled.roots import visible_bookings
from schema.compiled.selection import Unsupported
from schema.compiled.types import TYPES


@dataclass(frozen=True)
class Connection:
    """A covered connection root field: node type, filter and order inputs, and its rows
    before filters (`base(caller, alias, joins) -> (where, default order)`)."""

    type_name: str
    filter_type: str
    order_type: str
    base: object
    many: bool = True


def _resources(caller, alias, joins):
    venue = joins.of(alias, filters.Related("", "booking_venue", "venue_id"))
    return Sql(f"{alias}.is_active"), [(f"{venue}.name", "ASC"), (f"{alias}.name", "ASC"),
                                       (f"{alias}.id", "ASC")]


def _bookings(caller, alias, joins):
    if not caller.is_staff:
        raise Unsupported("permission_denied")
    return visible_bookings(alias, caller), [(f"{alias}.period", "DESC"), (f"{alias}.id", "ASC")]


def _my_bookings(caller, alias, joins):
    if not caller.is_authenticated:
        raise Unsupported("permission_denied")
    mine = Sql(f"{alias}.customer_id = %s", [caller.user_id])
    return both(mine, visible_bookings(alias, caller)), [(f"{alias}.period", "DESC"),
                                                         (f"{alias}.id", "ASC")]


CONNECTIONS = {
    "resourceConnection": Connection("Resource", "ResourceFilter", "ResourceOrder", _resources),
    "bookings": Connection("Booking", "BookingFilter", "BookingOrder", _bookings),
    "myBookings": Connection("Booking", "BookingFilter", "BookingOrder", _my_bookings),
}


def compile_selection(compiler, connection: Connection, alias: str, nodes) -> dict:
    """{response key: SQL template} of a connection's selection; the templates name the
    page as `{page}`-derived subqueries filled in by `statement`."""
    parts = {}
    for key, field in compiler.fields(f"{connection.type_name}CursorConnection", nodes).items():
        name = field[0].name.value
        if name == "__typename":
            parts[key] = ("const", f"'{connection.type_name}CursorConnection'")
        elif name == "totalCount":
            parts[key] = ("count", None)
        elif name == "pageInfo":
            parts[key] = ("pageInfo", _page_info(compiler, field))
        elif name == "edges":
            parts[key] = ("edges", _edge(compiler, connection, alias, field))
        else:
            raise Unsupported(f"connection field {name}")
    return parts


def _page_info(compiler, nodes) -> list[tuple[str, str]]:
    out = []
    for key, field in compiler.fields("PageInfo", nodes).items():
        name = field[0].name.value
        values = {"__typename": "'PageInfo'", "hasPreviousPage": "false",
                  "hasNextPage": "{has_next}"}
        if name not in values:
            raise Unsupported("cursors")  # startCursor, endCursor
        out.append((key, values[name]))
    return out


def _edge(compiler, connection: Connection, alias: str, nodes) -> str:
    parts = []
    for key, field in compiler.fields(f"{connection.type_name}CursorEdge", nodes).items():
        name = field[0].name.value
        if name == "node":
            parts.append(f"'{key}', {compiler.object(connection.type_name, alias, field)}")
        elif name == "__typename":
            parts.append(f"'{key}', '{connection.type_name}CursorEdge'")
        else:
            raise Unsupported("cursors")
    return f"json_build_object({', '.join(parts)})"


def statement(connection: Connection, parts: dict, alias: str, args: dict, caller) -> Sql:
    """The one statement of a connection root field for these arguments."""
    if any(args.get(name) is not None for name in ("after", "before", "last")):
        raise Unsupported("cursor pagination")
    first = args.get("first")
    if first is None or not 0 <= first <= MAX_PAGE:
        raise Unsupported("first")
    joins = Joins(alias)
    where, order = connection.base(caller, alias, joins)
    where = both(where, filters.condition(joins, connection.filter_type, args.get("filters"),
                                          alias))
    given = filters.ordering(joins, connection.order_type, args.get("ordering") or [], alias)
    if given:
        order = given if (f"{alias}.id", "ASC") in given else [*given, (f"{alias}.id", "ASC")]
    table = TYPES[connection.type_name].name
    source = f"FROM {table} {alias}{joins.sql()} WHERE {where.text}"
    keys = ", ".join(f"{expression} AS _o{i}" for i, (expression, _) in enumerate(order))
    inner = ", ".join(f"{expression} {direction}" for expression, direction in order)
    outer = ", ".join(f"{alias}._o{i} {direction}" for i, (_, direction) in enumerate(order))
    values, params = [], []
    for key, (kind, template) in parts.items():
        if kind == "const":
            values.append(f"'{key}', {template}")
        elif kind == "count":
            values.append(f"'{key}', (SELECT count(*) {source})")
            params += where.params
        elif kind == "pageInfo":
            info = ", ".join(f"'{k}', {v.format(has_next='(SELECT count(*) FROM page) > %s')}"
                             for k, v in template)
            values.append(f"'{key}', json_build_object({info})")
            params += [first] * sum("{has_next}" in v for _, v in template)
        else:
            values.append(f"'{key}', COALESCE((SELECT json_agg({template} ORDER BY {outer}) "
                          f"FROM (SELECT * FROM page {alias} ORDER BY {outer} LIMIT %s) {alias}),"
                          " '[]'::json)")
            params.append(first)
    text = (f"WITH page AS MATERIALIZED (SELECT {alias}.*, {keys} {source} ORDER BY {inner} "
            f"LIMIT %s) SELECT json_build_object({', '.join(values)})::text")
    return Sql(text, [*where.params, first + 1, *params])

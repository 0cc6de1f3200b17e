"""Cursor connections (resourceConnection, bookings, myBookings) as one statement each.

strawberry-django's DjangoCursorConnection over the resolver's queryset: the type's rows
(Booking.get_queryset: visible_to the caller), the `filters`, the `ordering` (else the
resolver's order; repeated keys once, as Django's compiler drops them), the primary key
appended when the order lacks it; `after`/`before` cursors (cursors.py) as keyset
conditions over those keys; then its apply_cursor_pagination:

- `first`: the first `first` + 1 rows; hasNextPage when there are more than `first`;
- `last`: the last `last` + 1 rows (the order reversed); hasPreviousPage likewise;
- both: rows numbered in order, those numbered up to `first` + 1, the last `last` + 2 of
  them; hasNextPage when one is numbered past `first`, hasPreviousPage when more than
  `last` of the others remain; the edges are the last `last` of those.

The other flag is false; `totalCount` counts the filtered rows whatever the cursors; the
start and end cursors are the first and last edge's. Covered: `first` and `last` from 0 to
relay_max_results (neither: every row, the existing path's), any selection of
`edges { cursor node }`, `pageInfo`, `totalCount`, `__typename`. Callers the field refuses
(anonymous myBookings, non-staff bookings: permission_denied) and cursors it did not write
go the existing path.

    WITH page AS MATERIALIZED (SELECT row.id, <order keys> FROM ... ORDER BY ... LIMIT n),
         edge AS (the edges of page, each joined back to its row)
    SELECT json_build_object('edges', (json_agg of edge, in order), 'pageInfo', ...,
                             'totalCount', count(...))
"""

from dataclasses import dataclass

from schema.booking.queries import MAX_PAGE
from schema.compiled import cursors, filters
from schema.compiled.filters import Joins, Sql, both
from schema.compiled.roots import visible_bookings
from schema.compiled.selection import Unsupported
from schema.compiled.types import TYPES

REVERSED = {"ASC": "DESC", "DESC": "ASC", "ASC NULLS FIRST": "DESC NULLS LAST",
            "ASC NULLS LAST": "DESC NULLS FIRST", "DESC NULLS FIRST": "ASC NULLS LAST",
            "DESC NULLS LAST": "ASC NULLS FIRST"}  # Django's OrderBy.reverse_ordering


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
    """{response key: (kind, what)} of a connection's selection, made SQL by `statement`
    (the order keys, hence cursors, are known only with the arguments)."""
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
    """[(response key, field name)] of a pageInfo selection."""
    return [(key, field[0].name.value)
            for key, field in compiler.fields("PageInfo", nodes).items()]


def _edge(compiler, connection: Connection, alias: str, nodes) -> list[tuple[str, str | None]]:
    """[(response key, SQL)] of an edge's selection; None: the row's cursor."""
    parts = []
    for key, field in compiler.fields(f"{connection.type_name}CursorEdge", nodes).items():
        name = field[0].name.value
        if name == "node":
            parts.append((key, compiler.object(connection.type_name, alias, field)))
        elif name == "__typename":
            parts.append((key, f"'{connection.type_name}CursorEdge'"))
        else:
            parts.append((key, None))  # cursor
    return parts


def _sizes(args: dict) -> tuple[int | None, int | None]:
    first, last = args.get("first"), args.get("last")
    if first is None and last is None:
        raise Unsupported("every row")
    if any(size is not None and not 0 <= size <= MAX_PAGE for size in (first, last)):
        raise Unsupported("first or last")
    return first, last


def _order(connection: Connection, alias: str, args: dict, caller, joins: Joins):
    """(where, order terms) of the connection's rows before the cursors."""
    where, order = connection.base(caller, alias, joins)
    where = both(where, filters.condition(joins, connection.filter_type, args.get("filters"),
                                          alias))
    given = filters.ordering(joins, connection.order_type, args.get("ordering") or [], alias)
    if given:
        terms: dict[str, str] = {}
        for expression, direction in [*given, (f"{alias}.id", "ASC")]:
            terms.setdefault(expression, direction)
        order = list(terms.items())
    return where, order


@dataclass
class Page:
    """The rows of one page: `page` (the CTE of the page's ids and order keys, from
    `source`), `edge` (the edges among them, each joined back to its row of `table`, as
    `alias`) and the two flags, as SQL. Only the narrow keys are sorted: a whole row would
    be carried through the sort of every candidate (6 ms more for 10k resources)."""

    page: Sql
    edge: Sql
    has_next: Sql
    has_previous: Sql


def _page(first, last, source: Sql, keys: str, order, table: str, alias: str) -> Page:
    forward = ", ".join(f"{expression} {direction}" for expression, direction in order)
    backward = ", ".join(f"{expression} {REVERSED[direction]}" for expression, direction in order)
    rows = f"SELECT {alias}.id AS _id, {keys}"
    back = _outer("p", order, REVERSED)

    def edge(kept: str, order_by: str, params: list) -> Sql:
        return Sql(f"SELECT {alias}.*, p.* FROM (SELECT * FROM page p{kept} ORDER BY "
                   f"{order_by} LIMIT %s) p JOIN {table} {alias} ON {alias}.id = p._id", params)

    if last is None:
        return Page(Sql(f"{rows} {source.text} ORDER BY {forward} LIMIT %s",
                        [*source.params, first + 1]),
                    edge("", _outer("p", order), [first]),
                    Sql("(SELECT count(*) FROM page) > %s", [first]), Sql("false"))
    if first is None:
        return Page(Sql(f"{rows} {source.text} ORDER BY {backward} LIMIT %s",
                        [*source.params, last + 1]),
                    edge("", back, [last]),
                    Sql("false"), Sql("(SELECT count(*) FROM page) > %s", [last]))
    numbered = f"{rows}, row_number() OVER (ORDER BY {forward}) AS _rn {source.text}"
    return Page(
        Sql(f"SELECT * FROM ({numbered}) p WHERE p._rn <= %s ORDER BY {back} LIMIT %s",
            [*source.params, first + 1, last + 2]),
        edge(" WHERE p._rn <= %s", back, [first, last]),
        Sql("EXISTS (SELECT FROM page WHERE _rn > %s)", [first]),
        Sql("(SELECT count(*) FROM page WHERE _rn <= %s) > %s", [first, last]))


def _outer(alias: str, order, directions=None) -> str:
    return ", ".join(f"{alias}._o{i} {(directions or {}).get(direction, direction)}"
                     for i, (_, direction) in enumerate(order))


def statement(connection: Connection, parts: dict, alias: str, args: dict, caller) -> Sql:
    """The one statement of a connection root field for these arguments."""
    first, last = _sizes(args)
    joins = Joins(alias)
    where, order = _order(connection, alias, args, caller, joins)
    kinds = [cursors.kind_of(expression) for expression, _ in order]
    cond = where
    for name, before in (("after", False), ("before", True)):
        if args.get(name):  # "" is no cursor (`if after:` in strawberry-django)
            values = cursors.decode(args[name], kinds)
            cond = both(cond, cursors.keyset(order, kinds, values, before))
    table = f"FROM {TYPES[connection.type_name].name} {alias}{joins.sql()}"
    keys = ", ".join(f"{expression} AS _o{i}" for i, (expression, _) in enumerate(order))
    page = _page(first, last, Sql(f"{table} WHERE {cond.text}", cond.params), keys, order,
                 TYPES[connection.type_name].name, alias)
    cursor = cursors.cursor_sql([(f"{alias}._o{i}", kind) for i, kind in enumerate(kinds)])
    edges = _Edges(alias, order, cursor)
    values = []
    for key, (kind, what) in parts.items():
        if kind == "const":
            values.append(Sql(f"'{key}', {what}"))
        elif kind == "count":
            values.append(Sql(f"'{key}', (SELECT count(*) {table} WHERE {where.text})",
                              where.params))
        elif kind == "pageInfo":
            values.append(edges.page_info(key, what, page))
        else:
            values.append(edges.all(key, what))
    ctes = f"page AS MATERIALIZED ({page.page.text})"
    if edges.used:
        ctes += f", edge AS ({page.edge.text})"
    return Sql(f"WITH {ctes} SELECT json_build_object({', '.join(v.text for v in values)})"
               "::text", [*page.page.params, *(page.edge.params if edges.used else ()),
                          *(param for value in values for param in value.params)])


class _Edges:
    """The parts of a connection's JSON read from the `edge` CTE (the edges' rows)."""

    def __init__(self, alias: str, order, cursor: str) -> None:
        self.alias, self.cursor, self.used = alias, cursor, False
        self.forward, self.backward = _outer(alias, order), _outer(alias, order, REVERSED)

    def all(self, key: str, fields: list[tuple[str, str | None]]) -> Sql:
        self.used = True
        edge = ", ".join(f"'{name}', {self.cursor if sql is None else sql}"
                         for name, sql in fields)
        return Sql(f"'{key}', COALESCE((SELECT json_agg(json_build_object({edge}) "
                   f"ORDER BY {self.forward}) FROM edge {self.alias}), '[]'::json)")

    def page_info(self, key: str, fields: list[tuple[str, str]], page: Page) -> Sql:
        parts, params = [], []
        for name, field in fields:
            value = {"__typename": Sql("'PageInfo'"), "hasNextPage": page.has_next,
                     "hasPreviousPage": page.has_previous,
                     "startCursor": self._end(self.forward),
                     "endCursor": self._end(self.backward)}[field]
            parts.append(f"'{name}', {value.text}")
            params += value.params
        return Sql(f"'{key}', json_build_object({', '.join(parts)})", params)

    def _end(self, order: str) -> Sql:
        """The cursor of the first edge in `order` (null when there is none)."""
        self.used = True
        return Sql(f"(SELECT {self.cursor} FROM edge {self.alias} ORDER BY {order} LIMIT 1)")

"""Root fields of Query as one SQL statement each, returning the field's JSON as text.

Each builder mirrors its resolver in schema/booking/queries.py: the same rows (active
resources only; a booking only for its customer or staff: Booking.get_queryset), the same
order (the model's Meta.ordering, or the `ordering` argument; venues, categories and
amenities end with the primary key) and the same page. A value the resolver would refuse
(a bad id, a page past MAX_PAGE, no way to find a resource) raises Unsupported, so that
the existing path answers with its coded error.
"""

import binascii
from dataclasses import dataclass

from strawberry.relay import from_base64

from schema.booking.queries import MAX_PAGE
from schema.common import BIGINT_MAX
from schema.compiled import filters
from schema.compiled.filters import Joins, Sql, both
from schema.compiled.selection import Unsupported
from schema.compiled.types import TYPES
from schema.guard import role_of


@dataclass(frozen=True)
class Caller:
    """Who asks, as far as rows and timeouts care."""

    user_id: int | None = None
    is_staff: bool = False
    is_authenticated: bool = False

    @property
    def role(self) -> str:
        return role_of(self)


ANONYMOUS = Caller()


@dataclass(frozen=True)
class Root:
    """A covered root field: its object type, whether it is a list, and how its arguments
    become rows (`rows(args, caller, joins, alias) -> (where, order terms, page)`)."""

    type_name: str
    many: bool
    rows: object


def statement(root: Root, obj: str, alias: str, args: dict, caller: Caller) -> Sql:
    """The statement answering a root field: `obj` is the compiled selection on `alias`."""
    table = TYPES[root.type_name].name
    joins = Joins(alias)
    where, order, page = root.rows(args, caller, joins, alias)
    source = f"FROM {table} {alias}{joins.sql()} WHERE {where.text}"
    if not root.many:
        return Sql(f"SELECT (SELECT {obj} {source} LIMIT 1)::text", where.params)
    keys = ", ".join(f"{expression} AS _o{i}" for i, (expression, _) in enumerate(order))
    inner = ", ".join(f"{expression} {direction}" for expression, direction in order)
    outer = ", ".join(f"{alias}._o{i} {direction}" for i, (_, direction) in enumerate(order))
    # The page is sorted and cut inside; the aggregate sorts its rows by the same keys.
    return Sql(
        f"SELECT COALESCE(json_agg({obj} ORDER BY {outer}), '[]'::json)::text FROM ("
        f"SELECT {alias}.*, {keys} {source} ORDER BY {inner} "
        f"LIMIT %s OFFSET %s) {alias}", [*where.params, *page])


def _page(args: dict) -> list[int]:
    offset, limit = args["offset"], args["limit"]
    if not 0 <= limit <= MAX_PAGE or offset < 0:
        raise Unsupported("page_too_large")
    return [limit, offset]


def node_pk(global_id: str, type_name: str) -> int:
    """decode_ids' answer, or Unsupported where it raises invalid_id."""
    try:
        name, pk = from_base64(global_id)
        pk = int(pk)
    except (ValueError, TypeError, binascii.Error):
        raise Unsupported("invalid_id") from None
    if name != type_name or not -BIGINT_MAX <= pk <= BIGINT_MAX:
        raise Unsupported("invalid_id")
    return pk


def _active(alias: str) -> Sql:
    return Sql(f"{alias}.is_active")


def _resource(args, caller, joins, alias):
    if args.get("id") is not None:
        return both(_active(alias), Sql(f"{alias}.id = %s",
                                        [node_pk(args["id"], "Resource")])), [], []
    if args.get("venueSlug") and args.get("slug"):
        venue = joins.of(alias, filters.Related("", "booking_venue", "venue_id"))
        where = Sql(f"{venue}.slug = %s AND {alias}.slug = %s", [args["venueSlug"], args["slug"]])
        return both(_active(alias), where), [], []
    raise Unsupported("invalid_arguments")


def _resources(args, caller, joins, alias):
    where = both(_active(alias), filters.condition(joins, "ResourceFilter", args.get("filters"),
                                                   alias))
    order = filters.ordering(joins, "ResourceOrder", args.get("ordering") or [], alias)
    if not order:  # Resource.Meta.ordering
        venue = joins.of(alias, filters.Related("", "booking_venue", "venue_id"))
        order = [(f"{venue}.name", "ASC"), (f"{alias}.name", "ASC")]
    return where, order, _page(args)


def _venues(args, caller, joins, alias):
    where = filters.condition(joins, "VenueFilter", args.get("filters"), alias) or Sql("true")
    order = filters.ordering(joins, "VenueOrder", args.get("ordering") or [], alias)
    return where, (order or [(f"{alias}.name", "ASC")]) + [(f"{alias}.id", "ASC")], _page(args)


def _by_name(args, caller, joins, alias):
    return Sql("true"), [(f"{alias}.name", "ASC"), (f"{alias}.id", "ASC")], _page(args)


def visible_bookings(alias: str, caller: Caller) -> Sql:
    """BookingQuerySet.visible_to: staff all, customers their own, anonymous none."""
    if caller.is_staff:
        return Sql("true")
    if caller.is_authenticated:
        return Sql(f"{alias}.customer_id = %s", [caller.user_id])
    return Sql("false")


def _booking(args, caller, joins, alias):
    reference = Sql(f"{alias}.reference = %s", [args["reference"].strip().upper()])
    return both(visible_bookings(alias, caller), reference), [], []


ROOTS = {
    "resource": Root("Resource", False, _resource),
    "resources": Root("Resource", True, _resources),
    "venues": Root("Venue", True, _venues),
    "categories": Root("Category", True, _by_name),
    "amenities": Root("Amenity", True, _by_name),
    "booking": Root("Booking", False, _booking),
}

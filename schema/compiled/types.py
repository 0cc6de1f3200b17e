"""The covered GraphQL object types as SQL: every field an expression over its row.

A selection on a type becomes one `json_build_object(...)` whose values render exactly as
the existing path renders them (strawberry's serializers over the optimizer's rows):

- relay ids: base64 of "Type:pk" (strawberry.relay.to_base64);
- DateTime: `datetime.isoformat()` in UTC, microseconds only when not zero;
- Date: ISO; Decimal: its text (numeric keeps its scale, as Python's Decimal does);
- ranges: `{lower upper lowerInc upperInc isEmpty}` (schema/common.py's range_out: empty
  has null bounds, an unbounded side is null and not inclusive);
- enums: the member's name (BookingStatus values upper-cased);
- lists: `json_agg` in the order the optimizer's prefetch uses (the model's Meta.ordering),
  `[]` when empty; to-one relations: a scalar subquery (their FKs are NOT NULL).

Everything here is decided when a document is compiled (once per document text): no
per-request work but the filters and page arguments of root fields (roots.py).
"""

from dataclasses import dataclass

from graphql import FieldNode

from schema.compiled.selection import Unsupported, collect

# json_build_object takes at most 100 arguments (PostgreSQL's FUNC_MAX_ARGS): 50 keys.
MAX_KEYS = 50


def datetime_sql(expression: str) -> str:
    """An instant as Python's isoformat() writes it in UTC (".ffffff" only when not 0)."""
    return (f"(replace(to_char(({expression}) AT TIME ZONE 'UTC', "
            f"'YYYY-MM-DD\"T\"HH24:MI:SS.US'), '.000000', '') || '+00:00')")


def date_sql(expression: str) -> str:
    return f"to_char({expression}, 'YYYY-MM-DD')"


def node_id_sql(type_name: str, pk: str) -> str:
    # Short ids: PostgreSQL's base64 only breaks lines after 76 characters.
    return f"encode(convert_to('{type_name}:' || {pk}, 'UTF8'), 'base64')"


def minutes_sql(column: str) -> str:
    # schema/booking/types.py's minutes(): whole minutes, rounded down.
    return f"floor(extract(epoch FROM {column}) / 60)::bigint"


def hhmm_sql(minutes: str) -> str:
    # booking.models.hhmm(): "HH:MM" of minutes after local midnight; 1440 is "24:00".
    return (f"(lpad(({minutes} / 60)::text, 2, '0') || ':' || "
            f"lpad(mod({minutes}, 60)::text, 2, '0'))")


ELEMENTS = {"IntRange": lambda e: e, "DateRange": date_sql, "DateTimeRange": datetime_sql}


@dataclass(frozen=True)
class Scalar:
    """A value computed from the row: `template` names the row's alias as {t}."""

    template: str


@dataclass(frozen=True)
class RangeField:
    template: str
    type_name: str  # IntRange, DateRange or DateTimeRange


@dataclass(frozen=True)
class ToOne:
    type_name: str
    table: str
    on: str  # {c}: the related row, {t}: this row


@dataclass(frozen=True)
class ToMany:
    type_name: str
    source: str  # FROM ... with the related row as {c}
    on: str
    order: str


@dataclass(frozen=True)
class Table:
    name: str
    fields: dict


def _columns(*names: str) -> dict:
    return {_camel(name): Scalar(f"{{t}}.{name}") for name in names}


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def _node(type_name: str) -> dict:
    return {"id": Scalar(node_id_sql(type_name, "{t}.id"))}


TYPES = {
    "Venue": Table("booking_venue", {**_node("Venue"), **_columns(
        "name", "slug", "description", "address", "city", "country", "timezone")}),
    "Category": Table("booking_category", {**_node("Category"), **_columns("name", "slug")}),
    "Amenity": Table("booking_amenity", {**_node("Amenity"), **_columns("name", "slug")}),
    "OpeningHours": Table("booking_openinghours", {
        "weekday": Scalar("{t}.weekday"),
        "opens": Scalar(hhmm_sql("lower({t}.hours)")),
        "closes": Scalar(hhmm_sql("upper({t}.hours)")),
        "validDuring": RangeField("{t}.valid_during", "DateRange")}),
    "Rate": Table("booking_rate", {
        "pricePerHour": Scalar("{t}.price_per_hour::text"),
        "currency": Scalar("{t}.currency"),
        "validDuring": RangeField("{t}.valid_during", "DateRange")}),
    "Resource": Table("booking_resource", {
        **_node("Resource"), **_columns("name", "slug", "description"),
        "venue": ToOne("Venue", "booking_venue", "{c}.id = {t}.venue_id"),
        "category": ToOne("Category", "booking_category", "{c}.id = {t}.category_id"),
        "amenities": ToMany(
            "Amenity", "booking_amenity {c} JOIN booking_resource_amenities {c}_m"
            " ON {c}_m.amenity_id = {c}.id", "{c}_m.resource_id = {t}.id", "{c}.name"),
        # Meta.ordering ["resource", "weekday", "hours"] / ["resource", "valid_during"]:
        # within one resource, the rest.
        "openingHours": ToMany("OpeningHours", "booking_openinghours {c}",
                               "{c}.resource_id = {t}.id", "{c}.weekday, {c}.hours"),
        "rates": ToMany("Rate", "booking_rate {c}", "{c}.resource_id = {t}.id",
                        "{c}.valid_during"),
        "capacity": RangeField("{t}.capacity", "IntRange"),
        **{f"{_camel(name)}Minutes": Scalar(minutes_sql(f"{{t}}.{name}")) for name in (
            "turnaround", "min_notice", "horizon", "min_length", "max_length", "slot_step")},
    }),
    "Booking": Table("booking_booking", {
        **_node("Booking"), **_columns("reference"),
        "resource": ToOne("Resource", "booking_resource", "{c}.id = {t}.resource_id"),
        "partySize": Scalar("{t}.party_size"),
        "status": Scalar("upper({t}.status)"),
        **{_camel(name): Scalar(datetime_sql(f"{{t}}.{name}"))
           for name in ("hold_expires_at", "created_at", "updated_at")},
        "period": RangeField("{t}.period", "DateTimeRange"),
        "blocked": RangeField("{t}.blocked", "DateTimeRange"),
        "customer": Scalar("(SELECT u.username FROM auth_user u WHERE u.id = {t}.customer_id)"),
    }),
}


class Compiler:
    """Selections to SQL for one operation: fresh table aliases, the operation's fragments
    and its variables' directive values (@skip/@include are decided at compile time when
    they name no variable; with a variable, by its value: see plan.py)."""

    def __init__(self, schema, fragments: dict, variables: dict) -> None:
        self.schema, self.fragments, self.variables = schema, fragments, variables
        self.aliases = 0

    def alias(self) -> str:
        self.aliases += 1
        return f"t{self.aliases}"

    def fields(self, type_name: str, nodes: list[FieldNode]) -> dict:
        """The response keys of the sub-selections of `nodes`, each with its field nodes."""
        return collect(self.schema, self.fragments, self.variables, type_name,
                       [node.selection_set for node in nodes])

    def object(self, type_name: str, row: str, nodes: list[FieldNode]) -> str:
        """json_build_object of the selection of `nodes` on a row of `type_name`."""
        fields = self.fields(type_name, nodes)
        if len(fields) > MAX_KEYS:
            raise Unsupported("more keys than json_build_object takes")
        table = TYPES[type_name]
        parts = [f"'{key}', {self.field(type_name, table, row, nodes)}"
                 for key, nodes in fields.items()]
        return f"json_build_object({', '.join(parts)})"

    def field(self, type_name: str, table: Table, row: str, nodes: list[FieldNode]) -> str:
        name = nodes[0].name.value
        if name == "__typename":
            return f"'{type_name}'"
        spec = table.fields.get(name)
        if isinstance(spec, Scalar):
            return spec.template.format(t=row)
        if isinstance(spec, RangeField):
            return self.range(spec.type_name, spec.template.format(t=row), nodes)
        if isinstance(spec, ToOne):
            child = self.alias()
            return (f"(SELECT {self.object(spec.type_name, child, nodes)} "
                    f"FROM {spec.table} {child} WHERE {spec.on.format(c=child, t=row)})")
        if isinstance(spec, ToMany):
            child = self.alias()
            return (f"COALESCE((SELECT json_agg({self.object(spec.type_name, child, nodes)} "
                    f"ORDER BY {spec.order.format(c=child)}) "
                    f"FROM {spec.source.format(c=child)} "
                    f"WHERE {spec.on.format(c=child, t=row)}), '[]'::json)")
        raise Unsupported(f"{type_name}.{name}")

    def range(self, type_name: str, value: str, nodes: list[FieldNode]) -> str:
        element = ELEMENTS[type_name]
        parts = {"lower": element(f"lower({value})"), "upper": element(f"upper({value})"),
                 "lowerInc": f"lower_inc({value})", "upperInc": f"upper_inc({value})",
                 "isEmpty": f"isempty({value})", "__typename": f"'{type_name}'"}
        keys = self.fields(type_name, nodes)
        return "json_build_object(" + ", ".join(
            f"'{key}', {parts[field[0].name.value]}" for key, field in keys.items()) + ")"

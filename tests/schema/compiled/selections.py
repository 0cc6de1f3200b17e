"""Hypothesis strategies for documents the compiler covers: selections of every covered
type (nested lists, aliases, inline and named fragments, @skip/@include by variable,
__typename), and root fields with filters (every range operator, text lookups, AND/OR/NOT),
orderings and pages, given inline or as variables; connections with first/last and cursors
(CursorOf: read from the existing path by the test) of their ordering or of another."""

import json

from hypothesis import strategies as st

RANGE = ["lower", "upper", "lowerInc", "upperInc", "isEmpty", "__typename"]
FIELDS = {
    "Venue": {f: None for f in ("id", "name", "slug", "description", "address", "city",
                                "country", "timezone", "__typename")},
    "Category": {"id": None, "name": None, "slug": None, "__typename": None},
    "Amenity": {"id": None, "name": None, "slug": None, "__typename": None},
    "OpeningHours": {"weekday": None, "opens": None, "closes": None,
                     "validDuring": "DateRange"},
    "Rate": {"pricePerHour": None, "currency": None, "validDuring": "DateRange"},
    "Resource": {
        **{f: None for f in ("id", "name", "slug", "description", "turnaroundMinutes",
                             "minNoticeMinutes", "horizonMinutes", "minLengthMinutes",
                             "maxLengthMinutes", "slotStepMinutes", "__typename")},
        "capacity": "IntRange", "venue": "Venue", "category": "Category",
        "amenities": "Amenity", "openingHours": "OpeningHours", "rates": "Rate"},
    "Booking": {
        **{f: None for f in ("id", "reference", "partySize", "status", "holdExpiresAt",
                             "createdAt", "updatedAt", "customer", "__typename")},
        "resource": "Resource", "period": "DateTimeRange", "blocked": "DateTimeRange"},
    **{name: dict.fromkeys(RANGE) for name in ("IntRange", "DateRange", "DateTimeRange")},
}
TEXTS = ["Havel Room", "room", "ROOM", "50%", "_", "Desk_", "\\", "é", "Berlin", "zürich",
         "", "R", "o"]
TEXT_LOOKUPS = ["exact", "iExact", "contains", "iContains", "startsWith", "iStartsWith",
                "endsWith", "iEndsWith"]
RANGE_OPERATORS = ["overlaps", "contains", "containedBy", "adjacentTo", "strictlyLeftOf",
                   "strictlyRightOf", "notExtendsLeftOf", "notExtendsRightOf"]
DIRECTIONS = ["ASC", "DESC", "ASC_NULLS_FIRST", "DESC_NULLS_LAST"]
AMENITY_SLUGS = ["projector", "step-free", "natural-light", "odd", "missing"]


class Enum(str):
    """An enum value: a bare name in a GraphQL literal, a string in variables."""


class Document:
    """What a drawn document needs besides its operation: fragments and variables."""

    def __init__(self) -> None:
        self.fragments: list[str] = []
        self.variables: dict = {}
        self.definitions: list[str] = []
        self.aliases = 0

    def flag(self, value: bool) -> str:
        """A Boolean variable for @skip/@include, declared on first use."""
        name = "yes" if value else "no"
        if name not in self.variables:
            self.definitions.append(f"${name}: Boolean!")
            self.variables[name] = value
        return f"${name}"

    def variable(self, name: str, graphql_type: str, value) -> str:
        name = f"{name}{len(self.definitions)}"
        self.definitions.append(f"${name}: {graphql_type}")
        self.variables[name] = value
        return f"${name}"

    def text(self, operation: str) -> str:
        definitions = f"({', '.join(self.definitions)})" if self.definitions else ""
        return f"query Drawn{definitions} {operation}\n" + "\n".join(self.fragments)


@st.composite
def selection(draw, doc: Document, type_name: str, depth: int = 0) -> str:
    fields = FIELDS[type_name]
    names = [n for n in fields if depth < 3 or fields[n] is None]
    chosen = draw(st.lists(st.sampled_from(names), min_size=1, max_size=6))
    items = []
    for name in chosen:
        item = name
        if draw(st.integers(0, 5)) == 0 and doc.aliases < 15:
            doc.aliases += 1
            item = f"a{doc.aliases}: {name}"
        if fields[name] is not None:
            item += " { " + draw(selection(doc, fields[name], depth + 1)) + " }"
        items.append(draw(_wrapped(doc, type_name, item)))
    return " ".join(items)


@st.composite
def _wrapped(draw, doc: Document, type_name: str, item: str) -> str:
    how = draw(st.integers(0, 9))
    if how == 0:
        return f"... on {type_name} {{ {item} }}"
    if how == 1:
        return f"... @include(if: {doc.flag(True)}) {{ {item} }}"
    if how == 2:
        head = item.split(" {")[0]
        return f"{head} @skip(if: {doc.flag(False)}){item[len(head):]}"
    if how == 3:
        return f"... @skip(if: {doc.flag(True)}) {{ {item} }}"  # left out
    if how == 4 and type_name in ("Resource", "Venue", "Booking") and len(doc.fragments) < 5:
        name = f"F{len(doc.fragments)}"
        on = draw(st.sampled_from([type_name, "Node"]))
        body = item if on == type_name else "id"
        doc.fragments.append(f"fragment {name} on {on} {{ {body} }}")
        return f"...{name} {item}"
    return item


def text_lookup():
    return st.one_of(
        st.fixed_dictionaries({}, optional={lookup: st.sampled_from(TEXTS)
                                            for lookup in TEXT_LOOKUPS}),
        st.fixed_dictionaries({"inList": st.lists(st.sampled_from(TEXTS), max_size=3)}),
        st.fixed_dictionaries({"isNull": st.booleans()}))


@st.composite
def int_range(draw) -> dict:
    if draw(st.integers(0, 6)) == 0:
        return {"isEmpty": True}
    lower = draw(st.none() | st.integers(-2, 40))
    upper = draw(st.none() | st.integers(-2, 40))
    if lower is not None and upper is not None and lower > upper:
        lower, upper = upper, lower
    return {"lower": lower, "upper": upper, "lowerInc": draw(st.booleans()),
            "upperInc": draw(st.booleans())}


def range_filter():
    return st.fixed_dictionaries({}, optional={
        **{op: int_range() for op in RANGE_OPERATORS},
        "containsElement": st.integers(-1, 40), "isEmpty": st.booleans(),
        "lowerInf": st.booleans(), "upperInf": st.booleans()})


def resource_filter(depth: int = 0):
    plain = {"name": text_lookup(), "slug": text_lookup(), "capacity": range_filter(),
             "partySize": st.integers(0, 35),
             "amenities": st.lists(st.sampled_from(AMENITY_SLUGS), max_size=2),
             "venue": st.fixed_dictionaries({}, optional={"city": text_lookup(),
                                                         "name": text_lookup()}),
             "category": st.fixed_dictionaries({}, optional={"slug": text_lookup()}),
             "DISTINCT": st.booleans()}
    if depth < 2:
        nested = st.deferred(lambda: resource_filter(depth + 1))
        plain.update({"AND": nested, "OR": nested, "NOT": nested})
    return st.fixed_dictionaries({}, optional=plain)


def resource_ordering():
    term = st.one_of(
        st.fixed_dictionaries({"name": st.sampled_from(DIRECTIONS)}),
        st.fixed_dictionaries({"slug": st.sampled_from(DIRECTIONS)}),
        st.fixed_dictionaries({"venue": st.one_of(
            st.fixed_dictionaries({"name": st.sampled_from(DIRECTIONS)}),
            st.fixed_dictionaries({"city": st.sampled_from(DIRECTIONS)}))}))
    # Names are unique: ordering by name last leaves no ties for either path to break.
    return st.lists(term, max_size=2).map(lambda terms: [*terms, {"name": "ASC"}])


def literal(value, enums: bool = False) -> str:
    """A GraphQL literal for a JSON-like value (ordering directions as enum values)."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {literal(v, enums)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(literal(v, enums) for v in value) + "]"
    if isinstance(value, Enum) or (isinstance(value, str) and enums):
        return value
    return json.dumps(value)


@st.composite
def argument(draw, doc: Document, name: str, graphql_type: str, value, enums=False) -> str:
    if draw(st.booleans()):
        return f"{name}: {doc.variable(name, graphql_type, value)}"
    return f"{name}: {literal(value, enums)}"


INSTANTS = ["2031-03-03T08:00:00+00:00", "2031-03-03T11:00:00.001001+00:00",
            "2031-03-03T13:30:00+01:00", "2031-03-04T00:00:00Z", None]


@st.composite
def datetime_range(draw) -> dict:
    if draw(st.integers(0, 8)) == 0:
        return {"isEmpty": True}
    lower, upper = draw(st.sampled_from(INSTANTS)), draw(st.sampled_from(INSTANTS))
    if lower and upper and lower > upper:  # same offset but one: good enough an order
        lower, upper = upper, lower
    return {"lower": lower, "upper": upper, "lowerInc": draw(st.booleans()),
            "upperInc": draw(st.booleans())}


def booking_filter(depth: int = 0):
    ranges = st.fixed_dictionaries({}, optional={
        "overlaps": datetime_range(), "containedBy": datetime_range(),
        "strictlyLeftOf": datetime_range(), "notExtendsRightOf": datetime_range(),
        "containsElement": st.sampled_from(INSTANTS[:4]), "upperInf": st.booleans()})
    plain = {
        "reference": text_lookup(), "period": ranges, "blocked": ranges,
        "status": st.lists(st.sampled_from([Enum(s) for s in
                                            ("HELD", "CONFIRMED", "CANCELLED", "EXPIRED")]),
                           max_size=2),
        "partySize": st.fixed_dictionaries({}, optional={
            op: st.integers(1, 6) for op in ("exact", "gt", "gte", "lt", "lte")}),
        "resource": resource_filter(2)}
    if depth < 1:
        nested = st.deferred(lambda: booking_filter(depth + 1))
        plain.update({"AND": nested, "OR": nested, "NOT": nested})
    return st.fixed_dictionaries({}, optional=plain)


PAGE_INFO = ["hasNextPage", "hasPreviousPage", "startCursor", "endCursor", "__typename"]


class CursorOf:
    """A cursor variable's value still to be read: the cursor of the `index`-th row (modulo
    their number) that `field` answers ordered by `ordering` (not necessarily the drawn
    document's: a foreign cursor), as the existing path writes it; None when it has none."""

    def __init__(self, field: str, ordering: list, index: int) -> None:
        self.field, self.ordering, self.index = field, ordering, index


def booking_ordering():
    return st.lists(st.sampled_from([{"start": d} for d in DIRECTIONS]
                                    + [{"createdAt": "ASC"}, {"reference": "DESC"}]),
                    max_size=2)


@st.composite
def connection(draw, doc: Document, kind: str) -> str:
    node = "Resource" if kind == "resourceConnection" else "Booking"
    orderings = resource_ordering() if node == "Resource" else booking_ordering()
    sizes = {name: draw(st.none() | st.integers(0, 5)) for name in ("first", "last")}
    if sizes == {"first": None, "last": None}:
        sizes["first"] = draw(st.integers(0, 5))
    args = [draw(argument(doc, name, "Int", size)) for name, size in sizes.items()
            if size is not None]
    if draw(st.booleans()):
        args.append(draw(argument(doc, "filters", f"{node}Filter", draw(
            resource_filter() if node == "Resource" else booking_filter()))))
    order = []
    if draw(st.booleans()):
        order = draw(orderings)
        args.append(draw(argument(doc, "ordering", f"[{node}Order!]", order, enums=True)))
    for name in ("after", "before"):
        if draw(st.booleans()):
            of = order if draw(st.integers(0, 5)) else draw(orderings)
            cursor = CursorOf(kind, of, draw(st.integers(0, 9)))
            args.append(f"{name}: {doc.variable(name, 'String', cursor)}")
    info = draw(st.lists(st.sampled_from(PAGE_INFO), min_size=1, max_size=4))
    edge = "cursor " if draw(st.booleans()) else ""
    return (f"{kind}({', '.join(args)}) {{ totalCount pageInfo {{ {' '.join(info)} }} "
            f"edges {{ {edge}node {{ {draw(selection(doc, node))} }} }} }}")


@st.composite
def root(draw, doc: Document, catalogue: dict) -> str:
    kind = draw(st.sampled_from(["resources", "resource", "venues", "categories",
                                 "amenities", "booking", "bookings", "myBookings",
                                 "resourceConnection"]))
    if kind in ("bookings", "myBookings", "resourceConnection"):
        return draw(connection(doc, kind))
    args = []
    if kind in ("resources", "venues", "categories", "amenities"):
        args += [draw(argument(doc, "limit", "Int!", draw(st.integers(0, 8)))),
                 draw(argument(doc, "offset", "Int!", draw(st.integers(0, 7))))]
    if kind == "resources":
        if draw(st.booleans()):
            args.append(draw(argument(doc, "filters", "ResourceFilter",
                                      draw(resource_filter()))))
        if draw(st.booleans()):
            args.append(draw(argument(doc, "ordering", "[ResourceOrder!]",
                                      draw(resource_ordering()), enums=True)))
    if kind == "venues" and draw(st.booleans()):
        args.append(draw(argument(doc, "ordering", "[VenueOrder!]", [
            {draw(st.sampled_from(["name", "city"])): draw(st.sampled_from(DIRECTIONS))}],
            enums=True)))
    if kind == "resource":
        resource = draw(st.sampled_from(catalogue["resources"]))
        if draw(st.booleans()):
            args.append(draw(argument(doc, "id", "ID", _gid(resource.pk))))
        else:
            args += [f'venueSlug: "{resource.venue.slug}"', f'slug: "{resource.slug}"']
    if kind == "booking":
        booking = draw(st.sampled_from(catalogue["bookings"]))
        reference = draw(st.sampled_from([booking.reference, f" {booking.reference.lower()} ",
                                          "NOPE"]))
        args.append(draw(argument(doc, "reference", "String!", reference)))
    type_name = {"resources": "Resource", "resource": "Resource", "venues": "Venue",
                 "categories": "Category", "amenities": "Amenity", "booking": "Booking"}[kind]
    head = f"{kind}({', '.join(args)})" if args else kind
    return f"{head} {{ {draw(selection(doc, type_name))} }}"


def _gid(pk: int) -> str:
    from strawberry.relay import to_base64

    return to_base64("Resource", pk)


@st.composite
def documents(draw, catalogue: dict) -> tuple[str, dict]:
    doc = Document()
    roots = []
    for _ in range(draw(st.integers(1, 3))):
        doc.aliases += 1
        roots.append(f"r{doc.aliases}: {draw(root(doc, catalogue))}")
    if draw(st.integers(0, 4)) == 0:
        roots.append("__typename")
    return doc.text("{ " + " ".join(roots) + " }"), doc.variables

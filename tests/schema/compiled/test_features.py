"""Features of the compiled path, each against the existing path's answer: bookings and
who sees them, filters (text lookups with LIKE's wildcards, every range operator,
AND/OR/NOT), orderings, fragments, directives; and what goes the existing path."""

import pytest
from strawberry.relay import to_base64

from schema.compiled.plan import plan_for
from schema.compiled.roots import ANONYMOUS
from schema.compiled.selection import Unsupported
from tests.schema.compiled.conftest import compiled, existing

BOOKING = """query ($ref: String!) { booking(reference: $ref) {
  id reference partySize status holdExpiresAt createdAt updatedAt customer
  period { lower upper lowerInc upperInc isEmpty } blocked { lower upper }
  resource { name venue { timezone } } } }"""


@pytest.mark.parametrize("who", [None, "ada", "bob", "staff"])
def test_booking_visible_to_its_customer_and_staff_only(catalogue, who):
    user = catalogue["users"].get(who)
    seen = []
    for booking in catalogue["bookings"]:
        variables = {"ref": f" {booking.reference.lower()} "}

        answer = compiled(BOOKING, variables, user)

        assert answer == existing(BOOKING, variables, user)
        if answer["data"]["booking"]:
            seen.append(answer["data"]["booking"]["customer"])
    assert seen == {None: [], "ada": ["ada", "ada"], "bob": ["bob", "bob"],
                    "staff": ["ada", "ada", "bob", "bob"]}[who]


def test_booking_instants_render_as_isoformat_in_utc(catalogue):
    held = catalogue["bookings"][1]

    answer = compiled(BOOKING, {"ref": held.reference}, catalogue["users"]["staff"])

    booking = answer["data"]["booking"]
    assert booking["holdExpiresAt"] == "2031-03-01T12:00:00.123456+00:00"
    assert booking["period"] == {"lower": "2031-03-03T11:00:00.001001+00:00",
                                 "upper": "2031-03-03T12:00:00+00:00", "lowerInc": True,
                                 "upperInc": False, "isEmpty": False}
    assert booking["status"] == "HELD"


@pytest.mark.parametrize("filters", [
    {"name": {"contains": "50%"}},
    {"name": {"contains": "_"}},
    {"name": {"iStartsWith": "desk_"}},
    {"name": {"iContains": "GRÜN"}},
    {"name": {"inList": []}},
    {"NOT": {"name": {"inList": []}}},
    {"name": {"endsWith": "Room"}, "OR": {"venue": {"city": {"exact": "New York"}}}},
    {"NOT": {"venue": {"country": {"iExact": "de"}}}, "capacity": {"upperInf": False}},
    {"AND": {"amenities": ["projector"]}, "NOT": {"amenities": ["step-free"]}},
    {"amenities": []}, {"OR": {}}, {"NOT": {}},
    {"partySize": 6}, {"capacity": {"containsElement": 100}},
    {"capacity": {"overlaps": {"lower": 5, "upper": 7, "upperInc": True}}},
    {"capacity": {"contains": {"isEmpty": True}}},
    {"capacity": {"containedBy": {"lower": 1}}},
    {"capacity": {"adjacentTo": {"lower": 9, "upper": 10}}},
    {"capacity": {"strictlyLeftOf": {"lower": 10}, "notExtendsLeftOf": {"upper": 2}}},
    {"capacity": {"strictlyRightOf": {"upper": 3}, "notExtendsRightOf": {"lower": 50}}},
    {"capacity": {"isEmpty": False, "lowerInf": False}},
    {"category": {"slug": {"exact": "desk"}}, "DISTINCT": True},
    {"name": {"exact": None}, "venue": None},
], ids=repr)
def test_resource_filters(catalogue, filters):
    document = "query ($f: ResourceFilter) { resources(filters: $f) { name } }"

    answer = compiled(document, {"f": filters})

    assert answer == existing(document, {"f": filters})


@pytest.mark.parametrize("ordering", [
    "[{venue: {city: DESC}}, {name: ASC}]", "[{slug: DESC_NULLS_LAST}]", "[]",
    "[{venue: {name: ASC_NULLS_FIRST}}, {slug: DESC}]"])
def test_resource_ordering_and_pages(catalogue, ordering):
    document = (f"{{ resources(ordering: {ordering}, limit: 4, offset: 1) {{ name }}"
                f" venues(ordering: [{{city: DESC}}], offset: 1) {{ city }} }}")

    assert compiled(document) == existing(document)


def test_resource_by_venue_and_slug(catalogue):
    document = '{ resource(venueSlug: "limmat", slug: "café-grün") { name } }'

    assert compiled(document) == existing(document) == {
        "data": {"resource": {"name": "Café Grün"}}}


def test_fragments_aliases_and_directives(catalogue):
    document = """
    query ($skip: Boolean!, $id: ID!) {
      first: resource(id: $id) { ...Named ... on Node { id } ... @include(if: $skip) { slug } }
      again: resource(id: $id) { name @skip(if: $skip) venue { ... on Venue { city } } }
      resources(limit: 1) { a: name b: name ...Named }
    }
    fragment Named on Resource { __typename name venue { name } venue { timezone } }"""
    pk = catalogue["resources"][0].pk
    for skip in (True, False):
        variables = {"skip": skip, "id": to_base64("Resource", pk)}

        assert compiled(document, variables) == existing(document, variables)


@pytest.mark.parametrize("document", [
    "mutation { cancelBooking(reference: \"X\") { __typename } }",
    "{ __schema { queryType { name } } }",
    "{ resources { nope } }",
    "{ resources { name",
    "query A { resources { name } } query B { venues { name } }",
])
def test_uncovered_documents_go_the_existing_path(document):
    assert plan_for(document, None) is None


@pytest.mark.parametrize(("document", "variables"), [
    ('{ resource(id: "UmVzb3VyY2U6eA==") { name } }', None),  # Resource:x
    ("query ($id: ID) { resource(id: $id) { name } }", {"id": to_base64("Venue", 1)}),
    ("{ resource { name } }", None),
    ("{ resources(limit: 101) { name } }", None),
    ("{ venues(offset: -1) { name } }", None),
    ('{ resources(filters: {name: {regex: "^H"}}) { name } }', None),
    ("{ resources(filters: {capacity: {overlaps: {lower: 5, upper: 1}}}) { name } }", None),
    ("query ($n: Int!) { resources(limit: $n) { name } }", {"n": "x"}),
])
def test_values_the_existing_path_refuses_go_there(document, variables):
    plan = plan_for(document, None)

    with pytest.raises(Unsupported):
        plan.statements(variables, ANONYMOUS)

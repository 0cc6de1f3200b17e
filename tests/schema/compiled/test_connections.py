"""Cursor connections through the compiled path: the same pages, counts and hasNextPage
as strawberry-django's DjangoCursorConnection, one statement each; cursors and the
callers a field refuses go the existing path."""

import pytest

from schema.compiled.plan import plan_for
from schema.compiled.roots import ANONYMOUS
from schema.compiled.selection import Unsupported
from tests.schema.compiled.conftest import caller_of, compiled, existing

BOOKINGS = """query ($f: BookingFilter, $first: Int!, $o: [BookingOrder!]! = []) {
  bookings(filters: $f, first: $first, ordering: $o) {
    __typename totalCount pageInfo { hasNextPage hasPreviousPage __typename }
    edges { __typename node { id reference status partySize customer
                              period { lower upper lowerInc upperInc } } } } }"""
PEER = """query Bookings($filters: BookingFilter!, $first: Int!) {
  bookings(filters: $filters, first: $first) {
    edges { node { id reference status partySize period { lower upper lowerInc upperInc }
                   customer } } } }"""


@pytest.mark.parametrize("first", [0, 1, 2, 3, 4, 20])
@pytest.mark.parametrize("ordering", [[], [{"start": "ASC"}], [{"reference": "DESC"}],
                                      [{"createdAt": "DESC"}, {"start": "DESC"}]])
def test_bookings_pages_as_staff(catalogue, first, ordering, django_assert_num_queries):
    staff = catalogue["users"]["staff"]
    variables = {"first": first, "o": ordering}

    with django_assert_num_queries(1):
        answer = compiled(BOOKINGS, variables, staff)

    assert answer == existing(BOOKINGS, variables, staff)


@pytest.mark.parametrize("filters", [
    {"resource": {"venue": {"slug": {"exact": "spreeufer"}}, "slug": {"exact": "havel-room"}},
     "period": {"overlaps": {"lower": "2031-03-02T00:00:00+00:00",
                             "upper": "2031-03-09T00:00:00+00:00"}}},
    {"period": {"containsElement": "2031-03-03T11:30:00+00:00"}},
    {"blocked": {"strictlyRightOf": {"upper": "2031-03-03T13:00:00+01:00"}}},
    {"status": ["HELD", "CANCELLED"]}, {"status": []},
    {"partySize": {"gte": 3, "lt": 5}}, {"partySize": {"range": {"start": 2, "end": 3}}},
    {"partySize": {"inList": [2, 5]}, "OR": {"reference": {"isNull": True}}},
    {"NOT": {"resource": {"capacity": {"contains": {"lower": 2, "upper": 3}}}}},
], ids=repr)
def test_bookings_filters(catalogue, filters):
    staff = catalogue["users"]["staff"]
    variables = {"filters": filters, "first": 20}

    assert compiled(PEER, variables, staff) == existing(PEER, variables, staff)


@pytest.mark.parametrize("who", ["ada", "bob"])
def test_my_bookings_are_the_callers_own(catalogue, who):
    user = catalogue["users"][who]
    document = BOOKINGS.replace("bookings(", "myBookings(").replace("__typename totalCount",
                                                                     "totalCount")

    answer = compiled(document, {"first": 5}, user)

    assert answer == existing(document, {"first": 5}, user)
    assert {edge["node"]["customer"] for edge in answer["data"]["myBookings"]["edges"]} == {who}


@pytest.mark.parametrize("first", [0, 2, 7])
def test_resource_connection(catalogue, first):
    document = """query ($first: Int!) { resourceConnection(first: $first,
        ordering: [{venue: {city: ASC}}], filters: {capacity: {upperInf: false}}) {
        totalCount pageInfo { hasNextPage } edges { node { name amenities { slug } } } } }"""

    assert compiled(document, {"first": first}) == existing(document, {"first": first})


@pytest.mark.parametrize(("document", "who"), [
    (BOOKINGS, None), (BOOKINGS, "ada"),
    (BOOKINGS.replace("bookings(", "myBookings("), None),
    ("{ bookings(first: 101) { totalCount } }", "staff"),
    ("{ bookings { totalCount } }", "staff"),
    ('{ bookings(first: 1, after: "x") { totalCount } }', "staff"),
    ("{ bookings(last: 1) { totalCount } }", "staff"),
])
def test_refused_callers_and_cursor_pagination_go_the_existing_path(catalogue, document, who):
    plan = plan_for(document, None)

    with pytest.raises(Unsupported):
        plan.statements({"first": 1}, caller_of(catalogue["users"].get(who)))


@pytest.mark.parametrize("document", [
    "{ bookings(first: 1) { edges { cursor } } }",
    "{ bookings(first: 1) { pageInfo { endCursor } } }",
])
def test_cursors_go_the_existing_path(document):
    assert plan_for(document, None) is None


def test_peer_bench_query_is_covered():
    assert plan_for(PEER, "Bookings") is not None
    assert ANONYMOUS.role == "anonymous"

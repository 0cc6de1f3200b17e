"""Cursor connections through the compiled path: the same pages, counts, flags and cursors
(byte for byte) as strawberry-django's DjangoCursorConnection, walked forward and backward
with `after`/`before` and `first`/`last`, one statement each; cursors it did not write and
the callers a field refuses go the existing path."""

import base64
import datetime as dt
import json

import pytest
from django.db.backends.postgresql.psycopg_any import DateTimeTZRange, NumericRange
from strawberry.relay import to_base64

from booking.models import Booking, Resource
from schema.compiled.cursors import keyset
from schema.compiled.plan import plan_for
from schema.compiled.roots import ANONYMOUS
from schema.compiled.selection import Unsupported
from tests.schema.compiled.conftest import BERLIN, caller_of, compiled, existing

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


PAGE = """query ($first: Int, $last: Int, $after: String, $before: String,
                 $o: [%(node)sOrder!]! = [], $f: %(node)sFilter) {
  c: %(field)s(first: $first, last: $last, after: $after, before: $before, ordering: $o,
               filters: $f) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor __typename }
    edges { cursor __typename node { id %(fields)s } } } }"""
FIELDS = {"Resource": "name venue { city }", "Booking": "reference period { lower upper }"}


def page_document(field: str) -> str:
    node = "Resource" if field == "resourceConnection" else "Booking"
    return PAGE % {"node": node, "field": field, "fields": FIELDS[node]}


def same_page(document, variables, user, django_assert_num_queries) -> dict:
    """The compiled answer, in one statement, asserted equal to the existing path's."""
    with django_assert_num_queries(1):
        answer = compiled(document, variables, user)
    assert answer == existing(document, variables, user), variables
    return answer["data"]["c"]


def walk(document, variables, user, size, django_assert_num_queries) -> tuple[list, list]:
    """The node ids of every page forward (`first`, `after`), then backward (`last`,
    `before`), each page compared with the existing path's."""
    forward, backward, cursor = [], [], None
    while True:
        page = same_page(document, {**variables, "first": size, "after": cursor}, user,
                         django_assert_num_queries)
        forward += [edge["node"]["id"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        cursor = page["pageInfo"]["endCursor"]
    cursor = None
    while True:
        page = same_page(document, {**variables, "last": size, "before": cursor}, user,
                         django_assert_num_queries)
        backward = [edge["node"]["id"] for edge in page["edges"]] + backward
        if not page["pageInfo"]["hasPreviousPage"]:
            break
        cursor = page["pageInfo"]["startCursor"]
    return forward, backward


@pytest.mark.parametrize("size", [1, 2, 3])
@pytest.mark.parametrize(("field", "who", "ordering", "filters"), [
    ("resourceConnection", None, [], None),
    ("resourceConnection", "ada", [{"venue": {"city": "DESC"}}], None),
    ("resourceConnection", None, [{"slug": "DESC_NULLS_LAST"}, {"venue": {"name": "ASC"}}],
     {"capacity": {"upperInf": False}}),
    ("resourceConnection", "staff", [{"venue": {"name": "DESC"}}, {"name": "ASC"},
                                     {"name": "DESC"}], None),
    ("bookings", "staff", [], None),
    ("bookings", "staff", [{"start": "ASC"}], {"status": ["CONFIRMED", "HELD"]}),
    ("bookings", "staff", [{"createdAt": "DESC"}, {"start": "DESC"}], None),
    ("bookings", "staff", [{"reference": "ASC_NULLS_FIRST"}], None),
    ("myBookings", "ada", [], None),
    ("myBookings", "bob", [{"start": "DESC_NULLS_LAST"}],
     {"period": {"overlaps": {"lower": "2031-03-01T00:00:00+00:00"}}}),
], ids=repr)
def test_pages_walked_with_cursors(catalogue, django_assert_num_queries, size, field, who,
                                   ordering, filters):
    user = catalogue["users"].get(who)
    document = page_document(field)

    forward, backward = walk(document, {"o": ordering, "f": filters}, user, size,
                             django_assert_num_queries)

    everything = same_page(document, {"o": ordering, "f": filters, "first": 100}, user,
                           django_assert_num_queries)
    assert forward == backward == [edge["node"]["id"] for edge in everything["edges"]]
    assert len(forward) == everything["totalCount"] > 0


@pytest.mark.parametrize("first", [None, 0, 1, 2, 4, 9])
@pytest.mark.parametrize("last", [None, 0, 1, 2, 5])
@pytest.mark.parametrize("cut", ["none", "after", "before", "both"])
def test_first_and_last_with_cursors(catalogue, django_assert_num_queries, first, last, cut):
    document = page_document("resourceConnection")
    everything = same_page(document, {"first": 100}, None, django_assert_num_queries)
    cursors = [edge["cursor"] for edge in everything["edges"]]
    variables = {"first": first, "last": last,
                 "after": cursors[1] if cut in ("after", "both") else None,
                 "before": cursors[-1] if cut in ("before", "both") else None}
    if first is None and last is None:
        variables["first"] = 3

    same_page(document, variables, None, django_assert_num_queries)


def test_cursors_are_strawberry_djangos_byte_for_byte(catalogue, django_assert_num_queries):
    venue = catalogue["venues"][1]
    for name in ("Zoë \"🚀\" \\ back\tslash\u007f", "Ünïcode ß"):
        Resource.objects.create(venue=venue, category=catalogue["resources"][0].category,
                                name=name, slug=f"x{len(name)}", capacity=NumericRange(1, 3))
    booking = catalogue["bookings"][0]
    Booking.objects.filter(pk=booking.pk).update(period=DateTimeTZRange(
        dt.datetime(2031, 3, 3, 9, 0, 0, 5, tzinfo=BERLIN),
        dt.datetime(2031, 3, 3, 10, tzinfo=BERLIN)))
    staff = catalogue["users"]["staff"]

    resources = same_page(page_document("resourceConnection"), {"first": 100}, None,
                          django_assert_num_queries)
    bookings = same_page(page_document("bookings"), {"first": 100}, staff,
                         django_assert_num_queries)

    decoded = {edge["node"]["name"]: base64.b64decode(edge["cursor"]).decode()
               for edge in resources["edges"]}
    assert '"Zo\\u00eb \\"\\ud83d\\ude80\\" \\\\ back\\tslash\\u007f"' in decoded[
        "Zoë \"🚀\" \\ back\tslash\u007f"]
    assert decoded["Café Grün"] == ('orderedcursor:["Atelier Limmat","Caf\\u00e9 Gr\\u00fcn",'
                                    f'"{catalogue["resources"][3].pk}"]')
    oldest = base64.b64decode(bookings["edges"][-1]["cursor"]).decode()
    assert oldest == ('orderedcursor:["{\\"bounds\\": \\"[)\\", \\"lower\\": '
                      '\\"2031-03-03T08:00:00.000005+00:00\\", \\"upper\\": '
                      f'\\"2031-03-03T09:00:00+00:00\\"}}","{booking.pk}"]')


def test_cursor_of_another_ordering_reads_as_the_existing_path_reads_it(
        catalogue, django_assert_num_queries):
    by_name = same_page(page_document("resourceConnection"),
                        {"first": 2, "o": [{"name": "ASC"}]}, None, django_assert_num_queries)

    same_page(page_document("resourceConnection"),
              {"first": 2, "o": [{"slug": "DESC"}], "after": by_name["pageInfo"]["endCursor"]},
              None, django_assert_num_queries)


def _cursor(values) -> str:
    return to_base64("orderedcursor", json.dumps(values, separators=(",", ":")))


@pytest.mark.parametrize(("field", "cursor"), [
    ("resourceConnection", "x"),
    ("resourceConnection", "b3JkZXJlZGN1cnNvcjpbIngiXQ"),  # padding left out
    ("resourceConnection", to_base64("orderedcursor", "[1,2,3]")),
    ("resourceConnection", to_base64("orderedcursor", "not json")),
    ("resourceConnection", to_base64("orderedcursor", '["a", "b", "1"]')),  # spaces
    ("resourceConnection", to_base64("Resource", "1")),
    ("resourceConnection", _cursor(["a", "b"])),
    ("resourceConnection", _cursor(["a", "b", "01"])),
    ("resourceConnection", _cursor(["a", "b", "x"])),
    ("resourceConnection", _cursor(["a", None, "1"])),
    ("resourceConnection", _cursor(["a", "b", str(2**63)])),
    ("bookings", _cursor(["2031-03-03T08:00:00+00:00", "1"])),
    ("bookings", _cursor(['{"bounds": "[)", "lower": "2031-03-03T08:00:00+01:00", '
                          '"upper": "2031-03-03T09:00:00+00:00"}', "1"])),
    ("bookings", _cursor(['{"bounds": "[)", "lower": "2031-03-03T10:00:00+00:00", '
                          '"upper": "2031-03-03T09:00:00+00:00"}', "1"])),
    ("bookings", _cursor(['{"bounds": "[)", "lower": null, "upper": null}', "1"])),
    ("bookings", _cursor(['{"empty": true}', "1"])),
    ("bookings", _cursor(['{"lower": "2031-03-03T08:00:00+00:00", "bounds": "[)", '
                          '"upper": "2031-03-03T09:00:00+00:00"}', "1"])),
], ids=repr)
def test_cursors_it_did_not_write_go_the_existing_path(catalogue, field, cursor):
    staff = catalogue["users"]["staff"]
    plan = plan_for(page_document(field), None)

    with pytest.raises(Unsupported):
        plan.statements({"first": 2, "after": cursor}, caller_of(staff))
    with pytest.raises(Unsupported):
        plan.statements({"last": 2, "before": cursor}, caller_of(staff))


def test_empty_cursor_is_no_cursor(catalogue, django_assert_num_queries):
    page = same_page(page_document("resourceConnection"), {"first": 2, "after": ""}, None,
                     django_assert_num_queries)

    assert page["pageInfo"]["hasNextPage"] is True


@pytest.mark.parametrize(("document", "who", "variables"), [
    (BOOKINGS, None, {"first": 1}), (BOOKINGS, "ada", {"first": 1}),
    (BOOKINGS.replace("bookings(", "myBookings("), None, {"first": 1}),
    ("{ bookings(first: 101) { totalCount } }", "staff", {}),
    ("{ bookings(first: -1) { totalCount } }", "staff", {}),
    ("{ bookings(last: 101) { totalCount } }", "staff", {}),
    ("{ bookings(last: -1, first: 2) { totalCount } }", "staff", {}),
    ("{ bookings(last: 1, first: 101) { totalCount } }", "staff", {}),
    ("{ bookings { totalCount } }", "staff", {}),
    ('{ bookings(first: 1, after: "x") { totalCount } }', "staff", {}),
])
def test_refused_callers_and_pages_go_the_existing_path(catalogue, document, who, variables):
    plan = plan_for(document, None)

    with pytest.raises(Unsupported):
        plan.statements(variables, caller_of(catalogue["users"].get(who)))


def test_peer_bench_query_is_covered():
    assert plan_for(PEER, "Bookings") is not None
    assert ANONYMOUS.role == "anonymous"


def test_keyset_bounds_its_first_key_for_an_index():
    # An index on the first key starts at the cursor instead of filtering every row
    # before it (a page deep in 1.1M bookings by start).
    period = '["2027-06-04 00:30:00+00:00","2027-06-04 04:30:00+00:00")'

    after = keyset([("t1.period", "DESC"), ("t1.id", "ASC")], ["range", "int"], [period, 7],
                   before=False)
    one = keyset([("t1.id", "ASC")], ["int"], [7], before=True)

    assert after.text == ("(t1.period <= %s::tstzrange AND (t1.period < %s::tstzrange OR "
                          "(t1.period = %s::tstzrange AND t1.id > %s)))")
    assert after.params == [period, period, period, 7]
    assert (one.text, one.params) == ("(t1.id < %s)", [7])

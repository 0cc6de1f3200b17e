"""The GraphQL API as clients use it: mutations with typed errors, access rules, limits."""

import datetime as dt
import os
from pathlib import Path

import pytest
from django.db.backends.postgresql.psycopg_any import NumericRange
from strawberry.relay import to_base64

from booking.models import Amenity, Booking, Category
from booking.services import booking_book, booking_hold
from schema import schema
from tests.conftest import make_resource

SDL_FILE = Path(__file__).resolve().parents[2] / "schema.graphql"

BOOK = """mutation($input: BookingInput!) { book(input: $input) {
  __typename
  ... on Booking { reference status partySize period { lower upper lowerInc upperInc isEmpty }
                   resource { name venue { city } } customer }
  ... on BookingConflictError { message code resourceId period { lower upper } }
  ... on ValidationError { message code field }
  ... on Error { message code } } }"""


def rid(resource) -> str:
    return to_base64("Resource", resource.pk)


def book_input(room, start, end, party_size=2, **period):
    return {"input": {"resourceId": rid(room), "partySize": party_size,
                      "period": {"lower": start.isoformat(), "upper": end.isoformat(), **period}}}


def test_book_returns_the_booking(gql, room, customer, at):
    result = gql(BOOK, book_input(room, at(9), at(10)), user=customer)

    assert result.errors is None
    data = result.data["book"]
    stored = Booking.objects.get()
    assert data == {
        "__typename": "Booking", "reference": stored.reference, "status": "CONFIRMED",
        "partySize": 2, "customer": "ada",
        "period": {"lower": at(9).astimezone(dt.UTC).isoformat(),
                   "upper": at(10).astimezone(dt.UTC).isoformat(),
                   "lowerInc": True, "upperInc": False, "isEmpty": False},
        "resource": {"name": "Havel Room", "venue": {"city": "Berlin"}},
    }


def test_conflict_is_a_typed_error_without_postgres_text(gql, room, customer, other_customer,
                                                         at):
    booking_book(resource=room, customer=other_customer, party_size=1, starts_at=at(9),
                 ends_at=at(10))

    result = gql(BOOK, book_input(room, at(9, 30), at(10, 30)), user=customer)

    data = result.data["book"]
    assert data["__typename"] == "BookingConflictError"
    assert (data["code"], data["resourceId"]) == ("booking_conflict", rid(room))
    assert data["period"] == {"lower": at(9, 30).astimezone(dt.UTC).isoformat(),
                              "upper": at(10, 30).astimezone(dt.UTC).isoformat()}
    assert "DETAIL" not in data["message"] and "Key (" not in data["message"]
    assert "bob" not in data["message"]


@pytest.mark.parametrize(("period", "code"), [
    ({"lowerInc": False}, "invalid_period"),
    ({"upperInc": True}, "invalid_period"),
])
def test_period_bounds_must_be_closed_open(gql, room, customer, at, period, code):
    result = gql(BOOK, book_input(room, at(9), at(10), **period), user=customer)

    assert result.data["book"] == {"__typename": "ValidationError", "code": code,
                                   "field": "period", "message": result.data["book"]["message"]}


def test_naive_datetime_is_a_validation_error(gql, room, customer, at):
    variables = book_input(room, at(9), at(10))
    variables["input"]["period"]["lower"] = "2027-01-11T09:00:00"

    data = gql(BOOK, variables, user=customer).data["book"]

    assert (data["__typename"], data["code"], data["field"]) == (
        "ValidationError", "naive_datetime", "period")


def test_rule_breaks_are_validation_errors_with_field(gql, room, customer, at):
    data = gql(BOOK, book_input(room, at(9), at(10), party_size=40), user=customer).data["book"]

    assert (data["__typename"], data["code"], data["field"]) == (
        "ValidationError", "party_size_out_of_capacity", "party_size")


def test_anonymous_cannot_book(gql, room, at):
    data = gql(BOOK, book_input(room, at(9), at(10))).data["book"]

    assert (data["__typename"], data["code"]) == ("PermissionDenied", "not_authenticated")
    assert Booking.objects.count() == 0


def test_unknown_resource_is_not_found(gql, customer, at, room):
    variables = book_input(room, at(9), at(10))
    variables["input"]["resourceId"] = to_base64("Resource", 999999)

    assert gql(BOOK, variables, user=customer).data["book"]["__typename"] == "NotFound"


CANCEL = """mutation($ref: String!) { cancelBooking(reference: $ref) {
  __typename ... on Booking { status } ... on Error { code } } }"""


def test_customer_cancels_own_booking(gql, room, customer, at):
    booking = booking_book(resource=room, customer=customer, party_size=1, starts_at=at(9),
                           ends_at=at(10))

    data = gql(CANCEL, {"ref": booking.reference}, user=customer).data["cancelBooking"]

    assert data == {"__typename": "Booking", "status": "CANCELLED"}


def test_customer_cannot_cancel_or_read_anothers_booking(gql, room, customer, other_customer,
                                                          at):
    theirs = booking_book(resource=room, customer=other_customer, party_size=1,
                          starts_at=at(9), ends_at=at(10))

    cancel = gql(CANCEL, {"ref": theirs.reference}, user=customer).data["cancelBooking"]
    read = gql("query($r: String!) { booking(reference: $r) { reference } }",
               {"r": theirs.reference}, user=customer)
    mine = gql("{ myBookings { edges { node { reference } } } }", user=customer)
    filtered = gql("""query($r: String!) { myBookings(filters: {reference: {exact: $r}}) {
                     edges { node { reference } } } }""", {"r": theirs.reference}, user=customer)
    all_bookings = gql("{ bookings { edges { node { reference } } } }", user=customer)

    assert cancel == {"__typename": "NotFound", "code": "not_found"}
    assert read.data == {"booking": None}
    assert mine.data == {"myBookings": {"edges": []}}
    assert filtered.data == {"myBookings": {"edges": []}}
    assert all_bookings.errors[0].extensions == {"code": "permission_denied"}
    theirs.refresh_from_db()
    assert theirs.status == "confirmed"


def test_staff_reads_every_booking(gql, room, customer, staff, at):
    booking = booking_book(resource=room, customer=customer, party_size=1, starts_at=at(9),
                           ends_at=at(10))

    result = gql("{ bookings { edges { node { reference customer } } } }", user=staff)

    assert result.data == {"bookings": {"edges": [
        {"node": {"reference": booking.reference, "customer": "ada"}}]}}


def test_hold_then_confirm(gql, room, customer, at):
    hold = gql(BOOK.replace("book(input", "holdBooking(input").replace(
        "{ book(", "{ holdBooking("), book_input(room, at(9), at(10)), user=customer)
    reference = hold.data["holdBooking"]["reference"]

    confirmed = gql("""mutation($r: String!) { confirmBooking(reference: $r) {
        ... on Booking { status holdExpiresAt } } }""", {"r": reference}, user=customer)

    assert hold.data["holdBooking"]["status"] == "HELD"
    assert confirmed.data["confirmBooking"] == {"status": "CONFIRMED", "holdExpiresAt": None}


def test_reschedule(gql, room, customer, at):
    booking = booking_book(resource=room, customer=customer, party_size=1, starts_at=at(9),
                           ends_at=at(10))

    result = gql("""mutation($i: RescheduleInput!) { rescheduleBooking(input: $i) {
        ... on Booking { period { lower upper } } ... on Error { code } } }""",
                 {"i": {"reference": booking.reference,
                        "period": {"lower": at(11).isoformat(), "upper": at(12).isoformat()}}},
                 user=customer)

    assert result.data["rescheduleBooking"]["period"] == {
        "lower": at(11).astimezone(dt.UTC).isoformat(),
        "upper": at(12).astimezone(dt.UTC).isoformat()}


PERIOD_FILTER = """query($f: DateTimeRangeFilter!) {
  bookings(filters: {period: $f}) { edges { node { reference } } } }"""


@pytest.mark.parametrize(("operator", "value", "expected"), [
    ("overlaps", {"lower": (9, 30), "upper": (11, 0)}, {"A", "B"}),
    ("contains", {"lower": (9, 15), "upper": (9, 45)}, {"A"}),
    ("containedBy", {"lower": (8, 0), "upper": (10, 30)}, {"A"}),
    ("adjacentTo", {"lower": (8, 0), "upper": (9, 0)}, {"A"}),
    ("strictlyLeftOf", {"lower": (10, 30), "upper": None}, {"A"}),
    ("strictlyRightOf", {"lower": None, "upper": (10, 0)}, {"B"}),
    ("notExtendsLeftOf", {"lower": (9, 30), "upper": (9, 45)}, {"B"}),
    ("notExtendsRightOf", {"lower": (9, 30), "upper": (10, 0)}, {"A"}),
    ("overlaps", {"isEmpty": True}, set()),
    ("overlaps", {}, {"A", "B"}),  # (,) the unbounded range, not the empty one
])
def test_every_range_operator(gql, room, customer, staff, at, operator, value, expected):
    a = booking_book(resource=room, customer=customer, party_size=1, starts_at=at(9),
                     ends_at=at(10))
    b = booking_book(resource=room, customer=customer, party_size=1, starts_at=at(10, 30),
                     ends_at=at(11, 30))
    names = {a.reference: "A", b.reference: "B"}
    bound = {k: (at(*v).isoformat() if v else None) for k, v in value.items()
             if k in ("lower", "upper")}
    flags = {k: v for k, v in value.items() if k not in ("lower", "upper")}

    result = gql(PERIOD_FILTER, {"f": {operator: {**bound, **flags}}}, user=staff)

    assert result.errors is None
    got = {names[e["node"]["reference"]] for e in result.data["bookings"]["edges"]}
    assert got == expected


@pytest.mark.parametrize(("predicate", "expected"), [
    ({"containsElement": (9, 0)}, {"A"}), ({"containsElement": (10, 0)}, set()),
    ({"isEmpty": False}, {"A", "B"}), ({"lowerInf": True}, set()), ({"upperInf": False},
                                                                     {"A", "B"}),
])
def test_element_and_flag_operators(gql, room, customer, staff, at, predicate, expected):
    a = booking_book(resource=room, customer=customer, party_size=1, starts_at=at(9),
                     ends_at=at(10))
    b = booking_book(resource=room, customer=customer, party_size=1, starts_at=at(10, 30),
                     ends_at=at(11, 30))
    names = {a.reference: "A", b.reference: "B"}
    value = {k: (at(*v).isoformat() if isinstance(v, tuple) else v) for k, v in predicate.items()}

    result = gql(PERIOD_FILTER, {"f": value}, user=staff)

    assert {names[e["node"]["reference"]] for e in result.data["bookings"]["edges"]} == expected


def test_filters_combine_with_and_or_not(gql, room, customer, staff, at):
    a = booking_book(resource=room, customer=customer, party_size=1, starts_at=at(9),
                     ends_at=at(10))
    booking_book(resource=room, customer=customer, party_size=1, starts_at=at(10, 30),
                 ends_at=at(11, 30))
    c = booking_hold(resource=room, customer=customer, party_size=1, starts_at=at(13),
                     ends_at=at(14))

    result = gql("""query($a: DateTimeRangeInput!, $e: DateTime!) { bookings(filters: {
        OR: {status: [HELD]}, period: {containsElement: $e},
        NOT: {period: {overlaps: $a}} }) { edges { node { reference } } } }""",
                 {"a": {"lower": at(10).isoformat(), "upper": at(12).isoformat()},
                  "e": at(9, 30).isoformat()}, user=staff)

    assert {e["node"]["reference"] for e in result.data["bookings"]["edges"]} == {
        a.reference, c.reference}


def test_resource_filters(gql, room, venue, category):
    projector = Amenity.objects.create(name="Projector", slug="projector")
    board = Amenity.objects.create(name="Whiteboard", slug="whiteboard")
    room.amenities.add(projector, board)
    small = make_resource(venue, category, name="Small Room", capacity=NumericRange(1, 3))
    small.amenities.add(projector)

    def names(filters):
        result = gql_names(filters)
        return [r["name"] for r in result]

    def gql_names(filters):
        return schema.execute_sync("query($f: ResourceFilter) { resources(filters: $f) { name } }",
                                   variable_values={"f": filters}).data["resources"]

    assert names({"amenities": ["projector", "whiteboard"]}) == ["Havel Room"]
    assert names({"amenities": ["projector"]}) == ["Havel Room", "Small Room"]
    assert names({"partySize": 5}) == ["Havel Room"]
    assert names({"capacity": {"containedBy": {"lower": 1, "upper": 4}}}) == ["Small Room"]
    assert names({"venue": {"city": {"exact": "Berlin"}}, "name": {"iContains": "small"}}) == [
        "Small Room"]


@pytest.mark.parametrize("count", [1, 50])
def test_nested_lists_cost_the_same_statements(gql, venue, category, count,
                                               django_assert_num_queries):
    projector = Amenity.objects.create(name="Projector", slug="projector")
    for n in range(count):
        make_resource(venue, category, name=f"Room {n:02d}").amenities.add(projector)

    # resources+venue+category, amenities, opening hours, rates: 4 statements.
    with django_assert_num_queries(4):
        result = gql("""{ resources { name venue { name } category { name }
            amenities { name } openingHours { weekday opens closes } rates { currency }
            capacity { lower } turnaroundMinutes } }""")

    assert len(result.data["resources"]) == count
    assert len(result.data["resources"][0]["openingHours"]) == 7


@pytest.mark.parametrize("count", [1, 50])
def test_my_bookings_statement_count(gql, room, customer, at, count,
                                     django_assert_num_queries):
    for n in range(count):
        booking_book(resource=room, customer=customer, party_size=1,
                     starts_at=at(0) + dt.timedelta(minutes=20 * n),
                     ends_at=at(0) + dt.timedelta(minutes=20 * n + 15))
    customer.refresh_from_db()

    # user (already resolved here), bookings joined with resource+venue, amenities: 2.
    with django_assert_num_queries(2):
        result = gql("""{ myBookings(first: 100) { edges { node { reference period { lower }
            resource { name venue { name } amenities { name } } } } } }""", user=customer)

    assert len(result.data["myBookings"]["edges"]) == count


def test_page_size_limit(gql):
    result = gql("{ resourceConnection(first: 101) { edges { node { name } } } }")

    assert result.errors[0].extensions == {"code": "page_too_large"}
    assert result.errors[0].message == "Argument 'first' cannot be higher than 100."


def test_depth_bomb_rejected(gql, db):
    nested = "query { " + "resourceConnection { edges { node { " * 4 + "name" + " } } }" * 4 + " }"

    result = gql(nested)

    assert gql("{ resources { venue { name } } }").errors is None
    assert [(e.message, e.extensions) for e in result.errors] == [
        ("'anonymous' exceeds maximum operation depth of 10", {"code": "query_too_deep"})]


def test_alias_bomb_rejected(gql):
    query = "{ " + " ".join(f"a{n}: amenities {{ name }}" for n in range(21)) + " }"

    result = gql(query)

    assert [(e.message, e.extensions) for e in result.errors] == [
        ("21 aliases found. Allowed: 20", {"code": "too_many_aliases"})]


def test_token_bomb_rejected(gql):
    query = "{ amenities { " + " ".join("name" for _ in range(2100)) + " } }"

    result = gql(query)

    assert [(e.message, e.extensions) for e in result.errors] == [
        ("The document has more than 2,000 tokens.", {"code": "too_many_tokens"})]


def test_unexpected_errors_are_masked(gql, monkeypatch):
    def boom(*args, **kwargs):
        raise RuntimeError("relation booking_secret does not exist")

    monkeypatch.setattr("booking.selectors._fetch", boom)

    result = gql("""{ firstFreeSlot(resourceIds: [], after: "2027-01-11T09:00:00+00:00") {
        resourceId } }""")

    assert result.errors[0].message == "Internal server error."
    assert result.errors[0].extensions == {"code": "internal_error"}


def test_sdl_is_committed():
    printed = schema.as_str() + "\n"
    if os.environ.get("UPDATE_SCHEMA") == "1":
        SDL_FILE.write_text(printed)

    assert SDL_FILE.read_text() == printed, (
        "The schema changed: review it, then run UPDATE_SCHEMA=1 pytest tests/schema")


def test_list_page_limit(gql, room):
    assert gql("{ resources(limit: 100) { name } }").data == {"resources": [{"name": "Havel Room"}]}
    result = gql("{ resources(limit: 101) { name } }")
    assert result.errors[0].extensions == {"code": "page_too_large"}


def test_catalogue_lists_hold_100_at_most(gql, db):
    Category.objects.bulk_create(Category(name=f"Kind {n:03}", slug=f"kind-{n}")
                                 for n in range(105))

    first = gql("{ categories { name } }")
    rest = gql("{ categories(offset: 100, limit: 50) { name } }")

    assert len(first.data["categories"]) == 100
    assert [c["name"] for c in rest.data["categories"]] == [f"Kind {n:03}" for n in
                                                             range(100, 105)]

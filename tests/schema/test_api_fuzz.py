"""Arbitrary argument values for the API's root fields and mutations: every answer is data or
errors with a machine-readable code, never an internal error, a stack trace or PostgreSQL's
text, and a refused booking writes nothing."""

import datetime as dt
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strawberry.relay import to_base64

from booking.models import Booking
from booking.services import booking_hold
from tests.conftest import make_resource

pytestmark = pytest.mark.django_db

UTC = dt.UTC
LEAKS = ("Traceback", "DETAIL", "Key (", "psycopg", "SELECT ", "django.")

ROOM = "the room's id"  # replaced by the test's resource id before the call
type_names = st.sampled_from(["Resource", "Venue", "Category", "Booking", "Amenity", ""])
keys = st.one_of(st.integers(-2**63, 2**63), st.text(max_size=12))
relay_ids = st.one_of(st.just(ROOM), st.builds(to_base64, type_names, keys),
                      st.text(max_size=16))
offsets = st.integers(-12 * 60, 14 * 60).map(lambda m: dt.timezone(dt.timedelta(minutes=m)))
instants = st.one_of(
    st.datetimes(min_value=dt.datetime(2026, 1, 1), max_value=dt.datetime(2028, 1, 1),
                 timezones=offsets).map(lambda value: value.isoformat()),
    st.datetimes(min_value=dt.datetime(1, 1, 2), max_value=dt.datetime(9999, 12, 30),
                 timezones=st.sampled_from([UTC, dt.timezone(dt.timedelta(hours=14)),
                                            dt.timezone(dt.timedelta(hours=-12))]))
    .map(lambda value: value.isoformat()),
    st.datetimes().map(lambda value: value.isoformat()),  # naive
    st.text(max_size=30), st.none())
ranges = st.fixed_dictionaries({}, optional={
    "lower": instants, "upper": instants, "lowerInc": st.booleans(),
    "upperInc": st.booleans(), "isEmpty": st.booleans()})
int32 = st.integers(-2**31, 2**31 - 1)
small = st.one_of(st.integers(-5, 200), int32)  # mostly near the valid values
ints = st.one_of(small, st.none())
# Periods a booking could have: a start in the coming months, 1 minute to a day long.
plausible = st.builds(
    lambda start, minutes: {"lower": start.isoformat(),
                            "upper": (start + dt.timedelta(minutes=minutes)).isoformat()},
    st.datetimes(min_value=dt.datetime(2027, 1, 1), max_value=dt.datetime(2027, 6, 1),
                 timezones=offsets), st.integers(1, 1500))
texts = st.one_of(st.text(max_size=40), st.none())

OPERATIONS = [
    ("""query($id: ID) { resource(id: $id) { name venue { name } } }""",
     st.fixed_dictionaries({"id": relay_ids})),
    ("""query($limit: Int!, $offset: Int!, $capacity: IntRangeInput) {
          resources(limit: $limit, offset: $offset,
                    filters: {capacity: {overlaps: $capacity}}) { name } }""",
     st.fixed_dictionaries({"limit": small, "offset": small,
                            "capacity": st.fixed_dictionaries({}, optional={
                                "lower": ints, "upper": ints, "lowerInc": st.booleans(),
                                "upperInc": st.booleans(), "isEmpty": st.booleans()})})),
    ("""query($ids: [ID!]!, $w: DateTimeRangeInput!, $d: Int!, $s: Int, $p: Int, $z: String) {
          availability(resourceIds: $ids, window: $w, durationMinutes: $d, stepMinutes: $s,
                       partySize: $p, timeZone: $z) {
            resourceId freePeriods { lower upper } slots { start end } } }""",
     st.fixed_dictionaries({"ids": st.lists(relay_ids, max_size=3), "w": ranges,
                            "d": small, "s": ints, "p": ints,
                            "z": texts})),
    ("""query($ids: [ID!]!, $after: DateTime!, $d: Int!, $days: Int!) {
          firstFreeSlot(resourceIds: $ids, after: $after, durationMinutes: $d,
                        lookaheadDays: $days) { resourceId } }""",
     st.fixed_dictionaries({"ids": st.lists(relay_ids, max_size=3), "after": instants,
                            "d": small, "days": small})),
    ("""query($ids: [ID!]!, $w: DateTimeRangeInput!) {
          occupancy(resourceIds: $ids, window: $w) { resourceId } }""",
     st.fixed_dictionaries({"ids": st.lists(relay_ids, max_size=3), "w": ranges})),
    ("""query($t: String!, $first: Int!, $after: String, $p: Int, $price: Decimal,
              $currency: String, $during: DateTimeRangeInput, $c: [ID!]) {
          search(text: $t, first: $first, after: $after, partySize: $p, maxPrice: $price,
                 currency: $currency, availableDuring: $during, categoryIds: $c) {
            total hits { name } } }""",
     st.fixed_dictionaries({"t": st.text(max_size=60), "first": st.integers(-100, 200),
                            "after": texts, "p": ints,
                            "price": st.one_of(st.none(), st.text(max_size=12),
                                               st.decimals(allow_nan=True).map(str)),
                            "currency": texts, "during": st.one_of(st.none(), ranges),
                            "c": st.one_of(st.none(), st.lists(relay_ids, max_size=2))})),
]

BOOK = """mutation($input: BookingInput!) { book(input: $input) {
  __typename ... on Booking { reference } ... on Error { code message } } }"""


def with_room(values, room):
    """`values` with every ROOM replaced by the room's relay id."""
    if isinstance(values, dict):
        return {key: with_room(value, room) for key, value in values.items()}
    if isinstance(values, list):
        return [with_room(value, room) for value in values]
    return to_base64("Resource", room.pk) if values == ROOM else values


def assert_clean(result, sent=None) -> None:
    """Coded errors only, and no internals (unless the request itself sent that text, which
    an error may quote back: "Expected 4 digits, got 'djan'")."""
    text = json.dumps({"data": result.data,
                       "errors": [[e.message, e.extensions] for e in result.errors or []]},
                      default=str)
    echoed = json.dumps(sent, default=str)
    for error in result.errors or []:
        code = (error.extensions or {}).get("code")
        assert code and code != "internal_error", (error.message, error.extensions)
    for leak in LEAKS:
        assert leak not in text or leak in echoed, text


@pytest.mark.parametrize("document, variables", OPERATIONS,
                         ids=["resource", "resources", "availability", "firstFreeSlot",
                              "occupancy", "search"])
def test_arbitrary_arguments_get_data_or_coded_errors(gql, room, staff, document, variables):
    @settings(max_examples=300, deadline=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(variables)
    def check(values):
        assert_clean(gql(document, with_room(values, room), user=staff), sent=values)

    check()


def test_arbitrary_bookings_are_booked_or_refused_with_a_code(gql, venue, category, customer):
    room = make_resource(venue, category, name="Fuzz Room")
    booking_input = st.fixed_dictionaries({
        "resourceId": st.one_of(st.just(ROOM), relay_ids),
        "partySize": st.one_of(st.integers(1, 8), small),
        "period": st.one_of(plausible, ranges),
    })

    @settings(max_examples=80, deadline=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(booking_input)
    def check(values):
        before = Booking.objects.count()
        result = gql(BOOK, {"input": with_room(values, room)}, user=customer)
        assert_clean(result, sent=values)
        if result.data and result.data["book"]["__typename"] != "Booking":
            assert Booking.objects.count() == before  # nothing half-written

    check()


FIRST_FREE = """query($ids: [ID!]!, $after: DateTime!, $days: Int!) {
  firstFreeSlot(resourceIds: $ids, after: $after, lookaheadDays: $days) { resourceId } }"""
AVAILABILITY = """query($ids: [ID!]!, $w: DateTimeRangeInput!) {
  availability(resourceIds: $ids, window: $w) { resourceId } }"""


@pytest.mark.parametrize("document, variables, code", [
    # Found by the tests above: each was an internal error (datetime overflow).
    (FIRST_FREE, {"after": "9999-12-31T00:00:00+00:00", "days": 14}, "invalid_window"),
    (FIRST_FREE, {"after": "2027-01-01T00:00:00+00:00", "days": -2**31}, "invalid_window"),
    (FIRST_FREE, {"after": "2027-01-01T00:00:00+00:00", "days": 2**31 - 1},
     "window_too_long"),
    (AVAILABILITY, {"w": {"lower": "0001-01-01T00:00:00+14:00",
                          "upper": "0001-01-02T00:00:00+00:00"}}, "invalid_window"),
])
def test_instants_past_the_calendar_are_coded_errors(gql, room, document, variables, code):
    result = gql(document, {"ids": [to_base64("Resource", room.pk)], **variables})

    assert result.errors[0].extensions["code"] == code


def test_arbitrary_changes_of_a_booking_are_made_or_refused_with_a_code(
        gql, venue, category, customer, at):
    room = make_resource(venue, category, name="Fuzz Room")
    held = booking_hold(resource=room, customer=customer, party_size=1, starts_at=at(9),
                        ends_at=at(10))
    references = st.one_of(st.just(held.reference), st.text(max_size=20))
    reschedule = st.fixed_dictionaries({
        "reference": references, "period": st.one_of(plausible, ranges),
    }, optional={"resourceId": relay_ids, "partySize": st.one_of(st.integers(1, 8), small)})
    changes = st.one_of(
        st.tuples(st.just("""mutation($input: RescheduleInput!) { rescheduleBooking(
            input: $input) { __typename ... on Error { code message } } }"""),
                  reschedule.map(lambda values: {"input": values})),
        st.tuples(st.sampled_from(["confirmBooking", "cancelBooking"]).map(
            lambda name: f"""mutation($reference: String!) {{ {name}(reference: $reference)
                {{ __typename ... on Error {{ code message }} }} }}"""),
            references.map(lambda reference: {"reference": reference})),
    )

    @settings(max_examples=150, deadline=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(changes)
    def check(change):
        document, variables = change
        before = list(Booking.objects.values_list("resource", "period", "status", "party_size"))
        result = gql(document, with_room(variables, room), user=customer)
        assert_clean(result, sent=variables)
        payload = next(iter((result.data or {}).values()), None)
        if payload is None or payload["__typename"] != "Booking":
            after = list(Booking.objects.values_list("resource", "period", "status",
                                                     "party_size"))
            assert after == before  # a refused change leaves the booking as it was

    check()


def test_a_syntax_error_has_a_code(gql):
    # ParserCache parses inside an extension hook, where strawberry skipped the errors'
    # coding: syntax errors came back without `extensions.code`.
    result = gql("0")

    assert [e.extensions for e in result.errors] == [{"code": "invalid_query"}]


def test_text_with_nul_is_a_coded_error(gql, room, customer):
    # PostgreSQL text cannot hold NUL: psycopg refused it and the API answered an
    # internal error.
    query = gql('query($r: String!) { booking(reference: $r) { reference } }', {"r": "A\x00"},
                user=customer)
    mutation = gql("""mutation($r: String!) { cancelBooking(reference: $r) {
                        __typename ... on Error { code message } } }""", {"r": "\x00"},
                   user=customer)

    assert [e.extensions for e in query.errors] == [{"code": "invalid_text"}]
    assert mutation.data == {"cancelBooking": {
        "__typename": "ValidationError", "code": "invalid_text",
        "message": "Text may not contain NUL characters."}}

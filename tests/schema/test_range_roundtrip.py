"""Ranges through the API equal what PostgreSQL stores (issue 5: the round-trip property).

Hypothesis draws ranges of every kind the API has: empty, unbounded on either side, all
four bound combinations, bounds equal, adjacent or inverted, instants in UTC offsets such
as +05:45 and -03:30 with microseconds, spelt the ways ISO 8601 allows. The oracle is
PostgreSQL itself, given the client's own text: `tstzrange(%s::timestamptz, %s::timestamptz,
'[)')` or `'empty'::tstzrange`. Then

- an input converts to the range PostgreSQL builds, or to a coded error where PostgreSQL
  refuses to build one (inverted bounds, int4 overflow) or the API refuses on purpose
  (bounds on an empty range, naive datetimes, NaN);
- a filter operator returns exactly the rows PostgreSQL's operator returns for that range;
- a stored range reads back as PostgreSQL's lower(), upper(), lower_inc(), upper_inc() and
  isempty(), datetimes as the same instant in UTC.

Through GraphQL: tstzrange (Booking.period, Booking.blocked, the booking mutations, free
periods) and int4range (Resource.capacity). No root field takes a DateRangeFilter (RateFilter
is on none), so date filters are applied to Rate and OpeningHours querysets directly; their
outputs go through GraphQL. DecimalRange is on no type at all: conversion only.
"""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.backends.postgresql.psycopg_any import NumericRange
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st
from strawberry.relay import to_base64
from strawberry_django.filters import process_filters

from booking.models import OpeningHours, Rate, Resource
from schema.common import DateRangeFilter, range_out
from tests.conftest import make_resource
from tests.schema.range_oracle import (
    BASE,
    DATE,
    DATETIME,
    DECIMAL,
    ELEMENTS,
    INT,
    INT4_MAX,
    UTC,
    Built,
    Raw,
    Refused,
    api_parts,
    as_dict,
    conditions,
    describe,
    instants,
    matching,
    object_parts,
    oracle,
    parts,
    raw_ranges,
    rolled_back,
    spelt,
    sql_all,
    sql_one,
)


def examples(n: int):
    return settings(max_examples=n, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])


# --- (a) inputs convert to the range PostgreSQL builds ------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("kind", [DATETIME, DATE, INT, DECIMAL], ids=lambda k: k.sql)
@examples(150)
@given(data=st.data())
def test_input_converts_to_the_range_postgres_builds(kind, data):
    raw = data.draw(raw_ranges(kind, ELEMENTS[kind]))
    expected = oracle(kind, raw)

    event(describe(expected))
    try:
        value = raw.to_input(kind).to_range()
    except ValidationError as exc:
        assert expected == Refused(exc.code), f"{raw} -> {exc.code}: {exc.messages}"
        return

    assert isinstance(expected, Built), f"{raw} was accepted; PostgreSQL: {expected}"
    same, stored, built = sql_one(
        f"SELECT a = b, a::text, b::text FROM (SELECT %s::{kind.sql} a, {expected.sql} b) t",
        [value, *expected.params])
    assert same, f"{raw}: the API sends {stored}, PostgreSQL builds {built}"


@pytest.mark.django_db
@pytest.mark.parametrize("kind", [DATETIME, DATE, INT, DECIMAL], ids=lambda k: k.sql)
@examples(100)
@given(data=st.data())
def test_output_is_what_postgres_returns_and_converts_back(kind, data):
    raw = data.draw(raw_ranges(kind, ELEMENTS[kind]))
    expected = oracle(kind, raw)
    assume(isinstance(expected, Built))
    stored, *pg = sql_one(f"SELECT r, {parts('r')} FROM (SELECT {expected.sql} r) t",
                          expected.params)

    out = range_out(kind.output, stored)
    back = kind.input(**{k: getattr(out, k) for k in (
        "lower", "upper", "lower_inc", "upper_inc", "is_empty")}).to_range()

    assert object_parts(out) == tuple(pg)
    assert not isinstance(out.lower, dt.datetime) or out.lower.utcoffset() == dt.timedelta(0)
    assert sql_one(f"SELECT %s::{kind.sql} = {expected.sql}", [back, *expected.params])[0]


@pytest.mark.parametrize("kind", [DATETIME, DATE, INT, DECIMAL], ids=lambda k: k.sql)
def test_empty_is_not_unbounded(kind, db):
    empty = kind.input(is_empty=True).to_range()
    unbounded = kind.input().to_range()

    assert sql_one(f"SELECT isempty(%s::{kind.sql}), %s::{kind.sql}::text",
                   [empty, unbounded]) == (True, "(,)")
    assert as_dict(range_out(kind.output, empty)) == {
        "lower": None, "upper": None, "lowerInc": False, "upperInc": False, "isEmpty": True}
    assert as_dict(range_out(kind.output, unbounded)) == {
        "lower": None, "upper": None, "lowerInc": False, "upperInc": False, "isEmpty": False}


# --- (a) filters return the rows PostgreSQL's operators return -----------------------------


def assert_coded_error(result, code: str) -> None:
    assert result.data is None
    assert [e.extensions for e in result.errors] == [{"code": code}], result.errors


@st.composite
def booking_periods(draw, *, far: bool = True) -> tuple[str, str]:
    """A bounded `[)` period as a client spells it (the only shape a booking may have)."""
    lower, upper = sorted(draw(st.lists(instants(BASE, far=far), min_size=2, max_size=2,
                                        unique=True)))
    _, lower_text = draw(spelt(st.just(lower), naive=False, nanos=False))
    _, upper_text = draw(spelt(st.just(upper), naive=False, nanos=False))
    return lower_text, upper_text


RANGE_FIELDS = "fragment R on DateTimeRange { lower upper lowerInc upperInc isEmpty }"
BOOKINGS = """query($f: BookingFilter) { bookings(first: 100, filters: $f) {
  edges { node { reference period { ...R } blocked { ...R } } } } }""" + RANGE_FIELDS


@pytest.fixture
def turnaround_room(venue, category):
    # 10 minutes, the step of the instants: blocked periods meet and overlap periods.
    return make_resource(venue, category, name="Turnaround Room",
                         turnaround=dt.timedelta(minutes=10))


def insert_booking(resource, customer, lower_text: str, upper_text: str,
                   status: str = "cancelled") -> str:
    # Raw SQL from the client's text, past every Python check; cancelled rows may overlap.
    return sql_one(
        "INSERT INTO booking_booking (party_size, period, status, customer_id, resource_id)"
        " VALUES (1, tstzrange(%s::timestamptz, %s::timestamptz, '[)'), %s, %s, %s)"
        " RETURNING reference", [lower_text, upper_text, status, customer.pk, resource.pk])[0]


def assert_bookings_read_as_stored(edges: list[dict]) -> None:
    stored = {row[0]: row[1:] for row in sql_all(
        f"SELECT reference, {parts('period')}, {parts('blocked')} FROM booking_booking")}
    for edge in edges:
        node = edge["node"]
        got = api_parts(DATETIME, node["period"]) + api_parts(DATETIME, node["blocked"])
        assert got == stored[node["reference"]], node


@pytest.mark.django_db
@examples(200)
@given(periods=st.lists(booking_periods(), min_size=1, max_size=5),
       column=st.sampled_from(["period", "blocked"]), condition=conditions(DATETIME))
def test_datetime_filters_return_the_rows_postgres_returns(gql, staff, turnaround_room,
                                                           periods, column, condition):
    with rolled_back():
        for lower, upper in periods:
            insert_booking(turnaround_room, staff, lower, upper)
        where = condition.where(DATETIME, column)

        result = gql(BOOKINGS, {"f": {column: condition.variables(DATETIME)}}, user=staff)

        event(f"{condition.operator}: {describe(where)}")
        if isinstance(where, Refused):
            assert_coded_error(result, where.code)
            return
        assert result.errors is None, result.errors
        edges = result.data["bookings"]["edges"]
        event(f"rows: {len(edges)} of {len(periods)}")
        assert {e["node"]["reference"] for e in edges} == matching(
            "booking_booking", "reference", where)
        assert_bookings_read_as_stored(edges)


@st.composite
def capacities(draw) -> NumericRange:
    """A capacity the CHECK allows ([) after canonicalisation, lower >= 1, bounded), in
    any of the four spellings PostgreSQL canonicalises: [2,5] is stored as [2,6)."""
    lower = draw(st.integers(1, 8) | st.just(INT4_MAX - 2))
    upper = draw(st.integers(lower + 1, min(lower + 4, INT4_MAX)))
    lower_inc, upper_inc = draw(st.booleans()), draw(st.booleans())
    return NumericRange(lower if lower_inc else lower - 1, upper - 1 if upper_inc else upper,
                        ("[" if lower_inc else "(") + ("]" if upper_inc else ")"))


RESOURCES = """query($f: ResourceFilter) { resources(filters: $f) {
  slug capacity { lower upper lowerInc upperInc isEmpty } } }"""


def assert_capacities_read_as_stored(resources: list[dict]) -> None:
    stored = {row[0]: row[1:] for row in sql_all(
        f"SELECT slug, {parts('capacity')} FROM booking_resource")}
    for resource in resources:
        assert api_parts(INT, resource["capacity"]) == stored[resource["slug"]], resource


@pytest.mark.django_db
@examples(150)
@given(capacity_list=st.lists(capacities(), min_size=1, max_size=4),
       condition=conditions(INT))
def test_int_filters_return_the_rows_postgres_returns(gql, venue, category, capacity_list,
                                                      condition):
    with rolled_back():
        Resource.objects.bulk_create(
            Resource(venue=venue, category=category, name=f"R{n}", slug=f"r{n}", capacity=c)
            for n, c in enumerate(capacity_list))
        where = condition.where(INT, "capacity")

        result = gql(RESOURCES, {"f": {"capacity": condition.variables(INT)}})

        event(f"{condition.operator}: {describe(where)}")
        if isinstance(where, Refused):
            assert_coded_error(result, where.code)
            return
        assert result.errors is None, result.errors
        event(f"rows: {len(result.data['resources'])} of {len(capacity_list)}")
        assert {r["slug"] for r in result.data["resources"]} == matching(
            "booking_resource", "slug", where, "is_active")
        assert_capacities_read_as_stored(result.data["resources"])


@st.composite
def valid_date_ranges(draw) -> Raw:
    """A non-empty date range (the CHECK of valid_during), unbounded sides allowed, in any
    of the four spellings: [d, d] is stored as [d, d+1)."""
    day = dt.timedelta(days=1)
    lower = draw(st.none() | st.builds(lambda k: dt.date(2030, 3, 28) + k * day,
                                       st.integers(0, 5)))
    upper = draw(st.none() | st.integers(1, 4).map(lambda k: (lower or dt.date(2030, 3, 28))
                                                    + k * day))
    lower_inc, upper_inc = draw(st.booleans()), draw(st.booleans())
    if lower is not None and not lower_inc:
        lower -= day
    if upper is not None and upper_inc:
        upper -= day
    return Raw(lower, upper, lower_inc, upper_inc)


@pytest.fixture
def rooms(venue, category):
    return [make_resource(venue, category, name=f"Room {n}", all_day=False) for n in range(4)]


def insert_dated_rows(rooms, rates: list[Raw], rules: list[Raw]) -> None:
    # One rate per room and one rule per weekday: no exclusion constraint can fire.
    for room, raw in zip(rooms, rates, strict=False):
        sql_one("INSERT INTO booking_rate (resource_id, valid_during, price_per_hour, currency)"
                " VALUES (%s, daterange(%s::date, %s::date, %s), 10, 'EUR') RETURNING id",
                [room.pk, *raw.texts, raw.bounds])
    for weekday, raw in enumerate(rules, start=1):
        sql_one("INSERT INTO booking_openinghours (resource_id, weekday, hours, valid_during)"
                " VALUES (%s, %s, int4range(540, 1020), daterange(%s::date, %s::date, %s))"
                " RETURNING id",
                [rooms[0].pk, weekday, *raw.texts, raw.bounds])


@pytest.mark.django_db
@examples(150)
@given(rates=st.lists(valid_date_ranges(), min_size=1, max_size=4),
       rules=st.lists(valid_date_ranges(), min_size=1, max_size=7),
       condition=conditions(DATE))
def test_date_filters_return_the_rows_postgres_returns(rooms, rates, rules, condition):
    with rolled_back():
        insert_dated_rows(rooms, rates, rules)
        where = condition.where(DATE, "valid_during")

        def filtered(model):
            # RateFilter.valid_during, as strawberry-django would apply it.
            queryset, q = process_filters(condition.to_filter(DATE, DateRangeFilter),
                                          model.objects.all(), None, prefix="valid_during__")
            return set(queryset.filter(q).values_list("pk", flat=True))

        event(f"{condition.operator}: {describe(where)}")
        if isinstance(where, Refused):
            with pytest.raises(ValidationError) as refused:
                filtered(Rate)
            assert refused.value.code == where.code
            return
        assert filtered(Rate) == matching("booking_rate", "id", where)
        assert filtered(OpeningHours) == matching("booking_openinghours", "id", where)


NESTED_DATES = """{ resources { slug rates { validDuring { ...D } }
  openingHours { weekday validDuring { ...D } } } }
fragment D on DateRange { lower upper lowerInc upperInc isEmpty }"""


@pytest.mark.django_db
@examples(60)
@given(rates=st.lists(valid_date_ranges(), min_size=1, max_size=4),
       rules=st.lists(valid_date_ranges(), min_size=1, max_size=7))
def test_dates_read_back_as_stored(gql, rooms, rates, rules):
    with rolled_back():
        insert_dated_rows(rooms, rates, rules)
        stored_rates = {row[0]: [row[1:]] for row in sql_all(
            f"SELECT r.slug, {parts('valid_during')} FROM booking_rate"
            " JOIN booking_resource r ON r.id = resource_id")}
        stored_rules = sql_all(f"SELECT weekday, {parts('valid_during')}"
                               " FROM booking_openinghours ORDER BY weekday")

        result = gql(NESTED_DATES)

        assert result.errors is None, result.errors
        resources = {r["slug"]: r for r in result.data["resources"]}
        assert {slug: [api_parts(DATE, rate["validDuring"]) for rate in r["rates"]]
                for slug, r in resources.items() if r["rates"]} == stored_rates
        assert sorted((rule["weekday"], *api_parts(DATE, rule["validDuring"]))
                      for rule in resources[rooms[0].slug]["openingHours"]) == stored_rules


# --- (a, b) through the booking mutations -------------------------------------------------

MUTATION = """mutation($i: BookingInput!) {
  book(input: $i) { ...Result }
  rebook: book(input: $i) { ...Result } }
fragment Result on BookingResult { __typename
  ... on Booking { reference period { ...R } blocked { ...R } }
  ... on BookingConflictError { code period { ...R } }
  ... on ValidationError { code field } }""" + RANGE_FIELDS


def future_instants() -> st.SearchStrategy[dt.datetime]:
    soon = dt.datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + dt.timedelta(days=3)
    return st.builds(lambda k, micro: soon + k * dt.timedelta(minutes=10)
                     + dt.timedelta(microseconds=micro),
                     st.integers(0, 12), st.sampled_from([0, 1, 999999]))


# Lengths around the room's limits (15 minutes to 24 hours).
LENGTHS = [dt.timedelta(minutes=m, microseconds=u) for m, u in (
    (15, 0), (15, -1), (20, 1), (60, 0), (24 * 60, 0), (24 * 60, 1), (3 * 60, 999999))]


@st.composite
def requested_periods(draw) -> Raw:
    """What a client asks a booking mutation for: mostly a [start, end) with offsets,
    sometimes anything at all."""
    if draw(st.integers(0, 2)) == 0:
        return draw(raw_ranges(DATETIME, spelt(future_instants())))
    lower = draw(future_instants())
    (lower, lower_text), (upper, upper_text) = (
        draw(spelt(st.just(lower), naive=False)),
        draw(spelt(st.just(lower + draw(st.sampled_from(LENGTHS))), naive=False)))
    return Raw(lower, upper, True, False, False, lower_text, upper_text)


def is_booking_period(stored: tuple, resource) -> bool:
    lower, upper, lower_inc, upper_inc, empty = stored
    return (not empty and lower is not None and upper is not None and lower_inc
            and not upper_inc and resource.min_length <= upper - lower <= resource.max_length)


@pytest.fixture
def open_room(venue, category):
    return make_resource(venue, category, name="Open Room", turnaround=dt.timedelta(minutes=7))


@pytest.mark.django_db
@examples(80)
@given(data=st.data())
def test_booked_period_is_stored_and_read_back(gql, customer, open_room, data):
    raw = data.draw(requested_periods())
    expected = oracle(DATETIME, raw)
    period = raw.variables(DATETIME, omit_defaults=data.draw(st.booleans()))
    variables = {"i": {"resourceId": to_base64("Resource", open_room.pk), "period": period}}

    with rolled_back():
        result = gql(MUTATION, variables, user=customer)

        assert result.errors is None, result.errors
        booked = result.data["book"]
        event(f"{booked['__typename']} {booked.get('code', '')}")
        if isinstance(expected, Refused):
            assert booked == {"__typename": "ValidationError", "code": expected.code,
                              "field": "period"}
            return
        requested = sql_one(f"SELECT {parts('r')} FROM (SELECT {expected.sql} r) t",
                            expected.params)
        if not is_booking_period(requested, open_room):
            assert booked["__typename"] == "ValidationError", booked
            assert booked["field"] == "period"
            assert booked["code"] in {"invalid_period", "too_short", "too_long"}
            return
        assert booked["__typename"] == "Booking", booked
        stored = sql_one(f"SELECT {parts('period')}, {parts('blocked')} FROM booking_booking"
                         " WHERE reference = %s", [booked["reference"]])
        assert stored[:5] == requested
        assert api_parts(DATETIME, booked["period"]) + api_parts(
            DATETIME, booked["blocked"]) == stored
        # The same period again: the conflict names the period as PostgreSQL stores it.
        assert result.data["rebook"]["__typename"] == "BookingConflictError"
        assert api_parts(DATETIME, result.data["rebook"]["period"]) == requested


RESCHEDULE = """mutation($r: RescheduleInput!) { rescheduleBooking(input: $r) { __typename
  ... on Booking { reference period { ...R } blocked { ...R } }
  ... on ValidationError { code field } ... on Error { code } } }""" + RANGE_FIELDS


@pytest.mark.django_db
@examples(60)
@given(data=st.data())
def test_rescheduled_period_is_stored_and_read_back(gql, customer, open_room, data):
    raw = data.draw(requested_periods())
    expected = oracle(DATETIME, raw)
    soon = dt.datetime.now(UTC) + dt.timedelta(days=1)

    with rolled_back():
        reference = insert_booking(open_room, customer, soon.isoformat(),
                                   (soon + dt.timedelta(hours=1)).isoformat(), "confirmed")

        result = gql(RESCHEDULE, {"r": {"reference": reference,
                                        "period": raw.variables(DATETIME)}}, user=customer)

        moved = result.data["rescheduleBooking"]
        event(f"{moved['__typename']} {moved.get('code', '')}")
        stored = sql_one(f"SELECT {parts('period')}, {parts('blocked')} FROM booking_booking"
                         " WHERE reference = %s", [reference])
        if isinstance(expected, Refused):
            assert moved == {"__typename": "ValidationError", "code": expected.code,
                             "field": "period"}
            assert stored[0] == soon  # not moved
            return
        requested = sql_one(f"SELECT {parts('r')} FROM (SELECT {expected.sql} r) t",
                            expected.params)
        if not is_booking_period(requested, open_room):
            assert (moved["__typename"], moved["field"]) == ("ValidationError", "period")
            assert stored[0] == soon
            return
        assert moved["__typename"] == "Booking", moved
        assert stored[:5] == requested
        assert api_parts(DATETIME, moved["period"]) + api_parts(
            DATETIME, moved["blocked"]) == stored


# --- (b) stored values read back through every query that shows them ----------------------

BOOKING_READS = """query($ref: String!) {
  booking(reference: $ref) { reference period { ...R } blocked { ...R } }
  myBookings(first: 100) { edges { node { reference period { ...R } blocked { ...R } } } }
}""" + RANGE_FIELDS


@pytest.mark.django_db
@examples(60)
@given(periods=st.lists(booking_periods(), min_size=1, max_size=5),
       turnaround=st.sampled_from([dt.timedelta(0), dt.timedelta(minutes=10),
                                   dt.timedelta(seconds=90, microseconds=1),
                                   dt.timedelta(days=1)]))
def test_booking_periods_read_back_as_stored(gql, customer, staff, venue, category, periods,
                                             turnaround):
    with rolled_back():
        room = make_resource(venue, category, name="Any Room", all_day=False,
                             turnaround=turnaround)
        references = [insert_booking(room, customer, lower, upper) for lower, upper in periods]

        as_customer = gql(BOOKING_READS, {"ref": references[0]}, user=customer)
        as_staff = gql(BOOKING_READS, {"ref": references[-1]}, user=staff)

        assert as_customer.errors is None and as_staff.errors is None
        mine = as_customer.data["myBookings"]["edges"]
        assert {e["node"]["reference"] for e in mine} == set(references)
        assert_bookings_read_as_stored(
            [*mine, {"node": as_customer.data["booking"]}, {"node": as_staff.data["booking"]}])


@pytest.mark.django_db
@examples(60)
@given(capacity_list=st.lists(capacities(), min_size=1, max_size=4))
def test_capacities_read_back_as_stored(gql, venue, category, capacity_list):
    with rolled_back():
        created = Resource.objects.bulk_create(
            Resource(venue=venue, category=category, name=f"R{n}", slug=f"r{n}", capacity=c)
            for n, c in enumerate(capacity_list))

        result = gql("""query($id: ID!) {
            resource(id: $id) { slug capacity { lower upper lowerInc upperInc isEmpty } }
            resourceConnection(first: 100) { edges { node {
              slug capacity { lower upper lowerInc upperInc isEmpty } } } } }""",
                     {"id": to_base64("Resource", created[-1].pk)})

        assert result.errors is None, result.errors
        assert_capacities_read_as_stored(
            [result.data["resource"], *(e["node"] for e in
                                        result.data["resourceConnection"]["edges"])])


FREE_PERIODS = """query($ids: [ID!]!, $w: DateTimeRangeInput!) {
  availability(resourceIds: $ids, window: $w, durationMinutes: 15) {
    freePeriods { lower upper lowerInc upperInc isEmpty } } }"""


@pytest.mark.django_db
@examples(40)
@given(window=booking_periods(far=False), periods=st.lists(booking_periods(), max_size=4))
def test_free_periods_are_what_postgres_computes(gql, customer, turnaround_room, window,
                                                 periods):
    # Windows are [) (the selector ignores other bounds, see the module's report).
    with rolled_back():
        for lower, upper in periods:
            try:
                with transaction.atomic():
                    insert_booking(turnaround_room, customer, lower, upper, "confirmed")
            except IntegrityError:  # it overlaps another: booking_no_overlap said no
                pass
        now = dt.datetime.now(UTC)
        stored = sql_all(
            f"SELECT {parts('p')} FROM booking_free_periods(ARRAY[%s]::bigint[],"
            " tstzrange(%s::timestamptz, %s::timestamptz, '[)'), %s, NULL), unnest(free) p"
            " ORDER BY lower(p)", [turnaround_room.pk, *window, now])

        result = gql(FREE_PERIODS, {"ids": [to_base64("Resource", turnaround_room.pk)],
                                    "w": {"lower": window[0], "upper": window[1]}})

        assert result.errors is None, result.errors
        [answer] = result.data["availability"]
        assert [api_parts(DATETIME, p) for p in answer["freePeriods"]] == stored


# --- values no scalar can read --------------------------------------------------------------

UNREADABLE = [
    ("BookingFilter", {"period": {"overlaps": {"lower": "2030-13-01T00:00:00Z"}}}),
    ("BookingFilter", {"period": {"overlaps": {"upper": "nonsense"}}}),
    ("BookingFilter", {"period": {"containsElement": 20300101}}),
    # PostgreSQL reads offsets with seconds; Python's ISO parser does not.
    ("BookingFilter", {"blocked": {"contains": {"lower": "2030-01-01T00:00:00+05:45:30"}}}),
    # Rounded to microseconds like PostgreSQL does, this is year 10000.
    ("BookingFilter", {"period": {"adjacentTo": {"upper": "9999-12-31T23:59:59.9999999Z"}}}),
    ("ResourceFilter", {"capacity": {"overlaps": {"lower": 2**31}}}),
    ("ResourceFilter", {"capacity": {"containsElement": "x"}}),
    ("ResourceFilter", {"capacity": {"isEmpty": "yes"}}),
]


@pytest.mark.parametrize(("filter_type", "value"), UNREADABLE)
def test_unreadable_values_are_coded_errors(gql, staff, filter_type, value):
    field = "bookings" if filter_type == "BookingFilter" else "resources"
    selection = "edges { node { reference } }" if field == "bookings" else "name"

    result = gql(f"query($f: {filter_type}) {{ {field}(filters: $f) {{ {selection} }} }}",
                 {"f": value}, user=staff)

    assert_coded_error(result, "invalid_query")


# --- known gap: bounds PostgreSQL stores but Python cannot hold ---------------------------

UNLOADABLE = {
    "booking ends at infinity": (
        "INSERT INTO booking_booking (party_size, period, status, customer_id, resource_id)"
        " VALUES (1, tstzrange('2030-01-01', 'infinity'), 'cancelled', %(user)s, %(room)s)",
        "{ bookings(first: 1) { edges { node { period { upper } } } } }"),
    "rate from -infinity": (
        "INSERT INTO booking_rate (resource_id, valid_during, price_per_hour, currency)"
        " VALUES (%(room)s, daterange('-infinity', '2030-01-01'), 1, 'EUR')",
        "{ resources { rates { validDuring { lower } } } }"),
    "rate until 9999-12-31 inclusive (stored as [..., 10000-01-01))": (
        "INSERT INTO booking_rate (resource_id, valid_during, price_per_hour, currency)"
        " VALUES (%(room)s, daterange('2030-01-01', '9999-12-31', '[]'), 1, 'EUR')",
        "{ resources { rates { validDuring { upper } } } }"),
}


# CHECK constraints (booking/models.py: readable_dates, readable_instants) refuse them.
@pytest.mark.parametrize("case", UNLOADABLE)
def test_stored_bounds_python_cannot_hold_are_refused_or_read_back(gql, staff, room, case):
    insert, query = UNLOADABLE[case]
    try:
        with transaction.atomic():
            sql_one(insert + " RETURNING 1", {"user": staff.pk, "room": room.pk})
    except IntegrityError:
        return  # refused by a constraint: nothing unreadable is stored

    result = gql(query, user=staff)

    assert result.errors is None, [e.extensions for e in result.errors]


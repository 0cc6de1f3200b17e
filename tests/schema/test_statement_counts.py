"""Every documented operation runs a fixed number of SQL statements (issue 5: no N+1).

Each root query and mutation runs with a selection that takes every nested list its type
offers (amenities, opening hours, rates, the resource and its venue and category), over
data where every list, top-level and nested, holds 1 item and then 50: the count must be
the same. The counts are pinned exactly, each with what its statements are.
"""

import datetime as dt
import zoneinfo

import pytest
from django.db.backends.postgresql.psycopg_any import DateRange, NumericRange
from strawberry.relay import to_base64

from booking.models import Amenity, Booking, Category, OpeningHours, Rate, Resource, Venue
from booking.services import booking_book, booking_hold

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")
SIZES = [1, 50]
WEEK = dt.timedelta(days=7)


def gid(resource) -> str:
    return to_base64("Resource", resource.pk)


def build_venues(n: int) -> list[Venue]:
    return Venue.objects.bulk_create(
        Venue(name=f"Venue {i:02d}", slug=f"venue-{i}", city="Berlin", country="DE",
              timezone="Europe/Berlin") for i in range(n))


def build_catalogue(n: int, *, resources: int | None = None) -> list[Resource]:
    """`resources` (default n) resources in one venue, each with n amenities, n opening
    hours rules and n rates, in n categories. Rule j is open on ISO weekday j % 7 + 1 for
    the j // 7-th three-hour block of the day: Monday 00:00-03:00 is open whatever n is."""
    venues = build_venues(1) * n
    categories = Category.objects.bulk_create(
        Category(name=f"Category {i:02d}", slug=f"category-{i}") for i in range(n))
    amenities = Amenity.objects.bulk_create(
        Amenity(name=f"Amenity {i:02d}", slug=f"amenity-{i}") for i in range(n))
    resources = Resource.objects.bulk_create(
        Resource(venue=venues[i], category=categories[i], name=f"Room {i:02d}",
                 slug=f"room-{i}", capacity=NumericRange(1, 9), horizon=dt.timedelta(days=365),
                 min_length=dt.timedelta(minutes=15), max_length=dt.timedelta(hours=24))
        for i in range(n if resources is None else resources))
    Resource.amenities.through.objects.bulk_create(
        Resource.amenities.through(resource=r, amenity=a) for r in resources for a in amenities)
    OpeningHours.objects.bulk_create(
        OpeningHours(resource=r, weekday=j % 7 + 1,
                     hours=NumericRange(j // 7 * 180, j // 7 * 180 + 180))
        for r in resources for j in range(n))
    Rate.objects.bulk_create(
        Rate(resource=r, price_per_hour=10 + j,
             valid_during=DateRange(dt.date(2020, 1, 1) + dt.timedelta(days=30 * j),
                                    dt.date(2020, 1, 31) + dt.timedelta(days=30 * j)))
        for r in resources for j in range(n))
    return resources


def monday(hour: int) -> dt.datetime:
    """Next week's Monday at `hour` in Berlin: open (see build_catalogue), never past."""
    today = dt.datetime.now(BERLIN).date()
    day = today + dt.timedelta(days=7 - today.weekday())
    return dt.datetime.combine(day, dt.time(hour), tzinfo=BERLIN)


@pytest.fixture(params=SIZES, ids=lambda n: f"{n}-items")
def n(request) -> int:
    """How many items every list holds."""
    return request.param


@pytest.fixture
def catalogue(n, db) -> list[Resource]:
    """n resources, each with n amenities, opening hours rules and rates."""
    return build_catalogue(n)


@pytest.fixture
def room(n, db) -> Resource:
    """One resource with n amenities, opening hours rules and rates (n of each category
    and amenity exist)."""
    return build_catalogue(n, resources=1)[0]


RESOURCE_FIELDS = """fragment Everything on Resource {
  id name slug description capacity { lower upper lowerInc upperInc isEmpty }
  turnaroundMinutes minNoticeMinutes horizonMinutes minLengthMinutes maxLengthMinutes
  slotStepMinutes
  venue { id name slug city country timezone } category { id name slug }
  amenities { id name slug }
  openingHours { weekday opens closes validDuring { lower upper lowerInc upperInc isEmpty } }
  rates { pricePerHour currency validDuring { lower upper lowerInc upperInc isEmpty } } }"""

BOOKING_FIELDS = """fragment Booked on Booking {
  id reference partySize status holdExpiresAt createdAt updatedAt customer
  period { lower upper lowerInc upperInc isEmpty }
  blocked { lower upper lowerInc upperInc isEmpty }
  resource { ...Everything } }""" + RESOURCE_FIELDS

def book_each(resources, customer, *, held: bool = False) -> list[Booking]:
    """One booking of `customer` on each resource, Monday 01:00-02:00, confirmed or held."""
    expiry = dt.datetime.now(dt.UTC) + dt.timedelta(days=1) if held else None
    bookings = Booking.objects.bulk_create(
        Booking(resource=r, customer=customer, party_size=2, period=(monday(1), monday(2)),
                status="held" if held else "confirmed", hold_expires_at=expiry)
        for r in resources)
    # In the order of `resources` (bulk_create numbers them so); unordered, the test that
    # ignores the first resource's hold sometimes got another resource's.
    return list(Booking.objects.filter(pk__in=[b.pk for b in bookings]).order_by("pk"))


# --- queries -------------------------------------------------------------------------------


def test_venues(gql, db, n, django_assert_num_queries):
    build_venues(n)

    # venues.
    with django_assert_num_queries(1):
        result = gql("{ venues { id name slug description address city country timezone } }")

    assert len(result.data["venues"]) == n


@pytest.mark.parametrize("field", ["categories", "amenities"])
def test_categories_and_amenities(gql, room, n, field, django_assert_num_queries):
    # The list itself.
    with django_assert_num_queries(1):
        result = gql(f"{{ {field} {{ id name slug }} }}")

    assert len(result.data[field]) == n


def test_resources(gql, catalogue, django_assert_num_queries):
    # resources + venue + category (one join; the filters are its WHERE), then one
    # prefetch each of amenities, opening hours and rates.
    with django_assert_num_queries(4):
        result = gql("""{ resources(filters: {partySize: 2, amenities: ["amenity-0"],
            capacity: {overlaps: {lower: 1, upper: 3}}, venue: {city: {exact: "Berlin"}}},
            ordering: [{venue: {name: ASC}}, {name: ASC}]) { ...Everything } }"""
                     + RESOURCE_FIELDS)

    assert_everything(result.data["resources"], len(catalogue))


def test_resource_connection(gql, catalogue, django_assert_num_queries):
    # totalCount, the page (resources + venue + category), then amenities, opening hours,
    # rates.
    with django_assert_num_queries(5):
        result = gql("""{ resourceConnection(first: 100) { totalCount
            pageInfo { hasNextPage endCursor } edges { cursor node { ...Everything } } } }"""
                     + RESOURCE_FIELDS)

    connection_ = result.data["resourceConnection"]
    assert connection_["totalCount"] == len(catalogue)
    assert_everything([e["node"] for e in connection_["edges"]], len(catalogue))


@pytest.mark.parametrize("by", ["id", "slug"])
def test_resource(gql, room, n, by, django_assert_num_queries):
    arguments = (f'id: "{gid(room)}"' if by == "id"
                 else f'venueSlug: "{room.venue.slug}", slug: "{room.slug}"')

    # The resource + venue + category, then amenities, opening hours, rates.
    with django_assert_num_queries(4):
        result = gql(f"{{ resource({arguments}) {{ ...Everything }} }}" + RESOURCE_FIELDS)

    assert_everything([result.data["resource"]], 1, nested=n)


def assert_everything(resources: list[dict], count: int, *, nested: int | None = None):
    """Every list came back whole: the count held because nothing was left out."""
    nested = count if nested is None else nested
    assert len(resources) == count
    for resource in resources:
        assert (len(resource["amenities"]), len(resource["openingHours"]),
                len(resource["rates"])) == (nested, nested, nested)


@pytest.fixture(params=["customer", "staff"])
def user(request, customer, staff):
    return {"customer": customer, "staff": staff}[request.param]


def test_booking(gql, room, n, customer, user, django_assert_num_queries):
    [booking] = book_each([room], customer)

    # The booking + resource + venue + category + customer (one join; a customer's own
    # only), then the resource's amenities, opening hours, rates.
    with django_assert_num_queries(4):
        result = gql("query($r: String!) { booking(reference: $r) { ...Booked } }"
                     + BOOKING_FIELDS, {"r": booking.reference}, user=user)

    assert result.data["booking"]["reference"] == booking.reference
    assert_everything([result.data["booking"]["resource"]], 1, nested=n)


def test_my_bookings(gql, catalogue, user, django_assert_num_queries):
    book_each(catalogue, user)

    # The page of bookings + resource + venue + category + customer, then amenities,
    # opening hours, rates; totalCount one more.
    with django_assert_num_queries(5):
        result = gql("""{ myBookings(first: 100) { totalCount pageInfo { hasNextPage }
            edges { cursor node { ...Booked } } } }""" + BOOKING_FIELDS, user=user)

    edges = result.data["myBookings"]["edges"]
    assert result.data["myBookings"]["totalCount"] == len(edges) == len(catalogue)
    assert_everything([e["node"]["resource"] for e in edges], len(catalogue))


def test_bookings(gql, catalogue, customer, staff, django_assert_num_queries):
    book_each(catalogue, customer)

    # As my_bookings, over every customer's bookings (the filters are WHERE clauses).
    with django_assert_num_queries(5):
        result = gql("""{ bookings(first: 100, filters: {status: [CONFIRMED],
            period: {notExtendsLeftOf: {lower: "2020-01-01T00:00:00+05:45"}},
            resource: {venue: {city: {exact: "Berlin"}}}}, ordering: [{start: ASC}]) {
            totalCount pageInfo { hasNextPage } edges { cursor node { ...Booked } } } }"""
                     + BOOKING_FIELDS, user=staff)

    edges = result.data["bookings"]["edges"]
    assert len(edges) == len(catalogue)
    assert_everything([e["node"]["resource"] for e in edges], len(catalogue))


def test_bookings_refused_to_customers_without_a_statement(gql, room, customer,
                                                           django_assert_num_queries):
    book_each([room], customer)

    with django_assert_num_queries(0):
        result = gql("{ bookings(first: 100) { edges { node { reference } } } }",
                     user=customer)

    assert result.errors[0].extensions == {"code": "permission_denied"}


AVAILABILITY = """query($ids: [ID!]!, $w: DateTimeRangeInput!) {
  availability(resourceIds: $ids, window: $w, durationMinutes: 30, timeZone: "Asia/Kathmandu") {
    resourceId freePeriods { lower upper lowerInc upperInc isEmpty }
    slots { start end localStart localEnd } resource { ...Everything } } }""" + RESOURCE_FIELDS


def test_availability(gql, catalogue, customer, django_assert_num_queries):
    book_each(catalogue, customer)
    window = {"lower": monday(0).isoformat(), "upper": monday(3).isoformat()}

    # Free periods, slots (one statement each), then the resources + venue + category,
    # amenities, opening hours, rates.
    with django_assert_num_queries(6):
        result = gql(AVAILABILITY, {"ids": [gid(r) for r in catalogue], "w": window})

    answers = result.data["availability"]
    assert_everything([a["resource"] for a in answers], len(catalogue))
    assert all(len(a["freePeriods"]) == 2 and a["slots"] for a in answers)


def test_availability_ignoring_own_hold(gql, catalogue, customer, user,
                                        django_assert_num_queries):
    bookings = book_each(catalogue, customer, held=True)
    window = {"lower": monday(0).isoformat(), "upper": monday(3).isoformat()}

    # The hold to ignore (a customer's own only), then as test_availability.
    with django_assert_num_queries(7):
        result = gql(AVAILABILITY.replace("timeZone:", "ignoreBooking: $hold, timeZone:")
                     .replace("$w: DateTimeRangeInput!", "$w: DateTimeRangeInput!, $hold: String"),
                     {"ids": [gid(r) for r in catalogue], "w": window,
                      "hold": bookings[0].reference}, user=user)

    answers = result.data["availability"]
    assert_everything([a["resource"] for a in answers], len(catalogue))
    held_free = {a["resourceId"]: len(a["freePeriods"]) for a in answers}
    # The held hour is free for its holder on the hold's resource; elsewhere it splits the day.
    assert held_free.pop(gid(bookings[0].resource)) == 1
    assert set(held_free.values()) <= {2}


def test_first_free_slot(gql, catalogue, django_assert_num_queries):
    # The first slots (one statement), then the resources + venue + category, amenities,
    # opening hours, rates.
    with django_assert_num_queries(5):
        result = gql("""query($ids: [ID!]!, $after: DateTime!) {
            firstFreeSlot(resourceIds: $ids, after: $after, durationMinutes: 30) {
              resourceId slot { start end localStart localEnd } resource { ...Everything } } }"""
                     + RESOURCE_FIELDS,
                     {"ids": [gid(r) for r in catalogue], "after": monday(0).isoformat()})

    answers = result.data["firstFreeSlot"]
    assert_everything([a["resource"] for a in answers], len(catalogue))
    assert all(a["slot"] for a in answers)


def test_occupancy(gql, catalogue, customer, staff, django_assert_num_queries):
    book_each(catalogue, customer)
    window = {"lower": monday(0).isoformat(), "upper": (monday(0) + WEEK).isoformat()}

    # One statement for every resource and day.
    with django_assert_num_queries(1):
        result = gql("""query($ids: [ID!]!, $w: DateTimeRangeInput!) {
            occupancy(resourceIds: $ids, window: $w) { resourceId bucketStart openMinutes
              bookedMinutes utilisation bookedSpan { lower upper lowerInc upperInc isEmpty } } }""",
                     {"ids": [gid(r) for r in catalogue], "w": window}, user=staff)

    assert len(result.data["occupancy"]) >= 7 * len(catalogue)


def test_occupancy_refused_to_customers_without_a_statement(gql, room, customer,
                                                            django_assert_num_queries):
    with django_assert_num_queries(0):
        result = gql("""query($ids: [ID!]!) { occupancy(resourceIds: $ids, window: {
            lower: "2030-01-01T00:00:00Z", upper: "2030-01-02T00:00:00Z"}) { resourceId } }""",
                     {"ids": [gid(room)]}, user=customer)

    assert result.errors[0].extensions == {"code": "permission_denied"}


# --- mutations -----------------------------------------------------------------------------

RESULT_FIELDS = """fragment Result on BookingResult { __typename ... on Booking { ...Booked }
  ... on BookingConflictError { code resourceId period { lower upper } }
  ... on ValidationError { code field } ... on Error { message code } }""" + BOOKING_FIELDS


def mutate(gql, user, signature: str, call: str, variables: dict) -> dict:
    result = gql(f"mutation({signature}) {{ {call} {{ ...Result }} }}" + RESULT_FIELDS,
                 variables, user=user)
    assert result.errors is None, result.errors
    [data] = result.data.values()
    assert data["__typename"] == "Booking", data
    assert_everything([data["resource"]], 1, nested=len(data["resource"]["amenities"]))
    return data


def period(start: int, end: int) -> dict:
    return {"lower": monday(start).isoformat(), "upper": monday(end).isoformat()}


# A service's transaction.atomic() is a SAVEPOINT ... RELEASE pair here, inside the test's
# transaction (in a request it is BEGIN ... COMMIT, which Django does not count), and so is
# the inner atomic() around each update (the insert of a new booking has none: a clash of
# the drawn reference retries the whole transaction). A mutation whose selection takes
# relations of the booking ends with four statements for its answer (mutations._for_output):
# the booking + resource + venue + category + customer, then amenities, opening hours,
# rates; one that stays on the booking's columns, with none.


@pytest.mark.parametrize("field", ["holdBooking", "book"])
def test_hold_and_book(gql, room, user, field, django_assert_num_queries):
    variables = {"i": {"resourceId": gid(room), "partySize": 2, "period": period(1, 2)}}

    # The resource + venue; SAVEPOINT; the advisory lock on the resource; opening hours and
    # closures (one statement); stale holds in the way expired; the INSERT (returning the
    # drawn reference and the blocked period); RELEASE; the answer (4).
    with django_assert_num_queries(11):
        mutate(gql, user, "$i: BookingInput!", f"{field}(input: $i)", variables)


OWN_COLUMNS = """fragment Own on BookingResult { __typename ... on Node { id }
  ... on Booking { reference partySize status holdExpiresAt createdAt updatedAt
                   period { lower upper lowerInc upperInc isEmpty }
                   blocked { lower upper lowerInc upperInc isEmpty } }
  ... on Error { message code } }"""


@pytest.mark.parametrize("field", ["holdBooking", "book"])
def test_hold_and_book_answer_their_columns_without_reading_again(
        gql, room, user, field, django_assert_num_queries):
    Resource.objects.filter(pk=room.pk).update(turnaround=dt.timedelta(minutes=15))
    variables = {"i": {"resourceId": gid(room), "partySize": 2, "period": period(1, 2)}}

    # As test_hold_and_book, without the answer's statements.
    with django_assert_num_queries(7):
        result = gql(f"mutation($i: BookingInput!) {{ {field}(input: $i) {{ ...Own }} }}"
                     + OWN_COLUMNS, variables, user=user)

    answer = result.data[field]
    again = gql("query($r: String!) { booking(reference: $r) { id reference partySize status"
                " holdExpiresAt createdAt updatedAt period { lower upper lowerInc upperInc"
                " isEmpty } blocked { lower upper lowerInc upperInc isEmpty } } }",
                {"r": answer["reference"]}, user=user).data["booking"]
    assert answer == {"__typename": "Booking", **again}
    # The trigger's blocked period, returned by the INSERT.
    assert answer["blocked"]["upper"] == (monday(2) + dt.timedelta(minutes=15)).astimezone(
        dt.UTC).isoformat()


@pytest.mark.parametrize("field", ["confirmBooking", "cancelBooking"])
def test_confirm_and_cancel(gql, room, user, customer, field, django_assert_num_queries):
    booking = booking_hold(resource=room, customer=customer, party_size=2,
                           starts_at=monday(1), ends_at=monday(2))

    # The booking (a customer's own only) + resource + venue; SAVEPOINT; the booking again
    # FOR UPDATE; SAVEPOINT, UPDATE of the status, RELEASE; updated_at read back; RELEASE;
    # the answer (4).
    with django_assert_num_queries(12):
        mutate(gql, user, "$r: String!", f"{field}(reference: $r)", {"r": booking.reference})


@pytest.mark.parametrize("field", ["confirmBooking", "cancelBooking"])
def test_confirm_and_cancel_answer_their_columns_without_reading_again(
        gql, room, user, customer, field, django_assert_num_queries):
    booking = booking_hold(resource=room, customer=customer, party_size=2,
                           starts_at=monday(1), ends_at=monday(2))

    # As test_confirm_and_cancel, without the answer's statements.
    with django_assert_num_queries(8):
        result = gql(f"mutation($r: String!) {{ {field}(reference: $r) {{ ...Own }} }}"
                     + OWN_COLUMNS, {"r": booking.reference}, user=user)

    again = gql("query($r: String!) { booking(reference: $r) { id reference partySize status"
                " holdExpiresAt createdAt updatedAt period { lower upper lowerInc upperInc"
                " isEmpty } blocked { lower upper lowerInc upperInc isEmpty } } }",
                {"r": booking.reference}, user=user).data["booking"]
    assert result.data[field] == {"__typename": "Booking", **again}
    assert again["status"] == {"confirmBooking": "CONFIRMED", "cancelBooking": "CANCELLED"}[field]


def test_reschedule(gql, room, user, customer, django_assert_num_queries):
    booking = booking_book(resource=room, customer=customer, party_size=2,
                           starts_at=monday(1), ends_at=monday(2))
    variables = {"i": {"reference": booking.reference, "period": period(2, 3)}}

    # The booking + resource + venue; SAVEPOINT; the booking again FOR UPDATE; the advisory
    # lock; opening hours and closures; stale holds expired; SAVEPOINT, UPDATE, RELEASE;
    # blocked and updated_at read back; RELEASE; the answer (4).
    with django_assert_num_queries(15):
        data = mutate(gql, user, "$i: RescheduleInput!", "rescheduleBooking(input: $i)",
                      variables)

    assert data["period"]["lower"] == monday(2).astimezone(dt.UTC).isoformat()

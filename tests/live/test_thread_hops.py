"""sync_to_async hops per GraphQL request, through the ASGI application a server runs:
none for a read the compiler covers (schema/compiled/: psycopg's async pool on the event
loop), exactly one for any other, whatever the root fields and list sizes
(schema/views.py). Counted by wrapping asgiref's SyncToAsync.__call__ around one request.

The operation runs on the handler's worker threads, each with its own database session,
so the rows it reads are committed (transaction=True).
"""

import pytest
from strawberry.relay import to_base64

from accounts.models import api_token_create
from booking.models import Amenity
from booking.services import booking_book
from tests.conftest import make_resource
from tests.live.asgi import post

pytestmark = pytest.mark.django_db(transaction=True)

RESOURCES = """{
  a: resources(limit: 50) { name venue { name city } amenities { name }
                            openingHours { weekday opens closes } capacity { lower } }
  b: resources(limit: 50) { id slug venue { timezone } amenities { slug }
                            openingHours { validDuring { lower } } turnaroundMinutes } }"""

QUERIES = [
    "{ __typename }",
    "{ venues { name } categories { name } amenities { name } }",
    RESOURCES,
    """{ resourceConnection(first: 100) { edges { node { name venue { name }
         amenities { name } openingHours { opens } rates { currency } } } } }""",
    """query($ids: [ID!]!, $window: DateTimeRangeInput!) {
         availability(resourceIds: $ids, window: $window) { freePeriods { lower } slots { start }
           resource { name venue { name } amenities { name } openingHours { opens } } } }""",
    """query($ids: [ID!]!, $after: DateTime!) { firstFreeSlot(resourceIds: $ids, after: $after) {
         slot { start } resource { name amenities { name } } } }""",
    """{ myBookings(first: 100) { edges { node { reference period { lower } customer
         resource { name venue { name } amenities { name } } } } } }""",
    """{ myBookings(first: 100) { edges { cursor node { reference } } } }""",
]
COMPILED = {QUERIES[0], QUERIES[1], RESOURCES, QUERIES[3], QUERIES[6], QUERIES[7]}


def catalogue(venue, category, count: int) -> list:
    projector = Amenity.objects.create(name="Projector", slug="projector")
    rooms = [make_resource(venue, category, name=f"Room {n:02d}") for n in range(count)]
    for room in rooms:
        room.amenities.add(projector)
    return rooms


@pytest.mark.parametrize("count", [1, 50])
def test_two_lists_of_resources_cost_no_hop(venue, category, count):
    catalogue(venue, category, count)

    hops, answer = post(RESOURCES)

    assert hops == 0
    assert [len(answer["data"][alias]) for alias in "ab"] == [count, count]


@pytest.mark.parametrize("query", QUERIES)
def test_every_request_costs_one_hop_with_fifty_rows(venue, category, customer, at, query):
    rooms = catalogue(venue, category, 50)
    for room in rooms:
        booking_book(resource=room, customer=customer, party_size=1, starts_at=at(9),
                     ends_at=at(10))
    _, token = api_token_create(user=customer, name="hops")
    variables = {"ids": [to_base64("Resource", room.pk) for room in rooms],
                 "window": {"lower": at(8).isoformat(), "upper": at(12).isoformat()},
                 "after": at(8).isoformat()}
    used = {name: value for name, value in variables.items() if f"${name}" in query}

    hops, answer = post(query, used, token)

    assert hops == (0 if query in COMPILED else 1)
    if "myBookings" in query:
        assert len(answer["data"]["myBookings"]["edges"]) == 50

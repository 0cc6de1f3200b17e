"""sync_to_async hops per GraphQL request over the async view: one per root field, whatever
the list sizes. Counted by wrapping asgiref's SyncToAsync.__call__ around one request.

Django itself adds a constant few per request (request_started and request_finished,
the sync middleware chain, CsrfViewMiddleware.process_view): measured with
`{ __typename }`, which touches no resolver, and subtracted.
"""

import json

import pytest
from asgiref.sync import SyncToAsync, async_to_sync
from django.test import AsyncClient
from strawberry.relay import to_base64

from accounts.models import api_token_create
from booking.models import Amenity
from booking.services import booking_book
from tests.conftest import make_resource

pytestmark = pytest.mark.django_db

DJANGO_HOPS = 4

RESOURCES = """{
  a: resources(limit: 50) { name venue { name city } amenities { name }
                            openingHours { weekday opens closes } capacity { lower } }
  b: resources(limit: 50) { id slug venue { timezone } amenities { slug }
                            openingHours { validDuring { lower } } turnaroundMinutes } }"""

QUERIES = {  # query -> number of root fields
    "{ venues { name } categories { name } amenities { name } }": 3,
    """{ resourceConnection(first: 100) { edges { node { name venue { name }
         amenities { name } openingHours { opens } rates { currency } } } } }""": 1,
    """query($ids: [ID!]!, $window: DateTimeRangeInput!) {
         availability(resourceIds: $ids, window: $window) { freePeriods { lower } slots { start }
           resource { name venue { name } amenities { name } openingHours { opens } } } }""": 1,
    """query($ids: [ID!]!, $after: DateTime!) { firstFreeSlot(resourceIds: $ids, after: $after) {
         slot { start } resource { name amenities { name } } } }""": 1,
    """{ myBookings(first: 100) { edges { node { reference period { lower } customer
         resource { name venue { name } amenities { name } } } } } }""": 1,
}


def hops(monkeypatch, query: str, variables: dict | None = None, token: str = "") -> int:
    """The sync_to_async calls made while serving one POST /graphql."""
    calls = []
    original = SyncToAsync.__call__

    async def counting(self, *args, **kwargs):
        calls.append(self.func)
        return await original(self, *args, **kwargs)

    async def post():
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return await AsyncClient().post(
            "/graphql", data=json.dumps({"query": query, "variables": variables or {}}),
            content_type="application/json", headers=headers)

    with monkeypatch.context() as patch:
        patch.setattr(SyncToAsync, "__call__", counting)
        response = async_to_sync(post)()
    assert "errors" not in response.json(), response.json()
    return len(calls)


def catalogue(venue, category, count: int) -> list:
    projector = Amenity.objects.create(name="Projector", slug="projector")
    rooms = [make_resource(venue, category, name=f"Room {n:02d}") for n in range(count)]
    for room in rooms:
        room.amenities.add(projector)
    return rooms


def test_django_adds_a_constant_number_of_hops(monkeypatch):
    assert hops(monkeypatch, "{ __typename }") == DJANGO_HOPS


@pytest.mark.parametrize("count", [1, 50])
def test_two_lists_of_resources_cost_two_hops(monkeypatch, venue, category, count):
    catalogue(venue, category, count)

    assert hops(monkeypatch, RESOURCES) - DJANGO_HOPS == 2


@pytest.mark.parametrize("query", list(QUERIES))
def test_every_root_field_costs_one_hop_with_fifty_rows(monkeypatch, venue, category, customer,
                                                        at, query):
    rooms = catalogue(venue, category, 50)
    for room in rooms:
        booking_book(resource=room, customer=customer, party_size=1, starts_at=at(9),
                     ends_at=at(10))
    _, token = api_token_create(user=customer, name="hops")
    variables = {"ids": [to_base64("Resource", room.pk) for room in rooms],
                 "window": {"lower": at(8).isoformat(), "upper": at(12).isoformat()},
                 "after": at(8).isoformat()}
    used = {name: value for name, value in variables.items() if f"${name}" in query}

    assert hops(monkeypatch, query, used, token) - DJANGO_HOPS <= QUERIES[query]

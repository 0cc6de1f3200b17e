"""Queries and mutations sent over the websocket (graphql-ws sends every operation there
when a client is configured so) run on strawberry's async path: lists, nested lists,
connections, availability, search and a mutation answer exactly as POST /graphql does."""

import datetime as dt

import pytest

from accounts.models import api_token_create
from booking.models import Amenity, Booking
from tests.conftest import make_resource
from tests.live.asgi import post
from tests.schema.test_api import BOOK, book_input, rid

pytestmark = pytest.mark.django_db(transaction=True)
UTC = dt.UTC

CATALOGUE = """query($ids: [ID!]!, $window: DateTimeRangeInput!) {
  resources(limit: 10) {
    id name capacity { lower upper lowerInc upperInc isEmpty }
    venue { id name city timezone } category { name }
    amenities { id name slug } openingHours { weekday opens closes }
  }
  resourceConnection(first: 2) { edges { cursor node { id name amenities { name } } }
                                 pageInfo { hasNextPage endCursor } }
  availability(resourceIds: $ids, window: $window, durationMinutes: 60) {
    resourceId freePeriods { lower upper } slots { start end } }
  firstFreeSlot(resourceIds: $ids, after: "2030-01-01T00:00:00+00:00") { resourceId }
  search(text: "room", first: 5) { total hits { resourceId name rank }
                                   facets { category { label count } } }
}"""

MINE = """{ myBookings(first: 5) { edges { node { reference status period { lower upper }
            resource { name amenities { name } } } } } }"""


@pytest.fixture
def catalogue(room, venue, category):
    rooms = [room, make_resource(venue, category, name="Spree Room"),
             make_resource(venue, category, name="Dahme Room")]
    projector = Amenity.objects.create(name="Projector", slug="projector")
    whiteboard = Amenity.objects.create(name="Whiteboard", slug="whiteboard")
    rooms[0].amenities.add(projector, whiteboard)
    rooms[1].amenities.add(whiteboard)
    return rooms


def test_queries_over_the_websocket_answer_as_over_http(subscribe, catalogue, at):
    variables = {"ids": [rid(r) for r in catalogue],
                 "window": {"lower": at(8).isoformat(), "upper": at(20).isoformat()}}

    [over_ws] = subscribe(CATALOGUE, variables).results(1)
    _, over_http = post(CATALOGUE, variables)

    over_ws.pop("t")
    assert over_ws == over_http["data"]
    resources = {r["name"]: r for r in over_ws["resources"]}
    assert [a["name"] for a in resources[catalogue[0].name]["amenities"]] == [
        "Projector", "Whiteboard"]
    assert len(over_ws["availability"][0]["slots"]) > 0
    assert over_ws["search"]["total"] == 3
    assert len(over_ws["resourceConnection"]["edges"]) == 2


def test_a_mutation_over_the_websocket_books_and_reads_back(subscribe, catalogue, customer,
                                                            at):
    _, token = api_token_create(user=customer, name="websocket")
    auth = {"Authorization": f"Bearer {token}"}

    [booked] = subscribe(BOOK, book_input(catalogue[0], at(9), at(10)), auth).results(1)
    [conflict] = subscribe(BOOK, book_input(catalogue[0], at(9, 30), at(10, 30)),
                           auth).results(1)
    [mine] = subscribe(MINE, {}, auth).results(1)

    stored = Booking.objects.get()
    assert booked["book"]["__typename"] == "Booking"
    assert booked["book"]["reference"] == stored.reference
    assert booked["book"]["resource"] == {"name": catalogue[0].name,
                                          "venue": {"city": "Berlin"}}
    assert conflict["book"]["__typename"] == "BookingConflictError"
    assert conflict["book"]["code"] == "booking_conflict"
    assert mine["myBookings"]["edges"] == [{"node": {
        "reference": stored.reference, "status": "CONFIRMED",
        "period": {"lower": at(9).astimezone(UTC).isoformat(),
                   "upper": at(10).astimezone(UTC).isoformat()},
        "resource": {"name": catalogue[0].name,
                     "amenities": [{"name": "Projector"}, {"name": "Whiteboard"}]}}}]

"""The minimal GraphQL endpoint: resources with venue, category, amenities, capacity."""

import datetime as dt
import json

import pytest
from django.db.backends.postgresql.psycopg_any import NumericRange
from strawberry.relay import to_base64

from booking.models import Amenity
from schema import schema
from tests.conftest import make_resource

QUERY = """{ resources { name capacity { lower upper lowerInc upperInc isEmpty }
             venue { name timezone } category { name } amenities { name } } }"""


def test_resources_query_returns_catalogue(room, venue, category):
    projector = Amenity.objects.create(name="Projector", slug="projector")
    room.amenities.add(projector)
    make_resource(venue, category, name="Spree Room", capacity=NumericRange(2, 5))

    result = schema.execute_sync(QUERY)

    assert result.errors is None
    assert result.data["resources"] == [
        {"name": "Havel Room",
         "capacity": {"lower": 1, "upper": 9, "lowerInc": True, "upperInc": False,
                      "isEmpty": False},
         "venue": {"name": "Spreeufer Workspace", "timezone": "Europe/Berlin"},
         "category": {"name": "Meeting room"}, "amenities": [{"name": "Projector"}]},
        {"name": "Spree Room",
         "capacity": {"lower": 2, "upper": 5, "lowerInc": True, "upperInc": False,
                      "isEmpty": False},
         "venue": {"name": "Spreeufer Workspace", "timezone": "Europe/Berlin"},
         "category": {"name": "Meeting room"}, "amenities": []},
    ]


def test_inactive_resources_are_hidden(room, venue, category):
    make_resource(venue, category, name="Old Room", is_active=False)

    result = schema.execute_sync("{ resources { name } }")

    assert result.data == {"resources": [{"name": "Havel Room"}]}


@pytest.mark.parametrize("count", [1, 30])
def test_query_count_does_not_grow_with_the_list(venue, category, count,
                                                 django_assert_num_queries):
    projector = Amenity.objects.create(name="Projector", slug="projector")
    for n in range(count):
        make_resource(venue, category, name=f"Room {n}", all_day=False).amenities.add(projector)

    # One query for resources joined with venue and category, one prefetch of amenities.
    with django_assert_num_queries(2):
        result = schema.execute_sync(QUERY)

    assert len(result.data["resources"]) == count


def test_graphql_over_http(room, client):
    response = client.post("/graphql", data=json.dumps({"query": "{ resources { name } }"}),
                           content_type="application/json")

    assert response.status_code == 200
    assert response.json() == {"data": {"resources": [{"name": "Havel Room"}]}}


def test_availability_answers_in_the_order_asked(gql, venue, category, staff):
    rooms = [make_resource(venue, category, name=f"Room {n}") for n in range(4)]
    asked = [rooms[2], rooms[0], rooms[3], rooms[2], rooms[1]]
    ids = [to_base64("Resource", room.pk) for room in asked]
    tomorrow = dt.datetime.now(dt.UTC).date() + dt.timedelta(days=2)
    window = {"lower": f"{tomorrow}T08:00:00+00:00", "upper": f"{tomorrow}T12:00:00+00:00"}

    result = gql("""query($ids: [ID!]!, $w: DateTimeRangeInput!, $after: DateTime!) {
        availability(resourceIds: $ids, window: $w) { resourceId }
        firstFreeSlot(resourceIds: $ids, after: $after) { resourceId }
        occupancy(resourceIds: $ids, window: $w) { resourceId } }""",
                 {"ids": ids, "w": window, "after": window["lower"]}, user=staff)

    expected = [ids[0], ids[1], ids[2], ids[4]]  # each once, first mention first
    assert result.errors is None
    assert [a["resourceId"] for a in result.data["availability"]] == expected
    assert [a["resourceId"] for a in result.data["firstFreeSlot"]] == expected
    assert [a["resourceId"] for a in result.data["occupancy"]] == expected


WINDOW = {"lower": "2026-12-01T08:00:00+00:00", "upper": "2026-12-01T12:00:00+00:00"}


@pytest.mark.parametrize("field, argument, value", [
    ("availability", "window: $w", WINDOW), ("occupancy", "window: $w", WINDOW),
    ("firstFreeSlot", "after: $w", WINDOW["lower"]),
])
def test_availability_refuses_an_id_of_another_type(gql, venue, category, staff,
                                                    field, argument, value):
    room = make_resource(venue, category, name="Room")
    ids = [to_base64("Resource", room.pk), to_base64("Venue", venue.pk)]
    kind = "DateTime!" if field == "firstFreeSlot" else "DateTimeRangeInput!"

    result = gql(f"""query($ids: [ID!]!, $w: {kind}) {{
        {field}(resourceIds: $ids, {argument}) {{ resourceId }} }}""",
                 {"ids": ids, "w": value}, user=staff)

    assert result.data is None
    assert result.errors[0].message == "Not a Resource id."
    assert result.errors[0].extensions == {"code": "invalid_id", "field": "resourceIds"}


@pytest.mark.parametrize("type_name, key", [("Venue", None), ("Resource", "x1"),
                                            ("Resource", 2**63)])
def test_resource_by_an_id_of_another_type_is_refused(gql, venue, category, type_name, key):
    """A Venue id with a resource's number is not that resource, and a key that is not a
    number is not a server error."""
    room = make_resource(venue, category, name="Room")
    global_id = to_base64(type_name, key or room.pk)

    result = gql("query($id: ID!) { resource(id: $id) { name } }", {"id": global_id})

    assert result.data == {"resource": None}
    assert result.errors[0].message == "Not a Resource id."
    assert result.errors[0].extensions == {"code": "invalid_id", "field": "id"}

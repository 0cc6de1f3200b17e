"""bench/peer_operations.py: our side of each operation selects the rows PostGraphile's does.

PostGraphile is installed by `make bench-peer` only, so here its side is what its documents
mean in SQL (the filter, ORDER BY and page) and one answer of it recorded from the bench
database; bench/peer.py compares both live answers before every run.
"""

import datetime as dt
import random

from django.db.backends.postgresql.psycopg_any import DateTimeTZRange
from strawberry.relay import to_base64

from bench.peer_operations import OPERATIONS, WEEK, bookings_pair
from booking.models import Booking, Resource
from tests.conftest import make_resource

RESOURCE, RESOURCES, BOOKINGS = OPERATIONS
MONDAY = dt.datetime(2030, 6, 3, tzinfo=dt.UTC)


def _booking(resource, customer, start_hours: float, hours: float, status="confirmed"):
    start = MONDAY + dt.timedelta(hours=start_hours)
    return Booking.objects.create(resource=resource, customer=customer, party_size=1,
                                  status=status,
                                  period=DateTimeTZRange(start, start + dt.timedelta(hours=hours)))


def test_resource_is_the_id_row(gql, room, venue, category):
    make_resource(venue, category, name="Spree Room")
    ours_by_peer_id = {peer["id"]: ours for ours, peer in RESOURCE.variables(random.Random(1), 2)}

    result = gql(RESOURCE.ours, ours_by_peer_id[str(room.pk)])

    assert result.errors is None
    assert RESOURCE.ours_rows(result.data)["id"] == room.pk


def test_bookings_are_the_resource_id_filter_rows(gql, staff, customer, room, venue, category):
    other = make_resource(venue, category, name="Spree Room")
    _booking(room, customer, -3, 4)  # from the Sunday before into the week
    _booking(room, customer, 10, 2, status="cancelled")
    _booking(room, customer, 10, 2)
    _booking(room, customer, 7 * 24, 1)  # the next Monday: outside
    _booking(other, customer, 10, 2)
    ours, peer = bookings_pair(room.pk, room.slug, venue.slug, MONDAY)

    result = gql(BOOKINGS.ours, ours, user=staff)

    # PostGraphile: resource_id = $resourceId AND period && $week ORDER BY period DESC, id
    week = DateTimeTZRange(MONDAY, MONDAY + WEEK)
    expected = (Booking.objects.filter(resource_id=int(peer["resourceId"]), period__overlap=week)
                .order_by("-period", "pk").values_list("pk", flat=True)[:peer["first"]])
    assert result.errors is None
    assert [row["id"] for row in BOOKINGS.ours_rows(result.data)] == list(expected)
    assert len(expected) == 3


def test_resources_are_the_slug_then_id_page(gql, venue, category):
    for name in ("Cedar", "Alder", "Birch", "Dogwood"):
        make_resource(venue, category, name=name, all_day=False)
    Resource.objects.filter(name="Birch").update(is_active=False)

    pages = [gql(RESOURCES.ours, {"limit": 2, "offset": offset}).data for offset in (0, 2)]

    # PostGraphile: is_active ORDER BY slug, id LIMIT 2 OFFSET 0 / 2
    expected = list(Resource.objects.filter(is_active=True).order_by("slug", "pk")
                    .values_list("pk", flat=True))
    assert [row["id"] for page in pages for row in RESOURCES.ours_rows(page)] == expected


def test_answers_of_both_shapes_normalise_alike():
    # Recorded from PostGraphile 4.14.1 on rangebook_bench; ours as the API writes it.
    peer = {"bookingResourceById": {
        "id": "5", "name": "Sunny workshop 746218", "slug": "sunny-workshop-746218",
        "capacity": {"start": {"value": 2, "inclusive": True},
                     "end": {"value": 14, "inclusive": False}},
        "bookingVenueByVenueId": {"name": "Berlin Exchange 1", "timezone": "Europe/Berlin"}},
        "allBookingBookings": {"edges": [{"node": {
            "id": "921", "reference": "RB-VUCPZRDT", "status": "confirmed", "partySize": 11,
            "period": {"start": {"value": "2027-04-02T11:30:00+00:00", "inclusive": True},
                       "end": {"value": "2027-04-02T15:30:00+00:00", "inclusive": False}},
            "authUserByCustomerId": {"username": "bench-customer-00789"}}}]}}
    ours = {"resource": {
        "id": to_base64("Resource", 5), "name": "Sunny workshop 746218",
        "slug": "sunny-workshop-746218",
        "capacity": {"lower": 2, "upper": 14, "lowerInc": True, "upperInc": False},
        "venue": {"name": "Berlin Exchange 1", "timezone": "Europe/Berlin"}},
        "bookings": {"edges": [{"node": {
            "id": to_base64("Booking", 921), "reference": "RB-VUCPZRDT", "status": "CONFIRMED",
            "partySize": 11, "period": {"lower": "2027-04-02T11:30:00Z",
                                        "upper": "2027-04-02T15:30:00Z",
                                        "lowerInc": True, "upperInc": False},
            "customer": "bench-customer-00789"}}]}}

    assert RESOURCE.ours_rows(ours) == RESOURCE.peer_rows(peer)
    assert BOOKINGS.ours_rows(ours) == BOOKINGS.peer_rows(peer)
    assert BOOKINGS.ours_rows(ours)[0]["id"] == 921

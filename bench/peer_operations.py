"""The queries bench/peer.py sends to our API and to PostGraphile, and how answers compare.

Each operation is one document per side selecting the same rows, in the same order, with
the same fields, under each API's own names: PostGraphile v4 names types and fields after
the tables (`booking_resource` is `BookingResource`, the venue is
`bookingVenueByVenueId`), gives ids as BigInt strings where ours are relay global ids, and
ranges as `{start {value inclusive} end {...}}` where ours are `{lower upper lowerInc
upperInc}`. `rows()` brings either answer to one plain shape, so that bench/peer.py can
prove the two equal before it times them.
"""

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass

from strawberry import relay

from booking.models import Booking, Resource

PAGE = 20  # resources of (b); most bookings of (c) (a resource has ~2 a week)
PAGES = 50  # (b) pages through the first 1,000 resources by slug (unique there; 2 repeat later)
WEEK = dt.timedelta(days=7)


@dataclass(frozen=True)
class PeerOperation:
    label: str
    name: str  # operationName on both sides
    ours: str
    peer: str
    variables: Callable[[random.Random, int], list[tuple[dict, dict]]]  # (ours, peer) pairs
    ours_rows: Callable[[dict], object]  # `data` of our answer -> the plain shape
    peer_rows: Callable[[dict], object]  # `data` of PostGraphile's answer -> the same
    staff: bool = False  # ours needs the staff token


# --- variables ---------------------------------------------------------------------------


def resource_variables(rng: random.Random, count: int) -> list[tuple[dict, dict]]:
    """Active resources only: `resource(id:)` answers null for an inactive one, and
    PostGraphile's `bookingResourceById` would not."""
    ids = sorted(Resource.objects.active().values_list("pk", flat=True))
    return [({"id": _gid("Resource", pk)}, {"id": str(pk)}) for pk in rng.sample(ids, count)]


def resources_variables(rng: random.Random, count: int) -> list[tuple[dict, dict]]:
    pages = [{"limit": PAGE, "offset": PAGE * rng.randrange(PAGES)} for _ in range(count)]
    return [(page, page) for page in pages]


def bookings_variables(rng: random.Random, count: int) -> list[tuple[dict, dict]]:
    """One active resource and one week (UTC, from a Monday) inside the bookings' span.

    Ours names the resource by venue slug and slug (BookingFilter.resource has no id);
    PostGraphile by `resourceId`. Both pick out the same one resource.
    """
    resources = list(Resource.objects.active().order_by("pk")
                     .values_list("pk", "slug", "venue__slug"))
    first, last = _span()
    weeks = (last - first).days // 7
    return [bookings_pair(pk, slug, venue_slug, first + WEEK * rng.randrange(weeks))
            for pk, slug, venue_slug in rng.sample(resources, count)]


def bookings_pair(pk: int, slug: str, venue_slug: str, start: dt.datetime) -> tuple[dict, dict]:
    """(ours, PostGraphile's) variables of (c): resource `pk`'s bookings in [start, +7 d)."""
    end = start + WEEK
    ours = {"first": PAGE, "filters": {
        "resource": {"venue": {"slug": {"exact": venue_slug}}, "slug": {"exact": slug}},
        "period": {"overlaps": {"lower": start.isoformat(), "upper": end.isoformat()}}}}
    peer = {"first": PAGE, "resourceId": str(pk), "week": {
        "start": {"value": start.isoformat(), "inclusive": True},
        "end": {"value": end.isoformat(), "inclusive": False}}}
    return ours, peer


def _span() -> tuple[dt.datetime, dt.datetime]:
    """The Mondays (00:00 UTC) on or before the first booking and the last booking's start."""
    first = Booking.objects.order_by("period").values_list("period", flat=True)[0].lower
    last = Booking.objects.order_by("-period").values_list("period", flat=True)[0].lower
    monday = dt.datetime.combine(first.date() - dt.timedelta(days=first.weekday()), dt.time(0),
                                 tzinfo=dt.UTC)
    return monday, last


def _gid(type_name: str, pk: int) -> str:
    return relay.to_base64(type_name, pk)


# --- plain shapes --------------------------------------------------------------------------


def _ours_id(value: str) -> int:
    return int(relay.from_base64(value)[1])


def _ours_range(value: dict) -> tuple:
    return (_scalar(value["lower"]), _scalar(value["upper"]),
            value.get("lowerInc"), value.get("upperInc"))


def _peer_range(value: dict) -> tuple:
    start, end = value["start"] or {}, value["end"] or {}
    return (_scalar(start.get("value")), _scalar(end.get("value")),
            start.get("inclusive"), end.get("inclusive"))


def _scalar(value):
    """An instant as an aware datetime (the two APIs write offsets differently)."""
    if isinstance(value, str) and "T" in value:
        return dt.datetime.fromisoformat(value)
    return value


def ours_resource(data: dict):
    row = data["resource"]
    return row and {"id": _ours_id(row["id"]), "name": row["name"], "slug": row["slug"],
                    "capacity": _ours_range(row["capacity"]), "venue": row["venue"]}


def peer_resource(data: dict):
    row = data["bookingResourceById"]
    return row and {"id": int(row["id"]), "name": row["name"], "slug": row["slug"],
                    "capacity": _peer_range(row["capacity"]),
                    "venue": row["bookingVenueByVenueId"]}


def ours_resources(data: dict) -> list:
    return [{"id": _ours_id(row["id"]), "name": row["name"],
             "capacity": _ours_range(row["capacity"]),
             "venue": {**row["venue"], "id": _ours_id(row["venue"]["id"])},
             "amenities": _amenities({**amenity, "id": _ours_id(amenity["id"])}
                                     for amenity in row["amenities"])}
            for row in data["resources"]]


def peer_resources(data: dict) -> list:
    return [{"id": int(row["id"]), "name": row["name"],
             "capacity": _peer_range(row["capacity"]),
             "venue": {**row["bookingVenueByVenueId"],
                       "id": int(row["bookingVenueByVenueId"]["id"])},
             "amenities": _amenities({**link["bookingAmenityByAmenityId"],
                                      "id": int(link["bookingAmenityByAmenityId"]["id"])}
                                     for link in row["bookingResourceAmenitiesByResourceId"]
                                     ["nodes"])}
            for row in data["allBookingResources"]["nodes"]]


def _amenities(amenities) -> list:
    # PostGraphile lists them in the link table's key order (a relation through a link
    # table cannot be ordered by the far table's columns); ours by name: compared as sets.
    return sorted(amenities, key=lambda amenity: amenity["id"])


def ours_bookings(data: dict) -> list:
    return [{"id": _ours_id(node["id"]), "reference": node["reference"],
             "status": node["status"].lower(), "partySize": node["partySize"],
             "period": _ours_range(node["period"]), "customer": node["customer"]}
            for node in (edge["node"] for edge in data["bookings"]["edges"])]


def peer_bookings(data: dict) -> list:
    return [{"id": int(node["id"]), "reference": node["reference"], "status": node["status"],
             "partySize": node["partySize"], "period": _peer_range(node["period"]),
             "customer": node["authUserByCustomerId"]["username"]}
            for node in (edge["node"] for edge in data["allBookingBookings"]["edges"])]


OPERATIONS = [
    PeerOperation(
        "(a) resource by id", "Resource", """
        query Resource($id: ID!) {
          resource(id: $id) {
            id name slug
            capacity { lower upper lowerInc upperInc }
            venue { name timezone }
          }
        }""", """
        query Resource($id: BigInt!) {
          bookingResourceById(id: $id) {
            id name slug
            capacity { start { value inclusive } end { value inclusive } }
            bookingVenueByVenueId { name timezone }
          }
        }""", resource_variables, ours_resource, peer_resource),
    PeerOperation(
        "(b) 20 resources with venue and amenities", "Resources", """
        query Resources($limit: Int!, $offset: Int!) {
          resources(limit: $limit, offset: $offset, ordering: [{slug: ASC}]) {
            id name
            capacity { lower upper }
            venue { id name city timezone }
            amenities { id name slug }
          }
        }""", """
        query Resources($limit: Int!, $offset: Int!) {
          allBookingResources(first: $limit, offset: $offset, condition: {isActive: true},
                              orderBy: [SLUG_ASC, ID_ASC]) {
            nodes {
              id name
              capacity { start { value } end { value } }
              bookingVenueByVenueId { id name city timezone }
              bookingResourceAmenitiesByResourceId {
                nodes { bookingAmenityByAmenityId { id name slug } }
              }
            }
          }
        }""", resources_variables, ours_resources, peer_resources),
    PeerOperation(
        "(c) a resource's bookings overlapping a week (staff)", "Bookings", """
        query Bookings($filters: BookingFilter!, $first: Int!) {
          bookings(filters: $filters, first: $first) {
            edges {
              node {
                id reference status partySize
                period { lower upper lowerInc upperInc }
                customer
              }
            }
          }
        }""", """
        query Bookings($resourceId: BigInt!, $week: DatetimeRangeInput!, $first: Int!) {
          allBookingBookings(first: $first, orderBy: [PERIOD_DESC, ID_ASC],
                             filter: {resourceId: {equalTo: $resourceId},
                                      period: {overlaps: $week}}) {
            edges {
              node {
                id reference status partySize
                period { start { value inclusive } end { value inclusive } }
                authUserByCustomerId { username }
              }
            }
          }
        }""", bookings_variables, ours_bookings, peer_bookings, staff=True),
]

"""schema/fastpath.py: columns, loaded foreign keys and node ids read straight from the row
answer exactly what strawberry-django's own resolvers answer."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db.models import Prefetch
from django.test import RequestFactory

from booking.models import Amenity, Rate, Resource
from booking.services import booking_book, booking_hold
from schema import make_schema, schema
from schema.context import Context
from schema.fastpath import _direct

pytestmark = pytest.mark.django_db

EVERYTHING = """{
  resources(limit: 10) {
    id name slug description capacity { lower upper } turnaroundMinutes minNoticeMinutes
    horizonMinutes minLengthMinutes maxLengthMinutes slotStepMinutes
    venue { id name slug description address city country timezone }
    category { id name slug }
    amenities { id name slug }
    openingHours { weekday opens closes validDuring { lower upper } }
    rates { pricePerHour currency validDuring { lower upper } }
  }
  bookings(first: 10) { edges { node {
    id reference partySize status holdExpiresAt createdAt updatedAt customer
    period { lower upper } blocked { lower upper }
    resource { id name venue { id city } category { name } }
  } } }
}"""


def run(on, query, user):
    context = Context(request=RequestFactory().post("/graphql"), response=None)
    context._user = user
    return on.execute_sync(query, context_value=context)


def test_direct_resolvers_answer_as_strawberry_does(venue, category, room, customer, staff,
                                                     at, django_user_model):
    projector = Amenity.objects.create(name="Projector", slug="projector")
    room.amenities.add(projector, Amenity.objects.create(name="Café bar", slug="cafe-bar"))
    Rate.objects.create(resource=room, price_per_hour="12.50", currency="EUR")
    booking_book(resource=room, customer=customer, party_size=2, starts_at=at(9),
                 ends_at=at(10))
    booking_hold(resource=room, customer=customer, party_size=1, starts_at=at(11),
                 ends_at=at(12))

    direct = run(schema, EVERYTHING, staff)
    plain = run(make_schema(direct_resolvers=False), EVERYTHING, staff)

    assert direct.errors is None and plain.errors is None
    assert direct.data == plain.data
    statuses = sorted(edge["node"]["status"] for edge in direct.data["bookings"]["edges"])
    assert statuses == ["CONFIRMED", "HELD"]
    assert {a["name"] for a in direct.data["resources"][0]["amenities"]} == {
        "Projector", "Café bar"}


def test_fields_with_resolvers_or_arguments_keep_them():
    plain = make_schema(direct_resolvers=False)._schema.type_map
    direct = schema._schema.type_map
    kept = {(type_name, name) for type_name in ("Resource", "Venue", "Booking")
            for name, field in direct[type_name].fields.items()
            if field.resolve.__qualname__ == plain[type_name].fields[name].resolve.__qualname__}
    # Computed fields go through strawberry; columns, foreign keys and prefetched lists
    # without arguments do not.
    assert {("Resource", "capacity"), ("Booking", "period"), ("Booking", "customer")} <= kept
    assert not {("Resource", "name"), ("Resource", "venue"), ("Resource", "id"),
                ("Resource", "amenities"), ("Resource", "openingHours"),
                ("Booking", "status"), ("Venue", "timezone")} & kept


def test_anonymous_sees_the_same_catalogue(room):
    query = "{ resources { id name venue { id name } category { id name } } }"
    user = AnonymousUser()
    assert run(schema, query, user).data == run(make_schema(direct_resolvers=False), query,
                                                user).data


def test_a_list_not_prefetched_by_the_optimizer_is_resolved_by_strawberry(room):
    """A prefetch made elsewhere (here: by hand, with another order) is not the optimizer's
    answer to the selection: the direct resolver hands the row to strawberry-django."""
    room.amenities.add(Amenity.objects.create(name="A", slug="a"),
                       Amenity.objects.create(name="B", slug="b"))
    field = schema._schema.type_map["Resource"].fields["amenities"]
    fallen_back = []
    resolver = _direct(Resource, _Recorded(field, fallen_back))
    loaded = Resource.objects.prefetch_related(
        Prefetch("amenities", queryset=Amenity.objects.order_by("-name"))).get(pk=room.pk)

    assert resolver(loaded, None) == ["fallback"]
    assert resolver(Resource.objects.get(pk=room.pk), None) == ["fallback"]
    assert len(fallen_back) == 2


class _Recorded:
    """`graphql_field` with a resolve that records being called."""

    def __init__(self, field, calls):
        self.extensions, self.args = field.extensions, field.args
        self.resolve = lambda source, info, **kwargs: calls.append(source) or ["fallback"]

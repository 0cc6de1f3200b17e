"""The hand-written SELECTs of config/rows.py load whole instances, equal to the ORM's:
the caller of a token (accounts.models.api_token_user), the resource booked with its venue
(booking.selectors.resource_with_venue)."""

import datetime as dt

import pytest
from django.utils import timezone

from accounts.models import ApiToken, api_token_create, api_token_user
from booking.models import Resource
from booking.selectors import resource_with_venue

pytestmark = pytest.mark.django_db


def fields(instance) -> dict:
    return {field.attname: getattr(instance, field.attname)
            for field in type(instance)._meta.concrete_fields}


def test_a_token_s_user_is_the_orm_s(customer):
    customer.last_login = timezone.now()
    customer.save()
    _, secret = api_token_create(user=customer, name="kiosk")

    user = api_token_user(secret)

    assert fields(user) == fields(type(customer).objects.get(pk=customer.pk))
    assert not user._state.adding and user.is_authenticated


@pytest.mark.parametrize("change", [
    {"revoked_at": dt.timedelta(0)}, {"expires_at": -dt.timedelta(seconds=1)}, "inactive"])
def test_an_unusable_token_has_no_user(customer, change):
    token, secret = api_token_create(user=customer, name="kiosk")
    if change == "inactive":
        type(customer).objects.filter(pk=customer.pk).update(is_active=False)
    else:
        [(name, offset)] = change.items()
        ApiToken.objects.filter(pk=token.pk).update(**{name: timezone.now() + offset})

    assert api_token_user(secret) is None
    assert api_token_user(secret + "x") is None


def test_a_token_without_expiry_works_until_revoked(customer):
    token, secret = api_token_create(user=customer, name="kiosk", lifetime=None)

    assert api_token_user(secret).pk == customer.pk


def test_the_resource_and_venue_are_the_orm_s(room):
    Resource.objects.filter(pk=room.pk).update(
        turnaround=dt.timedelta(minutes=15), description="Quiet.", is_active=False)

    resource = resource_with_venue(pk=room.pk)

    expected = Resource.objects.select_related("venue").get(pk=room.pk)
    assert fields(resource) == fields(expected)
    assert fields(resource.venue) == fields(expected.venue)
    assert resource.venue.zone == expected.venue.zone


def test_no_resource_is_none(room):
    assert resource_with_venue(pk=room.pk + 1000) is None
    assert resource_with_venue(pk=10**30) is None

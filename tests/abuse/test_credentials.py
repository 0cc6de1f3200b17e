"""Credentials that stop working: revoked or expired tokens, deactivated users, tokens that
were never valid. Over HTTP an invalid token is a 401, never anonymous access; an open
websocket checks its caller before every operation and closes (4403) once the
credentials it was accepted with are gone."""

import datetime as dt

import pytest
from django.utils import timezone
from websockets.exceptions import ConnectionClosed

from accounts.models import ApiToken, api_token_create
from booking.models import Booking
from tests.abuse.conftest import query, send
from tests.abuse.ws import GraphQLSocket
from tests.schema.test_api import BOOK, book_input

pytestmark = pytest.mark.django_db(transaction=True)

MINE = "{ myBookings { edges { node { reference } } } }"


@pytest.fixture
def room(room):
    return room  # committed (transactional test): the server's sessions see it


@pytest.fixture
def token(customer):
    return api_token_create(user=customer, name="abuse")[1]


@pytest.mark.parametrize("scheme", ["Bearer", "bearer", "BEARER", "BeArEr"])
def test_the_bearer_scheme_is_read_in_any_case(asgi_server, token, scheme):
    answer = send(asgi_server.url, query(MINE), headers={"Authorization": f"{scheme} {token}"})

    assert answer.json == {"data": {"myBookings": {"edges": []}}}


def _revoke(token):
    ApiToken.objects.update(revoked_at=timezone.now())


def _expire(token):
    ApiToken.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))


def _deactivate(token):
    ApiToken.objects.get().user.__class__.objects.update(is_active=False)


@pytest.mark.parametrize("header", [
    "Bearer rbk_not-a-token", "Basic YWxpY2U6YWxpY2UtZGVtbw==", "Bearer", "", "rbk_x"])
def test_an_unusable_authorization_header_is_a_401(asgi_server, token, header, probe):
    with probe() as served:
        answer = send(asgi_server.url, query("{ __typename }"),
                      headers={"Authorization": header})

    served.assert_served()

    assert (answer.status, answer.codes) == (401, ["invalid_token"])
    assert answer.headers["www-authenticate"] == 'Bearer error="invalid_token"'


@pytest.mark.parametrize("make_unusable", [_revoke, _expire, _deactivate],
                         ids=["revoked", "expired", "user deactivated"])
def test_a_token_that_stopped_working_is_a_401(asgi_server, token, make_unusable):
    before = send(asgi_server.url, query(MINE), headers={"Authorization": f"Bearer {token}"})
    make_unusable(token)

    after = send(asgi_server.url, query(MINE), headers={"Authorization": f"Bearer {token}"})

    assert before.status == 200 and "errors" not in before.json
    assert (after.status, after.codes) == (401, ["invalid_token"])


def test_new_tokens_expire(customer):
    token, _ = api_token_create(user=customer, name="kiosk")
    forever, _ = api_token_create(user=customer, name="kiosk", lifetime=None)

    assert abs(token.expires_at - token.created_at - dt.timedelta(days=90)) < dt.timedelta(
        seconds=1)
    assert forever.expires_at is None


@pytest.mark.parametrize("make_unusable", [_revoke, _expire, _deactivate],
                         ids=["revoked", "expired", "user deactivated"])
def test_an_open_websocket_closes_once_its_token_stops_working(asgi_server, token, room, at,
                                                               make_unusable, probe):
    socket = GraphQLSocket(asgi_server.ws_url, {"Authorization": f"Bearer {token}"})
    first = socket.execute(BOOK, book_input(room, at(9), at(10)))
    make_unusable(token)

    with probe() as served, pytest.raises(ConnectionClosed) as closed:
        socket.execute(BOOK, book_input(room, at(11), at(12)))

    assert first["data"]["book"]["__typename"] == "Booking"
    assert closed.value.rcvd.code == 4403
    served.assert_served()
    assert list(Booking.objects.values_list("reference", flat=True)) == [
        first["data"]["book"]["reference"]]


def test_a_websocket_with_an_invalid_token_is_refused(asgi_server):
    socket = GraphQLSocket(asgi_server.ws_url, {"Authorization": "Bearer rbk_forged"})

    assert not socket.acknowledged
    assert socket.close_code() == 4403


def test_an_anonymous_websocket_stays_anonymous(asgi_server, room):
    socket = GraphQLSocket(asgi_server.ws_url)

    answer = socket.execute(MINE)
    again = socket.execute("{ __typename }")
    socket.close()

    assert answer["errors"][0]["extensions"]["code"] == "permission_denied"
    assert again == {"data": {"__typename": "Query"}}

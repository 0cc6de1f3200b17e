"""Session-cookie callers over HTTP (config.asgi.application, in process): a valid session
of an active user is answered on the compiled path (no thread hop) as the existing path
answers it, with the same headers and no cookie set; every other session (expired, of a
deactivated user, after a password change, verified only by a fallback secret, with a
bearer token) goes the existing path, which answers it and does its writes."""

import io
import json

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.handlers.asgi import ASGIRequest
from django.db.models.functions import Now
from django.test import Client, override_settings

from accounts.models import api_token_create
from booking.services import booking_book
from schema.compiled import serve
from tests.conftest import make_resource
from tests.live.asgi import request

pytestmark = pytest.mark.django_db(transaction=True)

MINE = """{ myBookings(first: 5) { totalCount edges { cursor node { reference customer } } }
            booking(reference: "%s") { reference status } }"""
ALL = "{ bookings(last: 5) { totalCount edges { node { reference customer } } } }"
PASSWORDS = {"ada": "pw-ada-123", "bob": "pw-bob-123", "staff": "pw-staff-1"}


@pytest.fixture
def bookings(venue, category, customer, other_customer, at):
    room = make_resource(venue, category)
    return [booking_book(resource=room, customer=who, party_size=1, starts_at=at(9 + i),
                         ends_at=at(10 + i)).reference
            for i, who in enumerate((customer, other_customer, customer))]


def signed_in(user) -> str:
    """The session key of a real sign-in (Django's login() through ModelBackend)."""
    client = Client()
    assert client.login(username=user.username, password=PASSWORDS[user.username])
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def ask(query: str, key: str, **headers) -> tuple[int, dict, dict, int]:
    status, response_headers, body, hops = request(
        json.dumps({"query": query}).encode(),
        headers={"Content-Type": "application/json",
                 "Cookie": f"csrftoken=x; {settings.SESSION_COOKIE_NAME}={key}", **headers})
    for name in ("x-request-id", "content-length"):  # only the compiled answer has one
        response_headers.pop(name, None)
    return status, response_headers, json.loads(body), hops


def existing(query: str, key: str, monkeypatch) -> tuple[int, dict, dict, int]:
    """The existing path's answer to the same request."""
    with monkeypatch.context() as patched:
        patched.setattr(serve, "prepare", lambda scope, body: None)
        return ask(query, key)


@pytest.mark.parametrize("who", ["customer", "other_customer", "staff"])
def test_session_of_an_active_user_is_answered_compiled(bookings, request, monkeypatch, who):
    user = request.getfixturevalue(who)
    key = signed_in(user)
    query = MINE % bookings[0] if who != "staff" else ALL

    status, headers, answer, hops = ask(query, key)
    *same, existing_hops = existing(query, key, monkeypatch)

    assert ((status, headers, answer), hops, existing_hops) == (tuple(same), 0, 1)
    assert "set-cookie" not in headers
    assert "errors" not in answer
    if who != "staff":
        assert {e["node"]["customer"] for e in answer["data"]["myBookings"]["edges"]} == {
            user.username}
    else:
        assert answer["data"]["bookings"]["totalCount"] == 3


def test_expired_session_goes_the_existing_path(bookings, customer, monkeypatch):
    key = signed_in(customer)
    Session.objects.filter(session_key=key).update(expire_date=Now())

    status, _, answer, hops = ask(MINE % bookings[0], key)

    assert (status, hops) == (200, 1)
    assert answer == existing(MINE % bookings[0], key, monkeypatch)[2]
    assert [error["extensions"]["code"] for error in answer["errors"]] == ["permission_denied"]
    assert Session.objects.filter(session_key=key).exists()  # a read writes nothing


def test_session_of_a_deactivated_user_goes_the_existing_path(bookings, customer, monkeypatch):
    key = signed_in(customer)
    customer.is_active = False
    customer.save()

    _, _, answer, hops = ask(MINE % bookings[0], key)

    assert hops == 1
    assert answer == existing(MINE % bookings[0], key, monkeypatch)[2]
    assert [error["extensions"]["code"] for error in answer["errors"]] == ["permission_denied"]


def test_password_change_signs_out_through_the_existing_path(bookings, customer):
    key = signed_in(customer)
    assert ask(MINE % bookings[0], key)[3] == 0
    customer.set_password("another-pw-1")
    customer.save()

    _, headers, answer, hops = ask(MINE % bookings[0], key)

    assert hops == 1
    assert [error["extensions"]["code"] for error in answer["errors"]] == ["permission_denied"]
    assert "set-cookie" not in headers
    assert not Session.objects.filter(session_key=key).exists()  # get_user() flushed it


def test_session_verified_by_a_fallback_secret_goes_the_existing_path(bookings, customer):
    key = signed_in(customer)

    with override_settings(SECRET_KEY="a-new-secret-key-" * 3,
                           SECRET_KEY_FALLBACKS=[settings.SECRET_KEY]):
        _, _, answer, hops = ask(MINE % bookings[0], key)

    assert hops == 1
    assert answer["data"]["myBookings"]["totalCount"] == 2
    assert not Session.objects.filter(session_key=key).exists()  # get_user() cycled it


def test_session_with_a_bearer_token_goes_the_existing_path(bookings, customer, staff):
    _, token = api_token_create(user=staff, name="both")

    _, _, answer, hops = ask(ALL, signed_in(customer), Authorization=f"Bearer {token}")

    assert hops == 1
    assert answer["data"]["bookings"]["totalCount"] == 3  # the token's caller


@pytest.mark.parametrize("cookies", [
    [b"sessionid=abcdefgh123", b"x=1"], [b"x=1", b"sessionid=abcdefgh123"],
    [b"sessionid="], [b"a=1; sessionid=abcdefgh123; sessionid=other12345"],
])
def test_session_cookie_is_read_as_django_reads_it(cookies):
    scope = {"type": "http", "method": "POST", "path": "/graphql", "query_string": b"",
             "headers": [(b"host", b"testserver"), (b"content-type", b"application/json"),
                         *((b"cookie", value) for value in cookies)]}

    prepared = serve.prepare(scope, b'{"query": "{ venues { name } }"}')

    django = ASGIRequest(scope, io.BytesIO()).COOKIES.get(settings.SESSION_COOKIE_NAME)
    assert prepared.session == (django or None)

"""POST /graphql as a server passes it (config.asgi.application, in process): who is asking,
what is refused, and what the audit trail records. The endpoint runs on worker threads
with database sessions of their own, so the rows it reads are committed.
"""

import json

import pytest
from django.conf import settings
from django.core import signals
from django.test import Client, override_settings
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from booking.models import Booking
from booking.services import booking_book
from tests.live.asgi import post, request
from tests.schema.test_api import BOOK, book_input

pytestmark = pytest.mark.django_db(transaction=True)

MINE = "{ myBookings { edges { node { reference } } } }"


def session_cookie(user) -> str:
    client = Client()
    client.force_login(user)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


def graphql(query: str, variables: dict | None = None, **headers) -> tuple[int, dict]:
    status, _, body, _ = request(
        json.dumps({"query": query, "variables": variables or {}}).encode(),
        headers={"Content-Type": "application/json", **headers})
    return status, json.loads(body)


def test_a_session_cookie_signs_the_customer_in(room, customer, at):
    booking = booking_book(resource=room, customer=customer, party_size=1, starts_at=at(9),
                           ends_at=at(10))

    status, answer = graphql(MINE, Cookie=session_cookie(customer))

    assert status == 200
    assert answer == {"data": {"myBookings": {"edges": [
        {"node": {"reference": booking.reference}}]}}}


def test_without_cookie_or_token_my_bookings_is_refused(room, customer, at):
    booking_book(resource=room, customer=customer, party_size=1, starts_at=at(9),
                 ends_at=at(10))

    status, answer = graphql(MINE, Cookie=f"{settings.SESSION_COOKIE_NAME}=forged")

    assert status == 200 and answer["data"] is None
    assert [error["extensions"]["code"] for error in answer["errors"]] == ["permission_denied"]


def test_a_booking_made_through_the_endpoint_names_its_actor(room, customer, at):
    from accounts.models import api_token_create
    _, token = api_token_create(user=customer, name="audit")

    _, answer = post(BOOK, book_input(room, at(9), at(10)), token=token)

    booking = Booking.objects.get()
    assert answer["data"]["book"]["reference"] == booking.reference
    event = Booking.pgh_event_model.objects.get(pgh_obj=booking)
    assert (event.pgh_label, event.pgh_context.metadata["user"]) == ("insert", customer.pk)


def test_a_form_post_cannot_book_with_the_session(room, customer, at):
    # What a cross-site <form> could send with the customer's cookie: refused, nothing written.
    body = json.dumps({"query": BOOK, "variables": book_input(room, at(9), at(10))}).encode()

    status, _, _, _ = request(body, headers={"Content-Type": "text/plain",
                                             "Cookie": session_cookie(customer)})

    assert status == 400
    assert not Booking.objects.exists()


@pytest.mark.parametrize("body", [b"{", b"[]", b'{"query": 5}', b"", "\u00e9t\u00e9".encode(),
                                  b"\x80", "{}".encode("utf-16"), b"0", b'"x"', b"null"])
def test_malformed_bodies_get_a_plain_400(body):
    status, headers, content, _ = request(body, headers={"Content-Type": "application/json"})

    assert status == 400
    assert b"Traceback" not in content and b"File \"" not in content
    assert headers["x-content-type-options"] == "nosniff"


def test_answers_are_json_and_not_sniffed():
    status, headers, content, hops = request(b'{"query": "{ __typename }"}',
                                             headers={"Content-Type": "application/json"})

    # A read the compiler covers: answered on the event loop (schema/compiled/), no hop.
    assert (status, json.loads(content), hops) == (200, {"data": {"__typename": "Query"}}, 0)
    assert headers["content-type"] == "application/json"
    assert headers["x-content-type-options"] == "nosniff"


def test_an_unknown_host_is_refused():
    status, _, content, _ = request(b'{"query": "{ __typename }"}',
                                    headers={"Content-Type": "application/json",
                                             "Host": "evil.example"})

    assert status == 400
    assert b"__typename" not in content and b"Traceback" not in content


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=3)
    | st.dictionaries(st.text(max_size=8), children, max_size=3), max_leaves=8)
bodies = st.one_of(
    st.binary(max_size=200),
    st.fixed_dictionaries({}, optional={
        "query": st.one_of(json_values, st.sampled_from([
            "{ __typename }", "{ resources { name } }", "query($x: Int) { __typename }",
            "mutation { cancelBooking(reference: \"X\") { __typename } }", "subscription { x }",
            "{ a: __typename b: __typename }", "query A { __typename } query B { __typename }"])),
        "variables": json_values, "operationName": json_values, "extensions": json_values,
    }).map(lambda body: json.dumps(body).encode()),
)


@hypothesis_settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=bodies, content_type=st.sampled_from([
    "application/json", "application/json; charset=latin-1", "text/plain",
    "application/graphql", "multipart/form-data; boundary=x", ""]),
    authorization=st.sampled_from(["", "Bearer ", "Bearer x", "Basic abc", "Bearer \u00e9"]))
def test_any_request_gets_json_or_a_plain_4xx(body, content_type, authorization):
    headers = {"Content-Type": content_type}
    if authorization:
        headers["Authorization"] = authorization

    status, _, content, _ = request(body, headers=headers)

    assert status in (200, 400, 401, 403, 405, 415), (status, content[:300])
    assert b"Traceback" not in content and b"File \"" not in content
    if status == 200:
        answer = json.loads(content)
        for error in answer.get("errors", []):
            assert error["extensions"]["code"] != "internal_error", error


def test_the_endpoint_loads_no_middleware():
    from schema.views import GraphQLHTTPHandler

    # Django would import each one: a name that does not exist would fail here.
    with override_settings(MIDDLEWARE=["no.such.Middleware"]):
        handler = GraphQLHTTPHandler(view=None)

    handler.executor.shutdown()


def test_each_request_starts_and_finishes_once():
    seen = []

    def started(sender, **kwargs):
        seen.append(("started", sender.__name__))

    def finished(sender, **kwargs):
        seen.append(("finished", sender.__name__))

    signals.request_started.connect(started)
    signals.request_finished.connect(finished)
    try:
        status, answer = graphql(
            'mutation { cancelBooking(reference: "X") { ... on Error { code } } }')
    finally:
        signals.request_started.disconnect(started)
        signals.request_finished.disconnect(finished)

    assert (status, answer) == (200, {"data": {"cancelBooking": {"code": "not_authenticated"}}})
    assert seen == [("started", "GraphQLHTTPHandler"), ("finished", "GraphQLHTTPHandler")]

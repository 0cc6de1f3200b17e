"""Covered reads over HTTP, through the ASGI application (tests/live/asgi.py): answered on
the event loop with the existing path's bytes (after JSON normalisation) and headers, and
its coded errors; what the compiled path does not take goes the existing path (one hop)."""

import asyncio
import json
import time

import psycopg
import pytest
from asgiref.sync import async_to_sync
from django.db import connection
from psycopg_pool import AsyncConnectionPool

from accounts.models import api_token_create
from booking.services import booking_book
from config.asgi import application
from schema.compiled import serve
from tests.conftest import make_resource
from tests.live.asgi import request
from tests.servers import database_url

pytestmark = pytest.mark.django_db(transaction=True)

QUERY = "{ venues { name } resources { name capacity { lower upper } } }"
SCOPE = {"type": "http", "method": "POST", "path": "/graphql", "query_string": b"",
         "root_path": "", "scheme": "http", "headers": [
             (b"host", b"testserver"), (b"content-type", b"application/json")]}


def ask(query: str, headers: dict | None = None) -> tuple[int, dict, dict, int]:
    status, response_headers, body, hops = request(
        json.dumps({"query": query}).encode(),
        headers={"Content-Type": "application/json", **(headers or {})})
    return status, response_headers, json.loads(body), hops


# An unknown session cookie sends a request the existing path (which answers it as an
# anonymous caller, as when there is no cookie); so does a cookie with a token.
EXISTING_PATH = {"Cookie": "sessionid=not-a-session"}


def test_covered_read_answers_as_the_existing_path(venue, category):
    make_resource(venue, category)

    status, headers, answer, hops = ask(QUERY)
    _, existing_headers, existing, existing_hops = ask(QUERY, EXISTING_PATH)

    assert (status, hops, existing_hops) == (200, 0, 1)
    assert answer == existing == {"data": {"venues": [{"name": "Spreeufer Workspace"}],
                                           "resources": [{"name": "Havel Room", "capacity": {
                                               "lower": 1, "upper": 9}}]}}
    assert headers["content-type"] == existing_headers["content-type"] == "application/json"
    assert headers["x-request-id"] and headers["x-content-type-options"] == "nosniff"


def test_unusable_token_is_the_existing_paths_401(venue, category):
    status, headers, answer, hops = ask(QUERY, {"Authorization": "Bearer nope"})

    assert (status, hops) == (401, 1)
    assert answer["errors"][0]["extensions"]["code"] == "invalid_token"


def test_token_of_staff_sees_every_booking(venue, category, staff, customer, at):
    _, token = api_token_create(user=staff, name="compiled")
    query = "{ bookings(first: 5) { totalCount } myBookings(first: 5) { totalCount } }"

    status, _, answer, hops = ask(query, {"Authorization": f"Bearer {token}"})

    assert (status, hops) == (200, 0)
    assert answer == {"data": {"bookings": {"totalCount": 0},
                               "myBookings": {"totalCount": 0}}}


def test_lock_timeout_answers_the_coded_error_of_the_existing_path(venue, category):
    with psycopg.connect(database_url(connection.settings_dict)) as locker:
        locker.execute("LOCK TABLE booking_venue IN ACCESS EXCLUSIVE MODE")

        _, _, answer, hops = ask(QUERY)
        _, _, existing, _ = ask(QUERY, EXISTING_PATH)
        locker.rollback()

    assert hops == 0
    assert answer == existing
    assert answer["data"] is None  # venues is non-null: the error nulls `data`
    assert [e["extensions"]["code"] for e in answer["errors"]] == ["timeout"]


def test_database_unreachable_goes_the_existing_path(venue, category, monkeypatch):
    make_resource(venue, category)
    monkeypatch.setattr(serve, "_new_pool", lambda: AsyncConnectionPool(
        "host=/nonexistent dbname=x", min_size=0, max_size=1, timeout=0.2, open=False))

    status, _, answer, hops = ask(QUERY)

    assert (status, hops) == (200, 1)
    assert answer["data"]["resources"] == [{"name": "Havel Room",
                                            "capacity": {"lower": 1, "upper": 9}}]


@pytest.mark.parametrize(("query", "code"), [
    ('{ resource(id: "UmVzb3VyY2U6eA==") { name } }', "invalid_id"),
    ("{ resources(limit: 500) { name } }", "page_too_large"),
    ('{ resources(filters: {name: {regex: "^H"}}) { name } }', "permission_denied"),
])
def test_values_the_compiler_leaves_get_the_existing_paths_error(query, code):
    status, _, answer, hops = ask(query)

    assert (status, hops) == (200, 1)
    assert [error["extensions"]["code"] for error in answer["errors"]] == [code]


def test_mutations_go_the_existing_path():
    status, _, answer, hops = ask('mutation { cancelBooking(reference: "X") { __typename } }')

    assert (status, hops) == (200, 1)
    assert answer["data"]["cancelBooking"]["__typename"] == "PermissionDenied"


def test_a_client_that_leaves_has_its_statement_cancelled(venue, category):
    sent = []

    async def receive():
        if not sent:
            sent.append("body")
            return {"type": "http.request", "body": json.dumps({"query": QUERY}).encode()}
        await asyncio.sleep(0.2)  # the client leaves while the statement waits for a lock
        return {"type": "http.disconnect"}

    async def send(message):
        sent.append(message)

    async def served():
        try:
            await application(SCOPE, receive, send)
        finally:
            await serve.POOL.close()

    with psycopg.connect(database_url(connection.settings_dict)) as locker:
        locker.execute("LOCK TABLE booking_venue IN ACCESS EXCLUSIVE MODE")
        started = time.monotonic()
        async_to_sync(served)()
        elapsed = time.monotonic() - started
        waiting = locker.execute("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type"
                                 " = 'Lock' AND datname = current_database()").fetchone()[0]
        locker.rollback()

    assert sent == ["body"]  # nothing answered to nobody
    assert elapsed < 0.9  # before the anonymous lock_timeout (1 s) would have ended it
    assert waiting == 0  # the statement is gone from the server


def test_cursor_pages_walk_as_on_the_existing_path(venue, category, staff, customer, at):
    for name in ("Café Grün", "Havel Room", "Zoë 🚀"):
        room = make_resource(venue, category, name=name)
        booking_book(resource=room, customer=customer, party_size=1, starts_at=at(9),
                     ends_at=at(10))
    _, token = api_token_create(user=staff, name="cursors")
    bearer = {"Authorization": f"Bearer {token}"}
    pages, cursor = [], ""
    for field, headers in (("resourceConnection", {}), ("bookings", bearer)):
        for size, after in (("first: 1", "after"), ("last: 1", "before")):
            while cursor is not None:
                query = (f'{{ c: {field}({size}, {after}: "{cursor}") {{ pageInfo '
                         "{ hasNextPage hasPreviousPage startCursor endCursor } "
                         "edges { cursor node { id } } } }")
                _, _, answer, hops = ask(query, headers)
                _, _, existing, existing_hops = ask(query, {**headers, **EXISTING_PATH})
                assert (answer, hops, existing_hops) == (existing, 0, 1)
                page = answer["data"]["c"]
                pages.append(len(page["edges"]))
                more = page["pageInfo"]["hasNextPage" if after == "after" else "hasPreviousPage"]
                cursor = page["pageInfo"]["endCursor" if after == "after" else "startCursor"]
                cursor = cursor if more else None
            cursor = ""

    assert pages == [1, 1, 1] * 4

"""Slow statements: regular expressions built to backtrack, statements waiting on a lock,
clients that leave. Anonymous callers cannot run regular expressions; every statement of
a request has the timeouts of its caller's role (schema/guard.py) and stops when the
client leaves; every timeout is the coded error `timeout`."""

import contextlib
import json
import socket
import time
from urllib.parse import urlparse

import psycopg
import pytest
from django.db import connection

from accounts.models import api_token_create
from tests.abuse.conftest import Probe, at_once, query, send
from tests.servers import database_url, serving

pytestmark = pytest.mark.django_db(transaction=True)

BY_NAME = "query ($p: String!) { resources(filters: {name: {regex: $p}}) { name } }"
BACKTRACKING = "^(.*)(.*)(.*)(.*)(.*)(.*)\\1\\2\\3\\4\\5\\6$"  # 20 s on 73 names, before


@pytest.fixture
def room(room):
    return room  # committed (transactional test): the server's sessions see it


@pytest.fixture
def token(customer):
    return api_token_create(user=customer, name="abuse")[1]


@contextlib.contextmanager
def table_locked(table: str):
    """Another session holds an ACCESS EXCLUSIVE lock on `table` until the block ends."""
    with psycopg.connect(database_url(connection.settings_dict)) as holder:
        holder.execute(f"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE")
        yield
        holder.rollback()


def test_anonymous_regular_expressions_are_refused_at_once(asgi_server, room, probe):
    with probe() as served:
        answers = at_once(asgi_server.url, [query(BY_NAME, {"p": BACKTRACKING})] * 40)

    assert {(a.status, tuple(a.codes)) for a in answers} == {(200, ("permission_denied",))}
    assert max(a.seconds for a in answers) < 2.0
    served.assert_served()


BOUNDS = ("A regular expression may have at most 100 characters and no back-references "
          "(\\1 to \\9).")


@pytest.mark.parametrize("pattern, error", [
    (BACKTRACKING, ("invalid_regex", BOUNDS)),  # refused before PostgreSQL runs it
    ("x" * 101, ("invalid_regex", BOUNDS)),
    ("(", ("invalid_regex", "The regular expression is not valid.")),  # PostgreSQL's 2201B
    ("^Havel", None),
])
def test_regular_expressions_of_signed_in_callers_are_bounded(asgi_server, room, token,
                                                              pattern, error):
    answer = send(asgi_server.url, query(BY_NAME, {"p": pattern}),
                  headers={"Authorization": f"Bearer {token}"})

    assert answer.status == 200
    if error:
        [found] = answer.json["errors"]
        assert (found["extensions"]["code"], found["message"]) == error
    else:
        assert answer.json == {"data": {"resources": [{"name": "Havel Room"}]}}


def test_a_statement_waiting_on_a_lock_times_out_for_an_anonymous_caller(asgi_server, room,
                                                                         probe):
    with table_locked("booking_resource"), probe() as served:
        answer = send(asgi_server.url, query("{ resources { name } }"))

    assert (answer.status, answer.codes) == (200, ["timeout"])
    assert answer.json["data"] is None
    assert 0.9 < answer.seconds < 3.0  # the anonymous lock timeout is 1 s
    served.assert_served()


@pytest.fixture(scope="module")
def patient_server(django_db_setup, tmp_path_factory):
    """A server whose anonymous statements wait 20 s, and customers' run 300 ms at most."""
    timeouts = {"anonymous": {"statement": "20s", "lock": "20s"},
                "customer": {"statement": "300ms", "lock": "20s"}}
    with serving(tmp_path_factory.mktemp("patient") / "uvicorn.log",
                 env={"RANGEBOOK_DB_TIMEOUTS": json.dumps(timeouts)}) as server:
        yield server


def test_a_statement_running_past_the_statement_timeout_is_a_timeout(patient_server, room,
                                                                     token):
    with table_locked("booking_resource"), Probe(patient_server.url) as served:
        answer = send(patient_server.url, query("{ resources { name } }"),
                      headers={"Authorization": f"Bearer {token}"})

    assert (answer.status, answer.codes) == (200, ["timeout"])
    assert 0.25 < answer.seconds < 2.0
    served.assert_served()


def _waiting_on_locks() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                       " AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()")
        return cursor.fetchone()[0]


def test_a_client_that_leaves_has_its_statement_cancelled(patient_server, room):
    url = urlparse(patient_server.url)
    body = json.dumps(query("{ resources { name } }")).encode()
    with table_locked("booking_resource"):
        client = socket.create_connection((url.hostname, url.port))
        client.sendall(b"POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: "
                       b"application/json\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))
        deadline = time.monotonic() + 5
        while _waiting_on_locks() == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        waiting_before = _waiting_on_locks()
        client.close()  # the client leaves; its statement would otherwise wait 20 s
        left = time.monotonic()
        while _waiting_on_locks() and time.monotonic() - left < 5:
            time.sleep(0.05)
        cancelled_after = time.monotonic() - left
        waiting_after = _waiting_on_locks()

    assert (waiting_before, waiting_after) == (1, 0)
    assert cancelled_after < 2.0

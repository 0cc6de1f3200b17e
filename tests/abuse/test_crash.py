"""The database server killed (SIGKILL, as a crash or the OOM killer would) while customers
book: every booking the API confirmed is still there after recovery, the API heals
without a restart (only the requests in flight fail, with a code), and a subscriber
carries on from where it was.

The cluster is a durable one of its own (localdb.Cluster, as `make db-start` runs it, in
.pg/crash-test), migrated and served as `make demo` serves: killing the test database's
server would take every other test with it.
"""

import datetime as dt
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import psycopg
import pytest
from websockets.exceptions import ConnectionClosed

from config.localdb import PG_DIR, Cluster
from tests.abuse.conftest import Probe, query, send
from tests.abuse.ws import GraphQLSocket
from tests.servers import serving

ROOT = Path(__file__).resolve().parents[2]
CLIENTS = 4  # customers booking at once, each a room of their own
BOOK = """mutation ($input: BookingInput!) { book(input: $input) {
  __typename ... on Booking { reference } ... on Error { code } } }"""
CHANGES = """subscription ($ids: [ID!]!) { bookingChanged(resourceIds: $ids, after: "0") {
  cursor status } }"""
SEED = """
import datetime as dt, json
from django.contrib.auth import get_user_model
from django.db.backends.postgresql.psycopg_any import NumericRange
from strawberry.relay import to_base64
from accounts.models import api_token_create
from booking.models import Category, OpeningHours, Resource, Venue
venue = Venue.objects.create(name="Hall", slug="hall", city="Berlin", country="DE",
                             timezone="Europe/Berlin")
category = Category.objects.create(name="Room", slug="room")
made = []
for n in range(CLIENTS):
    room = Resource.objects.create(
        venue=venue, category=category, name=f"Room {n}", slug=f"room-{n}",
        capacity=NumericRange(1, 9), horizon=dt.timedelta(days=365),
        min_length=dt.timedelta(minutes=15), max_length=dt.timedelta(hours=24))
    OpeningHours.objects.bulk_create(
        OpeningHours(resource=room, weekday=day, hours=NumericRange(0, 1440))
        for day in range(1, 8))
    user = get_user_model().objects.create_user(f"customer{n}")
    made.append([to_base64("Resource", room.pk), api_token_create(user=user, name="crash")[1]])
print(json.dumps(made))
""".replace("CLIENTS", str(CLIENTS))


def _manage(*args: str, url: str) -> str:
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "config.settings.dev"}
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, check=True).stdout


@pytest.fixture(scope="module")
def cluster():
    made = Cluster(PG_DIR / "crash-test")
    made.destroy()  # left over from an interrupted run
    made.start(quiet=True)
    try:
        yield made
    finally:
        made.destroy()


@pytest.fixture(scope="module")
def crash_site(cluster, tmp_path_factory):
    """(server, [(room id, token)]) on a migrated, seeded database of the cluster."""
    url = cluster.url("rangebook")
    _manage("migrate", "--no-input", url=url)
    rooms = json.loads(_manage("shell", "-c", SEED, url=url).splitlines()[-1])
    env = {"DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "config.settings.dev"}
    with serving(tmp_path_factory.mktemp("crash") / "uvicorn.log", env=env) as server:
        yield server, rooms


class Customer(threading.Thread):
    """Books consecutive half hours of one room until told to stop; logs every answer."""

    def __init__(self, url: str, room: str, token: str, first_slot: int) -> None:
        super().__init__(daemon=True)
        self.url, self.room, self.token = url, room, token
        self.slot = first_slot
        self.confirmed: list[str] = []  # references the API acknowledged
        self.failed: list[list[str]] = []  # the error codes of each failed request
        self.stop = threading.Event()

    def book_next(self) -> None:
        start = dt.datetime.combine(dt.date.today() + dt.timedelta(days=1), dt.time(),
                                    tzinfo=dt.UTC) + dt.timedelta(minutes=30 * self.slot)
        self.slot += 1
        answer = send(self.url, query(BOOK, {"input": {"resourceId": self.room, "period": {
            "lower": start.isoformat(), "upper": (start + dt.timedelta(minutes=30)).isoformat()}}}),
            headers={"Authorization": f"Bearer {self.token}"}, timeout=30)
        book = (answer.json.get("data") or {}).get("book")
        if book and book["__typename"] == "Booking":
            self.confirmed.append(book["reference"])
        else:  # a typed error (a conflict: none here), or errors with codes
            self.failed.append([book["code"]] if book else answer.codes)

    def run(self) -> None:
        while not self.stop.is_set():
            self.book_next()


class Subscriber(threading.Thread):
    def __init__(self, url: str, rooms: list[str]) -> None:
        super().__init__(daemon=True)
        self.socket = GraphQLSocket(url)
        self.socket.subscribe(CHANGES, {"ids": rooms})
        self.cursors: list[int] = []
        self.ended: dict | None = None  # the message that ended the subscription, if any
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            try:
                message = self.socket.receive(timeout=0.5)
            except TimeoutError:
                continue
            except ConnectionClosed as closed:
                self.ended = {"closed": closed.rcvd.code if closed.rcvd else None}
                return
            if message["type"] == "next" and "errors" not in message["payload"]:
                self.cursors.append(int(message["payload"]["data"]["bookingChanged"]["cursor"]))
            else:
                self.ended = message
                return


def _in_database(cluster: Cluster, sql: str) -> list:
    with psycopg.connect(cluster.url("rangebook")) as connection:
        return [row[0] for row in connection.execute(sql)]


def test_confirmed_bookings_survive_a_crash_and_the_api_heals(cluster, crash_site):
    server, rooms = crash_site
    subscriber = Subscriber(server.ws_url, [room for room, _ in rooms])
    customers = [Customer(server.url, room, token, first_slot=0) for room, token in rooms]
    subscriber.start()
    for customer in customers:
        customer.start()
    deadline = time.monotonic() + 20
    while sum(len(c.confirmed) for c in customers) < 40 and time.monotonic() < deadline:
        time.sleep(0.05)

    # when: the postmaster is killed under load, and started again as `make db-start` does
    with Probe(server.url) as probe:
        cluster.kill()
        for customer in customers:
            customer.stop.set()  # no new requests: only those in flight meet the crash
        for customer in customers:
            customer.join(timeout=30)
        killed_at = time.monotonic()
        cluster.start(quiet=True)
        recovered_in = time.monotonic() - killed_at
    after = [Customer(server.url, c.room, c.token, first_slot=c.slot) for c in customers]
    for customer in after:
        for _ in range(10):
            customer.book_next()

    # then: every acknowledged booking is there, confirmed
    acknowledged = [ref for customer in customers for ref in customer.confirmed]
    stored = set(_in_database(cluster, "SELECT reference FROM booking_booking "
                                       "WHERE status = 'confirmed'"))
    assert len(acknowledged) >= 40 and set(acknowledged) <= stored
    # only the requests in flight failed, each with a code; afterwards none at all
    failures = [codes for customer in customers for codes in customer.failed]
    assert len(failures) <= CLIENTS, failures
    assert {code for codes in failures for code in codes} <= {"database_unavailable", "timeout"}
    assert [c.failed for c in after] == [[]] * CLIENTS
    assert sum(len(c.confirmed) for c in after) == 10 * CLIENTS
    assert recovered_in < 60
    # `{ __typename }` needs no database: answered all through the outage
    probe.assert_served()
    # the subscriber missed nothing: every change in the audit trail, once
    events = sorted(_in_database(cluster, "SELECT pgh_id FROM booking_bookingevent"))
    deadline = time.monotonic() + 20
    while sorted(subscriber.cursors) != events and time.monotonic() < deadline:
        if subscriber.ended:
            break
        time.sleep(0.1)
    subscriber.stop.set()
    subscriber.join(timeout=5)
    subscriber.socket.close()
    assert subscriber.ended is None, subscriber.ended
    assert sorted(subscriber.cursors) == events


def test_a_cursor_the_server_does_not_have_ends_the_subscription_with_a_code(crash_site):
    server, rooms = crash_site
    socket = GraphQLSocket(server.ws_url)

    socket.subscribe("""subscription ($ids: [ID!]!) { bookingChanged(resourceIds: $ids,
        after: "99999999") { cursor } }""", {"ids": [rooms[0][0]]})
    message, done = socket.receive(), socket.receive()
    socket.close()

    assert message["payload"]["errors"][0]["extensions"] == {"code": "unknown_cursor",
                                                             "field": "after"}
    assert done["type"] == "complete"


def test_db_start_right_after_a_crash_waits_and_the_pool_heals_at_once(cluster, crash_site):
    server, rooms = crash_site
    env = {**os.environ, "RANGEBOOK_PG_DIR": str(cluster.pg_dir)}
    # Ten bookings at once leave the pool with about ten sessions, all dead after the
    # crash: psycopg_pool's own check slept 1 s, then 2 s between them, and the first
    # request after the restart failed (config/database/base.py drains the pool instead).
    warm = [Customer(server.url, rooms[n % CLIENTS][0], rooms[n % CLIENTS][1],
                     first_slot=2000 + 100 * n) for n in range(10)]
    threads = [threading.Thread(target=customer.book_next) for customer in warm]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    cluster.kill()

    # `make db-start` runs this: it printed "already running", then a traceback.
    started = subprocess.run([sys.executable, "-m", "config.localdb", "start"], cwd=ROOT,
                             env=env, capture_output=True, text=True, timeout=180)
    after = Customer(server.url, rooms[0][0], rooms[0][1], first_slot=1000)
    for _ in range(10):
        after.book_next()

    assert [c.failed for c in warm] == [[]] * 10
    assert (started.returncode, started.stderr) == (0, "")
    assert started.stdout == f"Embedded PostgreSQL started (socket in {cluster.socket_dir}).\n"
    assert (len(after.confirmed), after.failed) == (10, []), server.log.read_text()[-3000:]

"""Races decided by PostgreSQL: many connections booking one slot at the same moment."""

import datetime as dt
import threading

import pytest
from django.db import connection
from django.utils import timezone

from booking.errors import BookingConflict
from booking.models import Booking
from booking.services import booking_book, booking_hold

THREADS = 20

pytestmark = pytest.mark.django_db(transaction=True)


def race(call) -> tuple[list, list, list]:
    """Run `call` in THREADS threads released together; each thread has its own connection."""
    barrier = threading.Barrier(THREADS)
    successes, conflicts, others = [], [], []
    lock = threading.Lock()

    def worker(n: int) -> None:
        try:
            barrier.wait()
            result = call(n)
            outcome = successes
        except BookingConflict as exc:
            result, outcome = exc, conflicts
        except Exception as exc:  # noqa: BLE001 - any other outcome fails the test below
            result, outcome = exc, others
        finally:
            connection.close()
        with lock:
            outcome.append(result)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return successes, conflicts, others


def test_twenty_parallel_bookings_of_one_slot(room, customer, at):
    successes, conflicts, others = race(
        lambda n: booking_book(resource=room, customer=customer, party_size=2,
                               starts_at=at(9), ends_at=at(10))
    )

    assert [repr(e) for e in others] == []
    assert (len(successes), len(conflicts)) == (1, THREADS - 1)
    assert Booking.objects.active().count() == 1
    assert {c.code for c in conflicts} == {"booking_conflict"}


def test_parallel_overlapping_bookings_of_different_lengths(room, customer, at):
    # Thread n asks for 09:00 + n*5 min, one hour long: all overlap pairwise.
    successes, conflicts, others = race(
        lambda n: booking_book(
            resource=room, customer=customer, party_size=2,
            starts_at=at(9) + dt.timedelta(minutes=2 * n),
            ends_at=at(10) + dt.timedelta(minutes=2 * n),
        )
    )

    assert [repr(e) for e in others] == []
    assert (len(successes), len(conflicts)) == (1, THREADS - 1)
    assert Booking.objects.active().count() == 1


def test_parallel_holds_racing_to_replace_an_expired_hold(room, customer, at):
    stale = booking_hold(resource=room, customer=customer, party_size=2,
                         starts_at=at(9), ends_at=at(10))
    Booking.objects.filter(pk=stale.pk).update(
        hold_expires_at=timezone.now() - dt.timedelta(minutes=1)
    )

    successes, conflicts, others = race(
        lambda n: booking_hold(resource=room, customer=customer, party_size=2,
                               starts_at=at(9), ends_at=at(10))
    )

    assert [repr(e) for e in others] == []
    assert (len(successes), len(conflicts)) == (1, THREADS - 1)
    assert list(Booking.objects.order_by("id").values_list("status", flat=True)) == [
        "expired", "held"
    ]


def test_constraint_alone_stops_raw_concurrent_inserts(room, customer, at):
    # Writers that bypass the services (no advisory lock): PostgreSQL still lets exactly
    # one through. Losers get an exclusion violation, or, when two checks wait on each
    # other, a deadlock error; never a second booking.
    from django.db import DatabaseError
    from django.db.backends.postgresql.psycopg_any import DateTimeTZRange

    def insert(n):
        return Booking.objects.create(
            resource=room, customer=customer, status="confirmed",
            period=DateTimeTZRange(at(9), at(10), "[)"),
        )

    successes, conflicts, others = race(insert)

    assert len(successes) == 1 and conflicts == []
    assert all(isinstance(e, DatabaseError) for e in others) and len(others) == THREADS - 1
    assert {type(e.__cause__).__name__ for e in others} <= {
        "ExclusionViolation", "DeadlockDetected"
    }
    assert Booking.objects.active().count() == 1

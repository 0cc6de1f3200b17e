"""Two transactions writing what one document is made of: the last to commit builds the
document from both (search_document_refresh locks before it reads)."""

import threading
import time

import pytest
from django.db import connection, transaction

from booking.models import Resource, Venue
from search.models import ResourceDocument
from tests.conftest import make_resource

pytestmark = pytest.mark.django_db(transaction=True)


def in_thread(write, started: threading.Event, hold: float) -> threading.Thread:
    """Run `write` in its own transaction and connection; keep it open `hold` seconds."""

    def run() -> None:
        try:
            with transaction.atomic():
                write()
                started.set()
                time.sleep(hold)
        finally:
            started.set()
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def words(resource) -> set[str]:
    return set(ResourceDocument.objects.get(resource=resource).words)


@pytest.mark.parametrize("first", ["venue", "resource"])
def test_concurrent_venue_and_resource_writes_both_reach_the_document(venue, category, first):
    room = make_resource(venue, category, name="Havel Room", all_day=False)
    writes = {
        "venue": lambda: Venue.objects.filter(pk=venue.pk).update(name="Tiergarten House"),
        "resource": lambda: Resource.objects.filter(pk=room.pk).update(name="Spree Room"),
    }
    second = "resource" if first == "venue" else "venue"
    started = threading.Event()

    holder = in_thread(writes[first], started, hold=0.5)
    started.wait(10)
    follower = in_thread(writes[second], threading.Event(), hold=0)
    holder.join(30)
    follower.join(30)

    assert {"tiergarten", "spree"} <= words(room)
    assert not {"spreeufer", "havel"} & words(room)


def test_concurrent_writers_keep_tracked_terms_exact(venue, category):
    from tests.search.test_tracked_terms import fetch, kept_equals_recount

    for i in range(4):
        make_resource(venue, category, name=f"Quiet meeting room {i}", all_day=False)
    assert fetch("SELECT search_terms_track(0, 1, 2)")[0][0] > 0  # postings past 2 matter
    rooms = list(Resource.objects.filter(name__startswith="Quiet"))
    barrier = threading.Barrier(4)

    def writer(i: int) -> None:
        try:
            barrier.wait(10)
            for j in range(3):
                with transaction.atomic():
                    make_resource(venue, category, name=f"Quiet room {i}-{j}", all_day=False)
                    Resource.objects.filter(pk=rooms[i].pk).update(
                        description=f"A quiet meeting room, rewritten {j} times.")
        finally:
            connection.close()

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    kept_equals_recount()
    assert fetch("SELECT f.documents FROM search_termfacet f JOIN search_term t"
                 " ON t.id = f.term_id WHERE t.key = %s AND f.kind = 0", ["'quiet'"]) == [(16,)]

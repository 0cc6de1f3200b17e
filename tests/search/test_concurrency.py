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

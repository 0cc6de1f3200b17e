"""`search` on the compiled path (schema/compiled/search.py, a driven root field) answers
as the existing path does over the demo catalogue — the documented searches, and drawn
texts, filters, pages and selections for anonymous callers, customers and staff — in two
statements (one when the text has no word); what the existing path refuses goes to it."""

import datetime as dt
import io
import random
from unittest import mock

import pytest
from django.core.management import call_command
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strawberry.relay import to_base64

from bench.api_operations import OPERATIONS, search_variables
from booking.models import Amenity, Category, Venue
from fixtures import tour
from schema.compiled.selection import Unsupported
from search.models import VocabularyWord
from tests.schema.compiled import conftest
from tests.schema.compiled.conftest import compiled, existing

BENCH = next(op for op in OPERATIONS if op.name == "Search")
USERS = [None, "customer", "staff"]


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The demo catalogue, a customer and a staff user, loaded once for the module."""
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("load_demo", bookings=0, verbosity=0, stdout=io.StringIO())
        from django.contrib.auth.models import User  # noqa: PLC0415

        users = {"customer": User.objects.create_user("cora", "c@example.com", "pw"),
                 "staff": User.objects.create_user("sam", "s@example.com", "pw",
                                                   is_staff=True)}
        words = sorted(VocabularyWord.objects.filter(documents__gt=0)
                       .values_list("word", flat=True))
        yield {"users": users, "words": words,
               "categories": list(Category.objects.values_list("pk", flat=True)),
               "venues": list(Venue.objects.values_list("pk", flat=True)),
               "cities": sorted(set(Venue.objects.values_list("city", flat=True))),
               "amenities": list(Amenity.objects.values_list("pk", flat=True))}
        transaction.set_rollback(True)


def counted(document: str, variables: dict | None = None, user=None,
            operation_name: str | None = None) -> tuple[dict, int]:
    """The compiled answer and the number of statements it ran."""
    run = conftest.rows
    sent = []

    def counting(query):
        sent.append(query)
        return run(query)

    with mock.patch.object(conftest, "rows", counting):
        answer = compiled(document, variables, user, operation_name)
    return answer, len(sent)


def same(document: str, variables: dict | None = None, user=None,
         operation_name: str | None = None, *, statements: int = 2) -> dict:
    """The compiled answer, checked equal to the existing path's, in `statements`."""
    answer, sent = counted(document, variables, user, operation_name)

    assert answer == existing(document, variables, user)
    assert sent == statements
    return answer


@pytest.mark.parametrize("who", USERS)
def test_tour_search_with_a_typo(demo, db, who):
    answer = same(tour.SEARCH, user=demo["users"].get(who))

    assert answer["data"]["search"]["didYouMean"] == "quiet studio natural light"
    assert answer["data"]["search"]["hits"]


def test_tour_search_that_understands_the_request(demo, db):
    answer = same(tour.UNDERSTOOD)

    assert answer["data"]["search"]["understood"] == {
        "partySize": 6, "city": "Zürich", "venue": None, "text": "meeting room with whiteboard"}

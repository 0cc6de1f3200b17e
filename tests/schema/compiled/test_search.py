"""`search` on the compiled path (schema/compiled/search.py, a driven root field) answers
as the existing path does over the demo catalogue — the documented searches, and drawn
texts, filters, pages and selections for anonymous callers, customers and staff — in two
statements (one when the text has no word); what the existing path refuses goes to it."""

import datetime as dt
import io
import random
from unittest import mock

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from strawberry.relay import to_base64

from bench.api_operations import OPERATIONS
from booking.models import Amenity, Category, Venue
from fixtures import tour
from schema.compiled.selection import Unsupported
from search.cursor import cursor_encode
from search.filters import filters_validate
from search.models import VocabularyWord
from search.selectors import cursor_key
from tests.schema.compiled import conftest
from tests.schema.compiled.conftest import compiled, existing
from tests.schema.compiled.search_strategies import SEARCH, arguments, documents

BENCH = next(op for op in OPERATIONS if op.name == "Search")
USERS = [None, "customer", "staff"]


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The demo catalogue, a customer and a staff user, loaded once for the module."""
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("load_demo", bookings=0, verbosity=0, stdout=io.StringIO())
        users = {"customer": User.objects.create_user("cora", "c@example.com", "pw"),
                 "staff": User.objects.create_user("sam", "s@example.com", "pw",
                                                   is_staff=True)}
        # Commonest first: drawn texts find something more often than not.
        words = list(VocabularyWord.objects.filter(documents__gt=0)
                     .order_by("-documents", "word").values_list("word", flat=True))
        yield {"users": users, "words": words,
               "categories": list(Category.objects.values_list("pk", flat=True)),
               "venues": list(Venue.objects.values_list("pk", flat=True)),
               "cities": sorted(set(Venue.objects.values_list("city", flat=True))),
               "amenities": list(Amenity.objects.values_list("pk", flat=True))}
        transaction.set_rollback(True)


def counted(document: str, variables: dict | None = None, user=None,
            operation_name: str | None = None) -> tuple[dict, list]:
    """The compiled answer and the queries it ran (driven.Query)."""
    run = conftest.rows
    sent = []

    def counting(query):
        sent.append(query)
        return run(query)

    with mock.patch.object(conftest, "rows", counting):
        answer = compiled(document, variables, user, operation_name)
    return answer, sent


def same(document: str, variables: dict | None = None, user=None,
         operation_name: str | None = None, *, statements: int = 2) -> dict:
    """The compiled answer, checked equal to the existing path's, in `statements`."""
    answer, sent = counted(document, variables, user, operation_name)

    assert answer == existing(document, variables, user)
    assert len(sent) == statements
    # Both prepared with a generic plan, planned once for any words: the vocabulary
    # look-up's text never changes, the search statement's repeats for queries of a shape.
    assert all(query.prepare and query.generic for query in sent)
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


def bench_texts(words: list[str], count: int) -> list[dict]:
    """bench/api_operations.py's kinds of text (one word, two, a word being typed, a typo),
    from the demo's commoner words (search_variables wants words in 300 to 4,500 documents:
    the bench's catalogue of 10k resources)."""
    rng = random.Random(12)
    common = [word for word in words[:80] if len(word) >= 5]  # as the bench: not rare
    kinds = [lambda: rng.choice(common), lambda: " ".join(rng.sample(common, 2)),
             lambda: rng.choice(common)[:4], lambda: _swap(rng.choice(common), rng)]
    return [{"text": kinds[i % len(kinds)]()} for i in range(count)]


def _swap(word: str, rng: random.Random) -> str:
    i = rng.randrange(1, len(word) - 1)
    return word[:i] + word[i + 1] + word[i] + word[i + 2:]


def test_bench_search(demo, db):
    answers = [same(BENCH.document, variables, None, "Search")
               for variables in bench_texts(demo["words"], 24)]

    assert sum(bool(a["data"]["search"]["hits"]) for a in answers) >= 20


@pytest.mark.parametrize("text, statements", [
    ("", 1), ("   ", 1), ("for 6", 1), ("\"\"", 1), ("&|!", 1),
    ("-room", 2), ("in Berlin", 2),  # words looked up, none to rank by: browsing
])
def test_texts_without_words_to_rank_by(demo, db, text, statements):
    document = """query ($t: String!) { search(text: $t, first: 7) {
        total nextCursor completions didYouMean fallback understood { text city partySize }
        hits { name rank pricePerHour currency } facets { city { value label count } } } }"""

    answer = same(document, {"t": text}, statements=statements)

    assert answer["data"]["search"]["total"] > 0


@pytest.mark.parametrize("text", ["room", "", "berlin", "room with a view"])
def test_next_pages_follow_the_cursor(demo, db, text):
    document = """query ($t: String!, $after: String) { search(text: $t, first: 3,
        after: $after) { nextCursor hits { resourceId name rank } } }"""
    after, pages = None, 0
    while pages < 4:
        answer = same(document, {"t": text, "after": after}, statements=1 + bool(text))
        after = answer["data"]["search"]["nextCursor"]
        pages += 1
        if after is None:
            break

    assert pages == 4  # each page had a next one


EVERYTHING = """
    fragment Hit on SearchHit { resourceId name slug venue city category rank nameHtml
                                snippetHtml pricePerHour currency __typename }
    query Everything($text: String!, $c: [ID!], $v: [ID!], $cities: [String!], $a: [ID!],
                     $party: Int, $price: Decimal, $currency: String,
                     $during: DateTimeRangeInput, $first: Int!, $after: String,
                     $understand: Boolean!) {
      search(text: $text, categoryIds: $c, venueIds: $v, cities: $cities, amenityIds: $a,
             partySize: $party, maxPrice: $price, currency: $currency,
             availableDuring: $during, first: $first, after: $after,
             understand: $understand) {
        __typename total nextCursor didYouMean fallback completions
        found: hits { ...Hit }
        facets { category { value label count } city { value label count }
                 amenity { ... on FacetValue { value label count __typename } } }
        understood { partySize city venueIds venue text __typename }
      }
    }"""


def window(days: int, hour: int, hours: int = 2) -> dict:
    start = (dt.datetime.now(dt.UTC) + dt.timedelta(days=days)).replace(
        hour=hour, minute=0, second=0, microsecond=0)
    return {"lower": start.isoformat(), "upper": (start + dt.timedelta(hours=hours)).isoformat()}


def everything(**args) -> dict:
    return {"text": "", "first": 20, "understand": True, **args}


@pytest.mark.parametrize("args", [
    {"text": "room", "cities": ["Berlin", "Zürich"], "party": 6},
    {"text": "studio", "price": "40", "currency": "eur"},
    {"text": "room", "price": 35.5},
    {"text": "desk", "during": window(3, 9)},
    {"text": "", "during": window(5, 14, 3), "party": 2, "first": 5},
    {"text": "meeting room for 8 in tokyo", "understand": False},
    {"text": "meeting room for 8 in tokyo"},
    {"text": "quiet studio natural light", "first": 1},
    {"text": "projecter -van", "first": 4},
    {"text": "\"natural light\" or daylight"},
    {"text": "kreuzberg"},
])
def test_filters_and_the_whole_selection(demo, db, args):
    same(EVERYTHING, everything(**args), None, "Everything", statements=2 - (not args["text"]))


def test_facet_values_are_the_global_ids_the_filters_take(demo, db):
    facets = same(EVERYTHING, everything(text="room"), None, "Everything")["data"]["search"][
        "facets"]
    variables = everything(text="room", c=[facets["category"][0]["value"]],
                           v=[to_base64("Venue", pk) for pk in demo["venues"]],
                           a=[facets["amenity"][0]["value"]])

    answer = same(EVERYTHING, variables, None, "Everything")

    assert 0 < answer["data"]["search"]["total"] <= facets["category"][0]["count"]


def deep_cursor(text: str, offset: int) -> str:
    filters = filters_validate(category_ids=None, venue_ids=None, cities=None,
                               amenity_ids=None, party_size=None, max_price=None,
                               currency=None, at=None)
    return cursor_encode([offset], key=cursor_key(text, filters, None))


NOT_BROWSING = cursor_encode(["Room", 1], key=cursor_key(
    "room", filters_validate(category_ids=None, venue_ids=None, cities=None, amenity_ids=None,
                             party_size=None, max_price=None, currency=None, at=None), None))


@pytest.mark.parametrize("args, code", [
    ({"first": 0}, "invalid_first"),
    ({"first": 101}, "invalid_first"),
    ({"after": "nope"}, "invalid_cursor"),
    ({"after": deep_cursor("studio", 20)}, "invalid_cursor"),  # another search's
    ({"after": NOT_BROWSING}, "invalid_cursor"),  # a browsing cursor for a ranked search
    ({"after": deep_cursor("room", 990)}, "page_too_deep"),
    ({"c": [to_base64("Venue", 1)]}, "invalid_id"),
    ({"a": [to_base64("Amenity", "x")]}, "invalid_id"),
    ({"v": ["not base64"]}, "invalid_query"),
    ({"v": [to_base64("Venue", 2**63)]}, "invalid_id"),
    ({"v": [to_base64("Venue", -2**63)]}, "invalid_id"),
    ({"price": "-1"}, "invalid_price"),
    ({"price": "NaN"}, "invalid_price"),
    ({"price": "cheap"}, "invalid_query"),
    ({"party": 0}, "invalid_party_size"),
    ({"during": {"lower": "2031-01-01T10:00:00"}}, "naive_datetime"),
    ({"during": window(3, 9, hours=-1)}, "invalid_range"),
    ({"during": {"lower": window(3, 9)["lower"]}}, "invalid_window"),
    ({"during": {**window(3, 9), "lowerInc": False}}, "invalid_window"),
    ({"during": {"isEmpty": True}}, "invalid_window"),
    ({"during": window(3, 9, hours=24 * 400)}, "window_too_long"),
    ({"during": {"lower": "yesterday", "upper": None}}, "invalid_query"),
    ({"cities": ["Ber\x00lin"]}, "invalid_text"),
])
def test_what_the_existing_path_refuses_goes_to_it(demo, db, args, code):
    variables = everything(text="room", **args)
    expected = existing(EVERYTHING, variables)

    with pytest.raises(Unsupported):
        compiled(EVERYTHING, variables, None, "Everything")

    assert expected["data"] is None
    assert [e.get("extensions", {}).get("code") for e in expected["errors"]] == [code]


@pytest.mark.parametrize("document", [
    '{ search(text: "room", first: 0) { total } }',
    '{ search(text: "room", after: "x") { total } }',
    '{ search(text: "room", maxPrice: "-2") { total } }',
    '{ search(categoryIds: ["Q2F0ZWdvcnk6eA=="]) { total } }',
])
def test_refused_literals_go_to_the_existing_path(demo, db, document):
    with pytest.raises(Unsupported):
        compiled(document)

    assert existing(document)["errors"]


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_drawn_searches_answer_as_the_existing_path(demo, db, data):
    document, variables = data.draw(documents()), data.draw(arguments(demo))
    user = demo["users"].get(data.draw(st.sampled_from(USERS)))
    if data.draw(st.booleans()):  # the next page
        variables["first"] = min(variables["first"], 2)
        first = existing(SEARCH % ("search", "{ nextCursor }", ""), variables)
        variables["after"] = ((first["data"] or {}).get("search") or {}).get("nextCursor")
    with CaptureQueriesContext(connection) as queries:
        expected = existing(document, variables, user)
    if "errors" in expected:
        event(f"refused: {expected['errors'][0].get('extensions', {}).get('code')}")
        with pytest.raises(Unsupported):
            compiled(document, variables, user, "Drawn")
        return

    answer, sent = counted(document, variables, user, "Drawn")
    event(f"statements: {len(sent)}; a next page: {bool(variables.get('after'))}; RUM: "
          f"{'search_rum_page' in sent[-1].sql}")

    assert answer == expected, (document, variables)
    assert len(sent) == len(queries) in (1, 2)


def test_search_beside_other_root_fields(demo, db):
    document = """{ venues { name } a: search(text: "room", first: 2) { total hits { name } }
                    b: search(text: "studio", first: 2) { total } __typename }"""

    same(document, statements=4)

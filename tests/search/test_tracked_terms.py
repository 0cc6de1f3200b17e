"""Tracked terms (sql/functions/search_terms_track.sql): their facet counts and postings are
what counting and ranking the matches give, after every kind of write, and a search uses
them only where they are exact."""

import io
import re
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from booking.models import Amenity, Category, Resource, Venue
from search.query import query_parse
from search.selectors import _Plan, resource_search
from search.vocabulary import vocabulary_lookup
from tests.search.test_resource_search import (
    TOMORROW_10_12,
    catalogue,  # noqa: F401 (fixture)
)

pytestmark = pytest.mark.django_db

# Active documents per tracked term and facet value, counted from the documents.
RECOUNT = """
    SELECT t.key, k.kind, k.value, count(*)::int
    FROM search_resourcedocument d
    JOIN search_term t ON d.document @@ t.query
    CROSS JOIN LATERAL (
        SELECT 0 AS kind, '' AS value UNION ALL SELECT 1, d.category_id::text
        UNION ALL SELECT 2, d.city UNION ALL SELECT 3, a::text FROM unnest(d.amenity_ids) a
    ) AS k
    WHERE d.is_active
    GROUP BY 1, 2, 3
"""
KEPT = """SELECT t.key, f.kind, f.value, f.documents FROM search_termfacet f
          JOIN search_term t ON t.id = f.term_id WHERE f.documents <> 0"""
# Every active match scoring at least the term's min_score, and the count kept.
POSTINGS_RECOUNT = """
    SELECT t.key, search_term_score(d.document, t.query), d.resource_id
    FROM search_resourcedocument d JOIN search_term t ON d.document @@ t.query
    WHERE d.is_active AND search_term_score(d.document, t.query) >= t.min_score
"""
POSTINGS_KEPT = """SELECT t.key, p.score, p.resource_id FROM search_termposting p
                   JOIN search_term t ON t.id = p.term_id"""


def search(**kwargs):
    """resource_search reading words only: "zurich" stays a word to rank by, not a city."""
    return resource_search(understand=False, **kwargs)


def kept_equals_recount():
    assert sorted(fetch(KEPT)) == sorted(fetch(RECOUNT))
    assert sorted(fetch(POSTINGS_KEPT)) == sorted(fetch(POSTINGS_RECOUNT))


def fetch(sql: str, params=()) -> list:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def track_all(postings: int = 1000) -> int:
    return fetch("SELECT search_terms_track(0, 1, %s)", [postings])[0][0]


def untrack() -> None:
    assert fetch("SELECT search_terms_track(1, 1)")[0][0] == 0


def page(result) -> list:
    return [(hit.resource_id, hit.rank) for hit in result.hits]


def facets(result) -> tuple:
    return result.total, result.facets


def term_of(text: str) -> tuple | None:
    """The tracked term (key, shape) a search for `text` reads, if any."""
    parsed = query_parse(text)
    plan = _Plan(parsed, vocabulary_lookup(parsed), text)
    rows = fetch("SELECT key, shape FROM search_term"
                 " WHERE key = to_tsquery('search_english', %s)::text", [plan.exact])
    return rows[0] if rows else None


def ranked(result) -> list:
    """Hits by rank; equal ranks by id (RUM orders them its own way, postings by id)."""
    return sorted(page(result), key=lambda hit: (-hit[1], hit[0]))


TEXTS = ["room ", "studio ", "projector ", "projecter ", "zurich ", "quiet ", "light ",
         '"meeting room"', '"natural light"', '"Limmat Mill Zürich"', "proj", "stud", "day",
         "Café"]


def test_tracked_searches_answer_as_counted_and_ranked(catalogue):  # noqa: F811
    untrack()
    counted = [search(text=t, first=3) for t in TEXTS]
    counted_all = [ranked(search(text=t, first=100)) for t in TEXTS]

    assert track_all() > 0
    assert term_of("room ") == ("'room'", "lexeme")
    assert term_of("projecter ") == ("'projector'", "lexeme")  # the typo has no documents
    assert term_of('"meeting room"') == ("'meet' <-> 'room'", "phrase")
    assert term_of("day") == ("'day' | 'daylight'", "any")
    assert term_of('"Limmat Mill Zürich"') == ("'limmat' <-> 'mill' <-> 'zurich'", "phrase")
    tracked = [search(text=t, first=3) for t in TEXTS]

    assert [facets(r) for r in tracked] == [facets(r) for r in counted]
    # The same scores on the page (which of equal scores make it may differ), and the
    # same hits with the same scores over all pages.
    assert [[h.rank for h in r.hits] for r in tracked] == [[h.rank for h in r.hits]
                                                           for r in counted]
    assert [ranked(search(text=t, first=100)) for t in TEXTS] == counted_all
    assert [bool(r.next_cursor) for r in tracked] == [bool(r.next_cursor) for r in counted]
    assert counted[0].total == 4


def test_tracked_terms_follow_writes(catalogue):  # noqa: F811
    track_all(postings=2)
    canal, studio = catalogue["Canal Room"], Category.objects.get(slug="photo-studio")
    light = Amenity.objects.get(slug="natural-light")

    canal.description = "A meeting room with a quiet projector, a quiet corner and daylight."
    canal.save()
    Resource.objects.filter(pk=catalogue["Stube"].pk).update(category=studio)
    catalogue["Projector Room"].amenities.add(light)
    catalogue["Café Atelier"].amenities.clear()
    Resource.objects.filter(pk=catalogue["Old Room"].pk).update(is_active=True)
    Resource.objects.filter(pk=catalogue["Seeblick Saal"].pk).update(is_active=False)
    Venue.objects.filter(city="Zürich").update(city="Zurich")
    with connection.cursor() as cursor:
        cursor.execute("UPDATE booking_category SET name = 'Photo room' WHERE slug = %s",
                       ["photo-studio"])
        cursor.execute("UPDATE booking_resource SET name = name || ' meeting room'"
                       " WHERE id = %s", [catalogue["Stube"].pk])

    kept_equals_recount()
    assert search(text="room ").total == 6


def test_tracked_terms_follow_delete_and_truncate(catalogue):  # noqa: F811
    track_all()

    catalogue["Daylight Studio"].delete()
    kept_equals_recount()

    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending trigger events
        cursor.execute("TRUNCATE search_resourcedocument")
    assert fetch(KEPT) == []
    assert fetch(POSTINGS_KEPT) == []


def test_pages_past_the_postings_are_ranked_from_the_documents(catalogue):  # noqa: F811
    untrack()
    counted, after = [], None
    while True:
        result = search(text="room ", first=1, after=after)
        counted.append(page(result))
        if not (after := result.next_cursor):
            break
    track_all(postings=1)  # the best scores have postings (two equal ones, within 2 * 1)
    tracked, after = [], None
    while True:
        result = search(text="room ", first=1, after=after)
        tracked.append(page(result))
        if not (after := result.next_cursor):
            break

    assert len(tracked) == len(counted) == 4
    assert sorted(tracked, key=lambda p: (-p[0][1], p[0][0])) == sorted(
        counted, key=lambda p: (-p[0][1], p[0][0]))
    assert fetch("SELECT count(*) FROM search_termposting p JOIN search_term t"
                 " ON t.id = p.term_id WHERE t.key = %s", ["'room'"])[0][0] == 2


def test_tracked_facets_not_used_with_filters(catalogue):  # noqa: F811
    track_all()
    zurich = search(text="room ", cities=["Zürich"])

    assert zurich.total == 2
    assert [f.count for f in zurich.facets["city"]] == [2]


FILTERED = [("room ", {"cities": ["Zürich"]}), ("room ", {"party_size": 4}),
            ("quiet ", {"party_size": 2}), ("projector ", {"cities": ["Berlin"]}),
            ("light ", {"max_price": Decimal(100)}), ("studio ", {"cities": ["Zürich"]}),
            ("room ", {"available_during": TOMORROW_10_12}), ("proj", {"party_size": 3}),
            ('"meeting room"', {"party_size": 3})]


def every_page(text: str, first: int, **filters) -> list:
    """Hits and facets of every page, `first` at a time."""
    pages, after = [], None
    while True:
        result = search(text=text, first=first, after=after, **filters)
        pages.append((page(result), facets(result)))
        if not (after := result.next_cursor):
            return pages


@pytest.mark.parametrize("postings", [1, 1000])
def test_tracked_filtered_searches_answer_as_counted_and_ranked(catalogue, postings):  # noqa: F811
    untrack()
    counted = [every_page(text, 1, **filters) for text, filters in FILTERED]
    counted_all = [ranked(search(text=text, first=100, **filters)) for text, filters in FILTERED]

    assert track_all(postings) > 0
    tracked = [every_page(text, 1, **filters) for text, filters in FILTERED]

    # Equal scores may come in another order (RUM's, or the postings' by id): compared as
    # the sorted pages, each with its facets.
    assert [sorted(p, key=str) for p in tracked] == [sorted(p, key=str) for p in counted]
    assert [ranked(search(text=text, first=100, **filters))
            for text, filters in FILTERED] == counted_all
    assert [len(p) for p in counted] == [2, 3, 3, 2, 2, 1, 3, 2, 2]


def test_a_filtered_tracked_term_reads_its_postings_among_the_matches(catalogue):  # noqa: F811
    track_all()

    plan = plan_of("room ", party_size=4, first=1)

    postings = [line for line in plan.splitlines() if "search_termposting" in line]
    assert postings and all("never executed" not in line for line in postings)
    # The page reads no document (the `hit` CTE, `d`, read the matches for the facets):
    # neither the RUM page nor the matches scored one by one run.
    page = [line for line in plan.splitlines()
            if re.search(r"search_rum_page|on search_resourcedocument d_", line)]
    assert page and all("never executed" in line for line in page)


def test_untracked_terms_are_counted(catalogue):  # noqa: F811
    untrack()

    assert search(text="room ").total == 4
    assert term_of("room ") is None


def plan_of(text: str, **kwargs) -> str:
    """EXPLAIN ANALYZE of the search statement (the second) for `text`."""
    with CaptureQueriesContext(connection) as captured:
        search(text=text, **kwargs)
    sql = captured.captured_queries[-1]["sql"]
    return "\n".join(row[0] for row in fetch("EXPLAIN (ANALYZE, COSTS OFF) " + sql))


def test_a_tracked_term_reads_its_postings_and_counts_only(catalogue):  # noqa: F811
    untrack()
    counted = plan_of("room ")
    track_all()
    tracked = plan_of("room ")

    def ran(plan: str, name: str) -> bool:
        lines = [line for line in plan.splitlines() if name in line]
        assert lines, name
        return any("never executed" not in line for line in lines)

    assert ran(counted, "search_rum_page")
    assert ran(tracked, "search_termposting") and not ran(tracked, "search_rum_page")
    # Neither the page nor the facets read a document.
    documents = [line for line in tracked.splitlines() if "search_resourcedocument" in line]
    assert documents and all("never executed" in line for line in documents)
    assert ran(counted, "search_resourcedocument")


def test_search_track_terms_command(catalogue):  # noqa: F811
    out = io.StringIO()
    call_command("search_track_terms", share=0, documents=3, stdout=out)

    tracked = fetch("SELECT shape, count(*) FROM search_term GROUP BY shape ORDER BY shape")
    assert tracked and all(n > 0 for _, n in tracked)
    total = sum(n for _, n in tracked)
    assert out.getvalue().startswith(f"{total} terms tracked (")
    assert term_of("room ") == ("'room'", "lexeme")  # in 4 documents
    kept_equals_recount()


def test_tracked_terms_with_gin_count_facets_and_rank_as_gin(catalogue):  # noqa: F811
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("DROP INDEX IF EXISTS search_document_rum")
        cursor.execute("CREATE INDEX IF NOT EXISTS search_document_gin"
                       " ON search_resourcedocument USING gin (document)")
    untrack()
    counted = [search(text=t, first=100) for t in TEXTS]
    track_all()
    tracked = [search(text=t, first=100) for t in TEXTS]

    assert [facets(r) for r in tracked] == [facets(r) for r in counted]
    assert [page(r) for r in tracked] == [page(r) for r in counted]  # GIN: ties by id
    assert sum(term_of(t) is not None for t in TEXTS) >= 10


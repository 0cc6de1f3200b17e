"""A finished word being typed ("white" while "whiteboard" is a word too): its own matches
come first, from its postings when it is a tracked term, and its completions are ranked
only when the word's own matches do not fill the page."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from search.selectors import resource_search
from tests.search.test_tracked_terms import fetch, page, term_of, track_all, untrack

pytestmark = pytest.mark.django_db


def walk(text: str, first: int, **filters) -> list[tuple]:
    """Every hit of `text`, page after page: (resource id, rank)."""
    hits, after = [], None
    while True:
        result = resource_search(text=text, first=first, after=after, **filters)
        hits += page(result)
        if not (after := result.next_cursor):
            return hits


def by_rank(hits: list[tuple]) -> list[tuple]:
    """Equal ranks in id order: RUM and the postings order ties each their own way."""
    return sorted(hits, key=lambda hit: (-hit[1], hit[0]))


@pytest.mark.parametrize("text", ["white", "sumida"])
def test_finished_word_pages_from_its_postings_equal_the_counted_ones(demo, text):
    untrack()
    counted = walk(text, first=1)
    track_all(postings=1)  # past the first page or two, scored from the documents
    tracked = walk(text, first=1)

    own = fetch("SELECT count(*) FROM search_resourcedocument WHERE is_active"
                " AND document @@ to_tsquery('search_english', %s)", [text])[0][0]
    assert term_of(text)[1] == "any" and own >= 1
    # The word's own matches first, then its completions': in tiers, as counted.
    assert by_rank(tracked[:own]) == by_rank(counted[:own])
    assert by_rank(tracked[own:]) == by_rank(counted[own:])
    assert len(tracked) == len(counted) > own


def test_finished_word_reads_its_postings_and_not_its_completions(demo):
    track_all()
    with CaptureQueriesContext(connection) as captured:
        result = resource_search(text="white", first=1)
    sql = captured.captured_queries[-1]["sql"]
    plan = "\n".join(row[0] for row in fetch("EXPLAIN (ANALYZE, COSTS OFF) " + sql))

    assert names_of(result) == ["Asakusa White Studio"]
    # Its own matches fill the page: from its postings; its completions are not ranked.
    assert "search_termposting" in plan
    assert all("never executed" in line for line in plan.splitlines()
               if "search_rum_page" in line)


def names_of(result) -> list[str]:
    return [hit.name for hit in result.hits]

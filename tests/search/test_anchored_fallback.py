"""A fallback of one common word and rare ones ("house lutapeve"): when the common word is a
tracked term, its facet counts and postings stand in for counting and ranking all of its
matches, and the answer is the one counting gives."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from search.selectors import resource_search
from tests.search.test_tracked_terms import facets, fetch, page, track_all, untrack

pytestmark = pytest.mark.django_db

# On the demo catalogue: the first word is in 15 to 33 documents, the second in 2 to 5,
# and fewer than 3 documents have both.
PAIRS = ["studio driver ", "meeting parked ", "natural moving ", "step rooftop ",
         "works straight "]


@pytest.fixture
def common_over_10(monkeypatch):
    monkeypatch.setattr("search.fallback.RARE_DOCUMENTS", 10)


def search(text: str):
    return resource_search(text=text, first=100, understand=False)


@pytest.mark.parametrize("text", PAIRS)
def test_anchored_fallback_answers_as_counted(demo, common_over_10, monkeypatch, text):
    untrack()
    untracked = search(text)
    track_all()
    anchored = search(text)
    monkeypatch.setattr("search.fallback.anchor", lambda plan: None)
    counted = search(text)

    assert anchored.fallback and untracked.fallback
    assert facets(anchored) == facets(counted) == facets(untracked)
    assert page(anchored) == page(counted) == page(untracked)
    assert anchored.total > 10


def test_anchored_fallback_reads_the_common_words_counts_and_postings(demo, common_over_10):
    track_all()
    with CaptureQueriesContext(connection) as captured:
        result = search("studio driver ")
    plan = explain(captured.captured_queries[-1]["sql"])

    assert result.fallback and result.total == 21  # "studio" in 20, "driver" in one more
    assert rows(plan, "search_termfacet") > 0 and rows(plan, "search_termposting") >= 20
    assert rows(plan, "search_rum_page") == 0  # the fallback's RUM order is not read


def test_fallback_without_a_tracked_common_word_is_counted(demo, monkeypatch):
    track_all()
    monkeypatch.setattr("search.fallback.RARE_DOCUMENTS", 0)  # two common words
    with CaptureQueriesContext(connection) as captured:
        result = search("studio driver ")
    plan = explain(captured.captured_queries[-1]["sql"])

    assert result.fallback and result.total == 21
    assert rows(plan, "search_termfacet") == rows(plan, "search_termposting") == 0


def explain(sql: str) -> list[str]:
    return [row[0] for row in fetch("EXPLAIN (ANALYZE, COSTS OFF) " + sql)]


def rows(plan: list[str], node: str) -> int:
    """Rows the plan's nodes reading `node` returned, over all their loops."""
    found = [re.search(r"rows=(\d+) loops=(\d+)", line) for line in plan if node in line]
    return sum(int(m[1]) * int(m[2]) for m in found if m)

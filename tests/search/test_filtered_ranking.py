"""Filters that leave few matches: those are scored one by one instead of walking the RUM
index's order over every match of the words (search.statement._unless_few_hits); the
ranking is the same."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from search import statement
from search.selectors import resource_search
from tests.search.test_finished_word import by_rank, walk
from tests.search.test_tracked_terms import fetch

pytestmark = pytest.mark.django_db

SEARCHES = [dict(text="studio", cities=["Tokyo"]), dict(text="room", party_size=6),
            dict(text="whit", cities=["Tokyo"]), dict(text="meeting room", cities=["Berlin"])]


@pytest.mark.parametrize("search", SEARCHES)
def test_few_filtered_matches_rank_as_the_index_does(demo, monkeypatch, search):
    scored = walk(first=1, **search)
    monkeypatch.setattr(statement, "FEW_HITS", -1)  # every page from the RUM index
    indexed = walk(first=1, **search)

    assert len(scored) >= 2
    assert by_rank(scored) == by_rank(indexed)
    assert [rank for _, rank in scored] == [rank for _, rank in indexed]


def test_few_filtered_matches_run_no_index_scan_in_rank_order(demo):
    with CaptureQueriesContext(connection) as captured:
        resource_search(text="studio", cities=["Tokyo"])
    plan = "\n".join(row[0] for row in fetch(
        "EXPLAIN (ANALYZE, COSTS OFF) " + captured.captured_queries[-1]["sql"]))

    lines = [line for line in plan.splitlines() if "search_rum_page" in line]
    assert lines and all("never executed" in line for line in lines)

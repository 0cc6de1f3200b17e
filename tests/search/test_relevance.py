"""Ranking quality on the demo catalogue: nDCG@10 over graded queries, and typos."""

import pytest
from django.db import connection

from search.selectors import resource_search
from tests.search.relevance import QUERIES, TYPOS, UNDERSTOOD, ndcg_at

# Measured: 0.941 with RUM, 0.946 with GIN (51 queries); see search/README.md.
NDCG_THRESHOLD = 0.90
# Issue 13's requests, graded before search understood them: then 0.840 on their own
# (party size 0.690, synonyms 0.715) and 0.894 on the whole set (95 requests). Each kind
# must reach 0.90 now, and the whole set must not drop.
KIND_THRESHOLD = 0.90
WHOLE_BEFORE = 0.894


def mean_ndcg(queries=QUERIES) -> tuple[float, dict[str, float]]:
    scores = {
        text: ndcg_at([hit.name for hit in resource_search(text=text, first=10).hits], judged)
        for text, judged in queries.items()
    }
    return sum(scores.values()) / len(scores), scores


def understood_ndcg() -> tuple[dict[str, float], float]:
    """nDCG@10 per kind of issue 13's requests, and over the whole set."""
    kinds = {kind: mean_ndcg(queries) for kind, queries in UNDERSTOOD.items()}
    everything = [*mean_ndcg()[1].values(),
                  *(score for _, scores in kinds.values() for score in scores.values())]
    return {kind: mean for kind, (mean, _) in kinds.items()}, sum(everything) / len(everything)


def test_relevance_set_is_large_enough():
    assert len(QUERIES) >= 40 and len(TYPOS) >= 15
    assert sum(len(queries) for queries in UNDERSTOOD.values()) >= 30


def test_relevance_of_requests_stating_needs(demo, db):
    kinds, whole = understood_ndcg()

    assert min(kinds.values()) >= KIND_THRESHOLD, kinds
    assert whole >= WHOLE_BEFORE


def test_relevance_ndcg_at_10(demo, db):
    mean, scores = mean_ndcg()

    assert mean >= NDCG_THRESHOLD, sorted(scores.items(), key=lambda item: item[1])[:8]


def test_relevance_ndcg_at_10_with_gin(demo, db):
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("DROP INDEX IF EXISTS search_document_rum")
        cursor.execute("CREATE INDEX IF NOT EXISTS search_document_gin"
                       " ON search_resourcedocument USING gin (document)")

    mean, scores = mean_ndcg()
    kinds, whole = understood_ndcg()

    assert mean >= NDCG_THRESHOLD, sorted(scores.items(), key=lambda item: item[1])[:8]
    assert min(kinds.values()) >= KIND_THRESHOLD, kinds
    assert whole >= WHOLE_BEFORE


@pytest.mark.parametrize("text", TYPOS)
def test_relevance_typo_finds_intended_resource_in_top_3(demo, db, text):
    result = resource_search(text=text, first=3)

    assert TYPOS[text] in [hit.name for hit in result.hits]
    assert result.did_you_mean

"""After a fallback, term rarity ranks: the page against a plain-Python BM25 over the demo
catalogue, for random requests of catalogue words."""

import math

import pytest
from django.db import connection
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from search.fallback import FIELD_WEIGHTS, K1
from search.selectors import resource_search

# Catalogue words that are not synonym phrases (those also find other words).
WORDS_SQL = """SELECT word FROM search_vocabularyword
               WHERE length(word) >= 4 AND documents BETWEEN 1 AND 30 AND search_lexeme(word)
               IS NOT NULL AND word ~ '^[a-z]+$' AND NOT EXISTS (
                   SELECT FROM search_synonym s WHERE search_phrase_key(s.phrase) = word)
               ORDER BY word"""


@pytest.fixture(scope="module")
def words(demo, django_db_blocker):
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(WORDS_SQL)
        return [word for (word,) in cursor.fetchall()]


def fetch(sql: str, params) -> list:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def reference(words: list[str]) -> list[tuple[int, float]]:
    """(resource id, BM25) of the active documents with some word but not all, best first:
    idf = ln(1 + (N - n + 0.5) / (n + 0.5)) with n from the vocabulary and N the planner's
    count of documents; a word's frequency is its occurrences weighted by field."""
    [(total,)] = fetch("SELECT reltuples FROM pg_class"
                       " WHERE oid = 'search_resourcedocument'::regclass", [])
    scores = {}
    for word in words:
        [(n,)] = fetch("SELECT documents FROM search_vocabularyword WHERE word = %s", [word])
        idf = math.log(1 + (max(total, n) - n + 0.5) / (n + 0.5))
        rows = fetch(f"SELECT resource_id, ts_rank_cd('{FIELD_WEIGHTS}', document,"
                     " to_tsquery('search_english', %s)) FROM search_resourcedocument"
                     " WHERE is_active AND document @@ to_tsquery('search_english', %s)",
                     [f"'{word}'", f"'{word}'"])
        for resource_id, tf in rows:
            scores.setdefault(resource_id, []).append(idf * tf * (K1 + 1) / (tf + K1))
    ranked = [(rid, sum(parts)) for rid, parts in scores.items() if len(parts) < len(words)]
    return sorted(ranked, key=lambda item: (-item[1], item[0]))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_fallback_ranks_as_bm25(demo, db, words, data):
    chosen = data.draw(st.lists(st.sampled_from(words), min_size=2, max_size=4, unique=True))

    result = resource_search(text=" ".join(chosen) + " ", first=100, understand=False)

    assume(result.fallback)  # most draws: few documents have every word
    exact = [hit for hit in result.hits if len(reference_parts(chosen, hit)) == len(chosen)]
    rest = [(hit.resource_id, hit.rank) for hit in result.hits[len(exact):]]
    expected = reference(chosen)
    assert [rid for rid, _ in rest] == [rid for rid, _ in expected]
    assert [round(score, 3) for _, score in rest] == [round(s, 3) for _, s in expected]


def reference_parts(words: list[str], hit) -> list[str]:
    """The words a hit's document has."""
    return [word for word in words if fetch(
        "SELECT FROM search_resourcedocument WHERE resource_id = %s"
        " AND document @@ to_tsquery('search_english', %s)", [hit.resource_id, f"'{word}'"])]


def test_fallback_pages_are_full_past_the_pool(demo, db, monkeypatch):
    # Every term counted common and a pool of 3: the pool still holds the page.
    monkeypatch.setattr("search.fallback.RARE_DOCUMENTS", 0)
    monkeypatch.setattr("search.fallback.POOL", 3)
    text = "meeting desk harmonium "

    first = resource_search(text=text, first=10, understand=False)
    second = resource_search(text=text, first=10, after=first.next_cursor, understand=False)

    assert first.fallback and len(first.hits) == len(second.hits) == 10
    assert not {h.resource_id for h in first.hits} & {h.resource_id for h in second.hits}

"""A typo's corrections one edit away come from deletion neighbourhoods (search_word_variants,
GIN), the nearest words by trigram distance only when there are none: the SQL function
against a plain-Python reference, and both paths on a small catalogue."""

import pytest
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from search.query import query_parse
from search.selectors import resource_search
from search.vocabulary import vocabulary_lookup, vocabulary_steps
from tests.conftest import make_resource

pytestmark = pytest.mark.django_db

# Few letters, so that random words are often near each other; "é" and "ß" are two bytes.
words = st.text(alphabet="abcé", min_size=0, max_size=7)
letters = st.sampled_from("abcéß")


def variants(word: str) -> set[str]:
    """The word and every word one deletion makes of it."""
    return {word} | {word[:i] + word[i + 1:] for i in range(len(word))}


def one_edit(word: str, data) -> str:
    """`word` after one deletion, insertion, substitution or swap of neighbouring letters."""
    kinds = ["insert"] + (["delete", "substitute"] if word else []) + (
        ["swap"] if len(word) > 1 else [])
    kind = data.draw(st.sampled_from(kinds))
    i = data.draw(st.integers(0, len(word) - (kind != "insert") - (kind == "swap")))
    if kind == "insert":
        return word[:i] + data.draw(letters) + word[i:]
    if kind == "delete":
        return word[:i] + word[i + 1:]
    if kind == "substitute":
        return word[:i] + data.draw(letters) + word[i + 1:]
    return word[:i] + word[i + 1] + word[i] + word[i + 2:]


def sql_shares_variant(a: str, b: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT search_word_variants(%s) && search_word_variants(%s),"
                       " search_word_variants(%s)", [a, b, a])
        shares, of_a = cursor.fetchone()
    assert set(of_a) == variants(a) and len(of_a) == len(variants(a))
    return shares


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(a=words, b=words)
def test_word_variants_match_the_reference(db, a, b):
    assert sql_shares_variant(a, b) == bool(variants(a) & variants(b))


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(word=words, data=st.data())
def test_word_variants_words_one_edit_apart_share_one(db, word, data):
    typed = one_edit(word, data)

    assert sql_shares_variant(word, typed)


def trigram_scans(text: str) -> list[str]:
    """The lines of the vocabulary statement's plan (EXPLAIN ANALYZE) that read the trigram
    index: "(never executed)" in them when the statement did not use it."""
    statement = next(vocabulary_steps(query_parse(text)))
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, COSTS OFF) " + statement.sql, statement.params)
        return [line for (line,) in cursor.fetchall() if "search_vocab_trgm" in line]


def vocabulary_lookup_words(text: str) -> list:
    return list(vocabulary_lookup(query_parse(text)).words.values())


@pytest.fixture
def words_of_a_catalogue(db):
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO search_vocabularyword (word, documents) VALUES"
                       " ('projector', 40), ('protector', 3), ('quiet', 12), ('quilt', 2)")


def test_search_typo_one_edit_away_reads_no_trigram_neighbours(words_of_a_catalogue):
    [info] = vocabulary_lookup_words("porjector ")

    assert info.corrections == [("projector", 40)]
    assert trigram_scans("porjector ") and all(
        "never executed" in line for line in trigram_scans("porjector "))


def test_search_typo_two_slips_away_reads_trigram_neighbours(words_of_a_catalogue):
    # Two swaps (half an edit each): no deletion makes the two words one. "protector" is
    # two swaps and a substitution away, within the two edits of a 9-letter word.
    [info] = vocabulary_lookup_words("porjcetor ")

    assert info.corrections == [("projector", 40), ("protector", 3)]
    assert not any("never executed" in line for line in trigram_scans("porjcetor "))


def test_search_typo_of_equally_near_words_prefers_the_commoner(words_of_a_catalogue):
    [info] = vocabulary_lookup_words("quilet ")  # one deletion from both

    assert info.corrections == [("quiet", 12), ("quilt", 2)]


def test_search_typo_two_slips_away_finds_the_resource(venue, category):
    make_resource(venue, category, name="Projector Room")
    make_resource(venue, category, name="Protector Hall")

    result = resource_search(text="porjcetor")

    # Both corrections are searched (their order is term rarity's, which other tests'
    # catalogues change).
    assert sorted(hit.name for hit in result.hits) == ["Projector Room", "Protector Hall"]
    assert result.did_you_mean == "projector"

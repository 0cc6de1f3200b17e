"""`manage.py generate_catalogue` at a tiny scale, and its text generator."""

import random

import pytest
from django.core.management import call_command
from django.db import connection

from booking.models import Rate, Resource
from search.models import ResourceDocument, VocabularyWord
from search.scale import TextMaker, Zipf


@pytest.mark.django_db(transaction=True)
def test_generate_catalogue_builds_documents_through_the_triggers():
    call_command("generate_catalogue", resources=60, seed=3, verbosity=0)

    assert Resource.objects.count() == 60 == Rate.objects.count()
    assert ResourceDocument.objects.count() == 60
    assert VocabularyWord.objects.filter(documents__gt=0).exists()
    with connection.cursor() as cursor:
        cursor.execute("SELECT EXISTS (SELECT FROM pg_extension WHERE extname = 'rum'),"
                       " count(DISTINCT (ctid::text::point)[0]),"
                       " to_regclass('search_document_rum') IS NOT NULL,"
                       " to_regclass('search_document_gin') IS NOT NULL"
                       " FROM search_resourcedocument")
        rum, pages, rum_index, gin_index = cursor.fetchone()
    assert (rum_index, gin_index) == (rum, True)  # the full-text indexes were built again
    assert pages <= 3 if rum else pages >= 5  # 60 documents: narrow with RUM, inline without


def test_text_is_a_function_of_the_seed():
    first, again = TextMaker(5), TextMaker(5)

    assert first.description(random.Random(1)) == again.description(random.Random(1))
    assert first.description(random.Random(1)) != TextMaker(6).description(random.Random(1))


def test_zipf_draws_frequent_words_first():
    draws = Zipf(["a", "b", "c", "d"]).draw(random.Random(0), 10_000)

    counts = [draws.count(word) for word in "abcd"]
    assert counts == sorted(counts, reverse=True)
    assert 1.7 < counts[0] / counts[1] < 2.3  # weight 1/rank

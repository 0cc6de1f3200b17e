"""Facet counts kept per frequent lexeme (sql/search/0005_lexeme_facets.sql): the same as
counting the matches, after every kind of write, and used only where they are exact."""

import pytest
from django.db import connection

from booking.models import Amenity, Category, Resource, Venue
from search.selectors import resource_search
from tests.search.test_resource_search import catalogue  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db

# Active documents per tracked lexeme and facet value, counted from the documents.
RECOUNT = """
    SELECT t.lexeme, k.kind, k.value, count(*)::int
    FROM search_resourcedocument d
    CROSS JOIN LATERAL unnest(tsvector_to_array(d.document)) AS l(lexeme)
    JOIN search_lexemefacet t ON t.lexeme = l.lexeme AND t.kind = 0
    CROSS JOIN LATERAL (
        SELECT 0 AS kind, '' AS value UNION ALL SELECT 1, d.category_id::text
        UNION ALL SELECT 2, d.city UNION ALL SELECT 3, a::text FROM unnest(d.amenity_ids) a
    ) AS k
    WHERE d.is_active
    GROUP BY 1, 2, 3
"""
KEPT = "SELECT lexeme, kind, value, documents FROM search_lexemefacet WHERE documents <> 0"


def fetch(sql: str, params=()) -> list:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def track_all() -> int:
    return fetch("SELECT search_facets_track(0, 1)")[0][0]


def facets(result) -> tuple:
    return result.total, result.facets


def test_tracked_facets_equal_counted_facets(catalogue):  # noqa: F811
    texts = ["room ", "studio ", "projector ", "projecter ", "zurich ", "quiet ", "light "]
    counted = [facets(resource_search(text=t)) for t in texts]

    assert track_all() > 0
    tracked = [facets(resource_search(text=t)) for t in texts]

    assert tracked == counted
    assert counted[0][0] == 4


def test_tracked_counts_follow_writes(catalogue):  # noqa: F811
    track_all()
    canal, studio = catalogue["Canal Room"], Category.objects.get(slug="photo-studio")
    light = Amenity.objects.get(slug="natural-light")

    canal.description = "A room with a quiet projector, a quiet corner and daylight."
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

    assert sorted(fetch(KEPT)) == sorted(fetch(RECOUNT))
    assert resource_search(text="room ").total == 6


def test_tracked_counts_follow_delete_and_truncate(catalogue):  # noqa: F811
    track_all()

    catalogue["Daylight Studio"].delete()
    assert sorted(fetch(KEPT)) == sorted(fetch(RECOUNT))

    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending trigger events
        cursor.execute("TRUNCATE search_resourcedocument")
    assert fetch(KEPT) == []


def test_facet_lexeme_only_where_its_counts_are_the_matches(catalogue):  # noqa: F811
    track_all()
    lexeme = "SELECT search_facet_lexeme(to_tsquery('search_english', %s))"

    assert fetch(lexeme, ["room"]) == [("room",)]
    # A typo and its correction: only the correction is in any document.
    assert fetch(lexeme, ["projecter | projector"]) == [("projector",)]
    assert fetch(lexeme, ["room | studio"]) == [(None,)]
    assert fetch(lexeme, ["quiet <-> room"]) == [(None,)]
    assert fetch(lexeme, ["room:*"]) == [(None,)]
    assert fetch(lexeme, ["room & !studio"]) == [(None,)]


def test_tracked_facets_not_used_with_filters(catalogue):  # noqa: F811
    track_all()
    zurich = resource_search(text="room ", cities=["Zürich"])

    assert zurich.total == 2
    assert [f.count for f in zurich.facets["city"]] == [2]


def test_untracked_lexemes_are_counted(catalogue):  # noqa: F811
    assert fetch("SELECT search_facets_track(1, 1)")[0][0] == 0

    assert resource_search(text="room ").total == 4

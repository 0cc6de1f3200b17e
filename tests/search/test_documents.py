"""The search documents follow every write to the tables that feed them, in the same
transaction: ORM saves, bulk_create, QuerySet.update(), M2M changes and raw SQL."""

import pytest
from django.db import connection, transaction
from django.db.backends.postgresql.psycopg_any import NumericRange

from booking.models import Amenity, Category, Resource, Venue
from search.models import ResourceDocument, VocabularyWord
from tests.conftest import make_resource

pytestmark = pytest.mark.django_db


def lexemes(resource) -> dict[str, str]:
    """Lexeme -> weights ('AB', 'C', ...) of the resource's document."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT lexeme, array_to_string(weights, '') FROM search_resourcedocument,"
            " unnest(document) WHERE resource_id = %s", [resource.pk])
        return dict(cursor.fetchall())


def matches(resource, query: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT document @@ websearch_to_tsquery('search_english', %s)"
            " FROM search_resourcedocument WHERE resource_id = %s", [query, resource.pk])
        return cursor.fetchone()[0]


def execute(sql: str, params=()) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


@pytest.fixture
def projector(db):
    return Amenity.objects.create(name="Projector", slug="projector")


def test_document_weights_name_a_facets_b_description_c(venue, category, projector):
    room = make_resource(venue, category, name="Havel Room", description="Lovely canal views.")
    room.amenities.add(projector)

    weights = lexemes(room)

    assert weights["havel"] == "A"
    assert weights["room"] in ("AB", "BA")  # the name and the category "Meeting room"
    assert weights["meet"] == "B" and weights["projector"] == "B"
    assert weights["spreeufer"] == "B" and weights["berlin"] == "B"
    assert weights["canal"] == "C" and weights["view"] == "C"


def test_document_unaccent_finds_accented_words(category):
    zurich = Venue.objects.create(name="Atelierhaus", slug="atelierhaus", city="Zürich",
                                  country="CH", timezone="Europe/Zurich")
    nook = make_resource(zurich, category, name="Café Nook", all_day=False)

    assert matches(nook, "cafe") and matches(nook, "zurich") and matches(nook, "Café")


def test_document_follows_save_and_delete(room):
    room.name = "Spree Loft"
    room.save()

    assert matches(room, "spree") and not matches(room, "havel")

    room.delete()

    assert not ResourceDocument.objects.filter(resource_id=room.pk).exists()


def test_document_follows_bulk_create(venue, category):
    made = Resource.objects.bulk_create(
        Resource(venue=venue, category=category, name=f"Desk {word}", slug=f"desk-{i}",
                 capacity=NumericRange(1, 2))
        for i, word in enumerate(["amber", "birch", "cedar"])
    )

    assert ResourceDocument.objects.filter(resource__in=made).count() == 3
    assert matches(made[1], "birch") and not matches(made[1], "cedar")


def test_document_follows_queryset_update(room):
    Resource.objects.filter(pk=room.pk).update(description="Parquet floor and a piano.")

    assert matches(room, "piano")


def test_document_follows_raw_sql(room, venue, category):
    execute("UPDATE booking_resource SET name = 'Raw Room' WHERE id = %s", [room.pk])
    execute(
        "INSERT INTO booking_resource (venue_id, category_id, name, slug, description,"
        " capacity, turnaround, min_notice, horizon, min_length, max_length, slot_step,"
        " is_active, updated_at) VALUES (%s, %s, 'Sql Studio', 'sql-studio', '', '[1,3)',"
        " '0', '0', '30 days', '1 hour', '2 hours', '30 minutes', true, now())",
        [venue.pk, category.pk])

    studio = Resource.objects.get(slug="sql-studio")
    assert matches(room, "raw") and matches(studio, "studio")


def test_document_follows_amenity_add_remove_clear(room, projector):
    whiteboard = Amenity.objects.create(name="Whiteboard", slug="whiteboard")

    room.amenities.add(projector, whiteboard)
    assert matches(room, "projector whiteboard")
    assert ResourceDocument.objects.get(resource=room).amenity_ids == sorted(
        [projector.pk, whiteboard.pk])

    room.amenities.remove(projector)
    assert not matches(room, "projector") and matches(room, "whiteboard")

    room.amenities.clear()
    assert not matches(room, "whiteboard")
    assert ResourceDocument.objects.get(resource=room).amenity_ids == []


def test_document_follows_venue_category_and_amenity_renames(room, venue, category,
                                                             projector):
    room.amenities.add(projector)

    Venue.objects.filter(pk=venue.pk).update(name="Tiergarten House", city="Potsdam")
    Category.objects.filter(pk=category.pk).update(name="Boardroom")
    projector.name = "Beamer"
    projector.save()

    assert matches(room, "tiergarten potsdam boardroom beamer")
    assert not matches(room, "spreeufer") and not matches(room, "projector")
    assert ResourceDocument.objects.get(resource=room).city == "Potsdam"


def test_document_follows_filter_columns(room, category):
    other = Category.objects.create(name="Studio", slug="studio")

    Resource.objects.filter(pk=room.pk).update(category=other, is_active=False,
                                               capacity=NumericRange(3, 5))

    document = ResourceDocument.objects.get(resource=room)
    assert (document.category_id, document.is_active) == (other.pk, False)
    assert document.capacity == NumericRange(3, 5)


def test_document_changes_in_the_writing_transaction(room):
    with transaction.atomic():
        Resource.objects.filter(pk=room.pk).update(name="Savepoint Room")
        seen_inside = matches(room, "savepoint")
        transaction.set_rollback(True)

    assert seen_inside and not matches(room, "savepoint") and matches(room, "havel")


def test_vocabulary_counts_documents_per_word(venue, category):
    first = make_resource(venue, category, name="Walnut Room", all_day=False)
    make_resource(venue, category, name="Walnut Desk", all_day=False)

    assert VocabularyWord.objects.get(word="walnut").documents == 2

    first.delete()
    assert VocabularyWord.objects.get(word="walnut").documents == 1

    Resource.objects.filter(name="Walnut Desk").update(name="Cherry Desk")
    assert not VocabularyWord.objects.filter(word="walnut").exists()
    assert VocabularyWord.objects.get(word="cherry").documents == 1


def test_vocabulary_keeps_unaccented_words(room):
    Resource.objects.filter(pk=room.pk).update(description="Grünschnabel café")

    assert set(VocabularyWord.objects.filter(word__in=["grunschnabel", "cafe"])
               .values_list("word", flat=True)) == {"grunschnabel", "cafe"}


def test_document_rows_stay_narrow_with_rum(venue, category):
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('search_document_rum') IS NOT NULL")
        if not cursor.fetchone()[0]:
            pytest.skip("documents stay inline with GIN (ranking reads every match)")
    long_text = "A bright corner room overlooking the canal with tall factory windows. " * 8
    Resource.objects.bulk_create(
        Resource(venue=venue, category=category, name=f"Room {i}", slug=f"room-{i}",
                 description=long_text, capacity=NumericRange(1, 9))
        for i in range(40)
    )
    with connection.cursor() as cursor:
        # The stored width of each live row, read off its heap page (pageinspect is contrib,
        # created inside the test's transaction and rolled back with it). Which pages the
        # rows land on depends on the free space earlier tests left, so pages are not counted.
        cursor.execute("CREATE EXTENSION IF NOT EXISTS pageinspect")
        cursor.execute(
            "SELECT count(*), max(item.lp_len) FROM search_resourcedocument d,"
            " heap_page_items(get_raw_page('search_resourcedocument',"
            "                              (d.ctid::text::point)[0]::int)) item"
            " WHERE item.t_ctid = d.ctid AND item.lp = (d.ctid::text::point)[1]::int")
        rows, widest = cursor.fetchone()
        cursor.execute("SELECT count(*) FROM search_resourcedocument"
                       " WHERE toast_seed IS NOT NULL")
        seeded = cursor.fetchone()[0]

    # Inline, each document of this text is about 1.2 kB; stored narrow, the tsvector and the
    # word list are TOAST pointers and the whole row stays under 300 bytes.
    assert rows == 40 and widest < 300 and seeded == 0

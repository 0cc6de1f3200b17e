"""The search index of the catalogue, kept by PostgreSQL triggers.

`ResourceDocument` holds one weighted document per resource plus the facet and filter
values a search reads, so a search touches one narrow table. `VocabularyWord` counts the
words of the catalogue (typo corrections, "did you mean", completions).

Both are written only by `search_document_refresh()`
(sql/functions/search_document_refresh.sql), which
the triggers declared below call in the same transaction as the change that feeds them.
The triggers sit on proxy models of the booking tables, the way django-pgtrigger installs
triggers on models of another app: their migrations stay in `search`.

FROZEN INTO MIGRATIONS: every `Meta.triggers` entry below. Edit here, then makemigrations.
"""

import pgtrigger
from django.contrib.postgres.fields import ArrayField, IntegerRangeField
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import F, Func, Q

from booking.models import Amenity, Category, Resource, Venue

MAX_ALTERNATIVES = 8  # each one is an OR in the query


class ResourceDocument(models.Model):
    """The search document of one resource: name (A); category, amenities, venue name and
    city (B); description (C) — in the `search_english` configuration (unaccented)."""

    resource = models.OneToOneField(
        Resource, primary_key=True, on_delete=models.DO_NOTHING, related_name="search_document"
    )
    category_id = models.BigIntegerField()
    venue_id = models.BigIntegerField()
    city = models.CharField(max_length=100)
    amenity_ids = ArrayField(models.BigIntegerField(), default=list)
    capacity = IntegerRangeField()
    is_active = models.BooleanField()
    document = SearchVectorField()
    # Distinct unaccented words of the document's text: what the vocabulary counts.
    words = ArrayField(models.TextField(), default=list)
    # Set only while a row is first written, so that PostgreSQL moves document and words
    # out of line (search/migrations/sql/0002_narrow_documents.sql explains why).
    toast_seed = models.TextField(null=True, editable=False)  # noqa: DJ001 (absent, not empty)

    class Meta:
        # The full-text index (RUM when available, else GIN) is created by the migration's
        # SQL: Django cannot declare a conditional index.
        indexes = [
            GinIndex(fields=["amenity_ids"], name="search_document_amenities"),
            models.Index(fields=["category_id"], name="search_document_category"),
            models.Index(fields=["venue_id"], name="search_document_venue"),
            models.Index(fields=["city"], name="search_document_city"),
        ]
        triggers = [
            # Django's flush (and a TRUNCATE ... CASCADE from booking_resource) empties the
            # documents without row triggers: the vocabulary must follow.
            pgtrigger.Trigger(
                name="search_document_truncate",
                when=pgtrigger.After,
                operation=pgtrigger.Truncate,
                level=pgtrigger.Statement,
                func="DELETE FROM search_vocabularyword; RETURN NULL;",
            ),
        ]

    def __str__(self) -> str:
        return f"search document of resource {self.resource_id}"


class VocabularyWord(models.Model):
    """A word of the catalogue and the number of documents that contain it."""

    # C collation, so `LIKE 'prefix%'` can use the primary key index.
    word = models.TextField(primary_key=True, db_collation="C")
    documents = models.IntegerField()

    class Meta:
        # The trigram index (gist_trgm_ops, for nearest-word look-ups) is in the SQL file.
        indexes = [
            models.Index(
                fields=["word"], condition=models.Q(documents__lte=0), name="search_vocab_unused"
            ),
            # A typo's corrections one edit away (search/vocabulary.py). Words are added
            # rarely and never changed: no pending list to read through.
            GinIndex(
                Func(F("word"), function="search_word_variants",
                     output_field=ArrayField(models.TextField())),
                name="search_vocab_variants", fastupdate=False,
            ),
        ]

    def __str__(self) -> str:
        return self.word


class Synonym(models.Model):
    """A phrase that, in a query, also finds other phrases: "event space" finds event
    halls and auditoriums. Kept by staff in the admin; read by each search's vocabulary
    statement, so a change applies to the next search."""

    phrase = models.CharField(
        max_length=100, help_text="Words of a query, e.g. “event space”. Case, accents and "
        "punctuation do not matter.")
    alternatives = ArrayField(
        models.CharField(max_length=100), size=MAX_ALTERNATIVES,
        help_text=f"What the phrase also finds, comma separated (at most {MAX_ALTERNATIVES}),"
        " e.g. “event hall, auditorium”.")

    class Meta:
        constraints = [
            # One row per phrase as a search compares them (sql/functions/search_phrase_key.sql).
            models.UniqueConstraint(Func(F("phrase"), function="search_phrase_key"),
                                    name="search_synonym_phrase_key",
                                    violation_error_message="This phrase has synonyms already."),
            models.CheckConstraint(condition=~Q(phrase=""), name="search_synonym_phrase"),
            models.CheckConstraint(condition=Q(alternatives__len__gt=0),
                                   name="search_synonym_alternatives"),
        ]
        ordering = ["phrase"]

    def __str__(self) -> str:
        return f"{self.phrase} → {', '.join(self.alternatives)}"


# --- the triggers on the tables that feed the documents -------------------------------


def _refresh(ids_sql: str) -> str:
    return f"PERFORM search_document_refresh(ARRAY({ids_sql})); RETURN NULL;"


def _on_insert(name: str, ids_sql: str) -> pgtrigger.Trigger:
    return pgtrigger.Trigger(
        name=name, when=pgtrigger.After, operation=pgtrigger.Insert, level=pgtrigger.Statement,
        referencing=pgtrigger.Referencing(new="new_rows"), func=_refresh(ids_sql),
    )


def _on_update(name: str, ids_sql: str) -> pgtrigger.Trigger:
    return pgtrigger.Trigger(
        name=name, when=pgtrigger.After, operation=pgtrigger.Update, level=pgtrigger.Statement,
        referencing=pgtrigger.Referencing(old="old_rows", new="new_rows"),
        func=_refresh(ids_sql),
    )


def _on_delete(name: str, ids_sql: str) -> pgtrigger.Trigger:
    return pgtrigger.Trigger(
        name=name, when=pgtrigger.After, operation=pgtrigger.Delete, level=pgtrigger.Statement,
        referencing=pgtrigger.Referencing(old="old_rows"), func=_refresh(ids_sql),
    )


def _changed(columns: str) -> str:
    """Ids of updated rows whose `columns` changed."""
    old = ", ".join(f"o.{c}" for c in columns.split())
    new = ", ".join(f"n.{c}" for c in columns.split())
    return (f"SELECT n.id FROM new_rows n JOIN old_rows o ON o.id = n.id "
            f"WHERE ({new}) IS DISTINCT FROM ({old})")


def _resources_of(column: str, changed_sql: str) -> str:
    return f"SELECT r.id FROM booking_resource r WHERE r.{column} IN ({changed_sql})"


# Resource columns that a document is made of.
RESOURCE_COLUMNS = "name description category_id venue_id capacity is_active"


class IndexedResource(Resource):
    class Meta:
        proxy = True
        triggers = [
            _on_insert("search_resource_insert", "SELECT id FROM new_rows"),
            _on_update("search_resource_update", _changed(RESOURCE_COLUMNS)),
            _on_delete("search_resource_delete", "SELECT id FROM old_rows"),
        ]


class IndexedVenue(Venue):
    class Meta:
        proxy = True
        triggers = [
            _on_update("search_venue_update", _resources_of("venue_id", _changed("name city"))),
        ]


class IndexedCategory(Category):
    class Meta:
        proxy = True
        triggers = [
            _on_update("search_category_update", _resources_of("category_id", _changed("name"))),
        ]


class IndexedAmenity(Amenity):
    class Meta:
        proxy = True
        triggers = [
            _on_update(
                "search_amenity_update",
                "SELECT ra.resource_id FROM booking_resource_amenities ra "
                f"WHERE ra.amenity_id IN ({_changed('name')})",
            ),
        ]


class IndexedResourceAmenity(Resource.amenities.through):
    class Meta:
        proxy = True
        triggers = [
            _on_insert("search_link_insert", "SELECT resource_id FROM new_rows"),
            _on_update(
                "search_link_update",
                "SELECT resource_id FROM new_rows UNION SELECT resource_id FROM old_rows",
            ),
            _on_delete("search_link_delete", "SELECT resource_id FROM old_rows"),
            pgtrigger.Trigger(
                name="search_link_truncate",
                when=pgtrigger.After,
                operation=pgtrigger.Truncate,
                level=pgtrigger.Statement,
                func=_refresh("SELECT id FROM booking_resource"),
            ),
        ]

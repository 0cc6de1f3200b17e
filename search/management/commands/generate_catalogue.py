"""`manage.py generate_catalogue`: a catalogue at search-benchmark scale.

    manage.py generate_catalogue --resources 1000000 --seed 1 --database-name NAME

Venues (about one per 50 resources, in 20 cities), resources of the demo's categories with
names and descriptions from search/scale.py (fixed vocabulary, Zipf frequencies),
amenities, and one rate each. No opening hours and no bookings: `generate_data` makes
those for availability benchmarks. Rows go in with COPY, one transaction per chunk; the
search triggers build the documents as they would for any insert (narrow rows where the
rum extension is installed). The audit trail's insert triggers are skipped (no audit
events for generated data). An empty documents table gets its full-text index dropped
during the load and built again at the end.
Deterministic for a given --seed.
"""

import random
import time

import pgtrigger
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.text import slugify

from booking.models import Amenity, Category
from fixtures import demo
from search.scale import CITIES, TextMaker

AUDIT_INSERT_TRIGGERS = ["booking.Resource:insert_insert", "booking.Rate:insert_insert"]
# Generated zones are IANA names by construction; the check (an index probe, then
# pg_timezone_names for a name it lacks) is skipped while loading.
VENUE_CHECK = "booking.Venue:venue_timezone_valid"
CHUNK = 20_000
# Facet counts are kept for lexemes in at least 1 % of the documents and 1,000 of them, as
# migration search.0005 chooses them.
TRACK_SHARE, TRACK_DOCUMENTS = 0.01, 1000
# Postings kept per tracked term: this many matches where ties allow (up to twice as many;
# fewer when the next score is shared by more). A filtered search is served from them when
# its filters keep as many of them as the page reads (search/statement.py). At 1M, 2,000
# instead of the function's default 1,000 took the median term from 1,517 to 2,208
# postings (21.0M -> 21.6M rows, 1,521 -> 1,562 MB); "machine" keeps 954 either way (the
# next score is shared by thousands of documents).
TRACK_POSTINGS = 2000
PER_VENUE = 50
# category slug: (weight, capacity lower, largest capacity upper, price per hour)
CATEGORY_PLAN = {
    "meeting-room": (30, 2, 17, 40), "hot-desk": (25, 1, 2, 8), "phone-booth": (10, 1, 2, 5),
    "private-office": (8, 1, 9, 30), "podcast-studio": (4, 1, 6, 50),
    "photo-studio": (4, 1, 12, 70), "event-hall": (3, 20, 301, 250),
    "rehearsal-room": (4, 1, 9, 25), "workshop": (4, 2, 17, 45), "vehicle": (5, 1, 10, 35),
    "kitchen": (3, 1, 11, 60),
}
RESOURCE_COLUMNS = ("id", "venue_id", "category_id", "name", "slug", "description", "capacity",
                    "turnaround", "min_notice", "horizon", "min_length", "max_length",
                    "slot_step", "is_active", "updated_at")


class Command(BaseCommand):
    help = "Load N generated resources (with venues, amenities and rates) for search benchmarks."

    def add_arguments(self, parser):
        parser.add_argument("--resources", type=int, required=True)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--database-name",
                            help="Use this database on the configured server instead.")

    def handle(self, *args, resources, seed, database_name, **options):
        if resources < 1:
            raise CommandError("--resources must be at least 1.")
        if database_name:
            connection.close()
            connection.settings_dict["NAME"] = database_name
        started = time.monotonic()
        indexes = _drop_fulltext_indexes_if_empty()
        catalogue_generate(resources, seed=seed, out=self.stderr)
        for index in indexes:
            self.stderr.write("Building the full-text index ...")
            with connection.cursor() as cursor:
                cursor.execute(index)
        with connection.cursor() as cursor:
            # Statistics first: the tracking's joins are planned from them.
            cursor.execute("VACUUM ANALYZE search_resourcedocument")
            self.stderr.write("Tracking the frequent terms ...")
            # Which terms are frequent is known only now (sql/functions/search_terms_track.sql).
            cursor.execute("SELECT search_terms_track(%s, %s, %s)",
                           [TRACK_SHARE, TRACK_DOCUMENTS, TRACK_POSTINGS])
            cursor.execute("ANALYZE")
        self.stdout.write(f"{resources} resources in {time.monotonic() - started:.0f} s.")


def catalogue_generate(count: int, *, seed: int, out) -> None:
    rng = random.Random(seed)
    text = TextMaker(seed)
    categories = _categories()
    amenities = _amenities()
    venues = _venues(-(-count // PER_VENUE), text, rng)
    plans = list(CATEGORY_PLAN)
    weights = [CATEGORY_PLAN[slug][0] for slug in plans]
    for first in range(0, count, CHUNK):
        size = min(CHUNK, count - first)
        with transaction.atomic(), pgtrigger.ignore(*AUDIT_INSERT_TRIGGERS):
            ids = _reserve_ids("booking_resource", size)
            rows, links, rates = [], [], []
            for i, rid in enumerate(ids):
                venue_id, city = venues[(first + i) * len(venues) // count]
                slug = rng.choices(plans, weights)[0]
                rows.append(_resource_row(rid, venue_id, slug, categories[slug], text, rng))
                links += [(rid, a) for a in _amenities_of(slug, amenities, rng)]
                rates.append(_rate_row(rid, slug, city, rng))
            # Links first: their trigger finds no resource yet (the FK check is deferred to
            # commit), so each document is built once, by the resource insert.
            _copy("booking_resource_amenities", ("resource_id", "amenity_id"), links)
            _copy("booking_resource", RESOURCE_COLUMNS, rows)
            _copy("booking_rate", ("resource_id", "valid_during", "price_per_hour", "currency"),
                  rates)
        out.write(f"  {first + size} resources")


def _categories() -> dict[str, int]:
    return {
        slug: Category.objects.update_or_create(
            slug=slug, defaults={"name": data["name"], "description": data["description"]}
        )[0].pk
        for slug, data in demo.CATEGORIES.items()
    }


def _amenities() -> list[int]:
    return [
        Amenity.objects.update_or_create(slug=slug, defaults={"name": name})[0].pk
        for slug, name in demo.AMENITIES.items()
    ]


def _venues(count: int, text: TextMaker, rng: random.Random) -> list[tuple[int, str]]:
    rows, cities = [], []
    with transaction.atomic(), pgtrigger.ignore(VENUE_CHECK):
        ids = _reserve_ids("booking_venue", count)
        for vid in ids:
            city, country, _, zone = text.cities.draw(rng)[0]
            name = text.venue_name(rng, city)
            rows.append((vid, name, f"{slugify(name)}-{vid}", text.sentence(rng), "",
                         city, country, zone))
            cities.append(city)
        _copy("booking_venue", ("id", "name", "slug", "description", "address", "city",
                                "country", "timezone"), rows)
    return list(zip(ids, cities, strict=True))


def _resource_row(rid, venue_id, slug, category_id, text, rng) -> tuple:
    _, low, high, _ = CATEGORY_PLAN[slug]
    defaults = demo.CATEGORIES[slug]["defaults"]
    name = text.resource_name(rng, demo.CATEGORIES[slug]["name"])
    capacity = f"[{low},{rng.randint(low + 1, high)})"
    return (rid, venue_id, category_id, name, f"{slugify(name)}-{rid}"[:100],
            text.description(rng), capacity, defaults["turnaround"], defaults["min_notice"],
            defaults["horizon"], defaults["min_length"], defaults["max_length"],
            defaults["slot_step"], rng.random() >= 0.02, timezone.now())


def _amenities_of(slug: str, amenities: list[int], rng: random.Random) -> list[int]:
    # Category-typical amenities first, so amenity sets repeat as in real catalogues.
    offset = list(CATEGORY_PLAN).index(slug)
    typical = [amenities[(offset + k) % len(amenities)] for k in range(4)]
    extra = rng.sample(amenities, rng.randint(0, 3))
    return sorted({a for a in typical if rng.random() < 0.7} | set(extra))


def _rate_row(rid, slug, city, rng) -> tuple:
    currency = next(c[2] for c in CITIES if c[0] == city)
    price = CATEGORY_PLAN[slug][3] * rng.uniform(0.6, 1.6)
    return (rid, "(,)", f"{price:.2f}", currency)


def _reserve_ids(table: str, count: int) -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [table, count],
        )
        return [row[0] for row in cursor.fetchall()]


def _copy(table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
    # pgtrigger.ignore() rides on statements sent through Django's cursor; COPY goes to
    # psycopg directly, so one statement through Django first sets it for the COPY.
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
    with connection.connection.cursor() as cursor, cursor.copy(sql) as copy:
        for row in rows:
            copy.write_row(row)


def _drop_fulltext_indexes_if_empty() -> list[str]:
    """Drop the documents' full-text indexes (GIN, and RUM where it is) if there are no
    documents; their definitions."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT EXISTS (SELECT FROM search_resourcedocument)")
        if cursor.fetchone()[0]:
            return []
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes "
            "WHERE indexname IN ('search_document_rum', 'search_document_gin')"
        )
        found = cursor.fetchall()
        for name, _ in found:
            cursor.execute(f"DROP INDEX {name}")
        return [definition for _, definition in found]

"""resource_search on a small hand-made catalogue: syntax, ranking, pages, snippets,
corrections, facets, filters, errors and the number of SQL statements."""

import datetime as dt
from decimal import Decimal

import psycopg
import pytest
from django.db import connection
from django.db.backends.postgresql.psycopg_any import DateTimeTZRange, NumericRange
from django.utils.text import slugify

from booking.errors import AvailabilityError
from booking.models import Amenity, Booking, Category, Rate, Venue
from search.cursor import SearchError, cursor_encode
from search.filters import filters_validate
from search.query import query_parse
from search.selectors import cursor_key, resource_search, resource_search_steps
from search.steps import Statement, statements_sent
from search.vocabulary import vocabulary_lookup
from tests.conftest import make_resource

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue(venue, category, customer):
    """Seven resources in two cities; names chosen to exercise each rule."""
    zurich = Venue.objects.create(name="Limmat Mill", slug="limmat", city="Zürich",
                                  country="CH", timezone="Europe/Zurich")
    studio = Category.objects.create(name="Photo studio", slug="photo-studio")
    projector = Amenity.objects.create(name="Projector", slug="projector")
    light = Amenity.objects.create(name="Natural light", slug="natural-light")
    rows = [
        (venue, category, "Projector Room", "A quiet room.", [projector], (2, 9), 40),
        (venue, category, "Canal Room", "A room with a projector and a quiet corner.",
         [projector, light], (2, 5), 30),
        (venue, studio, "Daylight Studio", "Quiet studio with natural light all day.",
         [light], (1, 9), 90),
        (zurich, studio, "Café Atelier", "Studio above the café <script>x</script>.",
         [light], (1, 5), 120),
        (zurich, category, "Seeblick Saal", "Hall looking over the lake.", [projector],
         (10, 81), 300),
        (zurich, category, "Stube", "Wood panels & a tiled stove.", [], (4, 9), 80),
        (venue, category, "Old Room", "Closed for good.", [], (1, 3), 10),
    ]
    made = {}
    for place, kind, name, description, amenities, capacity, price in rows:
        resource = make_resource(place, kind, name=name, description=description,
                                 capacity=NumericRange(*capacity),
                                 is_active=name != "Old Room")
        resource.amenities.set(amenities)
        Rate.objects.create(resource=resource, price_per_hour=Decimal(price))
        made[name] = resource
    made["booked"] = Booking.objects.create(
        resource=made["Canal Room"], customer=customer, status="confirmed",
        period=DateTimeTZRange(*TOMORROW_10_12, "[)"))
    return made


TOMORROW = (dt.datetime.now(dt.UTC) + dt.timedelta(days=1)).replace(
    hour=10, minute=0, second=0, microsecond=0)
HOUR = dt.timedelta(hours=1)
TOMORROW_10_12 = (TOMORROW, TOMORROW + 2 * HOUR)


def names(result) -> list[str]:
    return [hit.name for hit in result.hits]


def test_search_and_of_words_ranked_by_weight(catalogue):
    result = resource_search(text="projector room ")

    # "projector" in the name (A) beats it as an amenity (B) plus the description (C).
    assert names(result)[0] == "Projector Room"
    assert set(names(result)) == {"Projector Room", "Canal Room", "Seeblick Saal"}
    assert result.hits[0].rank > result.hits[1].rank
    assert result.total == 3


def test_search_prefix_of_last_word(catalogue):
    assert "Projector Room" in names(resource_search(text="proj"))
    assert names(resource_search(text="proj ")) == []  # a finished word is not a prefix


def test_search_web_syntax_phrase_exclusion_or(catalogue):
    assert set(names(resource_search(text='"natural light" -daylight '))) == {
        "Café Atelier", "Canal Room"}
    assert set(names(resource_search(text="stove or lake "))) == {"Stube", "Seeblick Saal"}
    assert "Daylight Studio" not in names(resource_search(text="-daylight"))


def test_search_of_exclusions_only_is_everything_else(catalogue):
    result = resource_search(text="-projector")

    assert names(result) == ["Café Atelier", "Daylight Studio", "Stube"]  # by name
    assert result.total == 3


def test_search_of_exclusions_only_reads_the_excluded_from_the_index(catalogue):
    # Not a test of every document's words, each read out of TOAST (9.5 s at 1M).
    *_, search = search_statements(text="-projector")

    plan = served_plan(search)

    assert not [line for line in plan.splitlines() if "Filter" in line and "document @@" in line]
    assert "CTE excluded" in plan


def test_search_unaccented(catalogue):
    assert names(resource_search(text="cafe zurich"))[0] == "Café Atelier"
    assert names(resource_search(text="Café Zürich"))[0] == "Café Atelier"


def test_search_leaves_out_inactive_resources(catalogue):
    assert "Old Room" not in names(resource_search(text="old room "))
    assert "Old Room" not in names(resource_search(text=""))


def test_search_snippets_escape_html_and_mark_matches(catalogue):
    cafe = resource_search(text="cafe").hits[0]
    stube = resource_search(text="stove").hits[0]

    assert cafe.name_html == "<mark>Café</mark> Atelier"
    assert "<mark>café</mark>" in cafe.snippet_html and "<script>" not in cafe.snippet_html
    assert stube.snippet_html == "Wood panels &amp; a tiled <mark>stove</mark>"


def test_search_highlights_ignore_marker_characters_in_stored_text(venue, category):
    # The highlight markers are \x02 and \x03: stored text holding them (raw SQL, an
    # import) must not turn into stray <mark> tags.
    make_resource(venue, category, name="Quiet \x02Room\x03",
                  description="A \x03calm\x02 room, quiet \x02 all day.")

    hit = resource_search(text="quiet").hits[0]

    assert hit.name_html == "<mark>Quiet</mark> Room"
    assert hit.snippet_html == "calm room, <mark>quiet</mark>"

def test_search_pages_are_disjoint_and_complete(catalogue):
    everything = names(resource_search(text="room or studio or hall or stove ", first=100))
    pages, after = [], None
    while True:
        result = resource_search(text="room or studio or hall or stove ", first=2, after=after)
        pages.append(names(result))
        after = result.next_cursor
        if after is None:
            break

    assert [name for page in pages for name in page] == everything
    assert len(everything) == 6 and all(len(page) <= 2 for page in pages)



def test_search_ranked_pages_end_at_the_depth_limit(catalogue, monkeypatch):
    monkeypatch.setattr("search.selectors.MAX_RANKED", 4)
    text = "room or studio or hall or stove "
    second = resource_search(text=text, first=2, after=resource_search(
        text=text, first=2).next_cursor)
    key = cursor_key(text, filters_validate(
        category_ids=None, venue_ids=None, cities=None, amenity_ids=None, party_size=None,
        max_price=None, currency=None, at=dt.date.today()), None)

    with pytest.raises(SearchError) as deeper:
        resource_search(text=text, first=2, after=cursor_encode([4], key=key))
    with pytest.raises(SearchError) as other_kind:
        resource_search(text=text, after=cursor_encode(["Stube", 1], key=key))

    assert len(names(second)) == 2 and second.next_cursor is None
    assert (deeper.value.code, deeper.value.message) == (
        "page_too_deep", "Ranked results go 4 deep: narrow the search.")
    assert other_kind.value.code == "invalid_cursor"

def test_search_ties_are_stable(catalogue):
    first = names(resource_search(text="room or studio "))
    again = names(resource_search(text="room or studio "))

    assert first == again


def test_search_browsing_pages_by_name(catalogue):
    page = resource_search(text="", first=3)
    rest = resource_search(text="", first=10, after=page.next_cursor)

    assert names(page) + names(rest) == sorted(
        n for n in catalogue if n not in ("Old Room", "booked"))
    assert page.hits[0].rank is None


def test_search_cursor_of_another_query_is_refused(catalogue):
    cursor = resource_search(text="room or studio ", first=1).next_cursor

    with pytest.raises(SearchError) as error:
        resource_search(text="hall", after=cursor)
    assert error.value.code == "invalid_cursor"
    with pytest.raises(SearchError):
        resource_search(text="hall", after="not-a-cursor")


def test_search_typo_corrects_unknown_words(catalogue):
    result = resource_search(text="projecter")

    assert names(result)[0] == "Projector Room"
    assert result.did_you_mean == "projector"


def test_search_typo_prefers_the_commoner_of_equally_near_words(db):
    # "grand" is one swap from "garnd", so its deletion neighbourhood finds it; 40 words
    # "gal.." are as near by trigrams (0.8): more than the nearest words a typo reads when
    # no word is one edit away.
    others = [f"gal{a}{b}" for a in "bcfhk" for b in "aeiouyst"]
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO search_vocabularyword (word, documents)"
                       " SELECT 'grand', 9 UNION ALL SELECT unnest(%s::text[]), 5",
                       [others])

    vocabulary = vocabulary_lookup(query_parse("garnd "))

    [info] = vocabulary.words.values()
    assert info.corrections == [("grand", 9)]


def test_search_word_being_typed_that_begins_words_is_not_corrected(catalogue):
    [info] = vocabulary_lookup(query_parse("stub")).words.values()

    assert info.completions == [("stube", 1)] and info.corrections == []


def test_search_falls_back_to_any_word_when_few_match(catalogue):
    result = resource_search(text="quiet lake ")
    exact_first = resource_search(text="cafe zurich ", understand=False)

    assert result.fallback
    assert set(names(result)) >= {"Seeblick Saal", "Projector Room", "Daylight Studio"}
    assert exact_first.fallback and names(exact_first)[0] == "Café Atelier"
    assert set(names(exact_first)) == {"Café Atelier", "Seeblick Saal", "Stube"}


def test_search_fallback_counts_exact_matches_filters_aside(catalogue):
    # Three rooms have both words; one of them is in Zürich.
    within = resource_search(text="projector room ", cities=["Zürich"])
    studios = resource_search(text="projector room ", category_ids=[
        catalogue["Daylight Studio"].category_id])

    assert not within.fallback and names(within) == ["Seeblick Saal"]
    assert not studios.fallback and names(studios) == [] and studios.total == 0


def test_search_completions_of_typed_word(catalogue):
    assert resource_search(text="pro").completions[:1] == ["projector"]


def test_search_facets_count_all_matches(catalogue):
    result = resource_search(text="room or studio or hall ", first=1)
    facets = {kind: {f.label: f.count for f in values} for kind, values in result.facets.items()}

    assert result.total == 6 and len(result.hits) == 1
    assert facets["city"] == {"Berlin": 3, "Zürich": 3}
    assert facets["category"] == {"Meeting room": 4, "Photo studio": 2}
    assert facets["amenity"] == {"Projector": 3, "Natural light": 3}


def test_search_filters(catalogue):
    zurich = Venue.objects.get(slug="limmat")
    studio = Category.objects.get(slug="photo-studio")
    light = Amenity.objects.get(slug="natural-light")
    projector = Amenity.objects.get(slug="projector")

    assert names(resource_search(category_ids=[studio.pk], first=10)) == [
        "Café Atelier", "Daylight Studio"]
    assert names(resource_search(venue_ids=[zurich.pk])) == [
        "Café Atelier", "Seeblick Saal", "Stube"]
    assert names(resource_search(cities=["Berlin"], text="studio")) == ["Daylight Studio"]
    assert names(resource_search(amenity_ids=[light.pk, projector.pk])) == ["Canal Room"]
    assert names(resource_search(party_size=20)) == ["Seeblick Saal"]
    assert names(resource_search(max_price=Decimal("40"))) == ["Canal Room", "Projector Room"]
    assert names(resource_search(max_price=50, currency="usd")) == []


def test_search_available_during(catalogue):
    end = TOMORROW_10_12[1]
    free = resource_search(text="projector ", available_during=TOMORROW_10_12)
    later = resource_search(text="projector ", available_during=(end, end + HOUR))

    assert set(names(free)) == {"Projector Room", "Seeblick Saal"}  # Canal Room is booked
    assert set(names(later)) == {"Projector Room", "Seeblick Saal", "Canal Room"}
    assert free.total == 2 and {f.label for f in free.facets["city"]} == {"Berlin", "Zürich"}


def test_search_available_during_with_party_size(catalogue):
    result = resource_search(available_during=TOMORROW_10_12, party_size=6, first=10)

    assert names(result) == ["Daylight Studio", "Projector Room", "Stube"]


def test_search_bad_filters_are_errors(catalogue):
    with pytest.raises(SearchError, match="first"):
        resource_search(first=0)
    with pytest.raises(SearchError) as error:
        resource_search(max_price=-1)
    assert error.value.code == "invalid_price"
    with pytest.raises(AvailabilityError):
        resource_search(available_during=(TOMORROW, TOMORROW))


def test_search_runs_two_statements(catalogue, django_assert_num_queries):
    light = Amenity.objects.get(slug="natural-light")
    with django_assert_num_queries(2):
        resource_search(text='"natural light" studio or projecter -stove proj',
                        amenity_ids=[light.pk], cities=["Berlin", "Zürich"], party_size=2,
                        max_price=500, available_during=TOMORROW_10_12, first=1)
    with django_assert_num_queries(1):
        resource_search(text="", party_size=2, first=1)


def test_search_gin_ranking_when_rum_is_absent(catalogue):
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending FK checks before DDL
        cursor.execute("DROP INDEX IF EXISTS search_document_rum")
        cursor.execute("CREATE INDEX IF NOT EXISTS search_document_gin"
                       " ON search_resourcedocument USING gin (document)")

    result = resource_search(text="projector room ")

    assert names(result)[0] == "Projector Room" and result.total == 3
    assert result.hits[0].rank > result.hits[1].rank


def all_pages(text: str, first: int) -> list[int]:
    ids, after = [], None
    while True:
        result = resource_search(text=text, first=first, after=after)
        ids += [hit.resource_id for hit in result.hits]
        after = result.next_cursor
        if after is None:
            return ids


def test_search_pages_through_equal_ranks(venue, category):
    for i in range(30):
        make_resource(venue, category, name=f"Twin Room {i}", all_day=False,
                      description="Identical twin.")

    paged = all_pages("twin ", first=7)
    at_once = [hit.resource_id for hit in resource_search(text="twin ", first=100).hits]

    assert paged == at_once and len(set(paged)) == 30


def test_search_pages_through_a_prefix(venue, category):
    for i, word in enumerate(["lantern", "lanterns", "landing", "lane", "lanyard"] * 4):
        make_resource(venue, category, name=f"{word.title()} {i}", all_day=False)

    paged = all_pages("lan", first=3)

    assert len(paged) == len(set(paged)) == 20


@pytest.mark.parametrize("cities, found", [
    (["New York"], ["Hudson Room"]), (["Saint-Étienne"], ["Loire Room"]),
    (["The"], ["Nowhere Room"]), (["Saint-Étienne", "New York"], ["Hudson Room", "Loire Room"]),
    (["Saint-Étienne", "The"], ["Loire Room", "Nowhere Room"]), (["York"], []),
])
def test_search_in_cities_finds_their_matches(category, cities, found):
    # The cities' own words narrow the words' matches in the index (a document holds its
    # city's words); a city of stop words only ("The") has none, and is filtered as is.
    # Venue names next to the city in the document must not change its words.
    for city, venue_name, name in [("New York", "Pier-", "Hudson Room"),
                                   ("Saint-Étienne", "Cité", "Loire Room"),
                                   ("The", "Nowhere", "Nowhere Room"),
                                   ("Yorkshire", "York", "Moor Room")]:
        place = Venue.objects.create(name=venue_name, slug=slugify(name), city=city,
                                     country="FR", timezone="Europe/Paris")
        make_resource(place, category, name=name)

    result = resource_search(text="room", cities=cities)

    assert sorted(names(result)) == found
    assert [facet.count for facet in result.facets["city"]] == [1] * len(found)


def test_search_in_cities_reads_its_matches_from_gin(catalogue):
    # Two matching conditions (the words, the cities' words) make the generic plan expect
    # a row or two; it must still take GIN's bitmap, never RUM's scan one row at a time.
    *_, search = search_statements(text="room", cities=["Zürich"])

    plan = served_plan(search)

    read = [line for line in plan.splitlines() if "never executed" not in line]
    assert any("Bitmap Index Scan on search_document_gin" in line for line in read)
    assert not any("Index Scan using search_document_rum" in line for line in read)


def search_statements(**search) -> list[Statement]:
    return statements_sent(resource_search_steps(first=20, **search))


def served_plan(statement: Statement) -> str:
    """EXPLAIN ANALYZE of `statement` as a search runs it: prepared, with a generic plan
    (config/prepared.py); sequential scans off, so that the indexes compete even on a
    catalogue this small."""
    session = connection.connection
    with session.transaction():
        session.execute("SET LOCAL plan_cache_mode = force_generic_plan")
        session.execute("SET LOCAL enable_seqscan = off")
        psycopg.Cursor(session).execute(  # (Django's cursors bind client-side)
            f"/* served_plan */ {statement.sql}", statement.params, prepare=True)
        (name,) = session.execute("SELECT name FROM pg_prepared_statements"
                                  " ORDER BY prepare_time DESC LIMIT 1").fetchone()
        values = psycopg.ClientCursor(session).mogrify(
            ", ".join(["%s"] * len(statement.params)), statement.params)
        return "\n".join(line for (line,) in session.execute(
            f"EXPLAIN (ANALYZE, COSTS OFF) EXECUTE {name} ({values})").fetchall())

"""The `search` root field over the demo catalogue."""

import io

import pytest
from django.core.management import call_command
from strawberry.relay import to_base64

from booking.models import Venue

SEARCH = """query($t: String!, $c: [ID!]) { search(text: $t, categoryIds: $c, first: 5) {
  total fallback didYouMean completions
  hits { resourceId name nameHtml snippetHtml rank city }
  facets { category { value label count } city { value count } amenity { label count } } } }"""


@pytest.fixture
def demo(db):
    call_command("load_demo", stdout=io.StringIO())


def test_search_returns_ranked_hits_and_facets(gql, demo):
    result = gql(SEARCH, {"t": "podcast studio"})

    assert result.errors is None
    data = result.data["search"]
    assert data["total"] >= 1 and not data["fallback"]
    ranks = [hit["rank"] for hit in data["hits"]]
    assert ranks == sorted(ranks, reverse=True)
    assert "<mark>" in data["hits"][0]["nameHtml"] + data["hits"][0]["snippetHtml"]
    assert sum(f["count"] for f in data["facets"]["category"]) == data["total"]


def test_category_facet_values_filter_the_search(gql, demo):
    first = gql(SEARCH, {"t": "room"}).data["search"]
    category = first["facets"]["category"][0]

    narrowed = gql(SEARCH, {"t": "room", "c": [category["value"]]}).data["search"]

    assert narrowed["total"] == category["count"]


def test_typo_suggests_the_catalogue_word(gql, demo):
    data = gql(SEARCH, {"t": "projecter"}).data["search"]

    assert data["didYouMean"] == "projector"
    assert data["total"] >= 1


def test_bad_page_size_is_a_coded_error(gql, demo):
    result = gql('{ search(text: "room", first: 500) { total } }')

    assert result.errors[0].extensions["code"] == "invalid_first"


def test_search_statement_count(gql, demo, django_assert_max_num_queries):
    with django_assert_max_num_queries(2):
        gql(SEARCH, {"t": "quiet studio natural light"})


@pytest.mark.parametrize("argument, wrong", [
    ("categoryIds", "Venue"), ("venueIds", "Category"), ("amenityIds", "Resource"),
])
def test_an_id_of_another_type_is_refused_not_dropped(gql, demo, argument, wrong):
    # Dropping it would turn the filter off and answer with the whole catalogue.
    result = gql(f'query($ids: [ID!]) {{ search(text: "room", {argument}: $ids) {{ total }} }}',
                 {"ids": [to_base64(wrong, 1)]})

    assert result.data is None
    assert result.errors[0].message == f"Not a {argument[:-3].capitalize()} id."
    assert result.errors[0].extensions == {"code": "invalid_id", "field": argument}


@pytest.mark.parametrize("key", ["x1", 2**63, -2**63])
def test_an_id_that_is_not_a_key_is_refused(gql, demo, key):
    # 2**63 reached PostgreSQL, whose "bigint out of range" was an internal_error.
    result = gql('query($ids: [ID!]) { search(text: "room", categoryIds: $ids) { total } }',
                 {"ids": [to_base64("Category", key)]})

    assert result.data is None
    assert result.errors[0].extensions == {"code": "invalid_id", "field": "categoryIds"}


UNDERSTOOD = """query($t: String!, $u: Boolean!) { search(text: $t, understand: $u, first: 3) {
  understood { partySize city venueIds venue text } hits { name city } } }"""


def test_search_says_what_it_understood(gql, demo):
    data = gql(UNDERSTOOD, {"t": "hot desk for 1 in Berlin", "u": True}).data["search"]

    assert data["understood"] == {"partySize": 1, "city": "Berlin", "venueIds": [],
                                  "venue": None, "text": "hot desk"}
    assert {hit["city"] for hit in data["hits"]} == {"Berlin"}


def test_search_understanding_can_be_undone(gql, demo):
    data = gql(UNDERSTOOD, {"t": "hot desk for 1 in Berlin", "u": False}).data["search"]

    assert data["understood"] == {"partySize": None, "city": None, "venueIds": [],
                                  "venue": None, "text": "hot desk for 1 in Berlin"}


def test_search_names_the_venue_it_understood(gql, demo):
    venue = Venue.objects.get(name="Tonwerk Neukölln")

    data = gql(UNDERSTOOD, {"t": "event hall at Tonwerk Neukölln", "u": True}).data["search"]

    assert data["understood"]["venueIds"] == [to_base64("Venue", venue.pk)]
    assert data["understood"]["venue"] == "Tonwerk Neukölln"
    assert data["hits"] == [{"name": "Tonwerk Hall", "city": "Berlin"}]

"""Search that understands the request (issue 13), over the demo catalogue: party sizes and
places read into filters, synonyms, term rarity, finished words, and corrections of
unknown words only."""

import pytest

from booking.models import Resource, Venue
from search.models import Synonym
from search.selectors import resource_search
from search.typos import typo_distance
from search.understand import party_size_read
from search.vocabulary import _corrections


def names(result) -> list[str]:
    return [hit.name for hit in result.hits]


@pytest.mark.parametrize("text, size", [
    ("meeting room for 6 with whiteboard", 6), ("hall for 200 guests", 200),
    ("200 guests", 200), ("room for 12 people", 12), ("up to 20", 20), ("6-person room", 6),
    ("a party of eight", 8), ("team of 4", 4), ("for twelve", 12), ("desk for 1", 1),
    ("studio for 2 hours", None), ("van for 3 days", None), ("room 4b", None),
    ("100 Feet Road Cabin", None), ("for 6pm", None), ("for 0 people", None),
    ("for 1000000", None), ("Werkstatt Kreis 5", None), ("for 50%", None),
])
def test_party_size_read(text, size):
    read = party_size_read(text)

    assert (read[0] if read else None) == size


def test_party_size_read_says_where():
    assert party_size_read("hall for 200 guests with stage") == (200, (5, 19))


def test_party_size_and_city_filter_and_leave_the_rest_to_rank(demo, db):
    result = resource_search(text="meeting room for 6 with whiteboard in Zürich")

    assert (result.understood.party_size, result.understood.city) == (6, "Zürich")
    assert result.understood.text == "meeting room with whiteboard"
    assert names(result)[0] == "Züri-Stube"
    assert {hit.city for hit in result.hits} == {"Zürich"}
    capacities = Resource.objects.filter(pk__in=[h.resource_id for h in result.hits])
    assert all(6 in r.capacity for r in capacities.only("capacity"))


def test_understand_false_reads_only_words(demo, db):
    result = resource_search(text="meeting room for 6 with whiteboard in Zürich",
                             understand=False)

    assert result.understood.party_size is None and result.understood.city is None
    assert result.understood.text == "meeting room for 6 with whiteboard in Zürich"
    assert len({hit.city for hit in result.hits}) > 1


def test_given_filters_win_over_the_text(demo, db):
    result = resource_search(text="podcast studio for 4 people in London", party_size=2,
                             cities=["Berlin"])

    assert result.understood.party_size is None and result.understood.city is None
    assert names(result)[:2] == ["Hermannplatz Podcast Studio", "Voiceover Booth"]
    assert all(hit.city == "Berlin" for hit in result.hits)


def test_venue_named_in_text_filters_by_venue(demo, db):
    gowanus = Venue.objects.get(name="Gowanus Canal Works")

    result = resource_search(text="desk at Gowanus Canal Works")

    assert result.understood.venue_ids == (gowanus.pk,)
    assert (result.understood.venue_name, result.understood.text) == ("Gowanus Canal Works",
                                                                      "desk")
    assert names(result)[0] == "Union Street Hot Desk"
    assert {hit.venue for hit in result.hits} == {"Gowanus Canal Works"}


def test_place_alone_browses_its_resources(demo, db):
    result = resource_search(text="kathmandu")

    assert result.understood.city == "Kathmandu" and result.understood.text == ""
    assert names(result) == sorted(Resource.objects.active().filter(
        venue__city="Kathmandu").values_list("name", flat=True))
    assert all(hit.rank is None for hit in result.hits)


def test_place_with_few_exact_matches_falls_back_within_it(demo, db):
    result = resource_search(text="wheelchair studio berlin")

    assert result.fallback and result.understood.city == "Berlin"
    assert names(result)[0] == "Tonwerk Hall"
    assert {"Rooftop Loft", "Hermannplatz Podcast Studio"} <= set(names(result))


def test_understanding_keeps_two_statements(demo, db, django_assert_num_queries):
    with django_assert_num_queries(2):
        resource_search(text="event space for 150 guests in New York")


def test_synonym_reaches_other_words(demo, db):
    result = resource_search(text="event space for a product launch")

    assert names(result)[0] == "Canal Side Event Space"  # the exact match
    assert "Press Hall" in names(result)[:4]  # "launches", an event hall by synonym
    assert {"Tonwerk Hall", "Fulton Hall"} <= set(names(result))


def test_synonym_added_applies_to_the_next_search(demo, db):
    assert resource_search(text="loo ").total == 0

    Synonym.objects.create(phrase="Loo", alternatives=["wheelchair-accessible toilet"])

    assert resource_search(text="loo ").total == 7


def test_rare_word_outweighs_common_ones_after_a_fallback(demo, db):
    result = resource_search(text="studio for product photos with a cyclorama wall")

    assert result.fallback
    assert set(names(result)[:3]) == {"Asakusa White Studio", "Nordlicht-Atelier",
                                      "Brooklyn Cyclorama Stage"}
    assert [hit.rank for hit in result.hits[1:]] == sorted(
        (hit.rank for hit in result.hits[1:]), reverse=True)


def test_rare_word_in_description_beats_common_word_in_name(demo, db):
    result = resource_search(text="space for thangka painting")

    assert names(result)[0] == "Patan Crafts Workshop"


def test_finished_word_comes_before_its_completions(demo, db):
    assert names(resource_search(text="sumida")) == ["Sumida Meeting Room",
                                                     "Sumidagawa Podcast Booth"]
    white = names(resource_search(text="white", first=40))
    assert white[0] == "Asakusa White Studio"
    assert white.index("Kuramae Gallery Hall") < white.index("Züri-Stube")  # whiteboard


def test_catalogue_word_is_not_corrected(demo, db):
    result = resource_search(text="hair and make-up room", first=100)
    boom = resource_search(text="boom arms")

    assert result.did_you_mean is None and names(result)[0] == "Brooklyn Cyclorama Stage"
    # "hair" is not read as "air": what is only air-conditioned is not found.
    assert "Nandi Hills Tempo Traveller" not in names(result)
    # "boom" is not read as "room": the booms and the arms, not every room.
    assert boom.did_you_mean is None
    assert names(boom) == ["Gowanus Podcast Suite", "Focus Booth 4B"]


def test_three_letter_slip_is_corrected(demo, db):
    result = resource_search(text="synth lba")

    assert names(result)[0] == "Synth Lab" and result.did_you_mean == "synth lab"
    assert names(resource_search(text="cargo vna"))[0] == "Red Hook Cargo Van"


@pytest.mark.parametrize("typed, word, distance", [
    ("projecyor", "projector", 0.5),  # t and y are neighbours
    ("projecpor", "projector", 1),
    ("edn", "end", 0.5),  # a swap
    ("landwher", "landwehr", 0.5),
    ("stuido", "studio", 0.5),
    ("van", "vat", 1.5),  # n and t are not neighbours: past the limit of 0.5 (limit + 1)
])
def test_typo_distance_counts_slips_half(typed, word, distance):
    assert typo_distance(typed, word, 1 if len(typed) > 3 else 0.5) == distance


def test_keyboard_neighbour_is_the_preferred_correction():
    # s -> a is a neighbouring key, s -> i is not: "hall" first although "hill" is commoner.
    assert _corrections("hsll", [("hill", 50), ("hall", 5), ("hull", 9)]) == [
        ("hall", 5), ("hill", 50), ("hull", 9)]

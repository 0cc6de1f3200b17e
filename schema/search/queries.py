"""The `search` root field: translates arguments for search.selectors.resource_search.

schema/compiled/search.py answers covered requests with the same selector's statements and
renders the same values: change both together (tests/schema/compiled/test_search.py)."""

import decimal
from typing import Annotated

import strawberry
import strawberry_django
from strawberry import relay

from schema.common import DateTimeRangeInput, decode_ids
from search.selectors import resource_search


@strawberry.type(description="One resource found, with highlighted text (HTML, <mark>).")
class SearchHit:
    resource_id: relay.GlobalID
    name: str
    slug: str
    venue: str
    city: str
    category: str
    rank: float | None = strawberry.field(description="Higher is better; null when browsing.")
    name_html: str
    snippet_html: str
    price_per_hour: decimal.Decimal | None
    currency: str | None


@strawberry.type
class FacetValue:
    value: str = strawberry.field(description="A category or amenity ID, or a city name.")
    label: str
    count: int


@strawberry.type(description="Counts over the whole match set, after the filters.")
class Facets:
    category: list[FacetValue]
    city: list[FacetValue]
    amenity: list[FacetValue]


@strawberry.type(description="What the search read from its text and applied as filters, so "
                              "a client can show it; `understand: false` undoes it.")
class SearchUnderstood:
    party_size: int | None = strawberry.field(
        description="A party size the text states (\"for 6\", \"20 guests\"), filtering as "
                    "partySize does; null when none was read or partySize was given.")
    city: str | None = strawberry.field(
        description="A city of the catalogue the text names, filtering as cities does.")
    venue_ids: list[relay.GlobalID] = strawberry.field(
        description="The venue the text names (venues of that name), filtering as venueIds does.")
    venue: str | None = strawberry.field(description="That venue's name.")
    text: str = strawberry.field(
        description="The text without what was read: the words the hits are ranked by.")


@strawberry.type
class SearchResult:
    hits: list[SearchHit]
    total: int
    facets: Facets
    next_cursor: str | None
    did_you_mean: str | None
    fallback: bool = strawberry.field(
        description="Too few exact matches: any word, with typo corrections, ranked after.")
    completions: list[str] = strawberry.field(description="Words the last word may become.")
    understood: SearchUnderstood


@strawberry.type
class Query:
    @strawberry_django.field(description="Ranked, typo-tolerant catalogue search with facets.")
    def search(
        self, text: str = "", category_ids: list[relay.GlobalID] | None = None,
        venue_ids: list[relay.GlobalID] | None = None, cities: list[str] | None = None,
        amenity_ids: list[relay.GlobalID] | None = None, party_size: int | None = None,
        max_price: decimal.Decimal | None = None, currency: str | None = None,
        available_during: DateTimeRangeInput | None = None, first: int = 20,
        after: str | None = None,
        understand: Annotated[bool, strawberry.argument(
            description="Read a party size, city or venue stated in the text as filters "
            "(see `understood`); a filter given as an argument wins.")] = True,
    ) -> SearchResult:
        result = resource_search(
            text=text, category_ids=_ids(category_ids, "Category", "categoryIds"),
            venue_ids=_ids(venue_ids, "Venue", "venueIds"), cities=cities,
            amenity_ids=_ids(amenity_ids, "Amenity", "amenityIds"), party_size=party_size,
            max_price=max_price, currency=currency,
            available_during=available_during.to_range() if available_during else None,
            first=first, after=after, understand=understand,
        )
        return SearchResult(
            hits=[_hit(hit) for hit in result.hits], total=result.total,
            facets=Facets(**{name: [_facet(name, value) for value in values]
                             for name, values in result.facets.items()}),
            next_cursor=result.next_cursor, did_you_mean=result.did_you_mean,
            fallback=result.fallback, completions=result.completions,
            understood=_understood(result.understood),
        )


def _ids(global_ids: list[relay.GlobalID] | None, type_name: str, field: str) -> list[int] | None:
    return None if global_ids is None else decode_ids(global_ids, type_name, field=field)


FACET_TYPES = {"category": "Category", "amenity": "Amenity"}


def facet_shown(name: str, value: int | str) -> str:
    """A facet value as the API shows it (also schema/compiled/search.py): category and
    amenity values are the global ids the filters take; cities are names."""
    return relay.to_base64(FACET_TYPES[name], value) if name in FACET_TYPES else str(value)


def _facet(name: str, value) -> FacetValue:
    return FacetValue(value=facet_shown(name, value.value), label=value.label,
                      count=value.count)


def _understood(understood) -> SearchUnderstood:
    return SearchUnderstood(
        party_size=understood.party_size, city=understood.city,
        venue_ids=[relay.GlobalID("Venue", str(pk)) for pk in understood.venue_ids],
        venue=understood.venue_name, text=understood.text)


def _hit(hit) -> SearchHit:
    return SearchHit(
        resource_id=relay.GlobalID("Resource", str(hit.resource_id)), name=hit.name,
        slug=hit.slug, venue=hit.venue, city=hit.city, category=hit.category, rank=hit.rank,
        name_html=hit.name_html, snippet_html=hit.snippet_html,
        price_per_hour=hit.price_per_hour, currency=hit.currency,
    )

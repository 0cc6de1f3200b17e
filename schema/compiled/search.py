"""The `search` root field, driven (driven.py): search/'s own two statements on the pool.

`resource_search_steps` (search/selectors.py) yields the vocabulary look-up and then the
search statement written from its rows; this module translates the field's arguments as
schema/search/queries.py does and renders the SearchResult as strawberry renders it
(global ids, Decimal as its text, rank as a float). An argument the existing path answers
with an error (a bad id, datetime or decimal; a SearchError: invalid_first,
invalid_cursor, page_too_deep, ...; the availability selector's window errors) raises
Unsupported, so the existing path answers with its coded error.
"""

import decimal

from django.core.exceptions import ValidationError
from strawberry.relay import to_base64

from schema.common import DateTimeRangeInput, parse_datetime
from schema.compiled.driven import DRIVEN, Driven, Steps
from schema.compiled.roots import node_pk
from schema.compiled.selection import Unsupported
from schema.search.queries import facet_shown
from search.selectors import SearchResult, resource_search_steps


def search_steps(args: dict, caller) -> Steps:
    """The statements of one search (anyone may search: `caller` changes nothing)."""
    # search/'s Statements have driven.Query's fields: yielded to the driver as they are.
    steps = resource_search_steps(**search_arguments(args))
    try:
        result = yield from steps
    except ValidationError:  # SearchError, AvailabilityError: coded errors of the existing path
        raise Unsupported("search input") from None
    return search_value(result)


def search_arguments(args: dict) -> dict:
    """resource_search's keyword arguments from the field's coerced arguments, as the
    resolver passes them."""
    if any("\x00" in text for text in _texts(args)):
        raise Unsupported("NUL")  # psycopg refuses it: the existing path answers
    period = args.get("availableDuring")
    return {
        "text": args.get("text", ""), "category_ids": _pks(args.get("categoryIds"), "Category"),
        "venue_ids": _pks(args.get("venueIds"), "Venue"), "cities": args.get("cities"),
        "amenity_ids": _pks(args.get("amenityIds"), "Amenity"),
        "party_size": args.get("partySize"), "max_price": _decimal(args.get("maxPrice")),
        "currency": args.get("currency"),
        "available_during": None if period is None else _range(period),
        "first": args.get("first", 20), "after": args.get("after"),
        "understand": args.get("understand", True),
    }


def _texts(args: dict) -> list[str]:
    return [value for name in ("text", "currency", "after")
            if isinstance(value := args.get(name), str)] + list(args.get("cities") or [])


def _pks(global_ids: list | None, type_name: str) -> list[int] | None:
    return None if global_ids is None else [node_pk(gid, type_name) for gid in global_ids]


def _decimal(value) -> decimal.Decimal | None:
    """strawberry's Decimal scalar: the text of a string, else of the number given."""
    if value is None:
        return None
    try:
        return decimal.Decimal(value if isinstance(value, str) else str(value))
    except decimal.DecimalException:
        raise Unsupported("Decimal") from None


def _range(value: dict):
    """schema.common's DateTimeRangeInput.to_range() of the input."""
    try:
        bounds = {key: None if value.get(key) is None else parse_datetime(value[key])
                  for key in ("lower", "upper")}
        return DateTimeRangeInput(**bounds, lower_inc=value["lowerInc"],
                                  upper_inc=value["upperInc"],
                                  is_empty=value["isEmpty"]).to_range()
    except (TypeError, ValueError, OverflowError, ValidationError):
        raise Unsupported("availableDuring") from None


def search_value(result: SearchResult) -> dict:
    """The SearchResult as strawberry renders it (schema/search/queries.py's types)."""
    understood = result.understood
    return {
        "hits": [_hit(hit) for hit in result.hits], "total": result.total,
        "facets": {name: [{"value": facet_shown(name, value.value), "label": value.label,
                           "count": value.count} for value in values]
                   for name, values in result.facets.items()},
        "nextCursor": result.next_cursor, "didYouMean": result.did_you_mean,
        "fallback": result.fallback, "completions": list(result.completions),
        "understood": {
            "partySize": understood.party_size, "city": understood.city,
            "venueIds": [to_base64("Venue", pk) for pk in understood.venue_ids],
            "venue": understood.venue_name, "text": understood.text},
    }


def _hit(hit) -> dict:
    return {
        "resourceId": to_base64("Resource", hit.resource_id), "name": hit.name,
        "slug": hit.slug, "venue": hit.venue, "city": hit.city, "category": hit.category,
        "rank": None if hit.rank is None else float(hit.rank), "nameHtml": hit.name_html,
        "snippetHtml": hit.snippet_html,
        "pricePerHour": None if hit.price_per_hour is None else str(hit.price_per_hour),
        "currency": hit.currency,
    }


DRIVEN["search"] = Driven("SearchResult", search_steps)

"""The filters of a search: validated once, rendered as SQL conditions on the documents."""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from search.cursor import SearchError

# The columns of a document `d` that conditions() reads (the price condition: resource_id
# and venue_id): a query may read a document's row once and filter it afterwards.
COLUMNS = ("d.resource_id, d.category_id, d.venue_id, d.city, d.amenity_ids, d.capacity,"
           " d.is_active")


@dataclass(frozen=True)
class SearchFilters:
    """Validated filter values; None = not filtered on."""

    categories: list[int] | None = None
    venues: list[int] | None = None
    cities: list[str] | None = None
    amenities: list[int] | None = None
    party: int | None = None
    price_at: dt.datetime | None = None
    max_price: Decimal | None = None
    currency: str | None = None

    def conditions(self) -> list[tuple[str, list]]:
        """(SQL condition on `d`, params) pairs; search_rum_page() applies the same."""
        out = [("d.is_active", [])]
        for value, sql in [
            (self.categories, "d.category_id = ANY (%s::bigint[])"),
            (self.venues, "d.venue_id = ANY (%s::bigint[])"),
            (self.cities, "d.city = ANY (%s::text[])"),
            (self.amenities, "d.amenity_ids @> %s::bigint[]"),
            (self.party, "d.capacity @> %s::integer"),
        ]:
            if value is not None:
                out.append((sql, [value]))
        if self.max_price is not None:
            out.append(_price_condition(self))
        return out

    @property
    def none(self) -> bool:
        """Nothing but the active resources is asked for."""
        return len(self.conditions()) == 1

    def function_args(self) -> list:
        """The filter arguments of search_rum_page(), in order."""
        return [self.categories, self.venues, self.cities, self.amenities, self.party,
                self.price_at, self.max_price, self.currency]


def filters_validate(*, category_ids, venue_ids, cities, amenity_ids, party_size, max_price,
                     currency, at) -> SearchFilters:
    """The filters as given to resource_search, checked; SearchError if one is bad."""
    if party_size is not None and (not isinstance(party_size, int) or party_size < 1):
        raise SearchError("partySize must be a positive integer.",
                          code="invalid_party_size", field="partySize")
    return SearchFilters(
        categories=_ints(category_ids, "categoryIds") if category_ids else None,
        venues=_ints(venue_ids, "venueIds") if venue_ids else None,
        cities=[str(c) for c in cities] if cities else None,
        amenities=_ints(amenity_ids, "amenityIds") if amenity_ids else None,
        party=party_size,
        price_at=at,
        max_price=None if max_price is None else _price(max_price),
        currency=currency.upper() if max_price is not None and currency else None,
    )


def _ints(values, field_name: str) -> list[int]:
    try:
        return [int(v) for v in values]
    except (TypeError, ValueError):
        raise SearchError(f"{field_name} must be a list of ids.", code="invalid_id",
                          field=field_name) from None


def _price(max_price) -> Decimal:
    try:
        price = Decimal(str(max_price))
    except ArithmeticError:
        price = Decimal("NaN")
    if not price.is_finite() or price < 0:
        raise SearchError("maxPrice must be a number of at least 0.", code="invalid_price",
                          field="maxPrice")
    return price


def _price_condition(filters: SearchFilters) -> tuple[str, list]:
    # The rate in force on the venue-local date of `price_at` (rates are per local dates).
    sql = ("EXISTS (SELECT FROM booking_rate rt JOIN booking_venue rv ON rv.id = d.venue_id"
           " WHERE rt.resource_id = d.resource_id"
           " AND rt.valid_during @> (%s::timestamptz AT TIME ZONE rv.timezone)::date"
           " AND rt.price_per_hour <= %s"
           + (" AND rt.currency = %s)" if filters.currency else ")"))
    return sql, [filters.price_at, filters.max_price,
                 *([filters.currency] if filters.currency else [])]


def price_date(available_during, now) -> dt.datetime:
    lower = getattr(available_during, "lower", None)
    if lower is None and isinstance(available_during, tuple | list) and available_during:
        lower = available_during[0]
    return lower if isinstance(lower, dt.datetime) else (now or dt.datetime.now(dt.UTC))

"""Catalogue search: ranked, highlighted, typo-tolerant, faceted, filtered — in PostgreSQL.

`resource_search` runs two SQL statements whatever the query and the sizes involved: one
asks the vocabulary about the query's words (search/vocabulary.py), one does the rest —
match, filters (availability included), facet counts over all matches, the ranked page and
its snippets. search/README.md describes the behaviour in detail.
"""

import datetime as dt
import html
import json
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection
from django.db.models.expressions import RawSQL

from booking.models import Resource
from booking.selectors import resource_list_free
from search.cursor import SearchError, cursor_decode, cursor_encode
from search.query import (
    ParsedQuery,
    negative_tsquery_text,
    query_parse,
    query_rewrite,
    tsquery_text,
)
from search.vocabulary import Vocabulary, vocabulary_lookup

MAX_PAGE = 100
SHOWN_COMPLETIONS = 5
# The exact query finding fewer matches than this brings in corrections of known words too.
FEW = 3
MARK_START, MARK_STOP = "\x02", "\x03"  # never in catalogue text; become <mark> after escaping
SNIPPET = (f"StartSel={MARK_START}, StopSel={MARK_STOP}, MaxFragments=2, MaxWords=24, "
           "MinWords=8, FragmentDelimiter=\" … \"")
WHOLE = f"StartSel={MARK_START}, StopSel={MARK_STOP}, HighlightAll=true"


@dataclass(frozen=True)
class FacetValue:
    value: int | str  # category or amenity id; city name
    label: str
    count: int


@dataclass(frozen=True)
class SearchHit:
    resource_id: int
    name: str
    slug: str
    venue: str
    city: str
    category: str
    rank: float  # higher is better; None when browsing without words
    name_html: str  # HTML-escaped, matches wrapped in <mark>
    snippet_html: str  # best fragments of the description, likewise
    price_per_hour: Decimal | None
    currency: str | None


@dataclass(frozen=True)
class SearchResult:
    hits: list[SearchHit]
    total: int
    facets: dict[str, list[FacetValue]]  # "category", "city", "amenity"
    next_cursor: str | None
    did_you_mean: str | None = None
    # The exact query found too few matches: any word (not all) with its typo corrections.
    fallback: bool = False
    completions: list[str] = field(default_factory=list)  # words the typed word may become


def resource_search(
    *, text: str = "", category_ids=None, venue_ids=None, cities=None, amenity_ids=None,
    party_size: int | None = None, max_price: Decimal | None = None, currency: str | None = None,
    available_during=None, now: dt.datetime | None = None, first: int = 20,
    after: str | None = None,
) -> SearchResult:
    """Active resources matching `text` and the filters, best first, with facet counts.

    Never raises on `text`; raises SearchError (or the availability selector's error) on
    bad filters, page sizes and cursors. Runs at most two SQL statements.
    """
    if not 1 <= first <= MAX_PAGE:
        raise SearchError(f"first must be between 1 and {MAX_PAGE}.", code="invalid_first",
                          field="first")
    parsed = query_parse(text)
    vocabulary = vocabulary_lookup(parsed) if parsed.groups else None
    plan = _Plan(parsed, vocabulary)
    filters = _filters(category_ids=category_ids, venue_ids=venue_ids, cities=cities,
                       amenity_ids=amenity_ids, party_size=party_size, max_price=max_price,
                       currency=currency, at=_price_date(available_during, now))
    key = cursor_key(text, filters, available_during)
    position = cursor_decode(after, key=key) if after else None
    sql, params = _statement(plan, filters, position, first, available_during,
                             party_size=party_size, now=now)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        total, categories, cities_, amenities, page, fallback = cursor.fetchone()
    offset = position[0] if position and plan.ranked else 0
    return _result(plan, page or [], first, key, total, fallback, offset=offset, facets={
        "category": [FacetValue(v, label, n) for v, label, n in categories or []],
        "city": [FacetValue(v, v, n) for v, n in cities_ or []],
        "amenity": [FacetValue(v, label, n) for v, label, n in amenities or []],
    })


class _Plan:
    """The tsqueries of one search: exact (all words; unknown ones with their corrections),
    fallback (any word, every word with its corrections), or none when the text has no word
    to look for."""

    def __init__(self, parsed: ParsedQuery, vocabulary: Vocabulary | None):
        self.parsed, self.vocabulary = parsed, vocabulary
        self.rum = bool(vocabulary and vocabulary.rum)
        self.ranked = parsed.has_positive
        completions = []
        if vocabulary and parsed.prefix_token in vocabulary.words:
            completions = vocabulary.words[parsed.prefix_token].completions
        if self.ranked:
            # RUM scores a prefix operand differently in the index than from the document,
            # so with RUM the typed word matches its completions instead of `:*`.
            render = {"completions": completions, "prefix_operator": not self.rum}
            self.exact = tsquery_text(parsed, vocabulary.alternatives(known_too=False),
                                      **render)
            fuzzy = tsquery_text(parsed, vocabulary.alternatives(known_too=True), **render,
                                 any_term=True)
            self.fuzzy = fuzzy if fuzzy != self.exact else None
        self.completions = completions[:SHOWN_COMPLETIONS]

    def did_you_mean(self, fallback: bool) -> str | None:
        if not self.vocabulary:
            return None
        replacements = self.vocabulary.replacements(known_too=fallback)
        return query_rewrite(self.parsed, replacements) if replacements else None


@dataclass(frozen=True)
class _Filters:
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

    def function_args(self) -> list:
        """The filter arguments of search_rum_page(), in order."""
        return [self.categories, self.venues, self.cities, self.amenities, self.party,
                self.price_at, self.max_price, self.currency]


def _filters(*, category_ids, venue_ids, cities, amenity_ids, party_size, max_price, currency,
             at) -> _Filters:
    if party_size is not None and (not isinstance(party_size, int) or party_size < 1):
        raise SearchError("partySize must be a positive integer.",
                          code="invalid_party_size", field="partySize")
    return _Filters(
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


def _price_condition(filters: _Filters) -> tuple[str, list]:
    # The rate in force on the venue-local date of `price_at` (rates are per local dates).
    sql = ("EXISTS (SELECT FROM booking_rate rt JOIN booking_venue rv ON rv.id = d.venue_id"
           " WHERE rt.resource_id = d.resource_id"
           " AND rt.valid_during @> (%s::timestamptz AT TIME ZONE rv.timezone)::date"
           " AND rt.price_per_hour <= %s"
           + (" AND rt.currency = %s)" if filters.currency else ")"))
    return sql, [filters.price_at, filters.max_price,
                 *([filters.currency] if filters.currency else [])]


def _price_date(available_during, now) -> dt.datetime:
    lower = getattr(available_during, "lower", None)
    if lower is None and isinstance(available_during, tuple | list) and available_during:
        lower = available_during[0]
    return lower if isinstance(lower, dt.datetime) else (now or dt.datetime.now(dt.UTC))


def cursor_key(text: str, filters: _Filters, available_during) -> str:
    """What a cursor must belong to: the text and the filters as given (not `now`)."""
    given = [text, *filters.function_args()[:5], filters.max_price, filters.currency,
             str(available_during)]
    return json.dumps(given, default=str)


# --- the statement ------------------------------------------------------------------

# Facet counts in one pass over the matches: one hash table per grouping set. Amenities are
# counted per distinct set of amenities first, which repeat, and only then per amenity.
_FACET_CTE = """facet AS MATERIALIZED (
    SELECT category_id, city, amenity_ids, GROUPING(category_id, city, amenity_ids) AS kind,
           count(*)::integer AS n  -- sum(integer) adds in bigint; sum(bigint) in numeric
    FROM hit GROUP BY GROUPING SETS ((category_id), (city), (amenity_ids)))"""
_CATEGORY_SET, _CITY_SET, _AMENITY_SET = 3, 5, 6  # GROUPING() bits of the other columns
_FACETS = f"""
    (SELECT coalesce(sum(n), 0) FROM facet WHERE kind = {_CATEGORY_SET}),
    (SELECT json_agg(json_build_array(c.id, c.name, f.n) ORDER BY f.n DESC, c.name)
     FROM facet f JOIN booking_category c ON c.id = f.category_id
     WHERE f.kind = {_CATEGORY_SET}),
    (SELECT json_agg(json_build_array(f.city, f.n) ORDER BY f.n DESC, f.city)
     FROM facet f WHERE f.kind = {_CITY_SET}),
    (SELECT json_agg(json_build_array(a.id, a.name, f.n) ORDER BY f.n DESC, a.name)
     FROM (SELECT id, sum(n) AS n
           FROM (SELECT unnest(amenity_ids) AS id, n FROM facet WHERE kind = {_AMENITY_SET}) u
           GROUP BY id) f
     JOIN booking_amenity a ON a.id = f.id)"""

# ts_headline re-parses the text: evaluated for the rows of the page only.
_PAGE = """
    (SELECT json_agg(json_build_array(
         p.resource_id, p.score, p.tier, r.name, r.slug, v.name, v.city, c.name,
         coalesce(ts_headline('search_english', r.name, (SELECT highlight FROM q), %s), r.name),
         coalesce(ts_headline('search_english', r.description, (SELECT highlight FROM q), %s),
                  left(r.description, 200)),
         rate.price_per_hour, rate.currency)
         ORDER BY p.tier, p.ord, p.sort_name, p.resource_id)
     FROM page p
     JOIN booking_resource r ON r.id = p.resource_id
     JOIN booking_venue v ON v.id = r.venue_id
     JOIN booking_category c ON c.id = r.category_id
     LEFT JOIN LATERAL (
         SELECT rt.price_per_hour, rt.currency FROM booking_rate rt
         WHERE rt.resource_id = r.id
           AND rt.valid_during @> (%s::timestamptz AT TIME ZONE v.timezone)::date
         LIMIT 1) rate ON true)"""

_Q_FIXED = ("q AS MATERIALIZED (SELECT to_tsquery('search_english', %s) AS query,"
            " to_tsquery('search_english', %s) AS highlight, false AS fallback)")
# Few exact matches (filters aside): the fallback query, with corrections of known words.
_Q_FALLBACK = """q AS MATERIALIZED (
    SELECT CASE WHEN p.fallback THEN to_tsquery('search_english', %s)
                ELSE to_tsquery('search_english', %s) END AS query,
           CASE WHEN p.fallback THEN to_tsquery('search_english', %s)
                ELSE to_tsquery('search_english', %s) END AS highlight,
           to_tsquery('search_english', %s) AS exact, p.fallback
    FROM (SELECT search_fewer_matches(to_tsquery('search_english', %s), %s) AS fallback
          OFFSET 0) p)"""


def _statement(plan: _Plan, filters: _Filters, position, first: int, available_during, *,
               party_size, now) -> tuple[str, list]:
    conditions = filters.conditions()
    where = " AND ".join(cond for cond, _ in conditions)
    where_params = [p for _, params in conditions for p in params]
    q_sql, q_params, match = _query(plan)
    ctes, params = [q_sql], [*q_params]
    columns = "d.resource_id, d.category_id, d.city, d.amenity_ids"
    ctes.append(f"hit AS (SELECT {columns} FROM search_resourcedocument d"
                f" WHERE {match} AND {where})")
    params += where_params
    if available_during is not None:
        ctes[-1] = ctes[-1].replace("hit AS", "candidate AS", 1)
        free_sql, free_params = _free(available_during, party_size, now)
        ctes.append(f"hit AS MATERIALIZED (SELECT * FROM candidate"
                    f" WHERE resource_id IN ({free_sql}))")
        params += free_params
        page_sql, page_params = _page(plan, "d.resource_id IN (SELECT resource_id FROM hit)",
                                      [], position, first, filters=None)
    else:
        page_sql, page_params = _page(plan, f"{match} AND {where}", where_params, position,
                                      first, filters=filters)
    ctes += [page_sql, _FACET_CTE]
    params += page_params
    sql = f"WITH {', '.join(ctes)} SELECT {_FACETS}, {_PAGE}, (SELECT fallback FROM q)"
    return sql, [*params, WHOLE, SNIPPET, _price_date(available_during, now)]


def _query(plan: _Plan) -> tuple[str, list, str]:
    """The `q` CTE (query, highlight query, fallback flag), its params, the match."""
    if plan.ranked and plan.fuzzy is None:
        return _Q_FIXED, [plan.exact, plan.exact], "d.document @@ (SELECT query FROM q)"
    if plan.ranked:
        return (_Q_FALLBACK, [plan.fuzzy, plan.exact, plan.fuzzy, plan.exact, plan.exact,
                              plan.exact, FEW], "d.document @@ (SELECT query FROM q)")
    if plan.parsed.groups:  # exclusions only: everything but them
        excluded = negative_tsquery_text(plan.parsed)
        return (_Q_FIXED.replace("to_tsquery('search_english', %s) AS highlight",
                                 "NULL::tsquery AS highlight"),
                [excluded], "NOT (d.document @@ (SELECT query FROM q))")
    return ("q AS MATERIALIZED (SELECT NULL::tsquery AS query, NULL::tsquery AS highlight,"
            " false AS fallback)", [], "true")


def _page(plan: _Plan, where: str, where_params: list, position, first: int, *,
          filters: _Filters | None) -> tuple[str, list]:
    """The `page` CTE: first + 1 rows in result order (the extra one says "more").
    `filters` when ranking may use the RUM index's order (not after availability)."""
    if not plan.ranked:
        after = " AND (r.name, d.resource_id) > (%s, %s)" if position else ""
        return (f"page AS MATERIALIZED (SELECT d.resource_id, NULL::real AS score,"
                f" r.name AS sort_name, 1 AS tier, 0 AS ord FROM search_resourcedocument d"
                f" JOIN booking_resource r ON r.id = d.resource_id WHERE {where}{after}"
                f" ORDER BY r.name, d.resource_id LIMIT %s)",
                [*where_params, *(position or []), first + 1])
    # Ranked pages continue at an offset: RUM returns equal scores in an order of its own,
    # fixed while the index does not change, which no key condition could reproduce.
    offset = position[0] if position else 0
    limit = offset + first + 1
    if plan.rum and filters is not None:
        branches = [(_RUM_PAGE, [], [limit, *filters.function_args()])]
    else:
        branches = [_branch(plan, where, where_params, limit, tier=1)]
        if plan.fuzzy is not None:
            branches[0] = (branches[0][0].replace(
                " ORDER BY", " AND NOT ((SELECT fallback FROM q)"
                " AND d.document @@ (SELECT exact FROM q)) ORDER BY", 1), *branches[0][1:])
    if plan.fuzzy is not None:
        # After a fallback, the few exact matches come first (tier 0).
        branches.insert(0, _branch(plan, where, where_params, limit, tier=0))
    union = " UNION ALL ".join(f"({branch})" for branch, _, _ in branches)
    params = [p for _, before, after in branches for p in [*before, *after]]
    return (f"page AS MATERIALIZED (SELECT * FROM ({union}) u ORDER BY tier, ord"
            f" LIMIT %s OFFSET %s)", [*params, first + 1, offset])


def _branch(plan: _Plan, where: str, where_params: list, limit: int, *,
            tier: int) -> tuple[str, list, list]:
    """Ranked matches ordered by (score, id): tier 0 = exact matches after a fallback."""
    query = "(SELECT query FROM q)" if tier else "(SELECT exact FROM q)"
    score = (f"rum_ts_score(d.document, {query})" if plan.rum
             else f"ts_rank_cd(d.document, {query})")
    condition = "" if tier else (
        " AND (SELECT fallback FROM q) AND d.document @@ (SELECT exact FROM q)")
    return (f"SELECT s.*, row_number() OVER () AS ord FROM (SELECT d.resource_id,"
            f" {score} AS score, NULL::text AS sort_name, {tier} AS tier"
            f" FROM search_resourcedocument d WHERE {where}{condition}"
            f" ORDER BY score DESC, d.resource_id LIMIT %s) s", where_params, [limit])


_RUM_PAGE = """SELECT p.resource_id, p.score, NULL::text AS sort_name, 1 AS tier, p.ord
    FROM search_rum_page((SELECT query FROM q), %s, %s::bigint[], %s::bigint[], %s::text[],
                         %s::bigint[], %s::integer, %s::timestamptz, %s::numeric, %s::text,
                         CASE WHEN (SELECT fallback FROM q) THEN (SELECT exact FROM q) END) p"""


def _free(available_during, party_size, now) -> tuple[str, list]:
    """Ids of the candidates bookable for exactly `available_during` (the availability
    selector, applied to the candidate CTE)."""
    candidates = Resource.objects.filter(
        pk__in=RawSQL("SELECT resource_id FROM candidate", []))
    free = resource_list_free(period=available_during, party_size=party_size,
                              queryset=candidates, now=now)
    sql, params = free.order_by().values("pk").query.sql_with_params()
    return sql, list(params)


def _result(plan: _Plan, page: list, first: int, key: str, total: int, fallback: bool,
            facets, offset: int) -> SearchResult:
    hits = [_hit(row) for row in page[:first]]
    next_cursor = None
    if len(page) > first:
        last = page[first - 1]
        position = [offset + first] if plan.ranked else [last[3], last[0]]
        next_cursor = cursor_encode(position, key=key)
    suggestion = plan.did_you_mean(bool(fallback))
    if suggestion == plan.parsed.text.strip():
        suggestion = None
    return SearchResult(hits=hits, total=total, facets=facets, next_cursor=next_cursor,
                        did_you_mean=suggestion, fallback=bool(fallback),
                        completions=plan.completions)


def _hit(row: list) -> SearchHit:
    (resource_id, score, _, name, slug, venue, city, category, name_html, snippet, price,
     currency) = row
    return SearchHit(resource_id=resource_id, name=name, slug=slug, venue=venue, city=city,
                     category=category, rank=score, name_html=_marked(name_html),
                     snippet_html=_marked(snippet),
                     price_per_hour=None if price is None else Decimal(str(price)),
                     currency=currency)


def _marked(text: str) -> str:
    return (html.escape(text or "", quote=False)
            .replace(MARK_START, "<mark>").replace(MARK_STOP, "</mark>"))

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
    return _result(plan, page or [], first, key, total, fallback, facets={
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
            self.exact = tsquery_text(parsed, vocabulary.alternatives(known_too=False),
                                      completions)
            fuzzy = tsquery_text(parsed, vocabulary.alternatives(known_too=True), completions,
                                 any_term=True)
            self.fuzzy = fuzzy if fuzzy != self.exact else None
        self.completions = completions

    def did_you_mean(self, fallback: bool) -> str | None:
        if not self.vocabulary:
            return None
        replacements = self.vocabulary.replacements(known_too=fallback)
        return query_rewrite(self.parsed, replacements) if replacements else None


def _filters(*, category_ids, venue_ids, cities, amenity_ids, party_size, max_price, currency,
             at) -> list[tuple[str, list]]:
    """(SQL condition on `d`, params) pairs, in a fixed order (the cursor key uses them)."""
    out = [("d.is_active", [])]
    if category_ids:
        out.append(("d.category_id = ANY (%s::bigint[])", [_ints(category_ids, "categoryIds")]))
    if venue_ids:
        out.append(("d.venue_id = ANY (%s::bigint[])", [_ints(venue_ids, "venueIds")]))
    if cities:
        out.append(("d.city = ANY (%s::text[])", [[str(c) for c in cities]]))
    if amenity_ids:
        out.append(("d.amenity_ids @> %s::bigint[]", [_ints(amenity_ids, "amenityIds")]))
    if party_size is not None:
        if not isinstance(party_size, int) or party_size < 1:
            raise SearchError("partySize must be a positive integer.",
                              code="invalid_party_size", field="partySize")
        out.append(("d.capacity @> %s::integer", [party_size]))
    if max_price is not None:
        out.append(_price_filter(max_price, currency, at))
    return out


def _ints(values, field_name: str) -> list[int]:
    try:
        return [int(v) for v in values]
    except (TypeError, ValueError):
        raise SearchError(f"{field_name} must be a list of ids.", code="invalid_id",
                          field=field_name) from None


def _price_filter(max_price, currency, at: dt.datetime) -> tuple[str, list]:
    try:
        price = Decimal(str(max_price))
    except ArithmeticError:
        price = Decimal("NaN")
    if not price.is_finite() or price < 0:
        raise SearchError("maxPrice must be a number of at least 0.", code="invalid_price",
                          field="maxPrice")
    # The rate in force on the venue-local date of `at` (rates are per local dates).
    sql = ("EXISTS (SELECT FROM booking_rate rt JOIN booking_venue rv ON rv.id = d.venue_id"
           " WHERE rt.resource_id = d.resource_id"
           " AND rt.valid_during @> (%s::timestamptz AT TIME ZONE rv.timezone)::date"
           " AND rt.price_per_hour <= %s"
           + (" AND rt.currency = %s)" if currency else ")"))
    return sql, [at, price, *([currency.upper()] if currency else [])]


def _price_date(available_during, now) -> dt.datetime:
    lower = getattr(available_during, "lower", None)
    if lower is None and isinstance(available_during, tuple | list) and available_during:
        lower = available_during[0]
    return lower if isinstance(lower, dt.datetime) else (now or dt.datetime.now(dt.UTC))


def cursor_key(text: str, filters, available_during) -> str:
    return json.dumps([text, filters, str(available_during)], default=str)


# --- the statement ------------------------------------------------------------------

# Facet counts in one pass over the matches: one hash table per grouping set. Amenities are
# counted per distinct set of amenities first, which repeat, and only then per amenity.
_FACET_CTE = """facet AS MATERIALIZED (
    SELECT category_id, city, amenity_ids, GROUPING(category_id, city, amenity_ids) AS kind,
           count(*) AS n
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
     FROM (SELECT id, sum(n) AS n FROM facet, unnest(amenity_ids) AS id
           WHERE kind = {_AMENITY_SET} GROUP BY id) f
     JOIN booking_amenity a ON a.id = f.id)"""

# ts_headline re-parses the text: evaluated for the rows of the page only.
_PAGE = """
    (SELECT json_agg(json_build_array(
         p.resource_id, p.score, p.row_id::text, p.tier, r.name, r.slug, v.name, v.city, c.name,
         coalesce(ts_headline('search_english', r.name, (SELECT highlight FROM q), %s), r.name),
         coalesce(ts_headline('search_english', r.description, (SELECT highlight FROM q), %s),
                  left(r.description, 200)),
         rate.price_per_hour, rate.currency)
         ORDER BY p.tier, p.score DESC NULLS LAST, p.sort_name, p.row_id)
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


def _statement(plan: _Plan, filters, position, first: int, available_during, *,
               party_size, now) -> tuple[str, list]:
    where = " AND ".join(cond for cond, _ in filters)
    where_params = [p for _, params in filters for p in params]
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
                                      [], position, first, indexed=False)
    else:
        page_sql, page_params = _page(plan, f"{match} AND {where}", where_params, position,
                                      first, indexed=True)
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
          indexed: bool) -> tuple[str, list]:
    """The `page` CTE: first + 1 rows in result order (the extra one says "more")."""
    if not plan.ranked:
        after = " AND (r.name, d.resource_id) > (%s, %s)" if position else ""
        return (f"page AS MATERIALIZED (SELECT d.resource_id, d.ctid AS row_id,"
                f" NULL::real AS score, r.name AS sort_name, 1 AS tier"
                f" FROM search_resourcedocument d JOIN booking_resource r"
                f" ON r.id = d.resource_id WHERE {where}{after}"
                f" ORDER BY r.name, d.resource_id LIMIT %s)",
                [*where_params, *(position or []), first + 1])
    branches = [_branch(plan, where, position, first, tier=1, indexed=indexed)]
    if plan.fuzzy is not None:
        # After a fallback, the few exact matches come first (tier 0).
        branches.insert(0, _branch(plan, where, position, first, tier=0, indexed=False))
        branches[1] = (branches[1][0].replace(
            " ORDER BY", " AND NOT ((SELECT fallback FROM q)"
            " AND d.document @@ (SELECT exact FROM q)) ORDER BY", 1), branches[1][1])
    sql = " UNION ALL ".join(f"({branch})" for branch, _ in branches)
    params = [p for _, branch_params in branches for p in [*where_params, *branch_params]]
    return f"page AS MATERIALIZED ({sql})", params


def _branch(plan: _Plan, where: str, position, first: int, *, tier: int,
            indexed: bool) -> tuple[str, list]:
    query = "(SELECT query FROM q)" if tier else "(SELECT exact FROM q)"
    score = f"rum_ts_score(d.document, {query})" if plan.rum else (
        f"ts_rank_cd(d.document, {query})")
    condition = "" if tier else (
        " AND (SELECT fallback FROM q) AND d.document @@ (SELECT exact FROM q)")
    params = []
    if position:
        # Sort key (tier, score descending, row); tier-0 rows all precede tier-1 rows.
        later = f"({score} < %s::real OR ({score} = %s::real AND d.ctid > %s::tid))"
        condition += (f" AND (%s::int < {tier} OR (%s::int = {tier} AND {later}))")
        params = [position[0], position[0], position[1], position[1], position[2]]
    # RUM returns matches ordered by (distance, row), distance = 1 / rum_ts_score.
    order = (f"d.document <=> {query}" if plan.rum and indexed else f"{score} DESC, d.ctid")
    return (f"SELECT d.resource_id, d.ctid AS row_id, {score} AS score,"
            f" NULL::text AS sort_name, {tier} AS tier FROM search_resourcedocument d"
            f" WHERE {where}{condition} ORDER BY {order} LIMIT %s", [*params, first + 1])


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
            facets) -> SearchResult:
    hits = [_hit(row) for row in page[:first]]
    next_cursor = None
    if len(page) > first:
        last = page[first - 1]
        position = [last[3], last[1], last[2]] if plan.ranked else [last[4], last[0]]
        next_cursor = cursor_encode(position, key=key)
    suggestion = plan.did_you_mean(bool(fallback))
    if suggestion == plan.parsed.text.strip():
        suggestion = None
    return SearchResult(hits=hits, total=total, facets=facets, next_cursor=next_cursor,
                        did_you_mean=suggestion, fallback=bool(fallback),
                        completions=plan.completions)


def _hit(row: list) -> SearchHit:
    (resource_id, score, _, _, name, slug, venue, city, category, name_html, snippet, price,
     currency) = row
    return SearchHit(resource_id=resource_id, name=name, slug=slug, venue=venue, city=city,
                     category=category, rank=score, name_html=_marked(name_html),
                     snippet_html=_marked(snippet),
                     price_per_hour=None if price is None else Decimal(str(price)),
                     currency=currency)


def _marked(text: str) -> str:
    return (html.escape(text or "", quote=False)
            .replace(MARK_START, "<mark>").replace(MARK_STOP, "</mark>"))

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

from search.cursor import SearchError, cursor_decode, cursor_encode
from search.filters import SearchFilters, filters_validate, price_date
from search.query import ParsedQuery, query_parse, query_rewrite, tsquery_text
from search.statement import MARK_START, MARK_STOP, search_statement
from search.vocabulary import Vocabulary, vocabulary_lookup

MAX_PAGE = 100
# Ranked pages go this many hits deep. Deeper ones would be ranked match by match past the
# tracked terms' postings (sql/functions/search_terms_track.sql), and a cursor's offset
# is easy to forge.
MAX_RANKED = 1_000
SHOWN_COMPLETIONS = 5


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
    # One instant for the whole search: the price filter, the prices shown and "available
    # during" (notice) agree even across midnight.
    now = now or dt.datetime.now(dt.UTC)
    parsed = query_parse(text)
    vocabulary = vocabulary_lookup(parsed) if parsed.groups else None
    plan = _Plan(parsed, vocabulary)
    filters = filters_validate(category_ids=category_ids, venue_ids=venue_ids, cities=cities,
                       amenity_ids=amenity_ids, party_size=party_size, max_price=max_price,
                       currency=currency, at=price_date(available_during, now))
    key = cursor_key(text, filters, available_during)
    position = cursor_decode(after, key=key) if after else None
    if position and plan.ranked != (len(position) == 1):  # a forged cursor of the other kind
        raise SearchError("This cursor does not belong to this search.",
                          code="invalid_cursor", field="after")
    if position and plan.ranked and position[0] + first > MAX_RANKED:
        raise SearchError(f"Ranked results go {MAX_RANKED:,} deep: narrow the search.",
                          code="page_too_deep", field="after")
    sql, params = search_statement(plan, filters, position, first, available_during,
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
            render = {"completions": completions, "prefix_operator": not self.rum,
                      "lexemes": vocabulary.lexemes}
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


def cursor_key(text: str, filters: SearchFilters, available_during) -> str:
    """What a cursor must belong to: the text and the filters as given (not `now`)."""
    given = [text, *filters.function_args()[:5], filters.max_price, filters.currency,
             str(available_during)]
    return json.dumps(given, default=str)


def _result(plan: _Plan, page: list, first: int, key: str, total: int, fallback: bool,
            facets, offset: int) -> SearchResult:
    hits = [_hit(row) for row in page[:first]]
    next_cursor = None
    if len(page) > first and not (plan.ranked and offset + first >= MAX_RANKED):
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

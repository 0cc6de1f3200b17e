"""Catalogue search: ranked, highlighted, typo-tolerant, faceted, filtered — in PostgreSQL.

`resource_search` runs two SQL statements whatever the query and the sizes involved: one
asks the vocabulary about the query's words (search/vocabulary.py), one does the rest —
match, filters (availability included), facet counts over all matches, the ranked page and
its snippets. search/README.md describes the behaviour in detail.
"""

import datetime as dt
import html
import json
import math
from dataclasses import dataclass, field
from decimal import Decimal

from search.cursor import SearchError, cursor_decode, cursor_encode
from search.filters import SearchFilters, filters_validate, price_date
from search.query import ParsedQuery, Term, query_parse, query_rewrite, term_texts, tsquery_text
from search.statement import MARK_START, MARK_STOP, search_statement
from search.steps import Statement, Steps, run
from search.understand import (
    PLACE_LEADS,
    Place,
    Understood,
    blanked,
    party_size_read,
    phrases,
    places_apply,
    synonyms_apply,
)
from search.vocabulary import Vocabulary, vocabulary_steps

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
    understood: Understood = field(default_factory=Understood)


def resource_search(
    *, text: str = "", category_ids=None, venue_ids=None, cities=None, amenity_ids=None,
    party_size: int | None = None, max_price: Decimal | None = None, currency: str | None = None,
    available_during=None, now: dt.datetime | None = None, first: int = 20,
    after: str | None = None, understand: bool = True,
) -> SearchResult:
    """Active resources matching `text` and the filters, best first, with facet counts.

    With `understand`, a party size, city or venue stated in the text (search/understand.py)
    filters as if given, unless the caller gave that filter; `SearchResult.understood`
    says what was read. Never raises on `text`; raises SearchError (or the availability
    selector's error) on bad filters, page sizes and cursors. Runs at most two SQL
    statements, on Django's connection (resource_search_steps, driven by search/steps.py).
    """
    return run(resource_search_steps(
        text=text, category_ids=category_ids, venue_ids=venue_ids, cities=cities,
        amenity_ids=amenity_ids, party_size=party_size, max_price=max_price, currency=currency,
        available_during=available_during, now=now, first=first, after=after,
        understand=understand))


def resource_search_steps(
    *, text: str = "", category_ids=None, venue_ids=None, cities=None, amenity_ids=None,
    party_size: int | None = None, max_price: Decimal | None = None, currency: str | None = None,
    available_during=None, now: dt.datetime | None = None, first: int = 20,
    after: str | None = None, understand: bool = True,
) -> Steps:
    """resource_search's statements, yielded (search/steps.py): the vocabulary look-up (not
    when the text has no word; prepared), then the search statement (prepared with a
    generic plan: its text repeats for queries of one shape, and planning it cost 4-5 ms a
    search, more than running it did for a rare word); returns the SearchResult. Raises as
    resource_search does: a bad page size before any statement, bad filters and cursors
    after the look-up."""
    if not 1 <= first <= MAX_PAGE:
        raise SearchError(f"first must be between 1 and {MAX_PAGE}.", code="invalid_first",
                          field="first")
    # One instant for the whole search: the price filter, the prices shown and "available
    # during" (notice) agree even across midnight.
    now = now or dt.datetime.now(dt.UTC)
    reading = yield from _read(text, understand=understand, given_party=party_size,
                               places=not (cities or venue_ids))
    understood = reading.understood
    party_size = party_size if party_size is not None else understood.party_size
    cities = cities or ([understood.city] if understood.city else None)
    venue_ids = venue_ids or list(understood.venue_ids) or None
    plan = _Plan(reading.parsed, reading.vocabulary, text, place=reading.place_terms)
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
    [(total, categories, cities_, amenities, page, fallback)] = yield Statement(
        sql, params, generic=True)
    offset = position[0] if position and plan.ranked else 0
    return _result(plan, page or [], first, key, total, fallback, understood, offset=offset,
                   facets={
        "category": [FacetValue(v, label, n) for v, label, n in categories or []],
        "city": [FacetValue(v, v, n) for v, n in cities_ or []],
        "amenity": [FacetValue(v, label, n) for v, label, n in amenities or []],
    })


@dataclass
class _Reading:
    parsed: ParsedQuery  # the words to rank by
    vocabulary: Vocabulary | None
    understood: Understood
    place_terms: list[Term]  # the words that named the place


def _read(text: str, *, understand: bool, given_party: int | None, places: bool) -> Steps:
    """The text's words to rank by, what the vocabulary says of them, and what the text
    states (with `understand`), a _Reading: one SQL statement, none when there is no word."""
    stated = party_size_read(text) if understand else None
    spans = [stated[1]] if stated else []
    parsed = query_parse(blanked(text, spans))
    vocabulary, place, taken = None, Place(), []
    if parsed.groups:
        vocabulary = yield from vocabulary_steps(parsed, phrases=phrases(parsed),
                                                 places=understand and places)
        place, taken = places_apply(parsed, vocabulary.places)
        spans += [(term.tokens[0].start, term.tokens[-1].end) for term in taken]
        synonyms_apply(parsed, vocabulary.synonyms)
    understood = Understood(
        party_size=stated[0] if stated and given_party is None else None, city=place.city,
        venue_ids=place.venue_ids, venue_name=place.venue_name,
        text=" ".join(blanked(text, spans).split()))
    return _Reading(parsed, vocabulary, understood, taken)


class _Plan:
    """The tsqueries of one search: exact (all words; unknown ones with their corrections),
    fallback (any word, every word with its corrections), or none when the text has no word
    to look for; the matches that come first (`first`: a finished word before the words it
    begins); and each term's rarity, which ranks a fallback."""

    def __init__(self, parsed: ParsedQuery, vocabulary: Vocabulary | None, text: str, *,
                 place: list[Term] = ()):
        self.parsed, self.vocabulary, self.text = parsed, vocabulary, text
        self.rum = bool(vocabulary and vocabulary.rum)
        self.ranked = parsed.has_positive
        self.first = None
        self.terms: list[tuple[str, float, int]] = []  # (tsquery text, idf, documents)
        self.every_term_counted = False  # each positive term is in `terms`
        completions, info = [], None
        if vocabulary and parsed.prefix_token in vocabulary.words:
            info = vocabulary.words[parsed.prefix_token]
            completions = [word for word, _ in info.completions]
        if self.ranked:
            # RUM scores a prefix operand differently in the index than from the document,
            # so with RUM the typed word matches its completions instead of `:*`.
            render = {"completions": completions, "prefix_operator": not self.rum,
                      "lexemes": vocabulary.lexemes}
            alternatives = vocabulary.alternatives()
            self.exact = tsquery_text(parsed, alternatives, **render)
            fuzzy = tsquery_text(parsed, alternatives, **render, any_term=True)
            self.fuzzy = fuzzy if fuzzy != self.exact else None
            # Whether the exact query finds enough: with the place the text named, which
            # filters the matches (its words are in the documents too).
            self.enough = self.exact
            if place:
                named = Term([t for term in place for t in term.tokens
                              if t.key not in PLACE_LEADS])
                self.enough = f"( {self.exact} ) & {tsquery_text(ParsedQuery('', [[named]]))}"
            if info and info.documents and self._begins_others(info):
                # An exact word beats the words it begins: "sumida" before "Sumidagawa".
                self.first = tsquery_text(parsed, alternatives, prefix_operator=False,
                                          lexemes=vocabulary.lexemes)
            texts = term_texts(parsed, alternatives, **render)
            self.terms = self._rarity(texts)
            self.every_term_counted = len(self.terms) == len(texts)
        self.completions = completions[:SHOWN_COMPLETIONS]

    def _begins_others(self, info) -> bool:
        """The typed word's completions include words of another lexeme."""
        own = self.vocabulary.lexemes.get(info.token.key, (None, False))[0]
        return any(self.vocabulary.lexemes.get(word, (None, False))[0] not in (None, own)
                   for word, _ in info.completions)

    def _rarity(self, terms: list[tuple[Term, str]]) -> list[tuple[str, float, int]]:
        """(tsquery text, inverse document frequency, documents) of each positive term not
        only stop words: BM25's idf = ln(1 + (N - n + 0.5) / (n + 0.5)), n the documents
        with the term (a phrase: its rarest word; a word: with its corrections or
        completions)."""
        words = self.vocabulary.words
        total = self.vocabulary.documents
        out = []
        for term, text in terms:
            counts = []
            for token in term.tokens:
                info = words.get(token)
                if info is None or self.vocabulary.lexemes.get(token.key, (None,))[0] is None:
                    continue
                counts.append(info.documents + sum(n for _, n in info.corrections)
                              + (sum(n for _, n in info.completions) if term.prefix else 0))
            if counts:
                n = min(counts)
                big_n = max(total, n)
                out.append((text, math.log(1 + (big_n - n + 0.5) / (n + 0.5)), n))
        return out

    def did_you_mean(self) -> str | None:
        if not self.vocabulary:
            return None
        replacements = self.vocabulary.replacements()
        return (query_rewrite(ParsedQuery(self.text), replacements) if replacements
                else None)


def cursor_key(text: str, filters: SearchFilters, available_during) -> str:
    """What a cursor must belong to: the text and the filters as given (not `now`)."""
    given = [text, *filters.function_args()[:5], filters.max_price, filters.currency,
             str(available_during)]
    return json.dumps(given, default=str)


def _result(plan: _Plan, page: list, first: int, key: str, total: int, fallback: bool,
            understood: Understood, facets, offset: int) -> SearchResult:
    hits = [_hit(row) for row in page[:first]]
    next_cursor = None
    if len(page) > first and not (plan.ranked and offset + first >= MAX_RANKED):
        last = page[first - 1]
        position = [offset + first] if plan.ranked else [last[3], last[0]]
        next_cursor = cursor_encode(position, key=key)
    suggestion = plan.did_you_mean()
    if suggestion == plan.text.strip():
        suggestion = None
    return SearchResult(hits=hits, total=total, facets=facets, next_cursor=next_cursor,
                        did_you_mean=suggestion, fallback=bool(fallback),
                        completions=plan.completions, understood=understood)


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

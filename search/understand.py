"""What a search's text says besides the words to rank by: a party size, a city or venue.

"meeting room for 6 with whiteboard in Zürich" is a request for a meeting room with a
whiteboard, filtered to parties of 6 in Zürich. The party size is read here from the text
alone; places (a city or venue name of the catalogue) and synonyms are found by the
vocabulary statement (search/vocabulary.py) among the phrases `phrases()` lists, and
applied here. What was understood is reported, so a client can show it and undo it
(`understand=False`).
"""

import re
from dataclasses import dataclass

from search.query import TOKEN, ParsedQuery, Term

MAX_PHRASE = 4  # words in a city, venue name or synonym phrase looked up
MAX_PARTY = 100_000

_NUMBER_WORDS = {
    word: n for n, word in enumerate(
        ["one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
         "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen",
         "eighteen", "nineteen", "twenty"], start=1)
}
_NUMBER = r"(?P<n>\d{1,6}|" + "|".join(_NUMBER_WORDS) + r")"
_PEOPLE = (r"people|persons?|guests?|pax|attendees|participants|delegates|visitors|adults"
           r"|kids|children|musicians|players|colleagues|seats?|seater|heads")
# After a number, these say it is not a party size ("for 2 hours", "for 3 days").
_NOT_PEOPLE = (r"h|hrs?|hours?|min|mins|minutes?|days?|nights?|weeks?|months?|am|pm|x|m2|m²"
               r"|sq|ft|km|m|st|nd|rd|th|%|€|\$|eur|usd|gbp|chf|euros?|dollars?|pounds?")
_PARTY = re.compile(
    rf"\b(?:(?:for|up\s+to|party\s+of|group\s+of|team\s+of)\s+(?:a\s+)?{_NUMBER}"
    rf"(?:[\s-]*(?:{_PEOPLE})\b)?(?![\s-]*(?:{_NOT_PEOPLE})\b)(?!\s*[%€$²\d])"
    rf"|{_NUMBER.replace('?P<n>', '?P<m>')}[\s-]*(?:{_PEOPLE})\b)",
    re.IGNORECASE,
)
# Words that only lead to a place: dropped with it ("in Berlin").
PLACE_LEADS = {"in", "at", "near", "around"}


@dataclass(frozen=True)
class Place:
    city: str | None = None  # as stored, e.g. "Zürich"
    venue_ids: tuple[int, ...] = ()  # venues of that name (usually one)
    venue_name: str | None = None


@dataclass(frozen=True)
class Understood:
    """What a search read from its text and applied as filters."""

    party_size: int | None = None
    city: str | None = None
    venue_ids: tuple[int, ...] = ()
    venue_name: str | None = None
    text: str = ""  # the user's text without what was understood: what is ranked


def party_size_read(text: str) -> tuple[int, tuple[int, int]] | None:
    """The first party size the text states ("for 6", "20 guests", "up to 12 people") and
    where it was written; None when there is none."""
    for match in _PARTY.finditer(text):
        number = (match.group("n") or match.group("m")).lower()
        size = _NUMBER_WORDS.get(number) or int(number)
        if 1 <= size <= MAX_PARTY:
            return size, match.span()
    return None


def blanked(text: str, spans) -> str:
    """`text` with each span written over by spaces: positions of the rest stay put."""
    for start, end in spans:
        text = text[:start] + " " * (end - start) + text[end:]
    return text


def phrases(parsed: ParsedQuery) -> list[str]:
    """Runs of 1 to MAX_PHRASE plain words (not quoted, not excluded) as typed, each once:
    what may name a place or have synonyms. Only for a query without `or`."""
    if len(parsed.groups) != 1:
        return []
    out = {}
    for run in _plain_runs(parsed.groups[0]):
        for i in range(len(run)):
            for j in range(i + 1, min(i + MAX_PHRASE, len(run)) + 1):
                out.setdefault(_phrase(run[i:j]), None)
    return list(out)


def places_apply(parsed: ParsedQuery, places: dict[str, Place]) -> tuple[Place, list[Term]]:
    """Take the longest phrase naming a place (the first, if several) out of `parsed`,
    with a leading "in"/"at"; returns the place and the terms taken out."""
    if not places or len(parsed.groups) != 1:
        return Place(), []
    group = parsed.groups[0]
    best = None
    for run in _plain_runs(group):
        for i in range(len(run)):
            for j in range(min(i + MAX_PHRASE, len(run)), i, -1):
                place = places.get(_phrase(run[i:j]))
                if place and (best is None or j - i > len(best[1])):
                    best = (place, run[i:j])
                    break
    if best is None:
        return Place(), []
    place, taken = best
    start = group.index(taken[0])
    if start > 0 and _single_word(group[start - 1]) in PLACE_LEADS:
        taken = [group[start - 1], *taken]
    parsed.groups[0] = [term for term in group if not any(term is t for t in taken)]
    if not parsed.groups[0]:
        parsed.groups = []
    return place, taken


def synonyms_apply(parsed: ParsedQuery, synonyms: dict[str, list[str]]) -> None:
    """Give each phrase of `parsed` that has synonyms (longest first, left to right) its
    alternatives: its words become one term that also matches each alternative phrase."""
    if not synonyms or len(parsed.groups) != 1:
        return
    group = parsed.groups[0]
    for run in _plain_runs(group):
        i = 0
        while i < len(run):
            for j in range(min(i + MAX_PHRASE, len(run)), i, -1):
                alternatives = synonyms.get(_phrase(run[i:j]))
                if alternatives:
                    _merge(group, run[i:j], alternatives)
                    i = j
                    break
            else:
                i += 1


def _merge(group: list[Term], terms: list[Term], alternatives: list[str]) -> None:
    first = group.index(terms[0])
    merged = Term([t for term in terms for t in term.tokens], prefix=terms[-1].prefix,
                  synonyms=[words for a in alternatives if (words := TOKEN.findall(a))])
    group[first:first + len(terms)] = [merged]


def _plain_runs(group: list[Term]) -> list[list[Term]]:
    """Consecutive terms of one plain word each (no quotes, no exclusion, no synonyms)."""
    runs, run = [], []
    for term in group:
        if term.negated or term.quoted or len(term.tokens) != 1 or term.synonyms:
            if run:
                runs.append(run)
            run = []
        else:
            run.append(term)
    return [*runs, run] if run else runs


def _phrase(terms: list[Term]) -> str:
    return " ".join(t.text for term in terms for t in term.tokens)


def _single_word(term: Term) -> str | None:
    return term.tokens[0].key if len(term.tokens) == 1 and not term.quoted else None

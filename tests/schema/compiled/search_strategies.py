"""Hypothesis strategies for `search` documents: texts made of the catalogue's words (typos,
prefixes, quoted phrases, or, exclusions, party sizes, cities), filters, page sizes and
selections of SearchResult (subsets, aliases, inline and named fragments, __typename)."""

import datetime as dt

from hypothesis import strategies as st
from strawberry.relay import to_base64

FIELDS = {
    "SearchResult": {"hits": "SearchHit", "total": None, "facets": "Facets",
                     "nextCursor": None, "didYouMean": None, "fallback": None,
                     "completions": None, "understood": "SearchUnderstood",
                     "__typename": None},
    "SearchHit": dict.fromkeys(["resourceId", "name", "slug", "venue", "city", "category",
                                "rank", "nameHtml", "snippetHtml", "pricePerHour", "currency",
                                "__typename"]),
    "Facets": {"category": "FacetValue", "city": "FacetValue", "amenity": "FacetValue",
               "__typename": None},
    "FacetValue": dict.fromkeys(["value", "label", "count", "__typename"]),
    "SearchUnderstood": dict.fromkeys(["partySize", "city", "venueIds", "venue", "text",
                                       "__typename"]),
}
ODD = ["", " ", "-", "\"", "*", "&", "!", "|", "or", "OR", "café", "ZÜRICH", "zurich",
       "for 2 people", "20 guests", "up to 12", "for 2 hours", "team of four", "4b", "x"]


def texts(words: list[str], cities: list[str]) -> st.SearchStrategy[str]:
    word = st.one_of(st.sampled_from(words[:40]), st.sampled_from(words))  # commonest first
    piece = st.one_of(
        word, word.flatmap(_typo), word.flatmap(_prefix),
        st.lists(word, min_size=2, max_size=3).map(lambda ws: f'"{" ".join(ws)}"'),
        word.map(lambda w: f"-{w}"), st.just("or"),
        st.integers(1, 40).map(lambda n: f"for {n}"),
        st.sampled_from(cities).flatmap(lambda c: st.sampled_from([c, f"in {c}", c.lower()])),
        st.sampled_from(ODD))
    return st.lists(piece, min_size=1, max_size=3).map(" ".join)


def _typo(word: str) -> st.SearchStrategy[str]:
    """A letter dropped, doubled, replaced or two swapped."""
    def made(i: int, kind: int, letter: str) -> str:
        i = min(i, len(word) - 1)
        return [word[:i] + word[i + 1:], word[:i] + word[i] + word[i:],
                word[:i] + letter + word[i + 1:],
                word[:i] + word[i + 1:i + 2] + word[i] + word[i + 2:]][kind]
    return st.builds(made, st.integers(0, 20), st.integers(0, 3), st.sampled_from("aeiorsty"))


def _prefix(word: str) -> st.SearchStrategy[str]:
    return st.integers(1, len(word)).map(lambda n: word[:n])


@st.composite
def arguments(draw, demo: dict) -> dict:
    """Variables of SEARCH (below): a text, some filters, a page size, understand."""
    out = {"text": draw(texts(demo["words"], demo["cities"])),
           "first": draw(st.sampled_from([1, 2, 3, 5, 20])), "understand": draw(st.booleans())}
    for name, key, type_name in [("categoryIds", "categories", "Category"),
                                 ("venueIds", "venues", "Venue"),
                                 ("amenityIds", "amenities", "Amenity")]:
        if draw(st.integers(0, 7)) == 0:
            pks = draw(st.lists(st.sampled_from(demo[key]), min_size=1, max_size=3))
            out[name] = [to_base64(type_name, pk) for pk in pks]
    if draw(st.integers(0, 7)) == 0:
        out["cities"] = draw(st.lists(st.sampled_from(demo["cities"]), min_size=1, max_size=2))
    if draw(st.integers(0, 5)) == 0:
        out["partySize"] = draw(st.integers(1, 30))
    if draw(st.integers(0, 7)) == 0:
        out["maxPrice"] = draw(st.sampled_from(["25", "60.5", "150", 80, 1e4]))
        out["currency"] = draw(st.sampled_from([None, "EUR", "chf", "USD", "JPY"]))
    if draw(st.integers(0, 7)) == 0:
        start = (dt.datetime.now(dt.UTC) + dt.timedelta(days=draw(st.integers(1, 20)))).replace(
            hour=draw(st.integers(0, 23)), minute=0, second=0, microsecond=0)
        hours = dt.timedelta(hours=draw(st.integers(1, 4)))
        out["availableDuring"] = {"lower": start.isoformat(),
                                  "upper": (start + hours).isoformat()}
    return out


SEARCH = """query Drawn($text: String!, $categoryIds: [ID!], $venueIds: [ID!],
    $cities: [String!], $amenityIds: [ID!], $partySize: Int, $maxPrice: Decimal,
    $currency: String, $availableDuring: DateTimeRangeInput, $first: Int!, $after: String,
    $understand: Boolean!) {
  %s: search(text: $text, categoryIds: $categoryIds, venueIds: $venueIds, cities: $cities,
         amenityIds: $amenityIds, partySize: $partySize, maxPrice: $maxPrice,
         currency: $currency, availableDuring: $availableDuring, first: $first,
         after: $after, understand: $understand) %s
}
%s"""


@st.composite
def documents(draw) -> str:
    """SEARCH with a drawn selection (and the fragments it spreads)."""
    fragments = []
    selection = draw(_selection("SearchResult", fragments, depth=0))
    alias = draw(st.sampled_from(["search", "found", "s"]))
    return SEARCH % (alias, selection, "\n".join(fragments))


@st.composite
def _selection(draw, type_name: str, fragments: list[str], depth: int) -> str:
    names = draw(st.lists(st.sampled_from(sorted(FIELDS[type_name])), min_size=1,
                          max_size=6, unique=True))
    parts = []
    for name in names:
        inner = FIELDS[type_name][name]
        field = name
        if name != "__typename" and draw(st.integers(0, 4)) == 0:
            field = f"a{len(fragments)}{depth}{len(parts)}: {name}"
        if inner is not None:
            field += " " + draw(_selection(inner, fragments, depth + 1))
        parts.append(field)
    way = draw(st.integers(0, 5))
    if way == 0:  # an inline fragment
        return "{ ... on " + type_name + " { " + " ".join(parts) + " } }"
    if way == 1:  # a named fragment, and a field beside it
        name = f"F{len(fragments)}"
        fragments.append(f"fragment {name} on {type_name} {{ {' '.join(parts)} }}")
        return "{ __typename ..." + name + " }"
    return "{ " + " ".join(parts) + " }"

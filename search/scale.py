"""Catalogue text at benchmark scale: a fixed vocabulary with Zipf-like word frequencies.

The vocabulary is the demo catalogue's own words (fixtures/demo.py) in order of their
frequency there, followed by a long tail of made-up place words, so a 1M catalogue has
words in most documents, words in 10-30 % of them and words in a few hundred. The i-th word
is drawn with weight 1 / i (Zipf, s = 1). Everything is a pure function of the seed.
"""

import itertools
import random
import re
from collections import Counter

from fixtures import demo

STOP_WORDS = ["the", "a", "and", "with", "for", "of", "in", "to", "on", "by", "at", "from"]
SYLLABLES = ["ka", "lo", "mi", "ren", "ta", "vo", "sel", "bri", "du", "na", "os", "ter",
             "gal", "pe", "ru", "han", "zi", "mo", "lu", "fen", "ar", "ve", "ki", "sto"]
TAIL_WORDS = 30_000
# (city, ISO country, currency, IANA time zone); the first ones are the most frequent.
CITIES = [
    ("Berlin", "DE", "EUR", "Europe/Berlin"), ("London", "GB", "GBP", "Europe/London"),
    ("New York", "US", "USD", "America/New_York"), ("Tokyo", "JP", "JPY", "Asia/Tokyo"),
    ("Zürich", "CH", "CHF", "Europe/Zurich"), ("Chicago", "US", "USD", "America/Chicago"),
    ("Bengaluru", "IN", "INR", "Asia/Kolkata"), ("Hamburg", "DE", "EUR", "Europe/Berlin"),
    ("São Paulo", "BR", "BRL", "America/Sao_Paulo"), ("Kathmandu", "NP", "NPR",
                                                      "Asia/Kathmandu"),
    ("München", "DE", "EUR", "Europe/Berlin"), ("Manchester", "GB", "GBP", "Europe/London"),
    ("Osaka", "JP", "JPY", "Asia/Tokyo"), ("Genève", "CH", "CHF", "Europe/Zurich"),
    ("Austin", "US", "USD", "America/Chicago"), ("Seattle", "US", "USD",
                                                 "America/Los_Angeles"),
    ("Mumbai", "IN", "INR", "Asia/Kolkata"), ("Pokhara", "NP", "NPR", "Asia/Kathmandu"),
    ("Adelaide", "AU", "AUD", "Australia/Adelaide"), ("Köln", "DE", "EUR", "Europe/Berlin"),
]
VENUE_WORDS = ["Works", "Exchange", "Commons", "House", "Yard", "Lofts", "Mill", "Depot",
               "Hall", "Studios", "Hub", "Werkstatt"]
ADJECTIVES = ["Quiet", "Bright", "Spacious", "Cosy", "Modern", "Rustic", "Industrial",
              "Minimalist", "Sunny", "Historic", "Green", "Blue", "Grand", "Little"]


class Zipf:
    """Draws items with weight 1 / rank."""

    def __init__(self, items: list):
        self.items = items
        self.cum = list(itertools.accumulate(1 / rank for rank in range(1, len(items) + 1)))

    def draw(self, rng: random.Random, k: int = 1) -> list:
        return rng.choices(self.items, cum_weights=self.cum, k=k)


def demo_words() -> list[str]:
    """Words of the demo catalogue's descriptions and names, most frequent first."""
    texts = [r["description"] + " " + r["name"] for rs in demo.RESOURCES.values() for r in rs]
    texts += [v["description"] for v in demo.VENUES.values()]
    counts = Counter(w for t in texts for w in re.findall(r"[^\W\d_]{3,}", t.lower()))
    for word in STOP_WORDS + ["are", "is", "you", "your", "can", "into", "up"]:
        counts.pop(word, None)
    return [w for w, _ in sorted(counts.items(), key=lambda item: (-item[1], item[0]))]


def tail_words(count: int, rng: random.Random) -> list[str]:
    """Made-up place words: kalomi, renvosel, ..."""
    words, seen = [], set()
    while len(words) < count:
        word = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4)))
        if word not in seen:
            seen.add(word)
            words.append(word)
    return words


class TextMaker:
    """Names and descriptions of generated resources and venues."""

    def __init__(self, seed: int):
        rng = random.Random(seed)
        self.places = tail_words(TAIL_WORDS, rng)
        self.words = Zipf(demo_words() + self.places)
        self.stop = Zipf(STOP_WORDS)
        self.place_names = Zipf(self.places)
        self.cities = Zipf(CITIES)

    def sentence(self, rng: random.Random) -> str:
        size = rng.randint(6, 14)
        content = iter(self.words.draw(rng, size))
        stops = iter(self.stop.draw(rng, size))
        words = [next(stops) if rng.random() < 0.3 else next(content) for _ in range(size)]
        return " ".join(words).capitalize() + "."

    def description(self, rng: random.Random) -> str:
        return " ".join(self.sentence(rng) for _ in range(rng.randint(3, 5)))

    def resource_name(self, rng: random.Random, category: str) -> str:
        place = self.place_names.draw(rng)[0].capitalize()
        if rng.random() < 0.5:
            return f"{place} {category}"
        return f"{rng.choice(ADJECTIVES)} {place} {category}"

    def venue_name(self, rng: random.Random, city: str) -> str:
        return f"{self.place_names.draw(rng)[0].capitalize()} {rng.choice(VENUE_WORDS)} {city}"

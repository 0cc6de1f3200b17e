"""The operations bench/api.py measures: GraphQL documents and the request bodies for them.

Reads rotate over a fixed set of variants (seeded), sent alike to the API and the baseline;
search texts come from the catalogue's own vocabulary.
Every `book` request books its own slot: one hour, bookable when the bodies are made
(opening hours, closures, notice, horizon, party size), and no two of them overlap, turnaround
included; so each should succeed, and bench/api.py counts the bookings that did.
"""

import datetime as dt
import random
import zoneinfo
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from django.utils import timezone
from strawberry import relay

from booking import selectors
from booking.models import Resource
from search.models import VocabularyWord

HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)
VARIANTS = 64  # bodies a read operation rotates over
AVAILABILITY_RESOURCES = 10


@dataclass(frozen=True)
class Operation:
    label: str  # the table row
    name: str  # operationName: the baseline picks its handler by it
    document: str
    variables: Callable[[random.Random, int], list[dict]]  # (rng, count) -> variables
    writes: bool = False  # needs a signed-in user; every request gets a fresh body
    # The baseline replays the statements the API sent for each body (captured first): the
    # search statements come from search/'s query parser and vocabulary, not from a template.
    replayed: bool = False


def resource_variables(rng: random.Random, count: int) -> list[dict]:
    ids = list(Resource.objects.active().values_list("pk", flat=True))
    return [{"id": _gid(pk)} for pk in rng.sample(ids, min(count, len(ids)))]


def resources_variables(rng: random.Random, count: int) -> list[dict]:
    return [{"limit": 20, "offset": 20 * rng.randrange(50)} for _ in range(count)]


def availability_variables(rng: random.Random, count: int) -> list[dict]:
    """10 resources of one venue, over one local day (venue time) 1 to 14 days ahead."""
    by_venue = defaultdict(list)
    for pk, venue, zone in Resource.objects.active().values_list("pk", "venue", "venue__timezone"):
        by_venue[(venue, zone)].append(pk)
    venues = sorted(key for key, ids in by_venue.items() if len(ids) >= AVAILABILITY_RESOURCES)
    out = []
    for _ in range(count):
        venue, zone = rng.choice(venues)
        days = rng.randint(1, 14)
        start, end = (_local_midnight(zone, days_ahead=d) for d in (days, days + 1))
        ids = sorted(rng.sample(by_venue[(venue, zone)], AVAILABILITY_RESOURCES))
        out.append({"ids": [_gid(pk) for pk in ids], "duration": 60,
                    "window": {"lower": start.isoformat(), "upper": end.isoformat()}})
    return out


def search_variables(rng: random.Random, count: int) -> list[dict]:
    """Texts from the catalogue's own words (in 3 to 45 % of the documents): one word, two
    words, a word being typed (its first four letters) and a word with a typo, in turn."""
    words = list(VocabularyWord.objects.filter(documents__range=(300, 4500))
                 .order_by("word").values_list("word", flat=True))
    kinds = [lambda: rng.choice(words), lambda: " ".join(rng.sample(words, 2)),
             lambda: rng.choice(words)[:4], lambda: _typo(rng.choice(words), rng)]
    return [{"text": kinds[i % len(kinds)]()} for i in range(count)]


def _typo(word: str, rng: random.Random) -> str:
    i = rng.randrange(1, len(word) - 1)  # two neighbours swapped, not the first letter
    return word[:i] + word[i + 1] + word[i] + word[i + 2:]


def book_variables(rng: random.Random, count: int) -> list[dict]:
    """`count` bookable one-hour slots that overlap neither bookings nor each other."""
    rows = list(Resource.objects.active().filter(min_length__lte=HOUR, max_length__gte=HOUR)
                .values_list("pk", "turnaround", "capacity"))
    rng.shuffle(rows)
    start = timezone.now().replace(minute=0, second=0, microsecond=0) + 2 * DAY
    out = []
    for chunk in (rows[i:i + 100] for i in range(0, len(rows), 100)):
        details = {pk: (turnaround, capacity) for pk, turnaround, capacity in chunk}
        slots = selectors.resource_slots(resource_ids=list(details), duration=HOUR,
                                         window=(start, start + 7 * DAY))
        for pk, starts in slots.items():
            turnaround, capacity = details[pk]
            out += [_booking(pk, slot, max(capacity.lower or 1, 1))
                     for slot in _apart(starts, HOUR + turnaround)]
        if len(out) >= count:
            break
    rng.shuffle(out)  # spread the writers over resources (each takes a per-resource lock)
    return out[:count]


def _apart(starts: list[dt.datetime], gap: dt.timedelta) -> list[dt.datetime]:
    """Slot starts at least `gap` apart (a booking blocks its hour plus the turnaround)."""
    taken = []
    for start in starts:
        if not taken or start >= taken[-1] + gap:
            taken.append(start)
    return taken


def _booking(pk: int, start: dt.datetime, party_size: int) -> dict:
    return {"input": {"resourceId": _gid(pk), "partySize": party_size,
                      "period": {"lower": start.isoformat(), "upper": (start + HOUR).isoformat()}}}


def _gid(pk: int) -> str:
    return relay.to_base64("Resource", pk)


def _today(zone: str) -> dt.date:
    return timezone.now().astimezone(zoneinfo.ZoneInfo(zone)).date()


def _local_midnight(zone: str, *, days_ahead: int) -> dt.datetime:
    date = _today(zone) + dt.timedelta(days=days_ahead)
    return dt.datetime.combine(date, dt.time(0), tzinfo=zoneinfo.ZoneInfo(zone))


OPERATIONS = [
    Operation("resource by id", "Resource", """
        query Resource($id: ID!) {
          resource(id: $id) {
            id name slug
            capacity { lower upper lowerInc upperInc isEmpty }
            venue { name timezone }
          }
        }""", resource_variables),
    Operation("20 resources with venue and amenities", "Resources", """
        query Resources($limit: Int!, $offset: Int!) {
          resources(limit: $limit, offset: $offset) {
            id name
            capacity { lower upper }
            venue { id name city timezone }
            amenities { id name slug }
          }
        }""", resources_variables),
    Operation("availability of 10 resources over one day", "Availability", """
        query Availability($ids: [ID!]!, $window: DateTimeRangeInput!, $duration: Int!) {
          availability(resourceIds: $ids, window: $window, durationMinutes: $duration) {
            resourceId
            freePeriods { lower upper }
            slots { start end }
          }
        }""", availability_variables),
    Operation("search top 20", "Search", """
        query Search($text: String!) {
          search(text: $text, first: 20) {
            total fallback
            hits { resourceId name city rank nameHtml snippetHtml }
            facets {
              category { value label count }
              city { value count }
              amenity { value label count }
            }
          }
        }""", search_variables, replayed=True),
    Operation("book", "Book", """
        mutation Book($input: BookingInput!) {
          book(input: $input) {
            __typename
            ... on Booking { id reference status partySize period { lower upper } }
            ... on Error { code message }
          }
        }""", book_variables, writes=True),
]

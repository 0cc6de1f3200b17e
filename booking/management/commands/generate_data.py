"""`manage.py generate_data`: a catalogue and bookings at benchmark scale.

    manage.py generate_data --resources 10000 --bookings 1000000 --seed 1

Resources spread over about N/50 venues in ten time zones, with the demo's categories,
amenities and hour templates (fixtures/demo.py), special days, closures and rates; bookings
from 180 days ago to the resource's horizon (at most 180 days ahead), inside opening hours,
on the slot grid, never overlapping per resource (turnaround included, whatever the status).
Deterministic for a given --seed and --now. Everything is written in one transaction.
"""

import datetime as dt
import random
import time
import zoneinfo
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

import pgtrigger
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.db.backends.postgresql.psycopg_any import DateRange, DateTimeTZRange, NumericRange
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.text import slugify

from booking.models import (
    Amenity,
    Booking,
    Category,
    Closure,
    OpeningHours,
    Rate,
    Resource,
    SpecialHours,
    Venue,
)
from fixtures import demo

# The audit trail's (django-pghistory) row triggers, skipped for the bulk load only.
AUDIT_INSERT_TRIGGERS = [
    f"booking.{model}:insert_insert"
    for model in ("Resource", "OpeningHours", "SpecialHours", "Closure", "Rate", "Booking")
]
PAST = dt.timedelta(days=180)
FUTURE = dt.timedelta(days=180)
RESOURCES_PER_VENUE = 50
HOLD = 15 * 60
NULL = "\\N"  # in COPY text format
REFERENCE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # as booking_new_reference()

# fmt: off
# (time zone, ISO country, currency, cities)
ZONES = [
    ("Europe/Berlin", "DE", "EUR", ["Berlin", "Hamburg", "Munich"]),
    ("Europe/London", "GB", "GBP", ["London", "Manchester"]),
    ("America/New_York", "US", "USD", ["New York", "Boston"]),
    ("America/Chicago", "US", "USD", ["Chicago", "Austin"]),
    ("America/Los_Angeles", "US", "USD", ["Los Angeles", "Seattle"]),
    ("America/Sao_Paulo", "BR", "BRL", ["São Paulo"]),
    ("Asia/Kolkata", "IN", "INR", ["Bengaluru", "Mumbai"]),
    ("Asia/Kathmandu", "NP", "NPR", ["Kathmandu", "Pokhara"]),
    ("Asia/Tokyo", "JP", "JPY", ["Tokyo", "Osaka"]),
    ("Australia/Adelaide", "AU", "AUD", ["Adelaide"]),  # +09:30/+10:30, southern DST
]
VENUE_WORDS = ["Works", "Exchange", "Commons", "House", "Yard", "Lofts", "Mill", "Depot"]
ADJECTIVES = ["quiet", "bright", "spacious", "cosy", "modern", "rustic", "industrial",
              "minimalist", "sunny", "historic"]
# category: (weight, hour templates of demo.HOURS, capacity lower, capacity upper range,
#            price per hour)
CATEGORY_PLAN = {
    "meeting-room":   (30, ["office", "office", "split", "long-days"], 2, (5, 17), 40),
    "hot-desk":       (25, ["office", "long-days", "round-the-clock"], 1, (2, 2), 8),
    "phone-booth":    (10, ["long-days", "round-the-clock"], 1, (2, 2), 5),
    "private-office": (8, ["office", "round-the-clock"], 1, (3, 9), 30),
    "podcast-studio": (4, ["studio", "late"], 1, (3, 6), 50),
    "photo-studio":   (4, ["studio", "seasonal-hall"], 1, (5, 12), 70),
    "event-hall":     (3, ["hall", "seasonal-hall"], 20, (80, 301), 250),
    "rehearsal-room": (4, ["late", "studio"], 1, (5, 9), 25),
    "workshop":       (4, ["office", "studio"], 2, (8, 17), 45),
    "vehicle":        (5, ["fleet", "round-the-clock"], 1, (3, 10), 35),
    "kitchen":        (3, ["office", "long-days"], 1, (4, 11), 60),
}
# fmt: on
TURNAROUNDS = (0, 5, 10, 15, 20, 30)  # minutes
STEPS = (15, 30, 60)  # minutes


class Command(BaseCommand):
    help = (
        "Load a catalogue of N resources and M bookings for benchmarks, in one transaction. "
        "Refuses a database that has bookings unless --append (which adds a new catalogue "
        "next to what is there). Skips the audit trail's insert triggers (pghistory "
        f"{', '.join(AUDIT_INSERT_TRIGGERS)}): no audit events are written for this data. "
        "Every other trigger and constraint stays active: booking_set_blocked fills "
        "`blocked` and booking_no_overlap checks every row. Bookings go in with COPY; "
        "ANALYZE runs at the end."
    )

    def add_arguments(self, parser):
        parser.add_argument("--resources", type=int, required=True, help="How many resources.")
        parser.add_argument("--bookings", type=int, required=True, help="How many bookings.")
        parser.add_argument("--seed", type=int, default=1, help="Random seed (default 1).")
        parser.add_argument(
            "--now",
            help="ISO instant the data is centred on (default: now); with --seed, "
            "the same --now gives the same data.",
        )
        parser.add_argument(
            "--append",
            action="store_true",
            help="Add to a database that already has bookings (a new catalogue beside it).",
        )
        parser.add_argument(
            "--database-name",
            help="Use this database on the configured server instead of the configured one.",
        )

    def handle(self, *args, resources, bookings, seed, now, append, database_name, **options):
        if resources < 1 or bookings < 0:
            raise CommandError("--resources must be at least 1 and --bookings at least 0.")
        if database_name:
            connection.close()
            connection.settings_dict["NAME"] = database_name
        _check_database(append=append)
        now = _parse_now(now)
        progress = Progress(self.stderr, quiet=options["verbosity"] == 0)
        rng = random.Random(seed)
        started = time.monotonic()
        with transaction.atomic(), pgtrigger.ignore(*AUDIT_INSERT_TRIGGERS):
            plans = catalogue_create(resources, rng=rng, now=now)
            catalogue_seconds = time.monotonic() - started
            made = bookings_copy(plans, bookings, rng=rng, now=now, progress=progress)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        seconds = time.monotonic() - started
        if options["verbosity"]:
            self.stdout.write(summary(plans, made, catalogue_seconds, seconds))


def _check_database(*, append: bool) -> None:
    if "booking_booking" not in connection.introspection.table_names():
        raise CommandError(
            f"Database {connection.settings_dict['NAME']!r} has no booking tables: "
            "run manage.py migrate on it first."
        )
    if not append and Booking.objects.exists():
        raise CommandError(
            f"Database {connection.settings_dict['NAME']!r} already has bookings: use a "
            "dedicated database (--database-name, DATABASE_URL), or --append to add to it."
        )


def _parse_now(value: str | None) -> dt.datetime:
    if value is None:
        return timezone.now().replace(microsecond=0)
    parsed = parse_datetime(value)
    if parsed is None or timezone.is_naive(parsed):
        raise CommandError("--now must be an ISO instant with an offset, e.g. 2026-06-01T12:00Z.")
    return parsed.astimezone(dt.UTC)


# --- catalogue ------------------------------------------------------------------------


@dataclass
class Plan:
    """A resource as the booking generator needs it: times in epoch seconds."""

    resource: Resource
    zone: str
    template: str
    first_day: dt.date
    last_day: dt.date
    change: dt.date
    special: dict = field(default_factory=dict)  # local date -> (start, end) minutes | None
    closed: set = field(default_factory=set)  # local dates
    step: int = 0
    turnaround: int = 0
    shortest: int = 0  # min_length rounded up to the step
    longest: int = 0


def catalogue_create(count: int, *, rng, now) -> list[Plan]:
    """Venues, resources, amenities, hours, special days, closures and rates."""
    categories = {
        slug: Category.objects.update_or_create(
            slug=slug, defaults={"name": data["name"], "description": data["description"]}
        )[0]
        for slug, data in demo.CATEGORIES.items()
    }
    amenities = [
        Amenity.objects.update_or_create(slug=slug, defaults={"name": name})[0]
        for slug, name in demo.AMENITIES.items()
    ]
    venues = venues_create(-(-count // RESOURCES_PER_VENUE), rng=rng)
    plans = [
        resource_plan(venues[i * len(venues) // count], categories, rng=rng, now=now)
        for i in range(count)
    ]
    Resource.objects.bulk_create([plan.resource for plan in plans], batch_size=2000)
    Resource.amenities.through.objects.bulk_create(
        [
            Resource.amenities.through(resource=plan.resource, amenity=amenity)
            for plan in plans
            for amenity in rng.sample(amenities, rng.randint(2, 6))
        ],
        batch_size=5000,
    )
    hours_and_rates_create(plans, rng=rng)
    exceptions_create(plans, venues, rng=rng)
    return plans


def venues_create(count: int, *, rng) -> list[Venue]:
    offset = Venue.objects.count()
    venues = []
    for i in range(offset, offset + count):
        zone, country, _, cities = ZONES[i % len(ZONES)]
        city = rng.choice(cities)
        name = f"{city} {rng.choice(VENUE_WORDS)} {i + 1}"
        venues.append(
            Venue(
                name=name,
                slug=slugify(name),
                city=city,
                country=country,
                timezone=zone,
                address=f"{rng.randint(1, 250)} Generated Street, {city}",
                description=f"A {rng.choice(ADJECTIVES)} building in {city} with rooms, desks "
                "and studios to book by the hour.",
            )
        )
    return Venue.objects.bulk_create(venues)


def resource_plan(venue: Venue, categories: dict, *, rng, now) -> Plan:
    slug = rng.choices(list(CATEGORY_PLAN), [p[0] for p in CATEGORY_PLAN.values()])[0]
    _, templates, low, (high_min, high_max), _ = CATEGORY_PLAN[slug]
    defaults = demo.CATEGORIES[slug]["defaults"]
    minute = dt.timedelta(minutes=1)
    turnaround = defaults["turnaround"] if rng.random() < 0.7 else rng.choice(TURNAROUNDS) * minute
    step = defaults["slot_step"] if rng.random() < 0.8 else rng.choice(STEPS) * minute
    number = rng.randrange(1, 10**6)
    name = f"{rng.choice(ADJECTIVES).capitalize()} {categories[slug].name.lower()} {number}"
    resource = Resource(
        venue=venue,
        category=categories[slug],
        name=name,
        slug=slugify(name),
        description=f"A {name.split()[0].lower()} {categories[slug].name.lower()} at "
        f"{venue.name} for up to {high_max - 1} people.",
        capacity=NumericRange(low, rng.randint(high_min, high_max), "[)"),
        **{**defaults, "turnaround": turnaround, "slot_step": step},
        is_active=rng.random() >= 0.02,
    )
    template = rng.choice(templates)
    if venue.timezone == "Asia/Kathmandu" and template == "office":
        template = "nepal-office"  # the working week runs Sunday to Friday
    today = now.astimezone(zoneinfo.ZoneInfo(venue.timezone)).date()
    seconds = int(step.total_seconds())
    shortest = -(-int(resource.min_length.total_seconds()) // seconds) * seconds
    return Plan(
        resource=resource,
        zone=venue.timezone,
        template=template,
        first_day=today - PAST,
        last_day=today + min(resource.horizon, FUTURE),
        change=demo.change_date(today),
        step=seconds,
        turnaround=int(turnaround.total_seconds()),
        shortest=shortest,
        longest=int(resource.max_length.total_seconds()),
    )


def hours_and_rates_create(plans: list[Plan], *, rng) -> None:
    hours, rates = [], []
    for plan in plans:
        seasons = _seasons(plan.change)
        for days, opens, closes, *season in demo.HOURS[plan.template]:
            hours += [
                OpeningHours(
                    resource=plan.resource,
                    weekday=day,
                    valid_during=seasons[tuple(season)],
                    hours=NumericRange(minutes(opens), minutes(closes), "[)"),
                )
                for day in days
            ]
        price = Decimal(CATEGORY_PLAN[plan.resource.category.slug][4] * rng.uniform(0.6, 1.6))
        currency = next(z[2] for z in ZONES if z[0] == plan.zone)
        if rng.random() < 0.5:
            rates.append(
                Rate(resource=plan.resource, price_per_hour=round(price, 2), currency=currency)
            )
        else:  # a price rise on the change date
            rates += [
                Rate(
                    resource=plan.resource,
                    valid_during=seasons[("until-change",)],
                    price_per_hour=round(price, 2),
                    currency=currency,
                ),
                Rate(
                    resource=plan.resource,
                    valid_during=seasons[("from-change",)],
                    price_per_hour=round(price * Decimal("1.08"), 2),
                    currency=currency,
                ),
            ]
    OpeningHours.objects.bulk_create(hours, batch_size=5000)
    Rate.objects.bulk_create(rates, batch_size=5000)


def _seasons(change: dt.date) -> dict:
    return {
        (): DateRange(None, None, "[)"),
        ("until-change",): DateRange(None, change, "[)"),
        ("from-change",): DateRange(change, None, "[)"),
    }


def exceptions_create(plans: list[Plan], venues: list[Venue], *, rng) -> None:
    """Special days for a quarter of the resources; maintenance closures (whole local
    days, a few until further notice) for some; three public holidays per venue."""
    specials, closures = [], []
    for plan in plans:
        span = (plan.last_day - plan.first_day).days
        if rng.random() < 0.25:
            for day in {plan.first_day + dt.timedelta(rng.randrange(span)) for _ in range(3)}:
                hours = rng.choice([None, (600, 840), (420, 1380)])
                plan.special[day] = hours
                specials.append(
                    SpecialHours(
                        resource=plan.resource,
                        date=day,
                        hours=hours and NumericRange(*hours, "[)"),
                        note="Closed for staff training" if hours is None else "Special hours",
                    )
                )
        if rng.random() < 0.05:
            first = plan.first_day + dt.timedelta(rng.randrange(span))
            last = None if rng.random() < 0.1 else first + dt.timedelta(rng.randrange(7))
            closures.append(
                _closure(plan.zone, first, last, resource=plan.resource, reason="Maintenance")
            )
            plan.closed.update(_days(first, last or plan.last_day))
    by_venue = {}
    for plan in plans:
        by_venue.setdefault(plan.resource.venue_id, []).append(plan)
    for venue in venues:
        venue_plans = by_venue.get(venue.pk, [])
        if not venue_plans:
            continue
        first, last = venue_plans[0].first_day, venue_plans[0].last_day
        for _ in range(3):
            day = first + dt.timedelta(rng.randrange((last - first).days))
            closures.append(
                _closure(venue.timezone, day, day, venue=venue, reason="Public holiday")
            )
            for plan in venue_plans:
                plan.closed.add(day)
    SpecialHours.objects.bulk_create(specials, batch_size=5000)
    Closure.objects.bulk_create(closures, batch_size=5000)


def _closure(zone: str, first: dt.date, last: dt.date | None, **fields) -> Closure:
    upper = last and instant(last + dt.timedelta(days=1), 0, zone)
    lower = instant(first, 0, zone)
    return Closure(period=DateTimeTZRange(_utc(lower), upper and _utc(upper), "[)"), **fields)


def _days(first: dt.date, last: dt.date) -> list[dt.date]:
    return [first + dt.timedelta(i) for i in range((last - first).days + 1)]


def customers_ensure(count: int) -> list[int]:
    """Ids of `count` customers bench-customer-00001...; the missing ones are created."""
    user_model = get_user_model()
    names = [f"bench-customer-{i:05d}" for i in range(1, count + 1)]
    existing = set(user_model.objects.filter(username__in=names).values_list("username", flat=True))
    user_model.objects.bulk_create(
        user_model(username=name, email=f"{name}@example.com", password=make_password(None))
        for name in names
        if name not in existing
    )
    # In name order: rng.choice() picks by position, and a heap's order is not fixed.
    return list(user_model.objects.filter(username__in=names).order_by("username")
                .values_list("pk", flat=True))


# --- local time -----------------------------------------------------------------------


def minutes(hhmm: str) -> int:
    """'09:30' -> 570; '24:00' -> 1440."""
    hours, mins = hhmm.split(":")
    return int(hours) * 60 + int(mins)


def instant(day: dt.date, minute: int, zone: str) -> int:
    """Epoch seconds of local `day` + `minute` as PostgreSQL reads `timestamp AT TIME ZONE`:
    a skipped wall time takes the offset before the jump and a repeated one is the later
    instant; in both cases that is the later of zoneinfo's two folds."""
    wall = dt.datetime.combine(day, dt.time()) + dt.timedelta(minutes=minute)
    tz = zoneinfo.ZoneInfo(zone)
    return max(int(wall.replace(tzinfo=tz, fold=fold).timestamp()) for fold in (0, 1))


def _utc(epoch: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(epoch, dt.UTC)


# --- bookings -------------------------------------------------------------------------


def bookings_copy(plans: list[Plan], total: int, *, rng, now, progress) -> Counter:
    """COPY `total` bookings, resource by resource in time order; counts by status."""
    calendars = {}
    days = [opening_days(plan, calendars) for plan in plans]
    caps = [day_capacities(plan, plan_days) for plan, plan_days in zip(plans, days, strict=True)]
    totals = [sum(plan_caps) for plan_caps in caps]
    if total > sum(totals):
        raise CommandError(f"At most {sum(totals)} bookings fit in these opening hours.")
    counts = allocate(total, [rng.lognormvariate(0, 0.6) for _ in plans], totals, rng)
    customers = customers_ensure(max(10, min(5000, total // 200)))
    rows = BookingRows(customers, rng=rng, now=int(now.timestamp()))
    progress.start("bookings", total)
    with _copy("booking_booking", BookingRows.COLUMNS) as copy:
        for plan, plan_days, plan_caps, count in zip(plans, days, caps, counts, strict=True):
            periods = resource_periods(plan, plan_days, plan_caps, count, rng=rng)
            copy.write("".join(rows.text(plan.resource, s, e) for s, e in periods))
            progress.advance(count)
    progress.done()
    return rows.made


class _copy:
    """`COPY table (columns) FROM STDIN` on the transaction of Django's connection."""

    def __init__(self, table: str, columns: tuple[str, ...]):
        self.sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN"

    def __enter__(self):
        # pgtrigger.ignore() works by prefixing every statement sent through Django's
        # cursor with a transaction-local set_config('pgtrigger.ignore', ...). COPY goes
        # to psycopg directly, so one statement through Django first sets it for the COPY.
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        self.cursor = connection.connection.cursor()
        self.copy = self.cursor.copy(self.sql)
        return self.copy.__enter__()

    def __exit__(self, *exc):
        try:
            return self.copy.__exit__(*exc)
        finally:
            self.cursor.close()


def opening_days(plan: Plan, calendars: dict) -> list[tuple[int, list[tuple[int, int]]]]:
    """(local midnight, open spans) per local date of the plan, in epoch seconds."""
    key = (plan.zone, plan.template, plan.first_day, plan.last_day, plan.change)
    if key not in calendars:
        calendars[key] = [
            (instant(day, 0, plan.zone), _spans(day, _weekly(plan, day), plan.zone))
            for day in _days(plan.first_day, plan.last_day)
        ]
    days = calendars[key]
    if not (plan.special or plan.closed):
        return days
    patched = list(days)
    for i, day in enumerate(_days(plan.first_day, plan.last_day)):
        if day in plan.closed:
            patched[i] = (days[i][0], [])
        elif day in plan.special:
            hours = plan.special[day]
            patched[i] = (days[i][0], _spans(day, [hours] if hours else [], plan.zone))
    return patched


def _weekly(plan: Plan, day: dt.date) -> list[tuple[int, int]]:
    return [
        (minutes(opens), minutes(closes))
        for days, opens, closes, *season in demo.HOURS[plan.template]
        if day.isoweekday() in days
        and (not season or (day < plan.change) == (season[0] == "until-change"))
    ]


def _spans(day: dt.date, hours: list[tuple[int, int]], zone: str) -> list[tuple[int, int]]:
    spans = [(instant(day, a, zone), instant(day, b, zone)) for a, b in hours]
    return [(a, b) for a, b in spans if a < b]


def day_capacities(plan: Plan, days) -> list[int]:
    """How many bookings each local date can take (see `day_periods`)."""
    unit = plan.shortest + plan.turnaround + plan.step
    return [sum((b - a) // unit for a, b in spans) for _, spans in days]


def allocate(total: int, weights: list[float], caps: list[int], rng) -> list[int]:
    """`total` split in proportion to `weights` with none above its cap; what rounding
    down leaves goes one by one to random entries that are not full."""
    counts = [0] * len(caps)
    left = total
    while left:
        room = [i for i, cap in enumerate(caps) if counts[i] < cap]
        weight = sum(weights[i] for i in room)
        given = 0
        for i in room:
            share = min(int(left * weights[i] / weight), caps[i] - counts[i])
            counts[i] += share
            given += share
        if not given:
            for i in rng.sample(room, min(left, len(room))):
                counts[i] += 1
                given += 1
        left -= given
    return counts


def resource_periods(plan: Plan, days, caps: list[int], count: int, *, rng):
    """`count` sorted (start, end) periods whose blocked ranges never overlap."""
    eligible = [i for i, cap in enumerate(caps) if cap]
    if count <= len(eligible):
        per_day = dict.fromkeys(rng.sample(eligible, count), 1)
    else:
        per_day = dict(enumerate(allocate(count, caps, caps, rng)))
    for i in sorted(per_day):
        if per_day[i]:
            yield from day_periods(plan, *days[i], per_day[i], rng=rng)


def day_periods(plan: Plan, midnight: int, spans, count: int, *, rng):
    """`count` periods in the open spans of one day, on the step grid from local midnight.

    Each span is cut into equal parts, one booking per part, and a booking's turnaround
    ends inside its part, so bookings of different parts, spans and days never overlap.
    A part of at least shortest + turnaround + step always has room for one.
    """
    step, turnaround, shortest = plan.step, plan.turnaround, plan.shortest
    unit = shortest + turnaround + step
    caps = [(b - a) // unit for a, b in spans]
    for (opens, closes), parts in zip(spans, allocate(count, caps, caps, rng), strict=True):
        for part in range(parts):
            lower = opens + (closes - opens) * part // parts
            upper = opens + (closes - opens) * (part + 1) // parts
            first = midnight - (midnight - lower) // step * step  # first grid point >= lower
            longer = min(
                (upper - first - turnaround - shortest) // step,
                (plan.longest - shortest) // step,
                6,
            )
            length = shortest + rng.randint(0, longer) * step
            start = first + rng.randrange((upper - first - turnaround - length) // step + 1) * step
            yield start, start + length


class BookingRows:
    """COPY text rows of bookings with statuses, holds and references."""

    COLUMNS = (
        "reference",
        "resource_id",
        "customer_id",
        "party_size",
        "period",
        "status",
        "hold_expires_at",
        "created_at",
        "updated_at",
    )

    def __init__(self, customers: list[int], *, rng, now: int):
        self.customers, self.rng, self.now = customers, rng, now
        self.taken = set(Booking.objects.values_list("reference", flat=True))
        self.made = Counter()

    def text(self, resource: Resource, start: int, end: int) -> str:
        status, hold, created, updated = self.status(start, end)
        self.made[status] += 1
        rng = self.rng
        party = rng.randrange(resource.capacity.lower, resource.capacity.upper)
        return (
            f"{self.reference()}\t{resource.pk}\t{rng.choice(self.customers)}\t{party}\t"
            f"[{_ts(start)},{_ts(end)})\t{status}\t{_ts(hold) if hold else NULL}\t"
            f"{_ts(created)}\t{_ts(updated)}\n"
        )

    def status(self, start: int, end: int) -> tuple[str, int | None, int, int]:
        """(status, hold expiry, created, updated): past bookings are mostly confirmed,
        some cancelled or expired; coming ones also held, the hold live or stale."""
        rng, now = self.rng, self.now
        created = min(now, start - rng.randrange(3600, 30 * 86400))
        draw = rng.random()
        if end > now and start <= now or draw < 0.85:
            return "confirmed", None, created, created
        if draw < 0.95:
            cancelled = created + rng.randrange(max(1, min(now, start) - created))
            return "cancelled", None, created, cancelled
        if start <= now or draw < 0.97:
            return "expired", None, created, min(now, created + HOLD)
        hold = now + rng.randrange(60, HOLD) if draw < 0.99 else now - rng.randrange(60, 86400)
        return "held", hold, hold - HOLD, hold - HOLD

    def reference(self) -> str:
        while True:
            n, chars = self.rng.randrange(31**8), []
            for _ in range(8):
                n, digit = divmod(n, 31)
                chars.append(REFERENCE_ALPHABET[digit])
            code = "RB-" + "".join(chars)
            if code not in self.taken:
                self.taken.add(code)
                return code


def _ts(epoch: int) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S+00", time.gmtime(epoch))


# --- report ---------------------------------------------------------------------------


class Progress:
    """A percentage line on stderr, redrawn in place on a terminal."""

    def __init__(self, out, *, quiet: bool):
        self.out, self.quiet = out, quiet
        self.tty = out.isatty()

    def start(self, label: str, total: int) -> None:
        self.label, self.total, self.done_count = label, total, 0
        self.started, self.shown = time.monotonic(), -1

    def advance(self, count: int) -> None:
        self.done_count += count
        percent = 100 * self.done_count // max(1, self.total)
        # On a terminal every percent, redrawn in place; in a log one line per tenth.
        shown = percent if self.tty else percent // 10 * 10
        if not self.quiet and shown != self.shown:
            self.shown = shown
            elapsed = time.monotonic() - self.started
            line = f"{self.label}: {percent:3d}% ({self.done_count}/{self.total}, {elapsed:.0f} s)"
            self.out.write(
                ("\r" + line) if self.tty else line, ending="", style_func=lambda text: text
            )
            if not self.tty:
                self.out.write("", style_func=lambda text: text)
            self.out.flush()

    def done(self) -> None:
        if not self.quiet and self.tty:
            self.out.write("", style_func=lambda text: text)


def summary(plans: list[Plan], made: Counter, catalogue_seconds: float, seconds: float) -> str:
    venues = {plan.resource.venue_id for plan in plans}
    zones = {plan.zone for plan in plans}
    statuses = ", ".join(f"{made[s]} {s}" for s in ("confirmed", "held", "cancelled", "expired"))
    return (
        f"Generated {len(plans)} resources at {len(venues)} venues in {len(zones)} time zones "
        f"(catalogue in {catalogue_seconds:.1f} s) and {sum(made.values())} bookings "
        f"({statuses}) in {seconds:.1f} s in all, ANALYZE included."
    )

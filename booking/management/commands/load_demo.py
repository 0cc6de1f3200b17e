"""`manage.py load_demo`: the demo catalogue of fixtures/demo.py, demo users, and a few
hundred bookings over the coming four weeks, made through the booking services.

For demos only: the users it creates have well-known passwords.
"""

import datetime as dt
import math
import random
import time
from collections import Counter
from decimal import Decimal

import pgtrigger
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.db.backends.postgresql.psycopg_any import DateRange, DateTimeTZRange, NumericRange
from django.utils import timezone
from django.utils.text import slugify

from booking.errors import BookingError
from booking.models import (
    Amenity,
    Booking,
    BookingStatus,
    Category,
    Closure,
    OpeningHours,
    Rate,
    Resource,
    SpecialHours,
    Venue,
)
from booking.services import booking_book, booking_cancel, booking_hold
from fixtures import demo

BOOKING_WINDOW = dt.timedelta(days=28)
# (username, password, superuser). Demo only: never load these on a reachable server.
USERS = [("admin", "admin", True), ("alice", "alice-demo", False), ("bob", "bob-demo", False)]


class Command(BaseCommand):
    help = "Load the demo venues, resources, users and bookings (once; --reset reloads)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--reset",
            action="store_true",
            help="Remove the demo data, bookings included, then load it again.",
        )
        parser.add_argument(
            "--seed", type=int, default=2026, help="Seed of the random choices of bookings."
        )
        parser.add_argument(
            "--bookings", type=int, default=300, help="How many bookings to make (default 300)."
        )
        parser.add_argument(
            "--url", default="http://127.0.0.1:8000",
            help="Where the demo is served, for the addresses printed (make demo passes its "
            "HOST and PORT; default %(default)s).",
        )

    def handle(self, *args, reset: bool, seed: int, bookings: int, url: str, **options):
        started = time.monotonic()
        with transaction.atomic():
            if demo_is_loaded() and not reset:
                self.stdout.write(
                    "The demo data is already loaded; nothing to do "
                    "(use --reset to remove and reload it)."
                )
                self.stdout.write(logins(url))
                return
            if reset:
                self.stdout.write(f"Removed the demo data ({demo_remove()} bookings).")
            users, created = demo_users()
            now = timezone.now()
            resources = demo_catalogue_load(now=now)
            made = demo_bookings_make(
                resources=resources,
                customers=[users["alice"], users["bob"]],
                staff=users["admin"],
                now=now,
                rng=random.Random(seed),
                target=bookings,
            )
            demo_notices_drop(resources)
            with connection.cursor() as cursor:
                # Fresh statistics: search weighs rare words by the planner's count of
                # documents (search/vocabulary.py), and plans with the new row counts.
                cursor.execute("ANALYZE search_resourcedocument, booking_resource, booking_booking")
        self.stdout.write(summary(made, created=created, seconds=time.monotonic() - started))
        self.stdout.write(logins(url))


def demo_notices_drop(resources) -> int:
    """Demo bookings are history, not news: drop the customers' notices their changes
    queued (in this transaction, so no worker ever saw them); returns how many."""
    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM procrastinate_jobs AS job USING booking_bookingevent AS event"
            " WHERE job.task_name = 'booking.notify_customer' AND job.status = 'todo'"
            " AND (job.args->>'event_id')::bigint = event.pgh_id AND event.resource_id = ANY(%s)",
            [[resource.pk for resource in resources]],
        )
        return cursor.rowcount


def demo_is_loaded() -> bool:
    return Venue.objects.filter(slug__in=demo.VENUES).exists()


def demo_remove() -> int:
    """Delete the demo venues with everything on them; returns how many bookings went."""
    venues = Venue.objects.filter(slug__in=demo.VENUES)
    resources = Resource.objects.filter(venue__in=venues)
    # Bookings are cancelled, never deleted; the demo reset is the one exception.
    with pgtrigger.ignore("booking.Booking:booking_protect_delete"):
        removed, _ = Booking.objects.filter(resource__in=resources).delete()
    resources.delete()
    venues.delete()
    # Kept while resources outside the demo still use them.
    Category.objects.filter(slug__in=demo.CATEGORIES, resources__isnull=True).delete()
    Amenity.objects.filter(slug__in=demo.AMENITIES, resources__isnull=True).delete()
    return removed


def demo_users() -> tuple[dict, list[str]]:
    """The demo users by username, and the names of those created now (existing users,
    passwords included, are left as they are)."""
    user_model = get_user_model()
    users, created = {}, []
    for username, password, superuser in USERS:
        user = user_model.objects.filter(username=username).first()
        if user is None:
            create = (
                user_model.objects.create_superuser if superuser else user_model.objects.create_user
            )
            user = create(
                username, f"{username}@example.com", password, first_name=username.capitalize()
            )
            created.append(username)
        users[username] = user
    return users, created


# --- catalogue ------------------------------------------------------------------------


def demo_catalogue_load(*, now: dt.datetime) -> list[Resource]:
    """The demo resources, saved with their venues, taxonomy, hours, closures and rates."""
    categories = {
        slug: Category.objects.update_or_create(
            slug=slug, defaults={"name": data["name"], "description": data["description"]}
        )[0]
        for slug, data in demo.CATEGORIES.items()
    }
    amenities = {
        slug: Amenity.objects.update_or_create(slug=slug, defaults={"name": name})[0]
        for slug, name in demo.AMENITIES.items()
    }
    venues = Venue.objects.bulk_create(
        Venue(
            slug=slug,
            **{
                key: data[key]
                for key in ("name", "description", "address", "city", "country", "timezone")
            },
        )
        for slug, data in demo.VENUES.items()
    )
    rows = [(venue, entry) for venue in venues for entry in demo.RESOURCES[venue.slug]]
    resources = Resource.objects.bulk_create(
        _resource(venue, categories[entry["category"]], entry) for venue, entry in rows
    )
    Resource.amenities.through.objects.bulk_create(
        Resource.amenities.through(resource=resource, amenity=amenities[slug])
        for resource, (_, entry) in zip(resources, rows, strict=True)
        for slug in entry["amenities"]
    )
    entries = dict(zip(resources, (entry for _, entry in rows), strict=True))
    _hours_and_rates_load(entries, now=now)
    _exceptions_load({r.name: r for r in resources}, venues, now=now)
    return list(
        Resource.objects.filter(venue__in=venues)
        .select_related("venue")
        .prefetch_related("opening_hours", "special_hours")
        .order_by("pk")
    )


def _resource(venue: Venue, category: Category, entry: dict) -> Resource:
    fields = {
        **demo.CATEGORIES[category.slug]["defaults"],
        **{k: v for k, v in entry.items() if k in _OVERRIDABLE},
    }
    return Resource(
        venue=venue,
        category=category,
        name=entry["name"],
        slug=slugify(entry["name"]),
        description=entry["description"],
        capacity=NumericRange(*entry["capacity"], "[)"),
        **fields,
    )


_OVERRIDABLE = {
    "turnaround",
    "min_notice",
    "horizon",
    "min_length",
    "max_length",
    "slot_step",
    "is_active",
}


def _hours_and_rates_load(entries: dict[Resource, dict], *, now: dt.datetime) -> None:
    hours, rates = [], []
    for resource, entry in entries.items():
        today = now.astimezone(resource.venue.zone).date()
        seasons = _seasons(demo.change_date(today))
        for days, opens, closes, *season in demo.HOURS[entry["hours"]]:
            valid = seasons[season[0] if season else None]
            hours += [
                OpeningHours(
                    resource=resource,
                    weekday=day,
                    valid_during=valid,
                    hours=NumericRange(minutes(opens), minutes(closes), "[)"),
                )
                for day in days
            ]
        prices = entry["price"] if isinstance(entry["price"], tuple) else (entry["price"],)
        currency = demo.VENUES[resource.venue.slug]["currency"]
        valid = (
            [seasons[None]]
            if len(prices) == 1
            else [seasons["until-change"], seasons["from-change"]]
        )
        rates += [
            Rate(
                resource=resource,
                valid_during=period,
                price_per_hour=Decimal(price),
                currency=currency,
            )
            for period, price in zip(valid, prices, strict=True)
        ]
    OpeningHours.objects.bulk_create(hours)
    Rate.objects.bulk_create(rates)


def _seasons(change: dt.date) -> dict:
    return {
        None: DateRange(None, None, "[)"),
        "until-change": DateRange(None, change, "[)"),
        "from-change": DateRange(change, None, "[)"),
    }


def _exceptions_load(by_name: dict[str, Resource], venues: list[Venue], *, now) -> None:
    """Special days and maintenance closures of resources, and venue holidays."""
    specials, closures = [], []
    for name, when, span, note in demo.SPECIAL_HOURS:
        resource = by_name[name]
        hours = span and NumericRange(minutes(span[0]), minutes(span[1]), "[)")
        specials.append(
            SpecialHours(
                resource=resource, note=note, hours=hours, date=when(_today(resource.venue, now))
            )
        )
    for name, first, opens, last, closes, reason in demo.CLOSURES:
        resource = by_name[name]
        today, zone = _today(resource.venue, now), resource.venue.zone
        end = last and local_time(last(today), minutes(closes), zone)
        closures.append(
            Closure(
                resource=resource,
                reason=reason,
                period=DateTimeTZRange(local_time(first(today), minutes(opens), zone), end, "[)"),
            )
        )
    for venue in venues:
        for holiday, when in demo.VENUES[venue.slug]["holidays"]:
            day = when(_today(venue, now))
            closures.append(
                Closure(
                    venue=venue,
                    reason=f"Public holiday: {holiday}",
                    period=DateTimeTZRange(
                        local_time(day, 0, venue.zone), local_time(day, 1440, venue.zone), "[)"
                    ),
                )
            )
    SpecialHours.objects.bulk_create(specials)
    Closure.objects.bulk_create(closures)


def _today(venue: Venue, now: dt.datetime) -> dt.date:
    return now.astimezone(venue.zone).date()


def minutes(hhmm: str) -> int:
    """'09:30' -> 570; '24:00' -> 1440."""
    hours, mins = hhmm.split(":")
    return int(hours) * 60 + int(mins)


def local_time(day: dt.date, minute: int, zone) -> dt.datetime:
    """The instant `minute` minutes of wall-clock time after local midnight of `day`."""
    return dt.datetime.combine(day, dt.time(), tzinfo=zone) + dt.timedelta(minutes=minute)


# --- bookings -------------------------------------------------------------------------


def demo_bookings_make(*, resources, customers, staff, now, rng, target) -> Counter:
    """Up to `target` bookings through the services; counts by final status.

    Candidates are drawn inside the opening hours; the services still decide, and a
    candidate they reject (conflict, closure, notice) is skipped.
    """
    made = Counter()
    bookable = [resource for resource in resources if resource.is_active]
    for _ in range(target * 4):
        if sum(made[status] for status in BookingStatus) >= target:
            break
        resource = rng.choice(bookable)
        period = candidate_period(resource, now=now, rng=rng)
        if period is None:
            continue
        try:
            booking = _book(resource, period, rng=rng, customer=rng.choice(customers), staff=staff)
        except BookingError:
            made["rejected"] += 1
            continue
        made[booking.status] += 1
    return made


def _book(resource: Resource, period, *, rng, customer, staff) -> Booking:
    # Now and then staff book on a customer's behalf: the audit trail shows who acted.
    actor = staff if rng.random() < 0.1 else customer
    action = rng.choices(("book", "hold", "cancel"), weights=(82, 6, 12))[0]
    service = booking_hold if action == "hold" else booking_book
    booking = service(
        resource=resource,
        customer=customer,
        actor=actor,
        party_size=rng.randrange(resource.capacity.lower, resource.capacity.upper),
        starts_at=period[0],
        ends_at=period[1],
    )
    if action == "cancel":
        booking = booking_cancel(booking=booking, actor=actor)
    return booking


def candidate_period(resource: Resource, *, now, rng) -> tuple | None:
    """A random (start, end) on the slot grid within one open span of a coming local day,
    or None when the draw falls on a closed day, too soon or past the window."""
    zone = resource.venue.zone
    day = _today(resource.venue, now) + dt.timedelta(days=rng.randrange(BOOKING_WINDOW.days + 1))
    spans = open_spans(resource, day)
    if not spans:
        return None
    opens, closes = rng.choice(spans)
    step = _minutes_of(resource.slot_step)
    shortest = math.ceil(_minutes_of(resource.min_length) / step) * step
    starts = range(opens, closes - shortest + 1, step)
    if not starts:
        return None
    start = rng.choice(starts)
    longest = min(_minutes_of(resource.max_length), closes - start)
    length = rng.choice(range(shortest, longest + 1, step)[:6])
    starts_at, ends_at = local_time(day, start, zone), local_time(day, start + length, zone)
    if starts_at < now + resource.min_notice or ends_at > now + BOOKING_WINDOW:
        return None
    return starts_at, ends_at


def open_spans(resource: Resource, day: dt.date) -> list[tuple[int, int]]:
    """Opening minutes of a local date: its special hours if any, else its weekly rules."""
    special = [s.hours for s in resource.special_hours.all() if s.date == day]
    weekly = [
        o.hours
        for o in resource.opening_hours.all()
        if o.weekday == day.isoweekday() and day in o.valid_during
    ]
    return [(hours.lower, hours.upper) for hours in (special or weekly) if hours]


def _minutes_of(value: dt.timedelta) -> int:
    return int(value.total_seconds() // 60)


# --- report ---------------------------------------------------------------------------


def summary(made: Counter, *, created: list[str], seconds: float) -> str:
    venues = Venue.objects.filter(slug__in=demo.VENUES)
    resources = Resource.objects.filter(venue__in=venues)
    zones = venues.values("timezone").distinct().count()
    count = Counter(Booking.objects.filter(resource__in=resources).values_list("status", flat=True))
    return "\n".join(
        [
            f"Loaded the demo data in {seconds:.1f} s:",
            f"  {venues.count()} venues in {zones} time zones, {len(demo.CATEGORIES)} categories, "
            f"{len(demo.AMENITIES)} amenities",
            f"  {resources.count()} resources with "
            f"{OpeningHours.objects.filter(resource__in=resources).count()} weekly opening rules, "
            f"{SpecialHours.objects.filter(resource__in=resources).count()} special days, "
            f"{Rate.objects.filter(resource__in=resources).count()} rates",
            f"  {Closure.objects.filter(resource__in=resources).count()} resource closures, "
            f"{Closure.objects.filter(venue__in=venues).count()} venue holidays",
            f"  {sum(count.values())} bookings in the next {BOOKING_WINDOW.days} days: "
            f"{count[BookingStatus.CONFIRMED]} confirmed, {count[BookingStatus.HELD]} held "
            f"(holds last {settings.RANGEBOOK_HOLD_MINUTES} min), {count[BookingStatus.CANCELLED]} "
            f"cancelled; {made['rejected']} candidates rejected by the booking rules",
            f"  users created: {', '.join(created) or 'none'}"
            + (
                " (users that existed already kept their passwords)"
                if len(created) < len(USERS)
                else ""
            ),
        ]
    )


def logins(url: str) -> str:
    base = url.rstrip("/")
    return "\n".join(
        [
            "Demo logins (demo passwords: never use this data on a reachable server):",
            f"  admin site  {base}/admin/  user admin, password admin (staff)",
            f"  customers   {base}/accounts/login/  alice / alice-demo, bob / bob-demo",
            f"  GraphQL     {base}/graphql  (GraphiQL in a browser; make tour runs the README's "
            "examples)",
        ]
    )

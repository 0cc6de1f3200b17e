import datetime as dt
import io
import zoneinfo

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone

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
from booking.services import booking_book
from tests.conftest import make_resource

MODELS = [
    Venue,
    Category,
    Amenity,
    Resource,
    OpeningHours,
    SpecialHours,
    Closure,
    Rate,
    Booking,
    get_user_model(),
]


def load(*args: str) -> str:
    out = io.StringIO()
    call_command("load_demo", *args, stdout=out)
    return out.getvalue()


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in MODELS}


def has_dst(name: str) -> bool:
    zone = zoneinfo.ZoneInfo(name)
    return (
        dt.datetime(2026, 1, 15, tzinfo=zone).dst() != dt.datetime(2026, 7, 15, tzinfo=zone).dst()
    )


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The demo, loaded once for the module and rolled back after it (loading takes ~1 s).

    Each test's `db` transaction nests inside, so tests that write (--reset) undo their
    changes too.
    """
    with django_db_blocker.unblock(), transaction.atomic():
        before = timezone.now()
        output = load()
        yield {"output": output, "before": before, "after": timezone.now()}
        transaction.set_rollback(True)


def test_catalogue_venues_span_time_zones(demo, db):
    zones = set(Venue.objects.values_list("timezone", flat=True))

    assert Venue.objects.count() >= 7
    assert len(zones) >= 5
    assert {
        "Europe/Berlin",
        "Europe/Zurich",
        "America/New_York",
        "America/Chicago",
        "Asia/Kolkata",
        "Asia/Kathmandu",
    } <= zones
    assert any(zone.startswith("Europe/") and has_dst(zone) for zone in zones)
    assert any(zone.startswith("America/") and has_dst(zone) for zone in zones)
    assert Venue.objects.filter(city="Zürich", timezone="Europe/Zurich").exists()


def test_catalogue_resources_have_distinct_names_and_descriptions(demo, db):
    names, descriptions = zip(*Resource.objects.values_list("name", "description"), strict=True)

    assert len(names) >= 65
    assert len(set(names)) == len(names)
    assert len(set(descriptions)) == len(descriptions)
    assert all(len(text) >= 120 and text.count(". ") >= 1 for text in descriptions)
    assert Resource.objects.filter(description__contains="café").exists()


def test_catalogue_resources_have_hours_rates_and_settings(demo, db):
    resources = Resource.objects.all()

    assert not resources.filter(opening_hours__isnull=True).exists()
    assert not resources.filter(rates__isnull=True).exists()
    assert not resources.filter(category__isnull=True).exists()
    assert resources.filter(amenities__isnull=True).count() <= 1
    assert set(resources.values_list("slot_step", flat=True)) == {
        dt.timedelta(minutes=15),
        dt.timedelta(minutes=30),
        dt.timedelta(minutes=60),
    }
    assert all(
        dt.timedelta(0) <= r.turnaround <= dt.timedelta(minutes=30)
        and dt.timedelta(0) <= r.min_notice <= dt.timedelta(hours=24)
        and dt.timedelta(days=90) <= r.horizon <= dt.timedelta(days=180)
        for r in resources
    )


def test_catalogue_has_exceptions_and_price_changes(demo, db):
    assert SpecialHours.objects.filter(hours__isnull=True).exists()
    assert SpecialHours.objects.filter(hours__isnull=False).exists()
    assert Closure.objects.filter(venue__isnull=False, reason__startswith="Public holiday").exists()
    assert Closure.objects.filter(resource__isnull=False, period__upper_inf=False).exists()
    assert Rate.objects.filter(valid_during__upper_inf=False).exists()
    assert OpeningHours.objects.filter(hours=(0, 1440)).exists()


def test_bookings_lie_within_the_next_four_weeks(demo, db):
    periods = Booking.objects.values_list("period", flat=True)

    assert Booking.objects.count() == 300
    assert min(p.lower for p in periods) >= demo["before"]
    assert max(p.upper for p in periods) <= demo["after"] + dt.timedelta(days=28)


def test_bookings_include_confirmed_held_and_cancelled(demo, db):
    statuses = set(Booking.objects.values_list("status", flat=True))

    assert statuses == {BookingStatus.CONFIRMED, BookingStatus.HELD, BookingStatus.CANCELLED}
    assert set(Booking.objects.values_list("customer__username", flat=True)) == {"alice", "bob"}


def test_bookings_respect_resource_rules(demo, db):
    with connection.cursor() as cursor:
        cursor.execute("""
            SELECT count(*) FROM booking_booking b JOIN booking_resource r ON r.id = b.resource_id
            WHERE NOT booking_opening_time(r.id, b.period) @> b.period
               OR booking_closed_time(r.id, b.period) && b.period
               OR NOT r.capacity @> b.party_size
               OR upper(b.period) - lower(b.period) NOT BETWEEN r.min_length AND r.max_length
               OR lower(b.period) < b.created_at + r.min_notice
        """)
        (breaking,) = cursor.fetchone()

    assert breaking == 0


def test_users_have_demo_logins(demo, db):
    users = get_user_model().objects.in_bulk(["admin", "alice", "bob"], field_name="username")

    assert users["admin"].is_superuser and users["admin"].is_staff
    assert users["admin"].check_password("admin")
    assert users["alice"].check_password("alice-demo") and not users["alice"].is_staff
    assert users["bob"].check_password("bob-demo") and not users["bob"].is_staff


def test_output_reports_counts_and_logins(demo, db):
    assert "300 bookings in the next 28 days" in demo["output"]
    assert "73 resources" in demo["output"]
    assert "http://127.0.0.1:8000/admin/  user admin, password admin" in demo["output"]
    assert "http://127.0.0.1:8000/accounts/login/  alice / alice-demo, bob / bob-demo" in (
        demo["output"])


def test_output_names_the_address_it_is_served_at(demo, db):
    output = load("--url", "http://127.0.0.1:8123/")

    assert "already loaded" in output
    assert "  admin site  http://127.0.0.1:8123/admin/  user admin" in output
    assert "  customers   http://127.0.0.1:8123/accounts/login/  alice" in output
    assert "  GraphQL     http://127.0.0.1:8123/graphql  (GraphiQL" in output
    assert ":8000" not in output


def test_second_run_changes_nothing(demo, db):
    before = counts()

    output = load()

    assert "already loaded" in output
    assert counts() == before


def test_reset_reloads_cleanly(demo, db, venue, customer, at):
    category = Category.objects.get(slug="meeting-room")
    outside = booking_book(
        resource=make_resource(venue, category),
        customer=customer,
        party_size=2,
        starts_at=at(9),
        ends_at=at(10),
    )
    before = counts()
    old_bookings = set(Booking.objects.exclude(pk=outside.pk).values_list("pk", flat=True))

    output = load("--reset")

    assert "Removed the demo data (300 bookings)" in output
    assert counts() == before
    assert old_bookings.isdisjoint(Booking.objects.values_list("pk", flat=True))
    assert Booking.objects.filter(pk=outside.pk, resource__venue=venue).exists()


def test_demo_bookings_queue_no_customer_notices(demo, db):
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM procrastinate_jobs"
                       " WHERE task_name = 'booking.notify_customer'")
        (queued,) = cursor.fetchone()

    assert Booking.objects.filter(status__in=["confirmed", "cancelled"]).count() > 200
    assert queued == 0

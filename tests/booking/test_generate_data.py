"""`manage.py generate_data` at a tiny scale, on the test database."""

import random

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.db import connection, transaction

from booking.management.commands.generate_data import allocate
from booking.models import Booking, Resource, Venue

# Centred on a date whose year around holds every DST change of the generated zones.
NOW = "2026-03-01T12:00:00+00:00"


def generate(**options):
    options = {"resources": 20, "bookings": 500, "seed": 3, "now": NOW, **options}
    call_command("generate_data", verbosity=0, **options)


def scalar(sql: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchone()[0]


@pytest.mark.django_db
def test_generate_data_counts():
    generate()

    assert Resource.objects.count() == 20
    assert Venue.objects.count() == 1
    assert Booking.objects.count() == 500
    assert set(Booking.objects.values_list("status", flat=True)) == {
        "confirmed",
        "held",
        "cancelled",
        "expired",
    }


@pytest.mark.django_db
def test_generate_data_blocked_is_period_plus_turnaround():
    generate()

    wrong = scalar("""
        SELECT count(*) FROM booking_booking b JOIN booking_resource r ON r.id = b.resource_id
        WHERE b.status IN ('held', 'confirmed') AND b.blocked IS DISTINCT FROM
              tstzrange(lower(b.period), upper(b.period) + r.turnaround, '[)')
    """)

    assert Booking.objects.filter(status__in=["held", "confirmed"]).count() > 400
    assert wrong == 0


@pytest.mark.django_db
def test_generate_data_never_overlaps_whatever_the_status():
    generate()

    overlapping = scalar("""
        SELECT count(*) FROM booking_booking a JOIN booking_booking b
          ON a.resource_id = b.resource_id AND a.id < b.id AND a.blocked && b.blocked
    """)

    assert overlapping == 0


@pytest.mark.django_db
def test_generate_data_books_opening_hours_outside_closures():
    generate()

    misplaced = scalar("""
        SELECT count(*) FROM booking_booking b
        WHERE NOT booking_opening_time(b.resource_id, b.period) @> b.period
           OR booking_closed_time(b.resource_id, b.period) && b.period
    """)

    assert misplaced == 0


@pytest.mark.django_db
def test_generate_data_skips_audit_events_only():
    generate()

    assert apps.get_model("booking", "BookingEvent").objects.count() == 0
    assert apps.get_model("booking", "ResourceEvent").objects.count() == 0


@pytest.mark.django_db
def test_generate_data_refuses_database_with_bookings():
    generate()

    with pytest.raises(CommandError, match="already has bookings"):
        generate()


@pytest.mark.django_db
def test_generate_data_appends_a_second_catalogue():
    generate()

    generate(append=True, seed=4)

    assert Resource.objects.count() == 40
    assert Booking.objects.count() == 1000
    assert Booking.objects.values("reference").distinct().count() == 1000


@pytest.mark.django_db
def test_generate_data_is_deterministic_for_a_seed_and_now():
    def fingerprint():
        with transaction.atomic():
            generate()
            rows = list(
                Booking.objects.order_by("reference").values_list(
                    "reference",
                    "resource__slug",
                    "period",
                    "status",
                    "hold_expires_at",
                    "customer__username",
                )
            )
            transaction.set_rollback(True)
        return rows

    assert fingerprint() == fingerprint()


@pytest.mark.django_db
def test_generate_data_rejects_more_bookings_than_fit():
    with pytest.raises(CommandError, match="At most"):
        call_command("generate_data", resources=1, bookings=10**6, now=NOW, verbosity=0)

    assert Booking.objects.count() == 0


def test_allocate_hits_the_total_within_caps():
    caps = [0, 3, 10, 1, 50]

    counts = allocate(40, [1.0, 5.0, 1.0, 1.0, 0.1], caps, random.Random(1))

    assert sum(counts) == 40
    assert all(count <= cap for count, cap in zip(counts, caps, strict=True))

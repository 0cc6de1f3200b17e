"""The database's own rules, provoked directly: ORM writes and raw SQL, no services."""

import datetime as dt

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.backends.postgresql.psycopg_any import DateRange, DateTimeTZRange, NumericRange

from booking.models import Booking, OpeningHours, Rate, SpecialHours, Venue


def insert(room, customer, start, end, status="confirmed", **fields):
    if status == "held":
        fields.setdefault("hold_expires_at", start)
    return Booking.objects.create(
        resource=room, customer=customer, period=DateTimeTZRange(start, end, "[)"),
        status=status, **fields,
    )


def raw(sql, params=()):
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_overlapping_active_bookings_rejected(room, customer, at):
    insert(room, customer, at(9), at(11))

    with pytest.raises(IntegrityError, match="booking_no_overlap"), transaction.atomic():
        insert(room, customer, at(10), at(12))

    assert Booking.objects.count() == 1


def test_held_booking_blocks_like_a_confirmed_one(room, customer, at):
    insert(room, customer, at(9), at(11), status="held")

    with pytest.raises(IntegrityError, match="booking_no_overlap"), transaction.atomic():
        insert(room, customer, at(10), at(12))


def test_back_to_back_bookings_accepted(room, customer, at):
    insert(room, customer, at(9), at(10))
    insert(room, customer, at(10), at(11))
    insert(room, customer, at(8), at(9))

    assert Booking.objects.count() == 3


def test_other_resource_same_period_accepted(room, customer, at, venue, category):
    from tests.conftest import make_resource

    other = make_resource(venue, category, name="Spree Room")
    insert(room, customer, at(9), at(10))
    insert(other, customer, at(9), at(10))

    assert Booking.objects.count() == 2


def test_turnaround_extends_blocked_period(room, customer, at):
    room.turnaround = dt.timedelta(minutes=30)
    room.save()

    booking = insert(room, customer, at(9), at(10))
    booking.refresh_from_db()

    assert (booking.blocked.lower, booking.blocked.upper) == (at(9), at(10, 30))
    with pytest.raises(IntegrityError, match="booking_no_overlap"), transaction.atomic():
        insert(room, customer, at(10, 15), at(11))
    insert(room, customer, at(10, 30), at(11))


def test_turnaround_of_earlier_booking_only(room, customer, at):
    # The turnaround follows a booking; it does not precede the next one.
    room.turnaround = dt.timedelta(minutes=30)
    room.save()
    insert(room, customer, at(10, 30), at(11))

    insert(room, customer, at(9), at(10))  # blocked until 10:30, touching the next start

    assert Booking.objects.count() == 2


def test_turnaround_counted_in_seconds_whatever_the_session_zone(room, customer, at):
    # A one-day turnaround across the Berlin DST change is 24 elapsed hours.
    room.turnaround = dt.timedelta(days=1)
    room.save()
    start = dt.datetime(2027, 3, 27, 12, tzinfo=dt.UTC)
    with connection.cursor() as cursor:
        cursor.execute("SET TIME ZONE 'Europe/Berlin'")
        try:
            booking = insert(room, customer, start, start + dt.timedelta(hours=1))
        finally:
            cursor.execute("SET TIME ZONE 'UTC'")
    booking.refresh_from_db()

    assert booking.blocked.upper == start + dt.timedelta(hours=25)


def test_cancelled_and_expired_bookings_do_not_block(room, customer, at):
    insert(room, customer, at(9), at(10), status="cancelled")
    insert(room, customer, at(9), at(10), status="expired")

    insert(room, customer, at(9), at(10))

    assert Booking.objects.active().count() == 1


def test_cancelled_booking_cannot_be_revived_into_a_conflict(room, customer, at):
    old = insert(room, customer, at(9), at(10))
    Booking.objects.filter(pk=old.pk).update(status="cancelled")
    insert(room, customer, at(9), at(10))

    with (pytest.raises(DatabaseError, match="cannot go from cancelled to confirmed"),
          transaction.atomic()):
        Booking.objects.filter(pk=old.pk).update(status="confirmed")


def test_swap_of_two_bookings_in_one_transaction(room, customer, at):
    first = insert(room, customer, at(9), at(10))
    second = insert(room, customer, at(10), at(12))

    with transaction.atomic():
        raw("SET CONSTRAINTS booking_no_overlap DEFERRED")
        raw("UPDATE booking_booking SET period = %s WHERE id = %s",
            [DateTimeTZRange(at(10), at(12), "[)"), first.pk])
        raw("UPDATE booking_booking SET period = %s WHERE id = %s",
            [DateTimeTZRange(at(9), at(10), "[)"), second.pk])

    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.period.lower, second.period.lower) == (at(10), at(9))


def test_deferred_conflict_still_fails_at_commit(room, customer, at):
    first = insert(room, customer, at(9), at(10))
    insert(room, customer, at(10), at(12))

    with pytest.raises(IntegrityError, match="booking_no_overlap"), transaction.atomic():
        raw("SET CONSTRAINTS booking_no_overlap DEFERRED")
        raw("UPDATE booking_booking SET period = %s WHERE id = %s",
            [DateTimeTZRange(at(9), at(11), "[)"), first.pk])
        raw("SET CONSTRAINTS booking_no_overlap IMMEDIATE")

    first.refresh_from_db()
    assert first.period.upper == at(10)


@pytest.mark.parametrize(
    ("period_sql", "reason"),
    [
        ("'empty'", "empty"),
        ("tstzrange(%(a)s, NULL)", "unbounded end"),
        ("tstzrange(NULL, %(b)s)", "unbounded start"),
        ("tstzrange(%(a)s, %(b)s, '[]')", "closed upper bound"),
        ("tstzrange(%(a)s, %(b)s, '(]')", "open lower bound"),
        ("tstzrange(%(a)s, %(a)s)", "zero length"),
    ],
)
def test_malformed_periods_rejected_by_check_through_raw_sql(
    room, customer, at, period_sql, reason
):
    sql = (
        "INSERT INTO booking_booking (resource_id, customer_id, party_size, period, status)"
        f" VALUES (%(r)s, %(c)s, 1, {period_sql}, 'confirmed')"
    )

    with pytest.raises(IntegrityError, match="booking_period_shape"):
        raw(sql, {"r": room.pk, "c": customer.pk, "a": at(9), "b": at(10)})

    assert Booking.objects.count() == 0


def test_raw_sql_insert_gets_reference_and_blocked(room, customer, at):
    raw(
        "INSERT INTO booking_booking (resource_id, customer_id, party_size, period, status)"
        " VALUES (%s, %s, 1, tstzrange(%s, %s), 'confirmed')",
        [room.pk, customer.pk, at(9), at(10)],
    )

    booking = Booking.objects.get()
    assert booking.reference.startswith("RB-") and len(booking.reference) == 11
    assert booking.blocked == booking.period


def test_blocked_cannot_be_written_directly(room, customer, at):
    booking = insert(room, customer, at(9), at(10))

    raw("UPDATE booking_booking SET blocked = %s WHERE id = %s",
        [DateTimeTZRange(at(9), at(9, 30), "[)"), booking.pk])

    booking.refresh_from_db()
    assert booking.blocked.upper == at(10)


def test_hold_needs_expiry_and_others_have_none(room, customer, at):
    with pytest.raises(IntegrityError, match="booking_hold_has_expiry"), transaction.atomic():
        insert(room, customer, at(9), at(10), status="held", hold_expires_at=None)
    with pytest.raises(IntegrityError, match="booking_hold_has_expiry"), transaction.atomic():
        insert(room, customer, at(9), at(10), hold_expires_at=at(8))


def test_unknown_status_rejected(room, customer, at):
    with pytest.raises(IntegrityError, match="booking_status_valid"), transaction.atomic():
        insert(room, customer, at(9), at(10), status="pending")


def test_booking_delete_is_blocked(room, customer, at):
    booking = insert(room, customer, at(9), at(10))

    with pytest.raises(DatabaseError, match="Cannot delete rows"), transaction.atomic():
        booking.delete()
    with pytest.raises(DatabaseError, match="Cannot delete rows"):
        raw("DELETE FROM booking_booking")

    assert Booking.objects.count() == 1


def test_booking_truncate_is_blocked(db):
    with pytest.raises(DatabaseError, match="bookings are cancelled, never deleted"):
        raw("TRUNCATE booking_booking")


def test_overlapping_opening_hours_rejected(room):
    # The fixture room is open 00:00-24:00 every day.
    with pytest.raises(IntegrityError, match="openinghours_no_overlap"), transaction.atomic():
        OpeningHours.objects.create(resource=room, weekday=1, hours=NumericRange(600, 660))


def test_opening_hours_of_other_seasons_and_days_accepted(venue, category):
    from tests.conftest import make_resource

    shop = make_resource(venue, category, name="Shop", all_day=False)
    winter = DateRange(dt.date(2026, 10, 1), dt.date(2027, 4, 1), "[)")
    summer = DateRange(dt.date(2027, 4, 1), None, "[)")
    OpeningHours.objects.create(resource=shop, weekday=1, hours=NumericRange(540, 1020),
                                valid_during=winter)
    OpeningHours.objects.create(resource=shop, weekday=1, hours=NumericRange(480, 1200),
                                valid_during=summer)
    OpeningHours.objects.create(resource=shop, weekday=2, hours=NumericRange(540, 1020),
                                valid_during=winter)
    OpeningHours.objects.create(resource=shop, weekday=1, hours=NumericRange(1020, 1440),
                                valid_during=winter)

    with pytest.raises(IntegrityError, match="openinghours_no_overlap"), transaction.atomic():
        OpeningHours.objects.create(
            resource=shop, weekday=1, hours=NumericRange(600, 700),
            valid_during=DateRange(dt.date(2027, 3, 1), dt.date(2027, 5, 1), "[)"),
        )


@pytest.mark.parametrize("hours", ["[0,1441)", "[-10,60)", "empty", "(,60)"])
def test_opening_hours_outside_a_day_rejected(room, hours):
    with pytest.raises(IntegrityError, match="openinghours_hours_within_day"):
        raw("INSERT INTO booking_openinghours (resource_id, weekday, hours, valid_during)"
            " VALUES (%s, 1, %s, '(,)')", [room.pk, hours])


def test_special_closed_day_excludes_other_hours_that_date(room):
    day = dt.date(2026, 12, 24)
    SpecialHours.objects.create(resource=room, date=day, hours=None, note="Christmas Eve")

    with pytest.raises(IntegrityError, match="specialhours_no_overlap"), transaction.atomic():
        SpecialHours.objects.create(resource=room, date=day, hours=NumericRange(540, 720))
    SpecialHours.objects.create(resource=room, date=day + dt.timedelta(days=1),
                                hours=NumericRange(540, 720))


def test_overlapping_rates_rejected(room):
    Rate.objects.create(resource=room, price_per_hour="40.00",
                        valid_during=DateRange(dt.date(2026, 1, 1), dt.date(2027, 1, 1), "[)"))
    Rate.objects.create(resource=room, price_per_hour="45.00",
                        valid_during=DateRange(dt.date(2027, 1, 1), None, "[)"))

    with pytest.raises(IntegrityError, match="rate_no_overlap"), transaction.atomic():
        Rate.objects.create(resource=room, price_per_hour="50.00",
                            valid_during=DateRange(dt.date(2026, 12, 31), dt.date(2027, 2, 1)))

    assert Rate.objects.count() == 2


def test_capacity_must_be_a_bounded_range_of_positive_sizes(room):
    for capacity in ["[0,5)", "[3,)", "empty"]:
        with pytest.raises(IntegrityError, match="resource_capacity_shape"):
            raw("UPDATE booking_resource SET capacity = %s WHERE id = %s", [capacity, room.pk])


def test_closure_needs_exactly_one_owner(room, venue, at):
    with pytest.raises(IntegrityError, match="closure_venue_xor_resource"):
        raw("INSERT INTO booking_closure (venue_id, resource_id, period, reason)"
            " VALUES (%s, %s, tstzrange(%s, %s), '')", [venue.pk, room.pk, at(9), at(10)])
    with pytest.raises(IntegrityError, match="closure_venue_xor_resource"):
        raw("INSERT INTO booking_closure (venue_id, resource_id, period, reason)"
            " VALUES (NULL, NULL, tstzrange(%s, %s), '')", [at(9), at(10)])


def test_unknown_time_zone_rejected_even_through_raw_sql(venue):
    with pytest.raises(IntegrityError, match="unknown time zone: Mars/Olympus"):
        raw("UPDATE booking_venue SET timezone = 'Mars/Olympus' WHERE id = %s", [venue.pk])

    venue.refresh_from_db()
    assert venue.timezone == "Europe/Berlin"


def test_every_zone_postgresql_knows_is_in_the_lookup_table(db):
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_timezone_names WHERE name NOT IN"
                       " (SELECT name FROM booking_timezone_name)")
        assert cursor.fetchone()[0] == 0


def test_a_zone_missing_from_the_lookup_table_is_checked_against_postgresql(venue):
    # A zone a later tzdata release added (simulated): not copied, still accepted.
    raw("DELETE FROM booking_timezone_name WHERE name IN ('Asia/Kathmandu', 'Mars/Olympus')")

    raw("UPDATE booking_venue SET timezone = 'Asia/Kathmandu' WHERE id = %s", [venue.pk])
    with pytest.raises(IntegrityError, match="unknown time zone: Mars/Olympus"):
        raw("UPDATE booking_venue SET timezone = 'Mars/Olympus' WHERE id = %s", [venue.pk])

    venue.refresh_from_db()
    assert venue.timezone == "Asia/Kathmandu"


def test_unknown_time_zone_rejected_by_model_validation(venue):
    venue.timezone = "CEST"

    with pytest.raises(Exception) as excinfo:
        venue.full_clean()

    assert excinfo.value.error_dict["timezone"][0].code == "invalid_timezone"
    assert Venue.objects.get().timezone == "Europe/Berlin"


@pytest.mark.parametrize(
    ("sql", "constraint"),
    [
        ("UPDATE booking_rate SET valid_during = daterange('-infinity', '2030-01-01')",
         "rate_valid_readable"),
        ("UPDATE booking_rate SET valid_during = daterange('2030-01-01', '9999-12-31', '[]')",
         "rate_valid_readable"),
        ("UPDATE booking_rate SET valid_during = daterange('2030-01-01', NULL)", None),
    ],
)
def test_range_bounds_stay_readable_by_clients(room, sql, constraint):
    Rate.objects.create(resource=room, price_per_hour="10.00")

    if constraint is None:
        raw(sql)
        assert Rate.objects.get().valid_during.upper is None
    else:
        with pytest.raises(IntegrityError, match=constraint):
            raw(sql)

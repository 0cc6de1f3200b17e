"""The booking services: rules with machine-readable codes, and conflicts from PostgreSQL."""

import datetime as dt
import zoneinfo

import pytest
from django.db import connection
from django.db.backends.postgresql.psycopg_any import DateTimeTZRange, NumericRange
from django.utils import timezone

from booking.errors import BookingConflict, BookingError, HoldExpired
from booking.models import Booking, Closure, OpeningHours, Resource, SpecialHours
from booking.services import (
    booking_book,
    booking_cancel,
    booking_confirm,
    booking_expire_stale_holds,
    booking_hold,
    booking_reschedule,
    booking_swap_periods,
)
from tests.conftest import make_resource


def book(room, customer, start, end, party_size=2, **kwargs):
    return booking_book(resource=room, customer=customer, party_size=party_size,
                        starts_at=start, ends_at=end, **kwargs)


def hold(room, customer, start, end, party_size=2):
    return booking_hold(resource=room, customer=customer, party_size=party_size,
                        starts_at=start, ends_at=end)


def age_hold(booking, minutes=1):
    """Let a hold's expiry pass (the clock is not mocked: the expiry is moved)."""
    Booking.objects.filter(pk=booking.pk).update(
        hold_expires_at=timezone.now() - dt.timedelta(minutes=minutes)
    )


def error_of(call) -> BookingError:
    with pytest.raises(BookingError) as excinfo:
        call()
    return excinfo.value


def test_book_confirms_at_once(room, customer, at):
    booking = book(room, customer, at(9), at(10))

    stored = Booking.objects.get()
    assert (stored.status, stored.hold_expires_at) == ("confirmed", None)
    assert stored.reference == booking.reference
    assert stored.period == DateTimeTZRange(at(9), at(10), "[)")


def test_hold_expires_after_the_configured_minutes(room, customer, at, settings):
    before = timezone.now()

    booking = hold(room, customer, at(9), at(10))

    assert booking.status == "held"
    expected = before + dt.timedelta(minutes=settings.RANGEBOOK_HOLD_MINUTES)
    assert expected <= booking.hold_expires_at <= expected + dt.timedelta(seconds=5)


def test_conflict_names_resource_and_period_without_postgres_detail(room, customer, at):
    book(room, customer, at(9), at(10))

    error = error_of(lambda: book(room, customer, at(9, 30), at(11)))

    assert isinstance(error, BookingConflict)
    assert (error.code, error.field) == ("booking_conflict", "period")
    assert error.resource == room
    assert error.period == DateTimeTZRange(at(9, 30), at(11), "[)")
    text = error.messages[0]
    assert text.startswith(f"Havel Room is not free during {at(9).strftime('%a %d %b %Y')} 09:30")
    assert "DETAIL" not in text and "Key (" not in text and "booking_no_overlap" not in text
    assert Booking.objects.count() == 1


def test_conflict_within_turnaround(venue, category, customer, at):
    room = make_resource(venue, category, turnaround=dt.timedelta(minutes=15))
    book(room, customer, at(9), at(10))

    assert error_of(lambda: book(room, customer, at(10, 10), at(11))).code == "booking_conflict"
    book(room, customer, at(10, 15), at(11))


def test_expired_hold_does_not_block_and_is_marked_expired(room, customer, other_customer, at):
    stale = hold(room, customer, at(9), at(10))
    age_hold(stale)

    fresh = book(room, other_customer, at(9), at(10))

    stale.refresh_from_db()
    assert (stale.status, stale.hold_expires_at) == ("expired", None)
    assert fresh.status == "confirmed"


def test_only_stale_holds_in_the_way_are_expired(room, venue, category, customer,
                                                other_customer, at):
    # The turnaround extends the new booking's blocked period, to 10:30, into the 10:00
    # hold's; the 10:45 hold is clear of it.
    Resource.objects.filter(pk=room.pk).update(turnaround=dt.timedelta(minutes=30))
    room.refresh_from_db()
    elsewhere = make_resource(venue, category, name="Elsewhere")
    in_the_way, after_turnaround, other_room = (
        hold(room, customer, at(10), at(10, 15)), hold(room, customer, at(10, 45), at(11)),
        hold(elsewhere, customer, at(9), at(10)))
    fresh = hold(room, customer, at(12), at(13))
    for stale in (in_the_way, after_turnaround, other_room):
        age_hold(stale)
    expected = set(Booking.objects.for_resource(room).stale_holds(now=timezone.now())
                   .overlapping(DateTimeTZRange(at(9), at(10, 30), "[)")))

    book(room, other_customer, at(9), at(10))

    statuses = dict(Booking.objects.values_list("pk", "status"))
    assert expected == {in_the_way}
    assert [statuses[b.pk] for b in (in_the_way, after_turnaround, other_room, fresh)] == [
        "expired", "held", "held", "held"]


def test_live_hold_blocks(room, customer, other_customer, at):
    hold(room, customer, at(9), at(10))

    assert error_of(lambda: book(room, other_customer, at(9), at(10))).code == "booking_conflict"


def test_confirm_live_hold(room, customer, at):
    booking = hold(room, customer, at(9), at(10))

    confirmed = booking_confirm(booking=booking)

    assert (confirmed.status, confirmed.hold_expires_at) == ("confirmed", None)


def test_confirm_expired_hold_fails_and_marks_it_expired(room, customer, at):
    booking = hold(room, customer, at(9), at(10))
    age_hold(booking)

    with pytest.raises(HoldExpired) as excinfo:
        booking_confirm(booking=booking)

    assert excinfo.value.code == "hold_expired"
    booking.refresh_from_db()
    assert booking.status == "expired"


def test_confirm_twice_is_an_invalid_status(room, customer, at):
    booking = book(room, customer, at(9), at(10))

    assert error_of(lambda: booking_confirm(booking=booking)).code == "invalid_status"


def test_cancel_frees_the_slot(room, customer, other_customer, at):
    booking = book(room, customer, at(9), at(10))

    cancelled = booking_cancel(booking=booking)
    book(room, other_customer, at(9), at(10))

    assert cancelled.status == "cancelled"
    assert error_of(lambda: booking_cancel(booking=booking)).code == "invalid_status"


def test_reschedule_moves_within_rules(room, customer, at):
    booking = book(room, customer, at(9), at(10))
    book(room, customer, at(12), at(13))

    moved = booking_reschedule(booking=booking, starts_at=at(10), ends_at=at(11, 30))

    assert moved.period == DateTimeTZRange(at(10), at(11, 30), "[)")
    assert moved.blocked == moved.period
    conflict = error_of(lambda: booking_reschedule(booking=moved, starts_at=at(11),
                                                   ends_at=at(12, 30)))
    assert conflict.code == "booking_conflict"
    moved.refresh_from_db()
    assert moved.period.lower == at(10)


def test_reschedule_overlapping_its_own_old_period(room, customer, at):
    booking = book(room, customer, at(9), at(10))

    moved = booking_reschedule(booking=booking, starts_at=at(9, 30), ends_at=at(10, 30))

    assert moved.period.lower == at(9, 30)


def test_cancelled_booking_cannot_be_rescheduled(room, customer, at):
    booking = booking_cancel(booking=book(room, customer, at(9), at(10)))

    error = error_of(lambda: booking_reschedule(booking=booking, starts_at=at(11), ends_at=at(12)))

    assert error.code == "invalid_status"


def test_swap_periods(room, customer, at):
    first = book(room, customer, at(9), at(10))
    second = book(room, customer, at(10), at(12))

    first, second = booking_swap_periods(first=first, second=second)

    assert first.period == DateTimeTZRange(at(10), at(12), "[)")
    assert second.period == DateTimeTZRange(at(9), at(10), "[)")


def test_swap_into_a_third_booking_is_a_conflict(room, venue, category, customer, at):
    other_room = make_resource(venue, category, name="Spree Room")
    first = book(room, customer, at(9), at(10))
    second = book(other_room, customer, at(12), at(13))
    book(room, customer, at(12, 30), at(14))

    error = error_of(lambda: booking_swap_periods(first=first, second=second))

    assert error.code == "booking_conflict"
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.period.lower, second.period.lower) == (at(9), at(12))


@pytest.mark.parametrize(
    ("start", "end", "code"),
    [
        ((9, 0), (9, 10), "too_short"),
        ((1, 0), (23, 30), "too_long"),
        ((10, 0), (9, 0), "invalid_period"),
        ((9, 0), (9, 0), "invalid_period"),
    ],
)
def test_length_rules(venue, category, customer, at, start, end, code):
    room = make_resource(venue, category, max_length=dt.timedelta(hours=8))

    error = error_of(lambda: book(room, customer, at(*start), at(*end)))

    assert (error.code, error.field) == (code, "period")


def test_naive_datetimes_rejected(room, customer, at):
    naive = at(9).replace(tzinfo=None)

    error = error_of(lambda: book(room, customer, naive, naive + dt.timedelta(hours=1)))

    assert (error.code, error.field) == ("naive_datetime", "period")


@pytest.mark.parametrize(("size", "ok"), [(0, False), (1, True), (8, True), (9, False)])
def test_party_size_within_capacity(room, customer, at, size, ok):
    # The fixture room suits [1, 9): parties of 1 to 8.
    call = lambda: book(room, customer, at(9), at(10), party_size=size)  # noqa: E731

    if ok:
        assert call().party_size == size
    else:
        error = error_of(call)
        assert (error.code, error.field) == ("party_size_out_of_capacity", "party_size")
        assert error.messages == [f"Havel Room suits parties of 1 to 8; asked for {size}."]


def test_minimum_notice(venue, category, customer):
    room = make_resource(venue, category, min_notice=dt.timedelta(hours=2))
    soon = timezone.now() + dt.timedelta(hours=1)
    later = timezone.now() + dt.timedelta(hours=3)

    assert error_of(lambda: book(room, customer, soon, soon + dt.timedelta(hours=1))).code == (
        "too_late"
    )
    assert book(room, customer, later, later + dt.timedelta(hours=1)).status == "confirmed"


def test_past_start_rejected(room, customer):
    past = timezone.now() - dt.timedelta(hours=1)

    assert error_of(lambda: book(room, customer, past, past + dt.timedelta(hours=2))).code == (
        "too_late"
    )


def test_horizon(venue, category, customer, at):
    room = make_resource(venue, category, horizon=dt.timedelta(days=30))

    error = error_of(lambda: book(room, customer, at(9, days=30), at(10, days=30)))

    assert error.code == "beyond_horizon"
    assert book(room, customer, at(9, days=27), at(10, days=27)).status == "confirmed"


def test_inactive_resource(room, customer, at):
    room.is_active = False
    room.save()

    assert error_of(lambda: book(room, customer, at(9), at(10))).code == "resource_inactive"


def test_opening_hours_in_venue_local_time(venue, category, customer, at):
    room = make_resource(venue, category, all_day=False)
    OpeningHours.objects.bulk_create(
        OpeningHours(resource=room, weekday=day, hours=NumericRange(9 * 60, 17 * 60))
        for day in range(1, 8)
    )

    assert book(room, customer, at(9), at(10)).status == "confirmed"
    assert book(room, customer, at(16), at(17)).status == "confirmed"
    assert error_of(lambda: book(room, customer, at(8, 30), at(9, 30))).code == (
        "outside_opening_hours"
    )
    assert error_of(lambda: book(room, customer, at(16, 30), at(17, 30))).code == (
        "outside_opening_hours"
    )


def test_adjacent_rules_make_one_opening(venue, category, customer, at):
    room = make_resource(venue, category, all_day=False)
    for day in range(1, 8):
        OpeningHours.objects.create(resource=room, weekday=day, hours=NumericRange(540, 720))
        OpeningHours.objects.create(resource=room, weekday=day, hours=NumericRange(720, 1020))

    assert book(room, customer, at(11), at(13)).status == "confirmed"


def test_hours_until_midnight_and_from_midnight(venue, category, customer, at):
    room = make_resource(venue, category, all_day=False)
    for day in range(1, 8):
        OpeningHours.objects.create(resource=room, weekday=day, hours=NumericRange(1200, 1440))
        OpeningHours.objects.create(resource=room, weekday=day, hours=NumericRange(0, 120))

    assert book(room, customer, at(22), at(2, days=1)).status == "confirmed"


def test_special_hours_replace_weekly_rules(room, customer, at):
    tomorrow = at(9).date()
    SpecialHours.objects.create(resource=room, date=tomorrow, hours=NumericRange(600, 720))
    SpecialHours.objects.create(resource=room, date=tomorrow + dt.timedelta(days=1), hours=None)

    assert error_of(lambda: book(room, customer, at(9), at(10))).code == "outside_opening_hours"
    assert book(room, customer, at(10), at(12)).status == "confirmed"
    assert error_of(lambda: book(room, customer, at(10, days=1), at(11, days=1))).code == (
        "outside_opening_hours"
    )
    assert book(room, customer, at(10, days=2), at(11, days=2)).status == "confirmed"


def test_resource_and_venue_closures(room, venue, customer, at):
    Closure.objects.create(resource=room, period=DateTimeTZRange(at(9), at(12), "[)"),
                           reason="Repainting")
    Closure.objects.create(venue=venue, period=DateTimeTZRange(at(0, days=1), None, "[)"),
                           reason="Closed until further notice")

    assert error_of(lambda: book(room, customer, at(11), at(13))).code == "closed"
    assert book(room, customer, at(12), at(13)).status == "confirmed"
    assert error_of(lambda: book(room, customer, at(9, days=5), at(10, days=5))).code == "closed"


def test_expire_stale_holds_sweep(room, customer, at):
    stale = hold(room, customer, at(9), at(10))
    live = hold(room, customer, at(11), at(12))
    age_hold(stale)

    assert booking_expire_stale_holds() == 1

    stale.refresh_from_db()
    live.refresh_from_db()
    assert (stale.status, live.status) == ("expired", "held")


def test_dst_opening_hours_new_york(django_user_model, category):
    from booking.models import Venue

    venue = Venue.objects.create(name="Hudson Yards Hub", slug="hudson", city="New York",
                                 country="US", timezone="America/New_York")
    room = make_resource(venue, category, all_day=False)
    OpeningHours.objects.bulk_create(
        OpeningHours(resource=room, weekday=day, hours=NumericRange(540, 1020))
        for day in range(1, 8)
    )
    customer = django_user_model.objects.create_user("nyc")
    ny = zoneinfo.ZoneInfo("America/New_York")
    # The first Sunday of November after today (fall back).
    day = timezone.now().astimezone(ny).date() + dt.timedelta(days=1)
    while not (day.month == 11 and day.weekday() == 6 and day.day <= 7):
        day += dt.timedelta(days=1)

    start = dt.datetime.combine(day, dt.time(9), tzinfo=ny)
    booking = book(room, customer, start, dt.datetime.combine(day, dt.time(17), tzinfo=ny))

    assert booking.period.lower.astimezone(dt.UTC).hour == 14  # EST, UTC-5


def test_expire_holds_command(room, customer, at):
    from io import StringIO

    from django.core.management import call_command

    stale = hold(room, customer, at(9), at(10))
    age_hold(stale)
    out = StringIO()

    call_command("expire_holds", stdout=out)

    assert out.getvalue() == "1 stale hold(s) marked expired.\n"
    stale.refresh_from_db()
    assert stale.status == "expired"


def _draw_once(reference: str) -> None:
    """Make the database's reference generator repeat `reference` once, as bad luck would.
    The column default calls the function by its oid, so its body is replaced in place (the
    test's transaction rolls the DDL back)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP SEQUENCE clash_once;"
            "CREATE OR REPLACE FUNCTION booking_new_reference() RETURNS text LANGUAGE sql AS $$"
            f" SELECT CASE WHEN nextval('clash_once') = 1 THEN '{reference}'"
            "  ELSE 'RB-' || upper(substr(md5(random()::text), 1, 8)) END $$;"
        )


def test_reference_clash_draws_a_new_reference(room, customer, at):
    first = book(room, customer, at(9), at(10))
    _draw_once(first.reference)

    second = book(room, customer, at(11), at(12))

    with connection.cursor() as cursor:
        cursor.execute("SELECT currval('clash_once')")
        draws = cursor.fetchone()[0]
    assert draws == 2
    assert second.reference != first.reference and second.reference.startswith("RB-")
    assert Booking.objects.count() == 2


def test_reference_clash_retries_the_whole_transaction_once_recorded(room, customer, at):
    first = book(room, customer, at(9), at(10))
    stale = hold(room, customer, at(11), at(12))
    age_hold(stale)
    _draw_once(first.reference)

    second = book(room, customer, at(11), at(12))

    # The stale hold in the way was expired by the attempt that stood, and the audit trail
    # holds what was committed, once, with its actor.
    events = Booking.pgh_event_model.objects.order_by("pgh_id")
    assert list(events.filter(pgh_obj=stale).values_list("pgh_label", "status")) == [
        ("insert", "held"), ("update", "held"), ("update", "expired")]
    assert list(events.filter(pgh_obj=second).values_list(
        "pgh_label", "status", "pgh_context__metadata__user")) == [
        ("insert", "confirmed", customer.pk)]
    second_row = Booking.objects.get(pk=second.pk)
    assert (second.reference, second.blocked, second.created_at, second.updated_at) == (
        second_row.reference, second_row.blocked, second_row.created_at, second_row.updated_at)


def test_a_new_booking_is_whole_and_saved_as_the_orm_leaves_it(room, customer, at):
    Resource.objects.filter(pk=room.pk).update(turnaround=dt.timedelta(minutes=20))
    room.refresh_from_db()

    booking = hold(room, customer, at(9), at(10))

    stored = Booking.objects.get(pk=booking.pk)
    assert {f.attname: getattr(booking, f.attname) for f in Booking._meta.concrete_fields} == {
        f.attname: getattr(stored, f.attname) for f in Booking._meta.concrete_fields}
    assert booking.blocked == DateTimeTZRange(at(9), at(10, 20), "[)")
    assert (booking._state.adding, booking._state.db) == (False, "default")
    booking.party_size = 3
    booking.save(update_fields=["party_size"])
    assert Booking.objects.get().party_size == 3

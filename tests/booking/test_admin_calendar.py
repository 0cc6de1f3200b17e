"""The admin's booking calendar without a browser: what goes where (booking.calendar), its
views, and moves through booking_reschedule (booking.admin.calendar_views)."""

import datetime as dt

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.db.backends.postgresql.psycopg_any import DateTimeTZRange, NumericRange
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from booking.admin.events import value_text
from booking.calendar import calendar_build
from booking.models import Booking, Closure, SpecialHours
from booking.services import booking_book
from tests.conftest import BERLIN, make_resource

UTC = dt.UTC


@pytest.fixture
def admin(client, staff):
    client.force_login(staff)
    return client


def column_of(calendar, day):
    return next(column for column in calendar.columns if column.date == day)


@pytest.mark.parametrize("day, hours, labels", [
    (dt.date(2027, 3, 28), 23, ["00:00", "01:00", "03:00"]),
    (dt.date(2027, 10, 31), 25, ["00:00", "01:00", "02:00", "02:00", "03:00"]),
    (dt.date(2027, 6, 1), 24, ["00:00", "01:00", "02:00", "03:00"]),
])
def test_calendar_column_spans_the_local_date(room, venue, day, hours, labels):
    calendar = calendar_build(venue=venue, resources=[room], day=day, view="day",
                              now=dt.datetime(2027, 1, 1, tzinfo=UTC))

    (column,) = calendar.columns
    assert column.hours == hours
    assert [label for _, label in column.hour_marks][:len(labels)] == labels
    assert column.start == dt.datetime.combine(day, dt.time(), BERLIN)
    assert bool(column.clock_change) == (hours != 24)


def test_calendar_places_blocks_by_elapsed_time(room, venue, customer, at):
    day = at(0).date()
    SpecialHours.objects.create(resource=room, date=day, hours=NumericRange(8 * 60, 20 * 60))
    Closure.objects.create(venue=venue, reason="Fire drill",
                           period=DateTimeTZRange(at(12), at(13), "[)"))
    booking = booking_book(resource=room, customer=customer, party_size=2,
                           starts_at=at(9, 30), ends_at=at(11))

    calendar = calendar_build(venue=venue, resources=[room], day=day, view="week",
                              now=at(10))

    column = column_of(calendar, day)
    assert len(calendar.columns) == 7 and calendar.dates[0].weekday() == 0
    blocks = {(block.kind, block.top, block.length, block.label) for block in column.blocks
              if block.kind != "booking"}
    assert blocks == {("open", 8.0, 12.0, ""), ("closure", 12.0, 1.0, "Closed: Fire drill")}
    (placed,) = [block for block in column.blocks if block.booking]
    assert (placed.booking, placed.top, placed.length) == (booking, 9.5, 1.5)
    assert column.now == 10.0
    assert column.notes == ["Special hours 08:00–20:00"]


def test_calendar_draws_a_booking_over_midnight_in_both_dates(room, venue, customer, at):
    booking = booking_book(resource=room, customer=customer, party_size=2,
                           starts_at=at(22), ends_at=at(2, days=1))

    first, second = (
        calendar_build(venue=venue, resources=[room], day=at(0, days=days).date(), view="day",
                       now=at(0)).columns[0]
        for days in (0, 1)
    )

    (evening,) = [block for block in first.blocks if block.booking == booking]
    (night,) = [block for block in second.blocks if block.booking == booking]
    assert (evening.top, evening.length, evening.lead, evening.clipped) == (22, 2, 0, True)
    assert (night.top, night.length, night.lead, night.clipped) == (0, 2, 2, True)


def test_calendar_view_costs_the_same_for_more_bookings(admin, room, customer, at):
    url = reverse("admin:booking_resource_calendar", args=[room.pk])
    booking_book(resource=room, customer=customer, party_size=2, starts_at=at(9), ends_at=at(10))
    with CaptureQueriesContext(connection) as one:
        admin.get(url, {"date": at(0).date()})
    for hour in (11, 13, 15):
        booking_book(resource=room, customer=customer, party_size=2,
                     starts_at=at(hour), ends_at=at(hour + 1))

    with CaptureQueriesContext(connection) as four:
        response = admin.get(url, {"date": at(0).date()})

    assert len(four) == len(one)

    assert response.content.decode().count('class="rb-cal-block rb-cal-booking') == 4


@pytest.mark.parametrize("query", [{"date": "2027-02-30"}, {"date": "soon", "view": "year"}])
def test_calendar_view_takes_bad_parameters_as_today(admin, room, query):
    response = admin.get(reverse("admin:booking_resource_calendar", args=[room.pk]), query)

    assert response.status_code == 200
    assert response.context["calendar"].view == "week"


def test_calendar_view_of_a_venue_shows_each_resource(admin, room, venue, category, at):
    make_resource(venue, category, name="Spree Room")

    response = admin.get(reverse("admin:booking_venue_calendar", args=[venue.pk]))

    calendar = response.context["calendar"]
    assert calendar.view == "day"
    assert [column.resource.name for column in calendar.columns] == ["Havel Room", "Spree Room"]


def test_calendar_view_needs_staff(client, customer, room):
    client.force_login(customer)

    response = client.get(reverse("admin:booking_resource_calendar", args=[room.pk]))

    assert response.status_code == 302 and "/admin/login/" in response.url


def test_calendar_view_needs_permission_to_view_bookings(client, django_user_model, room):
    clerk = django_user_model.objects.create_user("clerk", password="pw", is_staff=True)
    clerk.user_permissions.add(Permission.objects.get(codename="view_resource"))
    client.force_login(clerk)
    url = reverse("admin:booking_resource_calendar", args=[room.pk])

    refused = client.get(url)
    clerk.user_permissions.add(Permission.objects.get(codename="view_booking"))
    shown = client.get(url)

    assert (refused.status_code, shown.status_code) == (403, 200)
    assert shown.context["can_move"] is False
    assert 'id="rb-cal-drop"' not in shown.content.decode()


def test_lists_link_to_the_calendars(admin, room, venue):
    for model, obj in (("resource", room), ("venue", venue)):
        response = admin.get(reverse(f"admin:booking_{model}_changelist"))

        assert reverse(f"admin:booking_{model}_calendar", args=[obj.pk]) in (
            response.content.decode())


def move(admin, booking, **data):
    return admin.post(reverse("admin:booking_booking_move", args=[booking.pk]), data)


def test_move_reads_venue_time_and_keeps_the_length(admin, room, customer, at):
    booking = booking_book(resource=room, customer=customer, party_size=2,
                           starts_at=at(9), ends_at=at(10, 30))

    response = move(admin, booking, date=str(at(0).date()), time="13:15")

    booking.refresh_from_db()
    assert booking.period == DateTimeTZRange(at(13, 15), at(14, 45), "[)")
    day = at(0).date()
    assert response.url == reverse("admin:booking_resource_calendar", args=[room.pk]) + (
        f"?date={day}")


def test_move_into_a_conflict_changes_nothing(admin, room, customer, at):
    booking = booking_book(resource=room, customer=customer, party_size=2,
                           starts_at=at(9), ends_at=at(10))
    booking_book(resource=room, customer=customer, party_size=2, starts_at=at(14), ends_at=at(16))

    response = move(admin, booking, starts_at=at(15).isoformat(), next="/admin/somewhere/")

    assert response.url == "/admin/somewhere/"
    messages = [str(message) for message in response.wsgi_request._messages]
    assert messages == [f"Havel Room is not free during {at(15):%a %d %b %Y} 15:00–16:00 "
                        f"{at(15):%Z}."]
    booking.refresh_from_db()
    assert booking.period == DateTimeTZRange(at(9), at(10), "[)")


@pytest.mark.parametrize("data, message", [
    ({"date": "2027-02-30", "time": "10:00"}, "Enter the new start date and time."),
    ({"starts_at": "2027-01-01T10:00"}, "The new start must be a time with an offset."),
    ({"date": "2027-01-01", "time": "10:00", "resource": "0"}, "Choose a resource that exists."),
])
def test_move_refuses_bad_input(admin, room, customer, at, data, message):
    booking = booking_book(resource=room, customer=customer, party_size=2,
                           starts_at=at(9), ends_at=at(10))

    response = move(admin, booking, **data, next="https://elsewhere.example/")

    assert [str(m) for m in response.wsgi_request._messages] == [message]
    assert "elsewhere" not in response.url  # only addresses of this site
    assert Booking.objects.get().period == DateTimeTZRange(at(9), at(10), "[)")


def test_move_of_a_final_booking_is_refused(admin, room, customer, at):
    booking = booking_book(resource=room, customer=customer, party_size=2,
                           starts_at=at(9), ends_at=at(10))
    Booking.objects.filter(pk=booking.pk).update(status="cancelled")

    response = move(admin, booking, date=str(at(0).date()), time="11:00")

    assert response.status_code == 403


def test_move_needs_post(admin, room, customer, at):
    booking = booking_book(resource=room, customer=customer, party_size=2,
                           starts_at=at(9), ends_at=at(10))

    response = admin.get(reverse("admin:booking_booking_move", args=[booking.pk]))

    assert response.status_code == 405


def test_booking_history_page_is_the_audit_trail(admin, room, customer, at):
    booking = booking_book(resource=room, customer=customer, party_size=2,
                           starts_at=at(9), ends_at=at(10))

    response = admin.get(reverse("admin:booking_booking_history", args=[booking.pk]))

    assert [entry.event for entry in response.context["audit_trail"]] == ["insert"]
    assert 'id="audit-trail"' in response.content.decode()


@pytest.mark.parametrize("value, text", [
    (None, "—"),
    ("confirmed", "confirmed"),
    ("2026-12-05T11:53:48.627473+00:00", "5 Dec 2026 11:53 UTC"),
    ('["2026-12-15 10:30:00+00","2026-12-15 13:00:00+00")',
     '["15 Dec 2026 10:30 UTC","15 Dec 2026 13:00 UTC")'),
])
def test_events_values_read_as_text(value, text):
    assert value_text(value) == text


def test_resource_history_page_is_its_audit_trail(admin, room):
    rule = room.opening_hours.first()
    rule.hours = NumericRange(8 * 60, 18 * 60)
    rule.save()

    response = admin.get(reverse("admin:booking_resource_history", args=[room.pk]))

    trail = response.context["audit_trail"]
    assert [entry.event for entry in trail][:1] == ["insert"]
    assert trail[-1].changes == ["hours: 00:00–24:00 → 08:00–18:00"]
    assert trail[-1].actor == "database/raw SQL"  # no request, no service: no context

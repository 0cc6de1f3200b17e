"""The admin's rough edges, seen fixed in a 1400 px Chromium window (tests/browser/conftest.py)
whose time zone (UTC) is not the venue's: page widths, time-zone notes, unbounded dates,
the bookings list's order, one history, readable events, the product's name."""

import datetime as dt

import pytest
from django.db.backends.postgresql.psycopg_any import DateRange, DateTimeTZRange
from playwright.sync_api import expect

from booking.models import Booking, Closure, Rate
from booking.services import booking_book, booking_cancel
from tests.browser.conftest import log_in

pytestmark = pytest.mark.django_db(transaction=True)

WIDTH = "document.documentElement.scrollWidth"


def test_admin_names_the_product(page, staff):
    log_in(page, "staff", "pw-staff-1")

    expect(page.locator("#site-name")).to_have_text("rangebook")
    expect(page).to_have_title("Venues, resources and bookings | rangebook admin")


def test_resource_page_fits_and_notes_no_time_zone(page, staff, room, at, screenshot):
    Rate.objects.create(resource=room, price_per_hour=40,
                        valid_during=DateRange(None, at(0).date(), "[)"))
    Rate.objects.create(resource=room, price_per_hour=44,
                        valid_during=DateRange(at(0).date(), None, "[)"))
    Closure.objects.create(resource=room, reason="Painting",
                           period=DateTimeTZRange(at(8), at(12), "[)"))
    log_in(page, "staff", "pw-staff-1")

    page.goto(f"/admin/booking/resource/{room.pk}/change/")

    expect(page.locator(".field-valid_during").first).to_be_visible()
    screenshot(page, "resource")
    assert page.evaluate(WIDTH) <= 1400
    # Was one "Note: You are 1 hour behind server time" per date input (29 in the demo).
    expect(page.locator(".timezonewarning:visible")).to_have_count(0)
    # 7 weekly rules and 2 rates, each with a first and a last day.
    dates = page.locator(".field-valid_during input.vDateField:visible")
    expect(dates).to_have_count(18)
    expect(dates.first).to_have_attribute("placeholder", "unbounded")
    expect(page.locator("#id_rates-0-valid_during_0")).to_have_value("")
    expect(page.locator("#id_rates-0-valid_during_0")).to_have_attribute(
        "placeholder", "unbounded")


def test_bookings_list_fits_and_starts_with_the_next(page, staff, room, customer, at,
                                                     screenshot):
    later = booking_book(resource=room, customer=customer, party_size=2,
                         starts_at=at(9, days=20), ends_at=at(10, days=20))
    afternoon = booking_book(resource=room, customer=customer, party_size=2,
                             starts_at=at(14), ends_at=at(15))
    morning = booking_book(resource=room, customer=customer, party_size=2,
                           starts_at=at(9), ends_at=at(10))
    past = booking_book(resource=room, customer=customer, party_size=2,
                        starts_at=at(9, days=2), ends_at=at(10, days=2))
    week_ago = at(9, days=-8)
    Booking.objects.filter(pk=past.pk).update(
        period=DateTimeTZRange(week_ago, week_ago + dt.timedelta(hours=1), "[)"))
    log_in(page, "staff", "pw-staff-1")

    page.goto("/admin/booking/booking/")

    expect(page.locator("#result_list tbody th")).to_have_text(
        [morning.reference, afternoon.reference, later.reference, past.reference])
    screenshot(page, "bookings")
    assert page.evaluate(WIDTH) <= 1400
    results = page.locator(".results").evaluate("(r) => [r.scrollWidth, r.clientWidth]")
    assert results[0] <= results[1]  # every column in view, no scrolling sideways


def test_booking_history_is_its_audit_trail(page, staff, room, customer, at, screenshot):
    booking = booking_book(resource=room, customer=customer, party_size=2,
                           starts_at=at(9), ends_at=at(10))
    booking_cancel(booking=booking, actor=customer)
    log_in(page, "staff", "pw-staff-1")
    page.goto(f"/admin/booking/booking/{booking.pk}/change/")

    page.get_by_role("link", name="History", exact=True).click()

    events = page.locator("#audit-trail tbody tr")
    expect(events).to_have_count(2)
    expect(events.nth(1).locator("td").nth(2)).to_have_text("ada")
    expect(events.nth(1).locator("li")).to_have_text(["status: confirmed → cancelled"])
    screenshot(page, "history")


def test_events_page_shows_readable_changes(page, staff, room, customer, at, screenshot):
    booking = booking_book(resource=room, customer=customer, party_size=2,
                           starts_at=at(9), ends_at=at(10))
    booking_cancel(booking=booking, actor=customer)
    log_in(page, "staff", "pw-staff-1")

    page.goto("/admin/pghistory/events/?event_model=booking.bookingevent")

    rows = page.locator("#result_list tbody tr")
    expect(rows.first.locator("td.field-changes li")).to_have_text(
        ["status: confirmed → cancelled"])
    expect(rows.locator("td.field-changes").last).to_contain_text(
        f"reference: {booking.reference}")
    expect(page.locator("#result_list")).not_to_contain_text('{"status"')
    screenshot(page, "events")
    assert page.evaluate(WIDTH) <= 1400

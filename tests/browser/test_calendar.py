"""The admin's booking calendar in Chromium: open a booking from it, move one by drag and
drop and by its move form (a conflict is the booking form's error and changes nothing),
and a DST day drawn with its real number of hours. Screenshots: tests/browser/conftest.py."""

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from booking.models import Booking, Closure
from booking.services import booking_book, booking_hold
from tests.browser.conftest import log_in
from tests.conftest import BERLIN, make_resource

pytestmark = pytest.mark.django_db(transaction=True)

UTC = dt.UTC


def calendar(page, resource, day: dt.date, view: str = "day") -> None:
    page.goto(f"/admin/booking/resource/{resource.pk}/calendar/?date={day}&view={view}")


def geometry(page, locator) -> dict:
    """The box of `locator` in hours from the top of its column (and the hour's height)."""
    return locator.evaluate("""(element) => {
        const column = element.closest('.rb-cal-col');
        const box = element.getBoundingClientRect(), col = column.getBoundingClientRect();
        const hour = col.height / parseFloat(column.dataset.hours);
        return {top: (box.top - col.top) / hour, length: box.height / hour, hour};
    }""")


def drag(page, block, column, hours: float) -> None:
    """Drag `block` (held at its top edge) so that its top lands `hours` into `column`."""
    hour = geometry(page, block)["hour"]
    with page.expect_navigation():
        block.drag_to(column, source_position={"x": 20, "y": 3},
                      target_position={"x": 30, "y": hours * hour + 3})


def local(booking: Booking) -> tuple[str, str]:
    period = booking.period
    return (period.lower.astimezone(BERLIN).strftime("%H:%M"),
            period.upper.astimezone(BERLIN).strftime("%H:%M"))


def test_calendar_shows_bookings_and_opens_one(page, staff, room, customer, at, screenshot):
    confirmed = booking_book(resource=room, customer=customer, party_size=2,
                             starts_at=at(14), ends_at=at(16))
    held = booking_hold(resource=room, customer=customer, party_size=1,
                        starts_at=at(9), ends_at=at(10, 30))
    Closure.objects.create(resource=room, reason="Floor polishing",
                           period=(at(18).astimezone(UTC), at(20).astimezone(UTC)))
    log_in(page, "staff", "pw-staff-1")
    page.goto(f"/admin/booking/resource/{room.pk}/change/")

    page.get_by_role("link", name="Calendar").click()
    expect(page.locator(".rb-cal-zone")).to_contain_text("Times in Europe/Berlin")
    calendar(page, room, at(0).date(), "week")

    block = page.locator(f'[data-booking="{confirmed.pk}"]')
    expect(block).to_contain_text(f"{confirmed.reference} 14:00–16:00 ada · 2 people")
    assert geometry(page, block)["top"] == pytest.approx(14, abs=0.05)
    assert geometry(page, block)["length"] == pytest.approx(2, abs=0.05)
    expect(page.locator(f'[data-booking="{held.pk}"]')).to_have_class(re.compile("rb-cal-held"))
    closure = page.locator(".rb-cal-col .rb-cal-closure")
    expect(closure).to_have_text("Closed: Floor polishing")
    assert geometry(page, closure)["top"] == pytest.approx(18, abs=0.05)
    screenshot(page, "week")
    assert page.evaluate("document.documentElement.scrollWidth") <= 1400

    block.get_by_role("link").click()

    expect(page).to_have_url(re.compile(rf"/admin/booking/booking/{confirmed.pk}/change/$"))
    expect(page.locator("#id_period_0_1")).to_have_value("14:00")
    page.get_by_role("link", name="In the calendar").click()
    expect(page.locator(f'[data-booking="{confirmed.pk}"]')).to_be_visible()


def test_calendar_drag_moves_a_booking(page, staff, room, customer, at, screenshot):
    booking = booking_book(resource=room, customer=customer, party_size=2,
                           starts_at=at(9), ends_at=at(10))
    log_in(page, "staff", "pw-staff-1")
    calendar(page, room, at(0).date())
    column = page.locator(".rb-cal-col").first

    drag(page, page.locator(f'[data-booking="{booking.pk}"]'), column, 11)

    expect(page.locator(".messagelist .success")).to_contain_text(
        f"Moved {booking.reference} to Havel Room, {at(11):%a %d %b %Y} 11:00–12:00")
    booking.refresh_from_db()
    assert local(booking) == ("11:00", "12:00")
    expect(page.locator(f'[data-booking="{booking.pk}"]')).to_contain_text("11:00–12:00")
    screenshot(page, "moved")


def test_calendar_move_into_a_conflict_is_refused(page, staff, room, customer, at, screenshot):
    moving = booking_book(resource=room, customer=customer, party_size=2,
                          starts_at=at(9), ends_at=at(10))
    other = booking_book(resource=room, customer=customer, party_size=2,
                         starts_at=at(14), ends_at=at(16))
    log_in(page, "staff", "pw-staff-1")
    calendar(page, room, at(0).date())
    block = page.locator(f'[data-booking="{moving.pk}"]')

    drag(page, block, page.locator(".rb-cal-col").first, 15)

    # The message of the booking's change form (tests/browser/test_admin.py), nothing moved.
    conflict = f"Havel Room is not free during {at(15):%a %d %b %Y} 15:00–16:00 {at(15):%Z}."
    expect(page.locator(".messagelist .error")).to_have_text(conflict)
    screenshot(page, "conflict")
    moving.refresh_from_db()
    other.refresh_from_db()
    assert (local(moving), local(other)) == (("09:00", "10:00"), ("14:00", "16:00"))

    # The keyboard way: the block's move form, same service, same answer.
    block.get_by_text("Move", exact=True).click()
    block.get_by_label("Start").fill("14:30")
    block.get_by_role("button", name=f"Move {moving.reference}").click()

    conflict = f"Havel Room is not free during {at(14):%a %d %b %Y} 14:30–15:30 {at(14):%Z}."
    expect(page.locator(".messagelist .error")).to_have_text(conflict)
    moving.refresh_from_db()
    assert local(moving) == ("09:00", "10:00")


def test_calendar_venue_day_moves_to_another_resource(page, staff, room, venue, category,
                                                      customer, at, screenshot):
    other_room = make_resource(venue, category, name="Spree Room")
    booking = booking_book(resource=room, customer=customer, party_size=2,
                           starts_at=at(9), ends_at=at(10))
    log_in(page, "staff", "pw-staff-1")
    page.goto(f"/admin/booking/venue/{venue.pk}/calendar/?date={at(0).date()}")
    target = page.locator(f'.rb-cal-col[data-resource="{other_room.pk}"]')
    expect(page.locator(".rb-cal-resource")).to_have_text(["Havel Room", "Spree Room"])

    drag(page, page.locator(f'[data-booking="{booking.pk}"]'), target, 10)

    expect(page.locator(".messagelist .success")).to_contain_text("to Spree Room")
    booking.refresh_from_db()
    assert (booking.resource, local(booking)) == (other_room, ("10:00", "11:00"))
    expect(target.locator(f'[data-booking="{booking.pk}"]')).to_be_visible()
    screenshot(page, "venue")


def next_clock_change(forward: bool) -> dt.date:
    """The next date in Berlin with 23 (forward) or 25 hours, at least 2 days ahead."""
    day = dt.datetime.now(BERLIN).date() + dt.timedelta(days=2)
    while True:
        start = dt.datetime.combine(day, dt.time(), BERLIN).astimezone(UTC)
        end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), BERLIN).astimezone(UTC)
        if (end - start) == dt.timedelta(hours=23 if forward else 25):
            return day
        day += dt.timedelta(days=1)


@pytest.mark.parametrize("forward, hours, labels, change", [
    (True, 23, ["00:00", "01:00", "03:00", "04:00"], "clocks go forward (CET → CEST)"),
    (False, 25, ["00:00", "01:00", "02:00", "02:00", "03:00"], "clocks go back (CEST → CET)"),
], ids=["spring", "autumn"])
def test_calendar_draws_a_dst_day_with_its_hours(page, staff, room, customer, screenshot,
                                                 forward, hours, labels, change):
    day = next_clock_change(forward)
    # 01:00 to 04:00 local: two hours of elapsed time in spring, four in autumn.
    start = dt.datetime.combine(day, dt.time(1), BERLIN)
    end = dt.datetime.combine(day, dt.time(4), BERLIN)
    booking = booking_book(resource=room, customer=customer, party_size=2,
                           starts_at=start, ends_at=end)
    log_in(page, "staff", "pw-staff-1")

    calendar(page, room, day, "week")

    column = page.locator(f'.rb-cal-col[data-date="{day}"]')
    expect(column).to_have_attribute("data-hours", str(hours))
    expect(column.locator(".rb-cal-line")).to_have_count(hours)
    expect(column.locator(".rb-cal-line-label").first).to_have_text(labels[0])
    assert column.locator(".rb-cal-line-label").all_inner_texts()[:len(labels)] == labels
    expect(page.locator(".rb-cal-head-dst")).to_contain_text(f"{hours} hours: {change}")
    block = page.locator(f'[data-booking="{booking.pk}"]')
    expect(block).to_contain_text("01:00–04:00")
    box = geometry(page, block)
    assert (box["top"], box["length"]) == (pytest.approx(1, abs=0.05),
                                           pytest.approx(hours - 21, abs=0.05))
    # A regular day beside it keeps 24 rows.
    regular = page.locator(".rb-cal-col").filter(has_not=page.locator(".rb-cal-line-label"))
    expect(regular.first).to_have_attribute("data-hours", "24")
    screenshot(page, "week")


def test_calendar_drag_of_a_night_booking_keeps_it_whole(page, staff, room, customer, at,
                                                         screenshot):
    booking = booking_book(resource=room, customer=customer, party_size=2,
                           starts_at=at(22), ends_at=at(2, days=1))
    log_in(page, "staff", "pw-staff-1")
    calendar(page, room, at(0, days=1).date())
    block = page.locator(f'[data-booking="{booking.pk}"]')
    expect(block).to_have_class(re.compile("rb-cal-clipped"))

    # Its part after midnight (00:00-02:00) dropped at 10:00: the booking runs 08:00-12:00.
    drag(page, block, page.locator(".rb-cal-col").first, 10)

    booking.refresh_from_db()
    assert booking.period.lower == at(8, days=1)
    assert local(booking) == ("08:00", "12:00")
    screenshot(page, "moved")

"""The booking admin as staff use it: log in, add a booking, meet a conflict, read the trail."""

import re

import pytest
from playwright.sync_api import expect

from booking.models import Booking, Venue
from tests.browser.conftest import log_in
from tests.conftest import BERLIN, make_resource

pytestmark = pytest.mark.django_db(transaction=True)

ADD_URL = "/admin/booking/booking/add/"
DATE = "%d/%m/%Y"


def choose(page, field: str, typed: str, option: str) -> None:
    """Pick `option` in an autocomplete select (select2) after typing `typed`."""
    page.locator(f"#id_{field} + .select2").click()
    page.locator(".select2-search__field").fill(typed)
    page.get_by_role("option", name=option, exact=True).click()


def fill_period(page, start, end) -> None:
    """The period's date and time inputs, in the venue's wall-clock time, typed in the
    formats the admin shows (LANGUAGE_CODE en-gb)."""
    for index, value in enumerate([start, end]):
        page.locator(f"#id_period_{index}_0").fill(value.strftime(DATE))
        page.locator(f"#id_period_{index}_1").fill(value.strftime("%H:%M"))


def add_booking(page, start, end, *, party_size: int = 2) -> None:
    if not page.url.endswith(ADD_URL):
        page.goto(ADD_URL)
    choose(page, "resource", "Havel", "Havel Room (Spreeufer Workspace)")
    choose(page, "customer", "ada", "ada")
    page.get_by_label("Party size").fill(str(party_size))
    fill_period(page, start, end)
    with page.expect_navigation():
        page.get_by_role("button", name="Save", exact=True).click()


def day_text(value) -> str:
    return value.strftime("%a %d %b %Y")


def test_staff_log_in_with_the_form(page, staff):
    log_in(page, "staff", "pw-staff-1")

    expect(page.locator("#user-tools")).to_contain_text("Welcome, staff.")


def test_wrong_password_is_refused(page, staff):
    page.goto("/admin/")
    page.get_by_label("Username").fill("staff")
    page.get_by_label("Password").fill("wrong")
    page.get_by_role("button", name="Log in").click()

    expect(page.locator(".errornote")).to_have_text(
        "Please enter the correct username and password for a staff account. "
        "Note that both fields may be case-sensitive.")


def test_booking_added_through_the_form_is_listed(page, staff, room, customer, at):
    log_in(page, "staff", "pw-staff-1")
    page.get_by_role("link", name="Bookings").click()
    expect(page.locator("#result_list")).to_have_count(0)  # none yet: no table at all
    page.get_by_role("link", name="Add booking").click()
    expect(page.locator(".field-period label").first).to_have_text(
        "Period (local time of the venue):")  # until a resource is chosen

    add_booking(page, at(14), at(16))

    booking = Booking.objects.get()
    expect(page).to_have_url(re.compile(r"/admin/booking/booking/$"))
    expect(page.locator(".messagelist .success")).to_have_text(
        f"The booking “{booking.reference}” was added successfully.")
    row = page.locator("#result_list tbody tr")
    expect(row).to_have_count(1)
    expect(row.locator("th, td:not(.action-checkbox)")).to_have_text([
        booking.reference, "Havel Room Spreeufer Workspace", "ada",
        f"{day_text(at(14))} 14:00–16:00 {at(14).tzname()}", "2", "Confirmed"],
        use_inner_text=True)


def test_choosing_a_resource_names_its_zone_in_the_period_label(page, staff, room, venue,
                                                                 category):
    kathmandu = Venue.objects.create(name="Thamel Hub", slug="thamel", city="Kathmandu",
                                     country="NP", timezone="Asia/Kathmandu")
    make_resource(kathmandu, category, name="Stupa Room")
    log_in(page, "staff", "pw-staff-1")
    page.goto(ADD_URL)
    label = page.locator(".field-period label").first

    choose(page, "resource", "Havel", "Havel Room (Spreeufer Workspace)")
    expect(label).to_have_text("Period (Europe/Berlin):")
    choose(page, "resource", "Stupa", "Stupa Room (Thamel Hub)")
    expect(label).to_have_text("Period (Asia/Kathmandu):")


def test_overlapping_booking_is_a_form_error(page, staff, room, customer, at):
    log_in(page, "staff", "pw-staff-1")
    add_booking(page, at(14), at(16))

    add_booking(page, at(15), at(17))

    expect(page.locator(".errornote")).to_have_text("Please correct the error below.")
    expect(page.locator(".field-period .errorlist")).to_have_text(
        f"Havel Room is not free during {day_text(at(15))} 15:00–17:00 {at(15).tzname()}.")
    # The form comes back with the inputs as typed, now labelled with the venue's zone.
    expect(page.locator(".field-period label").first).to_have_text("Period (Europe/Berlin):")
    expect(page.locator("#id_period_0_1")).to_have_value("15:00")
    assert Booking.objects.count() == 1


def test_booking_page_shows_its_audit_trail(page, staff, room, customer, at):
    log_in(page, "staff", "pw-staff-1")
    add_booking(page, at(9), at(10))
    booking = Booking.objects.get()

    page.locator("#result_list").get_by_role("link", name=booking.reference).click()

    expect(page.locator(".field-period label").first).to_have_text("Period (Europe/Berlin):")
    expect(page.locator("#id_period_0_0")).to_have_value(at(9).strftime(DATE))
    expect(page.locator("#id_period_1_1")).to_have_value("10:00")
    events = page.locator("#audit-trail tbody tr")
    expect(events).to_have_count(1)
    # The trigger's now() is the inserting transaction's, as created_at's default is.
    written = booking.created_at.astimezone(BERLIN).strftime("%a %d %b %Y %H:%M %Z")
    expect(events.locator("td").nth(0)).to_have_text(written)
    expect(events.locator("td").nth(1)).to_have_text("insert")
    expect(events.locator("td").nth(2)).to_have_text("staff /admin/booking/booking/add/",
                                                      use_inner_text=True)
    expect(events.locator("td li")).to_have_text([
        "status: confirmed",
        f"period: {day_text(at(9))} 09:00–10:00 {at(9).tzname()}",
        "resource: Havel Room (Spreeufer Workspace)",
        "party size: 2",
    ])

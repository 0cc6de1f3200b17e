import datetime as dt
import zoneinfo

import pytest
from django.db import connection
from django.db.backends.postgresql.psycopg_any import DateRange, DateTimeTZRange, NumericRange
from django.urls import reverse
from django.utils import timezone

from booking.forms import OpeningHoursForm, SpecialHoursForm
from booking.models import (
    Booking,
    BookingStatus,
    Closure,
    OpeningHours,
    Rate,
    Resource,
    Venue,
)
from booking.services import booking_book, booking_cancel, booking_hold
from tests.conftest import make_resource

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")
UTC = dt.UTC


@pytest.fixture
def admin(client, staff):
    client.force_login(staff)
    return client


def local_inputs(name, start, end=None, *, shown=""):
    """POST data of a LocalPeriodField: Berlin wall-clock date and time of each bound."""
    data = {f"{name}_2": shown}
    for index, value in enumerate([start, end]):
        local = value.astimezone(BERLIN) if value else None
        data[f"{name}_{index}_0"] = local.strftime("%Y-%m-%d") if local else ""
        data[f"{name}_{index}_1"] = local.strftime("%H:%M") if local else ""
    return data


def add_booking(admin, room, customer, start, end, **fields):
    data = {
        "resource": room.pk,
        "customer": customer.pk,
        "party_size": 2,
        "status": "confirmed",
        **local_inputs("period", start, end),
        **fields,
    }
    return admin.post(reverse("admin:booking_booking_add"), data)


def change_booking(admin, booking, start, end, **fields):
    data = {
        "resource": booking.resource_id,
        "party_size": booking.party_size,
        "status": booking.status,
        **local_inputs("period", start, end, shown="Europe/Berlin"),
        **fields,
    }
    return admin.post(reverse("admin:booking_booking_change", args=[booking.pk]), data)


def day_text(value):
    return value.strftime("%a %d %b %Y")


def test_booking_add_conflict_is_a_form_error(admin, room, customer, at):
    booking_book(resource=room, customer=customer, party_size=2, starts_at=at(14), ends_at=at(16))

    response = add_booking(admin, room, customer, at(15), at(17))

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert errors == {
        "period": [
            f"Havel Room is not free during {day_text(at(15))} 15:00–17:00 {at(15).tzname()}."
        ]
    }
    assert Booking.objects.count() == 1


def test_booking_add_reads_period_in_venue_time(admin, room, customer, staff, at):
    response = add_booking(admin, room, customer, at(14), at(16), status="held")

    assert response.status_code == 302
    booking = Booking.objects.get()
    assert booking.period == DateTimeTZRange(at(14).astimezone(UTC), at(16).astimezone(UTC), "[)")
    assert (booking.status, booking.customer, booking.party_size) == ("held", customer, 2)


def test_booking_add_needs_a_resource_for_the_zone(admin, customer, at):
    response = admin.post(
        reverse("admin:booking_booking_add"),
        {
            "customer": customer.pk,
            "party_size": 2,
            "status": "confirmed",
            **local_inputs("period", at(14), at(16)),
        },
    )

    assert response.context["adminform"].form.errors == {
        "resource": ["This field is required."],
        "period": ["Choose the resource first: the times are read in its venue's time zone."],
    }


def test_booking_change_form_shows_venue_time(admin, room, customer, at):
    booking = booking_book(
        resource=room, customer=customer, party_size=2, starts_at=at(14), ends_at=at(16, 30)
    )

    response = admin.get(reverse("admin:booking_booking_change", args=[booking.pk]))

    html = response.content.decode()
    assert "Period (Europe/Berlin)" in html
    assert 'name="period_0_1" value="14:00"' in html
    assert 'name="period_1_1" value="16:30"' in html
    assert 'name="period_2" value="Europe/Berlin"' in html
    assert f"{day_text(at(14))} 14:00–16:30 {at(14).tzname()}" in html


def test_booking_reschedule_through_change_form(admin, room, customer, at):
    booking = booking_book(
        resource=room, customer=customer, party_size=2, starts_at=at(9), ends_at=at(10)
    )

    response = change_booking(admin, booking, at(11), at(12, 30), party_size=3)

    assert response.status_code == 302
    booking.refresh_from_db()
    assert booking.period == DateTimeTZRange(at(11), at(12, 30), "[)")
    assert (booking.party_size, booking.status) == (3, "confirmed")


def test_booking_reschedule_conflict_is_a_form_error(admin, room, customer, at):
    booking = booking_book(
        resource=room, customer=customer, party_size=2, starts_at=at(9), ends_at=at(10)
    )
    booking_book(resource=room, customer=customer, party_size=2, starts_at=at(11), ends_at=at(12))

    response = change_booking(admin, booking, at(11, 30), at(12, 30))

    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {
        "period": [
            f"Havel Room is not free during {day_text(at(11))} 11:30–12:30 {at(11).tzname()}."
        ]
    }
    booking.refresh_from_db()
    assert booking.period == DateTimeTZRange(at(9), at(10), "[)")


def test_booking_change_of_zone_asks_to_check_the_times(admin, room, customer, category, at):
    london = Venue.objects.create(
        name="Thames Loft", slug="thames", city="London", country="GB", timezone="Europe/London"
    )
    other = make_resource(london, category, name="Loft One")
    booking = booking_book(
        resource=room, customer=customer, party_size=2, starts_at=at(9), ends_at=at(10)
    )

    response = change_booking(admin, booking, at(11), at(12), resource=other.pk)

    form = response.context["adminform"].form
    assert form.errors == {
        "period": [
            "These times were shown in Europe/Berlin, but the venue "
            "is in Europe/London. Check them and save again."
        ]
    }
    assert form["period"].label == "Period (Europe/London)"
    assert 'name="period_2" value="Europe/London"' in response.content.decode()


def test_booking_moved_to_another_zone_keeps_its_instants(admin, room, customer, category, at):
    london = Venue.objects.create(
        name="Thames Loft", slug="thames", city="London", country="GB", timezone="Europe/London"
    )
    other = make_resource(london, category, name="Loft One")
    booking = booking_book(
        resource=room, customer=customer, party_size=2, starts_at=at(9), ends_at=at(10)
    )

    response = change_booking(admin, booking, at(9), at(10), resource=other.pk)

    assert response.status_code == 302
    booking.refresh_from_db()
    assert (booking.resource, booking.period) == (other, DateTimeTZRange(at(9), at(10), "[)"))


def test_booking_held_is_confirmed_through_change_form(admin, room, customer, at):
    booking = booking_hold(
        resource=room, customer=customer, party_size=2, starts_at=at(9), ends_at=at(10)
    )

    response = change_booking(admin, booking, at(9), at(10), status="confirmed")

    assert response.status_code == 302
    booking.refresh_from_db()
    assert (booking.status, booking.hold_expires_at) == ("confirmed", None)


def test_booking_cancel_and_move_at_once_is_refused(admin, room, customer, at):
    booking = booking_book(
        resource=room, customer=customer, party_size=2, starts_at=at(9), ends_at=at(10)
    )

    response = change_booking(admin, booking, at(11), at(12), status="cancelled")

    assert response.context["adminform"].form.errors == {
        "status": ["Cancel the booking or move it, not both at once."]
    }
    booking.refresh_from_db()
    assert (booking.status, booking.period.lower) == ("confirmed", at(9))


def test_booking_cancel_action(admin, room, customer, at):
    first = booking_book(
        resource=room, customer=customer, party_size=2, starts_at=at(9), ends_at=at(10)
    )
    second = booking_book(
        resource=room, customer=customer, party_size=2, starts_at=at(11), ends_at=at(12)
    )

    response = admin.post(
        reverse("admin:booking_booking_changelist"),
        {
            "action": "cancel_selected",
            "_selected_action": [first.pk, second.pk],
        },
        follow=True,
    )

    assert [str(m) for m in response.context["messages"]] == ["Cancelled 2 booking(s)."]
    assert set(Booking.objects.values_list("status", flat=True)) == {"cancelled"}


def test_booking_cancel_action_reports_final_bookings(admin, room, customer, at):
    booking = booking_book(
        resource=room, customer=customer, party_size=2, starts_at=at(9), ends_at=at(10)
    )
    booking_cancel(booking=booking)

    response = admin.post(
        reverse("admin:booking_booking_changelist"),
        {
            "action": "cancel_selected",
            "_selected_action": [booking.pk],
        },
        follow=True,
    )

    assert [str(m) for m in response.context["messages"]] == [
        f"Booking {booking.reference} is cancelled and cannot be cancelled."
    ]


def test_booking_cancelled_page_is_view_only(admin, room, customer, at):
    booking = booking_book(
        resource=room, customer=customer, party_size=2, starts_at=at(9), ends_at=at(10)
    )
    booking_cancel(booking=booking)
    url = reverse("admin:booking_booking_change", args=[booking.pk])

    page, post = admin.get(url), change_booking(admin, booking, at(11), at(12))

    assert (page.status_code, page.context["title"]) == (200, "View booking")
    assert post.status_code == 403


def test_booking_delete_is_not_offered(admin, room, customer, at):
    booking = booking_book(
        resource=room, customer=customer, party_size=2, starts_at=at(9), ends_at=at(10)
    )

    delete_page = admin.get(reverse("admin:booking_booking_delete", args=[booking.pk]))
    changelist = admin.get(reverse("admin:booking_booking_changelist"))

    assert delete_page.status_code == 403
    actions = [name for name, _ in changelist.context["action_form"].fields["action"].choices]
    assert actions == ["", "cancel_selected"]
    assert Booking.objects.filter(pk=booking.pk).exists()


def test_booking_audit_trail_names_admin_and_raw_sql(admin, room, customer, at):
    add_booking(admin, room, customer, at(9), at(10))
    booking = Booking.objects.get()
    change_booking(admin, booking, at(11), at(12))
    # The test runs in one transaction, where pghistory's transaction-local context of the
    # requests above would still apply; a raw SQL session starts without it.
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('pghistory.context_id', '', true)")
        cursor.execute("UPDATE booking_booking SET party_size = 3 WHERE id = %s", [booking.pk])

    response = admin.get(reverse("admin:booking_booking_change", args=[booking.pk]))

    day, zone = day_text(at(9)), at(9).tzname()
    trail = [(e.event, e.actor, e.changes) for e in response.context["audit_trail"]]
    assert trail == [
        (
            "insert",
            "staff",
            [
                "status: confirmed",
                f"period: {day} 09:00–10:00 {zone}",
                "resource: Havel Room (Spreeufer Workspace)",
                "party size: 2",
            ],
        ),
        ("update", "staff", [f"period: {day} 09:00–10:00 {zone} → {day} 11:00–12:00 {zone}"]),
        ("update", "database/raw SQL", ["party size: 2 → 3"]),
    ]
    html = response.content.decode()
    assert "Audit trail" in html and "database/raw SQL" in html and "party size: 2 → 3" in html


def test_closure_add_follows_postgresql_at_dst_edges(admin, room):
    # Berlin: 2027-03-28 02:30 does not exist (offset before the jump, +01:00);
    # 2026-10-25 02:30 occurs twice (the later one, +01:00).
    data = {
        "resource": room.pk,
        "reason": "Works",
        "period_0_0": "2027-03-28",
        "period_0_1": "02:30",
        "period_1_0": "",
        "period_1_1": "",
        "period_2": "",
    }
    admin.post(reverse("admin:booking_closure_add"), data)
    data.update(period_0_0="2026-10-25", reason="Audit")
    admin.post(reverse("admin:booking_closure_add"), data)

    periods = dict(Closure.objects.values_list("reason", "period"))

    assert periods == {
        "Works": DateTimeTZRange(dt.datetime(2027, 3, 28, 1, 30, tzinfo=UTC), None, "[)"),
        "Audit": DateTimeTZRange(dt.datetime(2026, 10, 25, 1, 30, tzinfo=UTC), None, "[)"),
    }


def test_closure_needs_venue_or_resource(admin, venue, room):
    data = {
        "venue": venue.pk,
        "resource": room.pk,
        "reason": "Works",
        "period_0_0": "2027-01-04",
        "period_0_1": "08:00",
        "period_1_0": "2027-01-04",
        "period_1_1": "12:00",
        "period_2": "",
    }

    response = admin.post(reverse("admin:booking_closure_add"), data)

    assert response.context["adminform"].form.errors == {
        "resource": ["Close either a whole venue or one of its resources."]
    }


def test_resource_add_with_capacity_hours_and_rates(admin, venue, category):
    management = {
        f"{prefix}-{key}": value
        for prefix in ["opening_hours", "special_hours", "rates", "closures"]
        for key, value in [("TOTAL_FORMS", 0), ("INITIAL_FORMS", 0)]
    }
    data = {
        **management,
        "venue": venue.pk,
        "category": category.pk,
        "name": "Spree Studio",
        "slug": "spree-studio",
        "capacity_0": 2,
        "capacity_1": 8,
        "is_active": "on",
        "turnaround": "00:15:00",
        "min_notice": "00:00:00",
        "horizon": "180 00:00:00",
        "min_length": "00:30:00",
        "max_length": "08:00:00",
        "slot_step": "00:30:00",
        "opening_hours-TOTAL_FORMS": 2,
        "opening_hours-0-weekday": 1,
        "opening_hours-0-hours_0": "09:00",
        "opening_hours-0-hours_1": "17:00",
        "opening_hours-0-valid_during_0": "",
        "opening_hours-0-valid_during_1": "",
        "opening_hours-1-weekday": 5,
        "opening_hours-1-hours_0": "18:00",
        "opening_hours-1-hours_1": "24:00",
        "opening_hours-1-valid_during_0": "2027-01-01",
        "opening_hours-1-valid_during_1": "2027-03-31",
        "rates-TOTAL_FORMS": 1,
        "rates-0-valid_during_0": "2027-01-01",
        "rates-0-valid_during_1": "",
        "rates-0-price_per_hour": "25.00",
        "rates-0-currency": "EUR",
        "closures-TOTAL_FORMS": 1,
        "closures-0-period_0_0": "2027-01-04",
        "closures-0-period_0_1": "08:00",
        "closures-0-period_1_0": "2027-01-04",
        "closures-0-period_1_1": "12:00",
        "closures-0-period_2": "",
        "closures-0-reason": "Painting",
    }

    response = admin.post(reverse("admin:booking_resource_add"), data)

    assert response.status_code == 302
    resource = Resource.objects.get(slug="spree-studio")
    assert resource.capacity == NumericRange(2, 9, "[)")
    assert list(OpeningHours.objects.values_list("weekday", "hours", "valid_during")) == [
        (1, NumericRange(540, 1020, "[)"), DateRange(None, None, "[)")),
        (
            5,
            NumericRange(1080, 1440, "[)"),
            DateRange(dt.date(2027, 1, 1), dt.date(2027, 4, 1), "[)"),
        ),
    ]
    assert Rate.objects.get().valid_during == DateRange(dt.date(2027, 1, 1), None, "[)")
    assert Closure.objects.get().period == DateTimeTZRange(
        dt.datetime(2027, 1, 4, 7, tzinfo=UTC), dt.datetime(2027, 1, 4, 11, tzinfo=UTC), "[)"
    )


def test_resource_change_page_shows_ranges_as_people_read_them(admin, room):
    OpeningHours.objects.filter(resource=room, weekday=1).update(hours=NumericRange(540, 1020))

    response = admin.get(reverse("admin:booking_resource_change", args=[room.pk]))

    html = response.content.decode()
    assert 'name="capacity_0" value="1"' in html and 'name="capacity_1" value="8"' in html
    assert 'name="opening_hours-0-hours_0" value="09:00"' in html
    assert 'name="opening_hours-0-hours_1" value="17:00"' in html
    assert 'name="opening_hours-1-hours_1" value="24:00"' in html
    assert "Period (Europe/Berlin)" in html


@pytest.mark.parametrize(
    ("opens", "closes", "expected"),
    [
        ("09:00", "17:00", NumericRange(540, 1020, "[)")),
        ("00:00", "24:00", NumericRange(0, 1440, "[)")),
        ("9:30", "12:15", NumericRange(570, 735, "[)")),
    ],
)
def test_hours_inputs_read_hhmm(venue, category, opens, closes, expected):
    studio = make_resource(venue, category, name="Spree Studio", all_day=False)
    form = OpeningHoursForm(
        {
            "resource": studio.pk,
            "weekday": 3,
            "hours_0": opens,
            "hours_1": closes,
            "valid_during_0": "",
            "valid_during_1": "",
        }
    )

    assert form.is_valid(), form.errors
    assert form.cleaned_data["hours"] == expected


@pytest.mark.parametrize(
    ("opens", "closes", "error"),
    [
        ("24:00", "24:00", "24:00 can only be a closing time."),
        (
            "17:00",
            "09:00",
            "Closing must be after opening; for hours past midnight, close at "
            "24:00 and add hours from 00:00 on the next day.",
        ),
        ("09:00", "24:30", "Enter a time as HH:MM, from 00:00 to 24:00, e.g. 09:30."),
        ("9am", "17:00", "Enter a time as HH:MM, from 00:00 to 24:00, e.g. 09:30."),
        ("09:00", "", "Enter both the opening and the closing time."),
    ],
)
def test_hours_inputs_reject(room, opens, closes, error):
    form = OpeningHoursForm(
        {
            "resource": room.pk,
            "weekday": 3,
            "hours_0": opens,
            "hours_1": closes,
            "valid_during_0": "",
            "valid_during_1": "",
        }
    )

    assert form.errors == {"hours": [error]}


def test_special_hours_empty_means_closed_all_day(room):
    form = SpecialHoursForm(
        {
            "resource": room.pk,
            "date": "2027-12-24",
            "hours_0": "",
            "hours_1": "",
            "note": "Christmas Eve",
        }
    )

    assert form.is_valid(), form.errors
    assert form.save().hours is None


@pytest.mark.parametrize(
    ("model", "query"),
    [
        ("venue", "?q=spree&country__exact=DE&timezone=Europe%2FBerlin"),
        ("category", "?q=meeting&resources__venue__id__exact={venue}"),
        ("amenity", "?q=projector&resources__category__id__exact={category}"),
        ("resource", "?q=havel&is_active__exact=1&venue__id__exact={venue}"),
        ("closure", "?q=painting&when=upcoming&venue={venue}"),
        ("rate", "?q=havel&currency=EUR&resource__venue__id__exact={venue}"),
        (
            "booking",
            "?q=ada&status__exact=confirmed&starts=tomorrow"
            "&resource__venue__id__exact={venue}&resource__category__id__exact={category}",
        ),
        ("booking", "?q=havel&starts=upcoming"),
        ("booking", "?q={reference}&starts={tomorrow}"),
    ],
)
def test_changelist_search_and_filters(admin, room, venue, category, customer, at, model, query):
    amenity = room.amenities.create(name="Projector", slug="projector")
    Closure.objects.create(
        resource=room, reason="Painting", period=DateTimeTZRange(at(8, days=3), at(12, days=3))
    )
    Rate.objects.create(resource=room, price_per_hour="25.00")
    booking = booking_book(
        resource=room, customer=customer, party_size=2, starts_at=at(9), ends_at=at(10)
    )
    expected = {
        "venue": "Spreeufer Workspace",
        "category": "Meeting room",
        "amenity": amenity.name,
        "resource": "Havel Room",
        "closure": "Painting",
        "rate": "25.00",
        "booking": booking.reference,
    }[model]
    query = query.format(
        venue=venue.pk,
        category=category.pk,
        reference=booking.reference,
        tomorrow=at(9).date().isoformat(),
    )

    response = admin.get(reverse(f"admin:booking_{model}_changelist") + query)

    assert response.status_code == 200
    assert response.context["cl"].result_count == 1
    assert expected in response.content.decode()


@pytest.mark.parametrize("starts", ["today", "past", "next7"])
def test_booking_start_filter_excludes(admin, room, customer, at, starts):
    booking_book(
        resource=room,
        customer=customer,
        party_size=2,
        starts_at=at(9, days=8),
        ends_at=at(10, days=8),
    )

    response = admin.get(reverse("admin:booking_booking_changelist") + f"?starts={starts}")

    assert response.context["cl"].result_count == 0


def test_add_pages_render(admin):
    for model in ["venue", "category", "amenity", "resource", "closure", "rate", "booking"]:
        response = admin.get(reverse(f"admin:booking_{model}_add"))

        assert response.status_code == 200, model


def test_booking_confirm_of_expired_hold_is_a_form_error(admin, room, customer, at):
    booking = booking_hold(
        resource=room, customer=customer, party_size=2, starts_at=at(9), ends_at=at(10)
    )
    expiry = dt.datetime.now(UTC) - dt.timedelta(minutes=1)
    Booking.objects.filter(pk=booking.pk).update(hold_expires_at=expiry)

    response = change_booking(admin, booking, at(9), at(10), status="confirmed")

    assert response.context["adminform"].form.errors == {
        "__all__": [
            f"The hold on booking {booking.reference} expired at "
            f"{expiry.astimezone(BERLIN).strftime('%a %d %b %Y %H:%M %Z')}."
        ]
    }
    booking.refresh_from_db()
    assert booking.status == "expired"


def test_resource_add_page_has_no_timestamps_yet(admin):
    response = admin.get(reverse("admin:booking_resource_add"))

    assert "DatabaseDefault" not in response.content.decode()
    assert "Kept by the database" not in response.content.decode()


def test_venue_add_reads_closures_in_its_new_zone(admin):
    data = {
        "name": "Hudson Yards Studio",
        "slug": "hudson",
        "city": "New York",
        "country": "US",
        "timezone": "America/New_York",
        "closures-TOTAL_FORMS": 1,
        "closures-INITIAL_FORMS": 0,
        "closures-0-period_0_0": "2027-07-04",
        "closures-0-period_0_1": "00:00",
        "closures-0-period_1_0": "2027-07-05",
        "closures-0-period_1_1": "00:00",
        "closures-0-period_2": "",
        "closures-0-reason": "Independence Day",
    }

    response = admin.post(reverse("admin:booking_venue_add"), data)

    assert response.status_code == 302
    closure = Closure.objects.get()
    assert (closure.venue.slug, closure.resource) == ("hudson", None)
    assert closure.period == DateTimeTZRange(
        dt.datetime(2027, 7, 4, 4, tzinfo=UTC), dt.datetime(2027, 7, 5, 4, tzinfo=UTC), "[)"
    )


def test_resource_zone_endpoint_names_the_venue_zone(admin, client, room):
    url = f"/admin/booking/booking/resource-zone/{room.pk}/"

    assert admin.get(url).json() == {"zone": "Europe/Berlin",
                                     "label": "Period (Europe/Berlin):"}
    assert admin.get("/admin/booking/booking/resource-zone/999999/").status_code == 404
    client.logout()
    assert client.get(url).status_code == 302  # to the login page


@pytest.mark.parametrize("start_date, end_date, error", [
    # Berlin's midnight of 1 Jan 1 is still year 0 in UTC (it was a server error).
    ("0001-01-01", "0001-01-02", "Choose times between the years 1 and 9999 in UTC."),
    ("9999-12-31", "9999-12-31", "Havel Room can be booked at most 365 days ahead."),
])
def test_booking_add_with_dates_at_the_calendar_edge_is_a_form_error(
        admin, room, customer, start_date, end_date, error):
    response = admin.post(reverse("admin:booking_booking_add"), {
        "resource": room.pk, "customer": customer.pk, "party_size": 2, "status": "confirmed",
        "period_0_0": start_date, "period_0_1": "00:00",
        "period_1_0": end_date, "period_1_1": "23:59" if start_date == end_date else "00:00",
        "period_2": "",
    })

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["period"] == [error]
    assert Booking.objects.count() == 0


def lapsed_hold(room, customer, at):
    hold = booking_hold(resource=room, customer=customer, party_size=1, starts_at=at(9),
                        ends_at=at(10))
    Booking.objects.filter(pk=hold.pk).update(hold_expires_at=timezone.now())
    return hold


def test_booking_list_never_shows_a_lapsed_hold_as_held(admin, room, customer, at):
    hold = lapsed_hold(room, customer, at)

    held = admin.get("/admin/booking/booking/?status__exact=held").content.decode()
    expired = admin.get("/admin/booking/booking/?status__exact=expired").content.decode()

    assert hold.reference not in held
    assert hold.reference in expired
    assert Booking.objects.get(pk=hold.pk).status == BookingStatus.EXPIRED


def test_booking_page_of_a_lapsed_hold_shows_it_expired(admin, room, customer, at):
    hold = lapsed_hold(room, customer, at)

    page = admin.get(f"/admin/booking/booking/{hold.pk}/change/").content.decode()

    assert "Expired" in page and "Held" not in page.split('name="status"')[-1][:300]
    assert Booking.objects.get(pk=hold.pk).status == BookingStatus.EXPIRED


def test_calendar_draws_no_lapsed_hold(admin, room, customer, at):
    hold = lapsed_hold(room, customer, at)

    page = admin.get(f"/admin/booking/resource/{room.pk}/calendar/?date={at(9).date()}"
                     "&view=day").content.decode()

    assert hold.reference not in page

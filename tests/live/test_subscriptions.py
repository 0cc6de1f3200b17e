"""Subscriptions over a real websocket, through graphql-ws (the reference client), against
the running ASGI server: live delivery, resuming with a cursor, availability windows."""

import datetime as dt
import time

import pytest
from strawberry.relay import to_base64

from accounts.models import api_token_create
from booking.models import BookingEvent
from booking.services import booking_book, booking_cancel, booking_reschedule
from tests.conftest import make_resource

pytestmark = pytest.mark.django_db(transaction=True)

BOOKING_CHANGED = """subscription($ids: [ID!]!, $after: String) {
  bookingChanged(resourceIds: $ids, after: $after) {
    cursor resourceId status period { lower upper } previousPeriod { lower upper } } }"""

AVAILABILITY_CHANGED = """subscription($id: ID!, $window: DateTimeRangeInput!, $after: String) {
  availabilityChanged(resourceId: $id, window: $window, after: $after) {
    cursor change { status period { lower upper } previousPeriod { lower upper } }
    freePeriods { lower upper } } }"""

MAX_DELAY_MS = 1000


def rid(resource) -> str:
    return to_base64("Resource", resource.pk)


def utc(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).isoformat()


def book(resource, customer, start, end):
    return booking_book(resource=resource, customer=customer, party_size=1, starts_at=start,
                        ends_at=end)


def cursors_of(resource) -> list[str]:
    events = BookingEvent.objects.filter(resource_id=resource.pk).order_by("pgh_id")
    return [str(pk) for pk in events.values_list("pgh_id", flat=True)]


def first_message(subscriber) -> dict:
    message = subscriber.message()
    return subscriber.message() if message["kind"] == "connected" else message


def summary(result: dict) -> tuple:
    change = result["bookingChanged"]
    return change["status"], change["period"]["lower"]


def test_commits_arrive_live_and_a_reconnect_resumes_without_gap_or_duplicate(
        subscribe, room, venue, category, customer, at, record_property):
    other_room = make_resource(venue, category, name="Spree Room")
    first = book(room, customer, at(9), at(10))
    subscriber = subscribe(BOOKING_CHANGED, {"ids": [rid(room)], "after": "0"})
    # Replayed from the audit trail, so the subscriber is on the live feed from here on.
    [replayed] = subscriber.results(1)

    before = time.time() * 1000
    book(room, customer, at(11), at(12))
    committed = time.time() * 1000
    [live] = subscriber.results(1)
    subscriber.close()
    book(other_room, customer, at(11), at(12))
    book(room, customer, at(13), at(14))
    booking_cancel(booking=first)
    resumed = subscribe(BOOKING_CHANGED, {"ids": [rid(room)],
                                          "after": live["bookingChanged"]["cursor"]})
    missed = resumed.results(2)
    book(room, customer, at(15), at(16))
    [new] = resumed.results(1)

    record_property("delivery_ms_after_commit_returned", round(live["t"] - committed, 1))
    assert live["t"] - before < MAX_DELAY_MS
    received = [replayed, live, *missed, new]
    assert [r["bookingChanged"]["cursor"] for r in received] == cursors_of(room)
    assert [summary(r) for r in received] == [
        ("CONFIRMED", utc(at(9))), ("CONFIRMED", utc(at(11))), ("CONFIRMED", utc(at(13))),
        ("CANCELLED", utc(at(9))), ("CONFIRMED", utc(at(15)))]
    assert missed[1]["bookingChanged"]["previousPeriod"] == {"lower": utc(at(9)),
                                                             "upper": utc(at(10))}
    assert {r["bookingChanged"]["resourceId"] for r in received} == {rid(room)}
    assert resumed.silent(0.3)


def test_availability_changes_only_inside_the_window_with_free_periods(
        subscribe, room, customer, at):
    book(room, customer, at(8), at(8, 30))
    window = {"lower": at(8).isoformat(), "upper": at(10).isoformat()}
    subscriber = subscribe(AVAILABILITY_CHANGED, {"id": rid(room), "window": window,
                                                  "after": "0"})
    [replayed] = subscriber.results(1)

    book(room, customer, at(14), at(15))  # outside the window: no message
    inside = book(room, customer, at(9), at(9, 30))
    [taken] = subscriber.results(1)
    booking_reschedule(booking=inside, starts_at=at(16), ends_at=at(17))  # frees 09:00-09:30
    [freed] = subscriber.results(1)

    def free(result):
        return [(p["lower"], p["upper"]) for p in result["availabilityChanged"]["freePeriods"]]

    assert replayed["availabilityChanged"]["change"]["period"]["lower"] == utc(at(8))
    assert taken["availabilityChanged"]["change"]["period"]["lower"] == utc(at(9))
    assert free(taken) == [(utc(at(8, 30)), utc(at(9))), (utc(at(9, 30)), utc(at(10)))]
    assert freed["availabilityChanged"]["change"]["period"]["lower"] == utc(at(16))
    assert freed["availabilityChanged"]["change"]["previousPeriod"]["lower"] == utc(at(9))
    assert free(freed) == [(utc(at(8, 30)), utc(at(10)))]
    assert subscriber.silent(0.3)


def test_a_move_to_another_resource_reaches_the_old_resources_subscribers(
        subscribe, room, venue, category, customer, at):
    other_room = make_resource(venue, category, name="Spree Room")
    booking = book(room, customer, at(9), at(10))
    subscriber = subscribe(BOOKING_CHANGED, {"ids": [rid(room)], "after": "0"})
    subscriber.results(1)

    booking_reschedule(booking=booking, resource=other_room, starts_at=at(9), ends_at=at(10))
    [moved] = subscriber.results(1)

    assert moved["bookingChanged"]["resourceId"] == rid(other_room)
    assert moved["bookingChanged"]["previousPeriod"]["lower"] == utc(at(9))


@pytest.mark.parametrize(("variables", "code"), [
    ({"ids": [to_base64("Resource", 0)]}, "not_found"),
    ({"ids": [to_base64("Venue", 1)]}, "invalid_id"),
    ({"ids": []}, "too_many_ids"),
    ({"after": "-1"}, "invalid_cursor"),
])
def test_bad_arguments_are_coded_errors(subscribe, room, variables, code):
    subscriber = subscribe(BOOKING_CHANGED, {"ids": [rid(room)], **variables})

    message = first_message(subscriber)

    assert message["kind"] == "error"
    assert message["payload"][0]["extensions"]["code"] == code


@pytest.mark.parametrize(("document", "code"), [
    ("subscription {", "invalid_query"),  # a syntax error: it had no code over the websocket
    ("subscription { nope }", "invalid_query"),
])
def test_bad_documents_are_coded_errors(subscribe, document, code):
    message = first_message(subscribe(document, {}))

    assert message["kind"] == "error"
    assert [error["extensions"] for error in message["payload"]] == [{"code": code}]


def test_a_cursor_from_the_future_ends_the_subscription_with_a_coded_error(subscribe, room):
    subscriber = subscribe(BOOKING_CHANGED, {"ids": [rid(room)], "after": "999999999"})

    message = first_message(subscriber)

    # Checked against the audit trail once subscribed: an error result, then complete.
    assert message["kind"] == "next"
    assert message["payload"]["errors"][0]["extensions"] == {"code": "unknown_cursor",
                                                             "field": "after"}
    assert subscriber.message()["kind"] == "complete"


@pytest.mark.parametrize(("window", "code"), [
    ({"lower": "2030-01-01T09:00:00"}, "naive_datetime"),
    ({"lower": "2030-01-01T09:00:00+00:00"}, "invalid_window"),
    ({"lower": "2030-01-01T09:00:00+00:00", "upper": "2030-06-01T09:00:00+00:00"},
     "window_too_long"),
])
def test_bad_windows_are_coded_errors(subscribe, room, window, code):
    subscriber = subscribe(AVAILABILITY_CHANGED, {"id": rid(room), "window": window})

    message = first_message(subscriber)

    assert message["kind"] == "error"
    assert message["payload"][0]["extensions"]["code"] == code


MY_BOOKINGS = "{ myBookings(first: 5) { edges { node { reference } } } }"


def test_connection_init_token_identifies_the_caller(subscribe, room, customer, at):
    booking = book(room, customer, at(9), at(10))
    _, token = api_token_create(user=customer, name="websocket")

    with_token = subscribe(MY_BOOKINGS, {}, {"Authorization": f"Bearer {token}"})
    anonymous = subscribe(MY_BOOKINGS, {})

    [mine] = with_token.results(1)
    assert mine["myBookings"]["edges"] == [{"node": {"reference": booking.reference}}]
    message = first_message(anonymous)
    assert message["payload"]["errors"][0]["extensions"]["code"] == "permission_denied"

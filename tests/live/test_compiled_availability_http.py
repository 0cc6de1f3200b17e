"""availability and firstFreeSlot over HTTP (tests/live/asgi.py): answered on the event loop
(no thread hop) with the existing path's answer; a request the resolver refuses goes the
existing path (one hop), which answers its coded error."""

import datetime as dt
import json

import pytest
from strawberry.relay import to_base64

from booking.services import booking_book
from tests.conftest import make_resource
from tests.live.asgi import request

pytestmark = pytest.mark.django_db(transaction=True)

AVAILABILITY = """query($ids: [ID!]!, $window: DateTimeRangeInput!, $zone: String) {
  availability(resourceIds: $ids, window: $window, durationMinutes: 60, timeZone: $zone) {
    resourceId freePeriods { lower upper } slots { start end localStart } } }"""
FIRST = """query($ids: [ID!]!, $after: DateTime!) {
  firstFreeSlot(resourceIds: $ids, after: $after, durationMinutes: 90) {
    resourceId slot { start end } } }"""
# A session cookie sends a request the existing path (tests/live/test_compiled_http.py).
EXISTING_PATH = {"Cookie": "sessionid=not-a-session"}


def ask(query: str, variables: dict, headers: dict | None = None) -> tuple[int, dict, int]:
    status, _, body, hops = request(
        json.dumps({"query": query, "variables": variables}).encode(),
        headers={"Content-Type": "application/json", **(headers or {})})
    return status, json.loads(body), hops


@pytest.fixture
def rooms(venue, category, customer, at):
    rooms = [make_resource(venue, category, name=f"Room {n}", slot_step=dt.timedelta(hours=1))
             for n in range(3)]
    booking_book(resource=rooms[1], customer=customer, party_size=2, starts_at=at(10),
                 ends_at=at(12))
    return rooms


def test_availability_takes_the_compiled_path(rooms, at):
    variables = {"ids": [to_base64("Resource", r.pk) for r in reversed(rooms)],
                 "window": {"lower": at(8).isoformat(), "upper": at(14).isoformat()},
                 "zone": "Asia/Kathmandu"}

    status, answer, hops = ask(AVAILABILITY, variables)
    _, expected, existing_hops = ask(AVAILABILITY, variables, EXISTING_PATH)

    assert (status, hops, existing_hops) == (200, 0, 1)
    assert answer == expected
    taken = answer["data"]["availability"][1]
    assert taken["resourceId"] == to_base64("Resource", rooms[1].pk)
    assert [slot["start"] for slot in taken["slots"]] == [
        at(hour).astimezone(dt.UTC).isoformat() for hour in (8, 9, 12, 13)]
    assert taken["slots"][0]["localStart"] == at(8).astimezone(
        dt.timezone(dt.timedelta(hours=5, minutes=45))).isoformat()


def test_first_free_slot_takes_the_compiled_path(rooms, at):
    variables = {"ids": [to_base64("Resource", rooms[1].pk)], "after": at(9).isoformat()}

    status, answer, hops = ask(FIRST, variables)
    _, expected, _ = ask(FIRST, variables, EXISTING_PATH)

    assert (status, hops) == (200, 0)
    assert answer == expected == {"data": {"firstFreeSlot": [{
        "resourceId": to_base64("Resource", rooms[1].pk),
        "slot": {"start": at(12).astimezone(dt.UTC).isoformat(),
                 "end": at(13, 30).astimezone(dt.UTC).isoformat()}}]}}


@pytest.mark.parametrize("change,code", [
    ({"ids": [to_base64("Resource", n) for n in range(101)]}, "too_many_ids"),
    ({"zone": "Europe/Atlantis"}, "unknown_timezone"),
])
def test_refused_input_answers_the_existing_paths_coded_error(rooms, at, change, code):
    variables = {"ids": [to_base64("Resource", rooms[0].pk)],
                 "window": {"lower": at(8).isoformat(), "upper": at(14).isoformat()}, **change}

    status, answer, hops = ask(AVAILABILITY, variables)

    assert (status, hops) == (200, 1)
    assert answer["data"] is None
    assert [error["extensions"]["code"] for error in answer["errors"]] == [code]

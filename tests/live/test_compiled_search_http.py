"""`search` over HTTP through the ASGI application: answered on the event loop (no thread
hop) with the existing path's answer, filters and availability included; a value the
existing path refuses (a bad cursor, first: 0, an id of another type) gets its coded error
from it (one hop)."""

import datetime as dt
import json

import pytest
from strawberry.relay import to_base64

from accounts.models import api_token_create
from booking.models import Amenity
from tests.conftest import make_resource
from tests.live.asgi import request

pytestmark = pytest.mark.django_db(transaction=True)

SEARCH = """query ($text: String!, $first: Int!, $after: String, $during: DateTimeRangeInput,
                  $amenities: [ID!]) {
  search(text: $text, first: $first, after: $after, availableDuring: $during,
         amenityIds: $amenities) {
    total nextCursor didYouMean fallback completions
    hits { resourceId name nameHtml snippetHtml rank pricePerHour }
    facets { category { value label count } city { value count } amenity { value count } }
    understood { partySize city venueIds text } } }"""
# A session cookie sends a request the existing path (tests/live/test_compiled_http.py).
EXISTING_PATH = {"Cookie": "sessionid=not-a-session"}


def ask(variables: dict, headers: dict | None = None) -> tuple[int, dict, int]:
    status, _, body, hops = request(
        json.dumps({"query": SEARCH, "variables": variables}).encode(),
        headers={"Content-Type": "application/json", **(headers or {})})
    return status, json.loads(body), hops


@pytest.fixture
def rooms(venue, category):
    projector = Amenity.objects.create(name="Projector", slug="projector")
    for n, text in enumerate(["Quiet room with a projector.", "A quiet desk by the window.",
                              "Loud room for bands.", "Quiet studio, natural light."]):
        room = make_resource(venue, category, name=f"Room {n}", description=text)
        if "projector" in text:
            room.amenities.add(projector)
    return projector


def variables(**given) -> dict:
    return {"text": "quiet", "first": 2, **given}


@pytest.mark.parametrize("given", [
    {}, {"text": "quiet roon"}, {"text": ""}, {"text": "for 4 in Berlin", "first": 1},
])
def test_search_is_answered_on_the_event_loop(rooms, given):
    status, answer, hops = ask(variables(**given))
    _, existing, existing_hops = ask(variables(**given), EXISTING_PATH)

    assert (status, hops, existing_hops) == (200, 0, 1)
    assert answer == existing
    assert answer["data"]["search"]["total"] >= 1


def test_filters_availability_and_the_next_page_on_the_event_loop(rooms, staff):
    _, token = api_token_create(user=staff, name="search")
    start = (dt.datetime.now(dt.UTC) + dt.timedelta(days=2)).replace(minute=0, second=0,
                                                                        microsecond=0)
    during = {"lower": start.isoformat(), "upper": (start + dt.timedelta(hours=1)).isoformat()}
    first_page = variables(during=during, amenities=[to_base64("Amenity", rooms.pk)])
    _, answer, _ = ask(variables(first=1))
    second_page = variables(first=1, after=answer["data"]["search"]["nextCursor"])

    for given in (first_page, second_page):
        status, answer, hops = ask(given, {"Authorization": f"Bearer {token}"})
        _, existing, _ = ask(given, EXISTING_PATH)

        assert (status, hops) == (200, 0)
        assert answer == existing and answer["data"]["search"]["hits"]


@pytest.mark.parametrize("given, code", [
    ({"after": "not-a-cursor"}, "invalid_cursor"),
    ({"first": 0}, "invalid_first"),
    ({"amenities": [to_base64("Venue", 1)]}, "invalid_id"),
    ({"during": {"lower": "2031-01-01T10:00:00+00:00"}}, "invalid_window"),
])
def test_refused_values_get_the_existing_paths_coded_error(rooms, given, code):
    status, answer, hops = ask(variables(**given))

    assert (status, hops) == (200, 1)
    assert answer["data"] is None
    assert [error["extensions"]["code"] for error in answer["errors"]] == [code]

"""Requests whose answers would be huge: slots by the minute over months, lists multiplied
by aliases and nesting. Their size is estimated before anything runs (schema/limits.py),
and availability counts its slots before building them."""

import datetime as dt

import pytest
from strawberry.relay import to_base64

from schema.limits import MAX_COST
from tests.abuse.conftest import query, send
from tests.conftest import make_resource

pytestmark = pytest.mark.django_db(transaction=True)

AVAILABILITY = """query ($ids: [ID!]!, $w: DateTimeRangeInput!, $step: Int) {
  availability(resourceIds: $ids, window: $w, durationMinutes: 30, stepMinutes: $step) {
    resourceId freePeriods { lower upper } slots { start end } } }"""
TOMORROW = dt.datetime.combine(dt.date.today() + dt.timedelta(days=1), dt.time(),
                               tzinfo=dt.UTC)


def window(days: int) -> dict:
    return {"lower": TOMORROW.isoformat(),
            "upper": (TOMORROW + dt.timedelta(days=days)).isoformat()}


def test_slots_by_the_minute_for_months_are_refused_before_running(asgi_server, probe):
    # 73 resources x 92 days x 1 slot a minute: 45 s, a 238 MB answer and 2 GB of memory.
    ids = [to_base64("Resource", n) for n in range(1, 74)]

    with probe() as served:
        answer = send(asgi_server.url, query(AVAILABILITY, {
            "ids": ids, "w": window(92), "step": 1}))

    [error] = answer.json["errors"]
    assert error["extensions"] == {"code": "query_too_costly", "cost": 73 * (1 + 185 + 132_481),
                                   "maxCost": MAX_COST}
    assert answer.seconds < 1.0
    served.assert_served()


def test_slots_past_the_limit_are_counted_not_built(asgi_server, venue, category, probe):
    rooms = [make_resource(venue, category, name=f"Room {n}") for n in range(10)]
    ids = [to_base64("Resource", room.pk) for room in rooms]

    # 10 rooms open all day, 14 days, every 5 minutes: under the estimate's limit, but
    # 40,000 slots when counted.
    with probe() as served:
        answer = send(asgi_server.url, query(AVAILABILITY, {"ids": ids, "w": window(14),
                                                            "step": 5}))
    fewer = send(asgi_server.url, query(AVAILABILITY, {"ids": ids[:2], "w": window(7),
                                                       "step": 15}))

    [error] = answer.json["errors"]
    assert error["extensions"] == {"code": "too_many_slots", "field": "window"}
    assert error["message"].startswith("This asks for 40,270 slots; at most 20,000")
    assert answer.seconds < 3.0
    served.assert_served()
    assert [len(found["slots"]) for found in fewer.json["data"]["availability"]] == [671, 671]


def test_lists_multiplied_by_aliases_are_refused(asgi_server, room):
    heavy = " ".join(f"a{n}: resources(limit: 100) {{ amenities {{ name }} openingHours "
                     "{ opens } rates { currency } }" for n in range(20))

    refused = send(asgi_server.url, query("{ " + heavy + " }"))
    one = send(asgi_server.url, query("{ resources(limit: 100) { amenities { name } "
                                      "openingHours { opens } rates { currency } } }"))

    assert refused.json["errors"][0]["extensions"] == {
        "code": "query_too_costly", "cost": 20 * 100 * 76, "maxCost": MAX_COST}
    assert len(one.json["data"]["resources"]) == 1


def test_search_pages_are_bounded(asgi_server):
    answer = send(asgi_server.url, query('{ search(text: "room", first: 101) { total } }'))

    assert answer.codes == ["invalid_first"]

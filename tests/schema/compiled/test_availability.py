"""`availability` and `firstFreeSlot` on the compiled path (schema/compiled/availability.py)
answer exactly as their resolvers do, in as many statements: documented operations, and
drawn requests (ids, windows over DST nights and half-hour zones, durations, steps,
anchors, party sizes, time zones, held bookings to ignore) with drawn selections, as
anonymous callers, customers and staff. A request the resolver refuses goes the existing
path (Unsupported), which answers its coded error."""

import datetime as dt
import json

import pytest
from django.db import connection
from django.db.backends.postgresql.psycopg_any import DateRange, DateTimeTZRange, NumericRange
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from strawberry.relay import to_base64

from bench.api_operations import OPERATIONS
from booking.models import Booking, Category, Closure, OpeningHours, Resource, SpecialHours, Venue
from fixtures import tour
from schema.compiled.driven import drive
from schema.compiled.plan import plan_for
from schema.compiled.selection import Unsupported
from schema.compiled.serve import assemble
from tests.schema.compiled.conftest import caller_of, existing, rows

UTC = dt.UTC
# The clock of both paths (booking.selectors reads timezone.now()): the answers depend on
# it (minimum notice, horizon, expired holds), and the windows below lie around it.
NOW = dt.datetime(2027, 3, 10, 7, 30, 0, 123456, tzinfo=UTC)
ZONES = ["Europe/Berlin", "America/New_York", "Asia/Kathmandu", "Australia/Lord_Howe",
         "America/St_Johns"]
# Local DST nights of those zones (and of no zone: Kathmandu), around NOW.
NIGHTS = [dt.datetime(2027, 3, 14, tzinfo=UTC), dt.datetime(2027, 3, 28, tzinfo=UTC),
          dt.datetime(2027, 4, 4, tzinfo=UTC), dt.datetime(2027, 3, 10, tzinfo=UTC),
          dt.datetime(2027, 3, 20, tzinfo=UTC)]
USERS = [None, "ada", "bob", "staff"]
HOUR = dt.timedelta(hours=1)

DOCUMENT = """query Drawn($ids: [ID!]!, $w: DateTimeRangeInput!, $d: Int!, $s: Int,
                  $a: SlotAnchor!, $p: Int, $z: String, $h: String) {
  availability(resourceIds: $ids, window: $w, durationMinutes: $d, stepMinutes: $s,
               anchor: $a, partySize: $p, timeZone: $z, ignoreBooking: $h) { SELECTION }
}"""


@pytest.fixture(autouse=True)
def clock(monkeypatch):
    monkeypatch.setattr("django.utils.timezone.now", lambda: NOW)


@pytest.fixture
def places(db, django_user_model):
    """Resources in five zones (DST in March and April, half-hour offsets) with weekly and
    special hours, closures, and bookings: confirmed, held, an expired hold, cancelled."""
    category = Category.objects.create(name="Room", slug="room")
    users = {name: django_user_model.objects.create_user(name, f"{name}@example.com", "pw",
                                                        is_staff=name == "staff")
             for name in ("ada", "bob", "staff")}
    resources = []
    for n, zone in enumerate(ZONES):
        venue = Venue.objects.create(name=zone, slug=f"v{n}", city=zone, country="DE",
                                     timezone=zone)
        for k in range(2):
            resources.append(_resource(venue, category, n, k))
        if n == 1:
            Closure.objects.create(venue=venue, period=DateTimeTZRange(
                dt.datetime(2027, 3, 15, 13, tzinfo=UTC), dt.datetime(2027, 3, 15, 17, tzinfo=UTC)))
    inactive = _resource(resources[0].venue, category, 9, 0, is_active=False)
    Closure.objects.create(resource=resources[2], period=DateTimeTZRange(
        dt.datetime(2027, 3, 20, 10, tzinfo=UTC), dt.datetime(2027, 3, 21, 2, tzinfo=UTC)))
    SpecialHours.objects.create(resource=resources[0], date=dt.date(2027, 3, 28),
                                hours=NumericRange(60, 240))
    SpecialHours.objects.create(resource=resources[5], date=dt.date(2027, 3, 15), hours=None)
    bookings = {}
    for i, (who, status, resource) in enumerate([
            ("ada", "held", 0), ("ada", "confirmed", 1), ("bob", "held", 2),
            ("bob", "confirmed", 6), ("ada", "held", 7), ("bob", "cancelled", 0)]):
        start = NIGHTS[i % len(NIGHTS)] + dt.timedelta(hours=5 + i, minutes=15 * i)
        expires = {0: NOW + HOUR, 2: NOW + HOUR, 4: NOW - HOUR}.get(i)
        bookings[i] = Booking.objects.create(
            resource=resources[resource], customer=users[who], party_size=2,
            period=DateTimeTZRange(start, start + dt.timedelta(minutes=90 + 7 * i)),
            status=status, hold_expires_at=expires)
    return {"resources": resources, "inactive": inactive, "users": users,
            "bookings": bookings}


def _resource(venue, category, n, k, **fields):
    resource = Resource.objects.create(
        venue=venue, category=category, name=f"R{n}{k}", slug=f"r{n}{k}",
        capacity=NumericRange(1 + k, 9 + 3 * k), turnaround=dt.timedelta(minutes=15 * k),
        min_notice=dt.timedelta(hours=k * 5, minutes=1), horizon=dt.timedelta(days=30 + k * 5),
        min_length=dt.timedelta(minutes=15), max_length=dt.timedelta(hours=10 - 6 * k),
        slot_step=dt.timedelta(minutes=30 if k else 20), **fields)
    if k == 0:  # around the clock, so that DST nights count
        OpeningHours.objects.bulk_create(
            OpeningHours(resource=resource, weekday=day, hours=NumericRange(0, 1440))
            for day in range(1, 8))
    else:
        OpeningHours.objects.bulk_create(
            OpeningHours(resource=resource, weekday=day, hours=NumericRange(420, 1290),
                         valid_during=DateRange(dt.date(2027, 1, 1), dt.date(2027, 3, 25)))
            for day in range(1, 7))
    return resource


def run_compiled(document: str, variables: dict, user=None) -> tuple[dict, int]:
    """The compiled answer (as conftest.compiled()) and how many statements it sent."""
    plan = plan_for(document, None)
    assert plan is not None, "the compiler should cover this document"
    sent = []

    def counted(query):
        sent.append(query)
        return rows(query)

    results = []
    for statement in plan.statements(variables, caller_of(user)):
        value = drive(statement.steps(), counted)
        results.append((statement, json.dumps(statement.shape.render(value)), None))
    body, _ = assemble(results)
    return json.loads(body), len(sent)


def run_existing(document: str, variables: dict, user=None) -> tuple[dict, int]:
    """The existing path's answer and how many statements it sent."""
    with CaptureQueriesContext(connection) as captured:
        answer = existing(document, variables, user)
    return answer, len(captured.captured_queries)


def gid(resource, type_name: str = "Resource") -> str:
    return to_base64(type_name, resource.pk)


# --- the documented operations ----------------------------------------------------------


@pytest.mark.parametrize("who", USERS)
def test_bench_availability(places, who):
    document = next(op for op in OPERATIONS if op.name == "Availability").document
    ids = [gid(r) for r in places["resources"][:4]] + [gid(places["inactive"])]
    variables = {"ids": ids, "duration": 60, "window": {
        "lower": "2027-03-13T23:00:00-05:00", "upper": "2027-03-15T00:00:00-04:00"}}

    answer, sent = run_compiled(document, variables, places["users"].get(who))
    expected, statements = run_existing(document, variables, places["users"].get(who))

    assert answer == expected
    assert sent == statements == 2
    assert [a["resourceId"] for a in answer["data"]["availability"]] == ids[:4]
    assert sum(len(a["slots"]) for a in answer["data"]["availability"]) > 50


def test_tour_availability(places):
    ids = [gid(places["resources"][2]), gid(places["resources"][3])]
    variables = {"ids": ids, "window": {"lower": "2027-03-14T00:00:00-05:00",
                                        "upper": "2027-03-15T00:00:00-04:00"}}

    answer, sent = run_compiled(tour.AVAILABILITY, variables)

    assert answer == existing(tour.AVAILABILITY, variables)
    assert sent == 2
    first = answer["data"]["availability"][0]
    assert first["slots"][:3] == [  # 02:00 local does not exist that night
        {"start": "2027-03-14T05:00:00+00:00", "end": "2027-03-14T06:00:00+00:00",
         "localStart": "2027-03-14T00:00:00-05:00"},
        {"start": "2027-03-14T05:20:00+00:00", "end": "2027-03-14T06:20:00+00:00",
         "localStart": "2027-03-14T00:20:00-05:00"},
        {"start": "2027-03-14T05:40:00+00:00", "end": "2027-03-14T06:40:00+00:00",
         "localStart": "2027-03-14T00:40:00-05:00"}]


def test_without_slots_one_statement(places):
    document = DOCUMENT.replace("SELECTION", "resourceId freePeriods { lower upper }")
    variables = {"ids": [gid(places["resources"][0])], "d": 60, "a": "MIDNIGHT",
                 "w": {"lower": "2027-03-28T00:00:00+01:00", "upper": "2027-03-29T00:00:00+02:00"}}

    answer, sent = run_compiled(document, variables)

    assert answer == existing(document, variables)
    assert sent == 1
    assert answer["data"]["availability"] == [{  # special hours 01:00-04:00, DST at 02:00
        "resourceId": gid(places["resources"][0]),
        "freePeriods": [{"lower": "2027-03-28T00:00:00+00:00",
                         "upper": "2027-03-28T02:00:00+00:00"}]}]


@pytest.mark.parametrize("who,covered", [("ada", True), ("staff", True), ("bob", False),
                                         (None, False)])
def test_ignore_booking_of_the_callers_own_hold(places, who, covered):
    hold = places["bookings"][0]  # ada's
    document = DOCUMENT.replace("SELECTION", "freePeriods { lower } slots { start }")
    variables = {"ids": [gid(places["resources"][0])], "d": 30, "a": "MIDNIGHT",
                 "h": f"  {hold.reference.lower()} ",
                 "w": {"lower": "2027-03-14T00:00:00+00:00", "upper": "2027-03-15T00:00:00+00:00"}}
    user = places["users"].get(who)

    expected, statements = run_existing(document, variables, user)

    if not covered:  # the resolver's unknown_hold
        assert expected["errors"][0]["extensions"]["code"] == "unknown_hold"
        with pytest.raises(Unsupported):
            run_compiled(document, variables, user)
        return
    answer, sent = run_compiled(document, variables, user)
    assert answer == expected
    assert sent == statements == 3
    held = variables | {"h": None}
    assert answer != run_compiled(document, held, user)[0]  # the hold counts otherwise


@pytest.mark.parametrize("change", [
    {"ids": ["x"] * 101}, {"ids": ["bm9wZQ=="]}, {"ids": [to_base64("Venue", 1)]},
    {"ids": [to_base64("Resource", 2**63)]}, {"z": "Mars/Olympus"}, {"z": "../etc"},
    {"d": 0}, {"d": -5}, {"s": -1}, {"a": "FREE_START", "w": {"lower": "2027-03-14T00:00:00"}},
    {"w": {"lower": "2027-03-14T00:00:00Z", "upper": "2027-06-15T00:00:00Z"}},
    {"w": {"lower": "2027-03-14T00:00:00Z", "upper": "2027-03-13T00:00:00Z"}},
    {"w": {"lower": "2027-03-14T00:00:00Z", "upper": "2027-03-15T00:00:00Z", "upperInc": True}},
    {"w": {"lower": "2027-03-14T00:00:00Z"}}, {"w": {"isEmpty": True}},
    {"w": {"lower": "2027-03-14T00:00:00Z", "upper": "yesterday"}},
    {"w": {"lower": "2027-03-14T00:00:00Z", "upper": 5}},
    {"w": {"lower": "2027-03-14T00:00:00Z", "upper": "2027-03-28T00:00:00Z"}, "s": 1},
    {"h": "NOPE"}])
def test_refused_inputs_go_the_existing_path(places, change):
    document = DOCUMENT.replace("SELECTION", "resourceId slots { start }")
    variables = {"ids": [gid(r) for r in places["resources"]], "d": 60, "a": "MIDNIGHT",
                 "w": {"lower": "2027-03-14T00:00:00Z", "upper": "2027-03-15T00:00:00Z"},
                 **change}

    expected = existing(document, variables, places["users"]["ada"])

    assert expected["data"] is None and expected["errors"][0]["extensions"]["code"]
    with pytest.raises(Unsupported):
        run_compiled(document, variables, places["users"]["ada"])


def test_slots_selected_only_by_a_later_field_node_go_the_existing_path(places):
    # The resolver looks at the first node only, and then answers no slots at all.
    field = ("availability(resourceIds: $ids, window: $w, durationMinutes: $d, anchor: $a) "
             "{ SELECTION }")
    document = ("query($ids: [ID!]!, $w: DateTimeRangeInput!, $d: Int!, $a: SlotAnchor!) { "
                + field.replace("SELECTION", "resourceId") + " "
                + field.replace("SELECTION", "slots { start }") + " }")
    variables = {"ids": [gid(places["resources"][0])], "d": 60, "a": "MIDNIGHT",
                 "w": {"lower": "2027-03-14T00:00:00Z", "upper": "2027-03-15T00:00:00Z"}}

    assert existing(document, variables)["data"]["availability"][0]["slots"] == []
    with pytest.raises(Unsupported):
        run_compiled(document, variables)


def test_resource_selected_goes_the_existing_path():
    assert plan_for(DOCUMENT.replace("SELECTION", "resource { name }"), None) is None


# --- drawn requests and selections ------------------------------------------------------

SLOT_FIELDS = ["start", "end", "localStart", "localEnd", "__typename"]
PERIOD_FIELDS = ["lower", "upper", "lowerInc", "upperInc", "isEmpty", "__typename"]
OFFSETS = ["Z", "+00:00", "-05:00", "+05:45", "+13:00", "-03:30", "+01:00"]


@st.composite
def subselection(draw, fields: list[str]) -> str:
    chosen = draw(st.lists(st.sampled_from(fields), min_size=1, max_size=4))
    return " ".join(f"{f.strip('_')}{n}: {f}" if draw(st.booleans()) and n % 2 else f
                    for n, f in enumerate(chosen))


@st.composite
def selections(draw) -> tuple[str, str]:
    """A selection on ResourceAvailability and the fragments it spreads."""
    parts, fragments = [], []
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["resourceId", "periods", "slots", "typename", "alias",
                                     "fragment", "inline"]))
        if kind == "resourceId":
            parts.append("resourceId")
        elif kind == "periods":
            parts.append(f"freePeriods {{ {draw(subselection(PERIOD_FIELDS))} }}")
        elif kind == "slots":
            parts.append(f"slots {{ {draw(subselection(SLOT_FIELDS))} }}")
        elif kind == "typename":
            parts.append("__typename")
        elif kind == "alias":
            parts.append(f"a{len(parts)}: slots {{ {draw(subselection(SLOT_FIELDS))} }}")
        elif kind == "fragment":
            name = f"F{len(fragments)}"
            fragments.append(f"fragment {name} on ResourceAvailability {{ resourceId "
                             f"slots {{ {draw(subselection(SLOT_FIELDS))} }} }}")
            parts.append(f"...{name}")
        else:
            parts.append(f"... on ResourceAvailability {{ freePeriods {{ "
                         f"{draw(subselection(PERIOD_FIELDS))} }} }}")
    return " ".join(parts), "\n".join(fragments)


def instant(draw, base: dt.datetime, hours: tuple[int, int]) -> str:
    """base + a drawn time (quarters of an hour, some seconds), at a drawn UTC offset."""
    value = base + dt.timedelta(minutes=draw(st.integers(*hours)) * 15
                                + draw(st.sampled_from([0, 0, 0, 1, 59])) / 60)
    offset = draw(st.sampled_from(OFFSETS))
    if offset == "Z":
        return value.isoformat().replace("+00:00", "Z")
    sign, hours, minutes = offset[0], int(offset[1:3]), int(offset[4:])
    zone = dt.timezone((-1 if sign == "-" else 1) * dt.timedelta(hours=hours, minutes=minutes))
    return value.astimezone(zone).isoformat()


@st.composite
def requests(draw, places) -> dict:
    resources = places["resources"] + [places["inactive"]]
    ids = draw(st.lists(st.sampled_from([gid(r) for r in resources]
                                        + [to_base64("Resource", 987654)]), min_size=1, max_size=6))
    base = draw(st.sampled_from(NIGHTS + [NOW]))
    lower = instant(draw, base, (-4 * 36, 4 * 36))
    upper = instant(draw, dt.datetime.fromisoformat(lower.replace("Z", "+00:00")), (1, 4 * 60))
    variables = {"ids": ids, "w": {"lower": lower, "upper": upper},
                 "d": draw(st.sampled_from([15, 30, 45, 60, 90, 240, 700])),
                 "s": draw(st.sampled_from([None, None, 0, 10, 15, 30, 60, 7])),
                 "a": draw(st.sampled_from(["MIDNIGHT", "FREE_START"])),
                 "p": draw(st.sampled_from([None, None, 1, 3, 8, 12])),
                 "z": draw(st.sampled_from([None, "", "UTC"] + ZONES))}
    hold = draw(st.sampled_from([None] * 6 + [0, 2, 4, 5]))
    if hold is not None:
        variables["h"] = places["bookings"][hold].reference
    return {name: value for name, value in variables.items()
            if value is not None or draw(st.booleans())}


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_compiled_availability_equals_existing(places, data):
    selection, fragments = data.draw(selections())
    document = DOCUMENT.replace("SELECTION", selection) + "\n" + fragments
    variables = data.draw(requests(places))
    user = places["users"].get(data.draw(st.sampled_from(USERS)))

    expected, statements = run_existing(document, variables, user)

    if "errors" in expected:
        event(f"refused: {expected['errors'][0]['extensions']['code']}")
        if plan_for(document, None) is not None:
            with pytest.raises(Unsupported):
                run_compiled(document, variables, user)
        return
    answer, sent = run_compiled(document, variables, user)
    found = answer["data"]["availability"]
    slots = sum(len(a.get("slots", [])) for a in found)
    event(f"resources {min(len(found), 2)}, slots {'0' if not slots else '>0'}")
    assert answer == expected, (document, variables)
    assert sent == statements


# --- firstFreeSlot ----------------------------------------------------------------------

FIRST = """query Drawn($ids: [ID!]!, $after: DateTime!, $d: Int!, $days: Int!, $p: Int,
                  $z: String) {
  firstFreeSlot(resourceIds: $ids, after: $after, durationMinutes: $d, lookaheadDays: $days,
                partySize: $p, timeZone: $z) { SELECTION }
}"""
FIRST_SELECTIONS = ["resourceId", "slot { start }", "__typename resourceId slot { __typename }",
                    "r: resourceId slot { localStart localEnd end s: start }",
                    "...F", "... on FirstFreeSlot { slot { start } } slot { end }"]


@st.composite
def first_requests(draw, places) -> dict:
    resources = places["resources"] + [places["inactive"]]
    return {"ids": draw(st.lists(st.sampled_from([gid(r) for r in resources]), max_size=5)),
            "after": instant(draw, draw(st.sampled_from(NIGHTS + [NOW])), (-4 * 36, 4 * 36)),
            "d": draw(st.sampled_from([15, 60, 240, 700, 0])),
            "days": draw(st.sampled_from([1, 2, 14, 92, 93, 0])),
            "p": draw(st.sampled_from([None, 1, 8, 12])),
            "z": draw(st.sampled_from([None, "", "Nowhere"] + ZONES))}


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_compiled_first_free_slot_equals_existing(places, data):
    document = FIRST.replace("SELECTION", data.draw(st.sampled_from(FIRST_SELECTIONS))) + (
        "\nfragment F on FirstFreeSlot { resourceId slot { localStart } }")
    if "...F" not in document:
        document = document.split("\nfragment")[0]
    variables = data.draw(first_requests(places))
    user = places["users"].get(data.draw(st.sampled_from(USERS)))

    expected, statements = run_existing(document, variables, user)

    if "errors" in expected:
        event(f"refused: {expected['errors'][0]['extensions']['code']}")
        with pytest.raises(Unsupported):
            run_compiled(document, variables, user)
        return
    answer, sent = run_compiled(document, variables, user)
    event(f"slots found: {sum(bool(a.get('slot')) for a in answer['data']['firstFreeSlot']) > 0}")
    assert answer == expected, (document, variables)
    assert sent == statements == 1


def test_first_free_slot_over_a_dst_night(places):
    document = FIRST.replace("SELECTION", "resourceId slot { start localStart }")
    variables = {"ids": [gid(places["resources"][2]), gid(places["resources"][0])],
                 "after": "2027-03-14T01:30:00-05:00", "d": 60, "days": 1,
                 "z": "America/New_York"}

    answer, sent = run_compiled(document, variables)

    assert answer == existing(document, variables)
    assert sent == 1
    # Both on 20-minute grids from local midnight; the slot runs over the jump at 02:00.
    assert answer["data"]["firstFreeSlot"] == [
        {"resourceId": gid(resource), "slot": {"start": "2027-03-14T06:40:00+00:00",
                                              "localStart": "2027-03-14T01:40:00-05:00"}}
        for resource in (places["resources"][2], places["resources"][0])]

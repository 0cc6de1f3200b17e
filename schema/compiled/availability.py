"""`availability` and `firstFreeSlot` as driven root fields (driven.py).

Each reads its arguments as its resolver (schema/booking/availability.py) does, with the
same checks: a value the resolver refuses (more than 100 ids, an id of another type, a
bad duration, step, window or time zone, an unknown hold) raises Unsupported, so that the
existing path answers with its coded error. The statements are the selectors' own
(booking.selectors' `*_query`), their rows read by the selectors' own readers
(`*_from_rows`), in the resolver's order: the caller's held booking when `ignoreBooking`
names one, the free periods, then the slots only when the field's selection names them.
The value is rendered as strawberry renders the resolver's objects: resource ids as
global ids, instants as `isoformat()` in UTC, local times in the requested zone.

`resource` is not covered (closed): a selection of it goes the existing path.
"""

import datetime as dt
import functools

from django.core.exceptions import ValidationError
from graphql import FieldNode, FragmentSpreadNode
from strawberry.relay import to_base64

from booking import selectors
from schema.booking.availability import MAX_SLOTS, MINUTE, SlotAnchor
from schema.common import DateTimeRangeInput, parse_datetime
from schema.compiled.driven import DRIVEN, Driven, Query, Steps
from schema.compiled.filters import Sql, both
from schema.compiled.roots import Caller, node_pk, visible_bookings
from schema.compiled.selection import Unsupported

UTC = dt.UTC
MAX_IDS = 100  # the resolver's _ids
RESOURCE = frozenset({"Resource"})


def availability(args: dict, caller: Caller, shape) -> Steps:
    """Free periods and slots per resource in the order asked (the resolver's value)."""
    ids, zone = _resource_ids(args["resourceIds"]), _zone(args["timeZone"])
    window = _window(args["window"])
    duration = _minutes(args["durationMinutes"])
    step = _minutes(args["stepMinutes"]) if args["stepMinutes"] else None
    slots_wanted = _selects_slots(shape)
    own_hold = None
    if args["ignoreBooking"]:
        own_hold = yield from _own_hold(args["ignoreBooking"], caller)
    free_query = _checked(selectors.resource_free_periods_query, resource_ids=ids,
                          window=window, ignore_booking_id=own_hold)
    slots_query = _checked(
        selectors.resource_slots_query, resource_ids=ids, window=window, duration=duration,
        step=step, anchor=SlotAnchor[args["anchor"]].value, party_size=args["partySize"],
        ignore_booking_id=own_hold) if slots_wanted else None
    free = selectors.resource_free_periods_from_rows((yield _query(free_query)))
    slots = {}
    if slots_query is not None:
        slots = _checked(selectors.resource_slots_from_rows, (yield _query(slots_query)),
                         max_slots=MAX_SLOTS)
    slot = _Slots(duration, zone)
    iso = slot.iso
    return _rendered(lambda: [
        {"resourceId": _gid(rid), "freePeriods": [_period(p, iso) for p in periods],
         "slots": [slot[start] for start in slots.get(rid, ())]}
        for rid, periods in _in_order(ids, free)])


def first_free_slot(args: dict, caller: Caller) -> Steps:
    """The earliest slot per resource in the order asked (the resolver's value)."""
    ids, zone = _resource_ids(args["resourceIds"]), _zone(args["timeZone"])
    after = _datetime(args["after"])
    duration = _minutes(args["durationMinutes"])
    days = args["lookaheadDays"]
    if not 0 < days <= selectors.MAX_WINDOW.days:
        raise Unsupported("lookaheadDays")
    query = _checked(selectors.resource_first_free_slot_query, resource_ids=ids, after=after,
                     duration=duration, lookahead=dt.timedelta(days=days),
                     party_size=args["partySize"])
    first = dict((yield _query(query)))
    slot = _Slots(duration, zone)
    return _rendered(lambda: [
        {"resourceId": _gid(rid), "slot": slot[start.astimezone(UTC)] if start else None}
        for rid, start in _in_order(ids, first)])


# --- arguments, as the resolver reads them ----------------------------------------------


def _resource_ids(global_ids: list[str]) -> list[int]:
    if len(global_ids) > MAX_IDS:
        raise Unsupported("too_many_ids")
    return [node_pk(global_id, "Resource") for global_id in global_ids]


def _zone(name: str | None):
    return _checked(selectors.validate_timezone_name, name) if name else None


def _datetime(value) -> dt.datetime:
    """strawberry's DateTime of a value (graphql-core leaves our SDL's scalar as sent)."""
    if not isinstance(value, str):
        raise Unsupported("DateTime")
    try:
        return parse_datetime(value)
    except (ValueError, OverflowError):
        raise Unsupported("DateTime") from None


def _window(value: dict):
    """DateTimeRangeInput.to_range() of the input, or Unsupported where it refuses."""
    bounds = {side: None if value[side] is None else _datetime(value[side])
              for side in ("lower", "upper")}
    return _checked(DateTimeRangeInput(**bounds, lower_inc=value["lowerInc"],
                                       upper_inc=value["upperInc"],
                                       is_empty=value["isEmpty"]).to_range)


def _minutes(value: int | None) -> dt.timedelta:
    if value is None or value <= 0:
        raise Unsupported("minutes")
    return value * MINUTE


def _checked(function, *args, **kwargs):
    """function's value; Unsupported where it raises the resolver's ValidationError."""
    try:
        return function(*args, **kwargs)
    except ValidationError:
        raise Unsupported("invalid input") from None


def _own_hold(reference: str, caller: Caller):
    """The id of the caller's own held booking (BookingQuerySet.visible_to), one
    statement; Unsupported when there is none (the resolver's unknown_hold)."""
    visible = visible_bookings("b", caller)
    if visible.text == "false":  # anonymous: no statement needed to know
        raise Unsupported("unknown_hold")
    where = both(visible, Sql("b.reference = %s AND b.status = 'held'",
                              [reference.strip().upper()]))
    rows = yield Query(f"SELECT b.id FROM booking_booking b WHERE {where.text} LIMIT 1",
                       where.params)
    if not rows:
        raise Unsupported("unknown_hold")
    return rows[0][0]


@functools.lru_cache(maxsize=256)
def _selects_slots(shape) -> bool:
    """The resolver's _selects(info, "slots"): whether the first field node names slots
    (through fragments, whatever their directives). Unsupported when only a later node
    does: the resolver then answers no slots though they are selected."""
    if _names_slots(shape.nodes[0], shape.fragments):
        return True
    if any(name == "slots" for _, name, _ in shape.keys):
        raise Unsupported("slots selected by a later field node")
    return False


def _names_slots(node, fragments: dict) -> bool:
    todo = list(node.selection_set.selections)
    while todo:
        selection = todo.pop()
        if isinstance(selection, FieldNode):
            if selection.name.value == "slots":
                return True
            continue
        if isinstance(selection, FragmentSpreadNode):
            selection = fragments[selection.name.value]
        todo += selection.selection_set.selections
    return False


# --- the value, as strawberry renders the resolver's objects ------------------------------


def _query(statement: tuple[str, list]) -> Query:
    # booking.selectors._fetch's way: server-side parameters, binary results, prepared.
    sql, params = statement
    return Query(sql, params, binary=True)


def _in_order(ids: list[int], answers: dict) -> list[tuple]:
    """Answers in the order asked (each once; unknown and inactive ones left out)."""
    return [(rid, answers[rid]) for rid in dict.fromkeys(ids) if rid in answers]


def _rendered(build):
    """build()'s value; Unsupported where rendering fails as the resolver's would (a
    local time past the year 9999)."""
    try:
        return build()
    except OverflowError:
        raise Unsupported("out of range") from None


def _gid(pk: int) -> str:
    return to_base64("Resource", pk)


class _Instants(dict):
    """Instants (aware, in UTC) as strawberry writes them, each written once an answer:
    the slots of resources on one grid share their instants, and isoformat() is slow."""

    def __missing__(self, instant: dt.datetime) -> str:
        # Keys in UTC only: two datetimes of one other zone compare by wall clock.
        text = self[instant] = instant.isoformat()
        return text


class _Slots(dict):
    """Slot starts (aware, in UTC) to the Slot the resolver makes of them."""

    def __init__(self, duration: dt.timedelta, zone) -> None:
        super().__init__()
        self.duration, self.zone, self.iso = duration, zone, _Instants()

    def __missing__(self, start: dt.datetime) -> dict:
        end, zone = start + self.duration, self.zone
        slot = self[start] = {
            "start": self.iso[start], "end": self.iso[end],
            "localStart": start.astimezone(zone).isoformat() if zone else None,
            "localEnd": end.astimezone(zone).isoformat() if zone else None}
        return slot


def _period(period, iso: _Instants) -> dict:
    lower, upper = period
    return {"lower": iso[lower.astimezone(UTC)], "upper": iso[upper.astimezone(UTC)],
            "lowerInc": True, "upperInc": False, "isEmpty": False}


DRIVEN["availability"] = Driven("ResourceAvailability", availability, many=True,
                                closed=RESOURCE, shaped=True)
DRIVEN["firstFreeSlot"] = Driven("FirstFreeSlot", first_free_slot, many=True, closed=RESOURCE)

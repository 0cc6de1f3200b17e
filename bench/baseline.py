"""The practical limit for bench/api.py: the API's SQL through psycopg's async pool.

A plain ASGI callable, no framework. It takes the same POST /graphql bodies as the API,
picks the operation by `operationName` (it parses no GraphQL: the selection of each
operation is fixed: bench/api_operations.py), runs the statements the API runs for
it — the same text, the same parameters, the same transactions — and answers with the
same JSON. For the reads the API compiles to one statement (schema/compiled/) that is the
compiled statement, captured from the API. bench/api.py proves both before every run,
statement by statement.

    BASELINE_DATABASE_URL=postgresql://... uvicorn bench.baseline:application
"""

import base64
import datetime as dt
import hashlib
import html
import json
import os
import uuid
from itertools import accumulate, repeat

from psycopg import AsyncClientCursor, AsyncCursor, errors
from psycopg.types.range import Range
from psycopg_pool import AsyncConnectionPool

UTC = dt.UTC
POOL_SIZE = int(os.environ.get("BASELINE_POOL_SIZE", "16"))
# What Django's settings give every session (config/settings/base.py).
SESSION_OPTIONS = "-c jit=off"
# What the API sets for a statement it wants planned once for any parameters
# (config/prepared.py; not imported: this module runs without the project's Django).
GENERIC = "SET LOCAL plan_cache_mode = force_generic_plan"


def _columns(table: str, *names: str) -> str:
    return ", ".join(f'"{table}"."{name}"' for name in names)


RESOURCE = ("id", "venue_id", "category_id", "name", "slug", "description", "capacity",
            "turnaround", "min_notice", "horizon", "min_length", "max_length", "slot_step",
            "is_active", "created_at", "updated_at")
VENUE = ("id", "name", "slug", "description", "address", "city", "country", "timezone")
USER = ("id", "password", "last_login", "is_superuser", "username", "first_name", "last_name",
        "email", "is_staff", "is_active", "date_joined")
BY_VENUE_AND_NAME = 'ORDER BY "booking_venue"."name" ASC, "booking_resource"."name" ASC'
JOIN_VENUE = ('INNER JOIN "booking_venue" ON ("booking_resource"."venue_id" = '
              '"booking_venue"."id")')

# --- the statements, as Django sends them (bench/api.py compares them) ----------------

SQL_RESOURCE = (
    "SELECT " + _columns("booking_resource", "id", "venue_id", "name", "slug", "capacity")
    + ", " + _columns("booking_venue", "id", "name", "timezone")
    + f' FROM "booking_resource" {JOIN_VENUE} WHERE ("booking_resource"."is_active" AND '
    f'"booking_resource"."id" = %s) {BY_VENUE_AND_NAME} LIMIT 1')

SQL_RESOURCES = (
    "SELECT " + _columns("booking_resource", "id", "venue_id", "name", "capacity")
    + ", " + _columns("booking_venue", "id", "name", "city", "timezone")
    + f' FROM "booking_resource" {JOIN_VENUE} WHERE "booking_resource"."is_active" '
    f"{BY_VENUE_AND_NAME} LIMIT {{limit}} OFFSET {{offset}}")

SQL_AMENITIES = (
    'SELECT ("booking_resource_amenities"."resource_id") AS '
    '"_prefetch_related_val_resource_id", '
    + _columns("booking_amenity", "id", "name", "slug")
    + ' FROM "booking_amenity" INNER JOIN "booking_resource_amenities" ON '
    '("booking_amenity"."id" = "booking_resource_amenities"."amenity_id") WHERE '
    '"booking_resource_amenities"."resource_id" IN ({ids}) ORDER BY "booking_amenity"."name" ASC')

# booking/selectors.py sends these two with server-side parameters, results in binary.
SQL_FREE_PERIODS = ("SELECT resource_id, free"
                    " FROM booking_free_periods(%s::bigint[], %s::tstzrange, %s::timestamptz,"
                    " %s::bigint)")

# pghistory's middleware puts its context in front of every statement but a SELECT.
PGHISTORY = ("SELECT set_config('pghistory.context_id', %s, true), "
             "set_config('pghistory.context_metadata', %s, true); ")

SQL_SLOTS = """
    SELECT r.id, run.first_start, run.last_start, run.step
    FROM booking_resource r
    LEFT JOIN booking_slot_runs(%s::bigint[], %s::tstzrange, %s::timestamptz, %s::interval,
                                %s::interval, %s::text, %s::integer, %s::bigint) AS run
           ON run.resource_id = r.id
    WHERE r.id = ANY (%s::bigint[]) AND r.is_active
    ORDER BY r.id, run.first_start
"""  # noqa: E501 - booking/selectors.py's text, byte for byte

# accounts.models.api_token_user and booking.selectors.resource_with_venue: written out.
SQL_TOKEN_USER = (
    "SELECT " + ", ".join(f'u."{name}"' for name in USER) + " FROM accounts_apitoken t"
    " JOIN auth_user u ON u.id = t.user_id WHERE t.key_digest = %s AND t.revoked_at IS NULL"
    " AND (t.expires_at IS NULL OR t.expires_at > %s) AND u.is_active")

SQL_BOOK_RESOURCE = (
    "SELECT " + ", ".join(f'r."{name}"' for name in RESOURCE) + ", "
    + ", ".join(f'v."{name}"' for name in VENUE)
    + " FROM booking_resource r JOIN booking_venue v ON v.id = r.venue_id WHERE r.id = %s")

SQL_LOCK = ("SELECT pg_advisory_xact_lock('booking_resource'::regclass::oid::int, id::int)"
            " FROM unnest(%s::bigint[]) AS id")

SQL_CHECK_OPEN = ("SELECT booking_opening_time(%(id)s, %(p)s) @> %(p)s::tstzrange,"
                  "       booking_closed_time(%(id)s, %(p)s) && %(p)s::tstzrange")

SQL_EXPIRE_HOLDS = PGHISTORY + (  # booking.services.EXPIRE_IN_THE_WAY
    "UPDATE booking_booking SET status = %s, hold_expires_at = NULL"
    " WHERE resource_id = %s AND status = %s AND hold_expires_at <= %s AND blocked && %s")

# booking.services.INSERT_BOOKING: the reference, the trigger's blocked period and the
# timestamps come back from RETURNING; the answer is made from the inserted row, as the
# API's is when the selection stays on the booking's columns (schema/booking/mutations.py).
SQL_INSERT = PGHISTORY + (
    "INSERT INTO booking_booking (reference, resource_id, customer_id, party_size, period,"
    " blocked, status, hold_expires_at, created_at, updated_at)"
    " VALUES (DEFAULT, %s, %s, %s, %s, NULL, %s, %s, DEFAULT, DEFAULT)"
    " RETURNING id, reference, blocked, created_at, updated_at")


# --- operations: variables in, the `data` of the GraphQL answer out -------------------


# Reads the API answers with one compiled statement (schema/compiled/): its text by
# operationName, captured from the API by bench/api.py (BASELINE_COMPILED, JSON), the root
# field it answers and its parameters, from the variables. Run as the API runs it: a
# server-side prepared statement whose one row is the field's JSON text, spliced into the
# answer without parsing it.
COMPILED: dict[str, str] = {}
COMPILED_ROOTS = {
    "Resource": ("resource", lambda variables: [_node_id(variables["id"])]),
    "Resources": ("resources", lambda variables: [int(variables.get("limit", 20)),
                                                  int(variables.get("offset", 0))]),
}


async def compiled_text(db, name: str, variables: dict) -> str:
    """The JSON text of the operation's root field, from its compiled statement."""
    async with SERVER_CURSOR(db) as cursor:
        await cursor.execute(COMPILED[name], COMPILED_ROOTS[name][1](variables), prepare=True)
        (text,) = await cursor.fetchone()
    return text or "null"


async def resource(db, variables, request):
    rows = await _rows(db, SQL_RESOURCE, [_node_id(variables["id"])])
    if not rows:
        return {"resource": None}
    pk, _, name, slug, capacity, _, venue, zone = rows[0]
    return {"resource": {"id": _gid("Resource", pk), "name": name, "slug": slug,
                         "capacity": _range(capacity), "venue": {"name": venue, "timezone": zone}}}


async def resources(db, variables, request):
    # Django writes LIMIT and OFFSET into the text; so do we (both are ints).
    sql = SQL_RESOURCES.format(limit=int(variables.get("limit", 20)),
                               offset=int(variables.get("offset", 0)))
    rows = await _rows(db, sql, [])
    amenities = {pk: [] for pk, *_ in rows}
    if rows:
        ids = list(amenities)
        sql = SQL_AMENITIES.format(ids=", ".join(["%s"] * len(ids)))
        for resource_id, pk, name, slug in await _rows(db, sql, ids):
            amenities[resource_id].append({"id": _gid("Amenity", pk), "name": name, "slug": slug})
    return {"resources": [
        {"id": _gid("Resource", pk), "name": name,
         "capacity": {"lower": capacity.lower, "upper": capacity.upper},
         "venue": {"id": _gid("Venue", venue_id), "name": venue, "city": city, "timezone": zone},
         "amenities": amenities[pk]}
        for pk, _, name, capacity, venue_id, venue, city, zone in rows]}


async def availability(db, variables, request):
    ids = [_node_id(gid) for gid in variables["ids"]]
    # In UTC, as booking.selectors reads a window.
    window = Range(*(_instant(variables["window"][end]).astimezone(UTC)
                     for end in ("lower", "upper")), "[)")
    duration = dt.timedelta(minutes=variables.get("duration", 60))
    free = await _rows(db, SQL_FREE_PERIODS, [ids, window, _now(), None], binary=True,
                       prepare=True)
    slots = _slot_starts(await _rows(db, SQL_SLOTS, [
        ids, window, _now(), duration, None, "midnight", None, None, ids], binary=True,
        prepare=True))
    iso = _Instants()  # as the API (schema/compiled/availability.py): each written once
    return {"availability": [
        {"resourceId": _gid("Resource", pk),
         "freePeriods": [{"lower": iso[p.lower.astimezone(UTC)],
                          "upper": iso[p.upper.astimezone(UTC)]} for p in periods],
         "slots": [{"start": iso[start], "end": iso[start + duration]}
                   for start in slots.get(pk) or []]}
        for pk, periods in free]}


class _Instants(dict):
    """Instants in UTC to their text, each written once: slots share their instants."""

    def __missing__(self, instant: dt.datetime) -> str:
        text = self[instant] = instant.isoformat()
        return text


def _slot_starts(runs) -> dict[int, list[dt.datetime]]:
    """Slot starts from the runs (resource, first, last, step), as booking.selectors
    expands them: first, first + step, ... up to last."""
    slots: dict[int, list[dt.datetime]] = {}
    for resource_id, first, last, step in runs:
        starts = slots.setdefault(resource_id, [])
        if first is not None:
            start, last = first.astimezone(UTC), last.astimezone(UTC)
            starts.extend(accumulate(repeat(step, (last - start) // step), initial=start))
    return slots


async def book(db, variables, request):
    user = await _token_user(db, request)
    if user is None:
        return {"book": {"__typename": "PermissionDenied", "code": "not_authenticated",
                         "message": "Sign in to book."}}
    booking = variables["input"]
    rows = await _rows(db, SQL_BOOK_RESOURCE, [_node_id(booking["resourceId"])])
    resource_id, turnaround = rows[0][0], rows[0][7]
    period = Range(_instant(booking["period"]["lower"]), _instant(booking["period"]["upper"]),
                   "[)")
    party_size = booking.get("partySize", 1)
    try:
        pk, reference = await _insert(db, request, user, resource_id, turnaround, period,
                                      party_size)
    except errors.ExclusionViolation:
        return {"book": {"__typename": "BookingConflictError", "code": "booking_conflict"}}
    return {"book": {"__typename": "Booking", "id": _gid("Booking", pk), "reference": reference,
                     "status": "CONFIRMED", "partySize": party_size,
                     "period": {"lower": _iso(period.lower), "upper": _iso(period.upper)}}}


async def _insert(db, request, user, resource_id, turnaround, period,
                  party_size) -> tuple[int, str]:
    """The service's transaction: lock, check hours, expire stale holds, insert; the new
    booking's id and reference."""
    history = _history(request, user=user)
    await _execute(db, "BEGIN")
    try:
        await _rows(db, SQL_LOCK, [[resource_id]])
        await _rows(db, SQL_CHECK_OPEN, {"id": resource_id, "p": period})
        blocked = Range(period.lower, period.upper + turnaround, "[)")
        await _execute(db, SQL_EXPIRE_HOLDS, [*history, "expired", resource_id, "held", _now(),
                                              blocked])
        rows = await _rows(db, SQL_INSERT, [*history, resource_id, user, party_size, period,
                                            "confirmed", None])
    except BaseException:
        await _execute(db, "ROLLBACK")
        raise
    await _execute(db, "COMMIT")
    return rows[0][0], rows[0][1]


async def _token_user(db, request) -> int | None:
    header = request["headers"].get(b"authorization", b"").decode()
    if not header.startswith("Bearer "):
        return None
    digest = hashlib.sha256(header.removeprefix("Bearer ").strip().encode()).hexdigest()
    rows = await _rows(db, SQL_TOKEN_USER, [digest, _now()])
    return rows[0][0] if rows else None


async def search(db, variables, request):
    """The statements search/ wrote for this text (the vocabulary look-up, then the search;
    the search alone for a text with no word to look up), replayed as the API sends them
    (server-side parameters, prepared, with a generic plan where the API asks one); the
    answer from the last one's single row, as search/selectors.py reads it. (didYouMean
    and completions, computed in Python from the first, are not selected.)"""
    now = _now()
    for sql, params, prepare, generic in REPLAY[variables["text"]]:
        params = [now if p == NOW else p for p in params]
        async with SERVER_CURSOR(db) as cursor:
            if generic:  # as schema/compiled/serve.py sends it
                async with db.transaction():
                    await cursor.execute(GENERIC)
                    await cursor.execute(sql, params, prepare=True)
                    rows = await cursor.fetchall()
            else:
                await cursor.execute(sql, params, prepare=prepare)
                rows = await cursor.fetchall()
    [(total, categories, cities, amenities, page, fallback)] = rows
    return {"search": {
        "total": total, "fallback": bool(fallback),
        "hits": [{"resourceId": _gid("Resource", hit[0]), "name": hit[3], "city": hit[6],
                  "rank": hit[1], "nameHtml": _marked(hit[8]), "snippetHtml": _marked(hit[9])}
                 for hit in (page or [])[:20]],
        "facets": {
            "category": [{"value": _gid("Category", v), "label": label, "count": n}
                         for v, label, n in categories or []],
            "city": [{"value": v, "count": n} for v, n in cities or []],
            "amenity": [{"value": _gid("Amenity", v), "label": label, "count": n}
                        for v, label, n in amenities or []]}}}


def _marked(text: str | None) -> str:
    # search/selectors.py: escaped HTML, its two control characters become <mark> tags.
    return html.escape(text or "", quote=False).replace("\x02", "<mark>").replace(
        "\x03", "</mark>")


# Search statements by text, captured from the API by bench/api.py (BASELINE_REPLAY, JSON):
# [statement as written, parameters, prepare, generic], the request's instant left as NOW (no SQL
# parameter holds a NUL). Run on the pool with server-side parameters, as the API's
# compiled path runs them (schema/compiled/search.py).
REPLAY: dict[str, list] = {}
# Reads the API drives on its compiled reads' pool (schema/compiled/driven.py): run on the
# same kind of pool, where psycopg prepares a statement run again (the API prepares the
# availability statements: planning their inlined SQL functions costs 2-3 ms a call).
DRIVEN = {"Search", "Availability"}
NOW, CONTEXT = "\x00now\x00", "\x00context\x00"

OPERATIONS = {"Resource": resource, "Resources": resources, "Availability": availability,
              "Search": search, "Book": book}


# --- helpers ----------------------------------------------------------------------------


async def _rows(db, sql, params, *, binary: bool = False,
                prepare: bool | None = None) -> list[tuple]:
    """Rows of the (last) statement: text results and parameters bound by psycopg, as Django
    sends them; with `binary`, server-side parameters and binary results, as booking/'s
    slot and free-period selectors ask (and prepare: `prepare=True`)."""
    async with (SERVER_CURSOR(db) if binary else db.cursor()) as cursor:
        await cursor.execute(sql, params, binary=binary or None, prepare=prepare)
        while cursor.nextset():  # the rows of the last statement (after pghistory's SELECT)
            pass
        return await cursor.fetchall()


async def _execute(db, sql, params=None) -> None:
    async with db.cursor() as cursor:
        await cursor.execute(sql, params)


def _history(request, *, user) -> list[str]:
    """pghistory's context id (one per request) and metadata, as the booking services set
    them for their actor."""
    context = request.setdefault("history", str(uuid.uuid4()))
    return [context, json.dumps({"user": user})]


def _gid(type_name: str, pk: int) -> str:
    return base64.b64encode(f"{type_name}:{pk}".encode()).decode()


def _node_id(gid: str) -> int:
    return int(base64.b64decode(gid).decode().partition(":")[2])


def _instant(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def _now() -> dt.datetime:
    return dt.datetime.now(UTC)


def _iso(instant: dt.datetime) -> str:
    return instant.astimezone(UTC).isoformat()


def _range(value: Range) -> dict:
    return {"lower": value.lower, "upper": value.upper, "lowerInc": value.lower_inc,
            "upperInc": value.upper_inc, "isEmpty": value.isempty}


# --- ASGI -------------------------------------------------------------------------------

_pool: AsyncConnectionPool | None = None
_compiled_pool: AsyncConnectionPool | None = None  # server-side binding, statements prepared
SERVER_CURSOR = AsyncCursor  # bench/api_check.py records through a subclass


def pool_for(url: str, size: int = POOL_SIZE) -> AsyncConnectionPool:
    return AsyncConnectionPool(
        url, min_size=size, max_size=size, open=False,
        kwargs={"autocommit": True, "cursor_factory": AsyncClientCursor, "options":
                SESSION_OPTIONS, "prepare_threshold": None})


async def answer(db, body: bytes, headers: dict) -> dict:
    """The GraphQL answer to one request body (also used by bench/api.py's check)."""
    payload = json.loads(body)
    name = payload.get("operationName")
    if name in COMPILED:
        text = await compiled_text(db, name, payload.get("variables") or {})
        return {"data": {COMPILED_ROOTS[name][0]: json.loads(text)}}
    operation = OPERATIONS.get(name)
    if operation is None:
        return {"data": {"__typename": "Query"}}  # the readiness probe: { __typename }
    return {"data": await operation(db, payload.get("variables") or {}, {"headers": headers})}


async def application(scope, receive, send):
    if scope["type"] == "lifespan":
        return await _lifespan(receive, send)
    body = await _body(receive)
    payload = json.loads(body)
    name = payload.get("operationName")
    if name in COMPILED:
        async with _compiled_pool.connection() as db:
            text = await compiled_text(db, name, payload.get("variables") or {})
        body = f'{{"data":{{"{COMPILED_ROOTS[name][0]}":{text}}}}}'.encode()
    elif name in DRIVEN:
        async with _compiled_pool.connection() as db:
            result = await answer(db, body, dict(scope["headers"]))
        body = json.dumps(result, separators=(",", ":")).encode()
    else:
        async with _pool.connection() as db:
            result = await answer(db, body, dict(scope["headers"]))
        body = json.dumps(result, separators=(",", ":")).encode()  # as strawberry writes it
    await send({"type": "http.response.start", "status": 200, "headers": [
        (b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


async def _body(receive) -> bytes:
    chunks, more = [], True
    while more:
        message = await receive()
        chunks.append(message.get("body", b""))
        more = message.get("more_body", False)
    return b"".join(chunks)


def compiled_pool_for(url: str, size: int = POOL_SIZE) -> AsyncConnectionPool:
    """As the API's pool for compiled reads (schema/compiled/serve.py): autocommit, server
    cursors, prepared statements."""
    return AsyncConnectionPool(url, min_size=size, max_size=size, open=False, kwargs={
        "autocommit": True, "options": SESSION_OPTIONS})


async def _lifespan(receive, send):
    global _pool, _compiled_pool
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            if os.environ.get("BASELINE_REPLAY"):
                with open(os.environ["BASELINE_REPLAY"]) as replay:
                    REPLAY.update(json.load(replay))
            if os.environ.get("BASELINE_COMPILED"):
                with open(os.environ["BASELINE_COMPILED"]) as compiled:
                    COMPILED.update(json.load(compiled))
            _pool = pool_for(os.environ["BASELINE_DATABASE_URL"])
            await _pool.open(wait=True)
            _compiled_pool = compiled_pool_for(os.environ["BASELINE_DATABASE_URL"])
            await _compiled_pool.open(wait=True)
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await _pool.close()
            await _compiled_pool.close()
            return await send({"type": "lifespan.shutdown.complete"})

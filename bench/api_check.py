"""Proof that the baseline runs the API's SQL and answers the API's JSON.

For one body of an operation: the API answers it in process while its statements are
recorded as sent (those sent with server-side parameters, with their parameters): a read
the compiler covers (schema/compiled/) as schema/views.py answers it, on an event loop
through psycopg's async pool; any other through Django's test client with the /graphql
middleware stack, under CaptureQueriesContext. The baseline answers it through a psycopg
connection whose cursors record them likewise.
Both lists must be equal, and so must both answers, once the values that differ by nature
are masked: `now`, pghistory's context id, savepoint names, and for `book` the new
booking's id and reference. A booking is checked by booking the same slot twice (the API's
booking is cancelled before the baseline books it; the baseline's afterwards).
"""

import asyncio
import datetime as dt
import json
import os
import re
from unittest import mock

import psycopg
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from psycopg import AsyncClientCursor, AsyncConnection, AsyncCursor
from psycopg.types.range import Range
from strawberry import relay

from bench import baseline
from booking.models import Booking
from config.prepared import GENERIC
from schema.compiled import serve
from schema.compiled.plan import plan_for
from schema.compiled.roots import ANONYMOUS

NOW = re.compile(r"'\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}\+00:00'::timestamptz")
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
MASKS = [(NOW, "<now>"), (UUID, "<uuid>"), (re.compile(r'"s\d+_x\d+"'), "<savepoint>")]


def check(body: dict, *, token: str | None, writes: bool) -> tuple[list[str], int]:
    """What differs between the API and the baseline for `body` (nothing: an empty list),
    and the number of statements the API ran."""
    raw = json.dumps(body)
    api_sql, api_answer = _api(raw, token)
    if writes:
        _cancel(api_answer)
    base_sql, base_answer = asyncio.run(_baseline(raw, token))
    if writes:
        _cancel(base_answer)
    problems = [f"API error: {error['message']}" for error in api_answer.get("errors", [])]
    api_sql, base_sql = _masked(api_sql, api_answer), _masked(base_sql, base_answer)
    for index in range(max(len(api_sql), len(base_sql))):
        mine, theirs = (sql[index] if index < len(sql) else "-" for sql in (base_sql, api_sql))
        if mine != theirs:
            problems.append(f"statement {index + 1}:\n  API:      {theirs}\n  baseline: {mine}")
            break
    if _masked_answer(api_answer) != _masked_answer(base_answer):
        problems.append(f"answers differ:\n  API:      {api_answer}\n  baseline: {base_answer}")
    return problems, len(api_sql)


def replayable(body: dict) -> list:
    """The statements the API sends for `body`, for bench/baseline.py to send in its turn,
    with its instant (and pghistory context id) as the markers the baseline puts fresh ones
    in: a read the compiler covers (search: a driven root field) as [statement as written,
    parameters, prepare, generic]; any other as the SQL text Django sent."""
    raw = json.dumps(body)
    if plan_for(body["query"], body.get("operationName")) is not None:
        sent = []
        asyncio.run(_api_compiled(raw, None, sent))
        return [[sql, [baseline.NOW if isinstance(p, dt.datetime) else p for p in params or []],
                 prepare, generic] for sql, params, prepare, generic in sent]
    statements, _ = _api(raw, None)
    return [UUID.sub(baseline.CONTEXT, NOW.sub(baseline.NOW, sql)) for sql in statements]


def compiled_statement(body: dict) -> str | None:
    """The one statement the compiled path sends for `body` (schema/compiled/), as written
    (`%s` placeholders), or None when the compiler does not cover the operation or answers
    it with a selector's own statements (a driven root field: the baseline has them)."""
    plan = plan_for(body["query"], body.get("operationName"))
    if plan is None:
        return None
    [statement] = plan.statements(body.get("variables"), ANONYMOUS)
    return None if statement.sql is None else statement.sql.text


def _api(raw: str, token: str | None) -> tuple[list[str], dict]:
    body = json.loads(raw)
    if plan_for(body["query"], body.get("operationName")) is not None:
        return asyncio.run(_api_compiled(raw, token))
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    bound = []  # statements sent with server-side parameters: (as written, as sent, params)
    execute = psycopg.Cursor.execute

    def recording(cursor, query, params=None, **kwargs):
        result = execute(cursor, query, params, **kwargs)
        if not isinstance(cursor, psycopg.ClientCursor):
            bound.append((query, cursor._query.query.decode(), params))
        return result

    # POST /graphql runs no middleware (schema/views.py), not the admin's.
    with override_settings(MIDDLEWARE=[]), \
            mock.patch.object(psycopg.Cursor, "execute", recording):
        client = Client(HTTP_HOST=settings.ALLOWED_HOSTS[0])
        with CaptureQueriesContext(connection) as captured:
            response = client.post("/graphql", raw, content_type="application/json", **headers)
    texts = [query["sql"] for query in captured.captured_queries]
    return _with_parameters(texts, bound), json.loads(response.content)


async def _api_compiled(raw: str, token: str | None,
                        sent: list | None = None) -> tuple[list[str], dict]:
    """A covered read, answered as schema/views.py answers it (on the event loop, psycopg's
    async pool), its statements recorded as sent with their parameters (and in `sent` as
    (query, params, prepare, generic)). The setting of a generic plan (config/prepared.py)
    is not a statement of its own: it marks the next one."""
    recorded, generic = [], []
    execute = psycopg.AsyncCursor.execute

    async def recording(cursor, query, params=None, **kwargs):
        result = await execute(cursor, query, params, **kwargs)
        if query == GENERIC:
            generic.append(True)
            return result
        recorded.append(f"{_numbered(query)} -- {_canonical(params)}")
        if sent is not None:
            sent.append((query, params, kwargs.get("prepare"), bool(generic)))
        generic.clear()
        return result

    headers = [(b"content-type", b"application/json"),
               (b"host", settings.ALLOWED_HOSTS[0].encode())]
    if token:
        headers.append((b"authorization", f"Bearer {token}".encode()))
    request = serve.prepare({"method": "POST", "headers": headers}, raw.encode())
    try:
        with mock.patch.object(psycopg.AsyncCursor, "execute", recording):
            body = await request.answer()
    finally:
        await serve.POOL.close()  # its sessions belong to this event loop
    return recorded, json.loads(body)


def _numbered(query: str) -> str:
    """A statement as psycopg sends it with server-side parameters: %s as $1, $2 ... (a
    prepared statement leaves no record of its text on the cursor)."""
    numbers = iter(range(1, query.count("%s") + 1))
    return re.sub(r"%[s%]", lambda m: f"${next(numbers)}" if m[0] == "%s" else "%", query)


def _with_parameters(texts: list[str], bound: list[tuple]) -> list[str]:
    """Django logs a statement sent with server-side parameters without them: write it as
    sent ($1, $2 …), its parameters after it."""
    out, pending = [], list(bound)
    for text in texts:
        if pending and text in (pending[0][0], pending[0][1]):
            _, sent, params = pending.pop(0)
            text = f"{sent} -- {_canonical(params)}"
        out.append(text)
    return out


def _canonical(value) -> str:
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_canonical(item) for item in value) + "]"
    if isinstance(value, Range):
        return f"{value.bounds[0]}{_canonical(value.lower)}, {_canonical(value.upper)}" \
               f"{value.bounds[1]}"
    if isinstance(value, dt.datetime) and value.microsecond and \
            abs(value - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=10):
        return "<now>"
    if isinstance(value, dt.datetime):
        return value.isoformat()
    return "NULL" if value is None else str(value)


async def _baseline(raw: str, token: str | None) -> tuple[list[str], dict]:
    recorded = []

    class RecordingCursor(AsyncClientCursor):
        async def execute(self, query, params=None, **kwargs):
            recorded.append(self.mogrify(query, params))
            return await super().execute(query, params, **kwargs)

    class RecordingServerCursor(AsyncCursor):
        async def execute(self, query, params=None, **kwargs):
            result = await super().execute(query, params, **kwargs)
            if query != baseline.GENERIC:  # a setting, not recorded by the API's side
                recorded.append(f"{self._query.query.decode()} -- {_canonical(params)}")
            return result

    db = await AsyncConnection.connect(
        _url(), autocommit=True, cursor_factory=RecordingCursor,
        options=baseline.SESSION_OPTIONS, prepare_threshold=None)
    headers = {b"authorization": f"Bearer {token}".encode()} if token else {}
    baseline.SERVER_CURSOR = RecordingServerCursor
    try:
        async with db:
            answer = await baseline.answer(db, raw.encode(), headers)
    finally:
        baseline.SERVER_CURSOR = AsyncCursor
    return recorded, answer


def _url() -> str:
    return os.environ["DATABASE_URL"]  # bench/api.py points it at the bench database


def _booking_id(answer: dict) -> int | None:
    booking = (answer.get("data") or {}).get("book") or {}
    return int(relay.from_base64(booking["id"])[1]) if "id" in booking else None


def _cancel(answer: dict) -> None:
    if pk := _booking_id(answer):
        Booking.objects.filter(pk=pk).update(status="cancelled")


def _masked(statements: list[str], answer: dict) -> list[str]:
    out = []
    for sql in statements:
        for pattern, mask in MASKS:
            sql = pattern.sub(mask, sql)
        if pk := _booking_id(answer):
            sql = sql.replace(f'"booking_booking"."id" = {pk} ', '"booking_booking"."id" = <id> ')
        out.append(sql)
    return out


def _masked_answer(answer: dict) -> dict:
    booking = (answer.get("data") or {}).get("book")
    if isinstance(booking, dict) and "reference" in booking:
        return {"data": {"book": {**booking, "id": "<id>", "reference": "<reference>"}}}
    return answer

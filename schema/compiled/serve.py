"""Covered reads served on the event loop: psycopg's async pool, no thread hop at all.

`prepare(scope, body)` decides, without I/O, whether a POST /graphql request is one the
compiler covers: a JSON body with a query operation of covered root fields (plan.py), not
both a bearer token and a session cookie, a host Django would serve.
`CompiledRequest.answer()` then resolves a bearer token (one statement; an unusable token
goes the existing path, which answers 401) or a session cookie (sessions.py: one
statement; any session but a valid one of an active user goes the existing path), sets the
timeouts of the caller's role when the pooled session holds another role's
(schema/guard.py's rule), and runs one prepared statement per root field. The answer is
`{"data": {...}}` spliced from each field's JSON text as PostgreSQL wrote it (no parse in
Python); a failed field answers the existing path's coded error (timeout,
database_unavailable) at its path.
"""

import asyncio
import hashlib
import json
import logging
import weakref

import psycopg
from django.conf import settings
from django.http.cookie import parse_cookie
from django.http.request import split_domain_port, validate_host
from graphql import GraphQLError
from psycopg import errors as pg_errors
from psycopg_pool import AsyncConnectionPool, PoolTimeout

from config.observe import Timer, operation_done
from config.per_settings import per_settings
from config.prepared import GENERIC
from schema.compiled.driven import drive_async
from schema.compiled.plan import plan_for
from schema.compiled.roots import ANONYMOUS, Caller
from schema.compiled.selection import Unsupported
from schema.compiled.sessions import session_caller
from schema.errors import DATABASE_ERRORS

logger = logging.getLogger("rangebook.api")

SET_TIMEOUTS = ("SELECT set_config('statement_timeout', %s, false), "
                "set_config('lock_timeout', %s, false)")
# accounts.models.api_token_user: a usable token (not revoked, not expired, active user).
TOKEN_USER = (
    "SELECT u.id, u.is_staff FROM accounts_apitoken t JOIN auth_user u ON u.id = t.user_id"
    " WHERE (t.expires_at IS NULL OR t.expires_at > now()) AND t.revoked_at IS NULL"
    " AND u.is_active AND t.key_digest = %s ORDER BY t.created_at DESC LIMIT 1")


class CompiledRequest:
    def __init__(self, plan, payload: dict, authorization: str | None,
                 session: str | None = None) -> None:
        self.plan, self.payload, self.authorization = plan, payload, authorization
        self.session = session  # the session cookie's value, never with `authorization`

    async def answer(self) -> bytes | None:
        """The answer's JSON, or None: the existing path must answer this request (also
        when the database cannot be reached: it answers database_unavailable as ever)."""
        timer = Timer()
        variables = self.payload.get("variables")
        try:
            signed_in = self.authorization is not None or self.session is not None
            if not signed_in:  # anonymous: checked before taking a database session
                caller, statements = ANONYMOUS, self.plan.statements(variables, ANONYMOUS)
                if all(s.constant is not None for s in statements):  # { __typename }
                    return self._done(timer, assemble([(s, s.constant, None)
                                                       for s in statements]))
            async with POOL.connection() as db:
                if signed_in:
                    caller = await (_caller(db, self.authorization) if self.session is None
                                    else session_caller(db, self.session))
                    if caller is None:
                        return None
                    statements = self.plan.statements(variables, caller)
                await _apply_role(db, caller.role)
                results = await _run_all(db, statements)
        except Unsupported:
            return None
        except (psycopg.OperationalError, psycopg.InterfaceError, PoolTimeout, OSError) as error:
            logger.warning("Database unavailable (compiled read): the existing path answers",
                           exc_info=error)
            await POOL.drain()
            return None
        return self._done(timer, assemble(results))

    def _done(self, timer: Timer, answer: tuple[bytes, list[str]]) -> bytes:
        """The answer, its operation counted, timed and logged (config/observe.py)."""
        body, codes = answer
        name, kind = self.plan.summary
        operation_done(name=name, kind=kind, seconds=timer.seconds, codes=codes)
        return body


async def _caller(db, authorization: str) -> Caller | None:
    """The caller of a bearer token, or None when it is unusable (the existing path
    answers 401 invalid_token)."""
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    digest = hashlib.sha256(token.strip().encode()).hexdigest()
    row = await (await db.execute(TOKEN_USER, [digest], prepare=True)).fetchone()
    if row is None:
        return None
    return Caller(user_id=row[0], is_staff=row[1], is_authenticated=True)


# The role whose timeouts each pooled session holds (psycopg connection -> role).
_session_roles: "weakref.WeakKeyDictionary[object, str]" = weakref.WeakKeyDictionary()


async def _apply_role(db, role: str) -> None:
    if _session_roles.get(db, "anonymous") != role:
        timeouts = settings.RANGEBOOK_DB_TIMEOUTS[role]
        await db.execute(SET_TIMEOUTS, [timeouts["statement"], timeouts["lock"]])
        _session_roles[db] = role


async def _run_all(db, statements) -> list:
    """Each statement's result, in order, as graphql-core executes a query's root fields:
    one after the other, and none after a non-null field fails (`data` is null then)."""
    results = []
    for statement in statements:
        results.append(await _run(db, statement))
        if results[-1][2] is not None and not statement.nullable:
            break
    return results


async def _run(db, statement):
    """(statement, JSON text, None) or (statement, None, error code)."""
    if statement.constant is not None:
        return statement, statement.constant, None
    try:
        if statement.steps is not None:
            async def rows(query):
                if query.generic:  # a generic plan, set for this statement only
                    async with db.transaction():
                        await db.execute(GENERIC)
                        return await (await db.execute(query.sql, query.params, prepare=True,
                                                       binary=query.binary)).fetchall()
                cursor = await db.execute(query.sql, query.params, prepare=query.prepare,
                                          binary=query.binary)
                return await cursor.fetchall()

            value = await drive_async(statement.steps(), rows)
            return statement, json.dumps(statement.shape.render(value)), None
        cursor = await db.execute(statement.sql.text, statement.sql.params, prepare=True)
        (text,) = await cursor.fetchone()
    except (pg_errors.QueryCanceled, pg_errors.LockNotAvailable):
        return statement, None, "timeout"  # the role's statement_timeout, or a cancel
    return statement, text if text is not None else "null", None


def assemble(results) -> tuple[bytes, list[str]]:
    """`{"data": ...}` from the fields' JSON texts, errors last; a failed non-null field
    nulls `data` (GraphQL's null propagation)."""
    parts, errors, data_null = [], [], False
    for statement, text, code in results:
        if code is not None:
            message = DATABASE_ERRORS.get(code, "Internal server error.")
            errors.append(GraphQLError(message, nodes=list(statement.nodes),
                                       path=[statement.key],
                                       extensions={"code": code}).formatted)
            data_null = data_null or not statement.nullable
            text = "null"
        parts.append(f'"{statement.key}":{text}')
    data = "null" if data_null else "{" + ",".join(parts) + "}"
    body = '{"data":' + data + (',"errors":' + json.dumps(errors) if errors else "") + "}"
    return body.encode(), [error["extensions"]["code"] for error in errors]


def prepare(scope, body: bytes) -> CompiledRequest | None:
    """The compiled request for a covered POST, or None (the existing path answers)."""
    headers = dict(scope.get("headers") or ())
    config = _config()
    if (scope.get("method") != "POST" or config.https_only
            or not headers.get(b"content-type", b"").startswith(b"application/json")
            or not _host_allowed(config, headers.get(b"host"))):
        return None
    authorization = _header(scope, b"authorization") if b"authorization" in headers else None
    session = (parse_cookie(_header(scope, b"cookie")).get(config.session_cookie) or None
               if b"cookie" in headers else None)  # empty: get_user() is not asked
    if session is not None and authorization is not None:
        return None  # the existing path reads the token and ignores the cookie: its own
    try:
        payload = json.loads(body)
    except (ValueError, RecursionError):
        return None
    if not isinstance(payload, dict) or not isinstance(payload.get("query"), str):
        return None
    name = payload.get("operationName")
    variables = payload.get("variables")
    if not isinstance(name, str | None) or not isinstance(variables, dict | None):
        return None
    plan = plan_for(payload["query"], name)
    if plan is None:
        return None
    return CompiledRequest(plan, payload, authorization, session)


def _header(scope, name: bytes) -> str:
    """A header as Django's ASGIRequest.META holds it: repeated ones joined by ","."""
    return ",".join(value.decode("latin-1") for key, value in scope["headers"] if key == name)


class _Config:
    """The settings a request is checked against, read once (Django's settings object
    costs microseconds an attribute); read again when a test overrides one."""

    def __init__(self) -> None:
        self.https_only = settings.SECURE_SSL_REDIRECT
        self.session_cookie = settings.SESSION_COOKIE_NAME
        self.allowed_hosts = settings.ALLOWED_HOSTS
        if settings.DEBUG and not self.allowed_hosts:
            self.allowed_hosts = [".localhost", "127.0.0.1", "[::1]"]
        self.forwarded_host = settings.USE_X_FORWARDED_HOST
        self.hosts: dict[bytes, bool] = {}  # Host headers checked (at most MAX_HOSTS)


MAX_HOSTS = 64
_config = per_settings(_Config)


def _host_allowed(config: _Config, host: bytes | None) -> bool:
    """HttpRequest.get_host()'s check, without the request (X-Forwarded-Host: not here)."""
    if config.forwarded_host or host is None:
        return False
    allowed = config.hosts.get(host)
    if allowed is None:
        domain, _ = split_domain_port(host.decode("latin-1"))
        allowed = bool(domain) and validate_host(domain, config.allowed_hosts)
        if len(config.hosts) < MAX_HOSTS:
            config.hosts[host] = allowed
    return allowed


class Pool:
    """psycopg's AsyncConnectionPool of this process's event loop, opened on first use.

    Sessions have the project's options (JIT off), the anonymous role's timeouts (most
    compiled reads), and autocommit: each statement is a read of its own.
    """

    def __init__(self) -> None:
        self.pool: AsyncConnectionPool | None = None
        self.loop = None

    def connection(self) -> "_Session":
        """`async with POOL.connection() as db`: a session of the pool, given back after.
        Sessions are in autocommit, so there is nothing to commit or roll back on the way
        (psycopg_pool's own connection() does both, and costs two context managers)."""
        return _Session(self)

    async def getconn(self):
        loop = asyncio.get_running_loop()
        if self.pool is None or self.loop is not loop:
            self.pool, self.loop = _new_pool(), loop
            await self.pool.open()
        return await self.pool.getconn()

    async def drain(self) -> None:
        """After a failure: every idle session replaced (a restarted server killed all)."""
        if self.pool is not None:
            await self.pool.drain()

    async def close(self) -> None:
        if self.pool is not None:
            await self.pool.close()
            self.pool = None


class _Session:
    """Pool.connection()'s context: getconn() on entry, putconn() on exit (which rolls
    back and replaces a session left in a transaction or broken)."""

    __slots__ = ("owner", "pool", "db")

    def __init__(self, owner: Pool) -> None:
        self.owner = owner

    async def __aenter__(self):
        self.db = await self.owner.getconn()
        self.pool = self.owner.pool
        return self.db

    async def __aexit__(self, *exc_info) -> None:
        await self.pool.putconn(self.db)


def _new_pool() -> AsyncConnectionPool:
    database = settings.DATABASES["default"]
    options = database.get("OPTIONS", {})
    timeouts = settings.RANGEBOOK_DB_TIMEOUTS["anonymous"]
    session = (f"-c jit=off -c statement_timeout={timeouts['statement']}"
               f" -c lock_timeout={timeouts['lock']}")
    size = (options.get("pool") or {}).get("max_size", 8)
    conninfo = psycopg.conninfo.make_conninfo(
        dbname=database["NAME"], user=database["USER"] or None,
        password=database["PASSWORD"] or None, host=database["HOST"] or None,
        port=database["PORT"] or None, options=session)
    # min_size 0: sessions open as requests need them (a server has one loop; tests that
    # run each request on a loop of its own leave nothing open behind them).
    return AsyncConnectionPool(conninfo, min_size=0, max_size=size, timeout=3,
                               reconnect_timeout=1, kwargs={"autocommit": True},
                               open=False)


POOL = Pool()

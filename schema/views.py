"""GraphQL over HTTP: compiled reads on the event loop, the rest through strawberry's sync
Django view, served from ASGI in one thread hop.

A query the compiler covers (schema/compiled/) is answered on the event loop, one SQL
statement per root field through psycopg's async pool: no thread, no ORM, no resolvers.
Every other request (mutations, uncovered fields, sessions the compiled path does not
take, bad input whose coded error the existing path owns) goes the way described below,
unchanged.

The operation (authentication, every resolver, every query, the JSON) runs in one worker
thread, as the sync view does; the event loop only reads the body, watches for the client
leaving, and sends the answer. Django's own ASGI handler would add a hop for
request_started, one for the middleware chain and one for request_finished, and an async
view one per resolver that reads the database (tests/live/test_thread_hops.py counts them).

Every answer is JSON; a request the API cannot take is a 4xx with a code
(`{"errors": [{"message", "extensions": {"code"}}]}`), never Django's HTML pages.
"""

import asyncio
import contextlib
import functools
import io
import json
import logging
import re
from concurrent.futures import ThreadPoolExecutor

from asgiref.sync import sync_to_async
from cross_web import HTTPException  # strawberry's own 400s (its dependency cross-web)
from django.conf import settings
from django.core import signals
from django.core.exceptions import DisallowedHost
from django.core.handlers.asgi import ASGIHandler, get_script_prefix
from django.db import DatabaseError
from django.http import HttpResponse, JsonResponse
from django.templatetags.static import static
from django.urls import set_script_prefix
from django.views.decorators.csrf import csrf_exempt
from strawberry.django.views import GraphQLView as StrawberryGraphQLView
from strawberry.http.ides import get_graphql_ide_html

from config.observe import REQUEST_ID, error_answered, new_request_id
from schema.compiled import serve
from schema.context import Context, InvalidCredentials
from schema.errors import DATABASE_ERRORS, database_error_code
from schema.guard import StatementGuard

logger = logging.getLogger("rangebook.api")

# A GraphQL request is a document of at most 20,000 characters (schema/limits.py) and its
# variables: 256 KiB leaves room for large variables and keeps a body in memory.
MAX_BODY_BYTES = 256 * 1024


class CodedHTTPException(HTTPException):
    def __init__(self, status_code: int, reason: str, code: str, headers: dict | None = None):
        super().__init__(status_code, reason)
        self.code = code
        self.headers = headers or {}


# strawberry's own refusals, by their text; any other is `bad_request`.
_STRAWBERRY_CODES = {
    "Unable to parse request body as JSON": "invalid_json",
    "Unsupported content type": "unsupported_content_type",
    "No GraphQL query found in the request": "missing_query",
    "Batching is not enabled": "batching_not_enabled",
    "GraphQL only supports GET and POST requests.": "method_not_allowed",
    "Not Found": "not_found",
}


def error_response(status: int, message: str, code: str, headers=None) -> JsonResponse:
    """An HTTP error in GraphQL's shape: one error with a message and a code."""
    error_answered(code)
    response = JsonResponse({"errors": [{"message": message, "extensions": {"code": code}}]},
                            status=status, headers=headers)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


class GraphQLView(StrawberryGraphQLView):
    """The endpoint; its context resolves the caller lazily (schema/context.py), except a
    bearer token, which is checked first: an invalid one is a 401, not anonymous access."""

    def get_context(self, request, response) -> Context:
        context = Context(request=request, response=response,
                          guard=getattr(request, "statement_guard", None))
        if "Authorization" in request.headers:
            try:
                context.user()
            except InvalidCredentials as error:
                raise CodedHTTPException(401, str(error), "invalid_token", headers={
                    "WWW-Authenticate": 'Bearer error="invalid_token"'}) from None
            except DatabaseError as error:
                if not (code := database_error_code(error)):
                    raise
                logger.warning("Database error authenticating a token", exc_info=error)
                raise CodedHTTPException(503, DATABASE_ERRORS[code], code) from None
        return context

    def render_graphql_ide(self, request):
        return HttpResponse(graphiql_html())

    # strawberry reads a JSON body without guarding three cases, each a 500: bytes that are
    # not UTF-8, JSON nested deeper than Python's recursion limit, and JSON that is not an
    # object or a list (`0`, `"x"`, `null`).
    def parse_http_body(self, request):
        try:
            return super().parse_http_body(request)
        except UnicodeDecodeError:
            raise CodedHTTPException(400, "The request body is not UTF-8.",
                                     "invalid_json") from None

    def parse_json(self, data):
        try:
            parsed = super().parse_json(data)
        except RecursionError:
            raise CodedHTTPException(400, "The request body is nested too deeply.",
                                     "invalid_json") from None
        if not isinstance(parsed, dict | list):
            raise CodedHTTPException(400, "The request body must be a JSON object.",
                                     "invalid_json")
        return parsed

    def dispatch(self, request, *args, **kwargs):
        try:
            response = self.run(request=request)
        except HTTPException as error:
            code = getattr(error, "code", None) or _STRAWBERRY_CODES.get(
                error.reason, "method_not_allowed" if error.status_code == 405
                else "bad_request")
            response = error_response(error.status_code, error.reason, code,
                                      getattr(error, "headers", None))
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")  # also the GraphiQL page
        return response


# https://unpkg.com/<package, maybe @scoped>@<version>/<file>, as strawberry's page names them
UNPKG_FILE = re.compile(r"https://unpkg\.com/((?:@[^/]+/)?[^/@\"]+)@([^/\"]+)/([^\"]+)")


@functools.cache
def graphiql_html() -> str:
    """strawberry's GraphiQL page, its scripts and styles served from this server.

    The page loads React and GraphiQL from unpkg.com; `make demo` installs the same
    versions from npm into schema/graphiql (settings.GRAPHIQL_ASSETS, served as static
    files), so GraphiQL works without internet access. A file whose installed version
    differs (or that is missing) keeps its unpkg.com address; the page's SRI hashes check
    whichever copy the browser gets.
    """
    return UNPKG_FILE.sub(_local_copy, get_graphql_ide_html("graphiql"))


def _local_copy(match: re.Match) -> str:
    package, version, path = match.groups()
    installed = settings.GRAPHIQL_ASSETS / package
    try:
        installed_version = json.loads((installed / "package.json").read_text())["version"]
    except (OSError, ValueError, KeyError):
        return match[0]
    if installed_version != version or not (installed / path).is_file():
        return match[0]
    return static(f"graphiql/{package}/{path}")


def graphql_view(schema, graphql_ide: str | None = "graphiql"):
    # Clients authenticate with bearer tokens; a browser with a session cookie cannot send
    # a cross-site POST with `Content-Type: application/json` (the view refuses other
    # types for a mutation) without a CORS preflight this server never answers.
    return csrf_exempt(GraphQLView.as_view(schema=schema, graphql_ide=graphql_ide))


class BodyTooLarge(Exception):
    pass


class GraphQLHTTPHandler(ASGIHandler):
    """An ASGI app for /graphql: no middleware, the view and its signals in one hop.

    The API needs none of the admin's middleware: sessions are read by the context only
    when a request carries the cookie, responses are JSON (no clickjacking header but the
    view's own), and the audit trail names the actor through the booking services.

    Requests run on a pool of long-lived threads, as many as the process may hold
    PostgreSQL sessions (RANGEBOOK_DB_POOL): a slow operation does not hold up the others,
    and no request waits for a thread to start (Django's handler starts one per request).
    Each request gives its database connection back to the pool when it ends. A body
    larger than MAX_BODY_BYTES is refused (413) before it is read whole; a client that
    disconnects has its running statement cancelled (schema/guard.py).
    """

    def __init__(self, view):
        self.view = view
        pool = settings.DATABASES["default"]["OPTIONS"].get("pool") or {}
        self.executor = ThreadPoolExecutor(  # a thread per PostgreSQL session of the pool
            max_workers=pool.get("max_size", 8), thread_name_prefix="graphql")
        super().__init__()

    def load_middleware(self, is_async=False):
        """Nothing to load: the API runs no middleware (ASGIHandler's __init__ calls this),
        and serves every request through serve(), never Django's get_response()."""

    async def __call__(self, scope, receive, send):
        await self.handle(scope, receive, send)

    async def handle(self, scope, receive, send):
        # Every log line of the request names it; so does the answer (X-Request-ID).
        REQUEST_ID.set(new_request_id(_header(scope, b"x-request-id")))
        try:
            body = await self._read_body(scope, receive)
        except BodyTooLarge:
            return await self.send_response(error_response(
                413, f"The request body is larger than {MAX_BODY_BYTES:,} bytes.",
                "body_too_large"), send)
        except Exception:  # RequestAborted: the client went away
            return
        compiled = serve.prepare(scope, body)
        if compiled is not None:  # a covered read: on the event loop, no thread hop
            finished, answer = await _unless_disconnected(compiled.answer(), receive)
            if not finished:
                return
            if answer is not None:
                return await _send_json(send, answer)
        body_file = io.BytesIO(body)
        set_script_prefix(get_script_prefix(scope))
        guard = StatementGuard()
        served = asyncio.ensure_future(sync_to_async(
            self.serve, thread_sensitive=False, executor=self.executor)(scope, body_file, guard))
        gone = asyncio.ensure_future(_disconnected(receive))
        await asyncio.wait((served, gone), return_when=asyncio.FIRST_COMPLETED)
        gone.cancel()
        if not served.done():  # the client left: stop its statements, answer nobody
            await asyncio.get_running_loop().run_in_executor(None, guard.cancel)
            with contextlib.suppress(Exception):
                await served
            return
        await self.send_response(served.result(), send)

    async def send_response(self, response, send):
        response.headers["X-Request-ID"] = REQUEST_ID.get()
        await super().send_response(response, send)

    async def _read_body(self, scope, receive) -> bytes:
        declared = dict(scope.get("headers") or []).get(b"content-length", b"0")
        if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
            raise BodyTooLarge
        chunks, size = [], 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                raise ConnectionAbortedError
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > MAX_BODY_BYTES:
                raise BodyTooLarge
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        return chunks[0] if len(chunks) == 1 else b"".join(chunks)

    def serve(self, scope, body_file, guard: StatementGuard):
        signals.request_started.send(sender=self.__class__, scope=scope)
        try:
            request, response = self.create_request(scope, body_file)
            if request is not None:
                response = self._respond(request, guard)
        finally:
            # request_finished: Django closes the database connection (back to the pool).
            # Django's own handlers send it from response.close(), which nothing calls here.
            signals.request_finished.send(sender=self.__class__)
        return response

    def _respond(self, request, guard: StatementGuard):
        try:
            request.get_host()  # ALLOWED_HOSTS, as CommonMiddleware checks it for the rest
        except DisallowedHost:
            return error_response(400, "This host name is not served here.", "bad_host")
        if settings.SECURE_SSL_REDIRECT and not request.is_secure():
            return error_response(403, "Use HTTPS.", "https_required")
        request.statement_guard = guard
        try:
            with guard.serving():
                return self.view(request)
        except Exception:
            logger.exception("Unexpected error serving %s", request.path)
            return error_response(500, "Internal server error.", "internal_error")


async def _send_json(send, body: bytes) -> None:
    """A compiled read's answer, with the headers the view's answers carry."""
    await send({"type": "http.response.start", "status": 200, "headers": [
        (b"Content-Type", b"application/json"), (b"Content-Length", str(len(body)).encode()),
        (b"X-Content-Type-Options", b"nosniff"), (b"X-Frame-Options", b"DENY"),
        (b"X-Request-ID", REQUEST_ID.get().encode("latin-1"))]})
    await send({"type": "http.response.body", "body": body})


# A compiled read watches for the client leaving only once it has run this long: most
# answer sooner, and two tasks and a cancelled receive() a request cost about a fifth of
# one (tests/live/test_compiled_http.py checks a slow one is still cancelled).
WATCH_AFTER = 0.05  # seconds


async def _unless_disconnected(answer, receive) -> tuple[bool, object]:
    """(True, the answer), or (False, None) when the client left first: the request's task
    is cancelled then, and with it the statement running (psycopg cancels it on the
    server)."""
    task = asyncio.current_task()
    watcher: asyncio.Future | None = None

    def client_left(_):
        task.cancel()

    def watch():
        nonlocal watcher
        watcher = asyncio.ensure_future(_disconnected(receive))
        watcher.add_done_callback(client_left)

    timer = asyncio.get_running_loop().call_later(WATCH_AFTER, watch)
    try:
        return True, await answer
    except asyncio.CancelledError:
        if watcher is None or not watcher.done() or watcher.cancelled():
            raise  # cancelled from outside: not ours to swallow
        task.uncancel()
        return False, None
    finally:
        timer.cancel()
        if watcher is not None and not watcher.done():
            watcher.remove_done_callback(client_left)
            watcher.cancel()


def _header(scope, name: bytes) -> str | None:
    value = dict(scope.get("headers") or []).get(name)
    return value.decode("latin-1") if value is not None else None


async def _disconnected(receive) -> None:
    """Returns when the client has gone away (after the body, receive() waits for that)."""
    while (await receive())["type"] != "http.disconnect":
        pass

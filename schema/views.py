"""GraphQL over HTTP: strawberry's sync Django view, served from ASGI in one thread hop.

The operation (authentication, every resolver, every query, the JSON) runs in one worker
thread, as the sync view does; the event loop only reads the body and sends the answer.
Django's own ASGI handler would add a hop for request_started, one for the middleware
chain and one for request_finished, and an async view one per resolver that reads the
database (tests/live/test_thread_hops.py counts them).
"""

import functools
import json
import re
from concurrent.futures import ThreadPoolExecutor

from asgiref.sync import sync_to_async
from cross_web import HTTPException  # strawberry's own 400s (its dependency cross-web)
from django.conf import settings
from django.core import signals
from django.core.handlers.asgi import ASGIHandler, get_script_prefix
from django.core.handlers.exception import convert_exception_to_response
from django.http import HttpResponse
from django.templatetags.static import static
from django.urls import set_script_prefix
from django.views.decorators.csrf import csrf_exempt
from strawberry.django.views import GraphQLView as StrawberryGraphQLView
from strawberry.http.ides import get_graphql_ide_html

from schema.context import Context


class GraphQLView(StrawberryGraphQLView):
    """The endpoint; its context resolves the caller lazily (schema/context.py)."""

    def get_context(self, request, response) -> Context:
        return Context(request=request, response=response)

    def render_graphql_ide(self, request):
        return HttpResponse(graphiql_html())

    # strawberry reads a JSON body without guarding two cases, each a 500: bytes that are
    # not UTF-8, and JSON that is not an object or a list (`0`, `"x"`, `null`).
    def parse_http_body(self, request):
        try:
            return super().parse_http_body(request)
        except UnicodeDecodeError:
            raise HTTPException(400, "The request body is not UTF-8.") from None

    def parse_json(self, data):
        parsed = super().parse_json(data)
        if not isinstance(parsed, dict | list):
            raise HTTPException(400, "The request body must be a JSON object.")
        return parsed

    def dispatch(self, request, *args, **kwargs):
        response = super().dispatch(request, *args, **kwargs)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
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


class GraphQLHTTPHandler(ASGIHandler):
    """An ASGI app for POST /graphql: no middleware, the view and its signals in one hop.

    The API needs none of the admin's middleware: sessions are read by the context only
    when a request carries the cookie, responses are JSON (no clickjacking header), and
    the audit trail names the actor through the booking services.

    Requests run on a pool of long-lived threads, as many as the process may hold
    PostgreSQL sessions (RANGEBOOK_DB_POOL): a slow operation does not hold up the others,
    and no request waits for a thread to start (Django's handler starts one per request).
    Each request gives its database connection back to the pool when it ends.
    """

    def __init__(self, view):
        def checked(request):
            request.get_host()  # ALLOWED_HOSTS, as CommonMiddleware checks it for the rest
            return view(request)

        self.view = convert_exception_to_response(checked)
        pool = settings.DATABASES["default"]["OPTIONS"].get("pool") or {}
        self.executor = ThreadPoolExecutor(  # a thread per PostgreSQL session of the pool
            max_workers=pool.get("max_size", 8), thread_name_prefix="graphql")
        super().__init__()

    def load_middleware(self, is_async=False):
        self._middleware_chain = None

    async def __call__(self, scope, receive, send):
        await self.handle(scope, receive, send)

    async def handle(self, scope, receive, send):
        try:
            body_file = await self.read_body(receive)
        except Exception:  # RequestAborted: the client went away
            return
        set_script_prefix(get_script_prefix(scope))
        try:
            response = await sync_to_async(self.serve, thread_sensitive=False,
                                           executor=self.executor)(scope, body_file)
        finally:
            body_file.close()
        await self.send_response(response, send)

    def serve(self, scope, body_file):
        signals.request_started.send(sender=self.__class__, scope=scope)
        try:
            request, response = self.create_request(scope, body_file)
            if request is not None:
                response = self.view(request)  # an exception becomes a 4xx or 500 response
        finally:
            # request_finished: Django closes the database connection (back to the pool).
            signals.request_finished.send(sender=self.__class__)
        response._handler_class = self.__class__
        return response

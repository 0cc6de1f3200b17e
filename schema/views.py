"""GraphQL over HTTP: strawberry's sync Django view, served from ASGI in one thread hop.

The operation (authentication, every resolver, every query, the JSON) runs in one worker
thread, as the sync view does; the event loop only reads the body and sends the answer.
Django's own ASGI handler would add a hop for request_started, one for the middleware
chain and one for request_finished, and an async view one per resolver that reads the
database (tests/live/test_thread_hops.py counts them).
"""

import os
from concurrent.futures import ThreadPoolExecutor

from asgiref.sync import sync_to_async
from django.core import signals
from django.core.handlers.asgi import ASGIHandler, get_script_prefix
from django.core.handlers.exception import convert_exception_to_response
from django.urls import set_script_prefix
from django.views.decorators.csrf import csrf_exempt
from strawberry.django.views import GraphQLView as StrawberryGraphQLView

from schema.context import Context


class GraphQLView(StrawberryGraphQLView):
    """The endpoint; its context resolves the caller lazily (schema/context.py)."""

    def get_context(self, request, response) -> Context:
        return Context(request=request, response=response)

    def dispatch(self, request, *args, **kwargs):
        response = super().dispatch(request, *args, **kwargs)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        return response


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
        self.view = convert_exception_to_response(view)
        self.executor = ThreadPoolExecutor(
            max_workers=int(os.environ.get("RANGEBOOK_DB_POOL") or 8),
            thread_name_prefix="graphql")
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
                response = self.view(request)  # an exception becomes a 500 response
        finally:
            # request_finished: Django closes the database connection (back to the pool).
            signals.request_finished.send(sender=self.__class__)
        response._handler_class = self.__class__
        return response

"""ASGI entry point: `uvicorn config.asgi:application`.

HTTP at /graphql (the API, POST or GET, and GraphiQL for people) goes to
schema.views.GraphQLHTTPHandler: the whole operation in one worker-thread hop, no
middleware, its statements guarded (timeouts by role, cancelled when the client leaves).
The rest of HTTP goes to Django with its full middleware: the admin (whose sync views
share one thread, which API requests must not hold). Websockets at /graphql go to
strawberry's graphql-transport-ws handler on the same schema (schema/websocket.py).
/healthz, /readyz and /metrics are answered before Django (config/health.py).
"""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
# A server shares PostgreSQL sessions between its requests' threads (config/settings/base.py):
# up to this many per process, as many as requests it runs at once.
os.environ.setdefault("RANGEBOOK_DB_POOL", "20")

django_application = get_asgi_application()  # sets Django up before the imports below

from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler  # noqa: E402

from booking.listener import stop_listener  # noqa: E402
from config import health  # noqa: E402
from config.observe import OPEN_WEBSOCKETS  # noqa: E402
from schema import schema  # noqa: E402
from schema.compiled import serve as compiled_reads  # noqa: E402
from schema.views import GraphQLHTTPHandler, graphql_view  # noqa: E402
from schema.websocket import websocket_application  # noqa: E402

# Serves the admin's CSS and JS from the app directories; a production deployment
# would put a web server or CDN in front instead.
http_application = ASGIStaticFilesHandler(django_application)
graphql_http = GraphQLHTTPHandler(graphql_view(schema))
graphql_websocket = websocket_application(schema)


async def application(scope, receive, send):
    if scope["type"] == "websocket":
        if scope["path"] == "/graphql":
            with OPEN_WEBSOCKETS.track_inprogress():
                return await graphql_websocket(scope, receive, send)
        await receive()  # websocket.connect
        return await send({"type": "websocket.close"})  # handshake refused (403)
    if scope["type"] == "lifespan":
        return await _lifespan(receive, send)
    if scope["path"] == "/graphql":
        return await graphql_http(scope, receive, send)
    if scope["path"] in health.ROUTES and scope["method"] in ("GET", "HEAD"):
        return await health.ROUTES[scope["path"]](scope, receive, send)
    return await http_application(scope, receive, send)


async def _lifespan(receive, send):
    # Nothing to start (the LISTEN connection opens with the first subscription, the
    # compiled reads' pool with the first of them); at shutdown, close both.
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await stop_listener()
            await compiled_reads.POOL.close()
            return await send({"type": "lifespan.shutdown.complete"})

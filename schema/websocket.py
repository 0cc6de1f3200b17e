"""Subscriptions over websockets (graphql-transport-ws) at /graphql, on the same schema.

config/asgi.py hands websocket scopes here and everything else to Django. The caller is
resolved as over HTTP: a bearer token (in the `connection_init` payload as
`{"Authorization": "Bearer ..."}`, or in the handshake's header), else the session
cookie. An invalid token refuses the connection (close code 4403), as HTTP answers 401.
The caller is checked again before every operation: once the token is revoked or expires,
the user is deactivated or the session ends, the socket is closed with 4403. Browsers on
other origins are refused by strawberry's origin check, so a cookie cannot be used by
another site.
"""

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
)

from config.threads import database_sync_to_async
from schema.context import Context, InvalidCredentials, authenticate

MAX_OPERATIONS = 20  # running at once on one socket (strawberry's default: 100)


@dataclass
class WebSocketContext(Context):
    connection_params: dict = field(default_factory=dict)

    def authenticate(self):
        return authenticate(
            self.connection_params.get("Authorization") or self.request.headers.get(
                "authorization"),
            self.request.cookies.get(settings.SESSION_COOKIE_NAME))

    def still_valid(self) -> bool:
        """Authenticate again (sync): False when the connection was accepted with
        credentials that no longer work; the caller is updated otherwise."""
        accepted_as = self._user
        try:
            user = self.authenticate()
        except InvalidCredentials:
            return False
        if user is None and accepted_as is not None and accepted_as.is_authenticated:
            return False  # the session ended (logout, password change, expiry)
        self._user = user or AnonymousUser()
        return True


class CheckedTransportWSHandler(BaseGraphQLTransportWSHandler):
    """graphql-transport-ws, checking the caller before each operation."""

    async def handle_subscribe(self, message) -> None:
        still_valid = database_sync_to_async(self.context.still_valid)
        if self.connection_acknowledged and not await still_valid():
            await self.websocket.close(code=4403, reason="Forbidden")
            return
        await super().handle_subscribe(message)


class GraphQLWebSocket(GraphQL):
    graphql_transport_ws_handler_class = CheckedTransportWSHandler

    async def get_context(self, request, response) -> WebSocketContext:
        return WebSocketContext(request=request, response=response)

    async def on_ws_connect(self, context: WebSocketContext):
        try:
            await database_sync_to_async(context.user)()
        except InvalidCredentials:
            raise ConnectionRejectionError from None


def websocket_application(schema) -> GraphQLWebSocket:
    """The ASGI app for websocket scopes: graphql-transport-ws only (graphql-ws's protocol)."""
    return GraphQLWebSocket(
        schema, graphql_ide=None, subscription_protocols=[GRAPHQL_TRANSPORT_WS_PROTOCOL],
        connection_init_wait_timeout=dt.timedelta(seconds=10),
        max_subscriptions_per_connection=MAX_OPERATIONS)

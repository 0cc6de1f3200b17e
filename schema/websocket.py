"""Subscriptions over websockets (graphql-transport-ws) at /graphql, on the same schema.

config/asgi.py hands websocket scopes here and everything else to Django. The caller is
resolved as over HTTP: a bearer token (in the `connection_init` payload as
`{"Authorization": "Bearer ..."}`, or in the handshake's header), else the session
cookie. Browsers on other origins are refused by strawberry's origin check, so a
cookie cannot be used by another site.
"""

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from strawberry.asgi import GraphQL
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL

from schema.context import Context, authenticate


@dataclass
class WebSocketContext(Context):
    connection_params: dict = field(default_factory=dict)

    def user(self):
        """The connection's user (token first, then the session); call from sync code."""
        if self._user is None:
            self._user = _authenticate(self.request, self.connection_params) or AnonymousUser()
        return self._user


def _authenticate(websocket, params: dict):
    return authenticate(params.get("Authorization") or websocket.headers.get("authorization"),
                        websocket.cookies.get(settings.SESSION_COOKIE_NAME))


class GraphQLWebSocket(GraphQL):
    async def get_context(self, request, response) -> WebSocketContext:
        return WebSocketContext(request=request, response=response)


def websocket_application(schema) -> GraphQLWebSocket:
    """The ASGI app for websocket scopes: graphql-transport-ws only (graphql-ws's protocol)."""
    return GraphQLWebSocket(
        schema, graphql_ide=None, subscription_protocols=[GRAPHQL_TRANSPORT_WS_PROTOCOL],
        connection_init_wait_timeout=dt.timedelta(seconds=10))

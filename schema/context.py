"""Per-request context: who is asking, resolved lazily inside the first database hop."""

from dataclasses import dataclass, field
from importlib import import_module

from django.conf import settings
from django.contrib.auth import get_user
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from strawberry.django.context import StrawberryDjangoContext

from accounts.models import api_token_user


@dataclass
class Context(StrawberryDjangoContext):
    _user: object = field(default=None, init=False)

    def user(self):
        """The requesting user (bearer token first, then the session); call from sync code.

        Loading it here, inside a resolver's own sync_to_async hop, costs no extra hop;
        an anonymous request without cookie or token costs no query at all.
        """
        if self._user is None:
            self._user = _authenticate(self.request) or AnonymousUser()
        return self._user


def _authenticate(request):
    return authenticate(request.headers.get("Authorization", ""),
                        request.COOKIES.get(settings.SESSION_COOKIE_NAME))


def authenticate(authorization, session_key: str | None):
    """The user of a bearer token, else of a session cookie, else None (HTTP and websocket).

    The session is read as Django's own check reads it (backend, session hash: a password
    change logs out), on a stand-in request: POST /graphql runs without SessionMiddleware.
    """
    if isinstance(authorization, str) and authorization.startswith("Bearer "):
        return api_token_user(authorization.removeprefix("Bearer ").strip())
    if not session_key:
        return None
    request = HttpRequest()
    request.session = import_module(settings.SESSION_ENGINE).SessionStore(session_key)
    return get_user(request)


def user_of(info):
    return info.context.user()

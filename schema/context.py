"""Per-request context: who is asking, resolved lazily inside the first database hop."""

from dataclasses import dataclass, field
from importlib import import_module

from django.conf import settings
from django.contrib.auth import get_user
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from strawberry.django.context import StrawberryDjangoContext

from accounts.models import api_token_user
from schema.guard import StatementGuard, role_of


class InvalidCredentials(Exception):
    """An Authorization header was sent, and it names no usable token."""


@dataclass
class Context(StrawberryDjangoContext):
    guard: StatementGuard | None = None  # the request's statement limits follow its caller
    _user: object = field(default=None, init=False)

    def user(self):
        """The requesting user (bearer token first, then the session); call from sync code.

        Loading it here, inside a resolver's own sync_to_async hop, costs no extra hop;
        an anonymous request without cookie or token costs no query at all.
        InvalidCredentials when the request's Authorization header names no usable token.
        """
        if self._user is None:
            self._user = self.authenticate() or AnonymousUser()
            if self.guard is not None:
                self.guard.role = role_of(self._user)
        return self._user

    def authenticate(self):
        return authenticate(self.request.headers.get("Authorization"),
                            self.request.COOKIES.get(settings.SESSION_COOKIE_NAME))


def authenticate(authorization: str | None, session_key: str | None):
    """The user of a bearer token, else of a session cookie, else None (HTTP and websocket).

    A token is `Bearer <token>`, the scheme in any case (RFC 9110 §11.1); one that is
    unknown, revoked, expired or whose user is inactive raises InvalidCredentials rather
    than counting as anonymous. The session is read as Django's own check reads it
    (backend, session hash: a password change logs out), on a stand-in request: the API
    runs without SessionMiddleware.
    """
    if authorization is not None:
        return _token_user(authorization)
    if not session_key:
        return None
    request = HttpRequest()
    request.session = import_module(settings.SESSION_ENGINE).SessionStore(session_key)
    user = get_user(request)
    return user if user.is_authenticated else None


def _token_user(authorization: str):
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise InvalidCredentials("Send `Authorization: Bearer <token>`.")
    user = api_token_user(token.strip())
    if user is None:
        raise InvalidCredentials(
            "This token is unknown, revoked or expired, or its user is inactive.")
    return user


def user_of(info):
    return info.context.user()

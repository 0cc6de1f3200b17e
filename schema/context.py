"""Per-request context: who is asking, resolved lazily inside the first database hop."""

from dataclasses import dataclass, field
from importlib import import_module

from django.conf import settings
from django.contrib.auth import get_user
from django.contrib.auth.models import AnonymousUser
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
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        return api_token_user(header.removeprefix("Bearer ").strip())
    if settings.SESSION_COOKIE_NAME not in request.COOKIES:
        return None
    if not hasattr(request, "session"):  # POST /graphql runs without SessionMiddleware
        request.session = import_module(settings.SESSION_ENGINE).SessionStore(
            request.COOKIES[settings.SESSION_COOKIE_NAME])
    # Django's own session check: backend, session hash (a password change logs out).
    return get_user(request)


def user_of(info):
    return info.context.user()

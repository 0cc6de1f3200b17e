"""Session-cookie callers of compiled reads: django.contrib.auth.get_user() on the async pool.

The existing path (schema/context.py) reads a session cookie's user as get_user() does, on
a stand-in request without SessionMiddleware: nothing is saved and no cookie is set by a
read, except that get_user() itself writes when the session's auth hash fails (flush(): the
row deleted) or verifies only with one of SECRET_KEY_FALLBACKS (cycle_key(): the row
replaced). Covered here, in one statement (two when the session names another user than
last time): with the database session engine, an unexpired django_session row, decoded by
the engine's SessionStore().decode(), naming ModelBackend (one of AUTHENTICATION_BACKENDS)
and an existing active auth.User whose get_session_auth_hash() it holds (compared in
constant time). Anything else (no such or an expired session, corrupt data, another engine,
backend or user model, an inactive or missing user, a hash that SECRET_KEY does not
verify) returns None: the existing path answers, and does its writes.

Decoded sessions are kept by key with the data they were decoded from, so that a session
whose row did not change is not verified and decoded again; the row and the user are read
on every request all the same.

The caller's role then sets the timeouts of all the request's statements, as for a bearer
token; the existing path reads a session only when a resolver asks for the user, so there a
read that never does (the catalogue alone) runs with the anonymous limits.
"""

import contextvars
import logging
from importlib import import_module

from django.conf import settings
from django.contrib.auth import (
    BACKEND_SESSION_KEY,
    HASH_SESSION_KEY,
    SESSION_KEY,
    get_user_model,
)
from django.utils.crypto import constant_time_compare

from config.per_settings import per_settings
from schema.common import BIGINT_MAX
from schema.compiled.roots import Caller

DATABASE_ENGINE = "django.contrib.sessions.backends.db"
MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"
MAX_SESSIONS = 4096  # decoded sessions kept per process

# SessionStore.decode() logs corrupt data ("Session data corrupted"). A session this path
# cannot decode goes the existing path, which decodes and logs it again: the warning is
# kept for that one (the context variable is set only around this path's decode).
_DECODING = contextvars.ContextVar("compiled_session_decoding", default=False)


class _NotWhileDecoding(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not _DECODING.get()


logging.getLogger("django.security.SuspiciousSession").addFilter(_NotWhileDecoding())
# The session's row (unexpired, as SessionStore.load reads it) and the user it named last.
SESSION_USER = (
    "SELECT s.session_data, u.id, u.password, u.is_active, u.is_staff FROM django_session s"
    " LEFT JOIN auth_user u ON u.id = %s WHERE s.session_key = %s AND s.expire_date > now()")
USER = "SELECT id, password, is_active, is_staff FROM auth_user WHERE id = %s"


class Sessions:
    """The settings' session engine, if covered, and the sessions it decoded."""

    def __init__(self) -> None:
        self.covered = (settings.SESSION_ENGINE == DATABASE_ENGINE
                        and settings.AUTH_USER_MODEL == "auth.User"
                        and MODEL_BACKEND in settings.AUTHENTICATION_BACKENDS)
        self.store = import_module(settings.SESSION_ENGINE).SessionStore()
        self.user_model = get_user_model()
        self.decoded: dict[str, tuple[str, dict]] = {}  # key -> (session_data, its dict)

    def decode(self, key: str, data: str) -> dict:
        cached = self.decoded.get(key)
        if cached is not None and cached[0] == data:
            return cached[1]
        token = _DECODING.set(True)
        try:
            session = self.store.decode(data)
        finally:
            _DECODING.reset(token)
        if len(self.decoded) >= MAX_SESSIONS:
            self.decoded.pop(next(iter(self.decoded)))
        self.decoded[key] = (data, session)
        return session

    def user_id(self, key: str) -> int | None:
        """The user id the session decoded last time under this key named, if any."""
        cached = self.decoded.get(key)
        return _user_id(cached[1]) if cached is not None else None


_current = per_settings(Sessions)


async def session_caller(db, key: str) -> Caller | None:
    """The caller of session `key`, or None: the existing path must answer."""
    sessions = _current()
    if not sessions.covered or len(key) < 8:  # SessionBase._validate_session_key's bound
        return None
    guess = sessions.user_id(key)
    row = await (await db.execute(SESSION_USER, [guess, key], prepare=True)).fetchone()
    if row is None:
        return None
    session = sessions.decode(key, row[0])
    user_id, user = _user_id(session), row[1:]
    if user_id is None or session.get(BACKEND_SESSION_KEY) != MODEL_BACKEND:
        return None
    if user_id != guess:
        user = await (await db.execute(USER, [user_id], prepare=True)).fetchone()
    if user is None or user[0] is None or not user[2]:  # no such user, or inactive
        return None
    expected = sessions.user_model(password=user[1]).get_session_auth_hash()
    given = session.get(HASH_SESSION_KEY)
    if not isinstance(given, str) or not constant_time_compare(given, expected):
        return None
    return Caller(user_id=user[0], is_staff=user[3], is_authenticated=True)


def _user_id(session: dict) -> int | None:
    """The session's user id as the user model's AutoField reads it, when written as
    login() writes it (str(pk)); None for anything else."""
    value = session.get(SESSION_KEY)
    if not (isinstance(value, str) and value.isascii() and value.isdigit()):
        return None
    pk = int(value)
    return pk if str(pk) == value and pk <= BIGINT_MAX else None

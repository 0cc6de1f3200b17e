"""What every SQL statement of an API request is held to: the statement and lock timeouts
of the caller's role, and cancellation when the client goes away.

Anonymous callers (reads only) get the shortest timeouts, staff the longest
(settings.RANGEBOOK_DB_TIMEOUTS); a statement that runs out is cancelled by PostgreSQL
(SQLSTATE 57014, or 55P03 for a lock) and the API answers `timeout`. A pooled session
keeps the timeouts of the last role it served, so they are set (one statement) only when
a request's role differs, and only outside transactions: a SET rolled back with one would
leave other timeouts than recorded, and one sent into a failed transaction (before its
ROLLBACK TO SAVEPOINT) would fail itself. A request's first statements (the caller, the
resource) run outside the services' transactions.

Server sessions start with the `customer` timeouts (config/settings/base.py), which also
hold where no guard runs (websocket operations).
"""

import contextlib
import threading
import weakref

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

ROLES = ("anonymous", "customer", "staff")
_SET = "SELECT set_config('statement_timeout', %s, false), set_config('lock_timeout', %s, false)"
# The role whose timeouts each pooled session holds (psycopg connection -> role).
_session_roles: "weakref.WeakKeyDictionary[object, str]" = weakref.WeakKeyDictionary()


class RequestCancelled(Exception):
    """The client went away: the request's remaining statements are not sent."""


def role_of(user) -> str:
    if user is None or not user.is_authenticated:
        return "anonymous"
    return "staff" if user.is_staff else "customer"


class StatementGuard:
    """Applies a role's timeouts to the statements of one request (a Django execute
    wrapper), and cancels the one running when `cancel()` is called from another thread."""

    def __init__(self, role: str = "anonymous") -> None:
        self.role = role
        self.cancelled = False
        self._lock = threading.Lock()
        self._database = None  # the request thread's DatabaseWrapper while serving

    @contextlib.contextmanager
    def serving(self):
        """Guard the statements this thread sends until the block ends."""
        database = connections[DEFAULT_DB_ALIAS]  # this thread's own (not the proxy)
        with self._lock:
            self._database = database
        try:
            with database.execute_wrapper(self):
                yield self
        finally:
            with self._lock:
                self._database = None  # the session may go back to the pool now

    def __call__(self, execute, sql, params, many, context):
        if self.cancelled:
            raise RequestCancelled
        database = context["connection"]
        session = database.connection
        if not database.in_atomic_block and _session_roles.get(session) != self.role:
            timeouts = settings.RANGEBOOK_DB_TIMEOUTS[self.role]
            with database.wrap_database_errors:  # a broken session fails as Django's would
                session.execute(_SET, [timeouts["statement"], timeouts["lock"]])
            _session_roles[session] = self.role
        return execute(sql, params, many, context)

    def cancel(self) -> None:
        """Stop the request: the statement running now, and every one after it."""
        with self._lock:
            self.cancelled = True
            session = self._database.connection if self._database is not None else None
            if session is not None:
                with contextlib.suppress(Exception):
                    session.cancel_safe(timeout=5)


class StatementGuardMiddleware:
    """Requests through Django's middleware (the admin) under their user's role limits."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        with StatementGuard(role_of(request.user)).serving():
            return self.get_response(request)

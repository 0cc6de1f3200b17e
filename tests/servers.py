"""The real ASGI server (uvicorn) on a free loopback port, for tests/live and tests/abuse.

`serving()` starts one on pytest-django's test database (or any other, by `env`); the
`asgi_server` fixture (tests/conftest.py) shares one for the whole session. Tests using it
need django_db(transaction=True): their data must be committed for the server to see it.
"""

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection

from config.loopback import HOST, ServerDidNotStart, uvicorn_server

STARTUP_TIMEOUT = 30.0


@dataclass(frozen=True)
class Server:
    url: str  # http://127.0.0.1:<port>/graphql
    ws_url: str  # ws://127.0.0.1:<port>/graphql
    log: Path


def database_url(settings: dict) -> str:
    """A DATABASE_URL (config/settings/base.py) for the database of these settings."""
    user = quote(settings["USER"] or "", safe="")
    password = f":{quote(settings['PASSWORD'], safe='')}" if settings["PASSWORD"] else ""
    host = settings["HOST"] or ""
    query = {"port": settings["PORT"]} if settings["PORT"] else {}
    if host.startswith("/"):  # a Unix socket directory
        query, netloc = {"host": host, **query}, f"{user}{password}@"
    else:
        netloc = f"{user}{password}@{host}"
    params = "&".join(f"{key}={quote(str(value), safe='')}" for key, value in query.items())
    return f"postgresql://{netloc}/{quote(settings['NAME'], safe='')}" + (
        f"?{params}" if params else "")


@contextlib.contextmanager
def serving(log: Path, env: dict | None = None) -> Iterator[Server]:
    """uvicorn config.asgi:application on the test database (unless `env` names another)
    until the block ends (and so before the test database is dropped: the server holds
    connections to it)."""
    env = {"DATABASE_URL": database_url(connection.settings_dict),
           "DJANGO_SETTINGS_MODULE": "config.settings.test",
           # The server runs as deployed, whatever the tests allow themselves (tests/browser).
           "DJANGO_ALLOW_ASYNC_UNSAFE": "", **(env or {})}
    with log.open("wb") as output:
        try:
            with uvicorn_server("config.asgi:application", env=env, output=output,
                                options=("--log-level", "warning"),
                                timeout=STARTUP_TIMEOUT) as port:
                yield Server(f"http://{HOST}:{port}/graphql", f"ws://{HOST}:{port}/graphql",
                             log)
        except ServerDidNotStart as exc:
            pytest.fail(f"{exc}:\n{log.read_text()}")

"""The real ASGI server (uvicorn) on a free loopback port, against pytest-django's test
database, and a graphql-ws client (Node) to subscribe with.

Tests here use django_db(transaction=True): their data is committed, so the server's own
connections see it.
"""

import contextlib
import json
import queue
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection

from config.loopback import HOST, ServerDidNotStart, uvicorn_server
from tests.npm import npm_ci

BASE_DIR = Path(__file__).resolve().parents[2]
WS_CLIENT = Path(__file__).resolve().parent / "ws_client"
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
def serving(log: Path) -> Iterator[Server]:
    """uvicorn config.asgi:application on the test database until the block ends (and so
    before the test database is dropped: the server holds connections to it)."""
    env = {"DATABASE_URL": database_url(connection.settings_dict),
           "DJANGO_SETTINGS_MODULE": "config.settings.test",
           # The server runs as deployed, whatever the tests allow themselves (tests/browser).
           "DJANGO_ALLOW_ASYNC_UNSAFE": ""}
    with log.open("wb") as output:
        try:
            with uvicorn_server("config.asgi:application", env=env, output=output,
                                options=("--log-level", "warning"),
                                timeout=STARTUP_TIMEOUT) as port:
                yield Server(f"http://{HOST}:{port}/graphql", f"ws://{HOST}:{port}/graphql",
                             log)
        except ServerDidNotStart as exc:
            pytest.fail(f"{exc}:\n{log.read_text()}")


@pytest.fixture(scope="session")
def asgi_server(django_db_setup, tmp_path_factory):
    """uvicorn config.asgi:application serving the test database until the session ends."""
    with serving(tmp_path_factory.mktemp("asgi") / "uvicorn.log") as server:
        yield server


class Subscriber:
    """A running graphql-ws subscription (tests/live/ws_client/subscribe.mjs)."""

    def __init__(self, args: list[str]) -> None:
        self.process = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=subprocess.PIPE, cwd=WS_CLIENT)
        self._lines: queue.Queue[dict | None] = queue.Queue()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        for line in self.process.stdout:
            self._lines.put(json.loads(line))
        self._lines.put(None)

    def message(self, timeout: float = 5.0) -> dict:
        """The next message (connected/next/error/complete) with its arrival time `t`."""
        try:
            message = self._lines.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"no message within {timeout} s") from None
        if message is None:
            raise AssertionError(f"client exited: {self.process.stderr.read().decode()}")
        return message

    def results(self, count: int, timeout: float = 5.0) -> list[dict]:
        """The next `count` data payloads (skipping `connected`), each with its time `t`."""
        found = []
        while len(found) < count:
            message = self.message(timeout)
            if message["kind"] == "connected":
                continue
            assert message["kind"] == "next", message
            assert "errors" not in message["payload"], message["payload"]
            found.append({"t": message["t"], **message["payload"]["data"]})
        return found

    def silent(self, seconds: float) -> bool:
        """Whether nothing but `connected` arrives within `seconds`."""
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            try:
                message = self._lines.get(timeout=left)
            except queue.Empty:
                return True
            if message is None or message["kind"] != "connected":
                return False
        return True

    def close(self) -> None:
        """Disconnect (the client disposes itself when its stdin closes)."""
        self.process.stdin.close()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._reader.join(timeout=5)
        self.process.stdout.close()
        self.process.stderr.close()


@pytest.fixture
def subscribe(asgi_server):
    """subscribe(query, variables, connection_params=None) -> Subscriber, closed after."""
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed: the graphql-ws client needs Node 20")
    npm_ci(WS_CLIENT, "graphql-ws")
    started: list[Subscriber] = []

    def start(query: str, variables: dict, connection_params: dict | None = None):
        subscriber = Subscriber([node, "subscribe.mjs", asgi_server.ws_url, query,
                                 json.dumps(variables), json.dumps(connection_params or {})])
        started.append(subscriber)
        return subscriber

    yield start
    for subscriber in started:
        subscriber.close()

"""The real ASGI server (uvicorn) on a free loopback port, against pytest-django's test
database, and a graphql-ws client (Node) to subscribe with.

Tests here use django_db(transaction=True): their data is committed, so the server's own
connections see it.
"""

import json
import queue
import shutil
import subprocess
import threading
import time
from pathlib import Path

import pytest

from tests.npm import npm_ci

WS_CLIENT = Path(__file__).resolve().parent / "ws_client"


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

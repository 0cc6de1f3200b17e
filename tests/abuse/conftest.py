"""Attacks on the live server (uvicorn, loopback only), each bounded, each asserting a coded
error or the right answer, a bounded time, and that a probe sending `{ __typename }` every
50 ms is answered within a second while the attack runs."""

import concurrent.futures
import json
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass

import pytest

PROBE_BODY = b'{"query": "{ __typename }"}'
PROBE_LIMIT = 1.0  # seconds a probe may wait for its answer during an attack


@dataclass
class Answer:
    status: int
    seconds: float
    body: bytes
    headers: dict  # names in lower case

    @property
    def json(self):
        return json.loads(self.body)

    @property
    def codes(self) -> list[str]:
        return [error["extensions"]["code"] for error in self.json.get("errors", [])]


def send(url: str, body, *, headers: dict | None = None, timeout: float = 60) -> Answer:
    """POST `body` (bytes, or a dict sent as JSON) and the answer, whatever its status."""
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, headers={
        "Content-Type": "application/json", **(headers or {})})
    started = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return Answer(response.status, time.monotonic() - started, response.read(),
                          _lower(response.headers))
    except urllib.error.HTTPError as error:
        return Answer(error.code, time.monotonic() - started, error.read(),
                      _lower(error.headers))


def _lower(headers) -> dict:
    return {name.lower(): value for name, value in headers.items()}


def query(text: str, variables: dict | None = None) -> dict:
    return {"query": text, "variables": variables or {}}


def at_once(url: str, bodies: list, **kwargs) -> list[Answer]:
    """Send every body at the same time; the answers in order."""
    with concurrent.futures.ThreadPoolExecutor(len(bodies)) as pool:
        return list(pool.map(lambda body: send(url, body, **kwargs), bodies))


class Probe:
    """`{ __typename }` every 50 ms from a thread of its own, while the block runs."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.times: list[float] = []
        self.wrong: list[Answer] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            answer = send(self.url, PROBE_BODY, timeout=30)
            self.times.append(answer.seconds)
            if (answer.status, answer.body) != (200, b'{"data":{"__typename":"Query"}}'):
                self.wrong.append(answer)
            self._stop.wait(0.05)

    def __enter__(self) -> "Probe":
        self._thread.start()
        time.sleep(0.1)  # the first answer arrives before the attack starts
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(timeout=60)

    @property
    def slowest(self) -> float:
        return max(self.times)

    def assert_served(self) -> None:
        assert self.times and not self.wrong, self.wrong[:1]
        assert self.slowest < PROBE_LIMIT, (
            f"a probe waited {self.slowest:.2f} s (answers: {len(self.times)})")


@pytest.fixture
def probe(asgi_server):
    def start() -> Probe:
        return Probe(asgi_server.url)

    return start

"""A uvicorn server on a free loopback port, for tests/live and bench/api.py (and any
GraphQL server the same way: bench/peer.py's PostGraphile).

Started in a session of its own (its workers stop with it), ready once POST /graphql
answers `{ __typename }`, stopped when the block ends.
"""

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

HOST = "127.0.0.1"
ROOT = Path(__file__).resolve().parent.parent


class ServerDidNotStart(RuntimeError):
    pass


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def uvicorn_server(app: str, *, env: dict, options: tuple[str, ...] = (),
                   output=None, timeout: float = 60) -> Iterator[int]:
    """`uvicorn app` with `options` and `env` (added to this process's environment) on a
    free port, which it yields; ServerDidNotStart when it exits or stays silent."""
    port = free_port()
    command = [sys.executable, "-m", "uvicorn", app, "--host", HOST, "--port", str(port),
               *options]
    with graphql_server(command, port=port, env=env, output=output, timeout=timeout):
        yield port


@contextlib.contextmanager
def graphql_server(command: list[str], *, port: int, env: dict, cwd: Path = ROOT, output=None,
                   timeout: float = 60) -> Iterator[subprocess.Popen]:
    """Any GraphQL server (`command`, listening on `port` of HOST) run as uvicorn_server
    runs uvicorn: ready once POST /graphql answers, stopped with its process group."""
    process = subprocess.Popen(
        command, cwd=cwd, env={**os.environ, **env}, stdout=output,
        stderr=subprocess.STDOUT if output else None, start_new_session=True)
    try:
        _wait_ready(f"http://{HOST}:{port}/graphql", process, timeout)
        yield process
    finally:
        _stop(process)


def _wait_ready(url: str, process: subprocess.Popen, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise ServerDidNotStart(f"{url}: the server exited with status {process.returncode}")
        request = urllib.request.Request(url, data=b'{"query": "{ __typename }"}',
                                         headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.1)
    raise ServerDidNotStart(f"{url}: no answer within {timeout:.0f} s")


def _stop(process: subprocess.Popen) -> None:
    """Stop the server and its workers: the process group it leads."""
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=20)


# procrastinate's worker waits for a NOTIFY of a new job or for its next poll; a job that
# waited on another's lock (one endpoint's deliveries of one resource go in order) is
# fetched only at a poll, so the worker polls every 0.2 s (a small indexed query), not 5 s.
WORKER = ("manage.py", "procrastinate", "worker", "--delete-jobs", "successful",
          "--fetch-job-polling-interval", "0.2", "--concurrency", "4")


@contextlib.contextmanager
def task_worker(*, env: dict, output=None) -> Iterator[subprocess.Popen]:
    """procrastinate's worker (booking/tasks.py) with `env` added to this process's
    environment, in a session of its own, until the block ends."""
    process = subprocess.Popen(
        [sys.executable, *WORKER], cwd=ROOT, env={**os.environ, **env}, stdout=output,
        stderr=subprocess.STDOUT if output else None, start_new_session=True)
    try:
        yield process
    finally:
        _stop(process)

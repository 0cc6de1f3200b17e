"""A small graphql-transport-ws client (Python's `websockets`) that keeps one socket open
across operations: the Node client of tests/live runs one subscription per process."""

import itertools
import json

from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect


class GraphQLSocket:
    def __init__(self, url: str, params: dict | None = None) -> None:
        self._connection = connect(url, subprotocols=["graphql-transport-ws"], open_timeout=10)
        self.socket = self._connection.__enter__()
        self._ids = itertools.count(1)
        self.socket.send(json.dumps({"type": "connection_init", "payload": params or {}}))
        try:
            self.acknowledged = self._receive()["type"] == "connection_ack"
        except ConnectionClosed:
            self.acknowledged = False

    def _receive(self, timeout: float = 10) -> dict:
        return json.loads(self.socket.recv(timeout=timeout))

    def execute(self, query: str, variables: dict | None = None) -> dict:
        """The operation's one result (`next` payload, or `{"errors": ...}`)."""
        operation = self.subscribe(query, variables)
        while True:
            message = self._receive()
            if message.get("id") != operation:
                continue
            if message["type"] == "next":
                return message["payload"]
            if message["type"] == "error":
                return {"errors": message["payload"]}

    def subscribe(self, query: str, variables: dict | None = None) -> str:
        """Start an operation; its messages come from `receive`."""
        operation = str(next(self._ids))
        self.socket.send(json.dumps({"id": operation, "type": "subscribe", "payload": {
            "query": query, "variables": variables or {}}}))
        return operation

    def receive(self, timeout: float = 10) -> dict:
        """The next message (next, error, complete, ...) of any operation."""
        return self._receive(timeout)

    def close_code(self) -> int | None:
        """The code the server closed with (waits for the close)."""
        try:
            while True:
                self.socket.recv(timeout=10)
        except ConnectionClosed as closed:
            return closed.rcvd.code if closed.rcvd else None

    def close(self) -> None:
        self._connection.__exit__(None, None, None)

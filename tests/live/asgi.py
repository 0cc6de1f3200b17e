"""One HTTP request through config.asgi.application, in process, as a server would pass it."""

import asyncio
import json

from asgiref.sync import SyncToAsync, async_to_sync

from config.asgi import application
from schema.compiled import serve as compiled


def request(body: bytes, *, method: str = "POST", path: str = "/graphql",
            headers: dict | None = None) -> tuple[int, dict, bytes, int]:
    """(status, headers, body, sync_to_async hops) of one request."""
    headers = {"host": "testserver"} | {name.lower(): value for name, value in
                                        (headers or {}).items()}
    raw_headers = [(name.encode(), value.encode()) for name, value in headers.items()]
    path, _, query_string = path.partition("?")
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
             "method": method, "scheme": "http", "path": path, "raw_path": path.encode(),
             "root_path": "", "query_string": query_string.encode(), "headers": raw_headers,
             "client": ("127.0.0.1", 50000), "server": ("testserver", 80)}
    messages = [{"type": "http.request", "body": body, "more_body": False}]
    sent, calls = [], []
    original = SyncToAsync.__call__

    async def counting(self, *args, **kwargs):
        calls.append(self.func)
        return await original(self, *args, **kwargs)

    async def receive():
        if messages:
            return messages.pop()
        await asyncio.Event().wait()  # no disconnect while the answer is made

    async def send(message):
        sent.append(message)

    async def served():  # a server's life for one request: its async pool closes after
        try:
            await application(scope, receive, send)
        finally:
            await compiled.POOL.close()

    SyncToAsync.__call__ = counting
    try:
        async_to_sync(served)()
    finally:
        SyncToAsync.__call__ = original
    response_headers = {name.decode().lower(): value.decode()
                        for name, value in sent[0].get("headers", [])}
    return (sent[0]["status"], response_headers,
            b"".join(message.get("body", b"") for message in sent[1:]), len(calls))


def post(query: str, variables: dict | None = None, token: str = "") -> tuple[int, dict]:
    """A GraphQL operation that must succeed: (hops, answer)."""
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    status, _, body, hops = request(
        json.dumps({"query": query, "variables": variables or {}}).encode(), headers=headers)
    answer = json.loads(body)
    assert status == 200 and "errors" not in answer, (status, answer)
    return hops, answer

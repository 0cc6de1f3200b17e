"""A partner's webhook receiver on loopback: a real HTTP server in a thread that records
what it is sent and answers with the status the test sets."""

import http.server
import json
import queue
import threading
from dataclasses import dataclass, field

from config.loopback import HOST, free_port


@dataclass
class Received:
    headers: dict
    body: bytes

    @property
    def payload(self) -> dict:
        return json.loads(self.body)


@dataclass
class Receiver:
    port: int = field(default_factory=free_port)
    status: int = 204
    received: "queue.Queue[Received]" = field(default_factory=queue.Queue)

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}/hooks/rangebook"

    def start(self) -> "Receiver":
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                status = receiver.status
                if 200 <= status < 300:
                    receiver.received.put(Received(dict(self.headers), body))
                self.send_response(status)
                if 300 <= status < 400:
                    self.send_header("Location", "http://127.0.0.1:9/elsewhere")
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        http.server.ThreadingHTTPServer.allow_reuse_address = True
        self.server = http.server.ThreadingHTTPServer((HOST, self.port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def take(self, count: int, timeout: float = 30) -> list[Received]:
        return [self.received.get(timeout=timeout) for _ in range(count)]

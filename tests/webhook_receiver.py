"""A real HTTP receiver on a loopback port that verifies every webhook it gets.

It runs the standard library's threaded HTTP server beside the test's event loop and checks
each request with the ``standardwebhooks`` package's own verifier, against the secrets the
test tells it. What it answers is the test's choice: a status (204 by default), a redirect,
or no answer until released.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from standardwebhooks.webhooks import Webhook, WebhookVerificationError


@dataclass
class Received:
    """One request the receiver got."""

    path: str
    headers: dict[str, str]
    body: bytes
    verified_by: list[str] = field(default_factory=list)
    """The known secrets whose signature the request carries."""

    @property
    def event(self) -> dict[str, Any]:
        """The JSON body."""
        parsed: dict[str, Any] = json.loads(self.body)
        return parsed

    @property
    def event_id(self) -> str:
        """The ``webhook-id`` header."""
        return self.headers["webhook-id"]


class Receiver:
    """The receiver; ``with Receiver() as receiver`` starts and stops it."""

    def __init__(self) -> None:
        self.secrets: list[str] = []
        """The secrets a request may be signed with; one must verify it, else 400."""
        self.status = 204
        """What a verified request is answered."""
        self.location: str | None = None
        """With a 3xx status, where the answer points."""
        self.hold = threading.Event()
        """While cleared, requests wait for it (``hold.clear()``), up to 30 s."""
        self.hold.set()
        self.hold_first_only = False
        """Hold only the first request; answer the others at once."""
        self.received: list[Received] = []
        self.waiting = 0
        """Requests being held right now."""
        self.most_waiting = 0
        """The most requests held at once."""
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def port(self) -> int:
        """The loopback port it listens on."""
        return int(self._server.server_address[1])

    def url(self, path: str = "/hooks/twofa") -> str:
        """An http URL of the receiver."""
        return f"http://127.0.0.1:{self.port}{path}"

    def __enter__(self) -> Receiver:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.hold.set()
        self._server.shutdown()
        self._server.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", "0")))
                headers = {name.lower(): value for name, value in self.headers.items()}
                got = Received(path=self.path, headers=headers, body=body)
                for secret in receiver.secrets:
                    try:
                        Webhook(secret).verify(body, headers)
                    except WebhookVerificationError:
                        continue
                    got.verified_by.append(secret)
                with receiver._lock:
                    receiver.received.append(got)
                    first = len(receiver.received) == 1
                    receiver.waiting += 1
                    receiver.most_waiting = max(receiver.most_waiting, receiver.waiting)
                if first or not receiver.hold_first_only:
                    receiver.hold.wait(30)
                with receiver._lock:
                    receiver.waiting -= 1
                with receiver._lock:
                    status = receiver.status if got.verified_by else 400
                self.send_response(status)
                if receiver.location is not None:
                    self.send_header("location", receiver.location)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:
                """Keep the test output quiet."""

        return Handler

"""A webhook receiver for the browser tests: the standard library's HTTP server on a loopback
port, in a thread, checking every request with the ``standardwebhooks`` package as a real
receiver would.

The test gives it the signing secret once the console has shown it. A request that the
secret does not verify is answered 400 and kept aside, so that a test can tell.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from standardwebhooks.webhooks import Webhook, WebhookVerificationError


class Receiver:
    """``with Receiver() as receiver``: listening until the block ends."""

    def __init__(self) -> None:
        self.secret: str | None = None
        """The signing secret requests must verify with; until set, every request is refused."""
        self.events: list[dict[str, Any]] = []
        """The verified requests' bodies, with their ``webhook-id`` as ``_id``, in order."""
        self.refused: list[str] = []
        """Why requests were refused."""
        self._arrived = threading.Condition()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        """The http URL to register as the endpoint."""
        return f"http://127.0.0.1:{self._server.server_address[1]}/hooks/twofa"

    def __enter__(self) -> Receiver:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def wait_for(self, count: int, within: float = 15.0) -> list[dict[str, Any]]:
        """Return the verified events once there are ``count`` of them; fail after ``within`` s."""
        with self._arrived:
            arrived = self._arrived.wait_for(lambda: len(self.events) >= count, timeout=within)
        assert arrived, f"{len(self.events)} verified events of {count}; refused: {self.refused}"
        return list(self.events)

    def _receive(self, body: bytes, headers: dict[str, str]) -> int:
        try:
            if self.secret is None:
                raise WebhookVerificationError("no secret yet")
            Webhook(self.secret).verify(body, headers)
        except WebhookVerificationError as error:
            self.refused.append(str(error))
            return 400
        with self._arrived:
            self.events.append({**json.loads(body), "_id": headers["webhook-id"]})
            self._arrived.notify_all()
        return 204

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                headers = {name.lower(): value for name, value in self.headers.items()}
                self.send_response(receiver._receive(body, headers))
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                """Keep the test output quiet."""

        return Handler

"""Receives twofa's webhooks: `python webhook_receiver.py PORT` with TWOFA_WEBHOOK_SECRET set."""

import os
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks.webhooks import Webhook, WebhookVerificationError

webhook = Webhook(os.environ["TWOFA_WEBHOOK_SECRET"])  # whsec_..., shown once by twofa


class Receiver(BaseHTTPRequestHandler):
    """Answers 204 to a delivery signed with the secret, 400 to any other POST."""

    def do_POST(self) -> None:
        """Verify, answer at once, then act; a retry carries the same webhook-id."""
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        try:
            event = webhook.verify(body, dict(self.headers))
        except (WebhookVerificationError, ValueError):  # ValueError: a malformed header
            self.send_response(400)
            self.end_headers()
            return
        self.send_response(204)
        self.end_headers()
        operator = event["data"].get("operator") or {}
        print(self.headers["webhook-id"], event["type"], operator.get("id"), flush=True)


ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Receiver).serve_forever()

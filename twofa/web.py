"""The HTTP layer around the API: console pages, security headers, limits, access log.

The access log never writes query strings: the console's links carry tokens there.

Every request gets an id: the client's ``X-Request-ID`` when it is short and plain (see
``twofa.logs``), else a new one. It is echoed in the response's ``X-Request-ID`` and
attached to every log record written while the request is served.

The request body limit is ours rather than Starlette's ``max_body_size`` (added in 1.6.0 by
Kludex/starlette#3431, as ``RequestBodyLimitMiddleware``). Checked against 1.10.0 under
uvicorn: on ``/graphql``, which reads its body, Starlette's answers 413 to a declared
Content-Length over the limit before reading any of it, and to a chunked body as soon as it
passes the limit, as this guard does. It does not cover the other paths the same way:

- A declared Content-Length over the limit is only acted on when the endpoint reads the
  body or starts its response; an endpoint that reads nothing runs first (a GET query
  executes, ``/healthz`` queries the database), then its response is swapped for a 413.
  Placed where ``Starlette(max_body_size=...)`` puts it, outside our middleware, the access
  log records the endpoint's 200, not the 413 the client got.
- On endpoints that answer with a ``FileResponse`` (the console pages, ``/console`` files),
  that swap collides with the response's disconnect listener, which calls ``receive()``: both
  errors escape as an ``ExceptionGroup`` and uvicorn logs "Exception in ASGI application"
  with a traceback for every such request, which anyone can send. No upstream issue found
  as of November 2026; reported behaviour: ``RequestBodyLimitResponder`` catches
  ``_RequestBodyTooLarge`` and ``_RequestBodyLimitResponseSent`` but not the two together
  in a group.

``HttpGuard`` refuses a declared oversized body before the app runs, on every path, and
counts a streamed one as it is read. It uses no Starlette internals; tests in
``tests/test_request_limits.py`` pin these cases down.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from starlette.requests import ClientDisconnect, Request
from starlette.responses import FileResponse, PlainTextResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mail.outbox import LINK_PATHS
from twofa.logs import bind_request_id, request_id_from, unbind_request_id

CONSOLE_DIR = Path(__file__).resolve().parent / "console"
"""Static files of the reference console (plain HTML, CSS and JavaScript modules)."""
MAX_BODY_BYTES = 1024 * 1024
"""Largest request body accepted (GraphQL documents are small): 1 MiB."""
CONSOLE_PATHS = ("/", *LINK_PATHS)
"""Paths that serve the console's page; it reads the rest of the route from the URL."""

access_logger = logging.getLogger("twofa.access")

SECURITY_HEADERS = {
    "content-security-policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    ),
    "referrer-policy": "no-referrer",
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
}
"""Headers on every response; no-referrer keeps link tokens out of Referer headers."""
_SECURITY_HEADERS = [(name.encode(), value.encode()) for name, value in SECURITY_HEADERS.items()]


async def console_page(request: Request) -> Response:
    """Serve the console's single page, never cached (its URL may carry a token)."""
    return FileResponse(CONSOLE_DIR / "index.html", headers={"cache-control": "no-store"})


Observer = Callable[[Scope, int, float], None]
"""Told of every finished request: its scope, status and seconds until its last byte."""


class HttpGuard:
    """ASGI middleware: request id, security headers, the body size limit (413), access log.

    A client that disconnects while sending its request is logged as 499, not as an error.
    Each finished request is also reported to the ``observers`` (the metrics).
    """

    def __init__(self, app: ASGIApp, observers: Sequence[Observer] = ()) -> None:
        self.app = app
        self.observers = tuple(observers)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Handle one ASGI connection."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        answered: float | None = None  # when the last byte went out (background work follows)
        status = 500
        request_id_header = declared = None
        for name, value in scope["headers"]:
            if name == b"content-length":
                declared = value
            elif name == b"x-request-id":
                request_id_header = value
        request_id = request_id_from(request_id_header)
        bound = bind_request_id(request_id)

        async def send_with_headers(message: Message) -> None:
            nonlocal status, answered
            if message["type"] == "http.response.body" and not message.get("more_body"):
                answered = time.perf_counter()
            elif message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers += [pair for pair in _SECURITY_HEADERS if pair[0] not in present]
                headers.append((b"x-request-id", request_id.encode()))
                message = {**message, "headers": headers}
            await send(message)

        if declared is not None and (not declared.isdigit() or int(declared) > MAX_BODY_BYTES):
            await self._too_large(scope, receive, send_with_headers)
            self._finished(scope, 413, started, answered)
            unbind_request_id(bound)
            return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > MAX_BODY_BYTES:
                    raise BodyTooLarge
            return message

        try:
            await self.app(scope, limited_receive, send_with_headers)
        except BodyTooLarge:
            status = 413
            await self._too_large(scope, receive, send_with_headers)
        except ClientDisconnect:
            status = 499  # the client left before sending its whole request: nobody to answer
        finally:
            self._finished(scope, status, started, answered)
            unbind_request_id(bound)

    async def _too_large(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = PlainTextResponse("Request body too large.", status_code=413)
        await response(scope, receive, send)

    def _finished(self, scope: Scope, status: int, started: float, answered: float | None) -> None:
        """Report the request to the observers and write the access line.

        The duration ends with the response, not with work after it: work run after the
        response (a password reset's lookup and email) would otherwise make the logged time
        tell whether the email exists.
        """
        seconds = (answered or time.perf_counter()) - started
        for observe in self.observers:
            observe(scope, status, seconds)
        if not access_logger.isEnabledFor(logging.INFO):
            return
        client = scope.get("client")
        fields = {
            "client": client[0] if client else "-",
            "method": scope["method"],
            "path": scope["path"],  # never the query string: links carry tokens there
            "status": status,
            "duration_ms": round(seconds * 1000, 1),
        }
        access_logger.info(
            '%s "%s %s" %d %.1fms',
            *(fields[name] for name in ("client", "method", "path", "status", "duration_ms")),
            extra=fields,
        )


class BodyTooLarge(Exception):
    """Raised inside the app when the streamed body passes the limit."""

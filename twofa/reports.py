"""``GET /reports/two-factor-compliance.csv``: an account's compliance report, streamed.

Who may download it is decided as ``/graphql`` decides who reads an account's operators:
the bearer token is authenticated by the GraphQL request context (``Context.authenticate``:
a session, or an API key ``twofa_key_…``), and the caller must read the account's
operators (``Context.reads`` with READ_OPERATORS): an administrator's session, or a key of
the account that holds the scope. A key's download counts against its request budget as
one GraphQL request does. The report is always of the caller's own account.

Answers other than the CSV carry a GraphQL-shaped error (``errors[0].extensions.code``),
as ``/graphql`` refuses requests, so that a client reads both alike:

- 401 ``UNAUTHENTICATED`` without a token (``WWW-Authenticate: Bearer``) or with one that
  names no live session or key (``WWW-Authenticate: Bearer error="invalid_token"``);
- 403 ``FORBIDDEN`` for a basic operator's session or a key without READ_OPERATORS;
- 429 ``RATE_LIMITED`` with ``Retry-After`` once a key's budget is spent;
- 503 ``SERVICE_UNAVAILABLE`` (with ``Retry-After``) while the database cannot be reached,
  or while ``MAX_STREAMS`` reports are already being downloaded from this process: on
  PostgreSQL each holds one of the pool's few connections until its client has read it.

The first batch is read before the response starts, so that a database failure then is a
503; one later cuts the response short (the chunked body never ends, and clients such as
curl report the transfer as incomplete).
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
from collections.abc import AsyncGenerator, Callable
from contextlib import aclosing
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.types import Message, Receive, Scope, Send

from models import Account
from schema.context import INVALID_TOKEN, Context
from schema.errors import UNAVAILABLE_MESSAGE
from services import audit
from services.api_keys import ApiKeyScope
from services.audit import AuditEventKind
from services.errors import DATABASE_UNAVAILABLE
from services.key_budget import KeyBudget
from services.machinery.client import bind_client
from services.machinery.dependencies import Dependencies
from services.operators.report import (
    STALLED_CLIENT_SECONDS,
    ReportCut,
    compliance_report,
    report_filename,
)
from twofa.graphql_view import bearer_token

logger = logging.getLogger("twofa.reports")

COMPLIANCE_REPORT_PATH = "/reports/two-factor-compliance.csv"
MAX_STREAMS = 2
"""Reports this process streams at once, one per account; another request meanwhile is
answered 503."""
BUSY_RETRY_SECONDS = 10
"""``Retry-After`` of a request refused while the database or the streams are busy."""
CSV_TYPE = "text/csv; charset=utf-8"


class _Refused(Exception):
    """A request answered with an error instead of the report."""

    def __init__(
        self, status: int, code: str, message: str, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.response = error_response(status, code, message, headers)


def compliance_report_endpoint(
    deps: Dependencies, key_budget: KeyBudget
) -> Callable[[Request], Any]:
    """Return the handler of ``GET /reports/two-factor-compliance.csv``.

    ``key_budget`` is the one ``/graphql`` spends: a key's downloads and queries share it.
    """
    streaming = 0
    per_account: set[int] = set()

    async def report(request: Request) -> Response:
        nonlocal streaming
        try:
            reader = await _reader(request, deps, key_budget)
            account_id = reader.account_id
            now = deps.now()
            headers = {
                "content-disposition": f'attachment; filename="{report_filename(now)}"',
                "cache-control": "no-store",
            }
            if request.method == "HEAD":
                return Response(media_type=CSV_TYPE, headers=headers)
            if streaming >= MAX_STREAMS or account_id in per_account:
                raise _Refused(
                    503,
                    "SERVICE_UNAVAILABLE",
                    "Other reports are being downloaded: try again shortly.",
                    {"retry-after": str(BUSY_RETRY_SECONDS)},
                )
        except _Refused as refused:
            return refused.response
        except DATABASE_UNAVAILABLE as error:
            return _unavailable(error)
        # The slot is taken before the next await, so that requests arriving together
        # cannot all pass the check; one account holds one slot at most.
        streaming += 1
        per_account.add(account_id)

        def ended() -> None:
            nonlocal streaming
            streaming -= 1
            per_account.discard(account_id)

        chunks: AsyncGenerator[bytes, None] | None = None
        try:
            # Every operator's email address leaves with it: the download is audited.
            await audit.record(
                AuditEventKind.COMPLIANCE_REPORT_DOWNLOADED,
                account_id=account_id,
                actor_id=reader.actor_id,
                api_key_id=reader.api_key_id,
                now=now,
            )
            account = await Account.get(id=account_id)
            chunks = compliance_report(account, now)
            # The header row and the first batch, read before answering: a failure is a 503.
            first = await anext(chunks) + await anext(chunks, b"")
        except BaseException as error:
            ended()
            if chunks is not None:
                await chunks.aclose()
            if isinstance(error, ReportCut | DATABASE_UNAVAILABLE):
                return _unavailable(error)
            raise
        return ClosingStreamingResponse(
            _after(first, chunks), ended, media_type=CSV_TYPE, headers=headers
        )

    return report


@dataclass(frozen=True)
class Reader:
    """Who reads a report: their account, and the person or the key."""

    account_id: int
    actor_id: int | None
    api_key_id: int | None


async def _reader(request: Request, deps: Dependencies, key_budget: KeyBudget) -> Reader:
    """Return who reads the report and of which account, or refuse the request.

    Authenticates as the GraphQL view does, with its request context.
    """
    token = bearer_token(request.headers.get("authorization"))
    if token is None:
        raise _Refused(
            401, "UNAUTHENTICATED", "Send a session or an API key.", {"www-authenticate": "Bearer"}
        )
    context = Context(request=request, response=Response(), deps=deps, token=token)
    bind_client(lambda: context.client)
    await context.authenticate()
    account_id = context.account_id
    if account_id is None:
        raise _Refused(
            401,
            "UNAUTHENTICATED",
            "The session or API key is not valid (ended, expired or revoked).",
            {"www-authenticate": INVALID_TOKEN},
        )
    if context.api_key is not None:
        retry_at = await key_budget.admit(context.api_key.id)
        if retry_at is not None:
            seconds = max(1, math.ceil((retry_at - deps.now()).total_seconds()))
            raise _Refused(
                429,
                "RATE_LIMITED",
                f"This API key made too many requests: retry in {seconds} s.",
                {"retry-after": str(seconds)},
            )
    if not context.reads(account_id, ApiKeyScope.READ_OPERATORS):
        raise _Refused(
            403,
            "FORBIDDEN",
            "Only administrators and API keys with READ_OPERATORS may read this report.",
        )
    return Reader(
        account_id=account_id,
        actor_id=context.viewer.id if context.viewer is not None else None,
        api_key_id=context.api_key.id if context.api_key is not None else None,
    )


def _unavailable(error: BaseException) -> Response:
    logger.error("Database unavailable for a report: %r", error)
    return error_response(
        503, "SERVICE_UNAVAILABLE", UNAVAILABLE_MESSAGE, {"retry-after": str(BUSY_RETRY_SECONDS)}
    )


async def _after(first: bytes, rest: AsyncGenerator[bytes, None]) -> AsyncGenerator[bytes, None]:
    """Yield ``first``, then the rest of the report, closing it however the stream ends."""
    async with aclosing(rest):
        yield first
        async for chunk in rest:
            yield chunk


class ClosingStreamingResponse(StreamingResponse):
    """A streamed response that closes its body and reports its end, however it ends.

    Starlette leaves the body's generator to the garbage collector when the client goes
    away mid-stream; closing it here ends the report's database transaction at once. A
    report cut short (``ReportCut``, logged where it happened) ends the response without
    its last chunk, so that the client sees an incomplete transfer, never a short report
    that looks whole.
    """

    def __init__(
        self, content: AsyncGenerator[bytes, None], ended: Callable[[], None], **kwargs: Any
    ) -> None:
        super().__init__(content, **kwargs)
        self._content = content
        self._ended = ended

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Stream the body; then close it and report the end.

        A client that takes no part of the body for ``STALLED_CLIENT_SECONDS`` is cut off,
        so that it cannot hold a download slot (and, on PostgreSQL, a connection) for good.
        """

        async def send_or_cut(message: Message) -> None:
            try:
                await asyncio.wait_for(send(message), STALLED_CLIENT_SECONDS)
            except TimeoutError:
                logger.warning("A compliance report's client stopped reading: cut off")
                raise ReportCut from None

        try:
            await super().__call__(scope, receive, send_or_cut)
        except ReportCut:
            return  # the server closes the connection: the response never ended
        finally:
            try:
                await self._content.aclose()
            finally:
                self._ended()


def error_response(
    status: int, code: str, message: str, headers: dict[str, str] | None = None
) -> Response:
    """Return a refusal shaped like ``/graphql``'s: one error with a code, never cached."""
    body = {"errors": [{"message": message, "extensions": {"code": code}}]}
    return Response(
        json.dumps(body),
        status_code=status,
        media_type="application/json",
        headers={"cache-control": "no-store", **(headers or {})},
    )

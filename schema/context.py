"""The per-request context every resolver receives."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeAlias

import strawberry
from graphql import DocumentNode
from starlette.background import BackgroundTasks
from starlette.requests import Request
from starlette.responses import Response

from models import ApiKey, Operator, Session
from schema.errors import unauthenticated
from schema.loaders import Loaders
from services.acting import Acting, Machine, Person
from services.api_keys import ApiKeyScope, authenticate_key, holds, is_api_key
from services.machinery.client import Client
from services.machinery.dependencies import Dependencies
from services.operators import administers, may_read_operator
from services.sessions import authenticate

logger = logging.getLogger("twofa.graphql")

INVALID_TOKEN = 'Bearer error="invalid_token"'  # noqa: S105 - a header value, not a secret
"""``WWW-Authenticate`` of a response to a request whose bearer token was not accepted."""


@dataclass
class Context:
    """One request: who is calling, with what, and the request's dataloaders."""

    request: Request
    response: Response
    deps: Dependencies
    token: str | None
    """The bearer token the request carries, if any."""
    session: Session | None = None
    viewer: Operator | None = None
    api_key: ApiKey | None = None
    """The API key making the request, when a key does (``viewer`` is then None)."""
    document: DocumentNode | None = None
    """The request's GraphQL document once parsed (``DocumentLimits`` notes it here)."""
    loaders: Loaders = field(init=False)

    def __post_init__(self) -> None:
        self.loaders = Loaders(self.deps.clock)

    async def authenticate(self) -> None:
        """Read the caller's session for the bearer token, now.

        The view does it once the request arrives, and every mutation field again before it
        runs: a session that ended meanwhile (revoked, its operator deactivated, the policy
        changed) leaves the rest of the request anonymous, and a demoted administrator's
        next mutation is checked against the role they have now. A token that names no
        live session makes the response say so (``WWW-Authenticate``).
        """
        if self.token is None:
            return
        if is_api_key(self.token):
            await self._authenticate_key(self.token)
            return
        found = await authenticate(self.token, self.now())
        if found is None:
            self.end_session()
            self.response.headers["www-authenticate"] = INVALID_TOKEN
            return
        if self.viewer is not None:  # again: what the request held about them may be stale
            self.loaders.forget_operator(self.viewer.id)
        self.session, self.viewer, state = found
        self.loaders.prime_account(self.viewer.account)
        self.loaders.prime_two_factor_state(self.viewer.id, state)

    async def _authenticate_key(self, secret: str) -> None:
        """Read the API key the bearer token names.

        An unknown, expired or revoked key is an invalid token, as an ended session is.
        """
        key = await authenticate_key(secret, self.now())
        if key is None:
            self.end_session()
            self.response.headers["www-authenticate"] = INVALID_TOKEN
            return
        self.api_key = key
        self.loaders.prime_account(key.account)

    @property
    def account_id(self) -> int | None:
        """The account the caller acts in: their session's operator's, or their key's."""
        if self.viewer is not None:
            return self.viewer.account_id
        return self.api_key.account_id if self.api_key is not None else None

    def reads(self, account_id: int, scope: ApiKeyScope) -> bool:
        """Tell whether the caller may read this part of an account.

        An administrator of the account may; so may a key of the account that holds
        ``scope``.
        """
        if self.viewer is not None:
            return administers(self.viewer, account_id)
        key = self.api_key
        return key is not None and key.account_id == account_id and holds(key, scope)

    def reads_operator(self, operator_id: int, account_id: int) -> bool:
        """Tell whether the caller may read an operator.

        Operators read themselves, administrators their account's operators, and so do the
        account's keys that hold READ_OPERATORS.
        """
        if self.viewer is not None:
            return may_read_operator(self.viewer, operator_id, account_id)
        return self.reads(account_id, ApiKeyScope.READ_OPERATORS)

    def require_acting(self) -> Acting:
        """Return who makes an administrator's change: the person, or the API key.

        Raises the top-level UNAUTHENTICATED error without either.
        """
        if self.viewer is not None and self.session is not None:
            return Person(self.viewer, self.session)
        if self.api_key is not None:
            return Machine(self.api_key)
        raise unauthenticated()

    def require_viewer(self) -> Operator:
        """Return the signed-in operator, or raise the top-level UNAUTHENTICATED error."""
        if self.viewer is None:
            raise unauthenticated()
        return self.viewer

    def require_session(self) -> tuple[Operator, Session]:
        """Return the signed-in operator and their session, or raise UNAUTHENTICATED."""
        if self.viewer is None or self.session is None:
            raise unauthenticated()
        return self.viewer, self.session

    def end_session(self) -> None:
        """Forget the caller's session once it is revoked.

        Later fields of the same request then run as an anonymous caller.
        """
        self.session = None
        self.viewer = None
        self.api_key = None

    async def renew(self) -> None:
        """Drop what the request loaded and read the caller again (after a mutation).

        What a mutation changed (a policy, a 2FA setup, a lock, the caller's own session) is
        then what the rest of the request sees.
        """
        self.loaders = Loaders(self.deps.clock)
        self.session = self.viewer = self.api_key = None
        await self.authenticate()

    @property
    def client_address(self) -> str | None:
        """The caller's IP address (the proxy's, unless uvicorn trusts forwarded headers)."""
        client = self.request.client
        return client.host if client is not None else None

    @property
    def client(self) -> Client:
        """The caller's address and user agent, kept with a session issued to them."""
        return Client.of(self.client_address, self.request.headers.get("user-agent"))

    def after_response(self, work: Callable[[], Awaitable[None]]) -> None:
        """Run ``work`` once the response has been sent, so that it cannot shape the answer.

        Its failures are logged, not reported: the client already has its answer.
        """
        tasks = self.response.background
        if not isinstance(tasks, BackgroundTasks):  # nothing else sets one
            tasks = self.response.background = BackgroundTasks()
        tasks.add_task(_logged, work)

    def now(self) -> datetime:
        """Return the current instant from the application's clock."""
        return self.deps.clock.now()


async def _logged(work: Callable[[], Awaitable[None]]) -> None:
    try:
        await work()
    except Exception:  # the answer went out already: log it for the operators of twofa
        logger.exception("Work after the response failed")


Info: TypeAlias = strawberry.Info[Context, None]
"""The ``info`` argument type of every resolver."""

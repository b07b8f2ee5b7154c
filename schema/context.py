"""The per-request context every resolver receives."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeAlias

import strawberry
from starlette.background import BackgroundTasks
from starlette.requests import Request
from starlette.responses import Response

from models import Operator, Session
from schema.errors import unauthenticated
from schema.loaders import Loaders
from services.client import Client
from services.dependencies import Dependencies

logger = logging.getLogger("twofa.graphql")


@dataclass
class Context:
    """One request: who is calling, with what, and the request's dataloaders."""

    request: Request
    response: Response
    deps: Dependencies
    session: Session | None
    viewer: Operator | None
    loaders: Loaders = field(init=False)

    def __post_init__(self) -> None:
        self.loaders = Loaders(self.deps.clock)

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

    def sessions_ended_for(self, operator_id: int) -> None:
        """Note that every session of an operator ended (reset, deactivation, ...).

        What the request cached about them is dropped, and when they are the caller, later
        fields of the request run as an anonymous caller.
        """
        self.loaders.forget_operator(operator_id)
        if self.viewer is not None and self.viewer.id == operator_id:
            self.end_session()

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

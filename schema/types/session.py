"""The ``Session`` type: a signed-in device, with how and when it proved who it is."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry import relay

from models import Session
from schema.context import Info
from schema.enums import AuthenticationMethod
from services.sessions import methods_of
from services.sessions.reauthentication import reauthentication_expires_at


@strawberry.type(name="Session", description="A signed-in session of an operator.")
class SessionNode(relay.Node):
    """The GraphQL view of a session (never its token)."""

    id: relay.NodeID[int]
    created_at: datetime = strawberry.field(description="When the session was issued.")
    expires_at: datetime = strawberry.field(description="When it ends unless revoked first.")
    last_used_at: datetime = strawberry.field(
        description="When a request last used it (updated at most once a minute)."
    )
    authenticated_at: datetime = strawberry.field(
        description="When the operator last proved who they are in it (login or "
        "reauthenticate); sensitive actions need this to be recent."
    )
    authentication_methods: list[AuthenticationMethod] = strawberry.field(
        description="How the operator proved who they are, oldest proof first."
    )
    ip_address: str | None = strawberry.field(description="The client's address at login.")
    user_agent: str | None = strawberry.field(description="The client's User-Agent at login.")

    @classmethod
    def from_model(cls, session: Session) -> SessionNode:
        """Build the GraphQL object from the stored session."""
        return cls(
            id=session.id,
            created_at=session.created_at,
            expires_at=session.expires_at,
            last_used_at=session.last_used_at,
            authenticated_at=session.authenticated_at,
            authentication_methods=methods_of(session),
            ip_address=session.ip_address,
            user_agent=session.user_agent,
        )

    @strawberry.field(
        description="When the recent authentication of this session stops counting: "
        "`authenticatedAt` plus the reauthentication window (REAUTHENTICATION_WINDOW, 2 "
        "hours by default); `authenticatedAt` itself when the only second factor is "
        "TRUSTED_DEVICE. From then on, mutations that need a recent authentication answer "
        "REAUTHENTICATION_REQUIRED until `reauthenticate` renews it, so a client can ask for "
        "the password before that instead of after the refusal."
    )
    def reauthentication_expires_at(self, info: Info) -> datetime:
        """Return the end of the session's reauthentication window."""
        methods = [method.value for method in self.authentication_methods]
        return reauthentication_expires_at(info.context.deps, self.authenticated_at, methods)

    @strawberry.field(description="True for the session making this request.")
    def current(self, info: Info) -> bool:
        """Tell whether this is the session the request was made with."""
        session = info.context.session
        return session is not None and session.id == self.id


@strawberry.type(name="SessionConnection", description="A page of sessions, newest first.")
class SessionConnection(relay.Connection[SessionNode]):
    """A Relay connection over an operator's unexpired sessions."""

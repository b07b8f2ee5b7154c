"""The root ``Query`` type and its fields: ``viewer``, ``viewerSession`` and ``node``."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry import relay

from schema.context import Info
from schema.ids import parse_id
from schema.types.account import AccountNode
from schema.types.audit import AuditEventNode
from schema.types.operator import OperatorNode
from schema.types.session import SessionNode
from services.audit import visible_event
from services.operators import is_administrator, visible_account, visible_operator
from services.sessions.management import visible_session


def viewer(info: Info) -> OperatorNode | None:
    """Return the signed-in operator, or None without a valid session."""
    operator = info.context.viewer
    return OperatorNode.from_model(operator) if operator is not None else None


def viewer_session(info: Info) -> SessionNode | None:
    """Return the session making this request, or None without a valid one."""
    session = info.context.session
    return SessionNode.from_model(session) if session is not None else None


async def node(
    info: Info,
    id: Annotated[strawberry.ID, strawberry.argument(description="A global id.")],
) -> relay.Node | None:
    """Return the object with global id ``id`` if the caller may read it, else None.

    The rules are those of the direct fields: an operator sees themselves and their account;
    an administrator also sees every operator, session and audit event of the account. Malformed,
    unknown and foreign ids all answer null.
    """
    viewer = info.context.viewer
    parsed = parse_id(id)
    if viewer is None or parsed is None:
        return None
    type_name, key = parsed
    if type_name == "Operator":
        operator = await visible_operator(viewer, key)
        return OperatorNode.from_model(operator) if operator is not None else None
    if type_name == "Account":
        account = await visible_account(viewer, key)
        return AccountNode.from_model(account) if account is not None else None
    if type_name == "Session":
        session = await visible_session(viewer, key, info.context.now())
        return SessionNode.from_model(session) if session is not None else None
    if type_name == "AuditEvent" and is_administrator(viewer):
        event = await visible_event(viewer.account_id, key)
        return AuditEventNode.from_model(event) if event is not None else None
    return None


@strawberry.type(description="Entry points for reading.")
class Query:
    """Root query type."""

    viewer: OperatorNode | None = strawberry.field(
        resolver=viewer,
        description="The signed-in operator; null without a valid session.",
    )
    viewer_session: SessionNode | None = strawberry.field(
        resolver=viewer_session,
        description="The session making this request; null without a valid session.",
    )
    node: relay.Node | None = strawberry.field(
        resolver=node,
        description="Any object by its global id, if the caller may read it; null otherwise.",
    )

"""Field resolvers of ``Operator``: each batched per request through the dataloaders."""

from __future__ import annotations

from collections.abc import Awaitable
from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry import relay

from models import Account
from schema.context import Info
from schema.errors import forbidden
from schema.pagination import Window, encode_cursor, page_info
from schema.types.policy import EffectiveTwoFactorPolicy
from services.operators import may_read_operator, policy_with
from services.policy import TwoFactorState
from services.session_management import live_sessions_page

if TYPE_CHECKING:
    from schema.types.account import AccountNode
    from schema.types.operator import OperatorNode
    from schema.types.session import SessionConnection

SESSION_CURSOR = "Session"


async def account(
    root: OperatorNode, info: Info
) -> Annotated[AccountNode, strawberry.lazy("schema.types.account")]:
    """Load the operator's account."""
    from schema.types.account import AccountNode

    loaded = await info.context.loaders.account.load(root.account_id)
    return AccountNode.from_model(loaded)


async def invited_by(
    root: OperatorNode, info: Info
) -> Annotated[OperatorNode, strawberry.lazy("schema.types.operator")] | None:
    """Load the inviter (batched per request), if the viewer may read them."""
    from schema.types.operator import OperatorNode

    viewer = info.context.viewer
    if root.invited_by_id is None or viewer is None:
        return None
    inviter = await info.context.loaders.operator.load(root.invited_by_id)
    if inviter is None or not may_read_operator(viewer, inviter.id, inviter.account_id):
        return None
    return OperatorNode.from_model(inviter)


async def invitation_expires_at(root: OperatorNode, info: Info) -> datetime | None:
    """Load the expiry of the operator's live invitation link (batched per request)."""
    return await info.context.loaders.invitation_expires_at.load(root.id)


async def recovery_codes_remaining(root: OperatorNode, info: Info) -> int:
    """Count the operator's unused recovery codes."""
    return await info.context.loaders.recovery_codes_remaining.load(root.id)


async def locked_until(root: OperatorNode, info: Info) -> datetime | None:
    """Return the end of the operator's latest running password or code lock."""
    return await info.context.loaders.load_locked_until(root.id, root.login_key)


def effective_two_factor_policy(
    root: OperatorNode, info: Info
) -> EffectiveTwoFactorPolicy | Awaitable[EffectiveTwoFactorPolicy]:
    """Combine account default, override, SSO flag, state and grace period.

    Computed at once when the request already holds the account and the 2FA state (the
    viewer's, read with their session; a page's, read with the page), so that a list of
    operators does not schedule one coroutine per node; loaded in a batch otherwise.
    """
    loaders = info.context.loaders
    account = loaders.known_account(root.account_id)
    state = loaders.known_two_factor_state(root.id)
    if account is None or state is None:
        return _load_policy(root, info)
    return _policy(root, account, state, info.context.now())


async def _load_policy(root: OperatorNode, info: Info) -> EffectiveTwoFactorPolicy:
    """Load the account and 2FA state (batched per request), then compute the policy."""
    account = await info.context.loaders.account.load(root.account_id)
    state = await info.context.loaders.two_factor_state.load(root.id)
    return _policy(root, account, state, info.context.now())


def _policy(
    root: OperatorNode, account: Account, state: TwoFactorState, now: datetime
) -> EffectiveTwoFactorPolicy:
    return EffectiveTwoFactorPolicy.from_domain(policy_with(root, account, state, now))


async def sessions(
    root: OperatorNode,
    info: Info,
    first: Annotated[int | None, strawberry.argument(description="Page size, 0 to 100.")] = None,
    after: Annotated[
        str | None, strawberry.argument(description="Cursor to continue after (older).")
    ] = None,
) -> Annotated[SessionConnection, strawberry.lazy("schema.types.session")]:
    """Return one page of the operator's unexpired sessions."""
    from schema.types.session import SessionConnection, SessionNode

    viewer = info.context.require_viewer()
    if not may_read_operator(viewer, root.id, root.account_id):
        raise forbidden()
    window = Window.of(SESSION_CURSOR, first, after, None, None)
    rows, more = await live_sessions_page(
        root.id, info.context.now(), before_id=window.after_id, limit=window.limit
    )
    edges = [
        relay.Edge(cursor=encode_cursor(SESSION_CURSOR, row.id), node=SessionNode.from_model(row))
        for row in rows
    ]
    return SessionConnection(
        edges=edges,
        page_info=page_info(
            edges, has_next_page=more, has_previous_page=window.after_id is not None
        ),
    )

"""The ``Operator`` type."""

from __future__ import annotations

from collections.abc import Awaitable
from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry import relay

from models import Account, Operator
from schema.context import Info
from schema.enums import OperatorRole, OperatorStatus, TwoFactorMode
from schema.errors import forbidden
from schema.pagination import NewestFirstSize, OlderThan, Window, newest_first_page
from schema.permissions import CALLERS
from schema.types.operator_ref import readable_operator
from schema.types.policy import EffectiveTwoFactorPolicy
from services.auth.trusted_devices import live_devices
from services.operators import policy_with
from services.policy import TwoFactorState
from services.sessions.management import live_sessions_page

if TYPE_CHECKING:
    from schema.types.account import AccountNode
    from schema.types.passkey import PasskeyNode
    from schema.types.session import SessionConnection
    from schema.types.trusted_device import TrustedDeviceNode

SESSION_CURSOR = "Session"
"""The type name in the cursors of an operator's sessions."""


@strawberry.type(name="Operator", description="A person who signs in to an account.")
class OperatorNode(relay.Node):
    """The GraphQL view of an operator."""

    id: relay.NodeID[int]
    email: str = strawberry.field(description="Email address, as the operator gave it.")
    name: str = strawberry.field(description="Display name.")
    role: OperatorRole = strawberry.field(description="What the operator may do.")
    status: OperatorStatus = strawberry.field(
        description="INVITED until the invitation is accepted."
    )
    uses_single_sign_on: bool = strawberry.field(
        description="Signs in through single sign-on; TOTP never applies to them."
    )
    two_factor_override: TwoFactorMode | None = strawberry.field(
        description="The administrator's override of the account default; null: follows it."
    )
    created_at: datetime = strawberry.field(description="When the operator was created or invited.")
    invited_at: datetime | None = strawberry.field(
        description="When the latest invitation was sent; null if never invited."
    )
    last_login_at: datetime | None = strawberry.field(
        description="When a session was last issued to the operator; null if never."
    )
    two_factor_configured_at: datetime | None = strawberry.field(
        description="When the operator's authenticator was confirmed; null without one."
    )
    account_id: strawberry.Private[int]
    two_factor_required_since: strawberry.Private[datetime | None]
    login_key: strawberry.Private[str]
    invited_by_id: strawberry.Private[int | None]

    @classmethod
    def from_model(cls, operator: Operator) -> OperatorNode:
        """Build the GraphQL object from the stored operator."""
        return cls(
            id=operator.id,
            email=operator.email,
            name=operator.name,
            role=operator.role,
            status=operator.status,
            uses_single_sign_on=operator.uses_single_sign_on,
            two_factor_override=operator.two_factor_override,
            created_at=operator.created_at,
            invited_at=operator.invited_at,
            last_login_at=operator.last_login_at,
            two_factor_configured_at=operator.two_factor_configured_at,
            account_id=operator.account_id,
            two_factor_required_since=operator.two_factor_required_since,
            login_key=operator.email_key,
            invited_by_id=operator.invited_by_id,
        )

    @strawberry.field(description="The account the operator belongs to.")
    async def account(
        self, info: Info
    ) -> Annotated[AccountNode, strawberry.lazy("schema.types.account")]:
        """Load the operator's account."""
        from schema.types.account import AccountNode

        loaded = await info.context.loaders.account.load(self.account_id)
        return AccountNode.from_model(loaded)

    @strawberry.field(
        description="Who sent the latest invitation; null if never invited, if unknown or "
        "removed, or if you may not see them (basic operators see only themselves)."
    )
    async def invited_by(self, info: Info) -> OperatorNode | None:
        """Load the inviter (batched per request), if the viewer may read them."""
        return await readable_operator(info, self.invited_by_id)

    @strawberry.field(
        description="When the invitation link sent last stops working; null once accepted, "
        "expired or revoked, and for operators never invited."
    )
    async def invitation_expires_at(self, info: Info) -> datetime | None:
        """Load the expiry of the operator's live invitation link (batched per request)."""
        return await info.context.loaders.invitation_expires_at.load(self.id)

    @strawberry.field(
        description="Unused recovery codes left; 0 without a configured authenticator."
    )
    async def recovery_codes_remaining(self, info: Info) -> int:
        """Count the operator's unused recovery codes."""
        return await info.context.loaders.recovery_codes_remaining.load(self.id)

    @strawberry.field(
        graphql_type=EffectiveTwoFactorPolicy,
        description="The two-factor policy that applies to the operator now.",
    )
    def effective_two_factor_policy(
        self, info: Info
    ) -> EffectiveTwoFactorPolicy | Awaitable[EffectiveTwoFactorPolicy]:
        """Combine account default, override, SSO flag, state and grace period.

        Computed at once when the request already holds the account and the 2FA state (the
        viewer's, read with their session; a page's, read with the page), so that a list of
        operators does not schedule one coroutine per node; loaded in a batch otherwise.
        """
        loaders = info.context.loaders
        account = loaders.known_account(self.account_id)
        state = loaders.known_two_factor_state(self.id)
        if account is None or state is None:
            return self._load_policy(info)
        return self._policy(account, state, info)

    async def _load_policy(self, info: Info) -> EffectiveTwoFactorPolicy:
        """Load the account and 2FA state (batched per request), then compute the policy."""
        account = await info.context.loaders.account.load(self.account_id)
        state = await info.context.loaders.two_factor_state.load(self.id)
        return self._policy(account, state, info)

    def _policy(
        self, account: Account, state: TwoFactorState, info: Info
    ) -> EffectiveTwoFactorPolicy:
        context = info.context
        policy = policy_with(self, account, state, context.now())
        viewer = context.viewer
        own = viewer is not None and viewer.id == self.id
        return EffectiveTwoFactorPolicy.from_domain(policy, context.session if own else None)

    @strawberry.field(
        description="Until when the operator's logins or codes are refused after repeated "
        "failures: the later of their password and code locks, if locked; null when not "
        "locked. A password lock earned from one client address (an email and address pair) "
        "counts too, though it keeps out only that address. Administrators lift locks with "
        "unlockOperator."
    )
    async def locked_until(self, info: Info) -> datetime | None:
        """Return the end of the operator's latest running password or code lock."""
        return await info.context.loaders.load_locked_until(self.id, self.login_key)

    @strawberry.field(
        description="The operator's unexpired trusted devices, newest first (the operator "
        "themselves, an administrator of the account, or its API keys with READ_OPERATORS).",
        permission_classes=CALLERS,
    )
    async def trusted_devices(
        self, info: Info
    ) -> list[Annotated[TrustedDeviceNode, strawberry.lazy("schema.types.trusted_device")]]:
        """Return the operator's unexpired trusted devices."""
        from schema.types.trusted_device import TrustedDeviceNode

        if not info.context.reads_operator(self.id, self.account_id):
            raise forbidden()
        rows = await live_devices(self.id, info.context.now())
        return [TrustedDeviceNode.from_model(row) for row in rows]

    @strawberry.field(
        description="The operator's unexpired sessions, newest first (the operator themselves, "
        "an administrator of the account, or its API keys with READ_OPERATORS).",
        permission_classes=CALLERS,
    )
    async def sessions(
        self,
        info: Info,
        first: NewestFirstSize = None,
        after: OlderThan = None,
    ) -> Annotated[SessionConnection, strawberry.lazy("schema.types.session")]:
        """Return one page of the operator's unexpired sessions."""
        from schema.types.session import SessionConnection, SessionNode

        if not info.context.reads_operator(self.id, self.account_id):
            raise forbidden()
        window = Window.of(SESSION_CURSOR, first, after, None, None)
        rows, more = await live_sessions_page(
            self.id, info.context.now(), before_id=window.after_id, limit=window.limit
        )
        edges, page = newest_first_page(SESSION_CURSOR, window, rows, more, SessionNode.from_model)
        return SessionConnection(edges=edges, page_info=page)

    @strawberry.field(
        description="The operator's passkeys and security keys, oldest first (the operator "
        "themselves, an administrator of the account, or its API keys with READ_OPERATORS).",
        permission_classes=CALLERS,
    )
    async def passkeys(
        self, info: Info
    ) -> list[Annotated[PasskeyNode, strawberry.lazy("schema.types.passkey")]]:
        """Return the operator's passkeys."""
        from schema.types.passkey import PasskeyNode

        if not info.context.reads_operator(self.id, self.account_id):
            raise forbidden()
        found = await info.context.loaders.passkeys.load(self.id)
        return [PasskeyNode.from_model(passkey) for passkey in found]

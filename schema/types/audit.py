"""The audit log: ``AuditEvent`` nodes and their connection."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry import relay
from strawberry.scalars import JSON

from models import AuditEvent
from schema.context import Info
from schema.enums import AuditEventKind
from schema.types.api_key import ApiKeyNode
from schema.types.operator_ref import OperatorRef, readable_operator
from services import audit
from services.api_keys import visible_key


@strawberry.type(name="AuditEvent", description="A change or security event in an account.")
class AuditEventNode(relay.Node):
    """The GraphQL view of an audit log entry."""

    id: relay.NodeID[int]
    kind: AuditEventKind = strawberry.field(description="What happened.")
    occurred_at: datetime = strawberry.field(description="When it happened.")
    details: JSON = strawberry.field(
        description="Non-secret facts about the event, e.g. the old and new mode."
    )
    ip_address: str | None = strawberry.field(
        description="The address of the client whose request caused the event, if any."
    )
    user_agent: str | None = strawberry.field(
        description="The User-Agent of the client whose request caused the event, if any."
    )
    actor_id: strawberry.Private[int | None]
    target_id: strawberry.Private[int | None]
    api_key_id: strawberry.Private[int | None]

    @classmethod
    def from_model(cls, event: AuditEvent) -> AuditEventNode:
        """Build the GraphQL object from the stored event."""
        return cls(
            id=event.id,
            kind=AuditEventKind(event.kind),
            occurred_at=event.created_at,
            details=JSON(event.details),
            ip_address=event.ip_address,
            user_agent=event.user_agent,
            actor_id=event.actor_id,
            target_id=event.target_id,
            api_key_id=event.api_key_id,
        )

    @strawberry.field(
        description="Who acted; null for an anonymous caller or a removed operator, and for "
        "an API key without READ_OPERATORS."
    )
    async def actor(self, info: Info) -> OperatorRef | None:
        """Load the acting operator (batched per request)."""
        return await readable_operator(info, self.actor_id)

    @strawberry.field(
        description="The API key that acted (`actor` is then null); null when a person or "
        "nobody acted, and for API keys reading another key's events."
    )
    async def api_key(self, info: Info) -> ApiKeyNode | None:
        """Load the acting key, for its account's administrators or the key itself."""
        context = info.context
        if self.api_key_id is None:
            return None
        if context.api_key is not None:
            same = context.api_key.id == self.api_key_id
            return ApiKeyNode.from_model(context.api_key) if same else None
        viewer = context.viewer
        if viewer is None:
            return None
        key = await visible_key(viewer, self.api_key_id)
        return ApiKeyNode.from_model(key) if key is not None else None

    @strawberry.field(
        description="The operator the event is about, if any (null for an API key without "
        "READ_OPERATORS)."
    )
    async def target(self, info: Info) -> OperatorRef | None:
        """Load the operator the event concerns (batched per request)."""
        return await readable_operator(info, self.target_id)


@strawberry.type(name="AuditEventConnection", description="A page of audit events, newest first.")
class AuditEventConnection(relay.Connection[AuditEventNode]):
    """A Relay connection over audit events, with the total count of the filtered log."""

    account_id: strawberry.Private[int]
    where: strawberry.Private[audit.AuditFilter | None]

    @strawberry.field(description="How many events the whole filtered log has.")
    async def total_count(self) -> int:
        """Count the filtered log (one statement, run only when asked for)."""
        return await audit.count_events(self.account_id, self.where)


@strawberry.input(description="Conditions on the audit events to list; all must hold.")
class AuditEventFilter:
    """Filter of ``Account.auditEvents``."""

    kinds: list[AuditEventKind] | None = strawberry.field(
        default=None, description="Only events of these kinds."
    )
    actor_id: strawberry.ID | None = strawberry.field(
        default=None, description="Only events done by this operator."
    )
    target_id: strawberry.ID | None = strawberry.field(
        default=None, description="Only events about this operator."
    )
    since: datetime | None = strawberry.field(
        default=None, description="Only events at or after this instant."
    )
    until: datetime | None = strawberry.field(
        default=None, description="Only events before this instant."
    )

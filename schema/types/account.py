"""The ``Account`` type: its operators, audit log, compliance summary, keys and webhooks.

Those are for administrators of that account, and for its API keys that hold the scope
(READ_OPERATORS, READ_AUDIT_LOG; the keys themselves only for administrators); anyone else
gets the top-level FORBIDDEN.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated

import strawberry
from strawberry import relay

from models import Account
from schema.context import Info
from schema.enums import TwoFactorMode
from schema.errors import forbidden, invalid_argument
from schema.ids import decode_id
from schema.pagination import (
    NewestFirstSize,
    OlderThan,
    Window,
    newest_first_page,
    page_info,
)
from schema.permissions import ADMINISTRATORS, CALLERS
from schema.types.api_key import ApiKeyConnection, ApiKeyNode
from schema.types.audit import AuditEventConnection, AuditEventFilter, AuditEventNode
from schema.types.operator_list import (
    OPERATOR_CURSOR,
    OperatorConnection,
    OperatorFilter,
    operator_edges,
)
from schema.types.summary import TwoFactorSummary
from schema.types.webhook import WebhookEndpointConnection, WebhookEndpointNode
from services import api_keys, audit
from services.api_keys import ApiKeyScope
from services.operators import administers, directory
from services.policy import Deadlines
from services.webhooks.deliveries import endpoints_page

EVENT_CURSOR = "AuditEvent"
"""The type name in the cursors of an account's audit log."""
KEY_CURSOR = "ApiKey"
"""The type name in the cursors of an account's API keys."""
ENDPOINT_CURSOR = "WebhookEndpoint"
"""The type name in the cursors of an account's webhook endpoints."""


@strawberry.type(name="Account", description="A customer account and its two-factor default.")
class AccountNode(relay.Node):
    """The GraphQL view of an account."""

    id: relay.NodeID[int]
    name: str = strawberry.field(description="Display name of the account.")
    two_factor_default: TwoFactorMode = strawberry.field(
        description="Account-wide mode for operators without an override."
    )
    two_factor_grace_period_hours: int = strawberry.field(
        description="Hours an operator who becomes required may still log in with the "
        "password alone, from the moment they became required."
    )
    two_factor_enforce_from: datetime | None = strawberry.field(
        description="Scheduled enforcement: no operator's setup deadline falls before this "
        "instant (null: none scheduled)."
    )
    trusted_device_days: int = strawberry.field(
        description="Days a browser remembered at the second factor (rememberDevice) skips "
        "it at later logins; 0 (the default) turns trusted devices off."
    )

    @classmethod
    def from_model(cls, account: Account) -> AccountNode:
        """Build the GraphQL object from the stored account."""
        return cls(
            id=account.id,
            name=account.name,
            two_factor_default=account.two_factor_default,
            two_factor_grace_period_hours=account.two_factor_grace_period_hours,
            two_factor_enforce_from=account.two_factor_enforce_from,
            trusted_device_days=account.trusted_device_days,
        )

    def deadlines(self, now: datetime) -> Deadlines:
        """Return the account's setup-deadline rule at ``now``."""
        return Deadlines(
            period=timedelta(hours=self.two_factor_grace_period_hours),
            enforce_from=self.two_factor_enforce_from,
            now=now,
        )

    @strawberry.field(
        description="The account's operators in creation order, filtered by effective policy "
        "(administrators of this account, and its API keys with READ_OPERATORS). Page with "
        "first/after or last/before, 100 at most.",
        permission_classes=CALLERS,
    )
    async def operators(
        self,
        info: Info,
        first: Annotated[
            int | None, strawberry.argument(description="Page size from the start or `after`.")
        ] = None,
        after: Annotated[
            str | None, strawberry.argument(description="Cursor to continue after.")
        ] = None,
        last: Annotated[
            int | None, strawberry.argument(description="Page size from the end or `before`.")
        ] = None,
        before: Annotated[
            str | None, strawberry.argument(description="Cursor to continue before.")
        ] = None,
        filter: Annotated[
            OperatorFilter | None, strawberry.argument(description="Which operators to list.")
        ] = None,
    ) -> OperatorConnection:
        """Return one page of the account's operators (a fixed number of SQL statements)."""
        self._ensure_reads(info, ApiKeyScope.READ_OPERATORS)
        window = Window.of(OPERATOR_CURSOR, first, after, last, before)
        where = filter.to_domain() if filter is not None else None
        deadlines = self.deadlines(info.context.now())
        rows, more = await directory.operator_page(
            self.id,
            deadlines,
            where,
            after_id=window.after_id,
            before_id=window.before_id,
            limit=window.limit,
            from_end=window.from_end,
        )
        edges = operator_edges(info, rows)
        return OperatorConnection(
            edges=edges,
            page_info=page_info(
                edges,
                has_next_page=more if not window.from_end else window.before_id is not None,
                has_previous_page=more if window.from_end else window.after_id is not None,
            ),
            account_id=self.id,
            where=where,
            deadlines=deadlines,
        )

    @strawberry.field(
        description="The account's audit log, newest first (administrators of this account, "
        "and its API keys with READ_AUDIT_LOG).",
        permission_classes=CALLERS,
    )
    async def audit_events(
        self,
        info: Info,
        first: NewestFirstSize = None,
        after: OlderThan = None,
        filter: Annotated[
            AuditEventFilter | None, strawberry.argument(description="Which events to list.")
        ] = None,
    ) -> AuditEventConnection:
        """Return one page of the audit log."""
        self._ensure_reads(info, ApiKeyScope.READ_AUDIT_LOG)
        window = Window.of(EVENT_CURSOR, first, after, None, None)
        where = _audit_filter(filter)
        events, more = await audit.events_page(
            self.id, where, before_id=window.after_id, limit=window.limit
        )
        edges, page = newest_first_page(
            EVENT_CURSOR, window, events, more, AuditEventNode.from_model
        )
        return AuditEventConnection(edges=edges, page_info=page, account_id=self.id, where=where)

    @strawberry.field(
        description="Operators counted by effective mode and state, and how many still need to "
        "set up 2FA (administrators of this account, and its API keys with READ_OPERATORS).",
        permission_classes=CALLERS,
    )
    async def two_factor_summary(self, info: Info) -> TwoFactorSummary:
        """Count the account's operators by policy in one SQL statement."""
        self._ensure_reads(info, ApiKeyScope.READ_OPERATORS)
        counts = await directory.policy_counts(self.id, self.deadlines(info.context.now()))
        return TwoFactorSummary.from_counts(counts)

    @strawberry.field(
        description="The account's API keys, newest first, revoked and expired ones included "
        "(administrators of this account).",
        permission_classes=ADMINISTRATORS,
    )
    async def api_keys(
        self,
        info: Info,
        first: NewestFirstSize = None,
        after: OlderThan = None,
    ) -> ApiKeyConnection:
        """Return one page of the account's keys."""
        viewer = info.context.viewer
        if viewer is None or not administers(viewer, self.id):
            raise forbidden()
        window = Window.of(KEY_CURSOR, first, after, None, None)
        keys, more = await api_keys.keys_page(
            self.id, before_id=window.after_id, limit=window.limit
        )
        edges, page = newest_first_page(KEY_CURSOR, window, keys, more, ApiKeyNode.from_model)
        return ApiKeyConnection(edges=edges, page_info=page)

    @strawberry.field(
        description="The account's webhook endpoints, newest first (administrators of this "
        "account).",
        permission_classes=ADMINISTRATORS,
    )
    async def webhook_endpoints(
        self,
        info: Info,
        first: NewestFirstSize = None,
        after: OlderThan = None,
    ) -> WebhookEndpointConnection:
        """Return one page of the account's webhook endpoints."""
        viewer = info.context.viewer
        if viewer is None or not administers(viewer, self.id):
            raise forbidden()
        window = Window.of(ENDPOINT_CURSOR, first, after, None, None)
        rows, more = await endpoints_page(self.id, before_id=window.after_id, limit=window.limit)
        now = info.context.now()
        edges, page = newest_first_page(
            ENDPOINT_CURSOR,
            window,
            rows,
            more,
            lambda endpoint: WebhookEndpointNode.from_model(endpoint, now),
        )
        return WebhookEndpointConnection(edges=edges, page_info=page)

    def _ensure_reads(self, info: Info, scope: ApiKeyScope) -> None:
        """Raise FORBIDDEN unless the caller may read this part of this account."""
        if not info.context.reads(self.id, scope):
            raise forbidden()


def _audit_filter(value: AuditEventFilter | None) -> audit.AuditFilter | None:
    """Translate the GraphQL filter; an operator id that is malformed matches nothing."""
    if value is None:
        return None
    return audit.AuditFilter(
        kinds=tuple(value.kinds) if value.kinds is not None else None,
        actor_id=_operator_key(value.actor_id),
        target_id=_operator_key(value.target_id),
        since=_instant(value.since, "since"),
        until=_instant(value.until, "until"),
    )


def _instant(value: datetime | None, name: str) -> datetime | None:
    """Return ``value`` in UTC (a time without zone counts as UTC); refuse what has none."""
    if value is None:
        return None
    try:
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(UTC)
    except OverflowError as error:  # e.g. 0001-01-01T00:00+14:00 is before year 1 in UTC
        raise invalid_argument(f"{name} is out of range.") from error


def _operator_key(global_id: str | None) -> int | None:
    if global_id is None:
        return None
    return decode_id(global_id, "Operator") or 0  # 0 is no operator's id

"""The ``Account`` type: its operators, audit log and compliance summary."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry
from strawberry import relay

from models import Account, Operator
from schema.context import Info
from schema.enums import OperatorRole, TwoFactorMode, TwoFactorState
from schema.errors import forbidden
from schema.ids import decode_id
from schema.pagination import Window, encode_cursor
from schema.permissions import IsAdministrator, IsAuthenticated
from schema.types.audit import AuditEventConnection, AuditEventFilter, AuditEventNode
from schema.types.operator import OperatorNode
from schema.types.summary import TwoFactorSummary
from services import audit, directory

OPERATOR_CURSOR = "Operator"
EVENT_CURSOR = "AuditEvent"
ADMINISTRATORS = [IsAuthenticated, IsAdministrator]


@strawberry.input(description="Conditions on the operators to list; all must hold.")
class OperatorFilter:
    """Filter of ``Account.operators``."""

    mode: TwoFactorMode | None = strawberry.field(
        default=None, description="Only operators whose effective mode is this."
    )
    state: TwoFactorState | None = strawberry.field(
        default=None, description="Only operators in this two-factor state."
    )
    setup_required: bool | None = strawberry.field(
        default=None,
        description="true: only operators who still have to set up 2FA; false: only the others.",
    )
    role: OperatorRole | None = strawberry.field(default=None, description="Only this role.")

    def to_domain(self) -> directory.OperatorFilter:
        """Return the filter the directory service applies in SQL."""
        return directory.OperatorFilter(
            mode=self.mode, state=self.state, setup_required=self.setup_required, role=self.role
        )


@strawberry.type(name="OperatorConnection", description="A page of an account's operators.")
class OperatorConnection(relay.Connection[OperatorNode]):
    """A Relay connection over operators, with the total count of the filtered list."""

    account_id: strawberry.Private[int]
    where: strawberry.Private[directory.OperatorFilter | None]
    as_of: strawberry.Private[datetime]

    @strawberry.field(description="How many operators the whole filtered list has.")
    async def total_count(self) -> int:
        """Count the filtered list (one statement, run only when asked for)."""
        return await directory.count_operators(self.account_id, self.as_of, self.where)


@strawberry.type(name="Account", description="A customer account and its two-factor default.")
class AccountNode(relay.Node):
    """The GraphQL view of an account."""

    id: relay.NodeID[int]
    name: str = strawberry.field(description="Display name of the account.")
    two_factor_default: TwoFactorMode = strawberry.field(
        description="Account-wide mode for operators without an override."
    )

    @classmethod
    def from_model(cls, account: Account) -> AccountNode:
        """Build the GraphQL object from the stored account."""
        return cls(id=account.id, name=account.name, two_factor_default=account.two_factor_default)

    def _ensure_administrator_here(self, info: Info) -> None:
        viewer = info.context.viewer
        if viewer is None or viewer.account_id != self.id:
            raise forbidden()

    @strawberry.field(
        description="The account's operators in creation order, filtered by effective policy "
        "(administrators of this account). Page with first/after or last/before, 100 at most.",
        permission_classes=ADMINISTRATORS,
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
        self._ensure_administrator_here(info)
        window = Window.of(OPERATOR_CURSOR, first, after, last, before)
        where = filter.to_domain() if filter is not None else None
        now = info.context.now()
        rows, more = await directory.operator_page(
            self.id,
            now,
            where,
            after_id=window.after_id,
            before_id=window.before_id,
            limit=window.limit,
            from_end=window.from_end,
        )
        found = {op.id: op for op in await Operator.filter(id__in=[row.id for row in rows])}
        for row in rows:
            info.context.loaders.two_factor_state.prime(row.id, row.state)
        edges = [
            relay.Edge(
                cursor=encode_cursor(OPERATOR_CURSOR, row.id),
                node=OperatorNode.from_model(found[row.id]),
            )
            for row in rows
        ]
        return OperatorConnection(
            edges=edges,
            page_info=relay.PageInfo(
                has_next_page=more if not window.from_end else window.before_id is not None,
                has_previous_page=more if window.from_end else window.after_id is not None,
                start_cursor=edges[0].cursor if edges else None,
                end_cursor=edges[-1].cursor if edges else None,
            ),
            account_id=self.id,
            where=where,
            as_of=now,
        )

    @strawberry.field(
        description="The account's audit log, newest first (administrators of this account).",
        permission_classes=ADMINISTRATORS,
    )
    async def audit_events(
        self,
        info: Info,
        first: Annotated[
            int | None, strawberry.argument(description="Page size, 0 to 100.")
        ] = None,
        after: Annotated[
            str | None, strawberry.argument(description="Cursor to continue after (older).")
        ] = None,
        filter: Annotated[
            AuditEventFilter | None, strawberry.argument(description="Which events to list.")
        ] = None,
    ) -> AuditEventConnection:
        """Return one page of the audit log."""
        self._ensure_administrator_here(info)
        window = Window.of(EVENT_CURSOR, first, after, None, None)
        events, more = await audit.events_page(
            self.id, _audit_filter(filter), before_id=window.after_id, limit=window.limit
        )
        edges = [
            relay.Edge(cursor=encode_cursor(EVENT_CURSOR, e.id), node=AuditEventNode.from_model(e))
            for e in events
        ]
        return AuditEventConnection(
            edges=edges,
            page_info=relay.PageInfo(
                has_next_page=more,
                has_previous_page=window.after_id is not None,
                start_cursor=edges[0].cursor if edges else None,
                end_cursor=edges[-1].cursor if edges else None,
            ),
        )

    @strawberry.field(
        description="Operators counted by effective mode and state, and how many still need to "
        "set up 2FA (administrators of this account).",
        permission_classes=ADMINISTRATORS,
    )
    async def two_factor_summary(self, info: Info) -> TwoFactorSummary:
        """Count the account's operators by policy in one SQL statement."""
        self._ensure_administrator_here(info)
        return TwoFactorSummary.from_counts(
            await directory.policy_counts(self.id, info.context.now())
        )


def _audit_filter(value: AuditEventFilter | None) -> audit.AuditFilter | None:
    """Translate the GraphQL filter; an operator id that is malformed matches nothing."""
    if value is None:
        return None
    return audit.AuditFilter(
        kinds=tuple(value.kinds) if value.kinds is not None else None,
        actor_id=_operator_key(value.actor_id),
        target_id=_operator_key(value.target_id),
    )


def _operator_key(global_id: str | None) -> int | None:
    if global_id is None:
        return None
    return decode_id(global_id, "Operator") or 0  # 0 is no operator's id

"""``TwoFactorPolicyPreview``: what setting the account default would do, before doing it."""

from __future__ import annotations

from typing import Annotated

import strawberry

from schema.context import Info
from schema.pagination import decode_cursor, page_info, page_size
from schema.types.operator_list import OPERATOR_CURSOR, OperatorConnection, operator_edges
from services.policy import TwoFactorCompliance
from services.policy.preview import WOULD_BE_OVERDUE, Preview


@strawberry.type(
    description="What `setAccountTwoFactorDefault` with the same arguments would do if applied "
    "now: the operators counted by compliance, and those who would be OVERDUE at once (who "
    "could no longer log in with a password alone). Nothing is changed or sent."
)
class TwoFactorPolicyPreview:
    """The preview of an account default."""

    compliant: int = strawberry.field(description="Operators required and set up.")
    pending: int = strawberry.field(
        description="Operators who would be required without 2FA, before their deadline (or "
        "invited)."
    )
    overdue: int = strawberry.field(
        description="Operators who would be required without 2FA and past their deadline at once."
    )
    exempt: int = strawberry.field(description="Operators who sign in with single sign-on.")
    not_required: int = strawberry.field(description="Operators whose mode would not be REQUIRED.")
    preview: strawberry.Private[Preview]

    @classmethod
    async def of(cls, preview: Preview) -> TwoFactorPolicyPreview:
        """Count the operators under the previewed change (one statement)."""
        counts = (await preview.counts()).by_compliance
        return cls(
            compliant=counts.get(TwoFactorCompliance.COMPLIANT, 0),
            pending=counts.get(TwoFactorCompliance.PENDING, 0),
            overdue=counts.get(TwoFactorCompliance.OVERDUE, 0),
            exempt=counts.get(TwoFactorCompliance.EXEMPT, 0),
            not_required=counts.get(TwoFactorCompliance.NOT_REQUIRED, 0),
            preview=preview,
        )

    @strawberry.field(
        description="The operators who would be OVERDUE at once, in creation order (their "
        "`effectiveTwoFactorPolicy` shows them as they are now)."
    )
    async def would_be_overdue(
        self,
        info: Info,
        first: Annotated[
            int | None, strawberry.argument(description="Page size, 0 to 100 (default 50).")
        ] = None,
        after: Annotated[
            str | None, strawberry.argument(description="Cursor to continue after.")
        ] = None,
    ) -> OperatorConnection:
        """Return one page of the operators who would be overdue."""
        after_id = decode_cursor(OPERATOR_CURSOR, after)
        rows, more = await self.preview.would_be_overdue(
            after_id=after_id, limit=page_size(first, "first")
        )
        edges = operator_edges(info, rows)
        return OperatorConnection(
            edges=edges,
            page_info=page_info(edges, has_next_page=more, has_previous_page=after_id is not None),
            account_id=self.preview.account_id,
            where=WOULD_BE_OVERDUE,
            deadlines=self.preview.deadlines,
            hypothesis=self.preview.hypothesis,
        )

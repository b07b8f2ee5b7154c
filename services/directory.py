"""Lists and counts of an account's operators by effective policy, computed in SQL.

Statements are assembled from fixed SQL text and placeholders only; every value travels as
a bound parameter (hence the S608 exemptions below).

The effective mode and state are derived in one SQL expression (the same rules as
``services.policy``, which a test holds them to), so filtering, paging and the compliance
summary each cost one statement whatever the account's size.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tortoise.connection import get_connection

from models.enums import OperatorRole, TwoFactorMode
from services.policy import TwoFactorState, requires_setup

_POLICY_VIEW = """
SELECT o.id AS id, o.role AS role,
  CASE WHEN o.uses_single_sign_on THEN 'DISABLED'
       WHEN o.two_factor_override IS NOT NULL THEN o.two_factor_override
       ELSE a.two_factor_default END AS mode,
  CASE WHEN au.confirmed_at IS NOT NULL THEN 'CONFIGURED'
       WHEN au.pending_expires_at > {now} THEN 'PENDING'
       ELSE 'NOT_CONFIGURED' END AS state
FROM operators o
JOIN accounts a ON a.id = o.account_id
LEFT JOIN authenticators au ON au.operator_id = o.id
WHERE o.account_id = {account}
"""


@dataclass(frozen=True)
class OperatorFilter:
    """Conditions on the listed operators; None means any."""

    mode: TwoFactorMode | None = None
    state: TwoFactorState | None = None
    setup_required: bool | None = None
    role: OperatorRole | None = None


@dataclass(frozen=True)
class PolicyRow:
    """An operator's id with their effective mode and state."""

    id: int
    mode: TwoFactorMode
    state: TwoFactorState


class _Query:
    """Builds one parameterized statement in the dialect of the default connection."""

    def __init__(self) -> None:
        self.connection = get_connection("default")
        self.postgres = self.connection.capabilities.dialect == "postgres"
        self.values: list[Any] = []

    def param(self, value: Any) -> str:
        self.values.append(value)
        return f"${len(self.values)}" if self.postgres else "?"

    def view(self, account_id: int, now: datetime, where: OperatorFilter | None) -> str:
        sql = _POLICY_VIEW.format(now=self.param(now), account=self.param(account_id))
        conditions = ["1 = 1"]
        if where is not None:
            if where.mode is not None:
                conditions.append(f"mode = {self.param(where.mode.value)}")
            if where.state is not None:
                conditions.append(f"state = {self.param(where.state.value)}")
            if where.role is not None:
                conditions.append(f"role = {self.param(where.role.value)}")
            if where.setup_required is not None:
                required = self.setup_required_condition()
                conditions.append(required if where.setup_required else f"NOT {required}")
        return f"SELECT * FROM ({sql}) policy WHERE {' AND '.join(conditions)}"  # noqa: S608

    def setup_required_condition(self) -> str:
        """Return the SQL condition "must still set up 2FA", derived from ``requires_setup``.

        It lists the (mode, state) pairs the Python rule marks, so the two cannot disagree.
        """
        pairs = [
            f"(mode = {self.param(mode.value)} AND state = {self.param(state.value)})"
            for mode in TwoFactorMode
            for state in TwoFactorState
            if requires_setup(mode, state)
        ]
        return f"({' OR '.join(pairs)})"

    async def rows(self, sql: str) -> list[dict[str, Any]]:
        return await self.connection.execute_query_dict(sql, self.values)


async def operator_page(
    account_id: int,
    now: datetime,
    where: OperatorFilter | None,
    *,
    after_id: int | None = None,
    before_id: int | None = None,
    limit: int,
    from_end: bool = False,
) -> tuple[list[PolicyRow], bool]:
    """Return up to ``limit`` matching operators between the cursors, in id order.

    The flag says whether more match beyond the page: after it, or before it when
    ``from_end`` (paging backwards from the end).
    """
    query = _Query()
    sql = query.view(account_id, now, where)
    if after_id is not None:
        sql += f" AND id > {query.param(after_id)}"
    if before_id is not None:
        sql += f" AND id < {query.param(before_id)}"
    sql += f" ORDER BY id {'DESC' if from_end else 'ASC'} LIMIT {query.param(limit + 1)}"
    rows = await query.rows(sql)
    page = [
        PolicyRow(row["id"], TwoFactorMode(row["mode"]), TwoFactorState(row["state"]))
        for row in rows[:limit]
    ]
    if from_end:
        page.reverse()
    return page, len(rows) > limit


async def count_operators(account_id: int, now: datetime, where: OperatorFilter | None) -> int:
    """Return how many of the account's operators match ``where``."""
    query = _Query()
    sql = f"SELECT COUNT(*) AS n FROM ({query.view(account_id, now, where)}) v"  # noqa: S608
    rows = await query.rows(sql)
    return int(rows[0]["n"])


async def policy_counts(
    account_id: int, now: datetime
) -> dict[tuple[TwoFactorMode, TwoFactorState], int]:
    """Return how many operators have each (effective mode, state) pair, in one statement."""
    query = _Query()
    rows = await query.rows(
        f"SELECT mode, state, COUNT(*) AS n FROM ({query.view(account_id, now, None)}) v "  # noqa: S608
        "GROUP BY mode, state"
    )
    return {
        (TwoFactorMode(row["mode"]), TwoFactorState(row["state"])): int(row["n"]) for row in rows
    }

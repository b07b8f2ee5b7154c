"""Reading operators and their effective policy in bulk, with account scoping."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Protocol

from models import Account, Operator, OperatorRole, OperatorStatus, TwoFactorMode
from services.errors import Forbidden, not_found
from services.policy import (
    Deadlines,
    EffectivePolicy,
    Grace,
    TwoFactorState,
    effective_policy,
    two_factor_state,
)


def is_administrator(operator: Operator) -> bool:
    """Tell whether ``operator`` administers their account: the one place this is decided."""
    return operator.role is OperatorRole.ADMINISTRATOR


def administers(operator: Operator, account_id: int) -> bool:
    """Tell whether ``operator`` is an administrator of the account ``account_id``."""
    return is_administrator(operator) and operator.account_id == account_id


def require_administrator(actor: Operator) -> None:
    """Raise Forbidden unless ``actor`` administers their account."""
    if not is_administrator(actor):
        raise Forbidden("Only administrators may do this.")


async def operator_in_account(
    account_id: int, operator_id: int | None, field: tuple[str, ...], *, lock: bool = False
) -> Operator:
    """Return the operator with ``operator_id`` in the account, or raise NOT_FOUND.

    An id from another account, a malformed id (None) and a missing id all answer the same.
    With ``lock`` the operator's row is held until the transaction ends (call it inside one).
    """
    if operator_id is None:
        raise not_found(field)
    query = Operator.filter(id=operator_id, account_id=account_id)
    operator = await (query.select_for_update(no_key=True) if lock else query).first()
    if operator is None:
        raise not_found(field)
    return operator


async def states_by_operator(
    operator_ids: Iterable[int], now: datetime
) -> dict[int, TwoFactorState]:
    """Return the two-factor state of each operator, in one query."""
    ids = list(operator_ids)
    states = dict.fromkeys(ids, TwoFactorState.NOT_CONFIGURED)
    rows = await Operator.filter(id__in=ids).values(
        "id", "two_factor_configured_at", "authenticator__pending_expires_at"
    )
    for row in rows:
        states[row["id"]] = two_factor_state(
            configured_at=row["two_factor_configured_at"],
            pending_expires_at=row["authenticator__pending_expires_at"],
            now=now,
        )
    return states


async def operators_by_id(operator_ids: Iterable[int]) -> dict[int, Operator]:
    """Return the operators with the given ids, in one query (missing ids are left out)."""
    return {operator.id: operator for operator in await Operator.filter(id__in=list(operator_ids))}


async def accounts_by_id(account_ids: Iterable[int]) -> dict[int, Account]:
    """Return the accounts with the given ids, in one query."""
    return {account.id: account for account in await Account.filter(id__in=list(account_ids))}


async def policy_of(operator: Operator, now: datetime) -> EffectivePolicy:
    """Return the effective policy of one operator (two queries)."""
    policies = await policies_of([operator], now)
    return policies[operator.id]


async def policies_of(operators: Sequence[Operator], now: datetime) -> dict[int, EffectivePolicy]:
    """Return the effective policy of each operator, in two queries whatever their number."""
    accounts = await accounts_by_id({operator.account_id for operator in operators})
    states = await states_by_operator([operator.id for operator in operators], now)
    return {
        operator.id: policy_with(operator, accounts[operator.account_id], states[operator.id], now)
        for operator in operators
    }


class PolicyInputs(Protocol):
    """What an operator contributes to their effective policy (a model or its GraphQL node)."""

    @property
    def two_factor_override(self) -> TwoFactorMode | None:
        """The administrator's override, if any."""

    @property
    def uses_single_sign_on(self) -> bool:
        """Whether they sign in through single sign-on."""

    @property
    def two_factor_required_since(self) -> datetime | None:
        """When 2FA last became required for them (the grace period's start)."""

    @property
    def status(self) -> OperatorStatus:
        """Whether they are invited, active or deactivated."""


def policy_with(
    operator: PolicyInputs, account: Account, state: TwoFactorState, now: datetime
) -> EffectivePolicy:
    """Return the operator's effective policy from their account and 2FA state, loaded."""
    return effective_policy(
        account_default=account.two_factor_default,
        override=operator.two_factor_override,
        uses_single_sign_on=operator.uses_single_sign_on,
        state=state,
        grace=grace_of(operator.two_factor_required_since, account, now),
        invited=operator.status is OperatorStatus.INVITED,
    )


def deadlines_of(account: Account, now: datetime) -> Deadlines:
    """Return the account's setup-deadline rule as of ``now``."""
    return grace_of(None, account, now).deadlines


def grace_of(required_since: datetime | None, account: Account, now: datetime) -> Grace:
    """Return the facts of a grace period that runs from ``required_since``, as of ``now``."""
    return Grace(
        required_since=required_since,
        period=timedelta(hours=account.two_factor_grace_period_hours),
        now=now,
        enforce_from=account.two_factor_enforce_from,
    )


def may_read_operator(viewer: Operator, operator_id: int, account_id: int) -> bool:
    """Tell whether ``viewer`` may read an operator (``visible_operator``'s rule, loaded).

    Operators read themselves; administrators read every operator of their account.
    """
    return operator_id == viewer.id or administers(viewer, account_id)


async def visible_operator(viewer: Operator, operator_id: int) -> Operator | None:
    """Return the operator if ``viewer`` may read it, else None (exactly like a missing id).

    Operators read themselves; administrators read every operator of their account.
    """
    if operator_id == viewer.id:
        return await Operator.get_or_none(id=operator_id)
    if not is_administrator(viewer):
        return None
    return await Operator.get_or_none(id=operator_id, account_id=viewer.account_id)


async def visible_account(viewer: Operator, account_id: int) -> Account | None:
    """Return the account if it is the viewer's own, else None."""
    if account_id != viewer.account_id:
        return None
    return await Account.get_or_none(id=account_id)

"""What administrators do to their account's two-factor policy."""

from __future__ import annotations

from tortoise.transactions import in_transaction

from mail.messages import MailKind
from models import (
    Account,
    Authenticator,
    OneTimeToken,
    Operator,
    RecoveryCode,
    TokenPurpose,
    TwoFactorMode,
)
from services import audit, sessions
from services.audit import AuditEventKind
from services.dependencies import Dependencies
from services.notifications import notify
from services.operators import operator_in_account, require_administrator

OPERATOR_ID_FIELD = ("input", "operatorId")


async def set_account_default(deps: Dependencies, actor: Operator, mode: TwoFactorMode) -> Account:
    """Set the actor's account-wide two-factor default and log the change."""
    require_administrator(actor)
    now = deps.now()
    async with in_transaction():
        account = await Account.filter(id=actor.account_id).select_for_update().get()
        previous = account.two_factor_default
        account.two_factor_default = mode
        await account.save(update_fields=["two_factor_default"])
        await audit.record(
            AuditEventKind.ACCOUNT_DEFAULT_CHANGED,
            account_id=account.id,
            actor_id=actor.id,
            now=now,
            details={"from": previous.value, "to": mode.value},
        )
    return account


async def set_override(
    deps: Dependencies, actor: Operator, operator_id: int | None, mode: TwoFactorMode | None
) -> Operator:
    """Set (``mode``) or clear (None) an operator's override, within the actor's account."""
    require_administrator(actor)
    now = deps.now()
    async with in_transaction():
        operator = await operator_in_account(actor, operator_id, OPERATOR_ID_FIELD)
        previous = operator.two_factor_override
        operator.two_factor_override = mode
        await operator.save(update_fields=["two_factor_override"])
        await audit.record(
            AuditEventKind.OVERRIDE_SET if mode is not None else AuditEventKind.OVERRIDE_CLEARED,
            account_id=actor.account_id,
            actor_id=actor.id,
            target_id=operator.id,
            now=now,
            details={
                "from": previous.value if previous else None,
                "to": mode.value if mode else None,
            },
        )
    return operator


async def reset_two_factor(
    deps: Dependencies, actor: Operator, operator_id: int | None
) -> Operator:
    """Delete an operator's authenticator, pending enrollment and recovery codes.

    Their sessions, login challenges and setup links end too. Under REQUIRED, their next
    login sends the setup email again.
    """
    require_administrator(actor)
    now = deps.now()
    async with in_transaction():
        operator = await operator_in_account(actor, operator_id, OPERATOR_ID_FIELD)
        await Authenticator.filter(operator_id=operator.id).delete()
        await RecoveryCode.filter(operator_id=operator.id).delete()
        await OneTimeToken.filter(
            operator_id=operator.id, purpose__not=TokenPurpose.INVITATION
        ).delete()
        await sessions.revoke_operator_sessions(operator.id)
        await audit.record(
            AuditEventKind.TWO_FACTOR_RESET,
            account_id=actor.account_id,
            actor_id=actor.id,
            target_id=operator.id,
            now=now,
        )
        await notify(deps, MailKind.TWO_FACTOR_RESET, operator, now, admin_name=actor.name)
    return operator

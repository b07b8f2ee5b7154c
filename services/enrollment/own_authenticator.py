"""What operators do to their own configured authenticator: disable it, renew recovery codes."""

from __future__ import annotations

from datetime import datetime

from tortoise.transactions import in_transaction

from mail.messages import MailKind
from models import (
    Authenticator,
    Operator,
    Passkey,
    PasskeyChallenge,
    RecoveryCode,
    Session,
    TwoFactorMode,
)
from services import audit, sessions
from services.actors import hold_actor
from services.audit import AuditEventKind
from services.auth import recovery_codes, second_factor, trusted_devices
from services.errors import DomainError, ErrorCode
from services.machinery.dependencies import Dependencies
from services.notifications import notify
from services.operators import policy_of
from services.policy import TwoFactorState
from services.sessions import AuthenticationMethod
from services.sessions.reauthentication import ensure_recent_authentication


async def _ensure_configured(operator: Operator, now: datetime) -> TwoFactorMode:
    policy = await policy_of(operator, now)
    if policy.state is not TwoFactorState.CONFIGURED:
        raise DomainError(
            ErrorCode.NOT_CONFIGURED, "Two-factor authentication is not set up for you."
        )
    return policy.mode


async def disable(deps: Dependencies, operator: Operator, session: Session, code: str) -> Operator:
    """Remove the operator's authenticator, passkeys and recovery codes, proven with a code.

    Allowed only when their mode is OPTIONAL: under REQUIRED they would have to set it up
    again at once, and under DISABLED it is not asked for anyway.
    """
    ensure_recent_authentication(deps, session)
    now = deps.now()
    mode = await _ensure_configured(operator, now)
    if mode is not TwoFactorMode.OPTIONAL:
        raise DomainError(
            ErrorCode.NOT_ALLOWED_BY_POLICY,
            "Your account's policy does not let you turn off two-factor authentication.",
        )

    async def remove(_: AuthenticationMethod) -> None:
        await hold_actor(operator, session, now)
        await Authenticator.filter(operator_id=operator.id).delete()
        await Passkey.filter(operator_id=operator.id).delete()
        await PasskeyChallenge.filter(operator_id=operator.id).delete()
        await RecoveryCode.filter(operator_id=operator.id).delete()
        await Operator.filter(id=operator.id).update(two_factor_configured_at=None)
        operator.two_factor_configured_at = None
        await sessions.drop_second_factors(operator.id)
        await trusted_devices.forget_all(operator.id, trusted_devices.DISABLED, now)
        await audit.record_own(AuditEventKind.TWO_FACTOR_DISABLED, operator, now)
        await notify(deps, MailKind.TWO_FACTOR_DISABLED, operator, now)

    await second_factor.check(deps, operator, code, now, then=remove)
    return operator


async def regenerate_recovery_codes(
    deps: Dependencies, operator: Operator, session: Session, code: str
) -> list[str]:
    """Replace the operator's recovery codes with ten new ones, proven with a current code."""
    ensure_recent_authentication(deps, session)
    now = deps.now()
    await _ensure_configured(operator, now)
    await second_factor.check(deps, operator, code, now, then=second_factor.accepted)
    codes, hashes = await recovery_codes.generate(deps.box)
    async with in_transaction():
        await hold_actor(operator, session, now)
        await recovery_codes.store(operator.id, hashes)
        await audit.record_own(AuditEventKind.RECOVERY_CODES_REGENERATED, operator, now)
    return codes

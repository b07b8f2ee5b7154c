"""Removing one of the operator's own passkeys."""

from __future__ import annotations

from tortoise.transactions import in_transaction

from mail.messages import MailKind
from models import Authenticator, Operator, Passkey, RecoveryCode, Session, TwoFactorMode
from services import audit, sessions
from services.actors import hold_actor
from services.audit import AuditEventKind
from services.auth import trusted_devices
from services.enrollment.beside_passkeys import PROVEN_FACTORS
from services.enrollment.replacement import by_pass
from services.errors import DomainError, ErrorCode, not_found
from services.machinery.dependencies import Dependencies
from services.notifications import notify
from services.operators import policy_of
from services.sessions.reauthentication import ensure_recent_authentication

PASSKEY_ID_FIELD = ("input", "passkeyId")


async def remove(
    deps: Dependencies, operator: Operator, session: Session, passkey_id: int | None
) -> Operator:
    """Remove one of the operator's passkeys; return the operator as they are now.

    Another operator's passkey is NOT_FOUND, as a missing one is. The operator's other
    sessions end (a lost key's sessions must not outlive it). When it is their last factor
    (no TOTP authenticator, no other passkey) this turns two-factor authentication off, as
    ``disableTwoFactor`` does (their trusted devices are forgotten too), and so is allowed
    only when their mode is OPTIONAL, and only from a session that proved a second factor
    itself (not a temporary access pass, which is never for turning 2FA off): where
    ``disableTwoFactor`` asks for a code, this asks for a session that gave one. Any removal
    needs a session that proved a second factor: a password-only session (from a time when
    2FA was not asked) removes nothing.
    """
    ensure_recent_authentication(deps, session)
    now = deps.now()
    async with in_transaction():
        me = await hold_actor(operator, session, now)
        passkey = None
        if passkey_id is not None:
            passkey = await Passkey.get_or_none(id=passkey_id, operator_id=me.id)
        if passkey is None:
            raise not_found(PASSKEY_ID_FIELD)
        last = not (
            await Authenticator.exists(operator_id=me.id, confirmed_at__isnull=False)
            or await Passkey.filter(operator_id=me.id).exclude(id=passkey.id).exists()
        )
        if PROVEN_FACTORS.isdisjoint(session.authentication_methods) or (last and by_pass(session)):
            raise DomainError(
                ErrorCode.REAUTHENTICATION_REQUIRED,
                "For this, confirm it is you with your second factor again.",
            )
        if last and (await policy_of(me, now)).mode is not TwoFactorMode.OPTIONAL:
            raise DomainError(
                ErrorCode.NOT_ALLOWED_BY_POLICY,
                "This is your last second factor, and your account's policy does not let you "
                "turn off two-factor authentication. Add another one first.",
                field=PASSKEY_ID_FIELD,
            )
        await Passkey.filter(id=passkey.id).delete()
        await sessions.revoke_operator_sessions(me.id, keep_session_id=session.id)
        await audit.record_own(
            AuditEventKind.PASSKEY_REMOVED, me, now, details={"name": passkey.name}
        )
        if last:
            await RecoveryCode.filter(operator_id=me.id).delete()
            await Operator.filter(id=me.id).update(two_factor_configured_at=None)
            me.two_factor_configured_at = None
            await sessions.drop_second_factors(me.id)
            await trusted_devices.forget_all(me.id, trusted_devices.DISABLED, now)
            await audit.record_own(AuditEventKind.TWO_FACTOR_DISABLED, me, now)
            await notify(deps, MailKind.TWO_FACTOR_DISABLED, me, now)
    return me

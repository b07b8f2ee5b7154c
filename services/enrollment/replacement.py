"""Replacing a lost authenticator from a temporary access pass session.

An operator who lost their phone gets a temporary access pass from an administrator and
logs in with it. That session counts as a recent second factor: it may start and confirm a
TOTP enrollment without the emailed setup link, under any mode, even with a factor still
set up. Starting one from such a session replaces what the lost phone held, in the start's
transaction: the confirmed authenticator and its recovery codes are deleted, the operator's
other sessions end and their trusted devices are forgotten (the phone may be one), and the
operator counts as not configured until they confirm, unless a passkey remains (then two-
factor authentication is off: audited and emailed as turning it off is). Confirming then
stores the new authenticator with ten fresh recovery codes, as any confirmation does.

The pass's power lasts until a factor is set up in its session: confirming an authenticator
or registering a passkey there spends it (``spend_pass``), so the session cannot remove the
new factor again without a code.
"""

from __future__ import annotations

from datetime import datetime

from mail.messages import MailKind
from models import Authenticator, Operator, Passkey, RecoveryCode, Session
from services import audit, sessions
from services.audit import AuditEventKind
from services.auth import trusted_devices
from services.machinery.dependencies import Dependencies
from services.notifications import notify
from services.sessions import AuthenticationMethod


def by_pass(proof: object) -> bool:
    """Tell whether ``proof`` is a session established with a temporary access pass."""
    return (
        isinstance(proof, Session)
        and AuthenticationMethod.TEMPORARY_ACCESS_PASS.value in proof.authentication_methods
    )


async def spend_pass(session: Session) -> None:
    """Strip the temporary access pass from the session's methods: a factor was set up in it.

    Call it in the transaction that stores the factor, after recording the factor's method
    in the session; nothing happens to a session that was not established with a pass.
    """
    if not by_pass(session):
        return
    kept = [
        method
        for method in session.authentication_methods
        if method != AuthenticationMethod.TEMPORARY_ACCESS_PASS.value
    ]
    await Session.filter(id=session.id).update(authentication_methods=kept)
    session.authentication_methods = kept


async def replace_lost_authenticator(
    deps: Dependencies, operator: Operator, session: Session, now: datetime
) -> bool:
    """Remove the operator's confirmed authenticator for a new one; tell whether one was.

    Call it in the start's transaction, holding the operator's row, for a pass session only.
    Nothing happens when the operator has no confirmed authenticator. When no passkey
    remains, two-factor authentication is off until the new one is confirmed: that is
    recorded as TWO_FACTOR_DISABLED and the operator is emailed, as turning it off is.
    """
    removed = await Authenticator.filter(
        operator_id=operator.id, confirmed_at__isnull=False
    ).delete()
    if not removed:
        return False
    if not await Passkey.exists(operator_id=operator.id):
        # No factor is left: the recovery codes go with the last one (confirming the new
        # authenticator issues new ones). Beside a passkey they stay: they belong to it too.
        await RecoveryCode.filter(operator_id=operator.id).delete()
        await Operator.filter(id=operator.id).update(two_factor_configured_at=None)
        operator.two_factor_configured_at = None
        await audit.record_own(
            AuditEventKind.TWO_FACTOR_DISABLED,
            operator,
            now,
            details={"replacedFromTemporaryAccessPass": True},
        )
        await notify(deps, MailKind.TWO_FACTOR_DISABLED, operator, now)
    await sessions.revoke_operator_sessions(operator.id, keep_session_id=session.id)
    await trusted_devices.forget_all(
        operator.id, trusted_devices.ForgetReason.AUTHENTICATOR_REPLACED, now
    )
    return True

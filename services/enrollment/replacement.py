"""Replacing a lost authenticator from a temporary access pass session.

An operator who lost their phone gets a temporary access pass from an administrator and
logs in with it. That session counts as a recent second factor: it may start and confirm a
TOTP enrollment without the emailed setup link, under any mode, even with a factor still
set up. Starting one from such a session replaces what the lost phone held, in the start's
transaction: the confirmed authenticator and its recovery codes are deleted, the operator's
other sessions end and their trusted devices are forgotten (the phone may be one), and the
operator counts as not configured until they confirm, unless a passkey remains. Confirming
then stores the new authenticator with ten fresh recovery codes, as any confirmation does.
"""

from __future__ import annotations

from datetime import datetime

from models import Authenticator, Operator, Passkey, RecoveryCode, Session
from services import sessions
from services.auth import trusted_devices
from services.sessions import AuthenticationMethod


def by_pass(proof: object) -> bool:
    """Tell whether ``proof`` is a session established with a temporary access pass."""
    return (
        isinstance(proof, Session)
        and AuthenticationMethod.TEMPORARY_ACCESS_PASS.value in proof.authentication_methods
    )


async def replace_lost_authenticator(operator: Operator, session: Session, now: datetime) -> bool:
    """Remove the operator's confirmed authenticator for a new one; tell whether one was.

    Call it in the start's transaction, holding the operator's row, for a pass session only.
    Nothing happens when the operator has no confirmed authenticator.
    """
    removed = await Authenticator.filter(
        operator_id=operator.id, confirmed_at__isnull=False
    ).delete()
    if not removed:
        return False
    await RecoveryCode.filter(operator_id=operator.id).delete()
    if not await Passkey.exists(operator_id=operator.id):
        await Operator.filter(id=operator.id).update(two_factor_configured_at=None)
        operator.two_factor_configured_at = None
    await sessions.revoke_operator_sessions(operator.id, keep_session_id=session.id)
    await trusted_devices.forget_all(
        operator.id, trusted_devices.ForgetReason.AUTHENTICATOR_REPLACED, now
    )
    return True

"""Which second factors an operator can use at the code step of a login."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from models import Authenticator, OneTimeToken, Passkey, RecoveryCode, TokenPurpose


class SecondFactorMethod(StrEnum):
    """A kind of second factor a login's code step accepts."""

    TOTP = "TOTP"
    PASSKEY = "PASSKEY"
    RECOVERY_CODE = "RECOVERY_CODE"
    TEMPORARY_ACCESS_PASS = "TEMPORARY_ACCESS_PASS"  # noqa: S105 (a method name, not a secret)


async def available_second_factors(operator_id: int, now: datetime) -> list[SecondFactorMethod]:
    """Return the second factors the operator has now, in a stable order.

    Told only to a client that gave the right password: it names kinds of factor, never
    which passkeys or how many codes are left.
    """
    found: list[SecondFactorMethod] = []
    if await Authenticator.exists(operator_id=operator_id, confirmed_at__isnull=False):
        found.append(SecondFactorMethod.TOTP)
    if await Passkey.exists(operator_id=operator_id):
        found.append(SecondFactorMethod.PASSKEY)
    if await RecoveryCode.exists(operator_id=operator_id, used_at__isnull=True):
        found.append(SecondFactorMethod.RECOVERY_CODE)
    if await OneTimeToken.exists(
        operator_id=operator_id, purpose=TokenPurpose.TEMPORARY_ACCESS_PASS, expires_at__gt=now
    ):
        found.append(SecondFactorMethod.TEMPORARY_ACCESS_PASS)
    return found

"""The account's trusted-device setting: how many days a remembered browser skips the code.

A part of the account's two-factor policy, changed as ``setAccountTwoFactorDefault`` is: by
administrators with a recent authentication, or by API keys with MANAGE_TWO_FACTOR_POLICY
(a key may already turn two-factor authentication off altogether, which weakens it more).
"""

from __future__ import annotations

from tortoise.transactions import in_transaction

from models import Account
from services.acting import Acting, begin_administration, hold_administration
from services.audit import AuditEventKind
from services.auth.trusted_devices import MAX_TRUSTED_DEVICE_DAYS, apply_days
from services.errors import DomainError, ErrorCode
from services.machinery.dependencies import Dependencies
from services.policy.changes import SCOPE

DAYS_FIELD = ("input", "days")


async def set_trusted_device_days(deps: Dependencies, acting: Acting, days: int) -> Account:
    """Set ``trusted_device_days`` (0 to 30; 0 turns trusted devices off); audit the change.

    In the same transaction, holding the account: 0 forgets every device of the account;
    fewer days shorten existing devices to their creation plus the new days; more days
    apply to devices remembered from now on only. Setting the current value changes and
    records nothing.
    """
    begin_administration(deps, acting, SCOPE)
    if not 0 <= days <= MAX_TRUSTED_DEVICE_DAYS:
        raise DomainError(
            ErrorCode.INVALID_INPUT,
            f"Trusted devices are remembered 0 (off) to {MAX_TRUSTED_DEVICE_DAYS} days.",
            field=DAYS_FIELD,
        )
    now = deps.now()
    async with in_transaction():
        held = await hold_administration(acting, SCOPE, now)
        account = held.account
        previous = account.trusted_device_days
        if previous == days:
            return account
        account.trusted_device_days = days
        await account.save(update_fields=["trusted_device_days"])
        await held.record(
            AuditEventKind.TRUSTED_DEVICE_DAYS_CHANGED,
            now=now,
            details={"from": previous, "to": days},
        )
        if days < previous:
            await apply_days(account.id, days, now)
    return account

"""Trusted devices: a browser remembered at the second factor skips it at later logins.

A device token is random, stored as its SHA-256 hash, bound to one operator, and valid for
the account's ``trusted_device_days`` from when it was remembered. It stands for a second
factor only: the password is always asked for. Every device of an operator is forgotten,
in the change's transaction, when what vouched for it changes: a new password (changed or
reset), their two-factor setup reset or turned off, their deactivation, and the account
turning the setting off.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum
from typing import cast

from tortoise.transactions import in_transaction

from models import Account, Operator, Session, TrustedDevice
from services import audit
from services.actors import hold_actor
from services.audit import AuditEventKind
from services.errors import not_found
from services.machinery.client import current_client
from services.machinery.dependencies import Dependencies
from services.machinery.tokens import hash_token, new_token
from services.operators import may_read_operator
from services.sessions.reauthentication import ensure_recent_authentication
from services.webhooks import events

MAX_TRUSTED_DEVICE_DAYS = 30
"""The longest an account may let a remembered browser skip the second factor."""
DEVICE_ID_FIELD = ("input", "trustedDeviceId")


class ForgetReason(StrEnum):
    """Why devices of an operator were forgotten (the audit event's ``reason``)."""

    PASSWORD_CHANGED = "password_changed"  # noqa: S105 (a reason, not a secret)
    PASSWORD_RESET = "password_reset"  # noqa: S105 (a reason, not a secret)
    TWO_FACTOR_RESET = "two_factor_reset"
    TWO_FACTOR_DISABLED = "two_factor_disabled"
    DEACTIVATED = "deactivated"
    SETTING_OFF = "setting_off"
    AUTHENTICATOR_REPLACED = "authenticator_replaced"
    FORGOTTEN = "forgotten"
    """One device, by ``forgetTrustedDevice``."""


DISABLED = ForgetReason.TWO_FACTOR_DISABLED
"""Why turning 2FA off forgets the devices (a short name for that change's one call)."""


async def remember(operator: Operator, now: datetime) -> str | None:
    """Remember the requesting browser for the operator; return its device token once.

    None when the operator's account has trusted devices off (0 days). Call it in the
    transaction that accepts the second factor, so that a refused factor remembers nothing.
    """
    days = cast(
        int | None,
        await Account.filter(id=operator.account_id)
        .first()
        .values_list("trusted_device_days", flat=True),
    )
    if not days:
        return None
    client = current_client()
    token = new_token()
    expires_at = now + timedelta(days=days)
    device = await TrustedDevice.create(
        operator_id=operator.id,
        token_hash=hash_token(token),
        ip_address=client.ip_address,
        user_agent=client.user_agent,
        created_at=now,
        expires_at=expires_at,
    )
    await audit.record_own(
        AuditEventKind.TRUSTED_DEVICE_REMEMBERED,
        operator,
        now,
        details={
            "expiresAt": expires_at.isoformat(),
            "trustedDeviceId": events.global_id("TrustedDevice", device.id),
        },
    )
    return token


async def vouches_for(operator: Operator, token: str | None, now: datetime) -> int | None:
    """Return the id of the live trusted device ``token`` stands for, marked used; else None.

    Found by its hash (an equality lookup on a SHA-256 of a random token: nothing to learn
    from timing), bound to this operator, unexpired, remembered within the account's current
    number of days, and only while the account has the setting on. Anything else is None,
    whatever the reason: a login then asks for the second factor as if no token was given.
    Call it in the transaction that issues the session, holding the operator's row, so that
    a forget in progress is waited for.
    """
    if not token:
        return None
    days = cast(
        int | None,
        await Account.filter(id=operator.account_id)
        .first()
        .values_list("trusted_device_days", flat=True),
    )
    if not days:
        return None
    live = TrustedDevice.filter(
        token_hash=hash_token(token),
        operator_id=operator.id,
        expires_at__gt=now,
        # The current setting caps every device, also one whose login read a longer
        # setting just before it was lowered (its expiry was not shortened then).
        created_at__gt=now - timedelta(days=days),
    )
    device_id = cast(int | None, await live.first().values_list("id", flat=True))
    if device_id is None or await TrustedDevice.filter(id=device_id).update(last_used_at=now) != 1:
        return None
    return device_id


async def live_devices(operator_id: int, now: datetime) -> list[TrustedDevice]:
    """Return the operator's unexpired trusted devices, newest first."""
    return (
        await TrustedDevice.filter(operator_id=operator_id, expires_at__gt=now)
        .order_by("-created_at", "-id")
        .all()
    )


async def forget(
    deps: Dependencies, actor: Operator, current: Session, device_id: int | None
) -> None:
    """Forget one trusted device the actor may see (``revokeSession``'s rule).

    Operators forget their own devices, administrators any of their account's operators';
    another's, another account's, an expired or a missing one answer NOT_FOUND alike.
    Needs a recent authentication, so that a stolen session cannot shut its owner out.
    """
    ensure_recent_authentication(deps, current)
    now = deps.now()
    async with in_transaction():
        me = await hold_actor(actor, current, now)
        device = None
        if device_id is not None:
            device = await TrustedDevice.get_or_none(
                id=device_id, expires_at__gt=now
            ).select_related("operator")
        if device is None or not may_read_operator(
            me, device.operator_id, device.operator.account_id
        ):
            raise not_found(DEVICE_ID_FIELD)
        await _forget_devices([device.id])
        await audit.record(
            AuditEventKind.TRUSTED_DEVICES_FORGOTTEN,
            account_id=me.account_id,
            actor_id=me.id,
            target_id=device.operator_id,
            now=now,
            details={"count": 1, "reason": ForgetReason.FORGOTTEN.value},
        )


async def _forget_devices(device_ids: list[int]) -> int:
    """Delete the devices and end the sessions they opened; return how many devices went.

    The sessions would go with them anyway (their foreign key cascades); deleting them first
    keeps the count the devices' alone on every database.
    """
    if not device_ids:
        return 0
    await Session.filter(trusted_device_id__in=device_ids).delete()
    return await TrustedDevice.filter(id__in=device_ids).delete()


async def forget_all(operator_id: int, reason: ForgetReason, now: datetime) -> int:
    """Forget every device of the operator; audit it when there were any. Return how many.

    Call it inside the transaction of the change that voids them, after taking the
    operator's row.
    """
    device_ids = cast(
        list[int], await TrustedDevice.filter(operator_id=operator_id).values_list("id", flat=True)
    )
    forgotten = await _forget_devices(device_ids)
    if forgotten:
        operator = await Operator.get(id=operator_id)
        await audit.record(
            AuditEventKind.TRUSTED_DEVICES_FORGOTTEN,
            account_id=operator.account_id,
            target_id=operator_id,
            now=now,
            details={"count": forgotten, "reason": reason.value},
        )
    return forgotten


async def apply_days(account_id: int, days: int, now: datetime) -> None:
    """Bring the account's devices in line with a new setting, inside its transaction.

    0 forgets every device of the account (each operator's, audited per operator). A lower
    number shortens each device to its creation plus the new days (so one older than that
    ends now); a higher number leaves them as remembered: only devices remembered from now
    on get the longer time.
    """
    operator_ids = await Operator.filter(account_id=account_id).values_list("id", flat=True)
    if days == 0:
        for operator_id in cast(list[int], operator_ids):
            await forget_all(operator_id, ForgetReason.SETTING_OFF, now)
        return
    for device in await TrustedDevice.filter(operator_id__in=operator_ids, expires_at__gt=now):
        shortened = device.created_at + timedelta(days=days)
        if shortened < device.expires_at:
            await TrustedDevice.filter(id=device.id).update(expires_at=max(shortened, now))

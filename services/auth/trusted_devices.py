"""Trusted devices: a browser remembered at the second factor skips it at later logins.

A device token is random, stored as its SHA-256 hash, bound to one operator, and valid for
the account's ``trusted_device_days`` from when it was remembered. It stands for a second
factor only: the password is always asked for.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import cast

from models import Account, Operator, TrustedDevice
from services import audit
from services.audit import AuditEventKind
from services.machinery.client import current_client
from services.machinery.tokens import hash_token, new_token

MAX_TRUSTED_DEVICE_DAYS = 30
"""The longest an account may let a remembered browser skip the second factor."""


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
    await TrustedDevice.create(
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
        details={"expiresAt": expires_at.isoformat()},
    )
    return token

"""Checking a second factor (TOTP or recovery code), with every attempt counted."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from enum import StrEnum
from typing import TypeVar

from tortoise.transactions import in_transaction

from mail.messages import MailKind
from mail.outbox import Outbox
from models import Authenticator, Operator
from services import audit, recovery_codes, throttle, totp
from services.audit import AuditEventKind
from services.encryption import SecretBox
from services.errors import DomainError, ErrorCode
from services.notifications import notify
from services.passwords import PasswordHasher

T = TypeVar("T")
CODE_FIELD = ("input", "code")


class Method(StrEnum):
    """Which kind of second factor was accepted."""

    TOTP = "totp"
    RECOVERY_CODE = "recovery_code"


def invalid_code() -> DomainError:
    """Return the error for a code that is wrong or outside the accepted window."""
    return DomainError(ErrorCode.INVALID_CODE, "The code is not correct.", field=CODE_FIELD)


def code_already_used() -> DomainError:
    """Return the error for a code of a time step that was already used."""
    return DomainError(
        ErrorCode.CODE_ALREADY_USED,
        "This code was already used. Wait for the next code from your app.",
        field=CODE_FIELD,
    )


async def counted_attempt(
    operator: Operator, now: datetime, verify: Callable[[], Awaitable[T]]
) -> T:
    """Run one code attempt for ``operator`` under the throttle, and audit a rejection.

    The attempt is counted before ``verify`` runs; a DomainError from it is recorded as a
    rejected code (and as a lockout when this failure set the lock) and re-raised.
    """
    key = throttle.code_key(operator.id)
    lock_if_failed = await throttle.begin_attempt(key, now)
    try:
        result = await verify()
    except DomainError as error:
        await audit.record(
            AuditEventKind.CODE_REJECTED,
            account_id=operator.account_id,
            target_id=operator.id,
            now=now,
            details={"reason": error.code.value},
        )
        if lock_if_failed is not None:
            await audit.record(
                AuditEventKind.LOCKED_OUT,
                account_id=operator.account_id,
                target_id=operator.id,
                now=now,
                details={"factor": "code", "lockedUntil": lock_if_failed.isoformat()},
            )
        raise
    await throttle.succeeded(key)
    return result


async def check(
    operator: Operator,
    code: str,
    *,
    box: SecretBox,
    hasher: PasswordHasher,
    outbox: Outbox,
    now: datetime,
) -> Method:
    """Accept ``code`` as the operator's second factor, or raise (the attempt is counted).

    A six-digit code is checked against the configured authenticator (±1 step, later than
    the last accepted step, recorded with a compare-and-set); anything else is tried as a
    recovery code.
    """
    code = code.strip().replace(" ", "")

    async def verify() -> Method:
        authenticator = await Authenticator.get_or_none(
            operator_id=operator.id, confirmed_at__isnull=False
        )
        if authenticator is None:
            raise invalid_code()
        if totp.looks_like_totp(code):
            try:
                await accept_totp(authenticator, code, box=box, now=now)
            except DomainError as error:
                if error.code is ErrorCode.CODE_ALREADY_USED:
                    await notify(MailKind.REUSED_CODE_REFUSED, operator, outbox=outbox, now=now)
                raise
            return Method.TOTP
        if await recovery_codes.redeem(operator.id, code, hasher=hasher, now=now):
            await _recovery_code_used(operator, outbox, now)
            return Method.RECOVERY_CODE
        raise invalid_code()

    return await counted_attempt(operator, now, verify)


async def accept_totp(
    authenticator: Authenticator, code: str, *, box: SecretBox, now: datetime
) -> None:
    """Accept a TOTP code of a configured authenticator and record its step, atomically.

    The step is recorded only if it is later than the last one, in one conditional UPDATE,
    so of concurrent requests with the same code (in any process) exactly one succeeds.
    """
    secret = box.decrypt(authenticator.secret_encrypted)
    result = totp.match(secret, code, now=now, last_used_step=authenticator.last_used_step)
    if result.verdict is totp.Verdict.INVALID:
        raise invalid_code()
    if result.verdict is totp.Verdict.ALREADY_USED or result.step is None:
        raise code_already_used()
    recorded = await Authenticator.filter(
        id=authenticator.id, last_used_step__lt=result.step
    ).update(last_used_step=result.step)
    if recorded != 1:
        raise code_already_used()


async def _recovery_code_used(operator: Operator, outbox: Outbox, now: datetime) -> None:
    remaining = await recovery_codes.remaining_by_operator([operator.id])
    async with in_transaction():
        await audit.record_own(
            AuditEventKind.RECOVERY_CODE_USED,
            operator,
            now,
            details={"remaining": remaining[operator.id]},
        )
        await notify(
            MailKind.RECOVERY_CODE_USED,
            operator,
            outbox=outbox,
            now=now,
            remaining=str(remaining[operator.id]),
        )

"""Checking a second factor (TOTP or recovery code), with every attempt counted."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import TypeVar

from tortoise.transactions import in_transaction

from mail.messages import MailKind
from models import Authenticator, Operator
from services import audit
from services.audit import AuditEventKind
from services.auth import recovery_codes
from services.errors import DomainError, ErrorCode
from services.machinery import throttle, totp
from services.machinery.dependencies import Dependencies
from services.notifications import notify
from services.sessions import AuthenticationMethod

T = TypeVar("T")
CODE_FIELD = ("input", "code")


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
        async with in_transaction():  # the rejection and the lockout it caused, together
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


async def accepted(method: AuthenticationMethod) -> AuthenticationMethod:
    """Return the accepted method: a ``then`` for ``check`` when the code alone is the point."""
    return method


async def check(
    deps: Dependencies,
    operator: Operator,
    code: str,
    now: datetime,
    then: Callable[[AuthenticationMethod], Awaitable[T]],
) -> T:
    """Accept ``code`` as the operator's second factor and run ``then`` with it, atomically.

    A six-digit code is checked against the configured authenticator (±1 step, later than
    the last accepted step, recorded with a compare-and-set), and refused without one;
    anything else is tried as a recovery code, which an operator whose only factors are
    passkeys has too. Spending the code, its audit event and ``then`` (consuming a login
    challenge, disabling 2FA, ...) commit together or not at all. The attempt is counted
    either way.
    """
    code = code.strip().replace(" ", "")

    async def verify() -> T:
        if totp.looks_like_totp(code):
            authenticator = await Authenticator.get_or_none(
                operator_id=operator.id, confirmed_at__isnull=False
            )
            if authenticator is None:
                raise invalid_code()
            return await _with_totp(deps, operator, authenticator, code, now, then)
        return await _with_recovery_code(deps, operator, code, now, then)

    return await counted_attempt(operator, now, verify)


async def _with_totp(
    deps: Dependencies,
    operator: Operator,
    authenticator: Authenticator,
    code: str,
    now: datetime,
    then: Callable[[AuthenticationMethod], Awaitable[T]],
) -> T:
    """Record the TOTP code's step and run ``then`` in one transaction.

    The step is recorded only if it is later than the last one, in one conditional UPDATE,
    so of concurrent requests with the same code (in any process) exactly one succeeds. A
    refused reuse is reported to the operator by email.
    """
    secret = deps.box.decrypt(authenticator.secret_encrypted)
    result = totp.match(secret, code, now=now, last_used_step=authenticator.last_used_step)
    if result.verdict is totp.Verdict.INVALID:
        raise invalid_code()
    try:
        if result.verdict is totp.Verdict.ALREADY_USED or result.step is None:
            raise code_already_used()
        async with in_transaction():
            await _hold_operator(operator)
            recorded = await Authenticator.filter(
                id=authenticator.id, last_used_step__lt=result.step
            ).update(last_used_step=result.step)
            if recorded != 1:
                raise code_already_used()
            return await then(AuthenticationMethod.TOTP)
    except DomainError as error:
        if error.code is ErrorCode.CODE_ALREADY_USED:
            await notify(deps, MailKind.REUSED_CODE_REFUSED, operator, now)
        raise


async def _with_recovery_code(
    deps: Dependencies,
    operator: Operator,
    code: str,
    now: datetime,
    then: Callable[[AuthenticationMethod], Awaitable[T]],
) -> T:
    """Spend a recovery code, audit and report its use, and run ``then``, in one transaction.

    The hash comparison runs before the transaction opens, so no connection is held while
    hashing; the spend itself is a conditional update, so one code works once.
    """
    code_id = await recovery_codes.find_unused(operator.id, code, box=deps.box, hasher=deps.hasher)
    if code_id is None:
        raise invalid_code()
    async with in_transaction():
        await _hold_operator(operator)
        if not await recovery_codes.spend(code_id, now):
            raise invalid_code()
        remaining = (await recovery_codes.remaining_by_operator([operator.id]))[operator.id]
        await audit.record_own(
            AuditEventKind.RECOVERY_CODE_USED, operator, now, details={"remaining": remaining}
        )
        await notify(deps, MailKind.RECOVERY_CODE_USED, operator, now, remaining=str(remaining))
        return await then(AuthenticationMethod.RECOVERY_CODE)


async def _hold_operator(operator: Operator) -> None:
    """Hold the operator's row first in the transaction that spends a code.

    Changes take the operator's row before the rows of their 2FA (``services.actors``), and
    what ``then`` does may read the operator again under that lock: taking it first keeps
    the order, so a reset or deactivation running beside this never waits in a cycle.
    """
    await Operator.filter(id=operator.id).select_for_update(no_key=True).first()

"""Login with email and password: the decision table of the specification."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from tortoise.transactions import in_transaction

from models import Operator, OperatorStatus, TokenPurpose, TwoFactorMode
from services import audit, sessions
from services.audit import AuditEventKind
from services.auth import temporary_access_pass, trusted_devices
from services.auth.factors import SecondFactorMethod, available_second_factors
from services.enrollment.setup_link import send_setup_link
from services.errors import DomainError, ErrorCode
from services.machinery import throttle, tokens
from services.machinery.client import current_client
from services.machinery.dependencies import Dependencies
from services.machinery.hashing import PasswordHasher
from services.operators import policy_of
from services.policy import TwoFactorState
from services.sessions import AuthenticationMethod
from services.validation import MAX_EMAIL_LENGTH, MAX_PASSWORD_LENGTH, email_key, is_storable


class LoginOutcome(StrEnum):
    """What a correct email and password lead to."""

    AUTHENTICATED = "AUTHENTICATED"
    TWO_FACTOR_CODE_REQUIRED = "TWO_FACTOR_CODE_REQUIRED"
    TWO_FACTOR_SETUP_EMAIL_SENT = "TWO_FACTOR_SETUP_EMAIL_SENT"


@dataclass(frozen=True)
class LoginResult:
    """The outcome of a login and what it hands the client."""

    outcome: LoginOutcome
    operator: Operator
    session_token: str | None = None
    challenge_token: str | None = None
    available_second_factors: tuple[SecondFactorMethod, ...] = ()
    """What the code step accepts, with TWO_FACTOR_CODE_REQUIRED only."""


INVALID_CREDENTIALS_MESSAGE = "The email or password is not correct."


async def _rehash(hasher: PasswordHasher, operator: Operator, password: str) -> None:
    """Store the password hashed with the current parameters; when too busy, next time.

    Only over the hash that was verified: a password changed or reset meanwhile stays.
    """
    verified = operator.password_hash
    try:
        rehashed = await hasher.hash(password)
    except DomainError as error:
        if error.code not in (ErrorCode.SERVICE_UNAVAILABLE, ErrorCode.RATE_LIMITED):
            raise
        return
    if await Operator.filter(id=operator.id, password_hash=verified).update(password_hash=rehashed):
        operator.password_hash = rehashed


async def _still_verified(operator: Operator) -> None:
    """Hold the operator's row, and refuse if their password changed since it was verified.

    Call it first in the transaction that issues the session or challenge: a reset or
    change holds the same row while it stores the new hash and ends every session, so the
    two take turns and no session outlives a new password. Checking a hash takes long
    enough for a reset to commit in between.
    """
    current = (
        await Operator.filter(id=operator.id, password_hash=operator.password_hash)
        .select_for_update(no_key=True)
        .first()
    )
    if current is None:
        raise DomainError(ErrorCode.INVALID_CREDENTIALS, INVALID_CREDENTIALS_MESSAGE)


async def login(
    deps: Dependencies,
    email: str,
    password: str,
    device_token: str | None = None,
) -> LoginResult:
    """Check email and password, then decide between a session, a code step or a setup email.

    Unknown emails, wrong passwords, over-long passwords and invited operators get one error
    and cost one argon2 verification each, so neither the message nor the time tells them
    apart. Before anything is hashed the attempt is counted against the client address, the
    (email, address) pair and the email, and the login budgets of the address and the
    account are checked (see ``services.machinery.throttle``): a locked one is refused unhashed, and
    parallel attempts cannot hash past the limits. Before even that, a login takes its
    place in its address's line at the hasher (``PasswordHasher.ticket``): one past what the
    line or the hasher holds is refused without touching the database. Its hash then waits
    for its turn, which comes fairly between clients (``services.machinery.hashing_queue``).
    A ``device_token`` is looked at only once the password was right (``_second_step``).
    """
    now, hasher = deps.now(), deps.hasher
    key = email_key(email)
    client_address = current_client().ip_address
    # A login past what the hasher can take is turned away before any database work.
    with hasher.ticket(client_address or throttle.UNKNOWN_ADDRESS) as ticket:
        operator = None
        if len(key) <= MAX_EMAIL_LENGTH and is_storable(key):
            operator = await Operator.get_or_none(email_key=key)
        try:
            attempt = await throttle.begin_login(
                key,
                client_address,
                now,
                account_id=operator.account_id if operator is not None else None,
                rates=deps.login_rates,
            )
        except DomainError as refused:
            await _answer_slowly(deps, refused)
            raise
        ticket.identify(email=key, known=attempt.known)
        try:
            if len(password) > MAX_PASSWORD_LENGTH:
                # Refused unread, at the price of any wrong password: one check of the dummy
                # hash (of no more characters than the longest password accepted).
                await hasher.verify(None, password[:MAX_PASSWORD_LENGTH], ticket=ticket)
                password_ok = False
            else:
                stored = operator.password_hash if operator else None
                password_ok = await hasher.verify(stored, password, ticket=ticket)
        except DomainError as error:
            if error.code is ErrorCode.SERVICE_UNAVAILABLE:
                await throttle.login_abandoned(attempt)  # too busy to check: not a guess
            raise
    if operator is None or not password_ok or operator.status is not OperatorStatus.ACTIVE:
        await throttle.login_failed(attempt, now)
        if operator is not None:
            await _record_failure(operator, attempt.lock_if_failed, now)
        raise DomainError(ErrorCode.INVALID_CREDENTIALS, INVALID_CREDENTIALS_MESSAGE)
    await throttle.login_succeeded(attempt, now)
    if operator.password_hash and hasher.needs_rehash(operator.password_hash):
        await _rehash(hasher, operator, password)
    if operator.uses_single_sign_on:
        raise DomainError(
            ErrorCode.SINGLE_SIGN_ON_OPERATOR,
            "This operator signs in through single sign-on, not with a password.",
        )
    async with in_transaction():
        await _still_verified(operator)
        return await _second_step(deps, operator, now, device_token)


async def _answer_slowly(deps: Dependencies, refused: DomainError) -> None:
    """Hold back the answer to a login refused by a lock or a spent budget, then let it go.

    Such a refusal costs the server one read; answered at once, a client that keeps sending
    (an attacker whose address is locked) gets hundreds a second, which fill the database
    connection that everybody's logins share. Held back ``deps.refusal_delay``, each of its
    connections sends one a second. The request holds no place at the hasher and no row
    meanwhile.
    """
    if refused.code in (ErrorCode.TOO_MANY_ATTEMPTS, ErrorCode.RATE_LIMITED):
        await asyncio.sleep(deps.refusal_delay.total_seconds())


async def _second_step(
    deps: Dependencies, operator: Operator, now: datetime, device_token: str | None
) -> LoginResult:
    """Apply rows 2 to 5 of the login table to an operator whose password was right.

    Inside a grace period a required operator without 2FA is still logged in with the
    password, and gets the setup email as well. Where a code would be asked, a live device
    token of this operator stands for it (``trusted_devices.vouches_for``); any other token
    is ignored without a word, so that the answer tells no token apart. While the operator
    holds a temporary access pass the code step is asked for even without a factor set up,
    so that they can use it.
    """
    policy = await policy_of(operator, now)
    if policy.mode is TwoFactorMode.DISABLED:
        return await _authenticated(operator, now)
    configured = policy.state is TwoFactorState.CONFIGURED
    if configured or await temporary_access_pass.is_active(operator.id, now):
        device_id = (
            await trusted_devices.vouches_for(operator, device_token, now) if configured else None
        )
        if device_id is not None:
            token = await sessions.start_session(
                operator,
                now,
                methods=[AuthenticationMethod.PASSWORD, AuthenticationMethod.TRUSTED_DEVICE],
                trusted_device_id=device_id,
            )
            return LoginResult(LoginOutcome.AUTHENTICATED, operator, session_token=token)
        challenge = await tokens.issue(operator.id, TokenPurpose.LOGIN_CHALLENGE, now)
        return LoginResult(
            LoginOutcome.TWO_FACTOR_CODE_REQUIRED,
            operator,
            challenge_token=challenge,
            available_second_factors=tuple(await available_second_factors(operator.id, now)),
        )
    if policy.mode is TwoFactorMode.REQUIRED:
        await send_setup_link(deps, operator, now)
        if policy.setup_deadline is None:
            return LoginResult(LoginOutcome.TWO_FACTOR_SETUP_EMAIL_SENT, operator)
    return await _authenticated(operator, now)


async def _authenticated(operator: Operator, now: datetime) -> LoginResult:
    """Issue the session of a login finished by the password alone."""
    token = await sessions.start_session(operator, now, methods=[AuthenticationMethod.PASSWORD])
    return LoginResult(LoginOutcome.AUTHENTICATED, operator, session_token=token)


async def _record_failure(operator: Operator, locked_until: datetime | None, now: datetime) -> None:
    """Audit a failed password for a known operator, and the lock it set, if any."""
    async with in_transaction():
        await audit.record(
            AuditEventKind.LOGIN_FAILED,
            account_id=operator.account_id,
            target_id=operator.id,
            now=now,
            details={"reason": "invalid_credentials"},
        )
        if locked_until is not None:
            await audit.record(
                AuditEventKind.LOCKED_OUT,
                account_id=operator.account_id,
                target_id=operator.id,
                now=now,
                details={"factor": "password", "lockedUntil": locked_until.isoformat()},
            )

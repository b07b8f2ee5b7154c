"""The second step of login: a code against the challenge token from ``login``."""

from __future__ import annotations

from dataclasses import dataclass

from tortoise.transactions import in_transaction

from models import Operator, OperatorStatus, TokenPurpose
from services import audit, sessions
from services.audit import AuditEventKind
from services.auth import second_factor, temporary_access_pass, trusted_devices
from services.machinery import tokens
from services.machinery.dependencies import Dependencies
from services.sessions import AuthenticationMethod

CHALLENGE_FIELD = ("input", "challengeToken")


@dataclass(frozen=True)
class CodeStepDone:
    """A login finished by its code step: the operator, their session, maybe a device token."""

    operator: Operator
    session_token: str
    device_token: str | None = None


async def verify_login_code(
    deps: Dependencies, challenge_token: str, code: str, *, remember_device: bool = False
) -> CodeStepDone:
    """Check the code for a login challenge; return the operator and a new session token.

    Spending the code, consuming the challenge and issuing the session are one transaction.
    The challenge is consumed only by a right code, so a typo can be corrected within the
    challenge's five minutes; wrong codes count towards the operator's lock. The challenge
    of an operator who is no longer active (deactivated after it was issued) is not valid.
    With ``remember_device`` the browser is remembered in that transaction too, when the
    account has trusted devices on; never after a temporary access pass, which is meant to
    let its holder in once, not to vouch for a browser for days.
    """
    now = deps.now()
    challenge = await tokens.find(
        challenge_token, (TokenPurpose.LOGIN_CHALLENGE,), now, CHALLENGE_FIELD
    )
    operator = await Operator.get(id=challenge.operator_id)
    if operator.status is not OperatorStatus.ACTIVE:
        raise tokens.token_invalid(CHALLENGE_FIELD)

    async def log_in(method: AuthenticationMethod) -> CodeStepDone:
        await tokens.consume(challenge, CHALLENGE_FIELD)
        session_token = await sessions.start_session(
            operator, now, methods=[AuthenticationMethod.PASSWORD, method]
        )
        device_token = None
        if remember_device and method is not AuthenticationMethod.TEMPORARY_ACCESS_PASS:
            device_token = await trusted_devices.remember(operator, now)
        return CodeStepDone(operator, session_token, device_token)

    canonical_pass = temporary_access_pass.normalize(code)
    if canonical_pass is not None:

        async def with_pass() -> CodeStepDone:
            async with in_transaction():
                await Operator.filter(id=operator.id).select_for_update(no_key=True).first()
                if not await temporary_access_pass.spend(operator.id, canonical_pass, now):
                    raise second_factor.invalid_code()
                await audit.record_own(AuditEventKind.TEMPORARY_ACCESS_PASS_USED, operator, now)
                return await log_in(AuthenticationMethod.TEMPORARY_ACCESS_PASS)

        return await second_factor.counted_attempt(operator, now, with_pass)
    return await second_factor.check(deps, operator, code, now, then=log_in)

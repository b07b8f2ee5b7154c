"""The second step of login with a passkey: options for the challenge token, then the answer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tortoise.transactions import in_transaction

from models import OneTimeToken, Operator, OperatorStatus, Passkey, PasskeyCeremony, TokenPurpose
from services import sessions
from services.auth import second_factor, trusted_devices
from services.machinery import tokens
from services.machinery.dependencies import Dependencies
from services.passkeys import assertion, ceremonies
from services.sessions import AuthenticationMethod

CHALLENGE_FIELD = ("input", "challengeToken")


@dataclass(frozen=True)
class PasskeyLogin:
    """A login completed with a passkey."""

    operator: Operator
    session_token: str
    device_token: str | None
    """With ``rememberDevice`` and trusted devices on: the token that skips the factor."""


async def _login_challenge(challenge_token: str, now: datetime) -> tuple[OneTimeToken, Operator]:
    """Return the live login challenge and its operator, refused as ``verifyTwoFactorCode`` does."""
    challenge = await tokens.find(
        challenge_token, (TokenPurpose.LOGIN_CHALLENGE,), now, CHALLENGE_FIELD
    )
    operator = await Operator.get(id=challenge.operator_id)
    if operator.status is not OperatorStatus.ACTIVE:
        raise tokens.token_invalid(CHALLENGE_FIELD)
    return challenge, operator


async def start_verification(deps: Dependencies, challenge_token: str) -> dict[str, Any]:
    """Issue a passkey challenge for a login's challenge token; return the request options.

    The options list the operator's passkeys (told only to a client that gave the right
    password). A new request replaces the login's earlier passkey challenge.
    """
    now = deps.now()
    challenge, operator = await _login_challenge(challenge_token, now)
    passkeys = await Passkey.filter(operator_id=operator.id).order_by("id")
    if not passkeys:
        raise assertion.no_passkeys()
    issued = await ceremonies.issue(
        operator.id, PasskeyCeremony.LOGIN, now, login_challenge_id=challenge.id
    )
    return ceremonies.request_options(deps.relying_party, issued, passkeys)


async def verify_login_passkey(
    deps: Dependencies, challenge_token: str, credential: Any, remember_device: bool
) -> PasskeyLogin:
    """Check a passkey assertion for a login challenge; log the operator in.

    The attempt counts towards the operator's code lock, like a code. The passkey
    challenge is used up before the signature is checked; then, in one transaction, the
    login challenge is consumed, the passkey's counter recorded (compare-and-set) and the
    session issued (methods PASSWORD and PASSKEY), with the device remembered if asked.
    """
    now = deps.now()
    challenge, operator = await _login_challenge(challenge_token, now)

    async def verify() -> PasskeyLogin:
        expected = await ceremonies.consume(
            operator.id, PasskeyCeremony.LOGIN, credential, now, login_challenge_id=challenge.id
        )
        verified = await assertion.verify(deps, operator.id, credential, expected)
        async with in_transaction():
            await Operator.filter(id=operator.id).select_for_update(no_key=True).first()
            await tokens.consume(challenge, CHALLENGE_FIELD)
            await assertion.record_use(verified, now)
            session_token = await sessions.start_session(
                operator, now, methods=[AuthenticationMethod.PASSWORD, AuthenticationMethod.PASSKEY]
            )
            device_token = (
                await trusted_devices.remember(operator, now) if remember_device else None
            )
        return PasskeyLogin(operator, session_token, device_token)

    return await second_factor.counted_attempt(operator, now, verify)

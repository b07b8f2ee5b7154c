"""The second step of login: a code against the challenge token from ``login``."""

from __future__ import annotations

from models import Operator, OperatorStatus, TokenPurpose
from services import sessions
from services.auth import second_factor
from services.machinery import tokens
from services.machinery.dependencies import Dependencies
from services.sessions import AuthenticationMethod

CHALLENGE_FIELD = ("input", "challengeToken")


async def verify_login_code(
    deps: Dependencies, challenge_token: str, code: str
) -> tuple[Operator, str]:
    """Check the code for a login challenge; return the operator and a new session token.

    Spending the code, consuming the challenge and issuing the session are one transaction.
    The challenge is consumed only by a right code, so a typo can be corrected within the
    challenge's five minutes; wrong codes count towards the operator's lock. The challenge
    of an operator who is no longer active (deactivated after it was issued) is not valid.
    """
    now = deps.now()
    challenge = await tokens.find(
        challenge_token, (TokenPurpose.LOGIN_CHALLENGE,), now, CHALLENGE_FIELD
    )
    operator = await Operator.get(id=challenge.operator_id)
    if operator.status is not OperatorStatus.ACTIVE:
        raise tokens.token_invalid(CHALLENGE_FIELD)

    async def log_in(method: AuthenticationMethod) -> str:
        await tokens.consume(challenge, CHALLENGE_FIELD)
        return await sessions.start_session(
            operator, now, methods=[AuthenticationMethod.PASSWORD, method]
        )

    session_token = await second_factor.check(deps, operator, code, now, then=log_in)
    return operator, session_token

"""The second step of login: a code against the challenge token from ``login``."""

from __future__ import annotations

from datetime import datetime

from tortoise.transactions import in_transaction

from mail.outbox import Outbox
from models import Operator, TokenPurpose
from services import second_factor, tokens
from services.encryption import SecretBox
from services.login import start_session
from services.passwords import PasswordHasher

CHALLENGE_FIELD = ("input", "challengeToken")


async def verify_login_code(
    challenge_token: str,
    code: str,
    *,
    box: SecretBox,
    hasher: PasswordHasher,
    outbox: Outbox,
    now: datetime,
) -> tuple[Operator, str]:
    """Check the code for a login challenge; return the operator and a new session token.

    The challenge is consumed only by a right code, so a typo can be corrected within the
    challenge's five minutes; wrong codes count towards the operator's lock.
    """
    challenge = await tokens.find(
        challenge_token, (TokenPurpose.LOGIN_CHALLENGE,), now, CHALLENGE_FIELD
    )
    operator = await Operator.get(id=challenge.operator_id)
    method = await second_factor.check(
        operator, code, box=box, hasher=hasher, outbox=outbox, now=now
    )
    async with in_transaction():
        await tokens.consume(challenge, CHALLENGE_FIELD)
        session_token = await start_session(operator, now, method=method.value)
    return operator, session_token

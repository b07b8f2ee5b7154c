"""Helpers of the scale-out tests, whose two servers run on the system clock.

The servers themselves are the fixtures of :mod:`tests.two_servers`.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

from models import Authenticator, Operator
from services.machinery.clock import SystemClock
from tests.support import LOGIN, PASSWORD, GraphQLClient, totp_code

CLOCK = SystemClock()
"""The servers run on the system clock, so the data set up here does too."""


def code_of_step(secret: str, step: int) -> str:
    """The TOTP code of ``secret`` for time step ``step``."""
    return totp_code(secret, datetime.fromtimestamp(step * 30, UTC))


async def fresh_code(secret: str, operator: Operator) -> str:
    """A code the servers accept now: this step's, or the next one's if enrollment used it."""
    authenticator = await Authenticator.get(operator_id=operator.id, confirmed_at__isnull=False)
    now_step = int(time.time()) // 30
    step = max(now_step, authenticator.last_used_step + 1)
    assert step <= now_step + 1, (step, now_step)
    return code_of_step(secret, step)


def wrong_code(secret: str) -> str:
    """A six-digit code that matches none of the steps the servers may try in this test."""
    now_step = int(time.time()) // 30
    near = {code_of_step(secret, step) for step in range(now_step - 2, now_step + 4)}
    return next(code for code in ("000000", "111111", "222222", "333333") if code not in near)


async def challenge(gql: GraphQLClient, email: str) -> str:
    """Log in with the password on ``gql``'s server and return the challenge token."""
    payload = (await gql.data(LOGIN, {"email": email, "password": PASSWORD}))["login"]
    assert payload["outcome"] == "TWO_FACTOR_CODE_REQUIRED", payload
    token: str = payload["challengeToken"]
    return token

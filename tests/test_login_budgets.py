"""Successful logins are budgeted per client address and per account: a client who knows a
password of its own account cannot keep the hasher busy with it."""

from __future__ import annotations

import dataclasses
import time
from datetime import timedelta
from typing import Any

import pytest
from starlette.applications import Starlette

from models import OperatorRole
from services.machinery.clock import FrozenClock
from services.machinery.throttle import LoginRates
from tests.support import (
    ATTACKERS,
    PASSWORD,
    WRONG,
    CountingHasher,
    add_operator,
    login_from,
    make_team,
    running_app,
)
from twofa.settings import ConfigurationError, Settings

RATES = LoginRates(per_address=3, per_account=5)


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The suite's settings with small login budgets."""
    return dataclasses.replace(settings, login_rates=RATES)


def refusal(payload: dict[str, Any]) -> tuple[str, str | None]:
    [error] = payload["userErrors"]
    return error["code"], error["lockedUntil"]


async def test_an_address_spends_its_budget_of_logins_then_waits_for_the_next_minute(
    app: Starlette, hasher: CountingHasher, clock: FrozenClock
) -> None:
    started = clock.now()
    teams = [await make_team(hasher, clock, name=f"T{n}", domain=f"t{n}.example") for n in range(2)]
    emails = [team.basic.email for team in teams] + [teams[0].admin.email]
    for email in emails:
        assert (await login_from(app, ATTACKERS[0], email, PASSWORD))["outcome"] == (
            "AUTHENTICATED"
        )
    # Failures do not spend it; the right password past it is refused before any hash.
    assert (await login_from(app, ATTACKERS[1], emails[0], WRONG))["userErrors"]
    before = hasher.verifications
    refused = await login_from(app, ATTACKERS[0], teams[1].admin.email, PASSWORD)
    assert refusal(refused) == ("RATE_LIMITED", (started + timedelta(minutes=1)).isoformat())
    assert hasher.verifications == before
    # Another address is not held.
    assert (await login_from(app, ATTACKERS[1], emails[0], PASSWORD))["outcome"] == (
        "AUTHENTICATED"
    )
    clock.advance(timedelta(minutes=1))
    assert (await login_from(app, ATTACKERS[0], emails[0], PASSWORD))["outcome"] == (
        "AUTHENTICATED"
    )


async def test_an_account_spends_its_budget_whatever_the_addresses_and_others_go_on(
    app: Starlette, hasher: CountingHasher, clock: FrozenClock
) -> None:
    team = await make_team(hasher, clock)
    other = await make_team(hasher, clock, name="Other", domain="other.example")
    operators = [
        await add_operator(
            team.account, f"op{n}@acme.example", hasher, clock, role=OperatorRole.BASIC
        )
        for n in range(RATES.per_account)
    ]
    for n, operator in enumerate(operators):
        assert (await login_from(app, ATTACKERS[n], operator.email, PASSWORD))["outcome"] == (
            "AUTHENTICATED"
        )
    before = hasher.verifications
    refused = await login_from(app, ATTACKERS[9], team.admin.email, PASSWORD)
    assert refusal(refused)[0] == "RATE_LIMITED"
    assert hasher.verifications == before
    # Another account, from the same address, is not held.
    assert (await login_from(app, ATTACKERS[9], other.admin.email, PASSWORD))["outcome"] == (
        "AUTHENTICATED"
    )
    # An email nobody has is answered as ever: only its address's budget holds it.
    unknown = await login_from(app, ATTACKERS[8], "nobody@acme.example", PASSWORD)
    assert refusal(unknown)[0] == "INVALID_CREDENTIALS"


def test_login_budgets_come_from_the_environment() -> None:
    assert Settings.from_env({}).login_rates == LoginRates()
    settings = Settings.from_env({"LOGIN_RATE_PER_ADDRESS": "10", "LOGIN_RATE_PER_ACCOUNT": "900"})
    assert settings.login_rates == LoginRates(per_address=10, per_account=900)
    with pytest.raises(ConfigurationError, match="LOGIN_RATE_PER_ACCOUNT"):
        Settings.from_env({"LOGIN_RATE_PER_ACCOUNT": "0"})
    assert Settings.from_env({}).login_refusal_delay_ms == 1000
    assert Settings.from_env({"LOGIN_REFUSAL_DELAY_MS": "0"}).login_refusal_delay_ms == 0
    with pytest.raises(ConfigurationError, match="LOGIN_REFUSAL_DELAY_MS"):
        Settings.from_env({"LOGIN_REFUSAL_DELAY_MS": "60000"})


async def test_a_refused_login_is_answered_after_the_refusal_delay(
    settings: Settings, clock: FrozenClock, hasher: CountingHasher
) -> None:
    """A client whose address is locked gets its answers one a delay apart, not at once."""
    delayed = dataclasses.replace(settings, login_refusal_delay_ms=300)
    async with running_app(delayed, clock, hasher) as app:
        team = await make_team(hasher, clock)
        for _ in range(RATES.per_address):
            await login_from(app, ATTACKERS[0], team.basic.email, PASSWORD)
        started = time.perf_counter()
        refused = await login_from(app, ATTACKERS[0], team.admin.email, PASSWORD)
        assert refusal(refused)[0] == "RATE_LIMITED"
        assert time.perf_counter() - started >= 0.3

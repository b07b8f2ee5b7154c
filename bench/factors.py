"""What the stronger factors cost: a passkey against a code, a remembered browser against one.

Part of ``make bench``, and runs on its own with ``python -m bench.factors``. On SQLite and
PostgreSQL, each in a process of its own, through ``POST /graphql`` on the app in that
process, at the production argon2id parameters:

- ``verifyTwoFactorCode`` with a right TOTP code (the baseline) against ``verifyPasskey``
  with a right ES256 assertion, and against ``startPasskeyVerification`` plus
  ``verifyPasskey`` (the passkey's whole code step is two requests);
- a login that a code finishes (``login`` then ``verifyTwoFactorCode``, the baseline)
  against a login that a remembered browser's device token finishes (``login`` alone).

Each figure is the median wall and CPU time (``time.process_time``: the whole process, so
the threads that run argon2 and SQLite count) of its requests; what each repetition needs
beforehand (a login, the passkey's options and answer) runs untimed.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from tortoise import Tortoise

from bench.cost_probes import Cost, timed
from bench.each_database import command_line, on_each_database
from models import (
    Account,
    Authenticator,
    Operator,
    OperatorRole,
    OperatorStatus,
    Passkey,
    TwoFactorMode,
)
from services.machinery import totp
from services.machinery.clock import FrozenClock
from services.machinery.encryption import SecretBox, generate_key
from services.machinery.hashing import Argon2Parameters, PasswordHasher
from services.machinery.throttle import LoginRates
from tests.passkey_authenticator import SoftwareAuthenticator, b64url
from twofa.app import create_app
from twofa.database import apply_migrations
from twofa.settings import Settings

REPETITIONS = 30
"""Repetitions of each measurement (the median is reported)."""
PUBLIC_URL = "https://bench.example"
"""The app's public URL: the relying party the passkey answers."""
EMAIL, PASSWORD = "factors@bench.example", "a bench password of some length"
LOGIN = (
    "mutation ($e: String!, $p: String!, $d: String) { login(input: {email: $e, password: $p, "
    "deviceToken: $d}) { outcome sessionToken challengeToken userErrors { code } } }"
)
VERIFY_CODE = (
    "mutation ($c: String!, $k: String!, $r: Boolean) { verifyTwoFactorCode(input: "
    "{challengeToken: $c, code: $k, rememberDevice: $r}) { sessionToken deviceToken "
    "userErrors { code } } }"
)
START_PASSKEY = (
    "mutation ($c: String!) { startPasskeyVerification(input: {challengeToken: $c}) "
    "{ publicKeyOptions userErrors { code } } }"
)
VERIFY_PASSKEY = (
    "mutation ($c: String!, $a: JSON!) { verifyPasskey(input: {challengeToken: $c, "
    "credential: $a}) { sessionToken userErrors { code } } }"
)


class Bench:
    """An operator with a TOTP authenticator and a passkey, and the app they log in to."""

    def __init__(self, http: httpx.AsyncClient, clock: FrozenClock, secret: str) -> None:
        self.http, self.clock, self.secret = http, clock, secret
        self.authenticator = SoftwareAuthenticator()

    async def call(self, query: str, **variables: Any) -> dict[str, Any]:
        """POST one mutation; stop the run on any error; return its field's answer."""
        answer = (
            await self.http.post("/graphql", json={"query": query, "variables": variables})
        ).json()
        if answer.get("errors"):
            raise SystemExit(f"the bench's request failed: {answer}")
        (field,) = answer["data"].values()
        if field.get("userErrors"):
            raise SystemExit(f"the bench's request was refused: {field}")
        return dict(field)

    def next_code(self) -> str:
        """Move the clock one TOTP step on and return that step's code (never used before)."""
        self.clock.advance(timedelta(seconds=totp.STEP_SECONDS))
        return totp.code_at(self.secret, totp.time_step(self.clock.now()))

    async def challenge(self) -> str:
        """Log in with the password (untimed by the callers) and return the challenge token."""
        answer = await self.call(LOGIN, e=EMAIL, p=PASSWORD, d=None)
        return str(answer["challengeToken"])

    async def answered_assertion(self, challenge: str) -> dict[str, Any]:
        """Ask for the passkey's options and answer them with the software authenticator."""
        options = (await self.call(START_PASSKEY, c=challenge))["publicKeyOptions"]
        return self.authenticator.assertion(
            options, origin=PUBLIC_URL, rp_id=PUBLIC_URL.removeprefix("https://")
        )


async def _operator(box: SecretBox, secret: str, bench: Bench, now: datetime) -> None:
    """Create the account (required, browsers remembered 30 days) and its operator."""
    account = await Account.create(
        name="Factors", two_factor_default=TwoFactorMode.REQUIRED, trusted_device_days=30,
        created_at=now,
    )  # fmt: skip
    operator = await Operator.create(
        account_id=account.id, email=EMAIL, email_key=EMAIL, email_folded=EMAIL, name="Bench",
        name_key="bench", role=OperatorRole.BASIC, status=OperatorStatus.ACTIVE,
        password_hash=await PasswordHasher().hash(PASSWORD), created_at=now,
        two_factor_configured_at=now,
    )  # fmt: skip
    await Authenticator.create(
        operator=operator, secret_encrypted=box.encrypt(secret), confirmed_at=now, created_at=now
    )
    await Passkey.create(
        operator=operator, name="Bench key", credential_id=bench.authenticator.id,
        public_key=b64url(bench.authenticator.cose_key()), created_at=now,
    )  # fmt: skip


async def _measure(bench: Bench) -> dict[str, Cost]:
    """Time the code steps and the two kinds of login."""
    costs: dict[str, Cost] = {}
    ready: dict[str, Any] = {}

    async def prepare_code() -> None:
        ready["challenge"], ready["code"] = await bench.challenge(), bench.next_code()

    async def prepare_passkey() -> None:
        ready["challenge"] = await bench.challenge()
        ready["assertion"] = await bench.answered_assertion(ready["challenge"])

    async def prepare_challenge() -> None:
        ready["challenge"] = await bench.challenge()
        bench.clock.advance(timedelta(seconds=1))

    async def verify_code() -> None:
        await bench.call(VERIFY_CODE, c=ready["challenge"], k=ready["code"], r=False)

    async def verify_passkey() -> None:
        await bench.call(VERIFY_PASSKEY, c=ready["challenge"], a=ready["assertion"])

    async def start_and_verify_passkey() -> None:
        await bench.call(VERIFY_PASSKEY, c=ready["challenge"],
                         a=await bench.answered_assertion(ready["challenge"]))  # fmt: skip

    async def login_with_code() -> None:
        code = bench.next_code()
        challenge = await bench.challenge()
        await bench.call(VERIFY_CODE, c=challenge, k=code, r=False)

    async def login_with_device() -> None:
        answer = await bench.call(LOGIN, e=EMAIL, p=PASSWORD, d=ready["device"])
        if answer["outcome"] != "AUTHENTICATED":
            raise SystemExit(f"the device token did not skip the code: {answer}")

    costs["totp_code_step"] = await timed(verify_code, REPETITIONS, before=prepare_code)
    costs["passkey_code_step"] = await timed(verify_passkey, REPETITIONS, before=prepare_passkey)
    costs["passkey_options_and_code_step"] = await timed(
        start_and_verify_passkey, REPETITIONS, before=prepare_challenge
    )
    costs["login_with_code"] = await timed(login_with_code, REPETITIONS)
    remembered = await bench.call(
        VERIFY_CODE, c=await bench.challenge(), k=bench.next_code(), r=True
    )
    ready["device"] = remembered["deviceToken"]
    costs["login_with_remembered_browser"] = await timed(login_with_device, REPETITIONS)
    return costs


def _against(costs: dict[str, Cost], baseline: str, names: tuple[str, ...]) -> dict[str, Any]:
    """Report each of ``names`` with its wall and CPU ratio to ``baseline``."""
    base = costs[baseline]
    return {
        name: {
            **costs[name].as_dict(),
            "wall_ratio": round(costs[name].wall_ms / base.wall_ms, 2),
            "cpu_ratio": round(costs[name].cpu_ms / base.cpu_ms, 2),
        }
        for name in (baseline, *names)
    }


async def _one_database(url: str) -> dict[str, Any]:
    """Measure on one migrated database, through the app in this process."""
    await apply_migrations(url)
    key = generate_key()
    clock = FrozenClock(datetime.now(UTC))
    secret = totp.new_secret()
    settings = Settings(
        database_url=url,
        encryption_keys=(key,),
        public_url=PUBLIC_URL,
        password_hash=Argon2Parameters(),
        login_rates=LoginRates(per_address=100_000, per_account=100_000),
    )
    app = create_app(settings, clock=clock)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=PUBLIC_URL) as http:
            bench = Bench(http, clock, secret)
            await _operator(SecretBox([key]), secret, bench, clock.now())
            costs = await _measure(bench)
    return {
        "argon2": Argon2Parameters().describe(),
        "code_step": _against(
            costs, "totp_code_step", ("passkey_code_step", "passkey_options_and_code_step")
        ),
        "login": _against(costs, "login_with_code", ("login_with_remembered_browser",)),
    }


def one_database(url: str) -> dict[str, Any]:
    """Measure one database (called in a process of its own by ``on_each_database``)."""
    try:
        return asyncio.run(_one_database(url))
    finally:
        asyncio.run(Tortoise.close_connections())


def measure(postgres_url: str | None) -> dict[str, Any]:
    """Measure on SQLite and (unless None) PostgreSQL; print and return the figures."""
    report = on_each_database("bench.factors", postgres_url)
    print_report(report)
    return report


def print_report(report: dict[str, Any]) -> None:
    """Print each database's medians and ratios."""
    print("\nstronger factors (median ms per check or login, ratio to the baseline)")
    for label, figures in report.items():
        for part in ("code_step", "login"):
            for name, cost in figures[part].items():
                print(f"  {label:<11}{name:<32}{cost['wall_ms']:>9.2f} wall {cost['cpu_ms']:>9.2f}"
                      f" cpu  x{cost['wall_ratio']:.2f} wall  x{cost['cpu_ratio']:.2f} cpu")  # fmt: skip


if __name__ == "__main__":
    command_line(__doc__ or "", "factors", one_database, measure)

"""The operators and the timing helpers behind ``bench.cost``."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from statistics import median

from mail.outbox import Outbox
from models import (
    Account,
    Authenticator,
    Operator,
    OperatorRole,
    OperatorStatus,
    RecoveryCode,
    TwoFactorMode,
)
from services.auth import recovery_codes
from services.errors import DomainError, ErrorCode
from services.machinery import totp
from services.machinery.clock import FrozenClock
from services.machinery.dependencies import Dependencies
from services.machinery.encryption import SecretBox
from services.machinery.hashing import PasswordHasher
from services.sessions import AuthenticationMethod, start_session


@dataclass(frozen=True)
class Cost:
    """Median wall and CPU time of one operation."""

    wall_ms: float
    cpu_ms: float
    repetitions: int

    def as_dict(self) -> dict[str, float]:
        """Return the figures for the JSON report."""
        return {"wall_ms": round(self.wall_ms, 2), "cpu_ms": round(self.cpu_ms, 2),
                "repetitions": self.repetitions}  # fmt: skip


async def timed(
    action: Callable[[], Awaitable[object]],
    repetitions: int,
    reset: Callable[[], Awaitable[object]] | None = None,
    *,
    before: Callable[[], Awaitable[object]] | None = None,
) -> Cost:
    """Run ``action`` ``repetitions`` times, timing each run.

    ``before`` and ``reset`` run before and after each, outside the timing.
    """
    walls, cpus = [], []
    for _ in range(repetitions):
        if before is not None:
            await before()
        wall, cpu = time.perf_counter(), time.process_time()
        await action()
        walls.append((time.perf_counter() - wall) * 1000)
        cpus.append((time.process_time() - cpu) * 1000)
        if reset is not None:
            await reset()
    return Cost(median(walls), median(cpus), repetitions)


async def refused(attempt: Awaitable[object]) -> None:
    """Await a code check that must be refused as INVALID_CODE; stop the run otherwise."""
    try:
        await attempt
    except DomainError as error:
        if error.code is ErrorCode.INVALID_CODE:
            return
        raise SystemExit(f"expected INVALID_CODE, got {error.code}") from error
    raise SystemExit("a wrong code was accepted")


def wrong_totp_code(secret: str, now: datetime) -> str:
    """Return a six-digit code that no step around ``now`` accepts."""
    step = totp.time_step(now)
    accepted = {totp.code_at(secret, s) for s in range(step - totp.WINDOW, step + totp.WINDOW + 1)}
    return next(code for code in (f"{n:06d}" for n in range(10)) if code not in accepted)


@dataclass(frozen=True)
class Subjects:
    """Two operators with a configured authenticator and ten unused recovery codes each."""

    deps: Dependencies
    """The production hasher, the bench's key, a clock moved by hand."""
    clock: FrozenClock
    """The clock of ``deps``; moved one TOTP step per regeneration."""
    secret: str
    """Both operators' TOTP secret."""
    sealed: Operator
    """Holds ten sealed (HMAC-SHA256 in Fernet) codes."""
    legacy: Operator
    """Holds ten argon2id codes of the format issued before sealed codes."""
    password_hash: str
    """An argon2id hash at the production parameters."""

    async def new_session(self, now: datetime) -> str:
        """Return the bearer token of a fresh two-factor session of ``sealed``."""
        methods = [AuthenticationMethod.PASSWORD, AuthenticationMethod.TOTP]
        return await start_session(self.sealed, now, methods=methods)


async def _operator(
    account: Account, email: str, box: SecretBox, secret: str, now: datetime
) -> Operator:
    operator = await Operator.create(
        account_id=account.id, email=email, email_key=email, email_folded=email,
        name=email, name_key=email, role=OperatorRole.BASIC, status=OperatorStatus.ACTIVE,
        password_hash="", created_at=now, two_factor_configured_at=now,
    )  # fmt: skip
    await Authenticator.create(
        operator=operator, secret_encrypted=box.encrypt(secret), confirmed_at=now, created_at=now
    )
    return operator


async def make_subjects(box: SecretBox, clock: FrozenClock) -> Subjects:
    """Create the two operators; the caller has the ORM open on a migrated database."""
    now = clock.now()
    hasher = PasswordHasher()
    deps = Dependencies(clock=clock, hasher=hasher, box=box, outbox=Outbox(box, "http://bench"))
    secret = totp.new_secret()
    account = await Account.create(
        name="Codes", two_factor_default=TwoFactorMode.REQUIRED, created_at=now
    )
    sealed = await _operator(account, "sealed@cost.example", box, secret, now)
    _, digests = await recovery_codes.generate(box)
    await recovery_codes.store(sealed.id, digests)
    legacy = await _operator(account, "legacy@cost.example", box, secret, now)
    old_hashes = [
        await hasher.hash(recovery_codes.normalize(recovery_codes.new_code()) or "")
        for _ in range(recovery_codes.COUNT)
    ]
    await RecoveryCode.bulk_create(
        [RecoveryCode(operator_id=legacy.id, code_hash=value) for value in old_hashes]
    )
    return Subjects(deps, clock, secret, sealed, legacy, await hasher.hash("a password"))

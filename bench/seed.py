"""Data for the benchmarks: accounts of several sizes and operators ready to log in."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pyotp
from tortoise.transactions import in_transaction

from models import (
    Account,
    ApiKey,
    Authenticator,
    Operator,
    OperatorRole,
    OperatorStatus,
    Session,
    TwoFactorMode,
)
from services.api_keys import SHOWN_PREFIX_LENGTH, ApiKeyScope, new_secret
from services.machinery.clock import SystemClock
from services.machinery.encryption import SecretBox
from services.machinery.hashing import PasswordHasher
from services.machinery.tokens import hash_token, new_token
from services.sessions import SESSION_LIFETIME, AuthenticationMethod, start_session

PASSWORD = "benchmark password 2026"  # noqa: S105 - the seeded operators' password
SECRET = pyotp.random_base32()
"""One TOTP secret for every login operator (each keeps its own last used step)."""
SESSIONS = 10_000
"""Sessions in the table a bearer token is looked up in (besides the few issued by logins)."""


@dataclass
class Seeded:
    """What the load runs need: tokens, ids and the login operators."""

    viewer_token: str = ""
    viewer_key: str = ""
    """An API key of the viewer's account (READ_OPERATORS), to compare with the session."""
    page_tokens: dict[int, str] = field(default_factory=dict)
    login_emails: list[str] = field(default_factory=list)


async def _account(name: str, default: TwoFactorMode) -> Account:
    return await Account.create(name=name, two_factor_default=default, created_at=datetime.now(UTC))


def _operator(account: Account, email: str, password_hash: str, role: OperatorRole) -> Operator:
    return Operator(
        account_id=account.id, email=email, email_key=email, email_folded=email,
        name=email.split("@")[0], name_key=email.split("@")[0],
        role=role, status=OperatorStatus.ACTIVE, password_hash=password_hash,
        created_at=datetime.now(UTC),
    )  # fmt: skip


async def seed(
    box: SecretBox, hasher: PasswordHasher, *, sizes: tuple[int, ...], logins: int
) -> Seeded:
    """Create the benchmark's accounts; the caller has the ORM open on an empty database."""
    seeded = Seeded()
    password_hash = await hasher.hash(PASSWORD)  # shared: hashing thousands would take minutes
    now = SystemClock().now()
    viewer_account = await _account("Viewer", TwoFactorMode.REQUIRED)
    viewer = _operator(viewer_account, "viewer@bench.example", password_hash, OperatorRole.BASIC)
    viewer.two_factor_configured_at = now
    await viewer.save()
    await Authenticator.create(
        operator=viewer, secret_encrypted=box.encrypt(SECRET), confirmed_at=now, created_at=now
    )
    seeded.viewer_token = await start_session(
        viewer, now, methods=[AuthenticationMethod.PASSWORD, AuthenticationMethod.TOTP]
    )
    seeded.viewer_key = new_secret()
    await ApiKey.create(
        account=viewer_account, name="Bench", scopes=[ApiKeyScope.READ_OPERATORS.value],
        prefix=seeded.viewer_key[:SHOWN_PREFIX_LENGTH], digest=hash_token(seeded.viewer_key),
        created_at=now, expires_at=now + timedelta(days=1),
    )  # fmt: skip

    for size in sizes:
        account = await _account(f"Size {size}", TwoFactorMode.REQUIRED)
        async with in_transaction():
            await Operator.bulk_create(
                [
                    _operator(account, f"op{n}@size{size}.example", password_hash,
                              OperatorRole.ADMINISTRATOR if n == 0 else OperatorRole.BASIC)
                    for n in range(size)
                ],
                batch_size=1000,
            )  # fmt: skip
        admin = await Operator.get(email_key=f"op0@size{size}.example")
        seeded.page_tokens[size] = await start_session(
            admin, now, methods=[AuthenticationMethod.PASSWORD, AuthenticationMethod.TOTP]
        )

    if sizes:
        await _sessions(max(sizes), SESSIONS)
    login_account = await _account("Logins", TwoFactorMode.REQUIRED)
    seeded.login_emails = [f"login{n}@bench.example" for n in range(logins)]
    async with in_transaction():
        await Operator.bulk_create(
            [
                _operator(login_account, email, password_hash, OperatorRole.BASIC)
                for email in seeded.login_emails
            ],
            batch_size=1000,
        )
        await Operator.filter(account_id=login_account.id).update(two_factor_configured_at=now)
        operators = await Operator.filter(account_id=login_account.id)
        await Authenticator.bulk_create(
            [
                Authenticator(
                    operator_id=op.id,
                    secret_encrypted=box.encrypt(SECRET),
                    confirmed_at=now,
                    created_at=now,
                )
                for op in operators
            ],
            batch_size=1000,
        )
    return seeded


async def _sessions(size: int, count: int) -> None:
    """Issue ``count`` live sessions to the operators of the account of ``size``."""
    now = SystemClock().now()
    operator_ids = await Operator.filter(email_key__endswith=f"@size{size}.example").values_list(
        "id", flat=True
    )
    async with in_transaction():
        await Session.bulk_create(
            [
                Session(
                    operator_id=operator_ids[n % len(operator_ids)],
                    token_hash=hash_token(new_token()),
                    authentication_methods=[AuthenticationMethod.PASSWORD.value],
                    authenticated_at=now,
                    last_used_at=now,
                    created_at=now,
                    expires_at=now + SESSION_LIFETIME,
                )
                for n in range(count)
            ],
            batch_size=1000,
        )

"""The demo account that ``make run`` creates on an empty database.

Besides the administrator whose login is printed, it holds a few operators in the states a
dashboard lists (``DEMO_OPERATORS``): another administrator and a basic operator with an
authenticator, a basic operator who must set up 2FA and has not, an open invitation and a
single-sign-on operator. Only the printed administrator has a password; the others are
there to be looked at (an administrator may still reset, invite again, deactivate them…).
The printed administrator has no second factor, so the README's quick start logs in with
the password alone.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from tortoise.transactions import in_transaction

from models import (
    Account,
    Authenticator,
    Operator,
    OperatorRole,
    OperatorStatus,
    TokenPurpose,
    TwoFactorMode,
)
from services.accounts import create_account
from services.auth import recovery_codes
from services.machinery import tokens, totp
from services.machinery.clock import Clock
from services.machinery.encryption import SecretBox
from services.machinery.hashing import PasswordHasher
from services.validation import email_key, name_key, unclaimed_email_key

DEMO_EMAIL = "admin@demo.example"
"""Email of the demo administrator."""


@dataclass(frozen=True)
class DemoOperator:
    """One operator of the demo account besides its administrator."""

    email: str
    name: str
    role: OperatorRole
    status: OperatorStatus = OperatorStatus.ACTIVE
    configured: bool = False
    """Has a confirmed authenticator and ten recovery codes (whose values nobody knows)."""
    override: TwoFactorMode | None = None
    uses_single_sign_on: bool = False


DEMO_OPERATORS = (
    DemoOperator(
        "olivia@demo.example", "Olivia Okafor", OperatorRole.ADMINISTRATOR, configured=True
    ),
    DemoOperator("devon@demo.example", "Devon Diaz", OperatorRole.BASIC, configured=True),
    DemoOperator(
        "sam@demo.example", "Sam Suzuki", OperatorRole.BASIC, override=TwoFactorMode.REQUIRED
    ),
    DemoOperator(
        "casey@demo.example", "Casey Costa", OperatorRole.BASIC, status=OperatorStatus.INVITED
    ),
    DemoOperator("sasha@demo.example", "Sasha Sato", OperatorRole.BASIC, uses_single_sign_on=True),
)
"""The demo account's other operators: two roles, every two-factor state a dashboard shows
(configured; required and not set up; invited; single sign-on), the rest following the
account default."""


async def seed_demo_account(hasher: PasswordHasher, clock: Clock, box: SecretBox) -> str | None:
    """Create the demo account when there is no account yet and return its random password.

    Returns None when the database already has an account. ``box`` encrypts the demo
    authenticators' secrets, as the server will decrypt them.
    """
    if await Account.exists():
        return None
    password = secrets.token_urlsafe(12)
    now = clock.now()
    account, admin = await create_account(
        name="Demo account",
        admin_email=DEMO_EMAIL,
        admin_password=password,
        admin_name="Demo Admin",
        hasher=hasher,
        now=now,
    )
    async with in_transaction():
        for demo in DEMO_OPERATORS:
            await _add(account, admin, demo, box, now)
    return password


async def _add(
    account: Account, admin: Operator, demo: DemoOperator, box: SecretBox, now: datetime
) -> None:
    """Insert one demo operator in the state ``demo`` describes."""
    invited = demo.status is OperatorStatus.INVITED
    operator = await Operator.create(
        account=account,
        email=demo.email,
        email_key=unclaimed_email_key() if invited else email_key(demo.email),
        email_folded=email_key(demo.email),
        name=demo.name,
        name_key=name_key(demo.name),
        role=demo.role,
        status=demo.status,
        uses_single_sign_on=demo.uses_single_sign_on,
        two_factor_override=demo.override,
        two_factor_configured_at=now if demo.configured else None,
        invited_at=now if invited else None,
        invited_by=admin if invited else None,
        created_at=now,
    )
    if invited:
        await tokens.issue(operator.id, TokenPurpose.INVITATION, now)  # a link nobody gets
    if demo.configured:
        await Authenticator.create(
            operator_id=operator.id,
            secret_encrypted=box.encrypt(totp.new_secret()),
            confirmed_at=now,
            created_at=now,
        )
        _, sealed = await recovery_codes.generate(box)
        await recovery_codes.store(operator.id, sealed)

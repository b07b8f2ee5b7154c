"""The demo account that ``make run`` creates on an empty database."""

from __future__ import annotations

import secrets

from models import Account
from services.accounts import create_account
from services.machinery.clock import Clock
from services.machinery.hashing import PasswordHasher

DEMO_EMAIL = "admin@demo.example"
"""Email of the demo administrator."""


async def seed_demo_account(hasher: PasswordHasher, clock: Clock) -> str | None:
    """Create the demo account when there is no account yet and return its random password.

    Returns None when the database already has an account.
    """
    if await Account.exists():
        return None
    password = secrets.token_urlsafe(12)
    await create_account(
        name="Demo account",
        admin_email=DEMO_EMAIL,
        admin_password=password,
        admin_name="Demo Admin",
        hasher=hasher,
        now=clock.now(),
    )
    return password

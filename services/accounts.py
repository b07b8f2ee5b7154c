"""Creating accounts with their first administrator."""

from __future__ import annotations

from datetime import datetime

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from models import Account, Operator, OperatorRole, OperatorStatus
from services.errors import DomainError, ErrorCode
from services.machinery.hashing import PasswordHasher
from services.validation import (
    check_new_password,
    clean_email,
    clean_name,
    email_key,
    name_key,
)


async def create_account(
    *,
    name: str,
    admin_email: str,
    admin_password: str,
    admin_name: str | None,
    hasher: PasswordHasher,
    now: datetime,
) -> tuple[Account, Operator]:
    """Create an account (default OPTIONAL) and its first, active administrator."""
    name = clean_name(name, ("name",))
    email = clean_email(admin_email, ("adminEmail",))
    check_new_password(admin_password, ("adminPassword",))
    display_name = clean_name(admin_name or email.split("@", 1)[0], ("adminName",))
    password_hash = await hasher.hash(admin_password)
    if await Operator.exists(email_key=email_key(email)):
        raise _email_taken()
    try:
        async with in_transaction():
            account = await Account.create(name=name, created_at=now)
            admin = await Operator.create(
                account=account,
                email=email,
                email_key=email_key(email),
                email_folded=email_key(email),
                name=display_name,
                name_key=name_key(display_name),
                role=OperatorRole.ADMINISTRATOR,
                status=OperatorStatus.ACTIVE,
                password_hash=password_hash,
                created_at=now,
            )
    except IntegrityError as error:  # a concurrent creation took the email
        raise _email_taken() from error
    return account, admin


def _email_taken() -> DomainError:
    return DomainError(
        ErrorCode.EMAIL_TAKEN, "An operator with this email already exists.", field=("adminEmail",)
    )

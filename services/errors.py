"""Error codes owned by the domain, and the exception that carries them to the API layer."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import asyncpg
from tortoise.exceptions import (
    DBConnectionError,
    DoesNotExist,
    MultipleObjectsReturned,
    OperationalError,
)


class ErrorCode(StrEnum):
    """Stable codes of expected failures; clients branch on these, never on messages."""

    INVALID_INPUT = "INVALID_INPUT"
    INVALID_CREDENTIALS = "INVALID_CREDENTIALS"
    SINGLE_SIGN_ON_OPERATOR = "SINGLE_SIGN_ON_OPERATOR"
    WEAK_PASSWORD = "WEAK_PASSWORD"
    INVALID_CODE = "INVALID_CODE"
    CODE_ALREADY_USED = "CODE_ALREADY_USED"
    TOO_MANY_ATTEMPTS = "TOO_MANY_ATTEMPTS"
    TOKEN_INVALID = "TOKEN_INVALID"
    TOKEN_EXPIRED = "TOKEN_EXPIRED"
    NOT_FOUND = "NOT_FOUND"
    EMAIL_TAKEN = "EMAIL_TAKEN"
    NOT_ALLOWED_BY_POLICY = "NOT_ALLOWED_BY_POLICY"
    ALREADY_CONFIGURED = "ALREADY_CONFIGURED"
    NO_PENDING_ENROLLMENT = "NO_PENDING_ENROLLMENT"
    NOT_CONFIGURED = "NOT_CONFIGURED"
    REAUTHENTICATION_REQUIRED = "REAUTHENTICATION_REQUIRED"
    SET_UP_TWO_FACTOR_FIRST = "SET_UP_TWO_FACTOR_FIRST"
    LAST_ADMINISTRATOR = "LAST_ADMINISTRATOR"
    SETUP_LINK_REQUIRED = "SETUP_LINK_REQUIRED"
    SERVICE_UNAVAILABLE = "SERVICE_UNAVAILABLE"
    RATE_LIMITED = "RATE_LIMITED"
    INVALID_URL = "INVALID_URL"
    WEBHOOK_ENDPOINT_DISABLED = "WEBHOOK_ENDPOINT_DISABLED"
    PASSKEY_INVALID = "PASSKEY_INVALID"


class DomainError(Exception):
    """An expected refusal, shown to the client as a ``userErrors`` entry."""

    def __init__(
        self,
        code: ErrorCode,
        message: str,
        *,
        field: tuple[str, ...] | None = None,
        locked_until: datetime | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field
        self.locked_until = locked_until


def not_found(field: tuple[str, ...] | None = None) -> DomainError:
    """Return the one NOT_FOUND error used for missing and foreign ids alike."""
    return DomainError(ErrorCode.NOT_FOUND, "No such object.", field=field)


def too_many_attempts(locked_until: datetime) -> DomainError:
    """Return the TOO_MANY_ATTEMPTS error for a lock that lasts until ``locked_until``."""
    return DomainError(
        ErrorCode.TOO_MANY_ATTEMPTS,
        "Too many failed attempts. Try again later.",
        locked_until=locked_until,
    )


class Forbidden(Exception):
    """The caller is signed in but their role does not allow the action."""


class SessionEnded(Exception):
    """The caller's session ended while their request ran.

    Revoked, expired, no longer satisfying the policy, or its operator deactivated.
    """


DATABASE_UNAVAILABLE: tuple[type[BaseException], ...] = (
    DBConnectionError,
    OperationalError,
    asyncpg.exceptions.PostgresConnectionError,
    asyncpg.exceptions.OperatorInterventionError,
    asyncpg.exceptions.ObjectNotInPrerequisiteStateError,
    asyncpg.exceptions.InterfaceError,
    asyncpg.exceptions.InternalClientError,
    ConnectionError,
    TimeoutError,
)
"""Errors that mean the database cannot be reached right now (not a bug in a query)."""


def is_database_unavailable(error: BaseException | None) -> bool:
    """Tell whether ``error`` means the database cannot be reached right now.

    Tortoise derives "no such row" from OperationalError too; that is a bug of ours, not
    an outage, and is masked like any other.
    """
    return isinstance(error, DATABASE_UNAVAILABLE) and not isinstance(
        error, (DoesNotExist, MultipleObjectsReturned)
    )

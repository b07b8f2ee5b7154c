"""Errors: ``UserError`` entries in payloads, and the few top-level errors."""

from __future__ import annotations

from datetime import datetime

import strawberry
from graphql import GraphQLError

from schema.enums import ErrorCode
from services.errors import DomainError


@strawberry.type(description="An expected failure of a mutation, returned as data.")
class UserError:
    """One entry of a payload's ``userErrors``."""

    code: ErrorCode = strawberry.field(description="Stable code to branch on.")
    field: list[str] | None = strawberry.field(
        description='Path to the offending input field, e.g. ["input", "email"]; null when '
        "the error is not about one field."
    )
    message: str = strawberry.field(description="Human-readable explanation, safe to show.")
    locked_until: datetime | None = strawberry.field(
        default=None, description="With TOO_MANY_ATTEMPTS: when attempts are accepted again."
    )

    @classmethod
    def from_domain(cls, error: DomainError) -> UserError:
        """Turn a domain refusal into its ``userErrors`` entry."""
        return cls(
            code=error.code,
            field=list(error.field) if error.field else None,
            message=error.message,
            locked_until=error.locked_until,
        )


class ApiError(GraphQLError):
    """A top-level error that is meant for the client and never masked."""

    def __init__(self, message: str, code: str | None = None, **extensions: str) -> None:
        super().__init__(
            message, extensions={"code": code, **extensions} if code else extensions or None
        )


def unauthenticated() -> ApiError:
    """Return the error for a missing, invalid or expired session."""
    return ApiError("A valid session is required.", "UNAUTHENTICATED")


def forbidden() -> ApiError:
    """Return the error for a caller whose role does not allow the operation."""
    return ApiError("Your role does not allow this.", "FORBIDDEN")


UNAVAILABLE_MESSAGE = "The service is temporarily unavailable. Try again shortly."
"""What clients are told while the database cannot be reached."""


def invalid_argument(message: str, argument: str | None = None) -> ApiError:
    """Return the error for a query argument out of range (mutations use ``userErrors``).

    ``argument`` names it in ``extensions.argument`` when the message is about one.
    """
    if argument is None:
        return ApiError(message, ErrorCode.INVALID_INPUT.value)
    return ApiError(message, ErrorCode.INVALID_INPUT.value, argument=argument)

"""Value sets stored in the database and shared by the domain and the API."""

from __future__ import annotations

from enum import StrEnum


class TwoFactorMode(StrEnum):
    """How strongly two-factor authentication is asked of an operator."""

    REQUIRED = "REQUIRED"
    OPTIONAL = "OPTIONAL"
    DISABLED = "DISABLED"


class OperatorRole(StrEnum):
    """What an operator may do in their account."""

    ADMINISTRATOR = "ADMINISTRATOR"
    BASIC = "BASIC"


class OperatorStatus(StrEnum):
    """Whether an operator has accepted their invitation, and may still log in."""

    INVITED = "INVITED"
    ACTIVE = "ACTIVE"
    DEACTIVATED = "DEACTIVATED"


class TokenPurpose(StrEnum):
    """What a one-time token lets its bearer do."""

    LOGIN_CHALLENGE = "LOGIN_CHALLENGE"
    SETUP_FROM_EMAIL = "SETUP_FROM_EMAIL"
    SETUP_FROM_INVITATION = "SETUP_FROM_INVITATION"
    INVITATION = "INVITATION"
    PASSWORD_RESET = "PASSWORD_RESET"  # noqa: S105 (a purpose, not a secret)
    TEMPORARY_ACCESS_PASS = "TEMPORARY_ACCESS_PASS"  # noqa: S105 (a purpose, not a secret)

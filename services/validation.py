"""Checks and normalisation of what people type: emails, names, passwords."""

from __future__ import annotations

import re

from services.errors import DomainError, ErrorCode

MIN_PASSWORD_LENGTH = 12
"""Shortest password accepted."""
MAX_PASSWORD_LENGTH = 1024
"""Longest password accepted (argon2 would take anything; this bounds the work)."""
MAX_NAME_LENGTH = 200
"""Longest display name accepted."""
MAX_EMAIL_LENGTH = 254
"""Longest email address accepted (RFC 5321 path limit)."""

_EMAIL = re.compile(r"^[^@\s\x00-\x1f\x7f]{1,64}@[^@\s\x00-\x1f\x7f]+\.[^@\s\x00-\x1f\x7f]+$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def is_storable(text: str) -> bool:
    """Tell whether ``text`` can be stored as UTF-8 text: no NUL, no lone surrogates."""
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def email_key(email: str) -> str:
    """Return the case-insensitive key an email address is unique and looked up by."""
    return email.strip().lower()


def clean_email(email: str, field: tuple[str, ...]) -> str:
    """Return ``email`` trimmed, or raise INVALID_INPUT when it is not an address."""
    email = email.strip()
    if len(email) > MAX_EMAIL_LENGTH or not is_storable(email) or not _EMAIL.match(email):
        raise DomainError(ErrorCode.INVALID_INPUT, "Enter a valid email address.", field=field)
    return email


def clean_name(name: str, field: tuple[str, ...]) -> str:
    """Return ``name`` trimmed, or raise INVALID_INPUT when empty, too long or unprintable."""
    name = name.strip()
    if not name or len(name) > MAX_NAME_LENGTH or _CONTROL.search(name) or not is_storable(name):
        raise DomainError(
            ErrorCode.INVALID_INPUT,
            f"Enter a name of 1 to {MAX_NAME_LENGTH} printable characters.",
            field=field,
        )
    return name


def check_new_password(password: str, field: tuple[str, ...]) -> None:
    """Raise WEAK_PASSWORD unless ``password`` is long enough to be set."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise DomainError(
            ErrorCode.WEAK_PASSWORD,
            f"Use a password of at least {MIN_PASSWORD_LENGTH} characters.",
            field=field,
        )
    if len(password) > MAX_PASSWORD_LENGTH or not is_storable(password):
        raise DomainError(
            ErrorCode.INVALID_INPUT,
            f"Use a password of at most {MAX_PASSWORD_LENGTH} characters, without NUL.",
            field=field,
        )

"""Checks and normalisation of what people type: emails, names, passwords."""

from __future__ import annotations

import re
import secrets

from email_validator import EmailNotValidError, ValidatedEmail, validate_email

from services.errors import DomainError, ErrorCode

MIN_PASSWORD_LENGTH = 12
"""Shortest password accepted."""
MAX_PASSWORD_LENGTH = 1024
"""Longest password accepted (argon2 would take anything; this bounds the work)."""
MAX_NAME_LENGTH = 200
"""Longest display name accepted."""
MAX_EMAIL_LENGTH = 254
"""Longest email address accepted (RFC 5321 path limit)."""

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


NO_ADDRESS = "!"
"""Prefix of the key of text that is no address: stored keys never start with it."""


def _parse_email(email: str) -> ValidatedEmail | None:
    """Return the parsed address, or None unless ``email`` is one plain address.

    A real parser (RFC 5322 syntax as mail servers accept it): no display name, angle
    brackets, commas, line breaks, quoted local parts or IP literals.
    """
    email = email.strip()
    if len(email) > MAX_EMAIL_LENGTH or not is_storable(email):
        return None
    try:
        parsed = validate_email(
            email,
            check_deliverability=False,
            allow_display_name=False,
            allow_quoted_local=False,
            allow_domain_literal=False,
        )
    except EmailNotValidError:
        return None
    # The ASCII form of the domain may be longer than what was typed; both must fit.
    if max(len(str(parsed.normalized)), len(_key_of(parsed))) > MAX_EMAIL_LENGTH:
        return None
    return parsed


def _key_of(parsed: ValidatedEmail) -> str:
    # lower(), not casefold(): "Straße" and "strasse" are different mailboxes.
    return f"{parsed.local_part.lower()}@{parsed.ascii_domain}"


def email_key(email: str) -> str:
    """Return the case-insensitive key an email address is unique and looked up by.

    Internationalized domains count in their ASCII (IDNA) form, so ``Bücher.example`` and
    ``xn--bcher-kva.example`` are one address. Text that is no address gets a key that no
    stored key can equal (neither an address's nor a placeholder).
    """
    parsed = _parse_email(email)
    return _key_of(parsed) if parsed is not None else NO_ADDRESS + email.strip().lower()


def email_search_key(text: str) -> str:
    """Return ``text`` folded like the email keys it is compared with in a search.

    A whole address becomes its key (so an internationalized domain matches in either
    form); the beginning of one is case-folded, as key local parts and domains are.
    """
    parsed = _parse_email(text)
    return _key_of(parsed) if parsed is not None else text.strip().casefold()


def clean_email(email: str, field: tuple[str, ...]) -> str:
    """Return ``email`` normalized (domain in Unicode NFC form), or raise INVALID_INPUT."""
    parsed = _parse_email(email)
    if parsed is None:
        raise DomainError(ErrorCode.INVALID_INPUT, "Enter a valid email address.", field=field)
    return str(parsed.normalized)


def name_key(name: str) -> str:
    """Return the case-folded form a display name is searched by."""
    return name.casefold()


def unclaimed_email_key() -> str:
    """Return a login key for an operator who is not active: unique, and no email's key.

    Only active operators hold their email's key, so an invitation or a deactivated
    operator reserves nothing.
    """
    return "#" + secrets.token_hex(16)


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

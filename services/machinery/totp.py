"""TOTP (RFC 6238) arithmetic: secrets, URIs, and the verify window. No database here."""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import datetime
from enum import Enum

import pyotp

STEP_SECONDS = 30
"""Length of one time step."""
DIGITS = 6
"""Digits in a code."""
WINDOW = 1
"""Steps accepted either side of the current one (±30 s of clock drift)."""


def new_secret() -> str:
    """Return a fresh random 160-bit secret, base32-encoded (32 characters)."""
    return pyotp.random_base32(length=32)


def provisioning_uri(secret: str, *, email: str, issuer: str) -> str:
    """Return the ``otpauth://totp/issuer:email?...`` URI that authenticator apps scan."""
    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS).provisioning_uri(
        name=email, issuer_name=issuer
    )


def time_step(now: datetime) -> int:
    """Return the RFC 6238 time step (counter) that contains ``now``."""
    return int(now.timestamp()) // STEP_SECONDS


def code_at(secret: str, step: int) -> str:
    """Return the code of ``secret`` for time step ``step``."""
    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS).generate_otp(step)


def looks_like_totp(code: str) -> bool:
    """Tell whether ``code`` has the shape of a TOTP code (six ASCII digits)."""
    return len(code) == DIGITS and code.isascii() and code.isdigit()


class Verdict(Enum):
    """How a code compares with the steps around now."""

    ACCEPTED = "accepted"
    ALREADY_USED = "already_used"
    INVALID = "invalid"


@dataclass(frozen=True)
class Match:
    """The verdict on a code and, when accepted, the time step it belongs to."""

    verdict: Verdict
    step: int | None = None


def match(secret: str, code: str, *, now: datetime, last_used_step: int) -> Match:
    """Check ``code`` against the steps now-1 to now+1.

    A code that matches a step later than ``last_used_step`` is accepted for that step (the
    latest such step, should two match); one that matches only steps already used is
    ALREADY_USED; anything else is INVALID. Every candidate is compared in constant time,
    whatever the outcome.
    """
    if not looks_like_totp(code):
        return Match(Verdict.INVALID)
    current = time_step(now)
    matched = [
        step
        for step in range(current - WINDOW, current + WINDOW + 1)
        if hmac.compare_digest(code_at(secret, step), code)
    ]
    fresh = [step for step in matched if step > last_used_step]
    if fresh:
        return Match(Verdict.ACCEPTED, max(fresh))
    if matched:
        return Match(Verdict.ALREADY_USED)
    return Match(Verdict.INVALID)

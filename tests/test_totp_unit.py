"""The pure parts: the TOTP window, the back-off schedule, recovery code shapes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.auth import recovery_codes
from services.machinery import totp
from services.machinery.throttle import lock_duration
from tests.support import totp_code

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
NOW = datetime(2026, 3, 2, 9, 0, 15, tzinfo=UTC)
STEP = timedelta(seconds=30)


def test_independent_code_matches_the_rfc_6238_vector() -> None:
    # RFC 6238 appendix B, SHA1, T = 59 s: 94287082 (8 digits) -> last six digits.
    secret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"  # base32 of "12345678901234567890"
    assert totp_code(secret, datetime.fromtimestamp(59, UTC)) == "287082"
    assert totp.code_at(secret, 1) == "287082"


@pytest.mark.parametrize(
    ("offset", "accepted"), [(-2, False), (-1, True), (0, True), (1, True), (2, False)]
)
def test_window_is_one_step_either_side(offset: int, accepted: bool) -> None:
    code = totp_code(SECRET, NOW + offset * STEP)
    result = totp.match(SECRET, code, now=NOW, last_used_step=0)
    assert (result.verdict is totp.Verdict.ACCEPTED) is accepted
    if accepted:
        assert result.step == totp.time_step(NOW) + offset


def test_steps_up_to_the_last_used_one_are_refused_as_already_used() -> None:
    current = totp.time_step(NOW)
    code = totp_code(SECRET, NOW)
    assert (
        totp.match(SECRET, code, now=NOW, last_used_step=current).verdict
        is totp.Verdict.ALREADY_USED
    )
    assert (
        totp.match(SECRET, code, now=NOW, last_used_step=current + 1).verdict
        is totp.Verdict.ALREADY_USED
    )
    assert totp.match(SECRET, code, now=NOW, last_used_step=current - 1).step == current
    earlier = totp_code(SECRET, NOW - STEP)
    assert (
        totp.match(SECRET, earlier, now=NOW, last_used_step=current - 1).verdict
        is totp.Verdict.ALREADY_USED
    )


@pytest.mark.parametrize(
    "code",
    [
        "",
        "12345",
        "1234567",
        "12345a",
        "\uff11\uff12\uff13\uff14\uff15\uff16",
        "123 456",
        "\x00" * 6,
    ],
)
def test_malformed_codes_are_invalid(code: str) -> None:
    assert totp.match(SECRET, code, now=NOW, last_used_step=0).verdict is totp.Verdict.INVALID


def test_secrets_have_160_bits_and_the_uri_names_issuer_and_email() -> None:
    secret = totp.new_secret()
    assert len(secret) == 32  # 32 base32 characters = 160 bits
    uri = totp.provisioning_uri(secret, email="ann@acme.example", issuer="Acme Cloud")
    assert uri.startswith("otpauth://totp/Acme%20Cloud:ann%40acme.example?")
    assert f"secret={secret}" in uri and "issuer=Acme%20Cloud" in uri


@pytest.mark.parametrize(
    ("failures", "lock"),
    [
        (1, None),
        (4, None),
        (5, 30),
        (6, 60),
        (7, 120),
        (8, 240),
        (9, 480),
        (10, 900),
        (11, 900),
        (50, 900),
    ],
)
def test_lock_doubles_from_30_seconds_after_five_failures_up_to_15_minutes(
    failures: int, lock: int | None
) -> None:
    expected = None if lock is None else timedelta(seconds=lock)
    assert lock_duration(failures) == expected


def test_recovery_codes_are_normalized_for_typing() -> None:
    code = recovery_codes.new_code()
    assert len(code) == 11 and code[5] == "-"
    assert recovery_codes.normalize(code.upper().replace("-", " ")) == code.replace("-", "")
    assert recovery_codes.normalize("123456") is None
    assert recovery_codes.normalize("abcde-fghi0") is None  # 0 and i are not in the alphabet

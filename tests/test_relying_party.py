"""The relying party a public URL stands for: the id and origin browsers check passkeys by."""

from __future__ import annotations

import pytest

from services.machinery.dependencies import RelyingParty


@pytest.mark.parametrize(
    ("public_url", "rp_id", "origin"),
    [
        ("https://twofa.example", "twofa.example", "https://twofa.example"),
        ("https://twofa.example/", "twofa.example", "https://twofa.example"),
        ("https://TwoFA.Example/console", "twofa.example", "https://twofa.example"),
        # Browsers leave a scheme's default port out of the origin they report.
        ("https://twofa.example:443", "twofa.example", "https://twofa.example"),
        ("http://localhost:80", "localhost", "http://localhost"),
        ("https://twofa.example:8443", "twofa.example", "https://twofa.example:8443"),
        ("http://localhost:8000", "localhost", "http://localhost:8000"),
        ("https://user@twofa.example", "twofa.example", "https://twofa.example"),
    ],
)
def test_the_origin_is_the_one_a_browser_reports(public_url: str, rp_id: str, origin: str) -> None:
    relying_party = RelyingParty.of(public_url)
    assert (relying_party.id, relying_party.origin) == (rp_id, origin)

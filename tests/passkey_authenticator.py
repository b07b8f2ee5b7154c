"""A software WebAuthn authenticator and browser, written from the specification.

It answers the options twofa hands out the way a browser with a security key would: a
``none`` attestation at registration, a signed assertion at login, both in the WebAuthn
Level 3 JSON form. ES256 and RS256 credentials; every answer can be spoiled on purpose
(another origin, another relying party, another challenge, a counter that does not rise,
a bad signature) so that tests can show each is refused.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import struct
from dataclasses import dataclass, field
from typing import Any

import cbor2
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from tests.support import PUBLIC_URL

RP_ID = "twofa.test"
"""The relying-party id the tests' server uses (the host of its public URL)."""

UP, UV, AT = 0x01, 0x04, 0x40
"""Authenticator data flags: user present, user verified, attested credential data."""


def b64url(data: bytes) -> str:
    """Unpadded base64url, as WebAuthn's JSON uses."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    """Decode unpadded base64url."""
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class SoftwareAuthenticator:
    """One credential on a software authenticator, with its signature counter."""

    algorithm: str = "ES256"
    credential_id: bytes = field(default_factory=lambda: secrets.token_bytes(32))
    counter: int = 0
    _ec_key: ec.EllipticCurvePrivateKey | None = None
    _rsa_key: rsa.RSAPrivateKey | None = None

    def __post_init__(self) -> None:
        if self.algorithm == "ES256":
            self._ec_key = ec.generate_private_key(ec.SECP256R1())
        elif self.algorithm == "RS256":
            self._rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        else:
            raise ValueError(self.algorithm)

    @property
    def id(self) -> str:
        """The credential id, base64url."""
        return b64url(self.credential_id)

    def cose_key(self) -> bytes:
        """The public key in COSE form (RFC 9053)."""
        if self._ec_key is not None:
            numbers = self._ec_key.public_key().public_numbers()
            return cbor2.dumps(
                {
                    1: 2,
                    3: -7,
                    -1: 1,
                    -2: numbers.x.to_bytes(32, "big"),
                    -3: numbers.y.to_bytes(32, "big"),
                }
            )
        assert self._rsa_key is not None
        rsa_numbers = self._rsa_key.public_key().public_numbers()
        modulus = rsa_numbers.n.to_bytes((rsa_numbers.n.bit_length() + 7) // 8, "big")
        exponent = rsa_numbers.e.to_bytes(3, "big")
        return cbor2.dumps({1: 3, 3: -257, -1: modulus, -2: exponent})

    def sign(self, data: bytes) -> bytes:
        """Sign with the credential's private key (ECDSA or PKCS#1 v1.5, SHA-256)."""
        if self._ec_key is not None:
            return self._ec_key.sign(data, ec.ECDSA(hashes.SHA256()))
        assert self._rsa_key is not None
        return self._rsa_key.sign(data, padding.PKCS1v15(), hashes.SHA256())

    def register(
        self,
        options: dict[str, Any],
        *,
        origin: str = PUBLIC_URL,
        rp_id: str | None = None,
        challenge: str | None = None,
    ) -> dict[str, Any]:
        """Answer creation options: a new credential with a ``none`` attestation."""
        client_data = _client_data("webauthn.create", challenge or options["challenge"], origin)
        auth_data = (
            hashlib.sha256((rp_id or options["rp"]["id"]).encode()).digest()
            + bytes([UP | UV | AT])
            + struct.pack(">I", self.counter)
            + bytes(16)
            + struct.pack(">H", len(self.credential_id))
            + self.credential_id
            + self.cose_key()
        )
        attestation = cbor2.dumps({"fmt": "none", "attStmt": {}, "authData": auth_data})
        return {
            "id": self.id,
            "rawId": self.id,
            "type": "public-key",
            "response": {
                "clientDataJSON": b64url(client_data),
                "attestationObject": b64url(attestation),
                "transports": ["usb", "nfc"],
            },
            "clientExtensionResults": {},
            "authenticatorAttachment": "cross-platform",
        }

    def assertion(
        self,
        options: dict[str, Any],
        *,
        origin: str = PUBLIC_URL,
        rp_id: str = RP_ID,
        challenge: str | None = None,
        counter: int | None = None,
        bad_signature: bool = False,
    ) -> dict[str, Any]:
        """Answer request options with a signed assertion; the counter rises by one."""
        if counter is None:
            self.counter += 1
            counter = self.counter
        client_data = _client_data("webauthn.get", challenge or options["challenge"], origin)
        auth_data = (
            hashlib.sha256(rp_id.encode()).digest() + bytes([UP | UV]) + struct.pack(">I", counter)
        )
        signature = self.sign(auth_data + hashlib.sha256(client_data).digest())
        if bad_signature:
            signature = self.sign(auth_data + hashlib.sha256(b"something else").digest())
        return {
            "id": self.id,
            "rawId": self.id,
            "type": "public-key",
            "response": {
                "clientDataJSON": b64url(client_data),
                "authenticatorData": b64url(auth_data),
                "signature": b64url(signature),
                "userHandle": None,
            },
            "clientExtensionResults": {},
            "authenticatorAttachment": "cross-platform",
        }


def _client_data(kind: str, challenge: str, origin: str) -> bytes:
    return json.dumps(
        {"type": kind, "challenge": challenge, "origin": origin, "crossOrigin": False}
    ).encode()

"""A software ES256 passkey for the bench: its public key, and assertions it signs.

The tests have their own, fuller one (ES256 and RS256, registration, spoiled answers);
folders of the bench and the tests never import each other.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import struct
from typing import Any

import cbor2
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

PRESENT_AND_VERIFIED = 0x05
"""authenticatorData flags: user present (0x01) and user verified (0x04)."""


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class BenchPasskey:
    """One ES256 credential whose signature counter rises with each assertion."""

    def __init__(self) -> None:
        self.credential_id = _b64url(secrets.token_bytes(32))
        self._key = ec.generate_private_key(ec.SECP256R1())
        self._counter = 0

    def public_key(self) -> str:
        """Return the COSE public key (RFC 9053), base64url, as a registration stores it."""
        point = self._key.public_key().public_numbers()
        cose = {
            1: 2,
            3: -7,
            -1: 1,
            -2: point.x.to_bytes(32, "big"),
            -3: point.y.to_bytes(32, "big"),
        }
        return _b64url(cbor2.dumps(cose))

    def assertion(self, options: dict[str, Any], origin: str) -> dict[str, Any]:
        """Answer request options (Level 3 JSON form) for the relying party they name."""
        self._counter += 1
        client_data = json.dumps(
            {"type": "webauthn.get", "challenge": options["challenge"], "origin": origin}
        ).encode()
        auth_data = (
            hashlib.sha256(options["rpId"].encode()).digest()
            + bytes([PRESENT_AND_VERIFIED])
            + struct.pack(">I", self._counter)
        )
        signed = auth_data + hashlib.sha256(client_data).digest()
        return {
            "id": self.credential_id,
            "rawId": self.credential_id,
            "type": "public-key",
            "response": {
                "clientDataJSON": _b64url(client_data),
                "authenticatorData": _b64url(auth_data),
                "signature": _b64url(self._key.sign(signed, ec.ECDSA(hashes.SHA256()))),
            },
            "clientExtensionResults": {},
        }

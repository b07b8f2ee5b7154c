"""Encryption of secrets at rest with Fernet, with key rotation."""

from __future__ import annotations

from collections.abc import Sequence

from cryptography.fernet import Fernet, MultiFernet


class InvalidKeyError(Exception):
    """Raised for an encryption key that is not a valid Fernet key."""


class SecretBox:
    """Encrypts with the first key and decrypts with any, so keys can be rotated."""

    def __init__(self, keys: Sequence[str]) -> None:
        if not keys:
            raise InvalidKeyError("at least one encryption key is needed")
        try:
            self._fernet = MultiFernet([Fernet(key.encode("ascii")) for key in keys])
        except (ValueError, UnicodeEncodeError) as error:
            raise InvalidKeyError("an encryption key is not a Fernet key") from error

    def encrypt(self, plaintext: str) -> str:
        """Return the Fernet token of ``plaintext`` under the first key."""
        return self._fernet.encrypt(plaintext.encode("utf-8")).decode("ascii")

    def decrypt(self, token: str) -> str:
        """Return the plaintext of a token made under any of the keys."""
        return self._fernet.decrypt(token.encode("ascii")).decode("utf-8")

    def rotate(self, token: str) -> str:
        """Return ``token`` re-encrypted under the first key."""
        return self._fernet.rotate(token.encode("ascii")).decode("ascii")


def generate_key() -> str:
    """Return a new random Fernet key."""
    return Fernet.generate_key().decode("ascii")

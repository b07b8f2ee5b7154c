"""Password hashing with argon2id, run off the event loop."""

from __future__ import annotations

import asyncio
import secrets
from dataclasses import dataclass

from argon2 import PasswordHasher as _Argon2
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError


@dataclass(frozen=True)
class Argon2Parameters:
    """Cost settings of argon2id; the defaults are RFC 9106's low-memory recommendation."""

    time_cost: int = 3
    memory_cost_kib: int = 65536
    parallelism: int = 4

    def describe(self) -> str:
        """Return the parameters as one readable line (for logs and benchmarks)."""
        return f"argon2id t={self.time_cost} m={self.memory_cost_kib} KiB p={self.parallelism}"


class PasswordHasher:
    """Hashes and checks secrets with argon2id; every check costs the same, hit or miss."""

    def __init__(self, parameters: Argon2Parameters | None = None) -> None:
        self.parameters = parameters or Argon2Parameters()
        self._argon2 = _Argon2(
            time_cost=self.parameters.time_cost,
            memory_cost=self.parameters.memory_cost_kib,
            parallelism=self.parameters.parallelism,
        )
        self._dummy_hash = self._argon2.hash(secrets.token_urlsafe(24))

    async def hash(self, secret: str) -> str:
        """Return the argon2id hash of ``secret`` (salted, encoded with its parameters)."""
        return await asyncio.to_thread(self._argon2.hash, _utf8(secret))

    def needs_rehash(self, hashed: str) -> bool:
        """Tell whether ``hashed`` was made with other parameters than the current ones."""
        try:
            return self._argon2.check_needs_rehash(hashed)
        except InvalidHashError:
            return True

    async def verify(self, hashed: str | None, secret: str) -> bool:
        """Tell whether ``secret`` matches ``hashed``.

        With no hash (unknown account, no password yet) a dummy hash is checked instead, so
        the answer takes as long as a real one and timing does not tell the cases apart.
        """
        return await asyncio.to_thread(self._verify, hashed, secret)

    def _verify(self, hashed: str | None, secret: str) -> bool:
        try:
            matched = self._argon2.verify(hashed or self._dummy_hash, _utf8(secret))
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False
        return matched and hashed is not None


def _utf8(text: str) -> bytes:
    """Encode any Python string, lone surrogates included (they are valid JSON escapes)."""
    return text.encode("utf-8", "surrogatepass")

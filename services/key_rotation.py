"""Re-encrypting stored secrets under the first encryption key."""

from __future__ import annotations

from tortoise.transactions import in_transaction

from models import Authenticator
from services.encryption import SecretBox


async def rotate_secrets(box: SecretBox) -> int:
    """Re-encrypt every TOTP secret under the box's first key; return how many were.

    After this, keys other than the first can be removed from ENCRYPTION_KEYS.
    """
    async with in_transaction():
        authenticators = await Authenticator.all().select_for_update()
        for authenticator in authenticators:
            authenticator.secret_encrypted = box.rotate(authenticator.secret_encrypted)
            await authenticator.save(update_fields=["secret_encrypted"])
    return len(authenticators)

"""Re-encrypting stored secrets under the first encryption key."""

from __future__ import annotations

from tortoise.transactions import in_transaction

from models import Authenticator, OutboxMessage, RecoveryCode, WebhookEndpoint
from services.machinery.encryption import SecretBox


async def rotate_secrets(box: SecretBox) -> int:
    """Re-encrypt every stored secret under the first key.

    TOTP secrets, sealed recovery codes, queued emails and webhook signing secrets.

    Returns how many values were re-encrypted. After this, keys other than the first can be
    removed from ENCRYPTION_KEYS.
    """
    async with in_transaction():
        authenticators = await Authenticator.all().select_for_update()
        for authenticator in authenticators:
            authenticator.secret_encrypted = box.rotate(authenticator.secret_encrypted)
            await authenticator.save(update_fields=["secret_encrypted"])
        queued = await OutboxMessage.filter(
            sent_at__isnull=True, given_up_at__isnull=True
        ).select_for_update()
        for message in queued:
            message.content_encrypted = box.rotate(message.content_encrypted)
            await message.save(update_fields=["content_encrypted"])
        codes = await RecoveryCode.filter(code_sealed__isnull=False).select_for_update()
        for code in codes:
            code.code_sealed = box.rotate(code.code_sealed or "")
            await code.save(update_fields=["code_sealed"])
        endpoints = await WebhookEndpoint.all().select_for_update()
        signing = 0
        for endpoint in endpoints:
            endpoint.secret_encrypted = box.rotate(endpoint.secret_encrypted)
            signing += 1
            if endpoint.previous_secret_encrypted is not None:
                endpoint.previous_secret_encrypted = box.rotate(endpoint.previous_secret_encrypted)
                signing += 1
            await endpoint.save(update_fields=["secret_encrypted", "previous_secret_encrypted"])
    return len(authenticators) + len(queued) + len(codes) + signing

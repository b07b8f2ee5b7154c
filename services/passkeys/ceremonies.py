"""WebAuthn challenges and the options handed to the browser with them.

A challenge is 32 random bytes, valid for five minutes and accepted once: the answer's
challenge is looked up and deleted in one conditional statement *before* its signature is
checked, so a replayed answer, or a second copy sent in parallel, finds nothing and is
refused. Each challenge is bound to what asked for it: a login's challenge token, the
session that asked, or (registration with a setup token) the operator alone.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from tortoise.transactions import in_transaction
from webauthn import generate_authentication_options, generate_registration_options, options_to_json
from webauthn.helpers import base64url_to_bytes, bytes_to_base64url
from webauthn.helpers.cose import COSEAlgorithmIdentifier
from webauthn.helpers.structs import (
    AttestationConveyancePreference,
    AuthenticatorSelectionCriteria,
    AuthenticatorTransport,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from models import Operator, Passkey, PasskeyCeremony, PasskeyChallenge
from services.errors import DomainError, ErrorCode
from services.machinery.dependencies import RelyingParty

CHALLENGE_BYTES = 32
"""Randomness of a challenge."""
CHALLENGE_LIFETIME = timedelta(minutes=5)
"""How long a challenge may be answered."""
CREDENTIAL_FIELD = ("input", "credential")
ALGORITHMS = [
    COSEAlgorithmIdentifier.ECDSA_SHA_256,
    COSEAlgorithmIdentifier.RSASSA_PKCS1_v1_5_SHA_256,
]
"""Signature algorithms accepted for new passkeys: ES256 and RS256."""
TIMEOUT_MS = int(CHALLENGE_LIFETIME.total_seconds() * 1000)
"""How long the browser is told to wait for the authenticator."""
_TRANSPORTS = frozenset(transport.value for transport in AuthenticatorTransport)


def passkey_invalid() -> DomainError:
    """Return the one refusal of a passkey answer, whatever was wrong with it."""
    return DomainError(
        ErrorCode.PASSKEY_INVALID,
        "The passkey could not be verified. Try again.",
        field=CREDENTIAL_FIELD,
    )


def user_handle(relying_party: RelyingParty, operator_id: int) -> bytes:
    """Return the WebAuthn user handle of an operator: 32 bytes that reveal nothing.

    An HMAC of the operator's internal id keyed by the relying-party id: stable for the
    operator (an authenticator keeps one credential per user handle), free of personal
    data (it is stored on the authenticator and may be shown to other sites' scripts by
    some platforms), and unlike the bare id it does not count the account's operators.
    """
    key = relying_party.id.encode()
    return hmac.new(key, f"operator:{operator_id}".encode(), hashlib.sha256).digest()


def transports_of(values: Any) -> list[str]:
    """Return the known transports among what a browser reported, in order, once each."""
    if not isinstance(values, list):
        return []
    return list(dict.fromkeys(v for v in values if isinstance(v, str) and v in _TRANSPORTS))


def _descriptors(passkeys: Sequence[Passkey]) -> list[PublicKeyCredentialDescriptor]:
    return [
        PublicKeyCredentialDescriptor(
            id=base64url_to_bytes(passkey.credential_id),
            transports=[AuthenticatorTransport(t) for t in transports_of(passkey.transports)],
        )
        for passkey in passkeys
    ]


def creation_options(
    relying_party: RelyingParty,
    operator: Operator,
    challenge: bytes,
    existing: Sequence[Passkey],
) -> dict[str, Any]:
    """Return the registration options in WebAuthn Level 3 JSON form.

    The operator's passkeys are excluded (an authenticator holds one of theirs at most);
    attestation is not asked for, user verification is preferred.
    """
    options = generate_registration_options(
        rp_id=relying_party.id,
        rp_name=relying_party.name,
        user_id=user_handle(relying_party, operator.id),
        user_name=operator.email,
        user_display_name=operator.name,
        challenge=challenge,
        timeout=TIMEOUT_MS,
        attestation=AttestationConveyancePreference.NONE,
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.PREFERRED,
            user_verification=UserVerificationRequirement.PREFERRED,
        ),
        exclude_credentials=_descriptors(existing),
        supported_pub_key_algs=ALGORITHMS,
    )
    found: dict[str, Any] = json.loads(options_to_json(options))
    return found


def request_options(
    relying_party: RelyingParty, challenge: bytes, passkeys: Sequence[Passkey]
) -> dict[str, Any]:
    """Return the authentication options (WebAuthn Level 3 JSON) for the given passkeys."""
    options = generate_authentication_options(
        rp_id=relying_party.id,
        challenge=challenge,
        timeout=TIMEOUT_MS,
        allow_credentials=_descriptors(passkeys),
        user_verification=UserVerificationRequirement.PREFERRED,
    )
    found: dict[str, Any] = json.loads(options_to_json(options))
    return found


async def issue(
    operator_id: int,
    ceremony: PasskeyCeremony,
    now: datetime,
    *,
    login_challenge_id: int | None = None,
    session_id: int | None = None,
) -> bytes:
    """Store a fresh challenge for the operator and return its bytes.

    It replaces the live one of the same ceremony and binding (one registration of an
    operator at a time; one challenge per login or session), and the operator's expired
    challenges go, so their number stays bounded however often one asks.
    """
    challenge = secrets.token_bytes(CHALLENGE_BYTES)
    async with in_transaction():
        await PasskeyChallenge.filter(operator_id=operator_id, expires_at__lte=now).delete()
        replaced = PasskeyChallenge.filter(operator_id=operator_id, ceremony=ceremony)
        if ceremony is PasskeyCeremony.LOGIN:
            replaced = replaced.filter(login_challenge_id=login_challenge_id)
        elif ceremony is PasskeyCeremony.REAUTHENTICATION:
            replaced = replaced.filter(session_id=session_id)
        await replaced.delete()
        await PasskeyChallenge.create(
            operator_id=operator_id,
            ceremony=ceremony,
            challenge=bytes_to_base64url(challenge),
            login_challenge_id=login_challenge_id,
            session_id=session_id,
            created_at=now,
            expires_at=now + CHALLENGE_LIFETIME,
        )
    return challenge


MAX_CLIENT_DATA_LENGTH = 4096
"""Longest base64url ``clientDataJSON`` read: a browser's is a few hundred characters, and
a made-up one of deep nesting must cost nothing (nor fail with a server error)."""


def answered_challenge(credential: Any) -> str:
    """Return the challenge (base64url) a credential's client data says it answers.

    Only a lookup key: the signature over the client data is checked afterwards.
    """
    try:
        encoded = credential["response"]["clientDataJSON"]
        if len(encoded) > MAX_CLIENT_DATA_LENGTH:
            raise passkey_invalid()
        padded = encoded + "=" * (-len(encoded) % 4)
        client_data = json.loads(base64.urlsafe_b64decode(padded))
        challenge = client_data["challenge"]
    except (KeyError, TypeError, ValueError, RecursionError) as error:
        raise passkey_invalid() from error
    if not isinstance(challenge, str) or len(challenge) > 64:
        raise passkey_invalid()
    return challenge


async def consume(
    operator_id: int,
    ceremony: PasskeyCeremony,
    credential: Any,
    now: datetime,
    *,
    login_challenge_id: int | None = None,
    session_id: int | None = None,
) -> bytes:
    """Use up the live challenge the credential answers; return its bytes.

    One conditional DELETE: of concurrent answers to one challenge exactly one finds it.
    A challenge of another operator, ceremony, login or session, an expired or a used one
    all answer PASSKEY_INVALID.
    """
    challenge = answered_challenge(credential)
    found = PasskeyChallenge.filter(
        challenge=challenge, operator_id=operator_id, ceremony=ceremony, expires_at__gt=now
    )
    if login_challenge_id is None:
        found = found.filter(login_challenge_id__isnull=True)
    else:
        found = found.filter(login_challenge_id=login_challenge_id)
    if session_id is None:
        found = found.filter(session_id__isnull=True)
    else:
        found = found.filter(session_id=session_id)
    if await found.delete() != 1:
        raise passkey_invalid()
    try:
        return base64url_to_bytes(challenge)
    except ValueError as error:
        raise passkey_invalid() from error

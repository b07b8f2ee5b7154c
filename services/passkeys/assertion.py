"""Passkey assertions: asking for one (reauthentication), checking one against a stored passkey."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from webauthn import verify_authentication_response
from webauthn.helpers import base64url_to_bytes, bytes_to_base64url
from webauthn.helpers.exceptions import WebAuthnException

from models import Operator, Passkey, PasskeyCeremony, Session
from services.errors import DomainError, ErrorCode
from services.machinery.dependencies import Dependencies
from services.passkeys import ceremonies
from services.passkeys.ceremonies import passkey_invalid


@dataclass(frozen=True)
class Assertion:
    """A verified assertion: the passkey that signed, and its authenticator's new counter."""

    passkey: Passkey
    new_sign_count: int


def credential_id_of(credential: Any) -> str:
    """Return the credential id an answer names, normalised to unpadded base64url."""
    try:
        raw = credential["rawId"]
        return bytes_to_base64url(base64url_to_bytes(raw))
    except (KeyError, TypeError, ValueError) as error:
        raise passkey_invalid() from error


async def verify(
    deps: Dependencies, operator_id: int, credential: Any, challenge: bytes
) -> Assertion:
    """Verify an assertion of one of the operator's passkeys over ``challenge``.

    The relying-party id hash, the origin, the challenge, the signature and the signature
    counter are checked (a counter that does not rise, when either side counts, is a
    possible clone). A credential of another operator is unknown here. Any failure is
    PASSKEY_INVALID, with no detail: the answer tells a guesser nothing.
    """
    passkey = await Passkey.get_or_none(
        credential_id=credential_id_of(credential), operator_id=operator_id
    )
    if passkey is None:
        raise passkey_invalid()
    relying_party = deps.relying_party
    try:
        verified = verify_authentication_response(
            credential=credential,
            expected_challenge=challenge,
            expected_rp_id=relying_party.id,
            expected_origin=relying_party.origin,
            credential_public_key=base64url_to_bytes(passkey.public_key),
            credential_current_sign_count=passkey.sign_count,
            require_user_verification=False,
        )
    except (WebAuthnException, KeyError, TypeError, ValueError) as error:
        raise passkey_invalid() from error
    return Assertion(passkey=passkey, new_sign_count=verified.new_sign_count)


async def record_use(assertion: Assertion, now: datetime) -> None:
    """Store the new counter and the time of use, if the counter is still the one checked.

    A compare-and-set on the old counter: of two assertions checked against the same
    counter, one records and the other is refused (call it in the transaction that accepts
    the assertion, so that the refused one changes nothing).
    """
    passkey = assertion.passkey
    updated = await Passkey.filter(id=passkey.id, sign_count=passkey.sign_count).update(
        sign_count=assertion.new_sign_count, last_used_at=now
    )
    if updated != 1:
        raise passkey_invalid()
    passkey.sign_count, passkey.last_used_at = assertion.new_sign_count, now


def no_passkeys() -> DomainError:
    """Return the refusal of a passkey ceremony for an operator who has no passkey."""
    return DomainError(ErrorCode.NOT_CONFIGURED, "You have no passkey.")


async def start_reauthentication(
    deps: Dependencies, operator: Operator, session: Session
) -> dict[str, Any]:
    """Issue a reauthentication challenge bound to the session; return the request options.

    ``reauthenticate`` then accepts the assertion (with the password) in place of a code.
    """
    now = deps.now()
    passkeys = await Passkey.filter(operator_id=operator.id).order_by("id")
    if not passkeys:
        raise no_passkeys()
    challenge = await ceremonies.issue(
        operator.id, PasskeyCeremony.REAUTHENTICATION, now, session_id=session.id
    )
    return ceremonies.request_options(deps.relying_party, challenge, passkeys)

"""Registering a passkey: the operator's first factor, or one more beside the ones they have.

The entry rules are those of setting up an authenticator (``services.enrollment``): a
signed-in operator with a recent authentication, or the bearer of a setup token; a session
established by the password alone never binds a first factor. A CONFIGURED operator may
add passkeys too, from a session that carries a second factor.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction
from webauthn import verify_registration_response
from webauthn.helpers import bytes_to_base64url
from webauthn.helpers.exceptions import WebAuthnException

from mail.messages import MailKind
from models import (
    Account,
    OneTimeToken,
    Operator,
    Passkey,
    PasskeyCeremony,
    Session,
    TwoFactorMode,
)
from services import audit, sessions
from services.actors import hold_actor
from services.audit import AuditEventKind
from services.auth import recovery_codes
from services.enrollment import (
    SESSION_METHODS,
    SETUP_PURPOSES,
    SETUP_TOKEN_FIELD,
    Proof,
    ensure_may_enroll,
    setup_link_required,
)
from services.enrollment.replacement import by_pass, spend_pass
from services.enrollment.setup_link import LinkNowRequired, link_required, send_setup_link
from services.errors import DomainError, ErrorCode
from services.machinery import tokens
from services.machinery.dependencies import Dependencies
from services.notifications import notify
from services.operators import policy_of
from services.passkeys import ceremonies
from services.passkeys.ceremonies import passkey_invalid
from services.policy import PolicySource
from services.sessions import AuthenticationMethod
from services.sessions.reauthentication import ensure_recent_authentication
from services.validation import clean_name

MAX_PASSKEYS = 10
"""The most passkeys one operator may hold."""
MAX_PASSKEY_NAME_LENGTH = 100
"""The longest name of a passkey."""
NAME_FIELD = ("input", "name")
MAX_CREDENTIAL_ID_CHARS = 1400
"""The longest credential id stored, base64url (WebAuthn allows 1,023 bytes)."""


@dataclass(frozen=True)
class RegistrationDone:
    """A registered passkey; for a first factor, the recovery codes and maybe a session."""

    operator: Operator
    passkey: Passkey
    recovery_codes: list[str] | None
    """Ten codes, shown once, when the passkey is the operator's first factor; else None."""
    session_token: str | None
    """With a setup token and a first factor: the session of the now logged-in operator."""


def _session_of(proof: Proof) -> Session | None:
    return proof if isinstance(proof, Session) else None


def clean_passkey_name(name: str) -> str:
    """Return the name trimmed, or raise INVALID_INPUT unless it has 1 to 100 characters."""
    cleaned = clean_name(name, NAME_FIELD)
    if len(cleaned) > MAX_PASSKEY_NAME_LENGTH:
        raise DomainError(
            ErrorCode.INVALID_INPUT,
            f"Enter a name of 1 to {MAX_PASSKEY_NAME_LENGTH} printable characters.",
            field=NAME_FIELD,
        )
    return cleaned


def _too_many() -> DomainError:
    return DomainError(
        ErrorCode.INVALID_INPUT,
        f"You can have at most {MAX_PASSKEYS} passkeys: remove one first.",
        field=NAME_FIELD,
    )


async def start(deps: Dependencies, operator: Operator, proof: Proof) -> dict[str, Any]:
    """Issue a registration challenge (replacing a live one); return the creation options.

    From a session this needs a recent authentication, as starting TOTP setup does.
    """
    now = deps.now()
    session = _session_of(proof)
    if session is not None:
        ensure_recent_authentication(deps, session)
    await ensure_may_enroll(deps, operator, now, proof, adds_factor=True)
    async with in_transaction():
        if session is not None:
            await hold_actor(operator, session, now)
        else:
            await Operator.filter(id=operator.id).select_for_update(no_key=True).first()
        existing = await Passkey.filter(operator_id=operator.id).order_by("id")
        if len(existing) >= MAX_PASSKEYS:
            raise _too_many()
        challenge = await ceremonies.issue(
            operator.id,
            PasskeyCeremony.REGISTRATION,
            now,
            session_id=session.id if session is not None else None,
        )
    return ceremonies.creation_options(deps.relying_party, operator, challenge, existing)


async def _verified_credential(
    deps: Dependencies, credential: Any, challenge: bytes
) -> tuple[str, str, int, list[str]]:
    """Return the new credential's id, public key (both base64url), counter and transports."""
    relying_party = deps.relying_party
    try:
        verified = verify_registration_response(
            credential=credential,
            expected_challenge=challenge,
            expected_rp_id=relying_party.id,
            expected_origin=relying_party.origin,
            require_user_verification=False,
            supported_pub_key_algs=ceremonies.ALGORITHMS,
        )
        reported = credential["response"].get("transports")
    except (WebAuthnException, AttributeError, KeyError, TypeError, ValueError) as error:
        raise passkey_invalid() from error
    credential_id = bytes_to_base64url(verified.credential_id)
    if len(credential_id) > MAX_CREDENTIAL_ID_CHARS:
        raise passkey_invalid()
    return (
        credential_id,
        bytes_to_base64url(verified.credential_public_key),
        verified.sign_count,
        ceremonies.transports_of(reported),
    )


async def finish(
    deps: Dependencies, operator: Operator, name: str, credential: Any, proof: Proof
) -> RegistrationDone:
    """Verify the authenticator's answer and store the passkey.

    The challenge is used up before the answer is checked. As the operator's first factor
    the passkey makes them CONFIGURED, as confirming an authenticator does: ten recovery
    codes, every other session ended, with a setup token the token consumed and a session
    issued, outstanding setup links deleted, ENROLLMENT_CONFIRMED audited and the operator
    emailed. A further passkey is audited and emailed as added. Registered in a session of a
    temporary access pass, it spends the pass (the session keeps PASSKEY). The policy is
    decided again under the account's and the operator's locks, in the one transaction that
    writes.
    """
    now = deps.now()
    name = clean_passkey_name(name)
    session = _session_of(proof)
    await ensure_may_enroll(deps, operator, now, proof, adds_factor=True)
    challenge = await ceremonies.consume(
        operator.id,
        PasskeyCeremony.REGISTRATION,
        credential,
        now,
        session_id=session.id if session is not None else None,
    )
    credential_id, public_key, sign_count, transports = await _verified_credential(
        deps, credential, challenge
    )
    if await Passkey.exists(credential_id=credential_id):
        raise passkey_invalid()
    try:
        async with in_transaction():
            return await _store(
                deps,
                operator,
                proof,
                Passkey(
                    operator_id=operator.id,
                    name=name,
                    credential_id=credential_id,
                    public_key=public_key,
                    sign_count=sign_count,
                    transports=transports,
                    created_at=now,
                ),
            )
    except LinkNowRequired:
        # The policy became REQUIRED meanwhile (nothing was written): the emailed link it is.
        await send_setup_link(deps, operator, now)
        raise link_required() from None
    except IntegrityError as error:  # the same credential registered concurrently
        raise passkey_invalid() from error


async def _store(
    deps: Dependencies, operator: Operator, proof: Proof, passkey: Passkey
) -> RegistrationDone:
    """Write the passkey and what it changes; call inside the registration's transaction."""
    now = passkey.created_at
    session = _session_of(proof)
    await Account.filter(id=operator.account_id).select_for_update(no_key=True).first()
    if session is not None:
        current = await hold_actor(operator, session, now)
    else:
        current = await Operator.filter(id=operator.id).select_for_update(no_key=True).get()
    policy = await policy_of(current, now)
    if policy.source is PolicySource.SINGLE_SIGN_ON or policy.mode is TwoFactorMode.DISABLED:
        raise DomainError(
            ErrorCode.NOT_ALLOWED_BY_POLICY,
            "Two-factor authentication is not used for this operator.",
        )
    first = current.two_factor_configured_at is None
    if first and session is not None and setup_link_required(policy, session):
        raise LinkNowRequired
    if not first and session is None:
        raise DomainError(
            ErrorCode.ALREADY_CONFIGURED,
            "Two-factor authentication is already set up: sign in to add a passkey.",
        )
    if await Passkey.filter(operator_id=operator.id).count() >= MAX_PASSKEYS:
        raise _too_many()
    await passkey.save()
    await audit.record_own(
        AuditEventKind.PASSKEY_ADDED, current, now, details={"name": passkey.name}
    )
    if not first:
        if session is not None and by_pass(session):
            await sessions.add_method(session, AuthenticationMethod.PASSKEY, now)
            await spend_pass(session)
        await notify(deps, MailKind.PASSKEY_ADDED, current, now, passkey_name=passkey.name)
        return RegistrationDone(current, passkey, recovery_codes=None, session_token=None)
    codes, sealed = await recovery_codes.generate(deps.box)
    await Operator.filter(id=operator.id).update(two_factor_configured_at=now)
    current.two_factor_configured_at = now
    await recovery_codes.store(operator.id, sealed)
    session_token = None
    if isinstance(proof, OneTimeToken):
        await sessions.revoke_operator_sessions(operator.id)
        await tokens.consume(proof, SETUP_TOKEN_FIELD)
        session_token = await sessions.start_session(
            current, now, methods=[SESSION_METHODS[proof.purpose], AuthenticationMethod.PASSKEY]
        )
    else:
        await sessions.revoke_operator_sessions(operator.id, keep_session_id=proof.id)
        await sessions.add_method(proof, AuthenticationMethod.PASSKEY, now)
        await spend_pass(proof)
    await OneTimeToken.filter(operator_id=operator.id, purpose__in=SETUP_PURPOSES).delete()
    via = proof.purpose.value if isinstance(proof, OneTimeToken) else "SETTINGS"
    await audit.record_own(
        AuditEventKind.ENROLLMENT_CONFIRMED, current, now, details={"via": via, "factor": "PASSKEY"}
    )
    await notify(deps, MailKind.TWO_FACTOR_ENABLED, current, now)
    return RegistrationDone(current, passkey, recovery_codes=codes, session_token=session_token)

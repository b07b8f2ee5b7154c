"""Setting up an authenticator: start (a fresh pending secret), then confirm with a code.

Both steps work for a signed-in operator (their settings) and for the bearer of a setup
token (the email link sent at login, or invitation acceptance); confirming with a setup
token consumes it and logs the operator in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from mail.messages import MailKind
from models import (
    Account,
    Authenticator,
    OneTimeToken,
    Operator,
    OperatorStatus,
    Session,
    TokenPurpose,
    TwoFactorMode,
)
from services import audit, sessions
from services.actors import hold_actor
from services.audit import AuditEventKind
from services.auth import recovery_codes
from services.auth.second_factor import counted_attempt, invalid_code
from services.enrollment import beside_passkeys
from services.enrollment.replacement import by_pass, replace_lost_authenticator, spend_pass
from services.enrollment.setup_link import LinkNowRequired, link_required, send_setup_link
from services.errors import DomainError, ErrorCode
from services.machinery import tokens, totp
from services.machinery.dependencies import Dependencies
from services.notifications import notify
from services.operators import policy_of
from services.policy import EffectivePolicy, PolicySource, TwoFactorState
from services.sessions import SECOND_FACTORS, AuthenticationMethod
from services.sessions.reauthentication import ensure_recent_authentication

PENDING_LIFETIME = timedelta(minutes=15)
"""How long a started enrollment waits for its first code."""
SETUP_TOKEN_FIELD = ("input", "setupToken")
SETUP_PURPOSES = (TokenPurpose.SETUP_FROM_EMAIL, TokenPurpose.SETUP_FROM_INVITATION)
SESSION_METHODS = {
    TokenPurpose.SETUP_FROM_EMAIL: AuthenticationMethod.SETUP_LINK,
    TokenPurpose.SETUP_FROM_INVITATION: AuthenticationMethod.INVITATION,
}
"""How the operator proved who they are when a setup token's confirmation logs them in."""


@dataclass(frozen=True)
class EnrollmentStart:
    """What the operator needs to add the secret to an authenticator app."""

    secret: str
    otpauth_uri: str
    expires_at: datetime


@dataclass(frozen=True)
class EnrollmentDone:
    """The confirmed enrollment: recovery codes to show once, and a session if one was issued."""

    operator: Operator
    recovery_codes: list[str] | None  # None for an app added beside passkeys: theirs stay
    session_token: str | None


async def operator_for_setup_token(token: str, now: datetime) -> tuple[Operator, OneTimeToken]:
    """Return the operator a live setup token stands for, and the token's row.

    The token of an operator who is no longer active (deactivated after it was issued) is
    not valid.
    """
    row = await tokens.find(token, SETUP_PURPOSES, now, SETUP_TOKEN_FIELD)
    operator = await Operator.get(id=row.operator_id)
    if operator.status is not OperatorStatus.ACTIVE:
        raise tokens.token_invalid(SETUP_TOKEN_FIELD)
    return operator, row


async def ensure_may_enroll(
    deps: Dependencies,
    operator: Operator,
    now: datetime,
    proof: Proof,
    *,
    adds_factor: bool = False,
) -> None:
    """Refuse enrollment that the operator's policy does not allow.

    A password alone never binds a first factor, under any mode: a session established by
    the password only must not bind an authenticator, or a password thief could bind theirs
    and the owner would then need the thief's codes. Such a request gets a fresh setup
    email instead (the link proves control of the mailbox). An operator who *must* set up
    2FA does so only with a setup token, whatever their session proved, except from a
    session of a temporary access pass: that one may set up a new authenticator even with
    a factor still set up (``services.enrollment.replacement``).

    ``adds_factor``: the factor may come beside the ones the operator has (a further
    passkey). A CONFIGURED operator adds it only from a session that already carries a
    second factor (REAUTHENTICATION_REQUIRED otherwise: reauthenticating asks for one); a
    setup token proves only the mailbox, which is not enough once a factor exists. So is an
    app while none is confirmed (``services.enrollment.beside_passkeys``).
    """
    policy = await policy_of(operator, now)
    if policy.source is PolicySource.SINGLE_SIGN_ON or policy.mode is TwoFactorMode.DISABLED:
        raise DomainError(
            ErrorCode.NOT_ALLOWED_BY_POLICY,
            "Two-factor authentication is not used for this operator.",
        )
    if policy.state is TwoFactorState.CONFIGURED:
        if adds_factor and isinstance(proof, Session):
            if SECOND_FACTORS.isdisjoint(proof.authentication_methods):
                raise DomainError(
                    ErrorCode.REAUTHENTICATION_REQUIRED,
                    "For this, confirm it is you with your second factor again.",
                )
            return
        if isinstance(proof, Session) and await beside_passkeys.adds_authenticator(operator, proof):
            beside_passkeys.ensure_proven_second_factor(deps, proof)
            return
        if by_pass(proof):
            return
        raise DomainError(
            ErrorCode.ALREADY_CONFIGURED,
            "Two-factor authentication is already set up. Reset it first to set it up again.",
        )
    if isinstance(proof, Session) and setup_link_required(policy, proof):
        await send_setup_link(deps, operator, now, requested=not policy.setup_required)
        raise link_required()


def setup_link_required(policy: EffectivePolicy, session: Session | None) -> bool:
    """Tell whether enrolling from ``session`` must go through the emailed setup link.

    The one statement of the rule: ``start`` and ``confirm`` from a session answer
    SETUP_LINK_REQUIRED (and email a link) exactly when this is true, once the session's
    authentication is recent; ``EffectiveTwoFactorPolicy.enrollmentNeedsEmailLink`` shows it
    beforehand. True when an authenticator may be set up at all (``can_enroll``) and either
    2FA is required of the operator or the session was established by the password alone.
    ``session`` None stands for a session from a password login, the way an operator
    without a second factor signs in: then it is true whenever ``can_enroll`` is. A session
    of a temporary access pass never needs the link: an administrator vouched for it.
    """
    if not policy.can_enroll or by_pass(session):
        return False
    return policy.setup_required or session is None or sessions.proves_password_only(session)


Proof = Session | OneTimeToken
"""Who may enroll: a signed-in operator (their session) or the bearer of a setup token."""


async def start(deps: Dependencies, operator: Operator, proof: Proof) -> EnrollmentStart:
    """Create a fresh pending secret (replacing any pending one) and describe it.

    From a session this needs a recent authentication: a stolen session must not be able
    to bind the thief's authenticator. A setup token is proof enough.
    """
    now = deps.now()
    if isinstance(proof, Session):
        ensure_recent_authentication(deps, proof)
    await ensure_may_enroll(deps, operator, now, proof)
    secret = totp.new_secret()
    expires_at = now + PENDING_LIFETIME
    try:
        async with in_transaction():
            # Hold the operator so that concurrent starts replace one another in turn.
            if isinstance(proof, Session):
                await hold_actor(operator, proof, now)
                replaced = by_pass(proof) and await replace_lost_authenticator(
                    deps, operator, proof, now
                )
            else:
                await Operator.filter(id=operator.id).select_for_update(no_key=True).first()
                replaced = False
            await Authenticator.filter(operator_id=operator.id, confirmed_at__isnull=True).delete()
            await Authenticator.create(
                operator_id=operator.id,
                secret_encrypted=deps.box.encrypt(secret),
                pending_expires_at=expires_at,
                created_at=now,
            )
            await audit.record_own(
                AuditEventKind.ENROLLMENT_STARTED,
                operator,
                now,
                details={"replacesAuthenticator": True} if replaced else None,
            )
    except IntegrityError as error:  # confirmed concurrently: one authenticator per operator
        raise DomainError(
            ErrorCode.ALREADY_CONFIGURED, "Two-factor authentication is already set up."
        ) from error
    uri = totp.provisioning_uri(secret, email=operator.email, issuer=deps.totp_issuer)
    return EnrollmentStart(
        secret=secret,
        otpauth_uri=uri,
        expires_at=expires_at,
    )


async def confirm(
    deps: Dependencies,
    operator: Operator,
    code: str,
    proof: Proof,
) -> EnrollmentDone:
    """Activate the pending secret with a code from it.

    The code's step counts as used, ten recovery codes replace any old ones, and every other
    session of the operator ends; the session that confirmed now counts as two-factor (and a
    temporary access pass it was established with is spent). With
    a setup token, the token is consumed and a new session is returned: the operator is
    logged in. An app added beside passkeys changes only the session (``beside_passkeys``).
    """
    now = deps.now()
    setup_token = proof if isinstance(proof, OneTimeToken) else None
    await ensure_may_enroll(deps, operator, now, proof)
    pending = await Authenticator.get_or_none(
        operator_id=operator.id, confirmed_at__isnull=True, pending_expires_at__gt=now
    )
    if pending is None:
        raise DomainError(
            ErrorCode.NO_PENDING_ENROLLMENT,
            "No setup is in progress, or it expired. Start again.",
        )

    async def verify() -> int:
        secret = deps.box.decrypt(pending.secret_encrypted)
        result = totp.match(secret, code.strip().replace(" ", ""), now=now, last_used_step=0)
        if result.step is None:
            raise invalid_code()
        return result.step

    step = await counted_attempt(operator, now, verify)
    codes, hashes = await recovery_codes.generate(deps.box)
    try:
        async with in_transaction():
            # The policy may have changed while the code was checked: decide again, holding the
            # account and the operator (a policy change takes the account row first, too).
            await Account.filter(id=operator.account_id).select_for_update(no_key=True).first()
            added = False
            if isinstance(proof, Session):
                current = await hold_actor(operator, proof, now)
                if setup_link_required(await policy_of(current, now), proof):
                    raise LinkNowRequired
                added = current.two_factor_configured_at is not None and not by_pass(proof)
            else:
                await Operator.filter(id=operator.id).select_for_update(no_key=True).first()
            activated = await Authenticator.filter(id=pending.id, confirmed_at__isnull=True).update(
                confirmed_at=now, pending_expires_at=None, last_used_step=step
            )
            if activated != 1:
                raise DomainError(
                    ErrorCode.ALREADY_CONFIGURED, "Two-factor authentication is already set up."
                )
            if added and isinstance(proof, Session):
                await beside_passkeys.record_added(deps, current, proof, now)
                return EnrollmentDone(operator=current, recovery_codes=None, session_token=None)
            await Operator.filter(id=operator.id).update(two_factor_configured_at=now)
            operator.two_factor_configured_at = now
            await recovery_codes.store(operator.id, hashes)
            session_token = None
            if isinstance(proof, OneTimeToken):
                await sessions.revoke_operator_sessions(operator.id)
                await tokens.consume(proof, SETUP_TOKEN_FIELD)
                session_token = await sessions.start_session(
                    operator,
                    now,
                    methods=[SESSION_METHODS[proof.purpose], AuthenticationMethod.TOTP],
                )
            else:
                await sessions.revoke_operator_sessions(operator.id, keep_session_id=proof.id)
                await sessions.add_method(proof, AuthenticationMethod.TOTP, now)
                await spend_pass(proof)
            # Outstanding setup links are done with: nothing is left to set up.
            await OneTimeToken.filter(operator_id=operator.id, purpose__in=SETUP_PURPOSES).delete()
            await audit.record_own(
                AuditEventKind.ENROLLMENT_CONFIRMED,
                operator,
                now,
                details={"via": setup_token.purpose.value if setup_token else "SETTINGS"},
            )
            await notify(deps, MailKind.TWO_FACTOR_ENABLED, operator, now)
    except LinkNowRequired:
        # The policy became REQUIRED while the code was checked (the transaction rolled
        # back): as when starting, the operator gets the emailed link instead.
        await send_setup_link(deps, operator, now)
        raise link_required() from None
    return EnrollmentDone(operator=operator, recovery_codes=codes, session_token=session_token)

"""Recent authentication ("sudo mode"): sensitive actions need a fresh proof of identity.

A session that authenticated more than ``reauthentication_window`` ago may still read, but
it cannot change policy, invite, revoke sessions, rebind or turn off 2FA or renew recovery
codes until the operator proves who they are again with ``reauthenticate``. A stolen
session token therefore cannot escalate or weaken anything once it is older than that.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from tortoise.transactions import in_transaction

from models import Operator, PasskeyCeremony, Session
from services import audit, sessions
from services.actors import hold_actor
from services.audit import AuditEventKind
from services.auth import second_factor
from services.errors import DomainError, ErrorCode
from services.machinery import throttle
from services.machinery.client import current_client
from services.machinery.dependencies import Dependencies
from services.passkeys import assertion, ceremonies
from services.sessions import AuthenticationMethod
from services.validation import MAX_PASSWORD_LENGTH

PASSWORD_FIELD = ("input", "password")
CODE_FIELD = ("input", "code")
CREDENTIAL_FIELD = ("input", "credential")


def reauthentication_expires_at(deps: Dependencies, authenticated_at: datetime) -> datetime:
    """Return when an authentication made at ``authenticated_at`` stops counting as recent.

    From that instant on (included), ``ensure_recent_authentication`` refuses the session.
    """
    return authenticated_at + deps.reauthentication_window


def ensure_recent_authentication(deps: Dependencies, session: Session) -> None:
    """Raise REAUTHENTICATION_REQUIRED unless the session authenticated within the window."""
    if deps.now() >= reauthentication_expires_at(deps, session.authenticated_at):
        raise DomainError(
            ErrorCode.REAUTHENTICATION_REQUIRED,
            "For this, confirm it is you: enter your password (and a code) again.",
        )


def reauthentication_key(operator_id: int) -> str:
    """Throttle key for password guesses through ``reauthenticate``."""
    return f"reauthenticate:{operator_id}"


async def current_password_hash(operator_id: int) -> str | None:
    """Return the operator's stored password hash, as it is now (None: they have none).

    The caller's session is read without it (``services.machinery.session_lookup``).
    """
    stored = await Operator.filter(id=operator_id).first().values_list("password_hash", flat=True)
    return cast(str | None, stored)


async def check_current_password(
    deps: Dependencies, operator: Operator, password: str, field: tuple[str, ...], message: str
) -> None:
    """Raise INVALID_CREDENTIALS (on ``field``) unless ``password`` is the operator's.

    Every guess counts towards one per-operator lock (5 free, then doubling), refused while
    the login email is locked for every address (guesses from many places), unless the
    request comes from an address the operator logged in from recently, as at login. The
    check takes its place at the hasher first (a request turned away there counts nothing),
    and one the server was too busy to run in time (SERVICE_UNAVAILABLE) was no guess: its
    count is given back.
    """
    now = deps.now()
    address = current_client().ip_address
    with deps.hasher.ticket(address) as ticket:
        if not await throttle.is_known_address(operator.email_key, address, now):
            await throttle.ensure_not_locked(throttle.email_wide_key(operator.email_key), now)
        key = reauthentication_key(operator.id)
        lock = await throttle.begin_attempt(key, now)
        ticket.identify(email=operator.email_key, known=True)  # the session proves the email
        stored = await current_password_hash(operator.id)
        try:
            right = await deps.hasher.verify(stored, password[:MAX_PASSWORD_LENGTH], ticket=ticket)
        except DomainError as error:
            if error.code is ErrorCode.SERVICE_UNAVAILABLE:
                await throttle.attempt_abandoned(key, lock)
            raise
    if not right or len(password) > MAX_PASSWORD_LENGTH:
        raise DomainError(ErrorCode.INVALID_CREDENTIALS, message, field=field)
    await throttle.succeeded(key)


async def reauthenticate(
    deps: Dependencies,
    operator: Operator,
    session: Session,
    password: str,
    code: str | None,
    credential: Any = None,
) -> Session:
    """Renew the session's authentication with the password and, when 2FA is set up, a factor.

    The factor is a code, or a passkey assertion (``credential``) over the challenge
    ``startPasskeyReauthentication`` issued to this session; one of them, not both. Every
    password attempt counts towards a per-operator lock (5 free, then doubling), and the
    factor towards the operator's code lock, exactly as at login; while the login email
    is locked for every address, reauthenticating is refused too.
    """
    now = deps.now()
    await check_current_password(
        deps, operator, password, PASSWORD_FIELD, "The password is not correct."
    )
    if operator.two_factor_configured_at is None:
        async with in_transaction():
            me = await hold_actor(operator, session, now)
            await sessions.add_method(session, AuthenticationMethod.PASSWORD, now)
            await _audit(me, AuthenticationMethod.PASSWORD, now)
        return session
    if credential is not None and code:
        raise DomainError(
            ErrorCode.INVALID_INPUT,
            "Give either a code or a passkey, not both.",
            field=CREDENTIAL_FIELD,
        )
    if credential is not None:
        await _with_passkey(deps, operator, session, credential)
        return session
    if not code:
        raise DomainError(
            ErrorCode.INVALID_INPUT,
            "Enter a code from your authenticator app, or a recovery code, or use a passkey.",
            field=CODE_FIELD,
        )

    async def renew(method: AuthenticationMethod) -> None:
        me = await hold_actor(operator, session, now)
        await sessions.add_method(session, method, now)
        await _audit(me, method, now)

    await second_factor.check(deps, operator, code, now, then=renew)
    return session


async def _with_passkey(
    deps: Dependencies, operator: Operator, session: Session, credential: Any
) -> None:
    """Accept a passkey assertion over the session's reauthentication challenge.

    The challenge is used up before the signature is checked; the counter, the session's
    new method and the audit event are written together. Counted as a code attempt.
    """
    now = deps.now()

    async def verify() -> None:
        expected = await ceremonies.consume(
            operator.id, PasskeyCeremony.REAUTHENTICATION, credential, now, session_id=session.id
        )
        verified = await assertion.verify(deps, operator.id, credential, expected)
        async with in_transaction():
            me = await hold_actor(operator, session, now)
            await assertion.record_use(verified, now)
            await sessions.add_method(session, AuthenticationMethod.PASSKEY, now)
            await _audit(me, AuthenticationMethod.PASSKEY, now)

    await second_factor.counted_attempt(operator, now, verify)


async def _audit(operator: Operator, method: AuthenticationMethod, now: datetime) -> None:
    await audit.record_own(
        AuditEventKind.REAUTHENTICATED, operator, now, details={"method": method.value}
    )

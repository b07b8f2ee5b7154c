"""Sessions: opaque bearer tokens, stored as hashes, that carry how they were established.

A session is accepted only while it satisfies its operator's policy: under REQUIRED it must
have been established with a second factor, or the operator must be inside their grace
period. The check runs on every request from the one row read to authenticate it, so a
change of policy ends non-compliant sessions at once, in every process. A session refused
once is ended for good: every policy change deletes the sessions that its old policy no
longer accepted (a grace period may have run out since) and those its new one does not, so
relaxing the policy later finds nothing to bring back.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from enum import StrEnum
from typing import NamedTuple

from tortoise.transactions import in_transaction

from models import Account, Operator, OperatorStatus, Session, TwoFactorMode
from services import audit
from services.audit import AuditEventKind
from services.machinery.client import current_client
from services.machinery.session_lookup import session_by_token_hash
from services.machinery.tokens import hash_token, new_token
from services.operators import grace_of
from services.policy import TwoFactorState, effective_mode, requires_setup, setup_deadline

SESSION_LIFETIME = timedelta(hours=12)
"""How long a session token is accepted after login."""
LAST_USED_PRECISION = timedelta(minutes=1)
"""``lastUsedAt`` is written at most this often, so most requests only read."""


class AuthenticationMethod(StrEnum):
    """How an operator proved who they are for a session."""

    PASSWORD = "password"  # noqa: S105 (a method name, not a secret)
    TOTP = "totp"
    RECOVERY_CODE = "recovery_code"
    SETUP_LINK = "setup_link"
    INVITATION = "invitation"
    PASSKEY = "passkey"
    TRUSTED_DEVICE = "trusted_device"
    TEMPORARY_ACCESS_PASS = "temporary_access_pass"  # noqa: S105 (a method name, not a secret)


SECOND_FACTORS = frozenset(
    {
        AuthenticationMethod.TOTP,
        AuthenticationMethod.RECOVERY_CODE,
        AuthenticationMethod.PASSKEY,
        AuthenticationMethod.TRUSTED_DEVICE,
        AuthenticationMethod.TEMPORARY_ACCESS_PASS,
    }
)
"""Methods that make a session two-factor (an enrollment confirmed in it adds TOTP or
PASSKEY). A trusted device stands for a second factor given on it earlier; a temporary
access pass for one an administrator vouched for."""


async def start_session(
    operator: Operator,
    now: datetime,
    *,
    methods: Sequence[AuthenticationMethod],
    trusted_device_id: int | None = None,
) -> str:
    """Log the operator in: issue a session, audit how they proved who they are.

    Every session is issued here, so every login leaves a LOGIN_SUCCEEDED event. The
    session keeps the address and user agent of the request being served (none outside a
    request), as its audit event does, and the trusted device whose token stood for the
    second factor, if one did (forgetting it ends the session). Returns the bearer token,
    which is shown once and stored only as a hash.
    """
    client = current_client()
    token = new_token()
    async with in_transaction():
        await Session.create(
            operator_id=operator.id,
            token_hash=hash_token(token),
            authentication_methods=[method.value for method in methods],
            authenticated_at=now,
            ip_address=client.ip_address,
            user_agent=client.user_agent,
            last_used_at=now,
            created_at=now,
            expires_at=now + SESSION_LIFETIME,
            trusted_device_id=trusted_device_id,
        )
        await Operator.filter(id=operator.id).update(last_login_at=now)
        operator.last_login_at = now
        await audit.record_own(
            AuditEventKind.LOGIN_SUCCEEDED,
            operator,
            now,
            details={"method": methods[-1].value, "methods": [m.value for m in methods]},
        )
    return token


def proves_password_only(session: Session) -> bool:
    """Tell whether the session was established by the password alone.

    No second factor and no proof of the mailbox (a setup link, an invitation): such a
    session never binds a first factor (``services.enrollment``).
    """
    return set(session.authentication_methods) <= {AuthenticationMethod.PASSWORD.value}


def methods_of(session: Session) -> list[AuthenticationMethod]:
    """Return how the session was established, oldest proof first."""
    return [AuthenticationMethod(value) for value in session.authentication_methods]


def satisfies_policy(session: Session, operator: Operator, now: datetime) -> bool:
    """Tell whether the session may act for its operator under their policy now.

    Not REQUIRED: any session. REQUIRED: a session established with a second factor, or
    any session while the operator's grace period runs. ``operator.account`` must be loaded.
    Every request asks this, so it reads only the part of the policy it needs (the mode,
    then the grace period), by the same rules as ``effective_policy``.
    """
    account = operator.account
    mode, _ = effective_mode(
        account_default=account.two_factor_default,
        override=operator.two_factor_override,
        uses_single_sign_on=operator.uses_single_sign_on,
    )
    if mode is not TwoFactorMode.REQUIRED:
        return True
    # Removing an authenticator ends or downgrades the sessions that used it (a reset ends
    # them all, turning 2FA off strips the second factor from the rest), so a second factor
    # recorded here belongs to the authenticator the operator has.
    if not SECOND_FACTORS.isdisjoint(session.authentication_methods):
        return True
    configured = operator.two_factor_configured_at is not None
    state = TwoFactorState.CONFIGURED if configured else TwoFactorState.NOT_CONFIGURED
    grace = grace_of(operator.two_factor_required_since, account, now)
    return requires_setup(mode, state) and setup_deadline(grace) is not None


def accepts(session: Session, operator: Operator, now: datetime) -> bool:
    """Tell whether a live session may act for its operator now.

    The one rule of both authentication and the check at a change's write
    (``services.actors``): the operator must be active, sign in here (not through single
    sign-on), and the session must satisfy their policy. ``operator.account`` must be loaded.
    """
    return (
        operator.status is OperatorStatus.ACTIVE
        and not operator.uses_single_sign_on
        and satisfies_policy(session, operator, now)
    )


class Authenticated(NamedTuple):
    """A request's caller: their live session, the operator and their two-factor state."""

    session: Session
    operator: Operator
    """The session's operator, with ``operator.account`` loaded."""
    two_factor_state: TwoFactorState
    """The operator's authenticator state, read with the session."""


async def authenticate(token: str, now: datetime) -> Authenticated | None:
    """Return the live session, its operator and their 2FA state for a bearer token, or None.

    None as well when the operator is not active, signs in through single sign-on, or the
    session no longer satisfies their policy. One precompiled statement reads the session,
    the operator, their account and authenticator; ``lastUsedAt`` is written at most once a
    minute.
    """
    found = await session_by_token_hash(hash_token(token), now)
    if found is None:
        return None
    session, operator = found.session, found.operator
    if not accepts(session, operator, now):
        return None
    if session.last_used_at <= now - LAST_USED_PRECISION:
        await Session.filter(id=session.id, last_used_at=session.last_used_at).update(
            last_used_at=now
        )
        session.last_used_at = now
    return Authenticated(session, operator, found.two_factor_state)


async def add_method(session: Session, method: AuthenticationMethod, now: datetime) -> None:
    """Record a further proof in a live session (a code given in it): it counts from now.

    A second factor given in a session opened by a remembered browser frees it from that
    browser: forgetting the browser no longer ends it (changing the password from it, say,
    keeps it as it keeps any current session).
    """
    methods = [*session.authentication_methods]
    if method.value not in methods:
        methods.append(method.value)
    detached = method in SECOND_FACTORS
    await Session.filter(id=session.id).update(
        authentication_methods=methods,
        authenticated_at=now,
        **({"trusted_device_id": None} if detached else {}),
    )
    session.authentication_methods, session.authenticated_at = methods, now
    if detached:
        session.trusted_device_id = None


async def drop_second_factors(operator_id: int) -> None:
    """Strip TOTP and recovery-code proofs from the operator's sessions (2FA was turned off).

    Without this a session would still count as two-factor for an authenticator that no
    longer exists, and survive the policy becoming REQUIRED.
    """
    for session in await Session.filter(operator_id=operator_id):
        kept = [m for m in session.authentication_methods if m not in SECOND_FACTORS]
        if kept != session.authentication_methods:
            await Session.filter(id=session.id).update(authentication_methods=kept)


async def end_sessions_failing_policy(
    account: Account, now: datetime, *, operator_id: int | None = None
) -> int:
    """End, for good, the live sessions that their operator's policy no longer accepts.

    A session refused once must never come back: call this in a policy change's
    transaction both before the change (a grace period that ran out since, unnoticed) and
    after it (what the change itself ends), so that relaxing the policy or granting a grace
    period later finds nothing left to accept. ``account`` is the operators' account as the
    change holds it (locked, with the facts to judge by); ``operator_id`` narrows it to one
    operator. Returns how many sessions ended.
    """
    query = Session.filter(operator__account_id=account.id, expires_at__gt=now)
    if operator_id is not None:
        query = query.filter(operator_id=operator_id)
    ended: list[int] = []
    for session in await query.select_related("operator"):
        session.operator.account = account
        if not accepts(session, session.operator, now):
            ended.append(session.id)
    if ended:
        await Session.filter(id__in=ended).delete()
    return len(ended)


async def revoke_session(session_id: int) -> None:
    """End one session (logout)."""
    await Session.filter(id=session_id).delete()


async def revoke_operator_sessions(operator_id: int, *, keep_session_id: int | None = None) -> int:
    """End every session of an operator, except ``keep_session_id``; return how many ended."""
    query = Session.filter(operator_id=operator_id)
    if keep_session_id is not None:
        query = query.exclude(id=keep_session_id)
    return await query.delete()

"""Sessions: opaque bearer tokens, stored as hashes, that expire and can be revoked."""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from tortoise.transactions import in_transaction

from models import Operator, OperatorStatus, Session
from services import audit
from services.audit import AuditEventKind
from services.tokens import hash_token, new_token

SESSION_LIFETIME = timedelta(hours=12)
"""How long a session token is accepted after login."""


class AuthenticationMethod(StrEnum):
    """How an operator proved who they are when a session was issued."""

    PASSWORD = "password"  # noqa: S105 (a method name, not a secret)
    TOTP = "totp"
    RECOVERY_CODE = "recovery_code"
    SETUP_LINK = "setup_link"
    INVITATION = "invitation"


async def start_session(operator: Operator, now: datetime, *, method: AuthenticationMethod) -> str:
    """Log the operator in: issue a session, audit how they proved who they are.

    Every session is issued here, so every login leaves a LOGIN_SUCCEEDED event. Returns
    the bearer token, which is shown once and stored only as a hash.
    """
    token = new_token()
    async with in_transaction():
        await Session.create(
            operator_id=operator.id,
            token_hash=hash_token(token),
            authentication_methods=[method.value],
            authenticated_at=now,
            last_used_at=now,
            created_at=now,
            expires_at=now + SESSION_LIFETIME,
        )
        await audit.record_own(
            AuditEventKind.LOGIN_SUCCEEDED, operator, now, details={"method": method.value}
        )
    return token


async def authenticate(token: str, now: datetime) -> tuple[Session, Operator] | None:
    """Return the live session and its active operator for a bearer token, or None.

    One statement: the operator and their account come joined (``operator.account``).
    """
    session = (
        await Session.filter(token_hash=hash_token(token), expires_at__gt=now)
        .select_related("operator__account")
        .first()
    )
    if session is None or session.operator.status is not OperatorStatus.ACTIVE:
        return None
    return session, session.operator


async def revoke_session(session_id: int) -> None:
    """End one session (logout)."""
    await Session.filter(id=session_id).delete()


async def revoke_operator_sessions(operator_id: int, *, keep_session_id: int | None = None) -> None:
    """End every session of an operator, except ``keep_session_id`` when given."""
    query = Session.filter(operator_id=operator_id)
    if keep_session_id is not None:
        query = query.exclude(id=keep_session_id)
    await query.delete()

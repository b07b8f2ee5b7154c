"""Temporary access passes: an administrator lets a locked-out operator in once.

Instead of resetting an operator's two-factor setup, an administrator issues a pass: 16
characters from the recovery-code alphabet in four groups (``k7m2-px9r-a3bc-defg``, about
80 bits), typeable and never mistaken for a six-digit TOTP code or a ten-character recovery
code. It is shown once, stored as the SHA-256 of its canonical form (at that entropy, with
every try counted on the code throttle, a slow hash adds nothing), in a ``OneTimeToken`` of
purpose TEMPORARY_ACCESS_PASS with its own expiry. One pass per operator: issuing voids the
previous one. It is used once, at the code step of a login (``services.auth.code_step``),
never for a reauthentication, turning 2FA off or renewing recovery codes. API keys may not
issue one: vouching for a person is a person's act, with a recent authentication.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from tortoise.transactions import in_transaction

from mail.messages import MailKind
from models import OneTimeToken, Operator, OperatorStatus, Session, TokenPurpose, TwoFactorMode
from services import audit
from services.actors import hold_actor
from services.audit import AuditEventKind
from services.auth.recovery_codes import ALPHABET
from services.errors import DomainError, ErrorCode
from services.machinery.dependencies import Dependencies
from services.machinery.tokens import hash_token
from services.notifications import notify
from services.operators import operator_in_account, policy_of
from services.policy import PolicySource
from services.sessions.reauthentication import ensure_recent_authentication

PURPOSE = TokenPurpose.TEMPORARY_ACCESS_PASS
LENGTH = 16
"""Characters of a pass, shown in groups of ``GROUP``."""
GROUP = 4
MIN_MINUTES = 10
MAX_MINUTES = 43_200
"""A pass is valid 10 minutes to 30 days."""
DEFAULT_MINUTES = 60
OPERATOR_ID_FIELD = ("input", "operatorId")
MINUTES_FIELD = ("input", "validForMinutes")


@dataclass(frozen=True)
class IssuedPass:
    """A pass just issued: shown to the administrator once, never stored in clear."""

    operator: Operator
    value: str
    expires_at: datetime


def new_pass() -> str:
    """Return a random pass formatted for reading, e.g. ``k7m2-px9r-a3bc-defg``."""
    raw = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
    return "-".join(raw[at : at + GROUP] for at in range(0, LENGTH, GROUP))


def normalize(typed: str) -> str | None:
    """Return the canonical form of a typed pass, or None if it cannot be one."""
    compact = typed.strip().lower().replace("-", "").replace(" ", "")
    if len(compact) != LENGTH or any(char not in ALPHABET for char in compact):
        return None
    return compact


async def is_active(operator_id: int, now: datetime) -> bool:
    """Tell whether the operator holds an unexpired, unused pass."""
    return await OneTimeToken.exists(operator_id=operator_id, purpose=PURPOSE, expires_at__gt=now)


async def spend(operator_id: int, canonical: str, now: datetime) -> bool:
    """Use up the operator's pass if ``canonical`` is it and it is live; tell whether it was.

    One conditional DELETE: of parallel uses of one pass, in any process, exactly one
    deletes the row. Call it inside the transaction that issues the session.
    """
    deleted = await OneTimeToken.filter(
        operator_id=operator_id,
        purpose=PURPOSE,
        token_hash=hash_token(canonical),
        expires_at__gt=now,
    ).delete()
    return deleted == 1


async def issue(
    deps: Dependencies,
    actor: Operator,
    session: Session,
    operator_id: int | None,
    valid_for_minutes: int,
) -> IssuedPass:
    """Issue a pass to an operator of the administrator's account; email and audit it.

    Never to oneself (a pass must come from someone else who vouches for the person).
    The operator must be active, sign in with a password, and have 2FA asked of them (not
    DISABLED): otherwise NOT_ALLOWED_BY_POLICY. Replacing the previous pass, storing this
    one, the audit event and the email are one transaction holding the operator's row.
    """
    ensure_recent_authentication(deps, session)
    if not MIN_MINUTES <= valid_for_minutes <= MAX_MINUTES:
        raise DomainError(
            ErrorCode.INVALID_INPUT,
            f"A temporary access pass is valid {MIN_MINUTES} to {MAX_MINUTES} minutes (30 days).",
            field=MINUTES_FIELD,
        )
    if operator_id == actor.id:
        raise DomainError(
            ErrorCode.NOT_ALLOWED_BY_POLICY,
            "You cannot issue a temporary access pass to yourself: ask another administrator.",
            field=OPERATOR_ID_FIELD,
        )
    now = deps.now()
    value = new_pass()
    expires_at = now + timedelta(minutes=valid_for_minutes)
    async with in_transaction():
        me = await hold_actor(actor, session, now, administrator=True)
        operator = await operator_in_account(
            me.account_id, operator_id, OPERATOR_ID_FIELD, lock=True
        )
        policy = await policy_of(operator, now)
        if (
            operator.status is not OperatorStatus.ACTIVE
            or policy.source is PolicySource.SINGLE_SIGN_ON
            or policy.mode is TwoFactorMode.DISABLED
        ):
            raise DomainError(
                ErrorCode.NOT_ALLOWED_BY_POLICY,
                "A temporary access pass is only for an active operator who signs in with a "
                "password and from whom two-factor authentication is asked.",
                field=OPERATOR_ID_FIELD,
            )
        await OneTimeToken.filter(operator_id=operator.id, purpose=PURPOSE).delete()
        await OneTimeToken.create(
            operator_id=operator.id,
            purpose=PURPOSE,
            token_hash=hash_token(normalize(value) or ""),
            created_at=now,
            expires_at=expires_at,
        )
        await audit.record(
            AuditEventKind.TEMPORARY_ACCESS_PASS_ISSUED,
            account_id=operator.account_id,
            actor_id=me.id,
            target_id=operator.id,
            now=now,
            details={"expiresAt": expires_at.isoformat()},
        )
        await notify(
            deps,
            MailKind.TEMPORARY_ACCESS_PASS_ISSUED,
            operator,
            now,
            admin_name=me.name,
            expires_at=expires_at.strftime("%Y-%m-%d %H:%M UTC"),
        )
    return IssuedPass(operator=operator, value=value, expires_at=expires_at)

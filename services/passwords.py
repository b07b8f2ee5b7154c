"""Changing a password from a session, and resetting a forgotten one through an emailed link.

A new password ends sessions (the operator's others on a change, all of them on a reset) and
voids what the old password vouched for: pending login challenges and reset links. A reset
never issues a session: the next login asks for the password and, as always, the second
factor, so a reset never bypasses two-factor authentication.
"""

from __future__ import annotations

from datetime import timedelta

from tortoise.transactions import in_transaction

from mail.messages import MailKind
from mail.outbox import PASSWORD_RESET_PATH
from models import OneTimeToken, Operator, OperatorStatus, Session, TokenPurpose
from services import audit, sessions
from services.actors import hold_actor
from services.audit import AuditEventKind
from services.auth.trusted_devices import ForgetReason, forget_all
from services.machinery import tokens
from services.machinery.dependencies import Dependencies
from services.notifications import notify
from services.sessions.reauthentication import check_current_password, ensure_recent_authentication
from services.validation import (
    check_new_password,
    clean_email,
    email_key,
)

CURRENT_PASSWORD_FIELD = ("input", "currentPassword")
NEW_PASSWORD_FIELD = ("input", "newPassword")
EMAIL_FIELD = ("input", "email")
TOKEN_FIELD = ("input", "token")
RESET_EMAIL_PAUSE = timedelta(minutes=1)
"""Shortest time between two reset emails to one operator."""
VOIDED_BY_NEW_PASSWORD = (TokenPurpose.LOGIN_CHALLENGE, TokenPurpose.PASSWORD_RESET)
"""Tokens that a new password voids: challenges proved the old one, reset links are spent."""


async def change_password(
    deps: Dependencies,
    operator: Operator,
    session: Session,
    current_password: str,
    new_password: str,
) -> int:
    """Replace the operator's password, proven with the current one.

    Returns how many of their other sessions ended. Needs a recent authentication. Guesses
    of the current password count towards the same per-operator lock as ``reauthenticate``
    (and are refused while the login email is locked for every address); a new password
    that would be refused costs no guess.
    """
    ensure_recent_authentication(deps, session)
    check_new_password(new_password, NEW_PASSWORD_FIELD)
    now = deps.now()
    await check_current_password(
        deps,
        operator,
        current_password,
        CURRENT_PASSWORD_FIELD,
        "The current password is not correct.",
    )
    password_hash = await deps.hasher.hash(new_password)
    async with in_transaction():
        me = await hold_actor(operator, session, now)
        ended = await _set_password(me, password_hash, keep_session_id=session.id)
        await forget_all(me.id, ForgetReason.PASSWORD_CHANGED, now)
        await audit.record_own(
            AuditEventKind.PASSWORD_CHANGED, me, now, details={"sessionsEnded": ended}
        )
        await notify(
            deps,
            MailKind.PASSWORD_CHANGED,
            me,
            now,
            how="from your settings",
            sessions="Your other sessions were ended; the one you used stays signed in.",
        )
    return ended


def reset_request_key(email: str) -> str:
    """Return the login key a reset is asked for, or raise INVALID_INPUT for no address.

    Nothing is looked up here: the answer to the request must not depend on who exists.
    """
    return email_key(clean_email(email, EMAIL_FIELD))


async def send_reset_link(deps: Dependencies, key: str) -> None:
    """Email a password reset link to the active operator with login ``key``, if any.

    Run after the answer went out (see ``requestPasswordReset``), so that neither the answer
    nor its timing tells whether the email belongs to anyone: nothing happens for an
    unknown, invited, deactivated or single-sign-on operator, and at most one email a
    minute goes to anyone (the link sent a moment ago still works).
    """
    now = deps.now()
    # Only an active operator holds their email as login key; the others hold placeholders.
    operator = await Operator.get_or_none(email_key=key)
    if (
        operator is None
        or operator.status is not OperatorStatus.ACTIVE
        or operator.uses_single_sign_on
    ):
        return
    async with in_transaction():
        # Holding the operator, concurrent requests decide one after the other.
        await Operator.filter(id=operator.id).select_for_update(no_key=True).first()
        recent = await OneTimeToken.exists(
            operator_id=operator.id,
            purpose=TokenPurpose.PASSWORD_RESET,
            created_at__gt=now - RESET_EMAIL_PAUSE,
        )
        if recent:
            return
        token = await tokens.issue(operator.id, TokenPurpose.PASSWORD_RESET, now)
        await audit.record(
            AuditEventKind.PASSWORD_RESET_REQUESTED,
            account_id=operator.account_id,
            target_id=operator.id,
            now=now,
        )
        await notify(
            deps,
            MailKind.PASSWORD_RESET,
            operator,
            now,
            link=deps.outbox.link(PASSWORD_RESET_PATH, token),
        )


async def reset_password(deps: Dependencies, token: str, new_password: str) -> Operator:
    """Set a new password with a reset link's token, and end every session of the operator.

    The token is used up; no session is issued. Only an operator who is still active and
    signs in with a password may use it.
    """
    now = deps.now()
    row = await tokens.find(token, (TokenPurpose.PASSWORD_RESET,), now, TOKEN_FIELD)
    check_new_password(new_password, NEW_PASSWORD_FIELD)
    password_hash = await deps.hasher.hash(new_password)
    async with in_transaction():
        await tokens.consume(row, TOKEN_FIELD)
        operator = await Operator.filter(id=row.operator_id).select_for_update(no_key=True).get()
        if operator.status is not OperatorStatus.ACTIVE or operator.uses_single_sign_on:
            raise tokens.token_invalid(TOKEN_FIELD)
        ended = await _set_password(operator, password_hash, keep_session_id=None)
        await forget_all(operator.id, ForgetReason.PASSWORD_RESET, now)
        await audit.record_own(
            AuditEventKind.PASSWORD_RESET, operator, now, details={"sessionsEnded": ended}
        )
        await notify(
            deps,
            MailKind.PASSWORD_CHANGED,
            operator,
            now,
            how="with a password reset link",
            sessions="You were logged out everywhere; log in again with the new password.",
        )
    return operator


async def _set_password(
    operator: Operator, password_hash: str, *, keep_session_id: int | None
) -> int:
    """Store the new hash, end the sessions and void what the old password vouched for.

    Call inside a transaction; returns how many sessions ended.
    """
    await Operator.filter(id=operator.id).update(password_hash=password_hash)
    operator.password_hash = password_hash
    await OneTimeToken.filter(operator_id=operator.id, purpose__in=VOIDED_BY_NEW_PASSWORD).delete()
    return await sessions.revoke_operator_sessions(operator.id, keep_session_id=keep_session_id)

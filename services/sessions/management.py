"""Seeing and ending sessions: one's own, or any in the account for an administrator.

A session from another account, or another operator's for a non-administrator, answers
exactly like one that does not exist. Ending sessions needs a recent authentication, so a
stolen session cannot shut its owner out.
"""

from __future__ import annotations

from datetime import datetime

from tortoise.transactions import in_transaction

from models import Operator, Session
from services import audit, sessions
from services.acting import Acting, Machine, begin_administration, hold_administration
from services.actors import hold_actor
from services.api_keys import ApiKeyScope
from services.audit import AuditEventKind
from services.errors import not_found
from services.machinery.dependencies import Dependencies
from services.operators import is_administrator, may_read_operator, operator_in_account
from services.sessions.reauthentication import ensure_recent_authentication

SESSION_ID_FIELD = ("input", "sessionId")
OPERATOR_ID_FIELD = ("input", "operatorId")


async def visible_session(
    viewer: Operator, session_id: int | None, now: datetime
) -> Session | None:
    """Return the unexpired session if ``viewer`` may see it, else None.

    Operators see their own sessions; administrators every session of their account.
    """
    if session_id is None:
        return None
    found = await Session.get_or_none(id=session_id, expires_at__gt=now).select_related("operator")
    if found is None or not may_read_operator(viewer, found.operator_id, found.operator.account_id):
        return None
    return found


async def live_sessions_page(
    operator_id: int, now: datetime, *, before_id: int | None, limit: int
) -> tuple[list[Session], bool]:
    """Return up to ``limit`` unexpired sessions of an operator older than ``before_id``.

    Newest first; the flag says whether older ones follow.
    """
    query = Session.filter(operator_id=operator_id, expires_at__gt=now)
    if before_id is not None:
        query = query.filter(id__lt=before_id)
    rows = await query.order_by("-id").limit(limit + 1)
    return rows[:limit], len(rows) > limit


async def revoke_session(
    deps: Dependencies, actor: Operator, current: Session, session_id: int | None
) -> Session:
    """End one session the actor may see; return it (its row is gone)."""
    ensure_recent_authentication(deps, current)
    now = deps.now()
    async with in_transaction():
        # Whose sessions the actor sees is decided by their role as stored now.
        me = await hold_actor(actor, current, now)
        target = await visible_session(me, session_id, now)
        if target is None:
            raise not_found(SESSION_ID_FIELD)
        await sessions.revoke_session(target.id)
        await _audit(me, target.operator, 1, now)
    return target


async def revoke_operator_sessions(
    deps: Dependencies, acting: Acting, operator_id: int | None
) -> tuple[Operator, int]:
    """End an operator's sessions; for the actor's own, all but the current one.

    Administrators may end those of anyone in their account, and so may API keys with
    MANAGE_OPERATORS; others only their own. Returns the operator and how many ended.
    """
    if isinstance(acting, Machine):
        return await _revoke_for_key(deps, acting, operator_id)
    actor, current = acting.operator, acting.session
    ensure_recent_authentication(deps, current)
    if operator_id != actor.id and not is_administrator(actor):
        raise not_found(OPERATOR_ID_FIELD)
    now = deps.now()
    async with in_transaction():
        if operator_id == actor.id:
            operator = me = await hold_actor(actor, current, now)
        else:
            me = await hold_actor(actor, current, now, administrator=True)
            operator = await operator_in_account(
                me.account_id, operator_id, OPERATOR_ID_FIELD, lock=True
            )
        keep = current.id if operator.id == me.id else None
        count = await sessions.revoke_operator_sessions(operator.id, keep_session_id=keep)
        await _audit(me, operator, count, now)
    return operator, count


async def _revoke_for_key(
    deps: Dependencies, acting: Machine, operator_id: int | None
) -> tuple[Operator, int]:
    """End every session of an operator of the key's account (MANAGE_OPERATORS)."""
    begin_administration(deps, acting, ApiKeyScope.MANAGE_OPERATORS)
    now = deps.now()
    async with in_transaction():
        held = await hold_administration(acting, ApiKeyScope.MANAGE_OPERATORS, now)
        operator = await operator_in_account(
            held.account_id, operator_id, OPERATOR_ID_FIELD, lock=True
        )
        count = await sessions.revoke_operator_sessions(operator.id)
        await held.record(
            AuditEventKind.SESSIONS_REVOKED,
            now=now,
            target_id=operator.id,
            details={"count": count},
        )
    return operator, count


async def _audit(actor: Operator, operator: Operator, count: int, now: datetime) -> None:
    await audit.record(
        AuditEventKind.SESSIONS_REVOKED,
        account_id=operator.account_id,
        actor_id=actor.id,
        target_id=operator.id,
        now=now,
        details={"count": count},
    )

"""The actor of a change, read again where the change is written.

A request is authenticated when it starts, but what it changes is written later: after a
password hash, a code check, or the earlier mutations of the same request. Meanwhile the
session may have been revoked, the operator deactivated or demoted. So every change made
from a session starts its transaction with ``hold_actor``, which takes the locks that
deactivation and role changes take and reads the session and the operator again under
them: a change either commits before the actor lost their authority, or sees that they
did and is refused.

Locks are always taken in one order, so that two changes never wait on each other in a
cycle: the account's row (administrators' changes, deactivation, role changes, policy),
then operator rows (the actor's, then a target's), then everything else. A change of the
actor's own that takes no account lock (their 2FA, password, sessions) holds the actor's
row, which deactivation and role changes hold as well, and never takes the account's
after it. SQLite runs one writing transaction at a time, so there the order holds by itself.

The locks are PostgreSQL's ``FOR NO KEY UPDATE``: rows inserted meanwhile that refer to the
account or the operator (sessions, audit events, tokens) check their reference with a
``KEY SHARE`` lock, which a plain ``FOR UPDATE`` would make wait, and a transaction that
holds an operator and writes its audit event would then wait on one that holds the account
and waits for that operator.
"""

from __future__ import annotations

from datetime import datetime

from models import Account, Operator, Session
from services.errors import Forbidden, SessionEnded
from services.operators import is_administrator
from services.sessions import accepts


async def hold_actor(
    actor: Operator, session: Session, now: datetime, *, administrator: bool = False
) -> Operator:
    """Lock and read the actor again inside the change's transaction; return them as stored.

    ``session`` is brought up to date too: its methods and authentication time as stored.

    With ``administrator`` the account's row is locked first and the actor must still
    administer it. Raises SessionEnded when the session is gone, expired or no longer
    satisfies the operator's policy, or the operator is no longer active; Forbidden when
    an administrator's change finds the actor demoted.
    """
    if administrator:
        account = await Account.filter(id=actor.account_id).select_for_update(no_key=True).get()
    me = await Operator.filter(id=actor.id).select_for_update(no_key=True).first()
    live = await Session.filter(id=session.id, operator_id=actor.id, expires_at__gt=now).first()
    if me is None or live is None:
        raise SessionEnded
    if not administrator:
        account = await Account.get(id=me.account_id)
    me.account = account
    if not accepts(live, me, now):
        raise SessionEnded
    # What the session proved is judged as stored now, not as the request first read it:
    # a removal that stripped a factor from it may have committed meanwhile.
    session.authentication_methods = live.authentication_methods
    session.authenticated_at = live.authenticated_at
    if administrator and not is_administrator(me):
        raise Forbidden("Only administrators may do this.")
    return me

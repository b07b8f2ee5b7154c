"""Who makes an administrator's change: a person through their session, or an API key.

A person needs the administrator role and a recent authentication; a key needs the scope
of the change (it is not a person: no recent authentication, no role). Either is read
again where the change is written, under the account's lock (``hold_administration``): a
session ended or a key revoked or expired meanwhile stops the change (``SessionEnded``),
and so does an actor demoted meanwhile (``Forbidden``). The audit log records the person
as the actor, or the key (``AuditEvent.api_key``) with no actor.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from models import Account, ApiKey, Operator, Session
from services import audit
from services.actors import hold_actor
from services.api_keys import ApiKeyScope, holds
from services.errors import Forbidden, SessionEnded
from services.machinery.dependencies import Dependencies
from services.operators import require_administrator
from services.sessions.reauthentication import ensure_recent_authentication


@dataclass(frozen=True)
class Person:
    """An administrator acting through their session."""

    operator: Operator
    session: Session


@dataclass(frozen=True)
class Machine:
    """An API key acting for its account."""

    key: ApiKey


Acting = Person | Machine
"""Whoever makes an administrator's change."""


@dataclass(frozen=True)
class Held:
    """The actor of a change as read again inside its transaction, the account locked."""

    account: Account
    """The account the change is made in, locked until the transaction ends."""
    operator: Operator | None
    """The acting administrator as stored; None when a key acts."""
    api_key: ApiKey | None
    """The acting key as stored; None when a person acts."""

    @property
    def account_id(self) -> int:
        """The account's key."""
        return self.account.id

    @property
    def operator_id(self) -> int | None:
        """The acting person's key, for the audit log's actor (None for a key)."""
        return self.operator.id if self.operator is not None else None

    @property
    def api_key_id(self) -> int | None:
        """The acting key's key, for the audit log (None for a person)."""
        return self.api_key.id if self.api_key is not None else None

    async def record(
        self,
        kind: audit.AuditEventKind,
        *,
        now: datetime,
        target_id: int | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        """Append an audit event of this change: the person as its actor, or the key."""
        await audit.record(
            kind,
            account_id=self.account_id,
            actor_id=self.operator_id,
            api_key_id=self.api_key_id,
            target_id=target_id,
            now=now,
            details=details,
        )

    @property
    def name(self) -> str:
        """How an email names whoever made the change."""
        if self.operator is not None:
            return self.operator.name
        assert self.api_key is not None
        return f"{self.api_key.name} (an API key of {self.account.name})"


def begin_administration(deps: Dependencies, acting: Acting, scope: ApiKeyScope) -> None:
    """Refuse at once what the change's write would refuse anyway.

    A person who is no administrator or authenticated too long ago; a key without ``scope``.
    """
    if isinstance(acting, Person):
        require_administrator(acting.operator)
        ensure_recent_authentication(deps, acting.session)
    elif not holds(acting.key, scope):
        raise Forbidden("This API key's scopes do not allow this.")


async def hold_administration(acting: Acting, scope: ApiKeyScope, now: datetime) -> Held:
    """Lock the account and read the actor again, inside the change's transaction."""
    if isinstance(acting, Person):
        me = await hold_actor(acting.operator, acting.session, now, administrator=True)
        return Held(account=me.account, operator=me, api_key=None)
    account = await Account.filter(id=acting.key.account_id).select_for_update(no_key=True).get()
    key = await ApiKey.filter(
        id=acting.key.id, account_id=account.id, revoked_at=None, expires_at__gt=now
    ).first()
    if key is None:
        raise SessionEnded
    if not holds(key, scope):
        raise Forbidden("This API key's scopes do not allow this.")
    return Held(account=account, operator=None, api_key=key)

"""An operator's password and code locks: reading them in bulk, and lifting them.

The throttle counts guesses per key (``services.machinery.throttle``). The keys that belong to one
operator are:

- their code key (TOTP and recovery codes, at login and wherever a code is asked);
- their reauthentication key (passwords typed into ``reauthenticate``);
- their login email for every client address (the email-wide key);
- their login email from each client address (the (email, address) pairs, found by scope).
  A pair lock keeps out only the address that earned it.

The email keys are those of the operator's *login key* (``Operator.email_key``). Only an
active operator holds their email's key: an invited or deactivated one holds a placeholder
that no login can type, so the counters of that email are not theirs (they may belong to
an active operator of another account) and are neither shown nor cleared through them.
The per-address counter (all emails from one address) belongs to no operator and is left
alone.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from tortoise.expressions import Q

from models import Throttle
from services.machinery import throttle
from services.sessions.reauthentication import reauthentication_key


@dataclass(frozen=True)
class OperatorKeys:
    """The throttle keys and the pair scope of one operator."""

    operator_id: int
    keys: tuple[str, ...]
    """Code, reauthentication and email-wide keys."""
    scope: str
    """Scope of the operator's (email, address) pair rows."""


def keys_of(operator_id: int, login_key: str) -> OperatorKeys:
    """Return the throttle keys of the operator ``operator_id`` whose login key is given."""
    return OperatorKeys(
        operator_id=operator_id,
        keys=(
            throttle.code_key(operator_id),
            reauthentication_key(operator_id),
            throttle.email_wide_key(login_key),
        ),
        scope=throttle.email_digest(login_key),
    )


def _rows_of(operators: Iterable[OperatorKeys]) -> Q:
    listed = list(operators)
    return Q(key__in=[key for o in listed for key in o.keys]) | Q(
        scope__in=[o.scope for o in listed]
    )


async def locked_until_by_operator(
    operators: Iterable[tuple[int, str]], now: datetime
) -> dict[int, datetime | None]:
    """Return when each operator's latest running lock ends (None: not locked), in one query.

    ``operators`` are (operator id, login key) pairs.
    """
    wanted = [keys_of(operator_id, login_key) for operator_id, login_key in operators]
    result: dict[int, datetime | None] = {o.operator_id: None for o in wanted}
    if not wanted:
        return result
    owner_of_key = {key: o.operator_id for o in wanted for key in o.keys}
    owner_of_scope = {o.scope: o.operator_id for o in wanted}
    rows = await Throttle.filter(_rows_of(wanted), locked_until__gt=now).values_list(
        "key", "scope", "locked_until"
    )
    for key, scope, locked_until in rows:
        owner = owner_of_key.get(key)
        if owner is None:
            owner = owner_of_scope.get(scope)
        if owner is None:
            continue
        latest = result[owner]
        result[owner] = locked_until if latest is None else max(latest, locked_until)
    return result


async def clear(operator_id: int, login_key: str, now: datetime) -> datetime | None:
    """Lift the operator's password and code locks and forget their failure counts.

    Rows are reset, not deleted, so that attempts running beside this always find theirs
    (as ``throttle.succeeded`` does). Run it inside a transaction: the email-wide row is
    taken before the pair rows, in the order a login takes them, so the two never wait on
    each other in a cycle. Returns the end of the latest lock that was running.
    """
    wanted = keys_of(operator_id, login_key)
    locked = await locked_until_by_operator([(operator_id, login_key)], now)
    reset = {"failures": 0, "locked_until": None, "last_failure_at": None}
    await Throttle.filter(key=throttle.email_wide_key(login_key)).update(**reset)
    await Throttle.filter(scope=wanted.scope).update(**reset)
    await Throttle.filter(
        key__in=[throttle.code_key(operator_id), reauthentication_key(operator_id)]
    ).update(**reset)
    return locked[operator_id]
